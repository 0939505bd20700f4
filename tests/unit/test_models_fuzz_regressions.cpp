// Regression tests for inputs found by the libFuzzer targets in tests/fuzz:
// valid parameters at the edges of their range, where the scoring functions
// and likelihoods must stay finite and in range.
#include "clv/models/bgnbd.hpp"
#include "clv/models/clv.hpp"
#include "clv/models/gamma_gamma.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/sbg.hpp"
#include "clv/models/special.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace {

using namespace clv::models;

// b + x + k - 1 lost the digits of a small b to cancellation (all of them for
// b < 1e-16): MBG/NBD p_alive of a one-time buyer became 0, its likelihood
// NaN, and prob_purchases exceeded 1.
TEST(ModelsFuzzRegressions, MbgNbdWithTinyBetaParameter) {
  const mbgnbd::Params tiny_b{1.0, 1.0, 1.0, 1e-17};
  // P(alive) = 1 / (1 + a / b) for x = t_x = T = 0.
  EXPECT_NEAR(mbgnbd::p_alive(tiny_b, 0, 0, 0) * (1 + 1e17), 1.0, 1e-12);

  RfmData data;
  data.add(0, 0, 5);
  data.add(2, 3, 5);
  std::vector<double> gradient;
  EXPECT_TRUE(std::isfinite(mbgnbd::log_likelihood(tiny_b, data, &gradient)));
  for (double g : gradient) EXPECT_TRUE(std::isfinite(g));

  // P(X = 0) of a new customer, with a = b: halves that sum to 1 as the
  // horizon vanishes.
  const mbgnbd::Params small{6.4e-320, 1e-8, 1e-8, 1e-8};
  EXPECT_NEAR(mbgnbd::prob_purchases(small, 0, 1e-8), 1.0, 1e-14);
}

TEST(ModelsFuzzRegressions, BgNbdWithTinyBetaParameter) {
  const bgnbd::Params tiny_b{1.0, 1.0, 1.0, 1e-17};
  // One repeat purchase at T: P(alive) = 1 / (1 + a / (b + x - 1)) = b / (a + b).
  EXPECT_NEAR(bgnbd::p_alive(tiny_b, 1, 5, 5) / 1e-17, 1.0, 1e-12);
}

// S(t) from differences of lgamma values near 3e7 was off by ~4e-9, enough
// to exceed 1; retention and the likelihood cancelled a small beta in
// beta + t - 1 (a pole error for beta < 1e-16).
TEST(ModelsFuzzRegressions, SbgSurvivalNearOneAndTinyBeta) {
  const sbg::Params p{1.1171112797619476e-08, 2372571.714210487};
  const double t = 787220;
  const double s = sbg::survival(p, t);
  EXPECT_LE(s, 1.0);
  // log S = -alpha (digamma(beta + t) - digamma(beta)) + O(alpha^2).
  EXPECT_NEAR(s, std::exp(-p.alpha * (std::log1p(t / p.beta) - 0.5 / (p.beta + t) + 0.5 / p.beta)),
              1e-15);
  EXPECT_DOUBLE_EQ(sbg::survival(p, 0), 1.0);
  // Huge parameters, where the gamma ratios underflow: the lgamma form.
  const double s_big = sbg::survival({1e8, 1e8}, 1);
  EXPECT_NEAR(s_big, 0.5, 1e-6);

  const sbg::Params tiny_beta{1.0, 1e-17};
  EXPECT_NEAR(sbg::retention(tiny_beta, 1) / 1e-17, 1.0, 1e-12);
  CohortData cohort;
  cohort.add(0, 100);
  cohort.add(1, 40);
  cohort.add(2, 30);
  std::vector<double> gradient;
  EXPECT_TRUE(std::isfinite(sbg::log_likelihood(tiny_beta, cohort, &gradient)));
  for (double g : gradient) EXPECT_TRUE(std::isfinite(g));
}

// A subnormal r made the tail integral's series divide by zero in effect
// (1 / r overflows) and run into its term limit: std::runtime_error, an
// internal error in SQL. Such parameters are now invalid arguments.
TEST(ModelsFuzzRegressions, ParetoNbdRejectsSubnormalParameters) {
  const pareto_nbd::Params subnormal{1.1165883596012172e-321, 1e-8, 1e-8, 1e-8};
  EXPECT_THROW(pareto_nbd::p_alive(subnormal, 0, 0, 1e-8), std::invalid_argument);
  RfmData data;
  data.add(0, 0, 1e-8);
  EXPECT_THROW(pareto_nbd::log_likelihood(subnormal, data), std::invalid_argument);
  EXPECT_THROW(pareto_nbd::expected_purchases_new({1, 1, 1, 1e-310}, 1), std::invalid_argument);

  const pareto_nbd::Params smallest_normal{2.3e-308, 1e-8, 1e-8, 1e-8};
  const double p = pareto_nbd::p_alive(smallest_normal, 0, 0, 1e-8);
  EXPECT_GT(p, 0.99);
  EXPECT_LE(p, 1.0);
}

// With 2F1 beyond e^709 (many expected purchases over a short horizon with a
// small alpha), the closed form of the geometric-dropout expectation
// overflowed to infinity; MBG/NBD's expected_purchases returned NaN (0 * inf).
TEST(ModelsFuzzRegressions, GeometricDropoutClosedFormWithHuge2F1) {
  using detail::Method;
  for (double a : {0.5, 0.9}) {
    const double closed =
        detail::expected_purchases_geometric_dropout(3508, 2e-8, a, 1 + 1e-8, 1e-8);
    const double quadrature = detail::expected_purchases_geometric_dropout(
        3508, 2e-8, a, 1 + 1e-8, 1e-8, Method::quadrature);
    EXPECT_NEAR(closed, quadrature, 1e-9 * quadrature) << a;
  }
  // Nearly every customer never drops out: about r t / alpha = 1754 purchases.
  EXPECT_NEAR(detail::expected_purchases_geometric_dropout(3508, 2e-8, 1e-8, 1 + 1e-8, 1e-8),
              1754.0, 1.0);
  const mbgnbd::Params p{3508.3106289399052, 1e-8, 1e-8, 1e-8};
  EXPECT_TRUE(std::isfinite(mbgnbd::expected_purchases(p, 0, 0, 1e-8, 1e-8)));
}

// With alpha below horizon * 1.1e-16, z = t / (alpha + t) rounded to 1 and
// the 2F1 series threw std::logic_error (an internal error in SQL).
TEST(ModelsFuzzRegressions, GeometricDropoutWithAlphaNegligibleNextToHorizon) {
  const mbgnbd::Params p{0.0023492625916945041, 1e-30, 1e-8, 1e-8};
  const double e = mbgnbd::expected_purchases_new(p, 1.0);
  EXPECT_TRUE(std::isfinite(e));
  EXPECT_GE(e, 0.0);
  const double closed = detail::expected_purchases_geometric_dropout(2.0, 1e-10, 0.5, 2.0, 1e5);
  const double quadrature = detail::expected_purchases_geometric_dropout(
      2.0, 1e-10, 0.5, 2.0, 1e5, detail::Method::quadrature);
  EXPECT_NEAR(closed, quadrature, 1e-9 * quadrature);
}

// Mean purchases r t / alpha ~ 8e320: the quadrature's integrand overflows,
// which Boost reported as an evaluation_error (an internal error in SQL).
TEST(ModelsFuzzRegressions, QuadratureOverflowThrowsRangeError) {
  EXPECT_THROW(mbgnbd::expected_purchases_new({1e8, 1.2598673968951787e-321, 1e-8, 1e-8}, 1e-8),
               std::range_error);
}

// The 2F1 series stopped once its remainder was small next to F, but callers
// use log(F - 1) when F - 1 is tiny: with a short horizon and a huge b (the
// closed form multiplies by c / (a - 1) ~ -b) BG/NBD expected purchases came
// out as -2.5e-11 instead of 9.4e-14. And log F itself (log(1 + tiny)) was
// used for z >= 0.5, which gave a negative MBG/NBD expectation.
TEST(ModelsFuzzRegressions, HypergeometricTailAccurateWhenTiny) {
  const double r = 1.5399366708968207e-08, a = 1e-8, b = 86644937.076312423;
  double log_value, log_tail;
  ASSERT_TRUE(
      detail::log_hyp2f1_positive(r, b, a + b - 1, 6.1238495469608518e-06, log_value, log_tail));
  EXPECT_NEAR(log_tail, -29.992256025935829154, 1e-13);  // mpmath, 50 digits

  const double alpha = 0.001632949778537147, t = 1e-8;
  EXPECT_NEAR(detail::expected_purchases_geometric_dropout(r, alpha, a, b, t) /
                  9.4303982347598548e-14,  // mpmath
              1.0, 1e-6);
  EXPECT_GE(bgnbd::expected_purchases({r, alpha - 1e-8, a, b}, 0, 0, 1e-8, t), 0.0);

  // About r t / alpha purchases, times P(alive after the first) = b / (a + b).
  const double tiny_r = 1.0526169601309706e-314;
  const double e = mbgnbd::expected_purchases_new({tiny_r, 1e-8, 1e-8, 1e-8}, 1e-8);
  EXPECT_NEAR(e / (tiny_r * 0.5), 1.0, 1e-6);
}

// P(X = 0) of MBG/NBD from differences of lgamma values near 8e7 came out
// as 1 + 1.5e-8; the beta-function ratios now avoid those differences.
TEST(ModelsFuzzRegressions, ProbPurchasesWithHugeBetaParameterStaysBelowOne) {
  const mbgnbd::Params p{1e-8, 1.16007115039861e-06, 5560297.6328458134, 1e-8};
  const double p0 = mbgnbd::prob_purchases(p, 0, 1e-8);
  EXPECT_LE(p0, 1.0 + 1e-15);
  // P(X = 0) = b / (a+b) P(no purchase while alive) + a / (a+b).
  EXPECT_GT(p0, 1.0 - 1e-9);
  const double sum = mbgnbd::prob_purchases(p, 0, 1.0) + mbgnbd::prob_purchases(p, 1, 1.0) +
                     mbgnbd::prob_purchases(p, 2, 1.0);
  EXPECT_LE(sum, 1.0 + 1e-15);
  for (double a : {1e-3, 0.5, 2.0, 1e6})
    for (double m : {0.0, 1.0, 7.0, 1e4})
      EXPECT_NEAR(detail::log_beta_ratio(a, 3.0, m),
                  std::lgamma(a + 3) + std::lgamma(3 + m) - std::lgamma(3) - std::lgamma(a + 3 + m),
                  1e-9 * (1 + std::abs(std::lgamma(a + 3 + m))))
          << a << " " << m;
}

// The first log_beta_ratio fell back to lgamma differences where Boost's
// gamma ratios underflowed (a = 4388, b = 9.5e6), and P(X = 0) of MBG/NBD
// came out as 1 + 3e-9; lgamma_delta keeps every case accurate.
TEST(ModelsFuzzRegressions, LgammaDeltaIsAccurateForLargeArguments) {
  // References from mpmath with 60 digits.
  EXPECT_NEAR(detail::lgamma_delta(1e12, 30) / 828.93063347829144625, 1.0, 1e-15);
  EXPECT_NEAR(detail::lgamma_delta(60, 1e-8) / 4.0859880814675699255e-8, 1.0, 1e-13);
  EXPECT_NEAR(
      detail::lgamma_delta(2372571.714210487, 1.1171112797619476e-08) / 1.6398618079708228035e-7,
      1.0, 1e-13);
  EXPECT_NEAR(detail::lgamma_delta(49.5, 3.25), 12.753942577577037953, 1e-13);
  EXPECT_NEAR(detail::lgamma_delta(1e300, 1e-5) / (1e-5 * 300 * std::log(10.0)), 1.0, 1e-14);
  // lgamma(1e12) = 2.6e13 would leave an error of ~3e-3 here.
  EXPECT_NEAR(detail::log_beta_ratio(30, 1e12, 30), -8.9999999997345e-10, 1e-12);

  const mbgnbd::Params p{1.2018083097561148e-08, 93.404323533366451, 4388.0088079590114,
                         9474294.5673253722};
  EXPECT_LE(mbgnbd::prob_purchases(p, 0, 1e-8), 1.0 + 1e-15);
}

// At extreme but valid parameters a gradient overflowed (Gamma-Gamma q / v
// with v = 5e-312, sBG lost / beta with beta = 5e-306) and was returned as
// infinity; results that leave the double range now throw std::range_error.
TEST(ModelsFuzzRegressions, ResultsOutOfDoubleRangeThrowRangeError) {
  const gamma_gamma::Params gg{0.01000210833400356, 87723179.945743263, 5.2201097683967225e-312};
  SpendData spend;
  spend.add(768, 1e-8);
  EXPECT_TRUE(std::isfinite(gamma_gamma::log_likelihood(gg, spend)));
  std::vector<double> gradient;
  EXPECT_THROW(gamma_gamma::log_likelihood(gg, spend, &gradient), std::range_error);

  const sbg::Params tiny_beta{1e8, 5.2598279804745465e-306};
  CohortData cohort;
  for (std::uint64_t t = 0; t < 6; ++t) cohort.add(t, t < 3 ? 7324 : 0);
  EXPECT_TRUE(std::isfinite(sbg::log_likelihood(tiny_beta, cohort)));
  EXPECT_THROW(sbg::log_likelihood(tiny_beta, cohort, &gradient), std::range_error);

  EXPECT_THROW(gamma_gamma::expected_spend({1e300, 1e300, 1e300}, 1e10, 1e300), std::range_error);
  const auto identity = [](const double* horizons, std::size_t count, double* out) {
    std::copy(horizons, horizons + count, out);
  };
  EXPECT_THROW(predicted_clv(identity, 1e300, 10, 1e10, 0.0), std::range_error);
}

}  // namespace
