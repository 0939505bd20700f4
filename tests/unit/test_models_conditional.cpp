// Forecasts. Conditional P(X(t) = n | x, t_x, T) of BG/NBD, MBG/NBD and
// Pareto/NBD: a distribution (sums to 1 over n) whose mean is the model's
// own expected_purchases, and which reduces to the new-customer pmf for a
// customer with no history at age 0. The tracking curve of a cohort against
// sums computed by hand.
#include "clv/models/bgnbd.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/tracking.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace {

using namespace clv::models;

// CDNOW's histories (weeks): none, a few, a frequent buyer, a lapsed one.
const std::array<std::array<double, 3>, 4> kHistories = {
    {{0, 0, 38.0}, {2, 30.4, 38.9}, {7, 35, 38}, {12, 10, 39}}};

template <class Prob, class Mean>
void expect_distribution(Prob prob, Mean mean, double horizon) {
  for (const auto& h : kHistories) {
    double total = 0, first_moment = 0;
    for (int n = 0; n <= 400; ++n) {
      const double p = prob(n, h[0], h[1], h[2], horizon);
      ASSERT_GE(p, 0);
      total += p;
      first_moment += n * p;
    }
    const double expected = mean(h[0], h[1], h[2], horizon);
    EXPECT_NEAR(total, 1, 1e-9) << "x=" << h[0];
    EXPECT_NEAR(first_moment, expected, 1e-7 * expected) << "x=" << h[0];
  }
}

TEST(ConditionalProbPurchases, BgNbdIsADistributionWithTheExpectedMean) {
  const bgnbd::Params p{0.243, 4.414, 0.793, 2.426};
  for (double horizon : {1.0, 39.0, 200.0})
    expect_distribution(
        [&](int n, double x, double t_x, double T, double t) {
          return bgnbd::conditional_prob_purchases(p, n, x, t_x, T, t);
        },
        [&](double x, double t_x, double T, double t) {
          return bgnbd::expected_purchases(p, x, t_x, T, t);
        },
        horizon);
}

TEST(ConditionalProbPurchases, MbgNbdIsADistributionWithTheExpectedMean) {
  const mbgnbd::Params p{0.525, 6.183, 0.891, 1.614};
  for (double horizon : {1.0, 39.0, 200.0})
    expect_distribution(
        [&](int n, double x, double t_x, double T, double t) {
          return mbgnbd::conditional_prob_purchases(p, n, x, t_x, T, t);
        },
        [&](double x, double t_x, double T, double t) {
          return mbgnbd::expected_purchases(p, x, t_x, T, t);
        },
        horizon);
}

TEST(ConditionalProbPurchases, ParetoNbdIsADistributionWithTheExpectedMean) {
  const pareto_nbd::Params p{0.553, 10.578, 0.606, 11.669};
  for (double horizon : {1.0, 39.0, 200.0})
    expect_distribution(
        [&](int n, double x, double t_x, double T, double t) {
          return pareto_nbd::conditional_prob_purchases(p, n, x, t_x, T, t);
        },
        [&](double x, double t_x, double T, double t) {
          return pareto_nbd::expected_purchases(p, x, t_x, T, t);
        },
        horizon);
}

// At age 0 with no purchases the history says nothing: the new-customer pmf.
TEST(ConditionalProbPurchases, NoHistoryIsTheNewCustomerPmf) {
  const bgnbd::Params p{0.243, 4.414, 0.793, 2.426};
  const pareto_nbd::Params q{0.553, 10.578, 0.606, 11.669};
  for (int n = 0; n < 10; ++n) {
    EXPECT_NEAR(bgnbd::conditional_prob_purchases(p, n, 0, 0, 0, 39),
                bgnbd::prob_purchases(p, n, 39), 1e-15);
    EXPECT_NEAR(pareto_nbd::conditional_prob_purchases(q, n, 0, 0, 0, 39),
                pareto_nbd::prob_purchases(q, n, 39), 1e-12);
  }
}

TEST(ConditionalProbPurchases, RejectsBadInput) {
  const bgnbd::Params p{0.243, 4.414, 0.793, 2.426};
  EXPECT_THROW(bgnbd::conditional_prob_purchases(p, -1, 1, 2, 3, 1), std::invalid_argument);
  EXPECT_THROW(bgnbd::conditional_prob_purchases(p, 1.5, 1, 2, 3, 1), std::invalid_argument);
  EXPECT_THROW(bgnbd::conditional_prob_purchases(p, 1, 1, 4, 3, 1), std::invalid_argument);
  EXPECT_THROW(bgnbd::conditional_prob_purchases(p, 1, 1, 2, 3, -1), std::invalid_argument);
  EXPECT_THROW(pareto_nbd::conditional_prob_purchases({1, 1, 1, 1}, 1, 1, 2, 3, NAN),
               std::invalid_argument);
}

// Two customers acquired at 0 and 1 (ages 2 and 1), E[X(t)] = t: at 1 the
// first has bought 1; at 2, 2 + 1.
TEST(TrackingCurve, SumsOverTheCustomersAcquiredByThen) {
  const auto curve = tracking_curve({2, 1}, 2, 2, [](double t) { return t; });
  ASSERT_EQ(curve.size(), 2u);
  EXPECT_DOUBLE_EQ(curve[0].at, 1);
  EXPECT_DOUBLE_EQ(curve[0].cumulative, 1);
  EXPECT_DOUBLE_EQ(curve[0].incremental, 1);
  EXPECT_DOUBLE_EQ(curve[1].at, 2);
  EXPECT_DOUBLE_EQ(curve[1].cumulative, 3);
  EXPECT_DOUBLE_EQ(curve[1].incremental, 2);
}

TEST(TrackingCurve, BgNbdAgainstADirectSum) {
  const bgnbd::Params p{0.243, 4.414, 0.793, 2.426};
  const std::vector<double> ages = {38.9, 38.9, 36.1, 30, 30, 30, 27.7};
  const auto curve =
      tracking_curve(ages, 78, 78, [&](double t) { return bgnbd::expected_purchases_new(p, t); });
  ASSERT_EQ(curve.size(), 78u);
  for (int k : {1, 10, 39, 78}) {
    double direct = 0;
    for (double age : ages) {
      const double since = k - (38.9 - age);
      if (since > 0) direct += bgnbd::expected_purchases_new(p, since);
    }
    EXPECT_NEAR(curve[k - 1].cumulative, direct, 1e-12 * direct) << k;
  }
}

TEST(TrackingCurve, RejectsBadInput) {
  auto one = [](double) { return 1.0; };
  EXPECT_THROW(tracking_curve({1, -1}, 2, 2, one), std::invalid_argument);
  EXPECT_THROW(tracking_curve({1, NAN}, 2, 2, one), std::invalid_argument);
  EXPECT_THROW(tracking_curve({1}, 0, 2, one), std::invalid_argument);
  EXPECT_THROW(tracking_curve({1}, INFINITY, 2, one), std::invalid_argument);
  EXPECT_THROW(tracking_curve({1}, 2, 0, one), std::invalid_argument);
  EXPECT_THROW(tracking_curve({1}, 2, kMaxTrackingPeriods + 1, one), std::invalid_argument);
  EXPECT_EQ(tracking_curve({}, 2, 2, one)[1].cumulative, 0);
}

}  // namespace
