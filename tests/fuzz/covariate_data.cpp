// The covariate fits' CovariateRfmData bytes (CovariateRfmData::deserialize).
// Checks: any bytes either decode or throw a documented exception; every
// decoded group has the state's number of finite covariates and valid rows;
// the state re-serialises to bytes that decode to the same bytes again;
// merging a copy doubles the customers (or throws on overflow).
#include "clv/models/covariates.hpp"

#include "fuzz_support.hpp"

#include <optional>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using clv::models::CovariateRfmData;
  std::optional<CovariateRfmData> decoded;
  fuzz::documented("CovariateRfmData::deserialize", [&] {
    decoded.emplace(
        CovariateRfmData::deserialize(std::string_view(reinterpret_cast<const char*>(data), size)));
  });
  if (!decoded) return 0;

  uint64_t customers = 0;
  for (const auto& group : decoded->groups()) {
    fuzz::check(group.z.size() == decoded->covariates(), "group with another number of covariates");
    clv::models::validate_covariates(group.z.data(), group.z.size());  // throws = finding
    for (const auto& row : group.data.rows()) {
      clv::models::validate_rfm(row.x, row.t_x, row.T);
      customers += row.weight;
    }
  }
  fuzz::check(customers == decoded->customers(), "customer count differs from the rows");

  const std::string bytes = decoded->serialize();
  fuzz::check(CovariateRfmData::deserialize(bytes).serialize() == bytes,
              "CovariateRfmData round trip changed bytes");

  fuzz::documented("CovariateRfmData::merge", [&] {
    CovariateRfmData merged = *decoded;
    merged.merge(*decoded);
    fuzz::check(
        merged.customers() == 2 * decoded->customers() && merged.distinct() == decoded->distinct(),
        "merging a copy did not double the weights");
  });
  return 0;
}
