// Compensated summation, the one kernel behind every sum of amounts in the
// aggregate states (RFM totals, per-period trend sums).
#pragma once

#include <cmath>
#include <limits>

#include "clv/common/checked.hpp"

namespace clv {

struct ExactSum {
  double rounded;
  double error;
};

// Knuth's TwoSum: rounded + error == a + b exactly, whatever the magnitudes
// (for a finite rounded).
inline ExactSum two_sum(double a, double b) {
  const double rounded = a + b;
  const double b_part = rounded - a;
  const double error = (a - (rounded - b_part)) + (b - b_part);
  return {rounded, error};
}

// A sum whose result does not depend on the order of its terms in practice
// (Neumaier's compensated summation: the exact rounding error of every
// addition is carried in `compensation`), so parallel and serial aggregation
// agree to the last bit. NaN sum = no known term yet (NULL amounts; NaN input
// is rejected). Terms are finite, so a sum that stops being finite has
// overflowed: that throws std::range_error instead of ending as Infinity or
// NaN.
struct CompensatedSum {
  double sum = std::numeric_limits<double>::quiet_NaN();
  double compensation = 0;

  bool known() const { return !std::isnan(sum); }
  double value() const { return finite_result(sum + compensation, kOverflowing); }

  void add(double x) {
    if (!known()) {
      sum = x;
      return;
    }
    const ExactSum step = two_sum(sum, x);
    finite_result(step.rounded, kOverflowing);
    compensation += step.error;
    sum = step.rounded;
  }
  void add(const CompensatedSum& other) {
    if (!other.known()) return;
    add(other.sum);
    compensation = finite_result(compensation + other.compensation, kOverflowing);
  }

 private:
  static constexpr const char* kOverflowing = "the sum of the amounts";
};

}  // namespace clv
