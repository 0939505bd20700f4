// Per customer (Fader & Hardie's Pareto/NBD note, with A_0 = I(t_x) - I(T)):
//   L = G(r+x) alpha^r beta^s / G(r)
//       * [ (alpha+T)^-(r+x) (beta+T)^-s + s (I(t_x) - I(T)) ]
//   I(t) = int_t^inf (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau
// The first bracket term is "alive at T", the second "died in (t_x, T]".
// Everything is combined in logs (detail::log_tail_integral), so hundreds of
// purchases and ages in the thousands neither overflow nor cancel.
#include "clv/common/assertions.hpp"
#include "clv/common/format.hpp"

#include "clv/models/covariates.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/prepared.hpp"
#include "clv/models/special.hpp"

#include "covariate_fit.hpp"

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace clv::models::pareto_nbd {

namespace {

using boost::math::digamma;
using boost::math::lgamma;

constexpr const char* kModel = "Pareto/NBD";

// Subnormal parameters are rejected too: the tail integral's series divides
// by r + x, whose reciprocal then overflows and the series never converges.
void validate_params(const Params& params) {
  for (double v : {params.r, params.alpha, params.s, params.beta})
    if (!(v >= std::numeric_limits<double>::min()) || !std::isfinite(v))
      throw std::invalid_argument(
          "Pareto/NBD parameters must be positive and finite (at least 2.2250738585072014e-308)");
}

void validate_horizon(double horizon) {
  if (!(horizon >= 0) || !std::isfinite(horizon))
    throw std::invalid_argument("horizon " + format_number(horizon) +
                                " must be finite and non-negative");
}

// The tail integral depends on (x, t): it is computed once per distinct
// (x, t_x) and (x, T) pair and rows refer to those.
struct PreparedPareto {
  detail::PreparedRfm rfm;
  struct Pair {
    std::uint32_t x;
    double t;
  };
  std::vector<Pair> pairs;
  std::vector<std::uint32_t> row_at_t_x, row_at_T;  // indices into pairs
};

PreparedPareto prepare(detail::PreparedRfm rfm) {
  PreparedPareto out;
  std::unordered_map<std::uint64_t, std::uint32_t> seen;
  const std::uint64_t n_times = rfm.T_values.size() + rfm.t_x_values.size();
  auto pair_index = [&](std::uint32_t x, std::uint64_t time_key, double t) {
    const auto [it, inserted] =
        seen.emplace(x * n_times + time_key, static_cast<std::uint32_t>(out.pairs.size()));
    if (inserted) out.pairs.push_back({x, t});
    return it->second;
  };
  for (const auto& row : rfm.rows) {
    out.row_at_t_x.push_back(pair_index(row.x, row.t_x, rfm.t_x_values[row.t_x]));
    out.row_at_T.push_back(pair_index(row.x, rfm.t_x_values.size() + row.T, rfm.T_values[row.T]));
  }
  out.rfm = std::move(rfm);
  return out;
}

// Per-customer pieces at one parameter point.
struct Customer {
  double log_alive;  // log of the "alive at T" term (without the common factor)
  double log_dead;   // log of s (I(t_x) - I(T)); -inf when t_x == T
};

// log_tail_t_x, log_tail_T: log I(t_x), log I(T).
Customer customer_terms(const Params& p, double x, double t_x, double T, double log_tail_t_x,
                        double log_tail_T) {
  Customer c;
  c.log_alive = -(p.r + x) * std::log(p.alpha + T) - p.s * std::log(p.beta + T);
  c.log_dead = t_x < T ? std::log(p.s) + log_tail_t_x + detail::log1m_exp(log_tail_T - log_tail_t_x)
                       : -std::numeric_limits<double>::infinity();
  return c;
}

// poll runs between the tail integrals: at extreme parameters (alpha near the
// optimiser's bound, s tiny) one integral takes up to 80 ms by quadrature, so
// a single evaluation over a few hundred distinct (x, t) pairs takes seconds
// and one over a large population minutes; polling only per evaluation let
// statement_timeout and pg_cancel_backend wait that long.
double log_likelihood_prepared(const Params& p, const PreparedPareto& data, double* grad,
                               const InterruptPoll& poll = {}) {
  const detail::PreparedRfm& rfm = data.rfm;
  const double log_alpha = std::log(p.alpha), log_beta = std::log(p.beta);
  const double lgamma_r = lgamma(p.r), psi_r = grad ? digamma(p.r) : 0;
  double ll = 0, g_r = 0, g_alpha = 0, g_s = 0, g_beta = 0;
  for (std::size_t i = 0; i < rfm.x_values.size(); ++i) {
    const double x = rfm.x_values[i], w = rfm.x_weights[i];
    ll += w * (lgamma(p.r + x) - lgamma_r + p.r * log_alpha + p.s * log_beta);
    if (grad) {
      g_r += w * (digamma(p.r + x) - psi_r + log_alpha);
      g_alpha += w * p.r / p.alpha;
      g_s += w * log_beta;
      g_beta += w * p.s / p.beta;
    }
  }
  std::vector<detail::LogTailIntegral> tails(data.pairs.size());
  for (std::size_t j = 0; j < data.pairs.size(); ++j) {
    if (poll) poll();
    tails[j] = detail::log_tail_integral(p.r + rfm.x_values[data.pairs[j].x], p.alpha, p.s + 1,
                                         p.beta, data.pairs[j].t);
  }
  for (std::size_t k = 0; k < rfm.rows.size(); ++k) {
    const auto& row = rfm.rows[k];
    const double x = rfm.x_values[row.x], T = rfm.T_values[row.T], t_x = rfm.t_x_values[row.t_x];
    const auto& at_t_x = tails[data.row_at_t_x[k]];
    const auto& at_T = tails[data.row_at_T[k]];
    const Customer c = customer_terms(p, x, t_x, T, at_t_x.value, at_T.value);
    const double log_sum = detail::log_add_exp(c.log_alive, c.log_dead);
    ll += row.weight * log_sum;
    if (!grad) continue;
    const double w_alive = row.weight * std::exp(c.log_alive - log_sum);
    g_r -= w_alive * std::log(p.alpha + T);
    g_alpha -= w_alive * (p.r + x) / (p.alpha + T);
    g_s -= w_alive * std::log(p.beta + T);
    g_beta -= w_alive * p.s / (p.beta + T);
    if (t_x < T) {
      // d log(s (I_tx - I_T)) weighted by its share of the likelihood, written
      // without dividing by I_tx - I_T (which vanishes as t_x -> T).
      const double w_dead = row.weight * std::exp(c.log_dead - log_sum);
      const double scale = row.weight * std::exp(std::log(p.s) + at_t_x.value - log_sum);
      const double ratio = std::exp(at_T.value - at_t_x.value);
      g_s += w_dead / p.s + scale * (at_t_x.d_q - ratio * at_T.d_q);
      g_r += scale * (at_t_x.d_p - ratio * at_T.d_p);
      g_alpha += scale * (at_t_x.d_alpha - ratio * at_T.d_alpha);
      g_beta += scale * (at_t_x.d_beta - ratio * at_T.d_beta);
    }
  }
  if (grad) {
    grad[0] = g_r * p.r;
    grad[1] = g_alpha * p.alpha;
    grad[2] = g_s * p.s;
    grad[3] = g_beta * p.beta;
  }
  return ll;
}

// (1 - exp(-e L)) / e, and its limit L at e = 0.
double one_minus_exp_over(double e, double L) {
  return std::abs(e * L) < 1e-12 ? L : -std::expm1(-e * L) / e;
}

}  // namespace

double log_likelihood(const Params& params, const RfmData& data, std::vector<double>* gradient) {
  validate_params(params);
  if (data.customers() == 0) throw std::domain_error("no customers");
  if (gradient) gradient->assign(4, 0.0);
  const double ll = log_likelihood_prepared(params, prepare(detail::layout_rfm(data)),
                                            gradient ? gradient->data() : nullptr);
  if (gradient) detail::finite_results(*gradient, kModel, "log-likelihood gradient");
  return detail::finite_result(ll, kModel, "log-likelihood");
}

double log_likelihood(const Params& params, double x, double t_x, double T) {
  RfmData one;
  one.add(x, t_x, T);
  return log_likelihood(params, one);
}

FitResult<Params> fit(const RfmData& data, const FitOptions& options, const InterruptPoll& poll) {
  const PreparedPareto prepared = prepare(detail::prepare_rfm(data, "Pareto/NBD"));
  const double rate = prepared.rfm.mean_purchase_rate, age = prepared.rfm.mean_age;
  // Purchase rate r/alpha matched to the data, mean lifetime beta/s of a few
  // observed ages: start points that do not depend on the time unit.
  const std::vector<std::vector<double>> starts = {{1.0, 1.0 / rate, 1.0, age},
                                                   {0.5, 0.5 / rate, 0.5, 0.5 * age},
                                                   {2.0, 2.0 / rate, 2.0, 4.0 * age}};
  // alpha and beta are times: penalised in units of the largest age (clv/models/fit.hpp).
  const double time_scale = 1.0 / prepared.rfm.T_values.back();
  const std::vector<double> penalty_scales = {1.0, time_scale, 1.0, time_scale};
  auto ll = [&](const std::vector<double>& theta, std::vector<double>& gradient) {
    const Params p{std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2]), std::exp(theta[3])};
    return log_likelihood_prepared(p, prepared, gradient.data(), poll);
  };
  const detail::Optimum opt = detail::maximize_log_likelihood(ll, prepared.rfm.customers, starts,
                                                              penalty_scales, options, poll);
  FitResult<Params> result;
  result.params = {std::exp(opt.theta[0]), std::exp(opt.theta[1]), std::exp(opt.theta[2]),
                   std::exp(opt.theta[3])};
  result.log_likelihood = opt.log_likelihood;
  result.n = data.customers();
  result.converged = opt.converged;
  result.evaluations = opt.evaluations;
  result.covariance = detail::natural_covariance(opt);
  result.limit = detail::describe_limit(opt.at_bound, {"r", "alpha", "s", "beta"});
  // What the limits mean: lifetimes without end, purchase rates all alike.
  if (opt.at_bound[2] < 0 || opt.at_bound[3] > 0) result.limit += "; no customer drops out";
  if (opt.at_bound[0] > 0 && opt.at_bound[1] > 0)
    result.limit += "; purchase rates do not vary between customers (a Poisson process)";
  return result;
}

double log_tail(const Params& params, double x, double t) {
  return detail::log_tail_integral_value(params.r + x, params.alpha, params.s + 1, params.beta, t);
}

double p_alive(const Params& params, double x, double t_x, double T, const LogTailOf& tail) {
  validate_params(params);
  validate_rfm(x, t_x, T);
  if (t_x == T) return 1.0;
  const double at_t_x = tail(t_x), at_T = tail(T);
  const Customer c = customer_terms(params, x, t_x, T, at_t_x, at_T);
  return detail::finite_result(std::exp(c.log_alive - detail::log_add_exp(c.log_alive, c.log_dead)),
                               kModel, "P(alive)");
}

double p_alive(const Params& params, double x, double t_x, double T) {
  return p_alive(params, x, t_x, T, [&](double t) { return log_tail(params, x, t); });
}

void expected_purchases_if_alive_at(const Params& params, double x, double T,
                                    const double* horizons, std::size_t count, double* out) {
  validate_params(params);
  validate_rfm(x, x == 0 ? 0 : T, T);
  const double beta_T = params.beta + T;
  const double rate = (params.r + x) * beta_T / (params.alpha + T);
  for (std::size_t i = 0; i < count; ++i) {
    validate_horizon(horizons[i]);
    out[i] = detail::finite_result(
        rate * one_minus_exp_over(params.s - 1, std::log1p(horizons[i] / beta_T)), kModel,
        "expected purchases");
  }
}

double expected_purchases(const Params& params, double x, double t_x, double T, double horizon) {
  const double alive = p_alive(params, x, t_x, T);
  double if_alive;
  expected_purchases_if_alive_at(params, x, T, &horizon, 1, &if_alive);
  // alive is in [0, 1] and if_alive finite: so is the product.
  return alive * if_alive;
}

double expected_purchases_new(const Params& params, double horizon) {
  validate_params(params);
  validate_horizon(horizon);
  return detail::finite_result(
      params.r * params.beta / params.alpha *
          one_minus_exp_over(params.s - 1, std::log1p(horizon / params.beta)),
      kModel, "expected purchases");
}

double prob_purchases(const Params& params, double n, double horizon) {
  validate_params(params);
  validate_horizon(horizon);
  if (!std::isfinite(n) || n < 0 || n != std::floor(n))
    throw std::invalid_argument("number of purchases " + format_number(n) +
                                " must be a non-negative integer");
  if (horizon == 0) return n == 0 ? 1.0 : 0.0;
  const double r = params.r, alpha = params.alpha, s = params.s, beta = params.beta;
  const double log_nb_const = lgamma(r + n) - lgamma(r) - lgamma(n + 1);
  auto log_nb = [&](double tau) {  // log P(n purchases in (0, tau]) while alive
    return log_nb_const - r * std::log1p(tau / alpha) +
           (n > 0 ? n * std::log(tau / (alpha + tau)) : 0.0);
  };
  const double alive_throughout = std::exp(log_nb(horizon) - s * std::log1p(horizon / beta));
  const double log_s = std::log(s);
  const double died_before = detail::integrate(
      [&](double tau) {
        return std::exp(log_nb(tau) + log_s - std::log(beta) - (s + 1) * std::log1p(tau / beta));
      },
      0.0, horizon);
  return detail::finite_result(alive_throughout + died_before, kModel, "probability of purchases");
}

double conditional_prob_purchases_if_alive(const Params& params, double n, double x, double T,
                                           double horizon) {
  validate_params(params);
  validate_rfm(x, x == 0 ? 0 : T, T);
  return prob_purchases({params.r + x, params.alpha + T, params.s, params.beta + T}, n, horizon);
}

double conditional_prob_purchases(const Params& params, double n, double x, double t_x, double T,
                                  double horizon) {
  const double alive = p_alive(params, x, t_x, T);
  const double if_alive = conditional_prob_purchases_if_alive(params, n, x, T, horizon);
  return detail::finite_result(alive * if_alive + (n == 0 ? 1 - alive : 0.0), kModel,
                               "probability of purchases");
}

double dert_if_alive(const Params& params, double x, double T, double discount_rate) {
  validate_params(params);
  validate_rfm(x, x == 0 ? 0 : T, T);
  if (!(discount_rate > 0) || !std::isfinite(discount_rate))
    throw std::invalid_argument("discount rate " + format_number(discount_rate) +
                                " must be positive and finite");
  const double z = discount_rate * (params.beta + T);
  if (!std::isfinite(z))
    throw std::range_error("Pareto/NBD DERT is out of the range of double precision");
  const double ratio = detail::gamma_mean_ratio(params.s, z, kMaxDertTerms);
  return detail::finite_result((params.r + x) / (params.alpha + T) * ratio / discount_rate, kModel,
                               "DERT");
}

double dert(const Params& params, double x, double t_x, double T, double discount_rate) {
  const double if_alive = dert_if_alive(params, x, T, discount_rate);
  return p_alive(params, x, t_x, T) * if_alive;
}

// Covariates (clv/models/covariates.hpp): alpha and beta scale with
// exp(-gamma . z).
namespace {
struct CovariateTraits {
  using Params = pareto_nbd::Params;
  using Prepared = PreparedPareto;
  static constexpr const char* kName = kModel;
  static inline const std::vector<std::string> kNames = {"r", "alpha", "s", "beta"};
  static inline const std::vector<detail::ScaledParameter> kScaled = {{1, -1.0, false},
                                                                      {3, -1.0, true}};
  static Prepared prepare(const RfmData& data) {
    return pareto_nbd::prepare(detail::layout_rfm(data));
  }
  static double log_likelihood(const Params& p, const Prepared& data, double* grad,
                               const InterruptPoll& poll) {
    return log_likelihood_prepared(p, data, grad, poll);
  }
  static std::array<double, 4> values(const Params& p) { return {p.r, p.alpha, p.s, p.beta}; }
  static Params from(const double* v) { return {v[0], v[1], v[2], v[3]}; }
  static void validate(const Params& p) { validate_params(p); }
  static std::vector<double> penalty_scales(double max_age) {
    return {1.0, 1.0 / max_age, 1.0, 1.0 / max_age};
  }
  static std::array<double, 4> restart(const Params& pooled, double max_age) {
    return {pooled.r, pooled.alpha, 1.0, max_age};
  }
  static double max_age(const Prepared& data) { return data.rfm.T_values.back(); }
  static FitResult<Params> fit(const RfmData& data, const FitOptions& options,
                               const InterruptPoll& poll) {
    return pareto_nbd::fit(data, options, poll);
  }
};
using Covariates = detail::WithCovariates<CovariateTraits>;
}  // namespace

Params for_customer(const CovariateModel& model, const double* z, std::size_t count) {
  return Covariates::for_customer(model, z, count);
}
Params for_customer(const CovariateView<Params>& model, const double* z, std::size_t count) {
  return Covariates::for_customer(model, z, count);
}
double log_likelihood(const CovariateModel& model, const CovariateRfmData& data,
                      std::vector<double>* gradient) {
  return Covariates::log_likelihood(model, data, gradient);
}
FitResult<CovariateModel> fit(const CovariateRfmData& data, const FitOptions& options,
                              const InterruptPoll& poll) {
  return Covariates::fit(data, options, poll);
}

}  // namespace clv::models::pareto_nbd
