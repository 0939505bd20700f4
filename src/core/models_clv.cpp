#include "clv/models/clv.hpp"
#include "clv/models/special.hpp"

#include <cmath>
#include <stdexcept>

namespace clv::models {

double predicted_clv(const std::function<double(double horizon)>& expected_purchases,
                     double expected_spend, int steps, double step_length, double discount_rate) {
  if (steps < 0) throw std::invalid_argument("steps must not be negative");
  if (!(step_length > 0) || !std::isfinite(step_length))
    throw std::invalid_argument("step length must be positive and finite");
  if (!(discount_rate > -1) || !std::isfinite(discount_rate))
    throw std::invalid_argument("discount rate must be finite and greater than -1");
  if (!std::isfinite(expected_spend)) throw std::invalid_argument("expected spend must be finite");
  double value = 0, previous = 0;
  for (int i = 1; i <= steps; ++i) {
    const double cumulative = expected_purchases(i * step_length);
    value += expected_spend * (cumulative - previous) / std::pow(1 + discount_rate, i);
    previous = cumulative;
  }
  return detail::finite_result(value, "predicted", "CLV");
}

}  // namespace clv::models
