// BG/NBD and MBG/NBD share one likelihood and scoring code: they differ only
// in whether a customer can drop out right after the first purchase. With
// k = 0 (BG/NBD) or 1 (MBG/NBD), per customer (FHL 2005 eq. 6; Batislam et al.):
//   log L = log G(r+x)/G(r) + r log(alpha) + log B(a, b+x+k)/B(a,b)
//         + log[ (alpha+T)^-(r+x) + d a/(b+x+k-1) (alpha+t_x)^-(r+x) ]
// where d = 1 if x > 0 or k = 1, else 0.
#include "clv/common/assertions.hpp"
#include "clv/common/format.hpp"

#include "clv/models/bgnbd.hpp"
#include "clv/models/covariates.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/prepared.hpp"
#include "clv/models/special.hpp"

#include "covariate_fit.hpp"

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace clv::models {

namespace {

using boost::math::digamma;
using boost::math::lgamma;

struct GeometricDropout {
  double r, alpha, a, b;
  int k;  // 0: BG/NBD, 1: MBG/NBD
  const char* name;
};

void validate_params(const GeometricDropout& m) {
  for (double v : {m.r, m.alpha, m.a, m.b})
    if (!(v > 0) || !std::isfinite(v))
      throw std::invalid_argument(std::string(m.name) + " parameters must be positive and finite");
}

void validate_horizon(double horizon) {
  if (!(horizon >= 0) || !std::isfinite(horizon))
    throw std::invalid_argument("horizon " + format_number(horizon) +
                                " must be finite and non-negative");
}

// Weighted log-likelihood and, if grad is given, its gradient in log-parameters.
double log_likelihood_prepared(const GeometricDropout& m, const detail::PreparedRfm& data,
                               double* grad) {
  const double r = m.r, alpha = m.alpha, a = m.a, b = m.b, k = m.k;
  const double log_alpha = std::log(alpha);
  const double lgamma_r = lgamma(r), lbeta_ab_part = lgamma(a + b) - lgamma(b);
  const double psi_r = grad ? digamma(r) : 0, psi_ab = grad ? digamma(a + b) : 0;
  const double psi_b = grad ? digamma(b) : 0;
  double ll = 0, g_r = 0, g_alpha = 0, g_a = 0, g_b = 0;

  const std::size_t nx = data.x_values.size();
  std::vector<double> second_offset(nx), inv_b_shift(nx);
  std::vector<char> has_second(nx);
  for (std::size_t i = 0; i < nx; ++i) {
    const double x = data.x_values[i], w = data.x_weights[i];
    ll += w * (lgamma(r + x) - lgamma_r + r * log_alpha + lgamma(b + x + k) -
               lgamma(a + b + x + k) + lbeta_ab_part);
    if (grad) {
      const double psi_abx = digamma(a + b + x + k);
      g_r += w * (digamma(r + x) - psi_r + log_alpha);
      g_alpha += w * r / alpha;
      g_a += w * (psi_ab - psi_abx);
      g_b += w * (digamma(b + x + k) - psi_abx - psi_b + psi_ab);
    }
    has_second[i] = x > 0 || m.k == 1;
    if (has_second[i]) {
      // x + k - 1 first: it is an exact integer, while b + x + k - 1 would
      // cancel most digits of a small b (all of them below 1e-16).
      second_offset[i] = std::log(a) - std::log(b + (x + k - 1));
      inv_b_shift[i] = 1 / (b + (x + k - 1));
    }
  }
  auto logs = [alpha](const std::vector<double>& values, std::vector<double>& log_out,
                      std::vector<double>& inv_out) {
    log_out.resize(values.size());
    inv_out.resize(values.size());
    for (std::size_t j = 0; j < values.size(); ++j) {
      log_out[j] = std::log(alpha + values[j]);
      inv_out[j] = 1 / (alpha + values[j]);
    }
  };
  std::vector<double> log_T, inv_T, log_tx, inv_tx;
  logs(data.T_values, log_T, inv_T);
  logs(data.t_x_values, log_tx, inv_tx);

  for (const auto& row : data.rows) {
    const double rx = r + data.x_values[row.x], w = row.weight;
    const double first = -rx * log_T[row.T];
    if (!has_second[row.x]) {
      ll += w * first;
      if (grad) {
        g_r -= w * log_T[row.T];
        g_alpha -= w * rx * inv_T[row.T];
      }
      continue;
    }
    const double second = second_offset[row.x] - rx * log_tx[row.t_x];
    const double top = std::max(first, second);
    const double e1 = std::exp(first - top), e2 = std::exp(second - top);
    const double sum = e1 + e2;
    ll += w * (top + std::log(sum));
    if (grad) {
      const double w1 = w * e1 / sum, w2 = w * e2 / sum;
      g_r -= w1 * log_T[row.T] + w2 * log_tx[row.t_x];
      g_alpha -= rx * (w1 * inv_T[row.T] + w2 * inv_tx[row.t_x]);
      g_a += w2 / a;
      g_b -= w2 * inv_b_shift[row.x];
    }
  }
  if (grad) {
    grad[0] = g_r * r;
    grad[1] = g_alpha * alpha;
    grad[2] = g_a * a;
    grad[3] = g_b * b;
  }
  return ll;
}

double log_likelihood_of(GeometricDropout m, const RfmData& data, std::vector<double>* gradient) {
  validate_params(m);
  if (data.customers() == 0) throw std::domain_error("no customers");
  // prepare_rfm's identifiability checks are for fitting; the likelihood is
  // defined for any data.
  const detail::PreparedRfm prepared = detail::layout_rfm(data);
  if (gradient) gradient->assign(4, 0.0);
  const double ll = log_likelihood_prepared(m, prepared, gradient ? gradient->data() : nullptr);
  if (gradient) detail::finite_results(*gradient, m.name, "log-likelihood gradient");
  return detail::finite_result(ll, m.name, "log-likelihood");
}

template <class Params>
FitResult<Params> fit_model(int k, const char* name, const RfmData& data, const FitOptions& options,
                            const InterruptPoll& poll) {
  const detail::PreparedRfm prepared = detail::prepare_rfm(data, name);
  const double rate = prepared.mean_purchase_rate;
  // Start points spread over typical shapes; alpha is set so that the mean
  // purchase rate r/alpha matches the data, which makes them unit-free.
  const std::vector<std::vector<double>> starts = {
      {1.0, 1.0 / rate, 1.0, 1.0}, {0.3, 0.3 / rate, 0.8, 2.5}, {3.0, 3.0 / rate, 2.0, 6.0}};
  // alpha is a time: penalised in units of the largest age (clv/models/fit.hpp).
  const std::vector<double> penalty_scales = {1.0, 1.0 / prepared.T_values.back(), 1.0, 1.0};
  auto ll = [&](const std::vector<double>& theta, std::vector<double>& gradient) {
    const GeometricDropout m{
        std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2]), std::exp(theta[3]), k, name};
    return log_likelihood_prepared(m, prepared, gradient.data());
  };
  const detail::Optimum opt = detail::maximize_log_likelihood(ll, prepared.customers, starts,
                                                              penalty_scales, options, poll);
  FitResult<Params> result;
  result.params = {std::exp(opt.theta[0]), std::exp(opt.theta[1]), std::exp(opt.theta[2]),
                   std::exp(opt.theta[3])};
  result.log_likelihood = opt.log_likelihood;
  result.n = data.customers();
  result.converged = opt.converged;
  result.evaluations = opt.evaluations;
  result.covariance = detail::natural_covariance(opt);
  result.limit = detail::describe_limit(opt.at_bound, {"r", "alpha", "a", "b"});
  // What the limits mean: dropout probabilities near 0, purchase rates all alike.
  if (opt.at_bound[2] < 0 || opt.at_bound[3] > 0) result.limit += "; no customer drops out";
  if (opt.at_bound[0] > 0 && opt.at_bound[1] > 0)
    result.limit += "; purchase rates do not vary between customers (a Poisson process)";
  return result;
}

double p_alive_of(const GeometricDropout& m, double x, double t_x, double T) {
  validate_params(m);
  validate_rfm(x, t_x, T);
  if (x == 0 && m.k == 0) return 1.0;
  // 1 / (1 + a/(b+x+k-1) ((alpha+T)/(alpha+t_x))^(r+x))
  const double log_odds_dead = std::log(m.a) - std::log(m.b + (x + m.k - 1)) +
                               (m.r + x) * std::log1p((T - t_x) / (m.alpha + t_x));
  return detail::finite_result(1 / (1 + std::exp(log_odds_dead)), m.name, "P(alive)");
}

void expected_purchases_if_alive_at_of(const GeometricDropout& m, double x, double T,
                                       const double* horizons, std::size_t count, double* out) {
  validate_params(m);
  validate_rfm(x, x == 0 ? 0 : T, T);
  for (std::size_t i = 0; i < count; ++i) validate_horizon(horizons[i]);
  // Given alive at T: lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x+k).
  for (std::size_t first = 0; first < count; first += detail::kMaxSeriesBatch) {
    const std::size_t n = std::min(count - first, detail::kMaxSeriesBatch);
    detail::expected_purchases_geometric_dropout_many(m.r + x, m.alpha + T, m.a, m.b + x + m.k,
                                                      horizons + first, n, out + first);
    detail::finite_results(out + first, n, m.name, "expected purchases");
  }
}

double expected_purchases_of(const GeometricDropout& m, double x, double t_x, double T,
                             double horizon) {
  const double alive = p_alive_of(m, x, t_x, T);
  double if_alive;
  expected_purchases_if_alive_at_of(m, x, T, &horizon, 1, &if_alive);
  // alive is in [0, 1] and if_alive finite: so is the product.
  return alive * if_alive;
}

double expected_purchases_new_of(const GeometricDropout& m, double horizon) {
  validate_params(m);
  validate_horizon(horizon);
  // MBG/NBD: alive after the first purchase with probability b/(a+b); then
  // p ~ Beta(a, b+1).
  const double e =
      m.k == 0
          ? detail::expected_purchases_geometric_dropout(m.r, m.alpha, m.a, m.b, horizon)
          : m.b / (m.a + m.b) *
                detail::expected_purchases_geometric_dropout(m.r, m.alpha, m.a, m.b + 1, horizon);
  return detail::finite_result(e, m.name, "expected purchases");
}

double prob_purchases_of(const GeometricDropout& m, double n, double horizon) {
  validate_params(m);
  validate_horizon(horizon);
  if (!std::isfinite(n) || n < 0 || n != std::floor(n))
    throw std::invalid_argument("number of purchases " + format_number(n) +
                                " must be a non-negative integer");
  if (horizon == 0) return n == 0 ? 1.0 : 0.0;
  const double r = m.r, alpha = m.alpha, a = m.a, b = m.b, k = m.k;
  // NB(n): purchases in (0, horizon] of a customer who never drops out.
  const double log_nb = lgamma(r + n) - lgamma(r) - lgamma(n + 1) -
                        r * std::log1p(horizon / alpha) + n * std::log(horizon / (alpha + horizon));
  // Ratios of beta functions without differences of large lgamma values,
  // which could push P(X = 0) above 1: B(a, b+n+k) / B(a, b), and
  // B(a+1, b+j) / B(a, b) = a / (a+b+j) B(a, b+j) / B(a, b) with j = n+k-1.
  double p = std::exp(detail::log_beta_ratio(a, b, n + k) + log_nb);
  if (n > 0 || k == 1) {
    const double at_least_n = n == 0 ? 1.0 : boost::math::ibetac(r, n, alpha / (alpha + horizon));
    const double j = n + k - 1;
    p += std::exp(std::log(a) - std::log(a + b + j) + detail::log_beta_ratio(a, b, j)) * at_least_n;
  }
  return detail::finite_result(p, m.name, "probability of purchases");
}

// Alive at T, a customer of BG/NBD's new-customer form with the posterior
// parameters (dropout after each purchase: k = 0 whatever the model).
double conditional_prob_purchases_if_alive_of(const GeometricDropout& m, double n, double x,
                                              double T, double horizon) {
  validate_params(m);
  validate_rfm(x, x == 0 ? 0 : T, T);
  const GeometricDropout now{m.r + x, m.alpha + T, m.a, m.b + x + m.k, 0, m.name};
  return prob_purchases_of(now, n, horizon);
}

double conditional_prob_purchases_of(const GeometricDropout& m, double n, double x, double t_x,
                                     double T, double horizon) {
  const double alive = p_alive_of(m, x, t_x, T);
  const double if_alive = conditional_prob_purchases_if_alive_of(m, n, x, T, horizon);
  return detail::finite_result(alive * if_alive + (n == 0 ? 1 - alive : 0.0), m.name,
                               "probability of purchases");
}

}  // namespace

namespace bgnbd {
namespace {
GeometricDropout model(const Params& p) {
  return {p.r, p.alpha, p.a, p.b, 0, "BG/NBD"};
}
}  // namespace

double log_likelihood(const Params& params, const RfmData& data, std::vector<double>* gradient) {
  return log_likelihood_of(model(params), data, gradient);
}
double log_likelihood(const Params& params, double x, double t_x, double T) {
  RfmData one;
  one.add(x, t_x, T);
  return log_likelihood(params, one);
}
FitResult<Params> fit(const RfmData& data, const FitOptions& options, const InterruptPoll& poll) {
  return fit_model<Params>(0, "BG/NBD", data, options, poll);
}
double p_alive(const Params& params, double x, double t_x, double T) {
  return p_alive_of(model(params), x, t_x, T);
}
double expected_purchases(const Params& params, double x, double t_x, double T, double horizon) {
  return expected_purchases_of(model(params), x, t_x, T, horizon);
}
void expected_purchases_if_alive_at(const Params& params, double x, double T,
                                    const double* horizons, std::size_t count, double* out) {
  expected_purchases_if_alive_at_of(model(params), x, T, horizons, count, out);
}
double expected_purchases_new(const Params& params, double horizon) {
  return expected_purchases_new_of(model(params), horizon);
}
double prob_purchases(const Params& params, double n, double horizon) {
  return prob_purchases_of(model(params), n, horizon);
}
double conditional_prob_purchases(const Params& params, double n, double x, double t_x, double T,
                                  double horizon) {
  return conditional_prob_purchases_of(model(params), n, x, t_x, T, horizon);
}
double conditional_prob_purchases_if_alive(const Params& params, double n, double x, double T,
                                           double horizon) {
  return conditional_prob_purchases_if_alive_of(model(params), n, x, T, horizon);
}

// Covariates (clv/models/covariates.hpp): alpha, a and b scale with them.
namespace {
struct CovariateTraits {
  using Params = bgnbd::Params;
  using Prepared = detail::PreparedRfm;
  static constexpr const char* kName = "BG/NBD";
  static inline const std::vector<std::string> kNames = {"r", "alpha", "a", "b"};
  static inline const std::vector<detail::ScaledParameter> kScaled = {
      {1, -1.0, false}, {2, 1.0, true}, {3, 1.0, true}};
  static Prepared prepare(const RfmData& data) { return detail::layout_rfm(data); }
  static double log_likelihood(const Params& p, const Prepared& data, double* grad,
                               const InterruptPoll&) {
    return log_likelihood_prepared(model(p), data, grad);
  }
  static std::array<double, 4> values(const Params& p) { return {p.r, p.alpha, p.a, p.b}; }
  static Params from(const double* v) { return {v[0], v[1], v[2], v[3]}; }
  static void validate(const Params& p) { validate_params(model(p)); }
  static std::vector<double> penalty_scales(double max_age) {
    return {1.0, 1.0 / max_age, 1.0, 1.0};
  }
  static std::array<double, 4> restart(const Params& pooled, double) {
    return {pooled.r, pooled.alpha, 1.0, 3.0};
  }
  static double max_age(const Prepared& data) { return data.T_values.back(); }
  static FitResult<Params> fit(const RfmData& data, const FitOptions& options,
                               const InterruptPoll& poll) {
    return bgnbd::fit(data, options, poll);
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
}  // namespace bgnbd

namespace mbgnbd {
namespace {
GeometricDropout model(const Params& p) {
  return {p.r, p.alpha, p.a, p.b, 1, "MBG/NBD"};
}
}  // namespace

double log_likelihood(const Params& params, const RfmData& data, std::vector<double>* gradient) {
  return log_likelihood_of(model(params), data, gradient);
}
double log_likelihood(const Params& params, double x, double t_x, double T) {
  RfmData one;
  one.add(x, t_x, T);
  return log_likelihood(params, one);
}
FitResult<Params> fit(const RfmData& data, const FitOptions& options, const InterruptPoll& poll) {
  return fit_model<Params>(1, "MBG/NBD", data, options, poll);
}
double p_alive(const Params& params, double x, double t_x, double T) {
  return p_alive_of(model(params), x, t_x, T);
}
double expected_purchases(const Params& params, double x, double t_x, double T, double horizon) {
  return expected_purchases_of(model(params), x, t_x, T, horizon);
}
void expected_purchases_if_alive_at(const Params& params, double x, double T,
                                    const double* horizons, std::size_t count, double* out) {
  expected_purchases_if_alive_at_of(model(params), x, T, horizons, count, out);
}
double expected_purchases_new(const Params& params, double horizon) {
  return expected_purchases_new_of(model(params), horizon);
}
double prob_purchases(const Params& params, double n, double horizon) {
  return prob_purchases_of(model(params), n, horizon);
}
double conditional_prob_purchases(const Params& params, double n, double x, double t_x, double T,
                                  double horizon) {
  return conditional_prob_purchases_of(model(params), n, x, t_x, T, horizon);
}
double conditional_prob_purchases_if_alive(const Params& params, double n, double x, double T,
                                           double horizon) {
  return conditional_prob_purchases_if_alive_of(model(params), n, x, T, horizon);
}
}  // namespace mbgnbd

}  // namespace clv::models
