#include "clv/common/assertions.hpp"

#include "clv/models/bgbb.hpp"
#include "clv/models/special.hpp"
#include "clv/common/format.hpp"

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/polygamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace clv::models::bgbb {

namespace {

using boost::math::digamma;
using boost::math::lgamma;
using clv::models::detail::log_beta;

constexpr const char* kModel = "BG/BB";

void validate_params(const Params& p) {
  for (double v : {p.alpha, p.beta, p.gamma, p.delta})
    if (!(v > 0) || !std::isfinite(v))
      throw std::invalid_argument("BG/BB parameters must be positive and finite");
}

// The two parts of one customer's likelihood, without the common factor
// 1 / (B(alpha, beta) B(gamma, delta)):
//   alive = B(a+x, b+n-x) B(g, d+n)                      (alive at every opportunity)
//   total = alive + sum_{i=0}^{n-t_x-1} B(a+x, b+t_x-x+i) B(g+1, d+t_x+i)
// in logs; with d_total the derivatives of log total with respect to the
// natural parameters when asked for. The terms of the sum decrease in i (each
// is the one before times two factors below 1), so they are summed relative
// to the first one by products: no logarithm per term.
struct Terms {
  double log_alive;
  double log_total;
  std::array<double, 4> d_total;
};

Terms terms(const Params& p, double x, double t_x, double n, bool gradient) {
  const double a = p.alpha, b = p.beta, g = p.gamma, d = p.delta;
  Terms out{};
  out.log_alive = log_beta(a + x, b + (n - x)) + log_beta(g, d + n);
  std::array<double, 4> d_alive{};
  if (gradient) {
    const double psi_abn = digamma(a + b + n), psi_gdn = digamma(g + d + n);
    d_alive = {digamma(a + x) - psi_abn, digamma(b + (n - x)) - psi_abn, digamma(g) - psi_gdn,
               digamma(d + n) - psi_gdn};
  }
  const double m = n - t_x;  // terms of the sum
  if (m <= 0) {
    out.log_total = out.log_alive;
    out.d_total = d_alive;
    return out;
  }
  const double log_first = log_beta(a + x, b + (t_x - x)) + log_beta(g + 1, d + t_x);
  // sum of rho_i = term_i / term_0 and, for the gradient, of rho_i times
  // d log term_i; the digammas of the varying arguments advance by
  // psi(z + 1) = psi(z) + 1/z.
  double rho = 1, sum = 0;
  std::array<double, 4> g_sum{};
  double psi_ax = 0, psi_g1 = 0, psi_ab = 0, psi_b = 0, psi_gd = 0, psi_d = 0;
  if (gradient) {
    psi_ax = digamma(a + x);
    psi_g1 = digamma(g + 1);
    psi_ab = digamma(a + b + t_x);
    psi_b = digamma(b + (t_x - x));
    psi_gd = digamma(g + d + 1 + t_x);
    psi_d = digamma(d + t_x);
  }
  const auto count = static_cast<std::int64_t>(m);
  for (std::int64_t i = 0; i < count; ++i) {
    const double k = static_cast<double>(i);
    sum += rho;
    if (gradient) {
      g_sum[0] += rho * (psi_ax - psi_ab);
      g_sum[1] += rho * (psi_b - psi_ab);
      g_sum[2] += rho * (psi_g1 - psi_gd);
      g_sum[3] += rho * (psi_d - psi_gd);
    }
    const double zb = b + (t_x - x) + k, zab = a + b + t_x + k;
    const double zd = d + t_x + k, zgd = g + d + 1 + t_x + k;
    rho *= (zb / zab) * (zd / zgd);
    if (gradient) {
      psi_ab += 1 / zab;
      psi_b += 1 / zb;
      psi_gd += 1 / zgd;
      psi_d += 1 / zd;
    }
  }
  const double log_sum = log_first + std::log(sum);
  out.log_total = clv::models::detail::log_add_exp(out.log_alive, log_sum);
  if (gradient) {
    const double w_alive = std::exp(out.log_alive - out.log_total);
    const double w_sum = std::exp(log_sum - out.log_total) / sum;
    for (int j = 0; j < 4; ++j) out.d_total[j] = w_alive * d_alive[j] + w_sum * g_sum[j];
  }
  return out;
}

// log L of one customer; adds its derivatives times weight to grad (natural
// parameters) when grad is given.
double row_log_likelihood(const Params& p, double x, double t_x, double n, double weight,
                          double lbab, double lbgd, const std::array<double, 4>* base,
                          std::array<double, 4>* grad) {
  const Terms t = terms(p, x, t_x, n, grad != nullptr);
  if (grad)
    for (int j = 0; j < 4; ++j) (*grad)[j] += weight * (t.d_total[j] - (*base)[j]);
  return t.log_total - lbab - lbgd;
}

// d/d(a, b, g, d) of log B(a, b) + log B(g, d).
std::array<double, 4> base_derivatives(const Params& p) {
  const double psi_ab = digamma(p.alpha + p.beta), psi_gd = digamma(p.gamma + p.delta);
  return {digamma(p.alpha) - psi_ab, digamma(p.beta) - psi_ab, digamma(p.gamma) - psi_gd,
          digamma(p.delta) - psi_gd};
}

double sum_log_likelihood(const Params& p, const std::vector<DiscreteRow>& rows, double* grad) {
  const double lbab = log_beta(p.alpha, p.beta), lbgd = log_beta(p.gamma, p.delta);
  std::array<double, 4> base{}, g{};
  if (grad) base = base_derivatives(p);
  double ll = 0;
  for (const DiscreteRow& r : rows)
    ll += static_cast<double>(r.weight) * row_log_likelihood(p, r.x, r.t_x, r.n,
                                                             static_cast<double>(r.weight), lbab,
                                                             lbgd, &base, grad ? &g : nullptr);
  if (grad) {
    grad[0] = g[0] * p.alpha;
    grad[1] = g[1] * p.beta;
    grad[2] = g[2] * p.gamma;
    grad[3] = g[3] * p.delta;
  }
  return ll;
}

std::vector<DiscreteRow> identifiable_rows(const DiscreteData& data) {
  if (data.customers() < 2) throw std::domain_error("cannot fit BG/BB to fewer than 2 customers");
  std::vector<DiscreteRow> rows = data.rows();
  bool repeat = false;
  for (const DiscreteRow& r : rows) repeat = repeat || r.x > 0;
  if (!repeat) throw std::domain_error("cannot fit BG/BB: no customer has a repeat transaction");
  return rows;
}

double validated_count(double v, const char* what) {
  if (!std::isfinite(v) || v < 0 || v != std::floor(v))
    throw std::invalid_argument(std::string(what) + " " + format_number(v) +
                                " must be an integer >= 0");
  return v;
}

// (lgamma(z + e) - lgamma(z)) / e for z > 0, z + e > 0, e != 0 small or not;
// the derivative psi(z) at e == 0.
double lgamma_slope(double z, double e) {
  // Taylor series sum_k e^k psi^(k)(z) / (k+1)! to k = 8 for |e| < 0.01:
  // the remainder is below 1e-17 for z >= 1 (|psi^(9)(z)| <= 9! zeta(10)),
  // where the difference quotient would lose digits to cancellation.
  if (std::fabs(e) < 0.01) {
    double sum = digamma(z) + e / 2 * boost::math::trigamma(z);
    double coefficient = e / 2;
    for (int k = 2; k <= 8; ++k) {
      coefficient *= e / (k + 1);
      sum += coefficient * boost::math::polygamma(k, z);
    }
    return sum;
  }
  if (e > 0) return clv::models::detail::lgamma_delta(z, e) / e;
  return -clv::models::detail::lgamma_delta(z + e, -e) / e;
}

}  // namespace

double log_likelihood(const Params& params, double x, double t_x, double n,
                      std::vector<double>* gradient) {
  validate_params(params);
  validate_discrete(x, t_x, n);
  const std::vector<DiscreteRow> rows = {{x, t_x, n, 1}};
  if (gradient) gradient->assign(4, 0.0);
  const double ll = sum_log_likelihood(params, rows, gradient ? gradient->data() : nullptr);
  if (gradient) clv::models::detail::finite_results(*gradient, kModel, "log-likelihood gradient");
  return clv::models::detail::finite_result(ll, kModel, "log-likelihood");
}

double log_likelihood(const Params& params, const DiscreteData& data,
                      std::vector<double>* gradient) {
  validate_params(params);
  const std::vector<DiscreteRow> rows = identifiable_rows(data);
  if (gradient) gradient->assign(4, 0.0);
  const double ll = sum_log_likelihood(params, rows, gradient ? gradient->data() : nullptr);
  if (gradient) clv::models::detail::finite_results(*gradient, kModel, "log-likelihood gradient");
  return clv::models::detail::finite_result(ll, kModel, "log-likelihood");
}

FitResult<Params> fit(const DiscreteData& data, const FitOptions& options,
                      const InterruptPoll& poll) {
  const std::vector<DiscreteRow> rows = identifiable_rows(data);
  const std::vector<std::vector<double>> starts = {
      {1.0, 1.0, 1.0, 1.0}, {0.5, 0.5, 0.5, 2.0}, {2.0, 1.0, 0.5, 5.0}, {1.0, 3.0, 2.0, 1.0}};
  auto ll = [&](const std::vector<double>& theta, std::vector<double>& gradient) {
    const Params p{std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2]), std::exp(theta[3])};
    return sum_log_likelihood(p, rows, gradient.data());
  };
  const clv::models::detail::Optimum opt = clv::models::detail::maximize_log_likelihood(
      ll, static_cast<double>(data.customers()), starts, {1.0, 1.0, 1.0, 1.0}, options, poll);
  FitResult<Params> result;
  result.params = {std::exp(opt.theta[0]), std::exp(opt.theta[1]), std::exp(opt.theta[2]),
                   std::exp(opt.theta[3])};
  result.log_likelihood = opt.log_likelihood;
  result.n = data.customers();
  result.converged = opt.converged;
  result.evaluations = opt.evaluations;
  result.covariance = clv::models::detail::natural_covariance(opt);
  result.limit =
      clv::models::detail::describe_limit(opt.at_bound, {"alpha", "beta", "gamma", "delta"});
  return result;
}

double p_alive(const Params& params, double x, double t_x, double n) {
  validate_params(params);
  validate_discrete(x, t_x, n);
  const Terms t = terms(params, x, t_x, n, false);
  // B(g, d+n+1) / B(g, d+n) = (d+n) / (g+d+n): the alive term one
  // opportunity further, over the likelihood.
  const double p = std::exp(t.log_alive - t.log_total) *
                   ((params.delta + n) / (params.gamma + params.delta + n));
  return std::min(1.0, clv::models::detail::finite_result(p, kModel, "P(alive)"));
}

double detail::expected_alive_periods(double gamma, double delta, double count) {
  if (count == 0) return 0;
  // delta/(gamma-1) [1 - G(gamma+delta) G(1+delta+N) / (G(1+delta) G(gamma+delta+N))]
  // = delta (1 - e^D) / e with e = gamma - 1 and D = e (S(1+delta) - S(1+delta+N)),
  // S = lgamma_slope: at gamma -> 1 the bracket and e vanish together, so the
  // quotient is formed from the slopes, never from the difference of two
  // nearly equal gamma-function ratios.
  const double e = gamma - 1;
  const double slope = lgamma_slope(1 + delta, e) - lgamma_slope(1 + delta + count, e);
  const double D = e * slope;
  // (1 - e^D) / e = -(expm1(D) / D) * slope, with expm1(D)/D -> 1 at D = 0.
  const double ratio = D == 0 ? 1.0 : std::expm1(D) / D;
  return delta * (-ratio * slope);
}

double expected_purchases(const Params& params, double x, double t_x, double n, double n_future) {
  validate_params(params);
  validate_discrete(x, t_x, n);
  validated_count(n_future, "n_future");
  const Terms t = terms(params, x, t_x, n, false);
  // (1/L) B(a+x+1, b+n-x)/B(a,b) sum_j B(g, d+n+j)/B(g,d) = P(alive through n | data)
  // * (a+x)/(a+b+n) * sum_j B(g, d+n+j)/B(g, d+n).
  const double alive = std::exp(t.log_alive - t.log_total);
  const double e = alive * ((params.alpha + x) / (params.alpha + params.beta + n)) *
                   detail::expected_alive_periods(params.gamma, params.delta + n, n_future);
  return clv::models::detail::finite_result(e, kModel, "expected purchases");
}

double dert(const Params& params, double x, double t_x, double n, double discount_rate) {
  validate_params(params);
  validate_discrete(x, t_x, n);
  if (!(discount_rate > 0) || !std::isfinite(discount_rate))
    throw std::invalid_argument("discount_rate must be a finite number > 0, got " +
                                format_number(discount_rate));
  const Terms t = terms(params, x, t_x, n, false);
  const double alive = std::exp(t.log_alive - t.log_total);
  // sum_{j>=1} B(g, d+n+j)/B(g, d+n) z^j with z = 1/(1+rate): term j+1 is
  // term j times (d+n+j)/(g+d+n+j) z, ratios that rise towards z, so the
  // remainder after a term is below term z / (1 - z).
  const double g = params.gamma, dn = params.delta + n;
  const double z = 1 / (1 + discount_rate);
  const double remainder_factor = z / (-std::expm1(-std::log1p(discount_rate)));
  double term = dn / (g + dn) * z, sum = 0;
  for (double j = 1;; ++j) {
    sum += term;
    if (term * remainder_factor < 1e-17 * sum) break;
    if (j >= kMaxDertTerms)
      throw std::invalid_argument("discount_rate " + format_number(discount_rate) +
                                  " is too small for the series of DERT");
    term *= (dn + j) / (g + dn + j) * z;
  }
  const double e = alive * ((params.alpha + x) / (params.alpha + params.beta + n)) * sum;
  return clv::models::detail::finite_result(e, kModel, "DERT");
}

double expected_purchases_new(const Params& params, double n) {
  validate_params(params);
  validated_count(n, "n_periods");
  const double e = params.alpha / (params.alpha + params.beta) *
                   detail::expected_alive_periods(params.gamma, params.delta, n);
  return clv::models::detail::finite_result(e, kModel, "expected purchases");
}

double prob_purchases(const Params& params, double x, double n) {
  validate_params(params);
  validated_count(x, "number of purchases");
  validated_count(n, "n_periods");
  if (n > kMaxDiscretePeriods)
    throw std::invalid_argument("n_periods " + format_number(n) + " is greater than " +
                                format_number(kMaxDiscretePeriods));
  if (x > n) return 0;
  const double a = params.alpha, b = params.beta, g = params.gamma, d = params.delta;
  const double lbab = log_beta(a, b), lbgd = log_beta(g, d);
  auto log_choose = [](double m, double k) {
    return lgamma(m + 1) - lgamma(k + 1) - lgamma(m - k + 1);
  };
  // Alive through n: C(n, x) B(a+x, b+n-x) B(g, d+n).
  double log_p = log_choose(n, x) + log_beta(a + x, b + (n - x)) + log_beta(g, d + n);
  // Inactive from opportunity i + 1 on, i = x .. n-1: C(i, x) B(a+x, b+i-x)
  // B(g+1, d+i); each term from the one before by its ratio, in logs.
  if (x < n) {
    double log_term = log_beta(a + x, b) + log_beta(g + 1, d + x);  // i = x: C(x, x) = 1
    const auto last = static_cast<std::int64_t>(n) - 1;
    for (auto i = static_cast<std::int64_t>(x); i <= last; ++i) {
      log_p = clv::models::detail::log_add_exp(log_p, log_term);
      const double k = static_cast<double>(i);
      log_term += std::log(((k + 1) / (k + 1 - x)) * ((b + (k - x)) / (a + b + k)) *
                           ((d + k) / (g + d + 1 + k)));
    }
  }
  const double p = std::exp(log_p - lbab - lbgd);
  return std::min(1.0, clv::models::detail::finite_result(p, kModel, "probability"));
}

}  // namespace clv::models::bgbb
