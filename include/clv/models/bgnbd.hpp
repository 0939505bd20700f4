// BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy
// way"). While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha);
// after each repeat purchase they drop out with probability p ~ Beta(a, b).
// Inputs per customer: x repeat purchases, t_x time of the last one, T age,
// all in the same time unit (the parameter alpha carries that unit).
// Scoring functions validate their inputs like RfmData::add and throw
// std::invalid_argument on non-positive or non-finite parameters. A result or
// gradient that leaves the range of double precision (extreme parameters)
// throws std::range_error rather than returning infinity or NaN.
#pragma once

#include "clv/models/data.hpp"
#include "clv/models/fit.hpp"

#include <cstddef>
#include <vector>

namespace clv::models::bgnbd {

struct Params {
  double r, alpha, a, b;
};

// Weighted log-likelihood; if gradient is given, it receives the partial
// derivatives with respect to (log r, log alpha, log a, log b).
double log_likelihood(const Params& params, const RfmData& data,
                      std::vector<double>* gradient = nullptr);

// log L of one customer (x, t_x, T), validated like RfmData::add: a term of
// the weighted sum above (clv.log_likelihood sums them over rows).
double log_likelihood(const Params& params, double x, double t_x, double T);
FitResult<Params> fit(const RfmData& data, const FitOptions& options = {},
                      const InterruptPoll& poll = {});

// P(alive at T | x, t_x, T) (FHL 2005 eq. 11 / their note on P(alive)).
double p_alive(const Params& params, double x, double t_x, double T);
// E[purchases in (T, T+horizon] | x, t_x, T] (FHL 2005 eq. 10).
double expected_purchases(const Params& params, double x, double t_x, double T, double horizon);
// E[purchases in (T, T+horizon] | alive at T, x, T] at each of
// horizons[0..count), into out: expected_purchases is p_alive times this.
// It does not depend on t_x, so scoring shares it among the customers with
// the same (x, T), and predicted CLV evaluates every step in one call.
void expected_purchases_if_alive_at(const Params& params, double x, double T,
                                    const double* horizons, std::size_t count, double* out);
// E[X(horizon)] for a customer just acquired (FHL 2005 eq. 9).
double expected_purchases_new(const Params& params, double horizon);
// P(X(horizon) = n) for a customer just acquired (FHL 2005 eq. 8).
double prob_purchases(const Params& params, double n, double horizon);

// P(X(horizon) = n | x, t_x, T): purchases in (T, T+horizon] of this
// customer. Alive at T (p_alive), they buy as a customer alive now whose
// lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x), dropping out after each
// purchase; else none. Sums to 1 over n; its mean is expected_purchases.
double conditional_prob_purchases(const Params& params, double n, double x, double t_x, double T,
                                  double horizon);
// The probability for a customer alive at T (the conditional one is
// p_alive times this, plus 1 - p_alive at n = 0): it does not depend on t_x.
double conditional_prob_purchases_if_alive(const Params& params, double n, double x, double T,
                                           double horizon);

}  // namespace clv::models::bgnbd
