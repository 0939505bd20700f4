#include "clv/rfm.hpp"

#include "clv/format.hpp"

namespace clv {

void RfmSettings::validate() const {
  if (period_us <= 0) throw std::invalid_argument("period must be a positive interval");
  if (unit_us <= 0) throw std::invalid_argument("unit must be a positive interval");
}

void require_finite_amount(double amount) {
  if (std::isfinite(amount)) return;
  throw std::invalid_argument("amount " + format_number(amount) + " is not a finite number");
}

}  // namespace clv
