// The model-fit aggregates' RfmData bytes (RfmData::deserialize), input of
// BG/NBD, MBG/NBD and Pareto/NBD fits. Checks: any bytes either decode or
// throw a documented exception; every decoded row passes validate_rfm; the
// state re-serialises to bytes that decode to the same bytes again; merging
// a copy doubles the customers (or throws on overflow).
#include "clv/models/data.hpp"

#include "fuzz_support.hpp"

#include <optional>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using clv::models::RfmData;
  std::optional<RfmData> rfm;
  fuzz::documented("RfmData::deserialize", [&] {
    rfm.emplace(RfmData::deserialize(std::string_view(reinterpret_cast<const char*>(data), size)));
  });
  if (!rfm) return 0;

  uint64_t customers = 0;
  for (const auto& row : rfm->rows()) {
    clv::models::validate_rfm(row.x, row.t_x, row.T);  // throws = finding
    fuzz::check(row.weight > 0, "row with weight 0");
    customers += row.weight;
  }
  fuzz::check(customers == rfm->customers(), "customer count differs from the rows");

  const std::string bytes = rfm->serialize();
  fuzz::check(RfmData::deserialize(bytes).serialize() == bytes, "RfmData round trip changed bytes");

  fuzz::documented("RfmData::merge", [&] {
    RfmData merged = *rfm;
    merged.merge(*rfm);
    fuzz::check(merged.customers() == 2 * rfm->customers() && merged.distinct() == rfm->distinct(),
                "merging a copy did not double the weights");
  });
  return 0;
}
