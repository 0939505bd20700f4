#include "clv/models/fit.hpp"

#include <nlopt.h>

#include "clv/common/eigen.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <stdexcept>

namespace clv::models::detail {

namespace {

// Log-parameters stay within [-kLogBound, kLogBound] (1.1e-7 .. 8.9e6): wide
// enough for CDNOW's Pareto/NBD scale in seconds (alpha 6.4e6), while data
// whose likelihood keeps rising towards a Poisson limit (no heterogeneity)
// stops at the bound instead of walking out to where one Pareto/NBD
// evaluation of 200 customers takes seconds (0.3 s at e^18, 2.8 s at e^20;
// 40 ms at e^15) and a fit minutes.
constexpr double kLogBound = 16.0;
// A log-parameter this close to a bound sits at it: the likelihood kept rising
// towards a limit of the model.
constexpr double kAtBoundMargin = 1e-3;
// An optimum counts as converged when no component of the objective's gradient
// (per customer, in log-parameters) exceeds this.
constexpr double kGradientTolerance = 1e-4;
// Returned for parameters where the likelihood is not finite, so that the line
// search backs off instead of failing.
constexpr double kRejectedObjective = 1e100;
// Two converged runs whose objectives agree this closely (relative) found the
// same optimum: distinct local optima of these likelihoods differ far more.
constexpr double kSameOptimum = 1e-7;

// The penalty (c p)^2 of one parameter and its derivative in the optimised
// variable: p = exp(theta) for a log-parameter, theta for a coefficient.
struct Penalty {
  double value, derivative;
};
Penalty penalty_of(double scale, double theta, bool log_parameter) {
  const double param = scale * (log_parameter ? std::exp(theta) : theta);
  return {param * param, log_parameter ? 2 * param * param : 2 * param * scale};
}

// The NLopt C API is used (not nlopt.hpp) because the C++ wrapper replaces
// unknown exceptions by std::runtime_error, which would lose clv::Cancelled.
// The callback records the exception, stops NLopt and it is rethrown after
// nlopt_optimize returns; no exception crosses NLopt's C frames.
struct Problem {
  const LogLikelihood& log_likelihood;
  const InterruptPoll& poll;
  double customers;
  double penalizer;
  const std::vector<double>& penalty_scales;
  std::size_t log_parameters;
  nlopt_opt opt = nullptr;
  std::exception_ptr error;
  int evaluations = 0;
  std::vector<double> theta, gradient;

  // Penalised objective (to minimise) and its gradient at x.
  double objective(const double* x, double* grad) {
    if (poll) poll();
    ++evaluations;
    const std::size_t n = theta.size();
    theta.assign(x, x + n);
    const double ll = log_likelihood(theta, gradient);
    double f = -ll / customers;
    bool finite = std::isfinite(f);
    for (std::size_t i = 0; i < n; ++i) {
      const Penalty penalty = penalty_of(penalty_scales[i], x[i], i < log_parameters);
      f += penalizer * penalty.value;
      if (grad) {
        grad[i] = -gradient[i] / customers + penalizer * penalty.derivative;
        finite = finite && std::isfinite(grad[i]);
      }
    }
    if (!finite) {
      if (grad) std::fill(grad, grad + n, 0.0);
      return kRejectedObjective;
    }
    return f;
  }

  static double callback(unsigned n, const double* x, double* grad, void* data) {
    auto* self = static_cast<Problem*>(data);
    // NLopt may call again before it notices the forced stop.
    if (self->error) {
      if (grad) std::fill(grad, grad + n, 0.0);
      return kRejectedObjective;
    }
    try {
      return self->objective(x, grad);
    } catch (...) {
      self->error = std::current_exception();
      nlopt_force_stop(self->opt);
      if (grad) std::fill(grad, grad + n, 0.0);
      return kRejectedObjective;
    }
  }
};

struct OptDeleter {
  void operator()(nlopt_opt opt) const { nlopt_destroy(opt); }
};

struct Run {
  std::vector<double> theta;
  double objective = HUGE_VAL;
  bool converged = false;
};

Run optimize(Problem& problem, nlopt_algorithm algorithm, std::vector<double> theta,
             const FitOptions& options) {
  const unsigned n = static_cast<unsigned>(theta.size());
  std::unique_ptr<nlopt_opt_s, OptDeleter> opt(nlopt_create(algorithm, n));
  if (!opt) throw std::bad_alloc();
  problem.opt = opt.get();
  problem.error = nullptr;
  const std::vector<double> lower(n, -kLogBound), upper(n, kLogBound);
  nlopt_set_lower_bounds(opt.get(), lower.data());
  nlopt_set_upper_bounds(opt.get(), upper.data());
  nlopt_set_min_objective(opt.get(), &Problem::callback, &problem);
  nlopt_set_ftol_rel(opt.get(), options.relative_tolerance);
  nlopt_set_xtol_rel(opt.get(), options.relative_tolerance);
  nlopt_set_maxeval(opt.get(), options.max_evaluations);
  if (algorithm == NLOPT_LN_NELDERMEAD) nlopt_set_initial_step1(opt.get(), 0.5);

  for (double& t : theta) t = std::min(std::max(t, -kLogBound), kLogBound);
  double objective = HUGE_VAL;
  const nlopt_result code = nlopt_optimize(opt.get(), theta.data(), &objective);
  problem.opt = nullptr;
  if (problem.error) std::rethrow_exception(problem.error);
  if (code == NLOPT_OUT_OF_MEMORY) throw std::bad_alloc();

  Run run{theta, objective, false};
  if (!std::isfinite(objective) || objective >= kRejectedObjective) return run;
  const bool stopped_normally = code == NLOPT_SUCCESS || code == NLOPT_FTOL_REACHED ||
                                code == NLOPT_XTOL_REACHED || code == NLOPT_ROUNDOFF_LIMITED;
  if (stopped_normally) {
    std::vector<double> grad(n);
    run.objective = problem.objective(theta.data(), grad.data());
    run.converged = true;
    for (double g : grad) run.converged = run.converged && std::abs(g) < kGradientTolerance;
  }
  return run;
}

// -1 / +1 for each log-parameter at the lower / upper bound, else 0.
std::vector<int> bounds_reached(const std::vector<double>& theta) {
  std::vector<int> at(theta.size(), 0);
  for (std::size_t i = 0; i < theta.size(); ++i)
    at[i] = theta[i] <= -kLogBound + kAtBoundMargin  ? -1
            : theta[i] >= kLogBound - kAtBoundMargin ? 1
                                                     : 0;
  return at;
}

bool any_bound(const std::vector<int>& at) {
  return std::any_of(at.begin(), at.end(), [](int b) { return b != 0; });
}

// Step of the central differences in the log-parameters: the truncation error
// (of order step^2) and the rounding error of the analytic gradient (of order
// 1e-16 / step, relative) are both below 1e-8 of the information.
constexpr double kHessianStep = 1e-4;

// Gradient of the penalised negative log-likelihood summed over customers
// (customers times the minimised objective) at theta.
std::vector<double> information_gradient(const LogLikelihood& log_likelihood, double customers,
                                         double penalizer,
                                         const std::vector<double>& penalty_scales,
                                         std::size_t log_parameters,
                                         const std::vector<double>& theta) {
  std::vector<double> gradient(theta.size());
  log_likelihood(theta, gradient);
  for (std::size_t i = 0; i < theta.size(); ++i)
    gradient[i] =
        -gradient[i] + customers * penalizer *
                           penalty_of(penalty_scales[i], theta[i], i < log_parameters).derivative;
  return gradient;
}

// Inverse of the observed information at theta (see clv/models/fit.hpp), or
// empty when it is not positive definite or not finite.
std::vector<double> log_parameter_covariance(const LogLikelihood& log_likelihood, double customers,
                                             double penalizer,
                                             const std::vector<double>& penalty_scales,
                                             std::size_t log_parameters,
                                             const std::vector<double>& theta,
                                             const InterruptPoll& poll) {
  const std::size_t k = theta.size();
  Eigen::MatrixXd information(k, k);
  for (std::size_t j = 0; j < k; ++j) {
    if (poll) poll();
    std::vector<double> up = theta, down = theta;
    up[j] += kHessianStep;
    down[j] -= kHessianStep;
    const auto g_up = information_gradient(log_likelihood, customers, penalizer, penalty_scales,
                                           log_parameters, up);
    const auto g_down = information_gradient(log_likelihood, customers, penalizer, penalty_scales,
                                             log_parameters, down);
    for (std::size_t i = 0; i < k; ++i)
      information(i, j) = (g_up[i] - g_down[i]) / (2 * kHessianStep);
  }
  if (!information.allFinite()) return {};
  const Eigen::MatrixXd symmetric = (information + information.transpose()) / 2;
  const Eigen::LLT<Eigen::MatrixXd> factor(symmetric);
  if (factor.info() != Eigen::Success) return {};
  const Eigen::MatrixXd covariance = factor.solve(Eigen::MatrixXd::Identity(k, k));
  if (!covariance.allFinite()) return {};
  std::vector<double> out(k * k);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j)
      out[i * k + j] = (covariance(i, j) + covariance(j, i)) / 2;  // exactly symmetric
  return out;
}

}  // namespace

std::string describe_limit(const std::vector<int>& at_bound, const std::vector<std::string>& names,
                           std::size_t log_parameters) {
  std::string out;
  for (std::size_t i = 0; i < at_bound.size(); ++i)
    if (at_bound[i] != 0)
      out += (out.empty() ? "" : ", ") + names[i] +
             (at_bound[i] > 0      ? " -> infinity"
              : i < log_parameters ? " -> 0"
                                   : " -> -infinity");
  return out;
}

Optimum maximize_log_likelihood(const LogLikelihood& log_likelihood, double customers,
                                const std::vector<std::vector<double>>& starts,
                                const std::vector<double>& penalty_scales,
                                const FitOptions& options, const InterruptPoll& poll,
                                std::size_t log_parameters) {
  if (!(options.penalizer >= 0) || !std::isfinite(options.penalizer))
    throw std::invalid_argument("penalizer must be a finite non-negative number");
  if (options.max_evaluations < 1) throw std::invalid_argument("max_evaluations must be positive");
  if (starts.empty() || !(customers > 0)) throw std::logic_error("nothing to optimise");
  if (penalty_scales.size() != starts.front().size())
    throw std::logic_error("one penalty scale per parameter");
  Problem problem{log_likelihood,
                  poll,
                  customers,
                  options.penalizer,
                  penalty_scales,
                  log_parameters,
                  nullptr,
                  nullptr,
                  0,
                  {},
                  {}};
  problem.theta.resize(starts.front().size());
  problem.gradient.resize(starts.front().size());

  // The starts guard against local optima; once two of them have converged
  // to the same optimum, the remaining ones are not run.
  Run best;
  for (const auto& start : starts) {
    std::vector<double> theta(start.size());
    for (std::size_t i = 0; i < start.size(); ++i)
      theta[i] = i < log_parameters ? std::log(start[i]) : start[i];
    Run run = optimize(problem, NLOPT_LD_LBFGS, theta, options);
    const bool same_optimum =
        run.converged && best.converged &&
        std::abs(run.objective - best.objective) <= kSameOptimum * std::abs(best.objective);
    if (run.objective < best.objective || best.theta.empty()) best = run;
    // At a bound the likelihood rises towards a limit of the model, where
    // every evaluation gets slower (tail integrals by quadrature): the other
    // starts would walk to the same limit, so the fit stops here.
    if (same_optimum || any_bound(bounds_reached(run.theta))) break;
  }
  // Nelder-Mead would only walk further along the limit.
  if (!best.converged && !any_bound(bounds_reached(best.theta))) {
    Run refined = optimize(problem, NLOPT_LN_NELDERMEAD, best.theta, options);
    if (refined.objective <= best.objective) best = refined;
  }

  Optimum optimum;
  optimum.theta = best.theta;
  optimum.at_bound = bounds_reached(best.theta);
  optimum.log_parameters = std::min(log_parameters, best.theta.size());
  optimum.converged = best.converged && !any_bound(optimum.at_bound);
  std::vector<double> gradient(best.theta.size());
  optimum.log_likelihood = log_likelihood(best.theta, gradient);
  optimum.evaluations = problem.evaluations + 1;
  if (optimum.converged)
    optimum.log_covariance =
        log_parameter_covariance(log_likelihood, customers, options.penalizer, penalty_scales,
                                 log_parameters, best.theta, poll);
  return optimum;
}

std::vector<double> natural_covariance(const Optimum& optimum) {
  const std::size_t k = optimum.theta.size();
  if (optimum.log_covariance.size() != k * k) return {};
  std::vector<double> out(k * k);
  std::vector<double> jacobian(k);  // d natural / d optimised, per parameter
  for (std::size_t i = 0; i < k; ++i)
    jacobian[i] = i < optimum.log_parameters ? std::exp(optimum.theta[i]) : 1.0;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j)
      out[i * k + j] = jacobian[i] * jacobian[j] * optimum.log_covariance[i * k + j];
  return out;
}

}  // namespace clv::models::detail
