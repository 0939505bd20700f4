// Exact per-period sums of the trend aggregate state and their validation.
#include "clv/trend/accumulator.hpp"

#include "clv/common/sums.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace clv::trend {

// The CompensatedSum kernel, renormalised after every step: the state's byte
// format stores each period's (sum, compensation) with sum + compensation ==
// sum, which deserialisation checks.
void add_to_period_sum(PeriodSum& total, double amount) {
  const ExactSum head = two_sum(total.sum, amount);
  if (!std::isfinite(head.rounded))
    throw std::range_error("per-period sum of amounts overflows float8");
  const ExactSum renormalised = two_sum(head.rounded, total.compensation + head.error);
  total.sum = renormalised.rounded;
  total.compensation = renormalised.error;
}

void check_period_sum(const PeriodSum& entry, const PeriodSum* previous) {
  const std::string period = std::to_string(entry.period);
  if (previous != nullptr && entry.period <= previous->period)
    throw std::invalid_argument("trend state: period " + period + " is not after period " +
                                std::to_string(previous->period));
  if (!std::isfinite(entry.sum) || !std::isfinite(entry.compensation))
    throw std::invalid_argument("trend state: non-finite sum in period " + period);
  if (entry.sum + entry.compensation != entry.sum)
    throw std::invalid_argument("trend state: sum of period " + period + " is not normalised");
}

bool TrendSettings::operator==(const TrendSettings& o) const {
  const TrendOptions& a = options;
  const TrendOptions& b = o.options;
  return as_of == o.as_of && as_of_local == o.as_of_local && period_us == o.period_us &&
         a.window_periods == b.window_periods && a.min_periods == b.min_periods &&
         a.min_relative_slope == b.min_relative_slope &&
         a.slope_significance == b.slope_significance;
}

std::int64_t TrendSettings::as_of_period() const {
  return floor_div(as_of_local, period_us);
}

void TrendSettings::validate() const {
  if (period_us < 1000000) throw std::invalid_argument("period must be at least one second");
  trend::validate(options);
}

void TrendSettings::append_to(ByteWriter& out) const {
  write_header(out, trend_settings_tag, trend_settings_version);
  out.i64(as_of);
  out.i64(as_of_local);
  out.i64(period_us);
  out.i64(options.window_periods);
  out.i64(options.min_periods);
  out.f64(options.min_relative_slope);
  out.f64(options.slope_significance);
}

TrendSettings TrendSettings::read_from(ByteReader& in) {
  in.expect_header(trend_settings_tag, trend_settings_version);
  TrendSettings s;
  s.as_of = in.i64();
  s.as_of_local = in.i64();
  s.period_us = in.i64();
  const std::int64_t window = in.i64(), min_periods = in.i64();
  constexpr std::int64_t int_max = std::numeric_limits<int>::max();
  if (window < 1 || window > int_max || min_periods < 1 || min_periods > int_max)
    throw std::invalid_argument("trend state has invalid trend thresholds");
  s.options.window_periods = static_cast<int>(window);
  s.options.min_periods = static_cast<int>(min_periods);
  s.options.min_relative_slope = in.f64();
  s.options.slope_significance = in.f64();
  s.validate();
  return s;
}

}  // namespace clv::trend
