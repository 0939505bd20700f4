// BG/BB model (Fader, Hardie & Shang 2010, "Customer-base analysis in a
// discrete-time noncontractual setting", Marketing Science 29(6)). At each of
// n discrete repeat-transaction opportunities a customer first becomes
// inactive (for good) with probability theta ~ Beta(gamma, delta) and, if
// still alive, transacts with probability p ~ Beta(alpha, beta). Inputs per customer: x repeat
// transactions, t_x the opportunity of the last one (0 if none), n opportunities
// (validate_discrete).
//
// Every function validates its inputs like DiscreteData::add and throws
// std::invalid_argument on non-positive or non-finite parameters; a result
// that leaves the range of double precision throws std::range_error.
#pragma once

#include "clv/models/data.hpp"
#include "clv/models/fit.hpp"

#include <vector>

namespace clv::models::bgbb {

struct Params {
  double alpha, beta, gamma, delta;
};

// log L(alpha, beta, gamma, delta | x, t_x, n) of one customer (FHS 2010
// eq. 5), a log-sum-exp of its n - t_x + 1 terms; if gradient is given, it
// receives the partial derivatives with respect to the log-parameters.
double log_likelihood(const Params& params, double x, double t_x, double n,
                      std::vector<double>* gradient = nullptr);
// Weighted sum over the data (std::domain_error when it cannot identify the
// model: fewer than 2 customers, or nobody with a repeat transaction).
double log_likelihood(const Params& params, const DiscreteData& data,
                      std::vector<double>* gradient = nullptr);

FitResult<Params> fit(const DiscreteData& data, const FitOptions& options = {},
                      const InterruptPoll& poll = {});

// P(alive at opportunity n + 1 | x, t_x, n) (FHS 2010 eq. 11).
double p_alive(const Params& params, double x, double t_x, double n);
// E[transactions in opportunities n + 1 .. n + n_future | x, t_x, n]
// (FHS 2010 eq. 13), n_future >= 0 an integer; computed in logs so that gamma
// at or near 1 (where eq. 13 is a 0/0 limit) is exact.
double expected_purchases(const Params& params, double x, double t_x, double n, double n_future);
// E[X(n)] for a customer just acquired (FHS 2010 eq. 9), n >= 0 an integer.
double expected_purchases_new(const Params& params, double n);
// P(X(n) = x) for a customer just acquired (FHS 2010 eq. 8), x >= 0 and
// 0 <= n <= kMaxDiscretePeriods integers.
double prob_purchases(const Params& params, double x, double n);

// Discounted expected residual transactions: sum over j >= 1 of
// E[transaction at opportunity n + j | x, t_x, n] / (1 + discount_rate)^j
// (FHS 2010's DERT, their 2F1(1, delta+n+1; gamma+delta+n+1; 1/(1+d)) form),
// summed as that series; discount_rate > 0 and finite, and not so small
// that the series needs more than kMaxDertTerms terms (about d < 5e-5).
constexpr double kMaxDertTerms = 1e6;
double dert(const Params& params, double x, double t_x, double n, double discount_rate);

namespace detail {
// sum_{j=1}^{count} B(gamma, delta + j) / B(gamma, delta): the expected
// number of the next `count` opportunities at which a customer alive now is
// still alive, in closed form (gamma == 1 included).
double expected_alive_periods(double gamma, double delta, double count);
}  // namespace detail

}  // namespace clv::models::bgbb
