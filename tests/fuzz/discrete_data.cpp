// The BG/BB fit aggregate's DiscreteData bytes (DiscreteData::deserialize).
// Checks: any bytes either decode or throw a documented exception; every
// decoded row passes validate_discrete; the state re-serialises to bytes that
// decode to the same bytes again; merging a copy doubles the customers (or
// throws on overflow).
#include "clv/models/data.hpp"

#include "fuzz_support.hpp"

#include <optional>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using clv::models::DiscreteData;
  std::optional<DiscreteData> discrete;
  fuzz::documented("DiscreteData::deserialize", [&] {
    discrete.emplace(
        DiscreteData::deserialize(std::string_view(reinterpret_cast<const char*>(data), size)));
  });
  if (!discrete) return 0;

  uint64_t customers = 0;
  for (const auto& row : discrete->rows()) {
    clv::models::validate_discrete(row.x, row.t_x, row.n);  // throws = finding
    fuzz::check(row.weight > 0, "row with weight 0");
    customers += row.weight;
  }
  fuzz::check(customers == discrete->customers(), "customer count differs from the rows");

  const std::string bytes = discrete->serialize();
  fuzz::check(DiscreteData::deserialize(bytes).serialize() == bytes,
              "DiscreteData round trip changed bytes");

  fuzz::documented("DiscreteData::merge", [&] {
    DiscreteData merged = *discrete;
    merged.merge(*discrete);
    fuzz::check(merged.customers() == 2 * discrete->customers() &&
                    merged.distinct() == discrete->distinct(),
                "merging a copy did not double the weights");
  });
  return 0;
}
