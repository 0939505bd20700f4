// Settings and final computation of the lateness aggregate state.
#include "clv/trend/lateness.hpp"

namespace clv::trend {

void LatenessSettings::validate() const {
  if (unit_us <= 0) throw std::invalid_argument("unit must be a positive interval");
}

std::optional<double> lateness_of_periods(const std::int64_t* periods, std::size_t count,
                                          const LatenessSettings& settings) {
  // Times in units from the first purchase period, so doubles stay exact; in
  // 128 bits, since periods read from bytes may lie further apart than int64.
  const std::int64_t first = periods[0];
  std::vector<double> times;
  times.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    times.push_back(static_cast<double>(static_cast<__int128>(periods[i]) - first));
  const __int128 first_start = static_cast<__int128>(first) * settings.unit_us;
  const double t = static_cast<double>(settings.as_of_local - first_start) /
                   static_cast<double>(settings.unit_us);
  return median_gap_lateness(std::move(times), t);
}

}  // namespace clv::trend
