// Time-invariant covariates (clv/models/covariates.hpp): the data container,
// the gradient against central differences, the likelihood against the
// models without covariates at each customer's own parameters, and recovery
// of known coefficients from customers simulated with them.
#include "clv/models/covariates.hpp"

#include <gtest/gtest.h>

#include "simulated_purchases.hpp"

#include <array>
#include <cmath>
#include <random>
#include <stdexcept>

namespace {

using namespace clv::models;

CovariateRfmData small_data() {
  CovariateRfmData d;
  d.add(0, 0, 30, {0.0, 1.0});
  d.add(0, 0, 12.5, {1.0, -0.5}, 3);
  d.add(1, 4.5, 20, {0.0, 1.0});
  d.add(3, 18, 25, {1.0, 0.25}, 2);
  d.add(7, 29.9, 30, {-1.0, 0.0});
  d.add(2, 10, 10, {1.0, -0.5});
  d.add(40, 300, 320, {0.5, 2.0});
  return d;
}

TEST(CovariateData, GroupsPoolsAndRoundTrips) {
  const CovariateRfmData d = small_data();
  EXPECT_EQ(d.covariates(), 2u);
  EXPECT_EQ(d.customers(), 10u);
  EXPECT_EQ(d.distinct(), 7u);
  const auto groups = d.groups();
  ASSERT_EQ(groups.size(), 5u);
  EXPECT_EQ(groups.front().z, (std::vector<double>{-1.0, 0.0}));
  EXPECT_EQ(d.pooled().customers(), 10u);
  const std::string bytes = d.serialize();
  EXPECT_EQ(CovariateRfmData::deserialize(bytes).serialize(), bytes);

  // Rows added in another order, and merged from parts, give the same bytes.
  CovariateRfmData a, b;
  b.add(40, 300, 320, {0.5, 2.0});
  b.add(2, 10, 10, {1.0, -0.5});
  a.add(7, 29.9, 30, {-1.0, -0.0});
  a.add(3, 18, 25, {1.0, 0.25}, 2);
  b.add(1, 4.5, 20, {0.0, 1.0});
  a.add(0, 0, 12.5, {1.0, -0.5}, 3);
  b.add(0, 0, 30, {0.0, 1.0});
  a.merge(b);
  EXPECT_EQ(a.serialize(), bytes);
}

TEST(CovariateData, RejectsBadRowsAndBytes) {
  CovariateRfmData d;
  EXPECT_THROW(d.add(1, 2, 3, {}), std::invalid_argument);
  EXPECT_THROW(d.add(1, 2, 3, {NAN}), std::invalid_argument);
  EXPECT_THROW(d.add(1, 2, 3, {INFINITY}), std::invalid_argument);
  EXPECT_THROW(d.add(1, 2, 3, std::vector<double>(kMaxCovariates + 1, 0.0)), std::invalid_argument);
  EXPECT_THROW(d.add(1, 4, 3, {0.0}), std::invalid_argument);  // t_x > T
  d.add(1, 2, 3, {0.5});
  EXPECT_THROW(d.add(1, 2, 3, {0.5, 1.0}), std::invalid_argument);
  CovariateRfmData other;
  other.add(1, 2, 3, {0.5, 1.0});
  EXPECT_THROW(d.merge(other), std::invalid_argument);

  const std::string bytes = small_data().serialize();
  EXPECT_THROW(CovariateRfmData::deserialize(bytes.substr(0, bytes.size() - 1)),
               std::invalid_argument);
  EXPECT_THROW(CovariateRfmData::deserialize(bytes + "x"), std::invalid_argument);
  std::string duplicate = bytes;
  // The second row (8 x 6 bytes after the 20-byte prefix) made a copy of the first.
  const std::size_t row = 8 * 6, prefix = 4 + 8 + 8;
  duplicate.replace(prefix + row, row, bytes.substr(prefix, row));
  EXPECT_THROW(CovariateRfmData::deserialize(duplicate), std::invalid_argument);
  std::string zero_weight = bytes;
  zero_weight.replace(prefix + row - 8, 8, std::string(8, '\0'));
  EXPECT_THROW(CovariateRfmData::deserialize(zero_weight), std::invalid_argument);
}

pareto_nbd::CovariateModel pareto_model() {
  return {{0.6, 8.0, 0.7, 12.0}, {0.3, -0.2}, {-0.4, 0.5}};
}
bgnbd::CovariateModel bgnbd_model() {
  return {{0.5, 5.0, 0.8, 2.5}, {0.3, -0.2}, {-0.4, 0.5}};
}

// The base parameters in field order, and a Params from them.
std::array<double, 4> values(const pareto_nbd::Params& p) {
  return {p.r, p.alpha, p.s, p.beta};
}
std::array<double, 4> values(const bgnbd::Params& p) {
  return {p.r, p.alpha, p.a, p.b};
}
template <class Params>
Params from_values(const std::array<double, 4>& v) {
  return {v[0], v[1], v[2], v[3]};
}

// The likelihood with covariates is the sum of the models' likelihoods at
// each customer's own parameters (for_customer).
TEST(CovariateModels, LikelihoodIsTheSumAtEachCustomersParameters) {
  const CovariateRfmData d = small_data();
  double pareto = 0, bg = 0;
  for (const auto& group : d.groups()) {
    pareto += pareto_nbd::log_likelihood(
        pareto_nbd::for_customer(pareto_model(), group.z.data(), group.z.size()), group.data);
    bg += bgnbd::log_likelihood(bgnbd::for_customer(bgnbd_model(), group.z.data(), group.z.size()),
                                group.data);
  }
  EXPECT_NEAR(pareto_nbd::log_likelihood(pareto_model(), d), pareto, 1e-10 * std::abs(pareto));
  EXPECT_NEAR(bgnbd::log_likelihood(bgnbd_model(), d), bg, 1e-10 * std::abs(bg));
}

TEST(CovariateModels, ForCustomerScalesAsClvToolsDoes) {
  const double z[2] = {1.0, 2.0};
  const auto pareto = pareto_nbd::for_customer(pareto_model(), z, 2);
  EXPECT_DOUBLE_EQ(pareto.r, 0.6);
  EXPECT_NEAR(pareto.alpha, 8.0 * std::exp(-(0.3 - 0.4)), 1e-12);
  EXPECT_DOUBLE_EQ(pareto.s, 0.7);
  EXPECT_NEAR(pareto.beta, 12.0 * std::exp(-(-0.4 + 1.0)), 1e-12);
  const auto bg = bgnbd::for_customer(bgnbd_model(), z, 2);
  EXPECT_NEAR(bg.alpha, 5.0 * std::exp(-(0.3 - 0.4)), 1e-12);
  EXPECT_NEAR(bg.a, 0.8 * std::exp(-0.4 + 1.0), 1e-12);
  EXPECT_NEAR(bg.b, 2.5 * std::exp(-0.4 + 1.0), 1e-12);

  EXPECT_THROW(pareto_nbd::for_customer(pareto_model(), z, 1), std::invalid_argument);
  const double huge[2] = {1e300, 0.0};
  EXPECT_THROW(pareto_nbd::for_customer(pareto_model(), huge, 2), std::range_error);
  const double far[2] = {3000.0, 0.0};
  EXPECT_THROW(bgnbd::for_customer(bgnbd_model(), far, 2), std::range_error);
  const double nan[2] = {NAN, 0.0};
  EXPECT_THROW(bgnbd::for_customer(bgnbd_model(), nan, 2), std::invalid_argument);
}

// Analytic gradient in (log base parameters, coefficients) against central
// differences of the log-likelihood.
template <class Model, class LogLikelihood>
void expect_gradient_matches(Model model, LogLikelihood ll, const CovariateRfmData& data) {
  std::vector<double> gradient;
  ll(model, data, &gradient);
  ASSERT_EQ(gradient.size(), 8u);
  const double h = 1e-5;
  for (std::size_t i = 0; i < gradient.size(); ++i) {
    auto shifted = [&](double step) {
      Model m = model;
      if (i < 4) {
        auto v = values(m.base);
        v[i] *= std::exp(step);
        m.base = from_values<decltype(m.base)>(v);
      } else if (i < 6) {
        m.gamma_purchase[i - 4] += step;
      } else {
        m.gamma_dropout[i - 6] += step;
      }
      return ll(m, data, nullptr);
    };
    const double numeric = (shifted(h) - shifted(-h)) / (2 * h);
    EXPECT_NEAR(gradient[i], numeric, 1e-5 * std::max(1.0, std::abs(numeric))) << "component " << i;
  }
}

TEST(CovariateModels, GradientsMatchFiniteDifferences) {
  expect_gradient_matches(
      pareto_model(),
      [](const pareto_nbd::CovariateModel& m, const CovariateRfmData& d, std::vector<double>* g) {
        return pareto_nbd::log_likelihood(m, d, g);
      },
      small_data());
  expect_gradient_matches(
      bgnbd_model(),
      [](const bgnbd::CovariateModel& m, const CovariateRfmData& d, std::vector<double>* g) {
        return bgnbd::log_likelihood(m, d, g);
      },
      small_data());
}

// Customers of a channel dummy and a standardised number, simulated from the
// model with covariates (Pareto/NBD when pareto, else BG/NBD): each draws its
// own purchase rate and dropout from the scales for_customer gives it.
template <class Model, class ForCustomer>
CovariateRfmData simulate(std::uint64_t seed, int customers, double T, bool pareto,
                          const Model& model, ForCustomer for_customer) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution channel(0.4);
  std::normal_distribution<double> score(0, 1);
  CovariateRfmData data;
  for (int i = 0; i < customers; ++i) {
    const std::vector<double> z = {channel(rng) ? 1.0 : 0.0, score(rng)};
    const auto v = values(for_customer(model, z.data(), z.size()));
    const double lambda = std::gamma_distribution<double>(v[0], 1 / v[1])(rng);
    double death = HUGE_VAL, drop = 0;
    if (pareto) {
      const double mu = std::gamma_distribution<double>(v[2], 1 / v[3])(rng);
      death = std::exponential_distribution<double>(mu)(rng);
    } else {
      const double u = std::gamma_distribution<double>(v[2], 1)(rng);
      const double w = std::gamma_distribution<double>(v[3], 1)(rng);
      drop = u / (u + w);
    }
    const auto h = clv_test::simulate_purchases(rng, lambda, death, !pareto, drop, T);
    data.add(h.x, h.t_x, T, z);
  }
  return data;
}

// Each estimate within 4 standard errors of the truth, and the standard
// errors of the right size (the fit's covariance, not a guess).
template <class Fit>
void expect_recovered(const Fit& fit, const std::vector<double>& truth) {
  ASSERT_TRUE(fit.converged) << fit.limit;
  const std::size_t k = truth.size();
  ASSERT_EQ(fit.covariance.size(), k * k);
  const auto base = values(fit.params.base);
  std::vector<double> estimate(base.begin(), base.end());
  estimate.insert(estimate.end(), fit.params.gamma_purchase.begin(),
                  fit.params.gamma_purchase.end());
  estimate.insert(estimate.end(), fit.params.gamma_dropout.begin(), fit.params.gamma_dropout.end());
  for (std::size_t i = 0; i < k; ++i) {
    const double se = std::sqrt(fit.covariance[i * k + i]);
    EXPECT_GT(se, 0) << "parameter " << i;
    EXPECT_LT(se, 0.15 * std::max(1.0, std::abs(truth[i]))) << "parameter " << i;
    EXPECT_NEAR(estimate[i], truth[i], 4 * se) << "parameter " << i;
  }
}

TEST(CovariateModels, ParetoNbdRecoversKnownCoefficients) {
  const pareto_nbd::CovariateModel truth = {{0.8, 6.0, 0.9, 10.0}, {0.5, -0.3}, {-0.6, 0.4}};
  const auto data =
      simulate(11, 20000, 52, true, truth, [](const auto& m, const double* z, std::size_t n) {
        return pareto_nbd::for_customer(m, z, n);
      });
  const auto fit = pareto_nbd::fit(data);
  expect_recovered(fit, {0.8, 6.0, 0.9, 10.0, 0.5, -0.3, -0.6, 0.4});
  // Better than the model without covariates by far more than chance.
  EXPECT_GT(fit.log_likelihood - pareto_nbd::fit(data.pooled()).log_likelihood, 50);
}

TEST(CovariateModels, BgNbdRecoversKnownCoefficients) {
  const bgnbd::CovariateModel truth = {{0.7, 5.0, 0.8, 2.5}, {0.5, -0.3}, {-0.6, 0.4}};
  const auto data = simulate(
      5, 20000, 52, false, truth,
      [](const auto& m, const double* z, std::size_t n) { return bgnbd::for_customer(m, z, n); });
  expect_recovered(bgnbd::fit(data), {0.7, 5.0, 0.8, 2.5, 0.5, -0.3, -0.6, 0.4});
}

TEST(CovariateModels, CovariatesWithoutEffectGiveTheModelWithout) {
  // Covariates drawn independently of the behaviour: the likelihood gains
  // less than the 99.9 % point of chi-square with 4 degrees of freedom (one
  // per coefficient), the likelihood-ratio test of no effect.
  const pareto_nbd::CovariateModel none = {{0.8, 6.0, 0.9, 10.0}, {0.0, 0.0}, {0.0, 0.0}};
  const auto data =
      simulate(3, 5000, 52, true, none, [](const auto& m, const double* z, std::size_t n) {
        return pareto_nbd::for_customer(m, z, n);
      });
  const auto fit = pareto_nbd::fit(data);
  ASSERT_TRUE(fit.converged);
  EXPECT_LT(2 * (fit.log_likelihood - pareto_nbd::fit(data.pooled()).log_likelihood), 18.5);
}

TEST(CovariateModels, AtALimitOfTheModelTheEffectsAreNotFitted) {
  // Everybody buys every week and nobody drops out: the model without
  // covariates walks to its Poisson limit, and so would the one with.
  CovariateRfmData d;
  for (int i = 0; i < 200; ++i) {
    const double x = 20 + i % 33;
    d.add(x, x, x + (i % 7) / 7.0, {static_cast<double>(i % 2)});
  }
  const auto fit = pareto_nbd::fit(d);
  EXPECT_FALSE(fit.converged);
  EXPECT_NE(fit.limit.find("the covariates' effects were not fitted"), std::string::npos);
  EXPECT_EQ(fit.params.gamma_purchase, std::vector<double>{0.0});
  EXPECT_TRUE(fit.covariance.empty());
  // The same sum grouped otherwise: the tail integrals' quadrature tolerance.
  EXPECT_NEAR(fit.log_likelihood, pareto_nbd::log_likelihood(fit.params, d),
              1e-8 * std::abs(fit.log_likelihood));
}

TEST(CovariateModels, UnidentifiedDataIsADomainError) {
  CovariateRfmData d;
  d.add(0, 0, 10, {1.0});
  d.add(0, 0, 20, {0.0});
  EXPECT_THROW(pareto_nbd::fit(d), std::domain_error);
  EXPECT_THROW(bgnbd::fit(CovariateRfmData()), std::domain_error);
}

}  // namespace
