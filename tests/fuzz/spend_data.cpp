// The Gamma-Gamma fit aggregate's SpendData bytes (SpendData::deserialize).
// Checks: any bytes either decode or throw a documented exception; decoded
// rows have x > 0 and pass validate_spend; the state re-serialises to bytes
// that decode to the same bytes again; merging a copy doubles the customers.
#include "clv/models/data.hpp"

#include "fuzz_support.hpp"

#include <optional>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using clv::models::SpendData;
  std::optional<SpendData> spend;
  fuzz::documented("SpendData::deserialize", [&] {
    spend.emplace(
        SpendData::deserialize(std::string_view(reinterpret_cast<const char*>(data), size)));
  });
  if (!spend) return 0;

  uint64_t customers = 0;
  for (const auto& row : spend->rows()) {
    clv::models::validate_spend(row.x, row.m_x);  // throws = finding
    fuzz::check(row.x > 0 && row.weight > 0, "row with x = 0 or weight 0");
    customers += row.weight;
  }
  fuzz::check(customers == spend->customers(), "customer count differs from the rows");

  const std::string bytes = spend->serialize();
  fuzz::check(SpendData::deserialize(bytes).serialize() == bytes,
              "SpendData round trip changed bytes");

  fuzz::documented("SpendData::merge", [&] {
    SpendData merged = *spend;
    merged.merge(*spend);
    fuzz::check(merged.customers() == 2 * spend->customers(),
                "merging a copy did not double the weights");
  });
  return 0;
}
