// Per customer with x > 0 repeat purchases of mean value m (FHL 2005, iso-value):
//   log f(m | p, q, v, x) = log G(px+q) - log G(px) - log G(q) + q log v
//                          + (px-1) log m + px log x - (px+q) log(x m + v)
#include "clv/common/assertions.hpp"
#include "clv/common/format.hpp"

#include "clv/models/gamma_gamma.hpp"
#include "clv/models/special.hpp"

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <cmath>
#include <stdexcept>

namespace clv::models::gamma_gamma {

namespace {

using boost::math::digamma;
using boost::math::lgamma;

constexpr const char* kModel = "Gamma-Gamma";

void validate_params(const Params& params) {
  for (double v : {params.p, params.q, params.v})
    if (!(v > 0) || !std::isfinite(v))
      throw std::invalid_argument("Gamma-Gamma parameters must be positive and finite");
}

// Mean spends grouped by frequency: the gamma functions depend on x only, so
// they are evaluated once per distinct x and evaluation.
struct Prepared {
  struct Group {
    double x, log_x, weight;
    double weighted_log_m;  // sum of weight * log m over the group
  };
  struct Row {
    std::size_t group;
    double m, weight;
  };
  std::vector<Group> groups;
  std::vector<Row> rows;
  double mean_spend = 0;
};

Prepared layout(const SpendData& data) {
  Prepared out;
  double spend = 0;
  for (const SpendRow& row : data.rows()) {  // ascending x: groups are contiguous
    const double w = static_cast<double>(row.weight);
    if (out.groups.empty() || out.groups.back().x != row.x)
      out.groups.push_back({row.x, std::log(row.x), 0, 0});
    out.groups.back().weight += w;
    out.groups.back().weighted_log_m += w * std::log(row.m_x);
    out.rows.push_back({out.groups.size() - 1, row.m_x, w});
    spend += w * row.m_x;
  }
  out.mean_spend = spend / static_cast<double>(data.customers());
  return out;
}

double log_likelihood_prepared(const Params& params, const Prepared& data, double* grad) {
  const double p = params.p, q = params.q, v = params.v;
  const double lgamma_q = lgamma(q), log_v = std::log(v), psi_q = grad ? digamma(q) : 0;
  double ll = 0, g_p = 0, g_q = 0, g_v = 0;
  std::vector<double> psi_pxq(data.groups.size());
  for (std::size_t i = 0; i < data.groups.size(); ++i) {
    const auto& g = data.groups[i];
    const double px = p * g.x;
    ll += g.weight * (lgamma(px + q) - lgamma(px) - lgamma_q + q * log_v + px * g.log_x) +
          (px - 1) * g.weighted_log_m;
    if (grad) {
      psi_pxq[i] = digamma(px + q);
      g_p += g.x * (g.weight * (psi_pxq[i] - digamma(px) + g.log_x) + g.weighted_log_m);
      g_q += g.weight * (psi_pxq[i] - psi_q + log_v);
      g_v += g.weight * q / v;
    }
  }
  for (const auto& row : data.rows) {
    const double x = data.groups[row.group].x, px = p * x, w = row.weight;
    const double log_xmv = std::log(x * row.m + v);
    ll -= w * (px + q) * log_xmv;
    if (grad) {
      g_p -= w * x * log_xmv;
      g_q -= w * log_xmv;
      g_v -= w * (px + q) / (x * row.m + v);
    }
  }
  if (grad) {
    grad[0] = g_p * p;
    grad[1] = g_q * q;
    grad[2] = g_v * v;
  }
  return ll;
}

}  // namespace

double log_likelihood(const Params& params, const SpendData& data, std::vector<double>* gradient) {
  validate_params(params);
  if (data.customers() == 0) throw std::domain_error("no customers with repeat purchases");
  if (gradient) gradient->assign(3, 0.0);
  const double ll =
      log_likelihood_prepared(params, layout(data), gradient ? gradient->data() : nullptr);
  if (gradient) detail::finite_results(*gradient, kModel, "log-likelihood gradient");
  return detail::finite_result(ll, kModel, "log-likelihood");
}

double log_likelihood(const Params& params, double x, double m_x) {
  SpendData one;
  one.add(x, m_x);
  if (one.customers() == 0) {
    validate_params(params);
    return 0;
  }
  return log_likelihood(params, one);
}

FitResult<Params> fit(const SpendData& data, const FitOptions& options, const InterruptPoll& poll) {
  if (data.customers() < 2)
    throw std::domain_error(
        "cannot fit Gamma-Gamma to fewer than 2 customers with repeat purchases");
  const Prepared prepared = layout(data);
  const double mean = prepared.mean_spend;
  // Start points whose population mean spend p v / (q-1) equals the data's.
  const std::vector<std::vector<double>> starts = {
      {1.0, 2.0, mean}, {5.0, 4.0, 3.0 * mean / 5.0}, {0.5, 1.5, mean}};
  auto ll = [&](const std::vector<double>& theta, std::vector<double>& gradient) {
    const Params params{std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2])};
    return log_likelihood_prepared(params, prepared, gradient.data());
  };
  const detail::Optimum opt = detail::maximize_log_likelihood(
      ll, static_cast<double>(data.customers()), starts, {1.0, 1.0, 1.0}, options, poll);
  FitResult<Params> result;
  result.params = {std::exp(opt.theta[0]), std::exp(opt.theta[1]), std::exp(opt.theta[2])};
  result.log_likelihood = opt.log_likelihood;
  result.n = data.customers();
  result.converged = opt.converged;
  result.evaluations = opt.evaluations;
  result.covariance = detail::natural_covariance(opt);
  result.limit = detail::describe_limit(opt.at_bound, {"p", "q", "v"});
  return result;
}

double expected_spend(const Params& params, double x, double m_x) {
  validate_params(params);
  if (!std::isfinite(x) || x < 0 || x != std::floor(x))
    throw std::invalid_argument("frequency " + format_number(x) +
                                " must be a non-negative integer");
  if (x > 0) validate_spend(x, m_x);
  const double denominator = params.p * x + params.q - 1;
  if (!(denominator > 0))
    throw std::domain_error("expected spend is infinite for Gamma-Gamma q <= 1 and this frequency");
  const double spend =
      x == 0 ? params.p * params.v / denominator : params.p * (params.v + x * m_x) / denominator;
  return detail::finite_result(spend, kModel, "expected spend");
}

}  // namespace clv::models::gamma_gamma
