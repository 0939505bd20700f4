#include "clv/common/checked.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace clv {

namespace {
[[noreturn]] void does_not_fit_bigint(const char* what) {
  throw std::range_error(std::string(what) + " does not fit in a bigint");
}
constexpr std::uint64_t kBigintMax = std::numeric_limits<std::int64_t>::max();
}  // namespace

std::int64_t checked_add(std::int64_t a, std::int64_t b, const char* what) {
  std::int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) does_not_fit_bigint(what);
  return sum;
}

std::uint64_t checked_count_add(std::uint64_t a, std::uint64_t b, const char* what) {
  if (a > kBigintMax || b > kBigintMax - a) does_not_fit_bigint(what);
  return a + b;
}

std::int64_t to_bigint(std::uint64_t v, const char* what) {
  if (v > kBigintMax) does_not_fit_bigint(what);
  return static_cast<std::int64_t>(v);
}

double finite_result(double v, const char* what) {
  if (!std::isfinite(v))
    throw std::range_error(std::string(what) + " is out of the range of double precision");
  return v;
}

}  // namespace clv
