// The covariate machinery shared by Pareto/NBD and BG/NBD
// (clv/models/covariates.hpp): a model evaluates its likelihood per group of
// customers with equal covariates at that group's log-parameters, and this
// maps the full parameter vector to each group's and carries the gradient
// back by the chain rule.
#pragma once

#include "clv/models/covariates.hpp"
#include "clv/models/fit.hpp"
#include "clv/models/special.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace clv::models::detail {

// Base parameters of the models with covariates (r, alpha, s | a, beta | b).
constexpr std::size_t kBaseParameters = 4;

// A base log-parameter that moves with a covariate effect: theta_g[index] =
// theta[index] + sign * (gamma . z) with gamma the purchase or the dropout
// coefficients.
struct ScaledParameter {
  std::size_t index;
  double sign;
  bool dropout;
};

struct CovariateLayout {
  std::vector<std::vector<double>> z;  // per group
  std::vector<ScaledParameter> scaled;
  std::size_t covariates = 0;
};

// Log-likelihood of group g at its base log-parameters theta_g; when grad is
// given, its gradient in them (kBaseParameters values).
using GroupLogLikelihood =
    std::function<double(std::size_t g, const double* theta_g, double* grad)>;

// theta = (base log-parameters, gamma_purchase, gamma_dropout); grad, if
// given, receives the gradient in theta.
double covariate_log_likelihood(const CovariateLayout& layout, const GroupLogLikelihood& group_ll,
                                const std::vector<double>& theta, double* grad);

// Maximises the likelihood from each of base_starts (natural parameters)
// with every coefficient 0, keeping the best optimum; the optimum's theta is
// laid out as covariate_log_likelihood's.
Optimum fit_covariates(const CovariateLayout& layout, const GroupLogLikelihood& group_ll,
                       const std::vector<std::vector<double>>& base_starts, double customers,
                       const std::vector<double>& base_penalty_scales, const FitOptions& options,
                       const InterruptPoll& poll);

// Names of all parameters: the base ones, then gamma_purchase[1..p] and
// gamma_dropout[1..p] (SQL's 1-based array subscripts).
std::vector<std::string> covariate_parameter_names(const std::vector<std::string>& base,
                                                   std::size_t covariates);

// The log of the factor exp(gamma . z) of a customer (checks the count and z).
double covariate_effect(const double* gamma, std::size_t covariates, const double* z,
                        std::size_t count);

// The covariate forms of a model, from its Traits, which name
// - Params, and Prepared: one group's data laid out for its likelihood loop;
// - kName, kNames (the 4 base parameters), kScaled (the ScaledParameters);
// - prepare(const RfmData&) -> Prepared;
// - log_likelihood(const Params&, const Prepared&, double* grad, const InterruptPoll&);
// - values(const Params&) -> std::array<double, 4>, from(const double*) -> Params;
// - validate(const Params&), which throws on invalid parameters;
// - penalty_scales(double max_age), max_age(const Prepared&);
// - restart(const Params& pooled, double max_age): a second start's base;
// - fit(const RfmData&, const FitOptions&, const InterruptPoll&): the fit without.
template <class Traits>
struct WithCovariates {
  using Params = typename Traits::Params;
  using Model = CovariateParams<Params>;

  static Params for_customer(const Model& model, const double* z, std::size_t count) {
    if (model.gamma_dropout.size() != model.gamma_purchase.size())
      throw std::invalid_argument("a model needs as many dropout as purchase coefficients");
    return for_customer(
        CovariateView<Params>{model.base, model.gamma_purchase.data(), model.gamma_dropout.data(),
                              model.gamma_purchase.size()},
        z, count);
  }

  static Params for_customer(const CovariateView<Params>& model, const double* z,
                             std::size_t count) {
    Traits::validate(model.base);
    const double purchase = covariate_effect(model.gamma_purchase, model.covariates, z, count);
    const double dropout = covariate_effect(model.gamma_dropout, model.covariates, z, count);
    std::array<double, kBaseParameters> values = Traits::values(model.base);
    for (const ScaledParameter& s : Traits::kScaled) {
      double& v = values[s.index];
      v = std::exp(std::log(v) + s.sign * (s.dropout ? dropout : purchase));
      if (!(v >= std::numeric_limits<double>::min()) || !std::isfinite(v))
        throw std::range_error(std::string("the customer's ") + Traits::kName +
                               " parameters are out of the range of double precision");
    }
    return Traits::from(values.data());
  }

  static double log_likelihood(const Model& model, const CovariateRfmData& data,
                               std::vector<double>* gradient) {
    if (data.customers() == 0) throw std::domain_error("no customers");
    const auto groups = data.groups();
    for (const auto& group : groups) for_customer(model, group.z.data(), group.z.size());
    const Layout layout(groups, data.covariates());
    auto group_ll = [&](std::size_t g, const double* theta, double* grad) {
      return Traits::log_likelihood(from_log(theta), layout.prepared[g], grad, {});
    };
    std::vector<double> theta;
    for (double v : Traits::values(model.base)) theta.push_back(std::log(v));
    theta.insert(theta.end(), model.gamma_purchase.begin(), model.gamma_purchase.end());
    theta.insert(theta.end(), model.gamma_dropout.begin(), model.gamma_dropout.end());
    if (gradient) gradient->assign(theta.size(), 0.0);
    const double ll = covariate_log_likelihood(layout.covariates, group_ll, theta,
                                               gradient ? gradient->data() : nullptr);
    if (gradient) finite_results(*gradient, Traits::kName, "log-likelihood gradient");
    return finite_result(ll, Traits::kName, "log-likelihood");
  }

  static FitResult<Model> fit(const CovariateRfmData& data, const FitOptions& options,
                              const InterruptPoll& poll) {
    const FitResult<Params> pooled = Traits::fit(data.pooled(), options, poll);
    const std::size_t p = data.covariates();
    FitResult<Model> result;
    result.n = data.customers();
    // At a limit of the model without covariates (the data identify no
    // heterogeneity or no dropout) the parameters are not identified with
    // covariates either, and every evaluation near that limit is slow (tail
    // integrals by quadrature): the result is that limit with no effects.
    if (!pooled.limit.empty()) {
      result.params = {pooled.params, std::vector<double>(p, 0.0), std::vector<double>(p, 0.0)};
      result.log_likelihood = pooled.log_likelihood;
      result.evaluations = pooled.evaluations;
      result.limit = pooled.limit + "; the covariates' effects were not fitted";
      return result;
    }
    const Layout layout(data.groups(), data.covariates());
    double max_age = 0;
    for (const auto& g : layout.prepared) max_age = std::max(max_age, Traits::max_age(g));
    auto group_ll = [&](std::size_t g, const double* theta, double* grad) {
      return Traits::log_likelihood(from_log(theta), layout.prepared[g], grad, poll);
    };
    // From the fit without covariates, and from moderate dropout shapes: where
    // that fit sits near a limit (BG/NBD's a, b in the millions), the
    // coefficients have almost no gradient there and a better optimum far away.
    const auto pooled_start = Traits::values(pooled.params);
    const auto restart = Traits::restart(pooled.params, max_age);
    const Optimum opt = fit_covariates(
        layout.covariates, group_ll,
        {std::vector<double>(pooled_start.begin(), pooled_start.end()),
         std::vector<double>(restart.begin(), restart.end())},
        static_cast<double>(data.customers()), Traits::penalty_scales(max_age), options, poll);
    result.params.base = from_log(opt.theta.data());
    result.params.gamma_purchase.assign(opt.theta.begin() + kBaseParameters,
                                        opt.theta.begin() + kBaseParameters + p);
    result.params.gamma_dropout.assign(opt.theta.begin() + kBaseParameters + p, opt.theta.end());
    result.log_likelihood = opt.log_likelihood;
    result.converged = opt.converged;
    result.evaluations = pooled.evaluations + opt.evaluations;
    result.covariance = natural_covariance(opt);
    result.limit =
        describe_limit(opt.at_bound, covariate_parameter_names(Traits::kNames, p), kBaseParameters);
    return result;
  }

 private:
  struct Layout {
    CovariateLayout covariates;
    std::vector<typename Traits::Prepared> prepared;
    Layout(const std::vector<CovariateRfmData::Group>& groups, std::size_t count) {
      covariates.scaled = Traits::kScaled;
      covariates.covariates = count;
      for (const auto& group : groups) {
        covariates.z.push_back(group.z);
        prepared.push_back(Traits::prepare(group.data));
      }
    }
  };

  static Params from_log(const double* theta) {
    double values[kBaseParameters];
    for (std::size_t i = 0; i < kBaseParameters; ++i) values[i] = std::exp(theta[i]);
    return Traits::from(values);
  }
};

}  // namespace clv::models::detail
