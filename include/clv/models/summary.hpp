// Parameter uncertainty of a fitted model: one row per parameter with its
// standard error and a 95 % confidence interval, from the covariance matrix
// a fit carries (clv/models/fit.hpp).
//
// The interval is the Wald interval of the log-parameter (the scale the fit
// is estimated on, where the likelihood is closer to quadratic), carried back:
// estimate * exp(-+ z se / estimate), z = 1.959964. It stays positive, as the
// parameters do; lifetimes prints estimate -+ z se instead, which agrees to
// first order in se / estimate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace clv::models {

struct ParameterSummary {
  std::string parameter;
  double estimate;
  std::optional<double> std_error, lower_95, upper_95;  // empty without a covariance
};

// covariance: row-major k x k for k estimates, or empty. Estimates from
// index log_parameters on are coefficients (covariate effects), any finite
// number, with the Wald interval estimate -+ z se. Throws
// std::invalid_argument for a parameter that is not positive and finite (a
// coefficient that is not finite), a matrix of the wrong size, or a
// variance that is negative or not finite.
std::vector<ParameterSummary> summarize_parameters(const std::vector<std::string>& names,
                                                   const std::vector<double>& estimates,
                                                   const std::vector<double>& covariance,
                                                   std::size_t log_parameters = SIZE_MAX);

// The most draws of one call of draw_parameters.
constexpr std::size_t kMaxParameterDraws = 1000000;

// Parametric bootstrap: `draws` parameter vectors (each in the order of
// estimates) from the estimates' asymptotic distribution, on the scale the
// fit works on: log-parameters normal with mean log(estimate) and the
// covariance carried back from the natural parameters' by the delta method,
// so every draw is positive. The normals come from Boost.Random's mt19937_64
// seeded with `seed`, the same draws on every platform. Throws
// std::invalid_argument for an empty or non-positive-definite covariance,
// invalid estimates (as summarize_parameters), or draws beyond
// kMaxParameterDraws.
// Coefficients (from index log_parameters on, as in summarize_parameters)
// are drawn normal on their own scale.
std::vector<double> draw_parameters(const std::vector<double>& estimates,
                                    const std::vector<double>& covariance, std::size_t draws,
                                    std::uint64_t seed, std::size_t log_parameters = SIZE_MAX);

}  // namespace clv::models
