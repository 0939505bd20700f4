#include "clv/models/summary.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/normal_distribution.hpp>

#include "clv/common/eigen.hpp"

#include <cmath>
#include <stdexcept>

namespace clv::models {

std::vector<ParameterSummary> summarize_parameters(const std::vector<std::string>& names,
                                                   const std::vector<double>& estimates,
                                                   const std::vector<double>& covariance,
                                                   std::size_t log_parameters) {
  const std::size_t k = estimates.size();
  if (names.size() != k) throw std::logic_error("one name per parameter");
  if (!covariance.empty() && covariance.size() != k * k)
    throw std::invalid_argument("the covariance matrix must be " + std::to_string(k) + " x " +
                                std::to_string(k));
  const double z = boost::math::quantile(boost::math::normal(), 0.975);
  std::vector<ParameterSummary> out;
  for (std::size_t i = 0; i < k; ++i) {
    const double p = estimates[i];
    const bool coefficient = i >= log_parameters;
    if (!std::isfinite(p) || (!coefficient && !(p > 0)))
      throw std::invalid_argument("model parameter " + names[i] + " must be " +
                                  (coefficient ? "a finite number" : "a positive number"));
    ParameterSummary row{names[i], p, {}, {}, {}};
    if (!covariance.empty()) {
      const double variance = covariance[i * k + i];
      if (!(variance >= 0) || !std::isfinite(variance))
        throw std::invalid_argument("the variance of " + names[i] +
                                    " in the covariance matrix must be a finite number >= 0");
      const double se = std::sqrt(variance);
      row.std_error = se;
      row.lower_95 = coefficient ? p - z * se : p * std::exp(-z * se / p);
      row.upper_95 = coefficient ? p + z * se : p * std::exp(z * se / p);
    }
    out.push_back(row);
  }
  return out;
}

std::vector<double> draw_parameters(const std::vector<double>& estimates,
                                    const std::vector<double>& covariance, std::size_t draws,
                                    std::uint64_t seed, std::size_t log_parameters) {
  const std::size_t k = estimates.size();
  if (covariance.empty())
    throw std::invalid_argument(
        "the model carries no covariance matrix (its fit did not converge)");
  if (draws > kMaxParameterDraws)
    throw std::invalid_argument("draws must be at most " + std::to_string(kMaxParameterDraws));
  std::vector<std::string> names(k);
  for (std::size_t i = 0; i < k; ++i) names[i] = "#" + std::to_string(i + 1);
  summarize_parameters(names, estimates, covariance, log_parameters);  // validates
  // d(fit scale) / d(natural): 1 / estimate for a log-parameter, 1 for a coefficient.
  std::vector<double> scale(k);
  for (std::size_t i = 0; i < k; ++i) scale[i] = i < log_parameters ? 1 / estimates[i] : 1.0;
  Eigen::MatrixXd log_covariance(k, k);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j)
      log_covariance(i, j) = covariance[i * k + j] * scale[i] * scale[j];
  const Eigen::LLT<Eigen::MatrixXd> factor(log_covariance);
  if (factor.info() != Eigen::Success || !log_covariance.allFinite())
    throw std::invalid_argument("the model's covariance matrix is not positive definite");
  const Eigen::MatrixXd lower = factor.matrixL();
  boost::random::mt19937_64 engine(seed);
  boost::random::normal_distribution<double> normal;
  std::vector<double> out(draws * k);
  Eigen::VectorXd z(k);
  for (std::size_t d = 0; d < draws; ++d) {
    for (std::size_t i = 0; i < k; ++i) z(i) = normal(engine);
    const Eigen::VectorXd shift = lower * z;
    for (std::size_t i = 0; i < k; ++i) {
      const bool coefficient = i >= log_parameters;
      const double value =
          coefficient ? estimates[i] + shift(i) : estimates[i] * std::exp(shift(i));
      if (!std::isfinite(value) || !(coefficient || value > 0))
        throw std::range_error("a drawn parameter is out of the range of double precision");
      out[d * k + i] = value;
    }
  }
  return out;
}

}  // namespace clv::models
