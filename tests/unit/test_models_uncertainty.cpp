// Standard errors of the fits: the covariance a fit returns (from central
// differences of the analytic gradient) against the inverse of a Hessian
// from second differences of the log-likelihood's values alone, for every
// model; and lifetimes' published BG/NBD summary on CDNOW.
#include "clv/models/bgbb.hpp"
#include "clv/models/bgnbd.hpp"
#include "clv/models/gamma_gamma.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/sbg.hpp"
#include "clv/models/summary.hpp"

#include <gtest/gtest.h>

#include "clv/common/eigen.hpp"
#include "peer_data.hpp"

#include <cmath>
#include <functional>
#include <vector>

namespace {

using namespace clv::models;
using namespace clv_test;

// Negative log-likelihood (penalty included) at natural parameters.
using Objective = std::function<double(const std::vector<double>&)>;

// The natural parameters' covariance: the inverse of the Hessian of the
// objective in the log-parameters by four-point second differences, carried
// to the natural parameters as the fit does (delta method).
std::vector<double> reference_covariance(const std::vector<double>& params, const Objective& f) {
  const std::size_t k = params.size();
  const double h = 1e-3;
  auto at = [&](std::size_t i, double di, std::size_t j, double dj) {
    std::vector<double> p = params;
    p[i] *= std::exp(di);
    p[j] *= std::exp(dj);
    return f(p);
  };
  Eigen::MatrixXd hessian(k, k);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j)
      hessian(i, j) =
          (at(i, h, j, h) - at(i, h, j, -h) - at(i, -h, j, h) + at(i, -h, j, -h)) / (4 * h * h);
  const Eigen::MatrixXd inverse = hessian.inverse();
  std::vector<double> out(k * k);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) out[i * k + j] = params[i] * params[j] * inverse(i, j);
  return out;
}

// Every entry within 1e-4 of the scale sqrt(var_i var_j).
void expect_covariance_near(const std::vector<double>& actual,
                            const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  const std::size_t k = static_cast<std::size_t>(std::lround(std::sqrt(expected.size())));
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      const double scale = std::sqrt(expected[i * k + i] * expected[j * k + j]);
      EXPECT_NEAR(actual[i * k + j], expected[i * k + j], 1e-4 * scale) << i << "," << j;
    }
}

double standard_error(const std::vector<double>& covariance, std::size_t k, std::size_t i) {
  return std::sqrt(covariance[i * k + i]);
}

// lifetimes' BetaGeoFitter().fit(...).summary on its CDNOW summary data.
TEST(ModelsUncertainty, BgNbdCdnowMatchesLifetimesSummary) {
  const auto fit = bgnbd::fit(cdnow_rfm());
  ASSERT_TRUE(fit.converged);
  ASSERT_EQ(fit.covariance.size(), 16u);
  EXPECT_NEAR(standard_error(fit.covariance, 4, 0), 0.0126, 0.00006);
  EXPECT_NEAR(standard_error(fit.covariance, 4, 1), 0.3782, 0.0003);
  EXPECT_NEAR(standard_error(fit.covariance, 4, 2), 0.1857, 0.0003);
  EXPECT_NEAR(standard_error(fit.covariance, 4, 3), 0.7053, 0.0006);
}

TEST(ModelsUncertainty, BgNbdAgainstSecondDifferences) {
  const RfmData data = cdnow_rfm();
  const auto fit = bgnbd::fit(data);
  ASSERT_TRUE(fit.converged);
  const auto& p = fit.params;
  expect_covariance_near(fit.covariance,
                         reference_covariance({p.r, p.alpha, p.a, p.b}, [&](const auto& q) {
                           return -bgnbd::log_likelihood({q[0], q[1], q[2], q[3]}, data);
                         }));
}

// With a penalizer the information is the penalised objective's curvature:
// customers x penalizer x sum((c_i p_i)^2), c = 1 / T_max for alpha.
TEST(ModelsUncertainty, PenalisedBgNbdAgainstSecondDifferences) {
  const RfmData data = cdnow_rfm();
  double t_max = 0;
  for (const auto& row : data.rows()) t_max = std::max(t_max, row.T);
  FitOptions options;
  options.penalizer = 0.05;
  const auto fit = bgnbd::fit(data, options);
  ASSERT_TRUE(fit.converged);
  const auto& p = fit.params;
  const double n = static_cast<double>(data.customers());
  expect_covariance_near(
      fit.covariance, reference_covariance({p.r, p.alpha, p.a, p.b}, [&](const auto& q) {
        const double penalty =
            q[0] * q[0] + (q[1] / t_max) * (q[1] / t_max) + q[2] * q[2] + q[3] * q[3];
        return -bgnbd::log_likelihood({q[0], q[1], q[2], q[3]}, data) +
               n * options.penalizer * penalty;
      }));
}

TEST(ModelsUncertainty, MbgNbdAgainstSecondDifferences) {
  const RfmData data = cdnow_rfm();
  const auto fit = mbgnbd::fit(data);
  ASSERT_TRUE(fit.converged);
  const auto& p = fit.params;
  expect_covariance_near(fit.covariance,
                         reference_covariance({p.r, p.alpha, p.a, p.b}, [&](const auto& q) {
                           return -mbgnbd::log_likelihood({q[0], q[1], q[2], q[3]}, data);
                         }));
}

TEST(ModelsUncertainty, ParetoNbdAgainstSecondDifferences) {
  const RfmData data = cdnow_rfm();
  const auto fit = pareto_nbd::fit(data);
  ASSERT_TRUE(fit.converged);
  const auto& p = fit.params;
  expect_covariance_near(fit.covariance,
                         reference_covariance({p.r, p.alpha, p.s, p.beta}, [&](const auto& q) {
                           return -pareto_nbd::log_likelihood({q[0], q[1], q[2], q[3]}, data);
                         }));
}

TEST(ModelsUncertainty, GammaGammaAgainstSecondDifferences) {
  const SpendData data = cdnow_spend();
  const auto fit = gamma_gamma::fit(data);
  ASSERT_TRUE(fit.converged);
  const auto& p = fit.params;
  expect_covariance_near(fit.covariance, reference_covariance({p.p, p.q, p.v}, [&](const auto& q) {
                           return -gamma_gamma::log_likelihood({q[0], q[1], q[2]}, data);
                         }));
}

TEST(ModelsUncertainty, SbgAgainstSecondDifferences) {
  CohortData data;
  const double active[] = {1000, 631, 468, 382, 326, 289, 262, 241};
  for (std::size_t t = 0; t < 8; ++t) data.add(t, static_cast<std::uint64_t>(active[t]));
  const auto fit = sbg::fit(data);
  ASSERT_TRUE(fit.converged);
  const auto& p = fit.params;
  expect_covariance_near(fit.covariance,
                         reference_covariance({p.alpha, p.beta}, [&](const auto& q) {
                           return -sbg::log_likelihood({q[0], q[1]}, data);
                         }));
}

TEST(ModelsUncertainty, BgBbAgainstSecondDifferences) {
  const DiscreteData data = donations();
  const auto fit = bgbb::fit(data);
  ASSERT_TRUE(fit.converged);
  const auto& p = fit.params;
  expect_covariance_near(
      fit.covariance, reference_covariance({p.alpha, p.beta, p.gamma, p.delta}, [&](const auto& q) {
        return -bgbb::log_likelihood({q[0], q[1], q[2], q[3]}, data);
      }));
}

// At a limit of the model there is no interior optimum and no covariance.
TEST(ModelsUncertainty, NoCovarianceWithoutConvergence) {
  RfmData data;
  for (int i = 1; i <= 200; ++i) {
    const double x = 20 + i % 33;
    data.add(x, x, x + (i % 7) / 7.0);
  }
  const auto fit = pareto_nbd::fit(data);
  ASSERT_FALSE(fit.converged);
  EXPECT_TRUE(fit.covariance.empty());
}

// The draws' log-parameters have the mean and covariance they are drawn
// from (within the sampling error of 200,000 draws), and a seed fixes them.
TEST(ModelsUncertainty, ParameterDrawsHaveTheAsymptoticDistribution) {
  const auto fit = bgnbd::fit(cdnow_rfm());
  const std::vector<double> estimates = {fit.params.r, fit.params.alpha, fit.params.a,
                                         fit.params.b};
  const std::size_t n = 200000, k = 4;
  const auto draws = draw_parameters(estimates, fit.covariance, n, 42);
  ASSERT_EQ(draws.size(), n * k);
  std::vector<double> mean(k, 0.0);
  for (std::size_t d = 0; d < n; ++d)
    for (std::size_t i = 0; i < k; ++i) mean[i] += std::log(draws[d * k + i]) / n;
  for (std::size_t i = 0; i < k; ++i) {
    const double sd = std::sqrt(fit.covariance[i * k + i]) / estimates[i];
    EXPECT_NEAR(mean[i], std::log(estimates[i]), 5 * sd / std::sqrt(n)) << i;
  }
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      double c = 0;
      for (std::size_t d = 0; d < n; ++d)
        c += (std::log(draws[d * k + i]) - mean[i]) * (std::log(draws[d * k + j]) - mean[j]);
      c /= n - 1;
      const double expected = fit.covariance[i * k + j] / (estimates[i] * estimates[j]);
      const double scale = std::sqrt(fit.covariance[i * k + i] * fit.covariance[j * k + j]) /
                           (estimates[i] * estimates[j]);
      EXPECT_NEAR(c, expected, 0.02 * scale) << i << "," << j;
    }
  EXPECT_EQ(draw_parameters(estimates, fit.covariance, 10, 42),
            std::vector<double>(draws.begin(), draws.begin() + 10 * k));
  EXPECT_NE(draw_parameters(estimates, fit.covariance, 10, 43),
            std::vector<double>(draws.begin(), draws.begin() + 10 * k));
}

TEST(ModelsUncertainty, ParameterDrawsRejectBadInput) {
  EXPECT_THROW(draw_parameters({1, 2}, {}, 10, 1), std::invalid_argument);
  EXPECT_THROW(draw_parameters({1, 2}, {1, 2, 2, 1}, 10, 1), std::invalid_argument);  // indefinite
  EXPECT_THROW(draw_parameters({1, -2}, {1, 0, 0, 1}, 10, 1), std::invalid_argument);
  EXPECT_THROW(draw_parameters({1, 2}, {1, 0, 0}, 10, 1), std::invalid_argument);
  EXPECT_THROW(draw_parameters({1, 2}, {1, 0, 0, 1}, kMaxParameterDraws + 1, 1),
               std::invalid_argument);
  EXPECT_TRUE(draw_parameters({1, 2}, {1, 0, 0, 1}, 0, 1).empty());
  EXPECT_THROW(draw_parameters({1, 2}, {1e6, 0, 0, 1}, 100, 1), std::range_error);
}

}  // namespace
