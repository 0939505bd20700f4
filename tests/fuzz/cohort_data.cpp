// The sBG fit aggregate's CohortData bytes (CohortData::deserialize). Checks:
// any bytes either decode or throw a documented exception; decoded periods
// are distinct and ascending; the bytes of a decoded state are canonical
// (re-serialising gives bytes that decode to the same bytes again); merging a
// copy doubles every count or throws on overflow.
#include "clv/models/data.hpp"

#include "fuzz_support.hpp"

#include <optional>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using clv::models::CohortData;
  std::optional<CohortData> cohort;
  fuzz::documented("CohortData::deserialize", [&] {
    cohort.emplace(
        CohortData::deserialize(std::string_view(reinterpret_cast<const char*>(data), size)));
  });
  if (!cohort) return 0;

  const auto rows = cohort->rows();
  for (size_t i = 1; i < rows.size(); ++i)
    fuzz::check(rows[i - 1].period < rows[i].period, "cohort periods not ascending");

  const std::string bytes = cohort->serialize();
  fuzz::check(CohortData::deserialize(bytes).serialize() == bytes,
              "CohortData round trip changed bytes");

  fuzz::documented("CohortData::merge", [&] {
    CohortData merged = *cohort;
    merged.merge(*cohort);
    const auto doubled = merged.rows();
    fuzz::check(doubled.size() == rows.size(), "merging a copy changed the periods");
    for (size_t i = 0; i < rows.size(); ++i)
      fuzz::check(doubled[i].active == 2 * rows[i].active, "merging a copy did not double");
  });
  return 0;
}
