// Scoring functions against independent computations: the models integrated
// numerically over their mixing distributions, probabilities summing to one,
// and extreme customer histories.
#include "clv/common/assertions.hpp"

#include "clv/models/bgnbd.hpp"
#include "clv/models/clv.hpp"
#include "clv/models/gamma_gamma.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/sbg.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <vector>

namespace {

using namespace clv::models;
using boost::math::lgamma;

const bgnbd::Params kBg{0.243, 4.414, 0.793, 2.426};
const mbgnbd::Params kMbg{0.525, 6.183, 0.891, 1.614};
const pareto_nbd::Params kPareto{0.553, 10.578, 0.606, 11.669};

// Integral over log-rates u by adaptive Gauss-Kronrod. Beyond the cut-offs the
// gamma densities (times the likelihood) vanish in double precision.
template <class F>
double integrate_line(F f) {
  return boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
      [&](double u) { return u < -700 || u > 20 ? 0.0 : f(u); }, -700.0, 20.0, 15, 1e-11);
}
template <class F>
double integrate_unit(F f) {
  return boost::math::quadrature::gauss_kronrod<double, 61>::integrate(f, 0.0, 1.0, 15, 1e-11);
}

// Log-density of Gamma(shape, rate) for lambda = exp(u), times lambda (the Jacobian).
double log_gamma_density_in_log(double u, double shape, double rate) {
  return shape * std::log(rate) - lgamma(shape) + shape * u - rate * std::exp(u);
}

// BG/NBD posterior quantities by integrating over lambda and p numerically:
// p = sin^2(v) removes the Beta endpoint singularities.
struct Posterior {
  double p_alive, expected;
};
Posterior bgnbd_by_integration(const bgnbd::Params& m, double x, double t_x, double T, double t) {
  const double log_beta_ab = lgamma(m.a) + lgamma(m.b) - lgamma(m.a + m.b);
  auto integrate_p_lambda = [&](auto g) {
    return integrate_unit([&](double w) {
      const double v = w * M_PI / 2, p = std::sin(v) * std::sin(v);
      const double log_beta_density = (m.a - 1) * std::log(p) + (m.b - 1) * std::log1p(-p) -
                                      log_beta_ab +
                                      std::log(2 * std::sin(v) * std::cos(v) * M_PI / 2);
      return integrate_line([&](double u) {
        return std::exp(log_gamma_density_in_log(u, m.r, m.alpha) + log_beta_density) *
               g(std::exp(u), p);
      });
    });
  };
  auto alive = [&](double lambda, double p) {
    return std::pow(1 - p, x) * std::pow(lambda, x) * std::exp(-lambda * T);
  };
  auto dead = [&](double lambda, double p) {
    return x > 0 ? p * std::pow(1 - p, x - 1) * std::pow(lambda, x) * std::exp(-lambda * t_x) : 0;
  };
  const double l_alive = integrate_p_lambda(alive);
  const double l_total = l_alive + integrate_p_lambda(dead);
  const double future = integrate_p_lambda(
      [&](double lambda, double p) { return alive(lambda, p) * -std::expm1(-lambda * p * t) / p; });
  return {l_alive / l_total, future / l_total};
}

TEST(ModelsScoring, BgNbdMatchesNumericalIntegration) {
  for (auto [x, t_x, T] :
       {std::tuple{2.0, 30.43, 38.86}, std::tuple{0.0, 0.0, 20.0}, std::tuple{6.0, 10.0, 35.0}}) {
    const Posterior expected = bgnbd_by_integration(kBg, x, t_x, T, 39);
    EXPECT_NEAR(bgnbd::p_alive(kBg, x, t_x, T), expected.p_alive, 1e-7);
    EXPECT_NEAR(bgnbd::expected_purchases(kBg, x, t_x, T, 39), expected.expected, 1e-6);
  }
  EXPECT_NEAR(bgnbd::expected_purchases(kBg, 2, 30.43, 38.86, 39), 1.226, 5e-4);  // FHL 2005
}

// Pareto/NBD P(alive) by integrating over lambda and mu.
double pareto_p_alive_by_integration(const pareto_nbd::Params& m, double x, double t_x, double T) {
  auto integrate_rates = [&](auto g) {
    return integrate_line([&](double u) {
      return integrate_line([&](double w) {
        const double lambda = std::exp(u), mu = std::exp(w);
        return std::exp(log_gamma_density_in_log(u, m.r, m.alpha) +
                        log_gamma_density_in_log(w, m.s, m.beta) + x * u) *
               g(lambda, mu);
      });
    });
  };
  const double alive =
      integrate_rates([&](double l, double mu) { return std::exp(-(l + mu) * T); });
  const double dead = integrate_rates([&](double l, double mu) {
    return mu / (l + mu) * (std::exp(-(l + mu) * t_x) - std::exp(-(l + mu) * T));
  });
  return alive / (alive + dead);
}

TEST(ModelsScoring, ParetoNbdPAliveMatchesNumericalIntegration) {
  for (auto [x, t_x, T] :
       {std::tuple{2.0, 30.43, 38.86}, std::tuple{0.0, 0.0, 20.0}, std::tuple{5.0, 8.0, 39.0}})
    EXPECT_NEAR(pareto_nbd::p_alive(kPareto, x, t_x, T),
                pareto_p_alive_by_integration(kPareto, x, t_x, T), 1e-6);
  // alpha > beta takes the other 2F1 branch.
  const pareto_nbd::Params swapped{0.8, 15.0, 0.5, 3.0};
  EXPECT_NEAR(pareto_nbd::p_alive(swapped, 3, 12, 30),
              pareto_p_alive_by_integration(swapped, 3, 12, 30), 1e-6);
}

template <class Prob, class Mean>
void expect_distribution(Prob prob, Mean mean, double horizon) {
  double total = 0, first_moment = 0;
  for (int n = 0; n <= 400; ++n) {
    const double p = prob(n, horizon);
    ASSERT_GE(p, 0);
    total += p;
    first_moment += n * p;
  }
  EXPECT_NEAR(total, 1.0, 1e-7);
  EXPECT_NEAR(first_moment, mean(horizon), 1e-5);
}

TEST(ModelsScoring, ProbPurchasesIsADistributionWithTheRightMean) {
  for (double horizon : {1.0, 39.0, 78.0}) {
    expect_distribution([](double n, double t) { return bgnbd::prob_purchases(kBg, n, t); },
                        [](double t) { return bgnbd::expected_purchases_new(kBg, t); }, horizon);
    expect_distribution([](double n, double t) { return mbgnbd::prob_purchases(kMbg, n, t); },
                        [](double t) { return mbgnbd::expected_purchases_new(kMbg, t); }, horizon);
    expect_distribution(
        [](double n, double t) { return pareto_nbd::prob_purchases(kPareto, n, t); },
        [](double t) { return pareto_nbd::expected_purchases_new(kPareto, t); }, horizon);
  }
  EXPECT_EQ(bgnbd::prob_purchases(kBg, 0, 0), 1.0);
  EXPECT_EQ(pareto_nbd::prob_purchases(kPareto, 3, 0), 0.0);
}

TEST(ModelsScoring, ExtremeHistoriesStayFiniteAndInRange) {
  for (double t_x : {4999.9, 2500.0, 10.0}) {
    const double p[] = {bgnbd::p_alive(kBg, 500, t_x, 5000), mbgnbd::p_alive(kMbg, 500, t_x, 5000),
                        pareto_nbd::p_alive(kPareto, 500, t_x, 5000)};
    const double e[] = {bgnbd::expected_purchases(kBg, 500, t_x, 5000, 100),
                        mbgnbd::expected_purchases(kMbg, 500, t_x, 5000, 100),
                        pareto_nbd::expected_purchases(kPareto, 500, t_x, 5000, 100)};
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(p[i] >= 0 && p[i] <= 1) << p[i];
      EXPECT_TRUE(std::isfinite(e[i]) && e[i] >= 0) << e[i];
      if (t_x > 4999) {
        EXPECT_GT(p[i], 0.9);
        EXPECT_GT(e[i], 5);  // a rate of 0.1 per unit, alive
        EXPECT_LT(e[i], 20);
      }
      if (t_x == 10.0) {
        EXPECT_LT(p[i], 1e-100);
      }
    }
  }
  // Log-likelihoods stay finite for such customers too.
  RfmData extreme;
  extreme.add(500, 4999.9, 5000);
  extreme.add(800, 10, 5000);
  EXPECT_TRUE(std::isfinite(bgnbd::log_likelihood(kBg, extreme)));
  EXPECT_TRUE(std::isfinite(pareto_nbd::log_likelihood(kPareto, extreme)));
  EXPECT_TRUE(std::isfinite(pareto_nbd::log_likelihood({0.5, 1000, 0.5, 0.01}, extreme)));
}

TEST(ModelsScoring, GammaGammaExpectedSpend) {
  const gamma_gamma::Params m{6.25, 3.74, 15.44};
  EXPECT_NEAR(gamma_gamma::expected_spend(m, 0, 0), 6.25 * 15.44 / 2.74, 1e-12);
  // A credibility-weighted average of the population mean and the customer's mean.
  const double x = 4, m_x = 50, weight = 6.25 * 4 / (6.25 * 4 + 3.74 - 1);
  EXPECT_NEAR(gamma_gamma::expected_spend(m, x, m_x),
              (1 - weight) * 6.25 * 15.44 / 2.74 + weight * m_x, 1e-12);
  EXPECT_THROW(gamma_gamma::expected_spend({1, 0.5, 2}, 0, 0), std::domain_error);
  EXPECT_THROW(gamma_gamma::expected_spend(m, 2, 0), std::invalid_argument);
}

TEST(ModelsScoring, SbgSurvivalIsTheProductOfRetentions) {
  const sbg::Params m{0.704, 1.182};
  EXPECT_DOUBLE_EQ(sbg::survival(m, 0), 1.0);
  double product = 1;
  for (int t = 1; t <= 12; ++t) {
    product *= sbg::retention(m, t);
    EXPECT_NEAR(sbg::survival(m, t), product, 1e-12);
  }
  EXPECT_NEAR(sbg::retention(m, 1), 1.182 / (0.704 + 1.182), 1e-15);
  EXPECT_THROW(sbg::retention(m, 0), std::invalid_argument);
  EXPECT_THROW(sbg::survival(m, 1.5), std::invalid_argument);
}

// A cumulative expected-purchases curve of one horizon, as predicted_clv's
// batch callback.
template <class F>
ExpectedPurchasesAt pointwise(F f) {
  return [f](const double* horizons, std::size_t count, double* out) {
    for (std::size_t i = 0; i < count; ++i) out[i] = f(horizons[i]);
  };
}

TEST(ModelsScoring, PredictedClvFollowsLifetimesConvention) {
  // Linear cumulative purchases: each step brings 2 purchases worth 10 each.
  const auto linear = pointwise([](double h) { return 2.0 * h / 30; });
  EXPECT_NEAR(predicted_clv(linear, 10, 12, 30, 0), 240, 1e-9);
  double expected = 0;
  for (int i = 1; i <= 12; ++i) expected += 20 / std::pow(1.01, i);
  EXPECT_NEAR(predicted_clv(linear, 10, 12, 30, 0.01), expected, 1e-9);
  // More steps than one batch of horizons.
  expected = 0;
  for (int i = 1; i <= 200; ++i) expected += 20 / std::pow(1.01, i);
  EXPECT_NEAR(predicted_clv(linear, 10, 200, 30, 0.01), expected, 1e-9);
  const auto customer = [](const double* horizons, std::size_t count, double* out) {
    bgnbd::expected_purchases_if_alive_at(kBg, 2, 38.86, horizons, count, out);
  };
  const double clv =
      bgnbd::p_alive(kBg, 2, 30.43, 38.86) * predicted_clv(customer, 25, 12, 4.345, 0.01);
  EXPECT_GT(clv, 0);
  EXPECT_LT(clv, 25 * bgnbd::expected_purchases(kBg, 2, 30.43, 38.86, 12 * 4.345));
  EXPECT_THROW(predicted_clv(linear, 10, 12, 0, 0.01), std::invalid_argument);
  EXPECT_THROW(predicted_clv(linear, 10, 12, 30, -1), std::invalid_argument);
}

// expected_purchases is P(alive) times the expectation if alive, which the
// batch evaluates at many horizons sharing the series coefficients: every
// value must still be the single-horizon function's, to rounding.
TEST(ModelsScoring, ExpectedPurchasesIfAliveAtManyHorizons) {
  std::vector<double> horizons = {0, 1e-9, 0.5, 39, 1e4, 3.5};
  for (int i = 1; i <= 150; ++i) horizons.push_back(i * 4.345);  // three batches
  const double customers[][3] = {{0, 0, 38.86}, {2, 30.43, 38.86}, {500, 100, 5000}};
  std::vector<double> out(horizons.size());
  auto expect_each = [&](double alive, auto single) {
    for (std::size_t i = 0; i < horizons.size(); ++i) {
      const double expected = single(horizons[i]);
      EXPECT_NEAR(alive * out[i], expected, 1e-13 * expected);
    }
  };
  for (const auto& c : customers) {
    const double x = c[0], t_x = c[1], T = c[2];
    bgnbd::expected_purchases_if_alive_at(kBg, x, T, horizons.data(), horizons.size(), out.data());
    expect_each(bgnbd::p_alive(kBg, x, t_x, T),
                [&](double h) { return bgnbd::expected_purchases(kBg, x, t_x, T, h); });
    mbgnbd::expected_purchases_if_alive_at(kMbg, x, T, horizons.data(), horizons.size(),
                                           out.data());
    expect_each(mbgnbd::p_alive(kMbg, x, t_x, T),
                [&](double h) { return mbgnbd::expected_purchases(kMbg, x, t_x, T, h); });
    pareto_nbd::expected_purchases_if_alive_at(kPareto, x, T, horizons.data(), horizons.size(),
                                               out.data());
    expect_each(pareto_nbd::p_alive(kPareto, x, t_x, T),
                [&](double h) { return pareto_nbd::expected_purchases(kPareto, x, t_x, T, h); });
  }
  const double bad[] = {1, -1};
  EXPECT_THROW(bgnbd::expected_purchases_if_alive_at(kBg, 2, 38.86, bad, 2, out.data()),
               std::invalid_argument);
  EXPECT_THROW(bgnbd::expected_purchases_if_alive_at(kBg, 2.5, 38.86, bad, 1, out.data()),
               std::invalid_argument);
}

// Pareto/NBD's P(alive) with its two tail integrals supplied by the caller
// (as scoring remembers them): the same value, the integrals asked for at t_x
// and T, and bad input refused before any is asked for.
TEST(ModelsScoring, ParetoNbdPAliveFromSuppliedTails) {
  std::vector<double> asked;
  const double x = 2, t_x = 30.43, T = 38.86;
  const auto tail = [&](double t) {
    asked.push_back(t);
    return pareto_nbd::log_tail(kPareto, x, t);
  };
  EXPECT_EQ(pareto_nbd::p_alive(kPareto, x, t_x, T, tail), pareto_nbd::p_alive(kPareto, x, t_x, T));
  EXPECT_EQ(asked, (std::vector<double>{t_x, T}));
  asked.clear();
  EXPECT_THROW(pareto_nbd::p_alive(kPareto, x, T + 1, T, tail), std::invalid_argument);
  EXPECT_EQ(pareto_nbd::p_alive(kPareto, x, T, T, tail), 1.0);
  EXPECT_TRUE(asked.empty());
}

TEST(ModelsScoring, BadInputThrowsInvalidArgument) {
  try {
    bgnbd::p_alive(kBg, 2, 5, 3);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "recency 5 is greater than age T 3");
  }
  EXPECT_THROW(bgnbd::p_alive(kBg, -1, 0, 3), std::invalid_argument);
  EXPECT_THROW(bgnbd::p_alive(kBg, 1.5, 1, 3), std::invalid_argument);
  EXPECT_THROW(bgnbd::p_alive(kBg, 1, NAN, 3), std::invalid_argument);
  EXPECT_THROW(pareto_nbd::p_alive(kPareto, 1, 1, INFINITY), std::invalid_argument);
  EXPECT_THROW(mbgnbd::expected_purchases(kMbg, 1, 1, 3, -1), std::invalid_argument);
  EXPECT_THROW(bgnbd::prob_purchases(kBg, 1.5, 3), std::invalid_argument);
  EXPECT_THROW(pareto_nbd::expected_purchases_new({0, 1, 1, 1}, 3), std::invalid_argument);
  EXPECT_THROW(bgnbd::p_alive({1, NAN, 1, 1}, 1, 1, 3), std::invalid_argument);
}

}  // namespace
