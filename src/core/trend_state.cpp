// Exact per-period sums of the trend aggregate state and their validation.
#include "clv/trend_accumulator.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace clv::trend {

namespace {

struct ExactSum {
  double rounded;
  double error;
};

// Knuth's TwoSum: rounded + error == a + b exactly, whatever the magnitudes.
ExactSum two_sum(double a, double b) {
  const double rounded = a + b;
  const double b_part = rounded - a;
  const double error = (a - (rounded - b_part)) + (b - b_part);
  return {rounded, error};
}

}  // namespace

void add_to_period_sum(PeriodSum& total, double amount) {
  const ExactSum head = two_sum(total.sum, amount);
  if (!std::isfinite(head.rounded))
    throw std::range_error("per-period sum of amounts overflows float8");
  const ExactSum renormalised = two_sum(head.rounded, total.compensation + head.error);
  total.sum = renormalised.rounded;
  total.compensation = renormalised.error;
}

void check_period_sum(const PeriodSum& entry, const PeriodSum* previous) {
  const std::string period = std::to_string(entry.period);
  if (previous != nullptr && entry.period <= previous->period)
    throw std::invalid_argument("trend state: period " + period + " is not after period " +
                                std::to_string(previous->period));
  if (!std::isfinite(entry.sum) || !std::isfinite(entry.compensation))
    throw std::invalid_argument("trend state: non-finite sum in period " + period);
  if (entry.sum + entry.compensation != entry.sum)
    throw std::invalid_argument("trend state: sum of period " + period + " is not normalised");
}

}  // namespace clv::trend
