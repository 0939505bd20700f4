// Cutting wall-clock time into periods: periods are counted from the
// wall-clock origin (0 = 2000-01-01 00:00 local), so one-day periods are
// calendar days.
#pragma once

#include <cstdint>

namespace clv {

// Floor division for possibly negative wall-clock times (dates before 2000).
inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace clv
