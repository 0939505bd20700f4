#include "clv/rfm/rfm.hpp"

#include "clv/common/format.hpp"

namespace clv {

void RfmSettings::validate() const {
  if (period_us <= 0) throw std::invalid_argument("period must be a positive interval");
  // One second also keeps period indices of wall-clock times below 2^62.
  if (period_us < 1000000) throw std::invalid_argument("period must be at least one second");
  if (unit_us <= 0) throw std::invalid_argument("unit must be a positive interval");
}

void require_finite_amount(double amount) {
  if (std::isfinite(amount)) return;
  throw std::invalid_argument("amount " + format_number(amount) + " is not a finite number");
}

int32_t period_count(size_t periods) {
  if (periods > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    throw std::range_error("the number of purchase periods does not fit in an integer");
  return static_cast<int32_t>(periods);
}

void order_count_overflows() {
  throw std::range_error("the number of orders in one group does not fit in a bigint");
}

}  // namespace clv
