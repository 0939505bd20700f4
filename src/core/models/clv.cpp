#include "clv/models/clv.hpp"
#include "clv/models/special.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace clv::models {

double predicted_clv(const ExpectedPurchasesAt& expected_purchases, double expected_spend,
                     int steps, double step_length, double discount_rate) {
  if (steps < 0) throw std::invalid_argument("steps must not be negative");
  if (!(step_length > 0) || !std::isfinite(step_length))
    throw std::invalid_argument("step length must be positive and finite");
  if (!(discount_rate > -1) || !std::isfinite(discount_rate))
    throw std::invalid_argument("discount rate must be finite and greater than -1");
  if (!std::isfinite(expected_spend)) throw std::invalid_argument("expected spend must be finite");
  double value = 0, previous = 0;
  double horizons[kClvStepBatch], cumulative[kClvStepBatch];
  for (int first = 1; first <= steps; first += static_cast<int>(kClvStepBatch)) {
    const int count = std::min(steps - first + 1, static_cast<int>(kClvStepBatch));
    for (int j = 0; j < count; ++j) horizons[j] = (first + j) * step_length;
    expected_purchases(horizons, static_cast<std::size_t>(count), cumulative);
    for (int j = 0; j < count; ++j) {
      value += expected_spend * (cumulative[j] - previous) / std::pow(1 + discount_rate, first + j);
      previous = cumulative[j];
    }
  }
  return detail::finite_result(value, "predicted", "CLV");
}

}  // namespace clv::models
