// MBG/NBD model (Batislam, Denizel & Filiztekin 2007): BG/NBD where a customer
// may also drop out right after the first purchase, so customers with no
// repeat purchase can be inactive too. Same inputs and conventions as bgnbd.hpp.
#pragma once

#include "clv/models/data.hpp"
#include "clv/models/fit.hpp"

#include <cstddef>
#include <vector>

namespace clv::models::mbgnbd {

struct Params {
  double r, alpha, a, b;
};

double log_likelihood(const Params& params, const RfmData& data,
                      std::vector<double>* gradient = nullptr);

// log L of one customer (x, t_x, T), validated like RfmData::add: a term of
// the weighted sum above (clv.log_likelihood sums them over rows).
double log_likelihood(const Params& params, double x, double t_x, double T);
FitResult<Params> fit(const RfmData& data, const FitOptions& options = {},
                      const InterruptPoll& poll = {});

double p_alive(const Params& params, double x, double t_x, double T);
double expected_purchases(const Params& params, double x, double t_x, double T, double horizon);
// E[purchases in (T, T+horizon] | alive at T, x, T] at each of
// horizons[0..count), into out: expected_purchases is p_alive times this.
// It does not depend on t_x, so scoring shares it among the customers with
// the same (x, T), and predicted CLV evaluates every step in one call.
void expected_purchases_if_alive_at(const Params& params, double x, double T,
                                    const double* horizons, std::size_t count, double* out);
double expected_purchases_new(const Params& params, double horizon);
// P(X(horizon) = n) for a customer just acquired. Not in the paper; derived as
// for FHL 2005 eq. 8 with the extra drop-out chance at time 0:
//   B(a, b+n+1)/B(a,b) NB(n) + B(a+1, b+n)/B(a,b) P(NB >= n),
// NB the negative binomial count of purchases of a customer who never drops out.
double prob_purchases(const Params& params, double n, double horizon);

// P(X(horizon) = n | x, t_x, T): purchases in (T, T+horizon] of this
// customer. Alive at T (p_alive), they buy as a customer alive now whose
// lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x+1), dropping out after each
// purchase; else none. Sums to 1 over n; its mean is expected_purchases.
double conditional_prob_purchases(const Params& params, double n, double x, double t_x, double T,
                                  double horizon);
// The probability for a customer alive at T (the conditional one is
// p_alive times this, plus 1 - p_alive at n = 0): it does not depend on t_x.
double conditional_prob_purchases_if_alive(const Params& params, double n, double x, double T,
                                           double horizon);

}  // namespace clv::models::mbgnbd
