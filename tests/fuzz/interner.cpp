// The identifier interner of identity resolution, fed arbitrary byte strings
// (the input split at '\n'; any bytes, empty strings and NUL included).
// Checks: equal strings get equal ids and distinct strings distinct ones,
// view(id) and view_at(entry(id)) give back the exact bytes, find() agrees
// with intern(), intern_many() gives the ids intern() gave, and
// ids_in_byte_order() is a permutation in memcmp order.
#include "clv/identity/interner.hpp"

#include "fuzz_support.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  clv::identity::Interner interner;
  std::map<std::string, uint32_t> expected;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> identifiers;
  std::vector<uint32_t> ids;
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view identifier = input.substr(start, end - start);
    fuzz::check(interner.find(identifier) == (expected.count(std::string(identifier))
                                                  ? expected[std::string(identifier)]
                                                  : clv::identity::Interner::kNotFound),
                "find() disagrees before intern()");
    bool added;
    const uint32_t id = interner.intern(identifier, added);
    const auto [it, is_new] = expected.emplace(std::string(identifier), id);
    fuzz::check(added == is_new && it->second == id, "intern() gave an inconsistent id");
    fuzz::check(interner.view(id) == identifier, "view() differs from the interned bytes");
    fuzz::check(clv::identity::Interner::view_at(interner.entry(id)) == identifier,
                "view_at(entry()) differs from the interned bytes");
    identifiers.push_back(identifier);
    ids.push_back(id);
    start = end + 1;
  }
  clv::identity::Interner batched;
  std::vector<uint32_t> batched_ids(identifiers.size());
  // Uneven batches, so some end inside intern_many's own blocks of lookups.
  for (size_t begin = 0; begin < identifiers.size(); begin += 37) {
    const size_t count = std::min<size_t>(37, identifiers.size() - begin);
    batched.intern_many(&identifiers[begin], count, &batched_ids[begin]);
  }
  fuzz::check(batched_ids == ids, "intern_many() differs from intern()");
  fuzz::check(interner.size() == expected.size(), "size() differs from the distinct strings");

  const auto order = interner.ids_in_byte_order();
  fuzz::check(order.size() == expected.size(), "ids_in_byte_order() has the wrong size");
  size_t i = 0;
  for (const auto& [identifier, id] : expected)  // std::map orders std::string bytewise
    fuzz::check(order[i++] == id, "ids_in_byte_order() is not in memcmp order");
  return 0;
}
