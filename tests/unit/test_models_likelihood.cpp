// Gradients against central finite differences, parameter recovery from
// simulated data, cancellation of fits and identifiability errors.
#include "clv/models/bgnbd.hpp"
#include "clv/models/gamma_gamma.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/sbg.hpp"
#include "clv/models/special.hpp"

#include <gtest/gtest.h>

#include "simulated_purchases.hpp"

#include <cmath>
#include <random>

namespace {

using namespace clv::models;

RfmData small_rfm() {
  RfmData d;
  d.add(0, 0, 30);
  d.add(0, 0, 12.5, 3);
  d.add(1, 4.5, 20);
  d.add(3, 18, 25, 2);
  d.add(7, 29.9, 30);
  d.add(2, 10, 10);  // t_x == T
  d.add(40, 300, 320);
  return d;
}

// Checks an analytic log-parameter gradient against central differences.
template <class LogLikelihood>
void expect_gradient_matches(LogLikelihood ll, std::vector<double> log_params) {
  std::vector<double> gradient;
  ll(log_params, &gradient);
  for (std::size_t i = 0; i < log_params.size(); ++i) {
    const double h = 1e-5;
    auto up = log_params, down = log_params;
    up[i] += h;
    down[i] -= h;
    const double numeric = (ll(up, nullptr) - ll(down, nullptr)) / (2 * h);
    EXPECT_NEAR(gradient[i], numeric, 1e-5 * std::max(1.0, std::abs(numeric))) << "component " << i;
  }
}

std::vector<double> logs(std::initializer_list<double> v) {
  std::vector<double> out;
  for (double x : v) out.push_back(std::log(x));
  return out;
}

TEST(ModelsGradient, BgNbd) {
  const RfmData d = small_rfm();
  auto ll = [&](const std::vector<double>& t, std::vector<double>* g) {
    return bgnbd::log_likelihood({std::exp(t[0]), std::exp(t[1]), std::exp(t[2]), std::exp(t[3])},
                                 d, g);
  };
  expect_gradient_matches(ll, logs({0.243, 4.414, 0.793, 2.426}));
  expect_gradient_matches(ll, logs({2.0, 0.5, 3.0, 0.3}));
}

TEST(ModelsGradient, MbgNbd) {
  const RfmData d = small_rfm();
  auto ll = [&](const std::vector<double>& t, std::vector<double>* g) {
    return mbgnbd::log_likelihood({std::exp(t[0]), std::exp(t[1]), std::exp(t[2]), std::exp(t[3])},
                                  d, g);
  };
  expect_gradient_matches(ll, logs({0.525, 6.183, 0.891, 1.614}));
  expect_gradient_matches(ll, logs({3.0, 50.0, 0.2, 9.0}));
}

TEST(ModelsGradient, ParetoNbdBothBranchesAndQuadrature) {
  const RfmData d = small_rfm();
  auto ll = [&](const std::vector<double>& t, std::vector<double>* g) {
    return pareto_nbd::log_likelihood(
        {std::exp(t[0]), std::exp(t[1]), std::exp(t[2]), std::exp(t[3])}, d, g);
  };
  expect_gradient_matches(ll, logs({0.553, 10.578, 0.606, 11.669}));  // alpha < beta
  expect_gradient_matches(ll, logs({1.5, 20.0, 0.3, 2.0}));           // alpha > beta
  expect_gradient_matches(ll, logs({0.8, 500.0, 2.0, 0.5}));          // z > 0.9: quadrature
  expect_gradient_matches(ll, logs({0.8, 0.2, 1.0, 400.0}));          // alpha << beta
}

TEST(ModelsGradient, GammaGamma) {
  SpendData d;
  d.add(1, 20.5);
  d.add(3, 35, 4);
  d.add(12, 9.75, 2);
  auto ll = [&](const std::vector<double>& t, std::vector<double>* g) {
    return gamma_gamma::log_likelihood({std::exp(t[0]), std::exp(t[1]), std::exp(t[2])}, d, g);
  };
  expect_gradient_matches(ll, logs({6.25, 3.74, 15.44}));
  expect_gradient_matches(ll, logs({0.5, 1.2, 300.0}));
}

TEST(ModelsGradient, Sbg) {
  CohortData d;
  const int active[] = {1000, 631, 468, 382, 326, 289, 262, 241};
  for (int t = 0; t < 8; ++t) d.add(t, active[t]);
  auto ll = [&](const std::vector<double>& t, std::vector<double>* g) {
    return sbg::log_likelihood({std::exp(t[0]), std::exp(t[1])}, d, g);
  };
  expect_gradient_matches(ll, logs({0.704, 1.182}));
  expect_gradient_matches(ll, logs({5.0, 0.2}));
}

TEST(ModelsSpecial, TailIntegralSeriesAgreesWithQuadrature) {
  using detail::Method;
  for (double t : {0.0, 3.0, 40.0}) {
    for (auto [alpha, beta] : {std::pair{10.0, 3.0}, std::pair{2.0, 9.0}, std::pair{5.0, 5.0}}) {
      const auto s = detail::log_tail_integral(2.3, alpha, 1.6, beta, t, Method::closed_form);
      const auto q = detail::log_tail_integral(2.3, alpha, 1.6, beta, t, Method::quadrature);
      EXPECT_NEAR(s.value, q.value, 1e-9);
      EXPECT_NEAR(s.d_p, q.d_p, 1e-7);
      EXPECT_NEAR(s.d_q, q.d_q, 1e-7);
      EXPECT_NEAR(s.d_alpha, q.d_alpha, 1e-7);
      EXPECT_NEAR(s.d_beta, q.d_beta, 1e-7);
    }
  }
}

// The value-only evaluation used by scoring is the full one's value to
// rounding, on both sides of alpha = beta, for many terms (z near the
// series' limit 0.9) and on the quadrature side.
TEST(ModelsSpecial, TailIntegralValueIsTheFullOnesValue) {
  for (double t : {0.0, 0.5, 3.0, 40.0, 2000.0})
    for (double p : {0.3, 2.3, 150.0})
      for (auto [alpha, beta] : {std::pair{10.0, 3.0}, std::pair{2.0, 9.0}, std::pair{5.0, 5.0},
                                 std::pair{100.0, 1.0}, std::pair{1e-3, 50.0}}) {
        const double full = detail::log_tail_integral(p, alpha, 1.6, beta, t).value;
        EXPECT_NEAR(detail::log_tail_integral_value(p, alpha, 1.6, beta, t), full,
                    4e-15 * std::max(1.0, std::abs(full)))
            << "t=" << t << " p=" << p << " alpha=" << alpha << " beta=" << beta;
      }
}

TEST(ModelsSpecial, GeometricDropoutClosedFormAgreesWithQuadrature) {
  using detail::Method;
  for (double t : {0.01, 1.0, 39.0, 2000.0})
    for (double a : {0.4, 0.793, 3.0})
      EXPECT_NEAR(detail::expected_purchases_geometric_dropout(0.243, 4.414, a, 2.426, t,
                                                               Method::closed_form),
                  detail::expected_purchases_geometric_dropout(0.243, 4.414, a, 2.426, t,
                                                               Method::quadrature),
                  1e-8 * std::max(1.0, t))
          << "t=" << t << " a=" << a;
}

// Simulates the BG/NBD (or, with pareto = true, the Pareto/NBD) process.
RfmData simulate(std::uint64_t seed, int customers, double T, bool pareto, double r, double alpha,
                 double third, double fourth) {
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> lambda_dist(r, 1 / alpha);
  RfmData data;
  for (int i = 0; i < customers; ++i) {
    const double lambda = lambda_dist(rng);
    double death = HUGE_VAL, p = 0;
    if (pareto) {
      std::gamma_distribution<double> mu_dist(third, 1 / fourth);
      death = std::exponential_distribution<double>(mu_dist(rng))(rng);
    } else {
      std::gamma_distribution<double> ga(third, 1), gb(fourth, 1);
      const double u = ga(rng), v = gb(rng);
      p = u / (u + v);
    }
    const auto h = clv_test::simulate_purchases(rng, lambda, death, !pareto, p, T);
    data.add(h.x, h.t_x, T);
  }
  return data;
}

TEST(ModelsRecovery, BgNbdFromSimulatedCustomers) {
  const auto fit = bgnbd::fit(simulate(42, 20000, 52, false, 0.5, 5.0, 0.8, 2.5));
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(fit.params.r, 0.5, 0.05);
  EXPECT_NEAR(fit.params.alpha, 5.0, 0.6);
  EXPECT_NEAR(fit.params.a, 0.8, 0.15);
  EXPECT_NEAR(fit.params.b, 2.5, 0.6);
}

TEST(ModelsRecovery, ParetoNbdFromSimulatedCustomers) {
  const auto fit = pareto_nbd::fit(simulate(7, 20000, 52, true, 0.6, 8.0, 0.7, 12.0));
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(fit.params.r, 0.6, 0.06);
  EXPECT_NEAR(fit.params.alpha, 8.0, 1.0);
  EXPECT_NEAR(fit.params.s, 0.7, 0.2);
  EXPECT_NEAR(fit.params.beta, 12.0, 5.0);
}

TEST(ModelsRecovery, GammaGammaFromSimulatedSpend) {
  std::mt19937_64 rng(3);
  std::gamma_distribution<double> nu_dist(4.0, 1 / 20.0);  // q = 4, v = 20
  SpendData data;
  for (int i = 0; i < 20000; ++i) {
    const double nu = nu_dist(rng);
    std::gamma_distribution<double> value(6.0, 1 / nu);  // p = 6
    const int x = 1 + i % 5;
    double sum = 0;
    for (int j = 0; j < x; ++j) sum += value(rng);
    data.add(x, sum / x);
  }
  const auto fit = gamma_gamma::fit(data);
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(fit.params.p, 6.0, 0.5);
  EXPECT_NEAR(fit.params.q, 4.0, 0.4);
  EXPECT_NEAR(fit.params.v, 20.0, 3.0);
}

TEST(ModelsFit, PenalizerShrinksParameters) {
  const RfmData data = simulate(1, 2000, 40, false, 0.5, 5.0, 0.8, 2.5);
  const auto plain = bgnbd::fit(data);
  FitOptions options;
  options.penalizer = 0.1;
  const auto penalized = bgnbd::fit(data, options);
  EXPECT_LT(penalized.params.alpha, plain.params.alpha);
  EXPECT_LT(penalized.log_likelihood, plain.log_likelihood);
}

TEST(ModelsFit, CancelPollStopsTheFit) {
  const RfmData data = small_rfm();
  int polls = 0;
  clv::InterruptPoll poll = [&] {
    if (++polls == 5) throw clv::Cancelled();
  };
  EXPECT_THROW(bgnbd::fit(data, {}, poll), clv::Cancelled);
  EXPECT_EQ(polls, 5);
  polls = 0;
  EXPECT_THROW(pareto_nbd::fit(data, {}, poll), clv::Cancelled);
  EXPECT_EQ(polls, 5);
}

TEST(ModelsFit, UnidentifiableDataThrowsDomainError) {
  RfmData one;
  one.add(3, 2, 5);
  EXPECT_THROW(bgnbd::fit(one), std::domain_error);
  RfmData no_repeat;
  no_repeat.add(0, 0, 5);
  no_repeat.add(0, 0, 7, 100);
  EXPECT_THROW(bgnbd::fit(no_repeat), std::domain_error);
  EXPECT_THROW(mbgnbd::fit(no_repeat), std::domain_error);
  EXPECT_THROW(pareto_nbd::fit(no_repeat), std::domain_error);
  SpendData spend;
  spend.add(2, 10);
  EXPECT_THROW(gamma_gamma::fit(spend), std::domain_error);
  CohortData one_period;
  one_period.add(0, 100);
  EXPECT_THROW(sbg::fit(one_period), std::domain_error);
  CohortData growing;
  growing.add(0, 100);
  growing.add(1, 120);
  EXPECT_THROW(sbg::fit(growing), std::invalid_argument);
  CohortData gap;
  gap.add(0, 100);
  gap.add(2, 50);
  EXPECT_THROW(sbg::fit(gap), std::invalid_argument);
  FitOptions negative;
  negative.penalizer = -1;
  EXPECT_THROW(bgnbd::fit(small_rfm(), negative), std::invalid_argument);
}

}  // namespace

namespace {

// 200 customers who buy every week since their first purchase: no dropout and
// one purchase rate for all, a limit of Pareto/NBD (s -> 0 or beta ->
// infinity; r, alpha -> infinity) that its likelihood rises towards without
// an interior optimum. The fit used to walk there from every start point and
// report convergence at the optimiser's bounds.
RfmData very_regular_customers() {
  RfmData data;
  for (int i = 1; i <= 200; ++i) {
    const double x = 20 + i % 33;
    data.add(x, x, x + (i % 7) / 7.0);
  }
  return data;
}

}  // namespace

TEST(ModelsFit, ParetoNbdAtTheNoDropoutLimitDoesNotConverge) {
  const auto fit = pareto_nbd::fit(very_regular_customers());
  EXPECT_FALSE(fit.converged);
  EXPECT_TRUE(fit.params.s < 1e-6 || fit.params.beta > 1e6);
  EXPECT_NE(fit.limit.find("no customer drops out"), std::string::npos) << fit.limit;
  // One start point's run: the other starts are not walked to the same limit.
  EXPECT_LT(fit.evaluations, 300);
}
