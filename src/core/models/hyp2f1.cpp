// The Gaussian hypergeometric function 2F1 for the positive series of the
// BG/NBD family (declared in clv/models/special.hpp).
#include "clv/models/special.hpp"

#include "series.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace clv::models::detail {

namespace {

// Terms the shared-coefficient path of log_hyp2f1_positive_many keeps (on the
// stack); a series that needs more takes the rescaling path.
constexpr int kSharedTerms = 512;

// The ratio of the 2F1 series' term n+1 to term n.
double hyp2f1_term_ratio(double a, double b, double c, int n, double z) {
  return (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
}

// Whether the series may stop after a term of this size whose ratio to the
// one before was `ratio`. Once the ratio is below 1, later ratios stay below
// max(ratio, z): a geometric bound on the remainder, which must be small next
// to the tail (F - 1) itself, since callers use log_tail when it is tiny.
bool hyp2f1_converged(double term, double ratio, double z, double tail) {
  const double bound_ratio = std::max(ratio, z);
  return term == 0 ||
         (bound_ratio < 1 && term * bound_ratio < kSeriesEpsilon * (1 - bound_ratio) * tail);
}

// One series term by term, rescaling terms that grow past kRescaleAbove, so
// large a, b (a customer with hundreds of purchases) cannot overflow.
bool log_hyp2f1_rescaled(double a, double b, double c, double z, double& log_value,
                         double* log_tail) {
  double one = 1, tail = 0, term = 1, log_scale = 0;
  for (int n = 0; n < kMaxSeriesTerms; ++n) {
    const double ratio = hyp2f1_term_ratio(a, b, c, n, z);
    term *= ratio;
    tail += term;
    if (term > kRescaleAbove) {
      one /= kRescaleAbove;
      tail /= kRescaleAbove;
      term /= kRescaleAbove;
      log_scale += std::log(kRescaleAbove);
    }
    if (hyp2f1_converged(term, ratio, z, tail)) {
      // log1p keeps the digits of a tiny F - 1.
      log_value = log_scale == 0 ? std::log1p(tail) : std::log(one + tail) + log_scale;
      if (log_tail != nullptr)
        *log_tail =
            tail > 0 ? std::log(tail) + log_scale : -std::numeric_limits<double>::infinity();
      return true;
    }
  }
  return false;
}

}  // namespace

bool log_hyp2f1_positive_many(double a, double b, double c, const double* z, std::size_t count,
                              double* log_value, double* log_tail) {
  if (!(a > 0 && b > 0 && c > 0))
    throw std::logic_error("log_hyp2f1_positive_many: parameters out of range");
  double z_max = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!(z[i] >= 0 && z[i] < 1))
      throw std::logic_error("log_hyp2f1_positive_many: argument out of range");
    z_max = std::max(z_max, z[i]);
  }
  // The terms d_n = (a)_n (b)_n / ((c)_n n!) z_max^n of the largest
  // argument's series, summed until it converges; every other argument's
  // series is then sum_n d_n w^n with w = z / z_max <= 1 (Horner), which
  // converges no later. This shares the coefficients' divisions and runs
  // without data-dependent branches; series whose terms need rescaling or
  // more than kSharedTerms terms are summed one by one instead.
  double terms[kSharedTerms];
  double term = 1, tail = 0;
  int n_terms = 0;
  bool converged = false;
  for (int n = 0; n < kSharedTerms; ++n) {
    const double ratio = hyp2f1_term_ratio(a, b, c, n, z_max);
    term *= ratio;
    tail += term;
    terms[n_terms++] = term;
    if (term > kRescaleAbove) break;
    if (hyp2f1_converged(term, ratio, z_max, tail)) {
      converged = true;
      break;
    }
  }
  if (!converged) {
    for (std::size_t i = 0; i < count; ++i)
      if (!log_hyp2f1_rescaled(a, b, c, z[i], log_value[i],
                               log_tail == nullptr ? nullptr : &log_tail[i]))
        return false;
    return true;
  }
  // Horner's scheme for kLanes arguments at a time: independent chains, so
  // the multiply-adds overlap instead of waiting on each other.
  constexpr std::size_t kLanes = 8;
  for (std::size_t first = 0; first < count; first += kLanes) {
    const std::size_t lanes = std::min(kLanes, count - first);
    double w[kLanes] = {}, sum[kLanes] = {};
    bool below_max = false;
    for (std::size_t j = 0; j < lanes; ++j) {
      w[j] = z[first + j] / z_max;
      below_max = below_max || z[first + j] != z_max;
    }
    if (below_max)
      for (int n = n_terms - 1; n >= 0; --n)
        for (std::size_t j = 0; j < kLanes; ++j) sum[j] = sum[j] * w[j] + terms[n];
    for (std::size_t j = 0; j < lanes; ++j) {
      const std::size_t i = first + j;
      // w == 1: the largest argument's own sum, as the scalar function has it.
      const double f_minus_one = z[i] == z_max ? tail : sum[j] * w[j];
      log_value[i] = std::log1p(f_minus_one);
      if (log_tail != nullptr)
        log_tail[i] =
            f_minus_one > 0 ? std::log(f_minus_one) : -std::numeric_limits<double>::infinity();
    }
  }
  return true;
}

bool log_hyp2f1_positive(double a, double b, double c, double z, double& log_value,
                         double& log_tail) {
  return log_hyp2f1_positive_many(a, b, c, &z, 1, &log_value, &log_tail);
}

}  // namespace clv::models::detail
