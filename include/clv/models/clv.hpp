// Discounted predicted customer lifetime value, with the convention of the
// lifetimes library's customer_lifetime_value (utils._customer_lifetime_value):
//   CLV = sum_{i=1..steps} spend * (E[X(i L)] - E[X((i-1) L)]) / (1 + d)^i
// where E[X(h)] is the expected number of purchases in the next h model time
// units (conditional on the customer's history), L = step_length is the length
// of one discounting step in model time units (lifetimes: 30 for days, 4.345
// for weeks, 1 for months), d the discount rate per step, and spend the
// expected value per transaction (e.g. gamma_gamma::expected_spend).
#pragma once

#include <functional>

namespace clv::models {

// Throws std::invalid_argument unless steps >= 0, step_length > 0,
// discount_rate > -1 and spend are finite; std::range_error when the value
// leaves the range of double precision.
double predicted_clv(const std::function<double(double horizon)>& expected_purchases,
                     double expected_spend, int steps, double step_length, double discount_rate);

}  // namespace clv::models
