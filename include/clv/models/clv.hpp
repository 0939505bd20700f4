// Discounted predicted customer lifetime value, with the convention of the
// lifetimes library's customer_lifetime_value (utils._customer_lifetime_value):
//   CLV = sum_{i=1..steps} spend * (E[X(i L)] - E[X((i-1) L)]) / (1 + d)^i
// where E[X(h)] is the expected number of purchases in the next h model time
// units (conditional on the customer's history), L = step_length is the length
// of one discounting step in model time units (lifetimes: 30 for days, 4.345
// for weeks, 1 for months), d the discount rate per step, and spend the
// expected value per transaction (e.g. gamma_gamma::expected_spend).
#pragma once

#include <cstddef>
#include <functional>

namespace clv::models {

// Cumulative expected purchases at horizons[0..count), into out (e.g. a
// model's expected_purchases_at for one customer). Called with batches of at
// most kClvStepBatch horizons, so a caller can poll for cancellation in it.
using ExpectedPurchasesAt =
    std::function<void(const double* horizons, std::size_t count, double* out)>;
constexpr std::size_t kClvStepBatch = 64;

// Throws std::invalid_argument unless steps >= 0, step_length > 0,
// discount_rate > -1 and spend are finite; std::range_error when the value
// leaves the range of double precision.
double predicted_clv(const ExpectedPurchasesAt& expected_purchases, double expected_spend,
                     int steps, double step_length, double discount_rate);

}  // namespace clv::models
