#include "clv/common/assertions.hpp"

#include "clv/models/sbg.hpp"
#include "clv/models/special.hpp"
#include "clv/common/format.hpp"

#include <boost/math/special_functions/digamma.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace clv::models::sbg {

namespace {

using boost::math::digamma;
using detail::log_beta;

constexpr const char* kModel = "sBG";

void validate_params(const Params& params) {
  if (!(params.alpha > 0) || !(params.beta > 0) || !std::isfinite(params.alpha) ||
      !std::isfinite(params.beta))
    throw std::invalid_argument("sBG parameters must be positive and finite");
}

double validated_period(double period, double minimum) {
  if (!std::isfinite(period) || period < minimum || period != std::floor(period))
    throw std::invalid_argument("period " + format_number(period) +
                                " must be an integer >= " + format_number(minimum));
  return period;
}

// Lost customers per period 1..T and the survivors at T.
struct Survivors {
  std::vector<double> lost;  // lost[t-1] = lost in period t
  double still_active = 0;
  double cohort = 0;
  std::uint64_t cohort_size = 0;  // exact: a double rounds counts beyond 2^53
};

Survivors survivors(const CohortData& data) {
  const std::vector<CohortRow> rows = data.rows();
  if (rows.size() < 2)
    throw std::domain_error("cannot fit sBG to fewer than 2 periods of a cohort");
  Survivors out;
  for (std::size_t t = 0; t < rows.size(); ++t) {
    if (rows[t].period != t)
      throw std::invalid_argument("cohort periods must be 0, 1, 2, ... without gaps; period " +
                                  std::to_string(t) + " is missing");
    if (t > 0) {
      if (rows[t].active > rows[t - 1].active)
        throw std::invalid_argument(
            "active customers grow from " + std::to_string(rows[t - 1].active) + " in period " +
            std::to_string(t - 1) + " to " + std::to_string(rows[t].active) + " in period " +
            std::to_string(t));
      out.lost.push_back(static_cast<double>(rows[t - 1].active - rows[t].active));
    }
  }
  out.cohort_size = rows.front().active;
  out.cohort = static_cast<double>(out.cohort_size);
  out.still_active = static_cast<double>(rows.back().active);
  if (out.cohort == 0) throw std::domain_error("cannot fit sBG to an empty cohort");
  if (out.still_active == out.cohort)
    throw std::domain_error("cannot fit sBG: no customer of the cohort was lost");
  return out;
}

double log_likelihood_survivors(const Params& params, const Survivors& data, double* grad) {
  const double a = params.alpha, b = params.beta;
  const double T = static_cast<double>(data.lost.size());
  const double lbeta_ab = log_beta(a, b);
  const double psi_ab = grad ? digamma(a + b) : 0;
  const double psi_a = grad ? digamma(a) : 0, psi_b = grad ? digamma(b) : 0;
  const double psi_a1 = grad ? digamma(a + 1) : 0;
  double ll = 0, g_a = 0, g_b = 0;
  for (std::size_t i = 0; i < data.lost.size(); ++i) {
    const double t = static_cast<double>(i + 1), lost = data.lost[i];
    if (lost == 0) continue;
    // b + (t - 1), not b + t - 1, which cancels the digits of a small b.
    ll += lost * (log_beta(a + 1, b + (t - 1)) - lbeta_ab);
    if (grad) {
      const double psi_abt = digamma(a + b + t);
      g_a += lost * (psi_a1 - psi_abt - psi_a + psi_ab);
      g_b += lost * (digamma(b + (t - 1)) - psi_abt - psi_b + psi_ab);
    }
  }
  if (data.still_active > 0) {
    ll += data.still_active * (log_beta(a, b + T) - lbeta_ab);
    if (grad) {
      const double psi_abT = digamma(a + b + T);
      g_a += data.still_active * (psi_ab - psi_abT);
      g_b += data.still_active * (digamma(b + T) - psi_abT - psi_b + psi_ab);
    }
  }
  if (grad) {
    grad[0] = g_a * a;
    grad[1] = g_b * b;
  }
  return ll;
}

}  // namespace

double log_likelihood(const Params& params, const CohortData& data, std::vector<double>* gradient) {
  validate_params(params);
  const Survivors s = survivors(data);
  if (gradient) gradient->assign(2, 0.0);
  const double ll = log_likelihood_survivors(params, s, gradient ? gradient->data() : nullptr);
  if (gradient) detail::finite_results(*gradient, kModel, "log-likelihood gradient");
  return detail::finite_result(ll, kModel, "log-likelihood");
}

FitResult<Params> fit(const CohortData& data, const FitOptions& options,
                      const InterruptPoll& poll) {
  const Survivors s = survivors(data);
  const std::vector<std::vector<double>> starts = {{1.0, 1.0}, {0.5, 3.0}, {3.0, 10.0}};
  auto ll = [&](const std::vector<double>& theta, std::vector<double>& gradient) {
    return log_likelihood_survivors({std::exp(theta[0]), std::exp(theta[1])}, s, gradient.data());
  };
  const detail::Optimum opt =
      detail::maximize_log_likelihood(ll, s.cohort, starts, {1.0, 1.0}, options, poll);
  FitResult<Params> result;
  result.params = {std::exp(opt.theta[0]), std::exp(opt.theta[1])};
  result.log_likelihood = opt.log_likelihood;
  result.n = s.cohort_size;
  result.converged = opt.converged;
  result.evaluations = opt.evaluations;
  result.covariance = detail::natural_covariance(opt);
  result.limit = detail::describe_limit(opt.at_bound, {"alpha", "beta"});
  return result;
}

double survival(const Params& params, double period) {
  validate_params(params);
  const double t = validated_period(period, 0);
  // S(t) = B(alpha, beta+t) / B(alpha, beta)
  const double s = std::exp(detail::log_beta_ratio(params.alpha, params.beta, t));
  return std::min(1.0, detail::finite_result(s, kModel, "survival"));
}

double retention(const Params& params, double period) {
  validate_params(params);
  const double t = validated_period(period, 1);
  return detail::finite_result((params.beta + (t - 1)) / (params.alpha + params.beta + (t - 1)),
                               kModel, "retention");
}

}  // namespace clv::models::sbg
