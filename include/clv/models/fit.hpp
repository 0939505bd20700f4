// Maximum-likelihood fitting shared by all models.
//
// Parameters are positive; the optimiser works on their logarithms. The
// minimised objective follows the lifetimes library (0.11):
//   -(sum of weighted log-likelihoods) / customers + penalizer * sum((c_i params_i)^2)
// with the penalty on the natural parameters, each times a scale c_i chosen by
// the model. The purchase models penalise the parameters of the model fitted
// in units of the largest age T_max (lifetimes' _scale_time): c = 1/T_max for
// the rates' scale parameters (alpha; Pareto/NBD's beta too), 1 for the
// shapes, so the same data in days or in weeks give the same forecasts.
// L-BFGS (NLopt LD_LBFGS, analytic
// gradient) runs from the start points in order until two of them converge
// to the same optimum, and the best optimum is kept; if none converges,
// Nelder-Mead refines the best point found.
//
// Uncertainty: at a converged optimum the observed information is the Hessian
// of the minimised objective times the customers (central differences of its
// analytic gradient in the log-parameters); its inverse is the asymptotic
// covariance of the log-parameters, carried to the natural parameters by the
// delta method: cov(p_i, p_j) = p_i p_j cov(log p_i, log p_j). With a
// penalizer it is the curvature of the penalised objective, as in lifetimes.
#pragma once

#include "clv/common/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace clv::models {

struct FitOptions {
  double penalizer = 0.0;             // lifetimes' penalizer_coef (see above); >= 0
  int max_evaluations = 3000;         // per optimiser run
  double relative_tolerance = 1e-11;  // on the objective and the log-parameters
};

template <class Params>
struct FitResult {
  Params params;
  double log_likelihood = 0;  // unpenalised, summed over customers with their weights
  std::uint64_t n = 0;        // customers (sum of weights) the model was fitted on
  bool converged = false;
  int evaluations = 0;  // objective evaluations over all start points and fallbacks
  // When the likelihood keeps rising towards a limit of the model (a
  // parameter at the optimiser's bound, e^-16 or e^16): the parameters there,
  // e.g. "s -> 0, beta -> infinity", and what that limit means; converged is
  // then false. Empty otherwise.
  std::string limit;
  // Asymptotic covariance of the natural parameters, row-major k x k in the
  // order of Params; empty unless converged with a positive definite
  // information matrix.
  std::vector<double> covariance;
};

namespace detail {

// Weighted log-likelihood at log-parameters theta; writes its gradient with
// respect to theta into gradient (same length).
using LogLikelihood =
    std::function<double(const std::vector<double>& theta, std::vector<double>& gradient)>;

struct Optimum {
  std::vector<double> theta;
  double log_likelihood = 0;
  bool converged = false;
  int evaluations = 0;
  std::vector<int> at_bound;       // per parameter: -1 at the lower bound, +1 at the upper, else 0
  std::size_t log_parameters = 0;  // the leading parameters optimised as logarithms
  // Covariance of the log-parameters (row-major), empty when not available
  // (see the top of this file).
  std::vector<double> log_covariance;
};

// Maximises the penalised log-likelihood over log-parameters from each start
// (natural parameters); penalty_scales holds the c_i above, one per
// parameter. poll runs before every evaluation; clv::Cancelled and
// any other exception thrown by poll or log_likelihood propagates unchanged.
// Parameters from index log_parameters on are coefficients (covariate
// effects on a log scale): optimised as they are, their starts taken as
// they are, penalised as penalizer * (c_i theta_i)^2, within the same bounds.
Optimum maximize_log_likelihood(const LogLikelihood& log_likelihood, double customers,
                                const std::vector<std::vector<double>>& starts,
                                const std::vector<double>& penalty_scales,
                                const FitOptions& options, const InterruptPoll& poll,
                                std::size_t log_parameters = SIZE_MAX);

// The natural parameters' covariance from the optimum's (FitResult::covariance):
// the delta method for the log-parameters, coefficients as they are.
std::vector<double> natural_covariance(const Optimum& optimum);

// "name -> 0" / "name -> infinity" for each parameter at a bound, comma-separated
// ("name -> -infinity" for a coefficient at its lower bound).
std::string describe_limit(const std::vector<int>& at_bound, const std::vector<std::string>& names,
                           std::size_t log_parameters = SIZE_MAX);

}  // namespace detail
}  // namespace clv::models
