#include "clv/models/summary.hpp"

#include <boost/math/distributions/normal.hpp>

#include <cmath>
#include <stdexcept>

namespace clv::models {

std::vector<ParameterSummary> summarize_parameters(const std::vector<std::string>& names,
                                                   const std::vector<double>& estimates,
                                                   const std::vector<double>& covariance) {
  const std::size_t k = estimates.size();
  if (names.size() != k) throw std::logic_error("one name per parameter");
  if (!covariance.empty() && covariance.size() != k * k)
    throw std::invalid_argument("the covariance matrix must be " + std::to_string(k) + " x " +
                                std::to_string(k));
  const double z = boost::math::quantile(boost::math::normal(), 0.975);
  std::vector<ParameterSummary> out;
  for (std::size_t i = 0; i < k; ++i) {
    const double p = estimates[i];
    if (!(p > 0) || !std::isfinite(p))
      throw std::invalid_argument("model parameter " + names[i] + " must be a positive number");
    ParameterSummary row{names[i], p, {}, {}, {}};
    if (!covariance.empty()) {
      const double variance = covariance[i * k + i];
      if (!(variance >= 0) || !std::isfinite(variance))
        throw std::invalid_argument("the variance of " + names[i] +
                                    " in the covariance matrix must be a finite number >= 0");
      const double se = std::sqrt(variance);
      row.std_error = se;
      row.lower_95 = p * std::exp(-z * se / p);
      row.upper_95 = p * std::exp(z * se / p);
    }
    out.push_back(row);
  }
  return out;
}

}  // namespace clv::models
