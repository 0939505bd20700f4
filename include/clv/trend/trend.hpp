// Churn trend of one customer: the value trend over periods, lateness against
// the customer's own purchase rhythm, and a churn-risk label.
//
// The PostgreSQL boundary maps timestamps to integer period indices (in the
// session's time zone); this core only sees (period index, amount) pairs and
// as_of's period index. Per-period values are collected by
// clv::trend::TrendAccumulator (clv/trend_accumulator.hpp) and turned into a
// TrendResult by finalize_trend().
//
// Model. Periods run from the customer's first period (x = 0) to as_of's
// period (x = n - 1); a period without purchases has value 0. All statistics
// come from closed forms over the distinct purchase periods (sums of x, x^2,
// y, xy) plus one O(n) scan for the change point, so millions of empty
// periods are never materialised. Eigen is deliberately not used: the models
// have two and four coefficients whose normal equations solve in closed form,
// and a dense design matrix would materialise exactly the zero periods the
// closed forms avoid.
//
// Direction (first rule that matches wins; thresholds are TrendOptions):
//   lapsed    no purchase in the last k periods (so always more than k periods)
//   new       fewer than min_periods periods
//   rising    slope significant (two-sided t-test, p <= slope_significance) and
//             relative_slope >= +min_relative_slope
//   declining slope significant and relative_slope <= -min_relative_slope
//   stable    otherwise (including a mean per-period value <= 0)
//
// Change point. For every split s (periods [0, s) and [s, n)) the two-segment
// fit (separate intercept and slope per segment) is compared with the one-line
// fit by the Chow F statistic F(s) = ((RSS_line - RSS_split(s)) / 2) /
// (RSS_split(s) / (n - 4)). Because s is chosen as the maximiser, F(s) is not
// F-distributed: the test is sup-F (Quandt-Andrews) over splits leaving at
// least max(3, ceil(0.15 n)) periods on each side, and the change point is
// reported when sup F exceeds its critical value at change_point_significance.
// Andrews' (1993) tables do not apply (they assume stationary regressors; with
// a time trend they reject 7-12% of null series at 5%), so the critical values
// were simulated for exactly this design under i.i.d. Gaussian noise, where the
// statistic's distribution depends on n alone (table in src/core/trend.cpp;
// at 5%: 12.6 for 8 periods, 7.4 for 20, 6.3 for 100, 6.6 for 5000 and more).
// Per-period purchase values are zero-inflated rather than Gaussian, so read
// the significance level as nominal.
#pragma once

#include "clv/common/errors.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace clv::trend {

enum class Direction { rising, stable, declining, lapsed, new_customer };

// "rising", "stable", "declining", "lapsed", "new".
std::string_view direction_name(Direction direction);
// Inverse of direction_name(); std::invalid_argument for any other text.
Direction parse_direction(std::string_view name);

// One period's summed amount, kept as an unevaluated sum `sum + compensation`
// (a double-double) so that per-period sums do not depend on the order in which
// rows arrive or partial states are merged. Invariant: sum == sum + compensation
// in double arithmetic, so `sum` alone is the correctly rounded total.
struct PeriodSum {
  std::int64_t period;
  double sum;
  double compensation;
};

struct TrendOptions {
  // Length of the recent and previous windows (recent_mean, previous_mean, lapsed).
  int window_periods = 3;
  // Fewer periods than this -> 'new'. At least 3, so the slope test has a residual.
  int min_periods = 6;
  // |relative_slope| (slope / mean per-period value) needed for rising/declining.
  // Per period: with non-negative values |relative_slope| <= 6 / (n + 1), so
  // choose the period length (e.g. a month) so that this is reachable.
  double min_relative_slope = 0.05;
  // Two-sided p-value of the OLS slope at or below which it counts as a trend.
  double slope_significance = 0.05;
  // Level of the sup-F change-point test: 0.10, 0.05 or 0.01.
  double change_point_significance = 0.05;
  // No change-point test below this many periods (at least 6: 3 per segment).
  int min_change_point_periods = 8;
};

// Throws std::invalid_argument naming the first bad option.
void validate(const TrendOptions& options);

struct TrendResult {
  std::int32_t periods = 0;                  // first period .. as_of's period, inclusive
  std::optional<double> slope;               // value per period; NULL for one period
  std::optional<double> relative_slope;      // slope / mean per-period value; NULL if mean <= 0
  std::optional<double> r_squared;           // NULL below 3 periods or for a constant series
  std::optional<double> recent_mean;         // mean of the last min(k, periods) periods
  std::optional<double> previous_mean;       // mean of the k periods before; NULL below 2k periods
  std::optional<std::int32_t> change_point;  // 0-based offset of the first period after the
                                             // break; NULL when not significant
  Direction direction = Direction::new_customer;
  // Diagnostics, not part of the SQL composite.
  std::optional<double> slope_p_value;  // two-sided t-test of slope = 0
  std::optional<double> sup_f;          // sup-F statistic; NULL when the test was not run
};

// Trend of the sorted, distinct-period sums in entries[0..count), evaluated at
// as_of_period. Throws std::invalid_argument for an empty or unsorted input, a
// purchase after as_of_period or bad options, std::range_error when the span
// exceeds INT32_MAX periods. O(count + periods); polls `poll` in the O(periods) scan.
TrendResult finalize_trend(const PeriodSum* entries, std::size_t count, std::int64_t as_of_period,
                           const TrendOptions& options = {}, const InterruptPoll& poll = {});

// (t - recency) / (recency / frequency): time since the last purchase in units
// of the mean inter-purchase time, with BTYD frequency (repeat purchases),
// recency (time of the last purchase since the first) and age t in one unit.
// NULL for frequency = 0 (no gap observed yet). std::invalid_argument for
// non-finite or negative inputs, t < recency, or recency = 0 with frequency > 0;
// std::range_error when the result overflows a double.
std::optional<double> lateness(double frequency, double recency, double t);

// Time since the last purchase over the median gap between the customer's
// distinct purchase times (duplicates are ignored, order does not matter):
// robust to one long pause. NULL with fewer than two distinct times.
// std::invalid_argument for non-finite times or t before the last purchase;
// std::range_error when the result or the median gap overflows a double.
std::optional<double> median_gap_lateness(std::vector<double> purchase_times, double t);

enum class ChurnRisk { low, medium, high, churned };

// "low", "medium", "high", "churned".
std::string_view churn_risk_name(ChurnRisk risk);

// Thresholds of churn_risk(); the defaults are the documented rule.
struct ChurnRiskRule {
  double churned_p_alive = 0.10;
  double churned_lateness = 3.0;  // together with direction 'lapsed'
  double high_p_alive = 0.30;
  double high_lateness = 2.0;
  double medium_p_alive = 0.60;
  double medium_lateness = 1.0;
};

// First rule that matches wins; an unknown (NULL) lateness or direction makes
// the clauses that mention it false, except where stated:
//   churned  p_alive < 0.10, or lapsed and lateness > 3
//   high     p_alive < 0.30, or lateness > 2, or declining and lateness > 1,
//            or lapsed unless lateness is known to be <= 1 (still on rhythm)
//   medium   p_alive < 0.60, or lateness > 1, or lapsed, or declining
//   low      otherwise
// std::invalid_argument for p_alive outside [0, 1], a negative or non-finite
// lateness, or a rule whose thresholds are not ordered.
ChurnRisk churn_risk(double p_alive, std::optional<double> lateness,
                     std::optional<Direction> direction, const ChurnRiskRule& rule = {});

}  // namespace clv::trend
