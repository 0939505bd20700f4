// Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; likelihood as in
// Fader & Hardie, "A note on deriving the Pareto/NBD model and related
// expressions", 2005). While alive a customer buys at Poisson rate
// lambda ~ Gamma(r, alpha); the lifetime is exponential with rate
// mu ~ Gamma(s, beta). Same inputs and conventions as bgnbd.hpp; parameters
// below the smallest normal double (2.2e-308) are rejected like non-positive ones.
#pragma once

#include "clv/models/data.hpp"
#include "clv/models/fit.hpp"

#include <cstddef>
#include <functional>
#include <vector>

namespace clv::models::pareto_nbd {

struct Params {
  double r, alpha, s, beta;
};

// Weighted log-likelihood; gradient in (log r, log alpha, log s, log beta).
double log_likelihood(const Params& params, const RfmData& data,
                      std::vector<double>* gradient = nullptr);
// log L of one customer (x, t_x, T), validated like RfmData::add: a term of
// the weighted sum above (clv.log_likelihood sums them over rows).
double log_likelihood(const Params& params, double x, double t_x, double T);
FitResult<Params> fit(const RfmData& data, const FitOptions& options = {},
                      const InterruptPoll& poll = {});

double p_alive(const Params& params, double x, double t_x, double T);
// P(alive) rests on two tail integrals, log I(t) at t = t_x and at t = T,
// each a function of the frequency and that t only (log_tail below). A
// scorer can remember them across customers and pass them in through
// `tail`, which this calls with t_x and T (after validating the inputs) and
// which must return log_tail(params, x, t).
using LogTailOf = std::function<double(double t)>;
double p_alive(const Params& params, double x, double t_x, double T, const LogTailOf& tail);
double log_tail(const Params& params, double x, double t);
// E[purchases in (T, T+horizon] | x, t_x, T] = P(alive) (r+x)(beta+T)/((alpha+T)(s-1))
//   [1 - ((beta+T)/(beta+T+horizon))^(s-1)]   (its limit at s = 1).
double expected_purchases(const Params& params, double x, double t_x, double T, double horizon);
// E[purchases in (T, T+horizon] | alive at T, x, T] at each of
// horizons[0..count), into out: expected_purchases is p_alive times this.
// It does not depend on t_x, so scoring shares it among the customers with
// the same (x, T), and predicted CLV evaluates every step in one call.
void expected_purchases_if_alive_at(const Params& params, double x, double T,
                                    const double* horizons, std::size_t count, double* out);
double expected_purchases_new(const Params& params, double horizon);
// P(X(horizon) = n) for a new customer:
//   NB(n; t) (beta/(beta+t))^s + int_0^t NB(n; tau) s beta^s (beta+tau)^-(s+1) dtau,
// NB the negative binomial count of a customer alive throughout. Evaluated by
// quadrature rather than Fader & Hardie's closed form, whose alternating sum
// of 2F1 terms loses all precision for larger n.
double prob_purchases(const Params& params, double n, double horizon);

// P(X(horizon) = n | x, t_x, T): alive at T (p_alive), the purchases of a
// new customer (prob_purchases) with the posterior lambda ~ Gamma(r+x,
// alpha+T) and mu ~ Gamma(s, beta+T); else none. Sums to 1 over n; its mean
// is expected_purchases.
double conditional_prob_purchases(const Params& params, double n, double x, double t_x, double T,
                                  double horizon);
// The probability for a customer alive at T (the conditional one is
// p_alive times this, plus 1 - p_alive at n = 0): it does not depend on t_x.
double conditional_prob_purchases_if_alive(const Params& params, double n, double x, double T,
                                           double horizon);

// Discounted expected residual transactions with continuous discounting at
// discount_rate per unit of t (Fader, Hardie & Lee 2005, "RFM and CLV"):
//   integral over t > 0 of e^(-delta t) E[purchase rate at T + t | x, t_x, T]
//   = P(alive) (r+x)/(alpha+T) (beta+T)^s delta^(s-1) U(s, s; delta (beta+T)),
// U the confluent hypergeometric function of the second kind
// (detail::gamma_mean_ratio). discount_rate > 0 and finite, and not so small
// that delta (beta + T) < about 5e-5 (kMaxDertTerms terms of the fraction).
constexpr double kMaxDertTerms = 1e6;
double dert(const Params& params, double x, double t_x, double T, double discount_rate);
// The DERT of a customer alive at T (dert is p_alive times this): it does not
// depend on t_x, so a scorer can take P(alive) from its memo.
double dert_if_alive(const Params& params, double x, double T, double discount_rate);

}  // namespace clv::models::pareto_nbd
