// Trend statistics of the per-period sums (see clv/trend/trend.hpp for the
// rules); lateness and churn risk are in churn.cpp.
#include "clv/common/assertions.hpp"  // before Boost: library assertions throw
#include "clv/trend/trend.hpp"

#include "clv/common/checked.hpp"
#include "clv/common/format.hpp"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>

namespace clv::trend {

namespace {

// Relative size below which a sum of squares is rounding noise: a constant
// series (variation vs sum of squares) or a perfect fit (residual vs variation).
constexpr double constant_series_tolerance = 1e-20;
constexpr double perfect_fit_tolerance = 1e-12;

constexpr double change_point_trimming = 0.15;
constexpr int min_segment_periods = 3;

// Critical values of sup-F for this design (x = 0..n-1, a line per segment,
// each segment at least max(3, ceil(0.15 n)) periods) under i.i.d. Gaussian
// noise, simulated with 400,000 replications (100,000 from n = 1000). The
// statistic is invariant to the noise scale and to adding any line, so they
// depend on n alone. Andrews' (1993) tables assume stationary regressors and
// reject 7-12% of null series at a nominal 5% with a time-trend regressor.
struct SupFCriticalValues {
  int periods;
  double at_10_percent, at_5_percent, at_1_percent;
};
constexpr SupFCriticalValues sup_f_critical_values[] = {
    {6, 9.01, 19.13, 102.12}, {7, 8.73, 15.05, 47.44},  {8, 8.08, 12.59, 31.52},
    {9, 7.54, 10.98, 23.79},  {10, 7.14, 9.95, 19.68},  {11, 6.87, 9.34, 17.18},
    {12, 6.68, 8.89, 15.53},  {14, 6.40, 8.25, 13.62},  {16, 6.22, 7.87, 12.43},
    {18, 6.09, 7.59, 11.67},  {20, 6.02, 7.42, 11.10},  {25, 5.71, 6.98, 10.16},
    {30, 5.53, 6.68, 9.56},   {40, 5.48, 6.53, 9.08},   {50, 5.38, 6.39, 8.76},
    {60, 5.39, 6.37, 8.63},   {80, 5.38, 6.32, 8.49},   {100, 5.38, 6.29, 8.40},
    {150, 5.39, 6.28, 8.28},  {200, 5.43, 6.31, 8.28},  {300, 5.46, 6.34, 8.28},
    {500, 5.51, 6.38, 8.33},  {1000, 5.58, 6.44, 8.34}, {2000, 5.62, 6.47, 8.34},
    {5000, 5.70, 6.59, 8.50},
};

void check_change_point_significance(double significance) {
  if (significance != 0.10 && significance != 0.05 && significance != 0.01)
    throw std::invalid_argument("change_point_significance must be 0.10, 0.05 or 0.01, got " +
                                format_number(significance));
}

double critical_value_column(const SupFCriticalValues& row, double significance) {
  check_change_point_significance(significance);
  if (significance == 0.10) return row.at_10_percent;
  return significance == 0.05 ? row.at_5_percent : row.at_1_percent;
}

// Linear interpolation in n between table rows; the last row beyond it.
double sup_f_critical_value(std::int64_t periods, double significance) {
  const SupFCriticalValues* upper = std::begin(sup_f_critical_values);
  while (upper + 1 != std::end(sup_f_critical_values) && upper->periods < periods) ++upper;
  const double upper_value = critical_value_column(*upper, significance);
  if (upper == std::begin(sup_f_critical_values) || upper->periods <= periods) return upper_value;
  const SupFCriticalValues* lower = upper - 1;
  const double weight = static_cast<double>(periods - lower->periods) /
                        static_cast<double>(upper->periods - lower->periods);
  return critical_value_column(*lower, significance) * (1.0 - weight) + upper_value * weight;
}

// Sum of squared deviations of x over a run of m consecutive integers.
double consecutive_sxx(double m) {
  return m * (m * m - 1.0) / 12.0;
}

// The per-period series: x = 0..n-1 relative to the first period, y = the sum
// of the entry at x or 0, times `scale`.
struct Series {
  const PeriodSum* entries;
  std::size_t count;
  std::int64_t first_period;
  std::int64_t periods;
  double scale;

  std::int64_t x(std::size_t i) const {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(entries[i].period) -
                                     static_cast<std::uint64_t>(first_period));
  }
  double y(std::size_t i) const { return entries[i].sum * scale; }
};

// Sums of squares of up to 2^31 periods stay finite while |y| < 2^480.
constexpr int max_unscaled_exponent = 480;

// A power of two bringing the largest |y| below 1 when values are so large
// that sums of squares would overflow, else 1. Every statistic is
// homogeneous in y and multiplying by a power of two is exact, so the
// results are those of the unscaled series (without its overflow).
double value_scale(const PeriodSum* entries, std::size_t count) {
  double largest = 0;
  for (std::size_t i = 0; i < count; ++i) largest = std::max(largest, std::fabs(entries[i].sum));
  int exponent;
  std::frexp(largest, &exponent);
  return exponent > max_unscaled_exponent ? std::ldexp(1.0, -exponent) : 1.0;
}

// Moments of the one-line fit, centred (x about its mean c, y about its mean).
struct LineFit {
  double mean = 0;  // mean per-period value
  double sxx = 0;   // sum (x - c)^2
  double sxy = 0;   // sum (x - c) y
  double syy = 0;   // sum (y - mean)^2
  double rss = 0;   // residual sum of squares of the OLS line
  bool constant = false;
};

LineFit fit_line(const Series& s) {
  const double n = static_cast<double>(s.periods);
  const double centre = (n - 1.0) / 2.0;
  LineFit fit;
  double total = 0;
  double sum_of_squares = 0;
  for (std::size_t i = 0; i < s.count; ++i) {
    total += s.y(i);
    sum_of_squares += s.y(i) * s.y(i);
  }
  fit.mean = total / n;
  fit.sxx = consecutive_sxx(n);
  const double empty_periods = n - static_cast<double>(s.count);
  fit.syy = empty_periods * fit.mean * fit.mean;
  for (std::size_t i = 0; i < s.count; ++i) {
    const double deviation = s.y(i) - fit.mean;
    fit.sxy += (static_cast<double>(s.x(i)) - centre) * s.y(i);
    fit.syy += deviation * deviation;
  }
  fit.constant = fit.syy <= constant_series_tolerance * sum_of_squares;
  if (fit.constant) {
    fit.sxy = fit.syy = 0;
  } else if (n >= 2) {
    fit.rss = std::max(0.0, fit.syy - fit.sxy * fit.sxy / fit.sxx);
    if (fit.rss <= perfect_fit_tolerance * fit.syy) fit.rss = 0;
  }
  return fit;
}

double slope_p_value(const LineFit& fit, std::int64_t periods) {
  if (fit.constant) return 1.0;
  if (fit.rss == 0) return 0.0;
  const double degrees_of_freedom = static_cast<double>(periods - 2);
  const double slope = fit.sxy / fit.sxx;
  const double standard_error = std::sqrt(fit.rss / degrees_of_freedom / fit.sxx);
  const boost::math::students_t t_distribution(degrees_of_freedom);
  return 2.0 * boost::math::cdf(
                   boost::math::complement(t_distribution, std::abs(slope) / standard_error));
}

struct ChangePointTest {
  std::int64_t split;  // first x of the second segment
  double sup_f;
};

// Scans every admissible split once, keeping running sums of z = y - mean,
// z^2 and (x - c) z for the left segment; the right segment is the total minus
// the left. Returns the split with the smallest two-segment RSS (the largest F).
std::optional<ChangePointTest> sup_f_test(const Series& s, const LineFit& line,
                                          const InterruptPoll& poll) {
  const std::int64_t n = s.periods;
  const std::int64_t min_segment = std::max<std::int64_t>(
      min_segment_periods,
      static_cast<std::int64_t>(std::ceil(change_point_trimming * static_cast<double>(n))));
  if (line.constant || line.rss == 0 || n - min_segment < min_segment) return std::nullopt;

  const double nd = static_cast<double>(n);
  const double centre = (nd - 1.0) / 2.0;
  double total_z = -line.mean * (nd - static_cast<double>(s.count));
  for (std::size_t i = 0; i < s.count; ++i) total_z += s.y(i) - line.mean;

  InterruptTicker ticker(poll);
  double left_z = 0, left_zz = 0, left_uz = 0;
  double best_rss = std::numeric_limits<double>::infinity();
  std::int64_t best_split = 0;
  std::size_t next_entry = 0;
  for (std::int64_t x = 0; x < n - min_segment; ++x) {
    ticker.tick();
    double y = 0;
    if (next_entry < s.count && s.x(next_entry) == x) y = s.y(next_entry++);
    const double z = y - line.mean;
    const double u = static_cast<double>(x) - centre;
    left_z += z;
    left_zz += z * z;
    left_uz += u * z;

    const std::int64_t split = x + 1;
    if (split < min_segment) continue;
    const double left_m = static_cast<double>(split);
    const double right_m = nd - left_m;
    const double left_u_mean = (left_m - 1.0) / 2.0 - centre;
    const double right_u_mean = (left_m + nd - 1.0) / 2.0 - centre;
    const double right_z = total_z - left_z;
    const double right_zz = line.syy - left_zz;
    const double right_uz = line.sxy - left_uz;

    const double left_suz = left_uz - left_u_mean * left_z;
    const double right_suz = right_uz - right_u_mean * right_z;
    const double left_rss =
        left_zz - left_z * left_z / left_m - left_suz * left_suz / consecutive_sxx(left_m);
    const double right_rss =
        right_zz - right_z * right_z / right_m - right_suz * right_suz / consecutive_sxx(right_m);
    const double split_rss = std::max(0.0, left_rss) + std::max(0.0, right_rss);
    if (split_rss < best_rss) {
      best_rss = split_rss;
      best_split = split;
    }
  }
  if (best_rss <= perfect_fit_tolerance * line.syy)
    return ChangePointTest{best_split, std::numeric_limits<double>::infinity()};
  const double f = ((line.rss - best_rss) / 2.0) / (best_rss / (nd - 4.0));
  return ChangePointTest{best_split, std::max(0.0, f)};
}

double window_sum(const Series& s, std::int64_t from_x, std::int64_t to_x) {
  double sum = 0;
  for (std::size_t i = s.count; i-- > 0;) {
    const std::int64_t x = s.x(i);
    if (x < from_x) break;
    if (x <= to_x) sum += s.y(i);
  }
  return sum;
}

}  // namespace

std::string_view direction_name(Direction direction) {
  switch (direction) {
    case Direction::rising:
      return "rising";
    case Direction::stable:
      return "stable";
    case Direction::declining:
      return "declining";
    case Direction::lapsed:
      return "lapsed";
    case Direction::new_customer:
      return "new";
  }
  throw std::invalid_argument("unknown trend direction");
}

Direction parse_direction(std::string_view name) {
  for (Direction direction : {Direction::rising, Direction::stable, Direction::declining,
                              Direction::lapsed, Direction::new_customer})
    if (direction_name(direction) == name) return direction;
  throw std::invalid_argument("unknown trend direction \"" + std::string(name) +
                              "\" (expected rising, stable, declining, lapsed or new)");
}

void validate(const TrendOptions& options) {
  if (options.window_periods < 1)
    throw std::invalid_argument("window_periods must be at least 1, got " +
                                std::to_string(options.window_periods));
  if (options.min_periods < 3)
    throw std::invalid_argument("min_periods must be at least 3, got " +
                                std::to_string(options.min_periods));
  if (!(std::isfinite(options.min_relative_slope) && options.min_relative_slope >= 0))
    throw std::invalid_argument("min_relative_slope must be a finite number >= 0, got " +
                                format_number(options.min_relative_slope));
  if (!(options.slope_significance > 0 && options.slope_significance < 1))
    throw std::invalid_argument("slope_significance must be in (0, 1), got " +
                                format_number(options.slope_significance));
  check_change_point_significance(options.change_point_significance);
  if (options.min_change_point_periods < 2 * min_segment_periods)
    throw std::invalid_argument("min_change_point_periods must be at least 6, got " +
                                std::to_string(options.min_change_point_periods));
}

TrendResult finalize_trend(const PeriodSum* entries, std::size_t count, std::int64_t as_of_period,
                           const TrendOptions& options, const InterruptPoll& poll) {
  validate(options);
  if (count == 0) throw std::invalid_argument("trend of a customer without purchases");
  for (std::size_t i = 1; i < count; ++i)
    if (entries[i].period <= entries[i - 1].period)
      throw std::invalid_argument("trend periods must be sorted and distinct");
  const std::int64_t first = entries[0].period;
  const std::int64_t last = entries[count - 1].period;
  if (last > as_of_period)
    throw std::invalid_argument("purchase in period " + std::to_string(last) +
                                " is after as_of's period " + std::to_string(as_of_period));
  const std::uint64_t span =
      static_cast<std::uint64_t>(as_of_period) - static_cast<std::uint64_t>(first);
  if (span >= static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max()))
    throw std::range_error("trend spans more than 2147483647 periods");

  const double scale = value_scale(entries, count);
  const Series series{entries, count, first, static_cast<std::int64_t>(span) + 1, scale};
  const std::int64_t n = series.periods;
  const LineFit line = fit_line(series);

  TrendResult result;
  result.periods = static_cast<std::int32_t>(n);
  if (n >= 2) {
    const double slope = line.constant ? 0.0 : line.sxy / line.sxx;
    // Unscaled, a slope between extreme values may still exceed a double.
    result.slope = finite_result(slope / scale, "the trend slope");
    if (line.mean > 0) result.relative_slope = slope / line.mean;
  }
  if (n >= 3) {
    if (!line.constant) result.r_squared = std::clamp(1.0 - line.rss / line.syy, 0.0, 1.0);
    result.slope_p_value = slope_p_value(line, n);
  }

  const std::int64_t k = options.window_periods;
  const std::int64_t recent_length = std::min(k, n);
  result.recent_mean =
      window_sum(series, n - recent_length, n - 1) / static_cast<double>(recent_length) / scale;
  if (n >= 2 * k)
    result.previous_mean =
        window_sum(series, n - 2 * k, n - k - 1) / static_cast<double>(k) / scale;

  if (n >= options.min_change_point_periods) {
    if (const auto test = sup_f_test(series, line, poll)) {
      result.sup_f = test->sup_f;
      const double critical = sup_f_critical_value(n, options.change_point_significance);
      if (test->sup_f > critical) result.change_point = static_cast<std::int32_t>(test->split);
    }
  }

  const bool lapsed = series.x(count - 1) < n - k;
  if (lapsed) {
    result.direction = Direction::lapsed;
  } else if (n < options.min_periods) {
    result.direction = Direction::new_customer;
  } else {
    const bool significant = *result.slope_p_value <= options.slope_significance;
    const double relative = result.relative_slope.value_or(0.0);
    if (significant && relative >= options.min_relative_slope)
      result.direction = Direction::rising;
    else if (significant && relative <= -options.min_relative_slope)
      result.direction = Direction::declining;
    else
      result.direction = Direction::stable;
  }
  return result;
}

}  // namespace clv::trend
