// Trend statistics (finalize_trend via TrendAccumulator), lateness and churn risk.
#include "clv/common/eigen.hpp"
#include "clv/trend/accumulator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <vector>

namespace clv::trend {
namespace {

constexpr double pi = 3.14159265358979323846;

// Trend of purchases given as {period: amount}, evaluated at as_of_period.
TrendResult trend_of(const std::map<std::int64_t, double>& purchases, std::int64_t as_of_period,
                     const TrendOptions& options = {}) {
  TrendAccumulator accumulator;
  for (const auto& [period, amount] : purchases) accumulator.add(period, amount);
  return accumulator.finalize(as_of_period, options);
}

// One purchase per period 0..values.size()-1, as_of the last of them.
TrendResult trend_of_every_period(const std::vector<double>& values,
                                  const TrendOptions& options = {}) {
  std::map<std::int64_t, double> purchases;
  for (std::size_t x = 0; x < values.size(); ++x)
    purchases[static_cast<std::int64_t>(x)] = values[x];
  return trend_of(purchases, static_cast<std::int64_t>(values.size()) - 1, options);
}

TEST(Trend, SteadilyRisingSeries) {
  const TrendResult r = trend_of_every_period({10, 20, 30, 40, 50, 60, 70, 80});
  EXPECT_EQ(r.periods, 8);
  EXPECT_NEAR(*r.slope, 10.0, 1e-12);
  EXPECT_NEAR(*r.relative_slope, 10.0 / 45.0, 1e-12);
  EXPECT_NEAR(*r.r_squared, 1.0, 1e-12);
  EXPECT_NEAR(*r.recent_mean, 70.0, 1e-12);
  EXPECT_NEAR(*r.previous_mean, 40.0, 1e-12);
  EXPECT_EQ(*r.slope_p_value, 0.0);
  EXPECT_FALSE(r.change_point);  // a perfect line has nothing to split
  EXPECT_EQ(r.direction, Direction::rising);
}

TEST(Trend, FlatSeries) {
  const TrendResult r = trend_of_every_period(std::vector<double>(12, 50.0));
  EXPECT_EQ(r.periods, 12);
  EXPECT_EQ(*r.slope, 0.0);
  EXPECT_EQ(*r.relative_slope, 0.0);
  EXPECT_FALSE(r.r_squared);  // no variation to explain
  EXPECT_NEAR(*r.recent_mean, 50.0, 1e-12);
  EXPECT_NEAR(*r.previous_mean, 50.0, 1e-12);
  EXPECT_FALSE(r.change_point);
  EXPECT_EQ(r.direction, Direction::stable);
}

TEST(Trend, DecliningSeries) {
  const TrendResult r = trend_of_every_period({100, 90, 80, 70, 60, 50, 40});
  EXPECT_NEAR(*r.slope, -10.0, 1e-12);
  EXPECT_NEAR(*r.relative_slope, -10.0 / 70.0, 1e-12);
  EXPECT_NEAR(*r.recent_mean, 50.0, 1e-12);
  EXPECT_NEAR(*r.previous_mean, 80.0, 1e-12);
  EXPECT_EQ(r.direction, Direction::declining);
}

TEST(Trend, GapsCountAsZeroByHand) {
  // y = 6, 0, 0, 3: mean 2.25, Sxx 5, Sxy -4.5, Syy 24.75.
  const TrendResult r = trend_of({{0, 6.0}, {3, 3.0}}, 3);
  EXPECT_EQ(r.periods, 4);
  EXPECT_NEAR(*r.slope, -0.9, 1e-12);
  EXPECT_NEAR(*r.relative_slope, -0.4, 1e-12);
  EXPECT_NEAR(*r.r_squared, 4.05 / 24.75, 1e-12);
  EXPECT_NEAR(*r.recent_mean, 1.0, 1e-12);
  EXPECT_FALSE(r.previous_mean);  // fewer than 2k periods
  EXPECT_EQ(r.direction, Direction::new_customer);
}

TEST(Trend, SlopePValueMatchesClosedFormForOneDegreeOfFreedom) {
  // y = 1, 2, 4: slope 1.5, RSS 1/6, se sqrt(1/12), t = 1.5 sqrt(12); for
  // Student's t with 1 df the two-sided p-value is (2/pi) atan(1/t).
  const TrendResult r = trend_of_every_period({1, 2, 4});
  const double t = 1.5 * std::sqrt(12.0);
  EXPECT_NEAR(*r.slope, 1.5, 1e-12);
  EXPECT_NEAR(*r.slope_p_value, 2.0 / pi * std::atan(1.0 / t), 1e-10);
}

TEST(Trend, LapsedCustomer) {
  const TrendResult r = trend_of({{0, 10}, {1, 10}, {2, 10}, {3, 10}, {4, 10}, {5, 10}}, 9);
  EXPECT_EQ(r.periods, 10);
  EXPECT_EQ(*r.recent_mean, 0.0);
  EXPECT_NEAR(*r.previous_mean, 20.0 / 3.0, 1e-12);  // periods 4, 5, 6
  EXPECT_EQ(r.direction, Direction::lapsed);
}

TEST(Trend, LapsedTakesPrecedenceOverNew) {
  EXPECT_EQ(trend_of({{0, 10}}, 3).direction, Direction::lapsed);
  EXPECT_EQ(trend_of({{0, 10}}, 2).direction, Direction::new_customer);
}

TEST(Trend, SinglePurchaseIsNew) {
  const TrendResult r = trend_of({{100, 42.0}}, 100);
  EXPECT_EQ(r.periods, 1);
  EXPECT_FALSE(r.slope);
  EXPECT_FALSE(r.relative_slope);
  EXPECT_FALSE(r.r_squared);
  EXPECT_NEAR(*r.recent_mean, 42.0, 1e-12);
  EXPECT_FALSE(r.previous_mean);
  EXPECT_FALSE(r.change_point);
  EXPECT_EQ(r.direction, Direction::new_customer);
}

TEST(Trend, ZeroAmountPurchasesStillCountAsActivity) {
  const TrendResult r = trend_of({{0, 0.0}, {9, 0.0}}, 9);
  EXPECT_EQ(*r.slope, 0.0);
  EXPECT_FALSE(r.relative_slope);  // mean 0
  EXPECT_EQ(r.direction, Direction::stable);
}

TEST(Trend, ThresholdsAreConfigurable) {
  const std::vector<double> rising = {10, 20, 30, 40, 50, 60, 70, 80};
  TrendOptions strict;
  strict.min_relative_slope = 0.5;
  EXPECT_EQ(trend_of_every_period(rising, strict).direction, Direction::stable);
  TrendOptions patient;
  patient.min_periods = 10;
  EXPECT_EQ(trend_of_every_period(rising, patient).direction, Direction::new_customer);
  TrendOptions wide_window;
  wide_window.window_periods = 4;
  const TrendResult r = trend_of_every_period(rising, wide_window);
  EXPECT_NEAR(*r.recent_mean, 65.0, 1e-12);
  EXPECT_NEAR(*r.previous_mean, 25.0, 1e-12);
}

TEST(Trend, NoisyRiseIsSignificantOnlyWithEnoughEvidence) {
  const std::vector<double> noisy = {12, 8, 15, 11, 18, 14, 21, 17, 24, 20};
  const TrendResult r = trend_of_every_period(noisy);
  EXPECT_LT(*r.slope_p_value, 0.05);
  EXPECT_EQ(r.direction, Direction::rising);
  TrendOptions demanding;
  demanding.slope_significance = 1e-6;
  EXPECT_EQ(trend_of_every_period(noisy, demanding).direction, Direction::stable);
}

// A level shift from about 100 to about 20 after period 10 of 20.
TEST(Trend, ClearChangePointIsFoundAtTheRightIndex) {
  const double noise[20] = {3, -2, 1, -3, 2, 0, -1, 2, -2, 1, 2, -1, 0, 3, -3, 1, -2, 2, -1, 0};
  std::vector<double> values;
  for (int x = 0; x < 20; ++x) values.push_back((x < 10 ? 100.0 : 20.0) + noise[x]);
  const TrendResult r = trend_of_every_period(values);
  ASSERT_TRUE(r.change_point);
  EXPECT_EQ(*r.change_point, 10);
  EXPECT_GT(*r.sup_f, 11.10);  // the 1% critical value for 20 periods
}

TEST(Trend, ChangePointSignificanceLevelIsConfigurable) {
  // A shift of 9 on noise of +-3: sup F = 9.65, between the 10% (6.02) and the
  // 1% (11.10) critical values for 20 periods.
  const double noise[20] = {3, -2, 1, -3, 2, 0, -1, 2, -2, 1, 2, -1, 0, 3, -3, 1, -2, 2, -1, 0};
  std::vector<double> values;
  for (int x = 0; x < 20; ++x) values.push_back((x < 10 ? 59.0 : 50.0) + noise[x]);
  TrendOptions options;
  options.change_point_significance = 0.10;
  EXPECT_EQ(trend_of_every_period(values, options).change_point, 10);
  options.change_point_significance = 0.01;
  const TrendResult r = trend_of_every_period(values, options);
  EXPECT_NEAR(*r.sup_f, 9.65, 0.01);
  EXPECT_FALSE(r.change_point);
}

TEST(Trend, ExactTwoSegmentSeriesHasInfiniteSupF) {
  std::vector<double> values(16, 30.0);
  for (int x = 6; x < 16; ++x) values[x] = 60.0 + 5.0 * (x - 6);  // jump, then a ramp
  const TrendResult r = trend_of_every_period(values);
  ASSERT_TRUE(r.change_point);
  EXPECT_EQ(*r.change_point, 6);
  EXPECT_TRUE(std::isinf(*r.sup_f));
}

TEST(Trend, NoisySeriesWithoutChangePoint) {
  const std::vector<double> values = {52, 47, 55, 44, 50, 58, 46, 51, 49, 56, 43, 53,
                                      48, 57, 45, 50, 54, 47, 52, 46, 55, 49, 51, 48};
  const TrendResult r = trend_of_every_period(values);
  ASSERT_TRUE(r.sup_f);
  EXPECT_LT(*r.sup_f, 5.71);  // below even the 10% critical value for 24 periods
  EXPECT_FALSE(r.change_point);
  EXPECT_EQ(r.direction, Direction::stable);
}

TEST(Trend, ChangePointNeedsEnoughPeriods) {
  const TrendResult r = trend_of_every_period({100, 100, 100, 10, 10, 10, 10});
  EXPECT_FALSE(r.sup_f);  // 7 < min_change_point_periods
  EXPECT_FALSE(r.change_point);
}

// Independent dense reference: OLS of a materialised series by Eigen's QR.
struct DenseFit {
  double slope;
  double r_squared;
  double rss;
};

DenseFit dense_ols(const std::vector<double>& y, std::size_t from, std::size_t to) {
  const Eigen::Index m = static_cast<Eigen::Index>(to - from);
  Eigen::MatrixXd design(m, 2);
  Eigen::VectorXd target(m);
  for (Eigen::Index i = 0; i < m; ++i) {
    design(i, 0) = 1.0;
    design(i, 1) = static_cast<double>(from) + static_cast<double>(i);
    target(i) = y[from + static_cast<std::size_t>(i)];
  }
  const Eigen::Vector2d beta = design.colPivHouseholderQr().solve(target);
  const double rss = (target - design * beta).squaredNorm();
  const double tss = (target.array() - target.mean()).square().sum();
  return {beta(1), 1.0 - rss / tss, rss};
}

TEST(Trend, SparseSeriesMatchesDenseOlsWithZeroFilledGaps) {
  std::mt19937_64 random(20240607);
  for (int round = 0; round < 20; ++round) {
    const std::int64_t first = static_cast<std::int64_t>(random() % 1000) - 500;
    const std::size_t n = 20 + random() % 200;
    std::vector<double> dense(n, 0.0);
    std::map<std::int64_t, double> purchases;
    for (std::size_t x = 0; x < n; ++x) {
      if (x != 0 && random() % 4 != 0) continue;
      const double amount = static_cast<double>(random() % 50000) / 100.0 + 0.01;
      dense[x] = amount;
      purchases[first + static_cast<std::int64_t>(x)] = amount;
    }
    const TrendResult r = trend_of(purchases, first + static_cast<std::int64_t>(n) - 1);
    const DenseFit line = dense_ols(dense, 0, n);
    double mean = 0;
    for (double y : dense) mean += y / static_cast<double>(n);
    ASSERT_EQ(r.periods, static_cast<std::int32_t>(n));
    EXPECT_NEAR(*r.slope, line.slope, 1e-9 * (1 + std::abs(line.slope)));
    EXPECT_NEAR(*r.relative_slope, line.slope / mean, 1e-9);
    EXPECT_NEAR(*r.r_squared, line.r_squared, 1e-9);

    // Brute-force sup-F over the same admissible splits.
    const std::size_t min_segment =
        std::max<std::size_t>(3, static_cast<std::size_t>(std::ceil(0.15 * n)));
    double best_rss = std::numeric_limits<double>::infinity();
    std::size_t best_split = 0;
    for (std::size_t split = min_segment; split + min_segment <= n; ++split) {
      const double rss = dense_ols(dense, 0, split).rss + dense_ols(dense, split, n).rss;
      if (rss < best_rss) {
        best_rss = rss;
        best_split = split;
      }
    }
    const double sup_f = ((line.rss - best_rss) / 2) / (best_rss / static_cast<double>(n - 4));
    ASSERT_TRUE(r.sup_f);
    EXPECT_NEAR(*r.sup_f, sup_f, 1e-7 * (1 + sup_f));
    if (r.change_point) {
      EXPECT_EQ(static_cast<std::size_t>(*r.change_point), best_split);
    }
  }
}

TEST(Trend, TenYearsOfDailyPeriods) {
  TrendAccumulator accumulator;
  for (std::int64_t day = 0; day < 3650; day += 30) accumulator.add(day, 100.0 + day / 30.0);
  const TrendResult r = accumulator.finalize(3649);
  EXPECT_EQ(r.periods, 3650);
  EXPECT_GT(*r.slope, 0.0);
  EXPECT_TRUE(r.sup_f);
}

TEST(Trend, LongScanPollsForCancellation) {
  TrendAccumulator accumulator;
  accumulator.add(0, 1.0);
  accumulator.add(500000, 2.0);
  accumulator.add(999999, 1.0);
  const InterruptPoll cancel = [] { throw Cancelled(); };
  EXPECT_THROW(accumulator.finalize(999999, {}, cancel), Cancelled);
  EXPECT_NO_THROW(accumulator.finalize(999999));
}

TEST(Trend, RejectsBadInput) {
  TrendAccumulator empty;
  EXPECT_THROW(empty.finalize(0), std::invalid_argument);

  TrendAccumulator accumulator;
  accumulator.add(10, 1.0);
  EXPECT_THROW(accumulator.finalize(9), std::invalid_argument);  // purchase after as_of
  EXPECT_THROW(accumulator.finalize(std::int64_t{10} + std::numeric_limits<std::int32_t>::max()),
               std::range_error);
  EXPECT_THROW(accumulator.finalize(std::numeric_limits<std::int64_t>::max()), std::range_error);

  const PeriodSum unsorted[] = {{2, 1.0, 0.0}, {1, 1.0, 0.0}};
  EXPECT_THROW(finalize_trend(unsorted, 2, 5), std::invalid_argument);

  const auto rejects = [&](auto mutate) {
    TrendOptions options;
    mutate(options);
    EXPECT_THROW(accumulator.finalize(20, options), std::invalid_argument);
  };
  rejects([](TrendOptions& o) { o.window_periods = 0; });
  rejects([](TrendOptions& o) { o.min_periods = 2; });
  rejects([](TrendOptions& o) { o.min_relative_slope = -0.1; });
  rejects([](TrendOptions& o) { o.min_relative_slope = std::nan(""); });
  rejects([](TrendOptions& o) { o.slope_significance = 0.0; });
  rejects([](TrendOptions& o) { o.slope_significance = 1.0; });
  rejects([](TrendOptions& o) { o.change_point_significance = 0.02; });
  rejects([](TrendOptions& o) { o.min_change_point_periods = 5; });
}

TEST(Trend, DirectionNamesRoundTrip) {
  for (Direction d : {Direction::rising, Direction::stable, Direction::declining, Direction::lapsed,
                      Direction::new_customer})
    EXPECT_EQ(parse_direction(direction_name(d)), d);
  EXPECT_EQ(direction_name(Direction::new_customer), "new");
  EXPECT_THROW(parse_direction("Rising"), std::invalid_argument);
}

TEST(Lateness, MeanInterPurchaseTime) {
  EXPECT_DOUBLE_EQ(*lateness(2, 10, 15), 1.0);  // mean gap 5, 5 since the last
  EXPECT_DOUBLE_EQ(*lateness(3, 12, 20), 2.0);  // mean gap 4, 8 since the last
  EXPECT_DOUBLE_EQ(*lateness(4, 10, 10), 0.0);  // bought today
  EXPECT_DOUBLE_EQ(*lateness(1, 2.5, 8.75), 2.5);
  EXPECT_FALSE(lateness(0, 0, 5));
}

TEST(Lateness, RejectsBadInput) {
  EXPECT_THROW(lateness(-1, 10, 15), std::invalid_argument);
  EXPECT_THROW(lateness(1, -1, 15), std::invalid_argument);
  EXPECT_THROW(lateness(1, 10, 5), std::invalid_argument);
  EXPECT_THROW(lateness(2, 0, 5), std::invalid_argument);
  EXPECT_THROW(lateness(std::nan(""), 10, 15), std::invalid_argument);
  EXPECT_THROW(lateness(1, 10, std::numeric_limits<double>::infinity()), std::invalid_argument);
}

TEST(Lateness, MedianGap) {
  // Gaps 10, 2, 18 -> median 10; 10 since the last purchase.
  EXPECT_DOUBLE_EQ(*median_gap_lateness({0, 10, 12, 30}, 40), 1.0);
  // Unsorted with a duplicate: the same distinct times.
  EXPECT_DOUBLE_EQ(*median_gap_lateness({30, 0, 10, 10, 12}, 40), 1.0);
  // Gaps 4, 6, 2, 18 -> median (4 + 6) / 2 = 5.
  EXPECT_DOUBLE_EQ(*median_gap_lateness({0, 4, 10, 12, 30}, 40), 2.0);
  EXPECT_DOUBLE_EQ(*median_gap_lateness({0, 7}, 7), 0.0);
  EXPECT_FALSE(median_gap_lateness({}, 1));
  EXPECT_FALSE(median_gap_lateness({3, 3}, 5));
  EXPECT_THROW(median_gap_lateness({0, 10}, 5), std::invalid_argument);
  EXPECT_THROW(median_gap_lateness({0, std::nan("")}, 5), std::invalid_argument);
  EXPECT_THROW(median_gap_lateness({0, 1}, std::nan("")), std::invalid_argument);
}

// Found by fuzzing (tests/fuzz/lateness.cpp): a tiny mean gap made lateness
// infinite; results outside the double range now throw std::range_error.
TEST(Lateness, OverflowThrowsRangeError) {
  EXPECT_THROW(lateness(35, 6.1182969766982504e-308, 101548.625), std::range_error);
  EXPECT_THROW(median_gap_lateness({0, 1e-300}, 1e10), std::range_error);
  EXPECT_THROW(median_gap_lateness({-1e308, 1e308}, 1e308), std::range_error);
  EXPECT_DOUBLE_EQ(*lateness(35, 1e-300, 1e-300), 0.0);
}

TEST(ChurnRisk, RuleTable) {
  const std::optional<double> unknown;
  struct Case {
    double p_alive;
    std::optional<double> lateness;
    std::optional<Direction> direction;
    ChurnRisk expected;
  };
  const Case cases[] = {
      {0.95, 0.5, Direction::stable, ChurnRisk::low},
      {0.95, unknown, std::nullopt, ChurnRisk::low},
      {0.95, 0.5, Direction::rising, ChurnRisk::low},
      {0.95, 0.5, Direction::new_customer, ChurnRisk::low},
      {0.05, 0.0, Direction::rising, ChurnRisk::churned},  // p_alive < 0.1
      {0.10, 0.0, Direction::rising, ChurnRisk::high},     // 0.1 is not below 0.1
      {0.95, 3.5, Direction::lapsed, ChurnRisk::churned},
      {0.95, 3.0, Direction::lapsed, ChurnRisk::high},      // lateness 3 is not beyond 3
      {0.95, unknown, Direction::lapsed, ChurnRisk::high},  // lapsed, rhythm unknown
      {0.95, 0.8, Direction::lapsed, ChurnRisk::medium},    // lapsed but on rhythm
      {0.95, 3.5, Direction::stable, ChurnRisk::high},      // late, not lapsed
      {0.95, 3.5, std::nullopt, ChurnRisk::high},
      {0.25, 0.0, Direction::stable, ChurnRisk::high},
      {0.95, 1.5, Direction::declining, ChurnRisk::high},
      {0.95, 0.5, Direction::declining, ChurnRisk::medium},
      {0.95, unknown, Direction::declining, ChurnRisk::medium},
      {0.95, 1.5, Direction::stable, ChurnRisk::medium},
      {0.50, 0.0, Direction::rising, ChurnRisk::medium},
      {0.60, 1.0, Direction::stable, ChurnRisk::low},
  };
  for (const Case& c : cases)
    EXPECT_EQ(churn_risk(c.p_alive, c.lateness, c.direction), c.expected)
        << "p_alive " << c.p_alive << " lateness " << c.lateness.value_or(-1) << " direction "
        << (c.direction ? direction_name(*c.direction) : "unknown");
}

TEST(ChurnRisk, NamesAndBadInput) {
  EXPECT_EQ(churn_risk_name(ChurnRisk::low), "low");
  EXPECT_EQ(churn_risk_name(ChurnRisk::medium), "medium");
  EXPECT_EQ(churn_risk_name(ChurnRisk::high), "high");
  EXPECT_EQ(churn_risk_name(ChurnRisk::churned), "churned");
  EXPECT_THROW(churn_risk(1.5, 0.0, std::nullopt), std::invalid_argument);
  EXPECT_THROW(churn_risk(std::nan(""), 0.0, std::nullopt), std::invalid_argument);
  EXPECT_THROW(churn_risk(0.5, -1.0, std::nullopt), std::invalid_argument);
  EXPECT_THROW(churn_risk(0.5, std::nan(""), std::nullopt), std::invalid_argument);
  ChurnRiskRule unordered;
  unordered.high_p_alive = 0.05;
  EXPECT_THROW(churn_risk(0.5, 0.0, std::nullopt, unordered), std::invalid_argument);
}

}  // namespace
}  // namespace clv::trend
