#include "clv/common/assertions.hpp"
#include "clv/common/format.hpp"

#include "clv/models/special.hpp"

#include "series.hpp"

#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>

namespace clv::models::detail {

namespace {

// Above this argument the tail-integral series needs hundreds of terms; the
// quadrature is cheaper and as accurate there.
constexpr double kTailSeriesMaxZ = 0.9;

// Not const: Boost 1.74 declares integrate() non-const. Its abscissa tables
// are built once; the core runs single-threaded inside a backend.
boost::math::quadrature::tanh_sinh<double>& tanh_sinh() {
  static boost::math::quadrature::tanh_sinh<double> integrator;
  return integrator;
}

// Boost reports an integrand that overflows to infinity inside the interval
// (parameters whose integral leaves the range of double precision) with
// boost::math::evaluation_error, a std::runtime_error that SQL would show as
// an internal error: report it as a value out of range instead.
template <class F>
double tanh_sinh_checked(F f, double lo, double hi) {
  try {
    return tanh_sinh().integrate(f, lo, hi, 1e-10);
  } catch (const boost::math::evaluation_error& e) {
    throw std::range_error(std::string("numerical integration is out of the range of double "
                                       "precision for these inputs (") +
                           e.what() + ")");
  }
}

// Narrower intervals are integrated over [0, 1] in the scaled variable. Boost
// keeps the abscissas DBL_MIN / ((hi - lo) / 2) away from the endpoints; on an
// interval about DBL_MIN wide that margin exceeds every abscissa and a
// BOOST_ASSERT in tanh_sinh fires (a Pareto/NBD prob_purchases with a horizon
// of 2.2e-308 raised it as an internal error).
constexpr double kNarrowInterval = 1e-200;

template <class F>
double integrate_checked(F f, double lo, double hi) {
  const double width = hi - lo;
  if (width > 0 && width < kNarrowInterval)
    return width * tanh_sinh_checked([&](double u) { return f(lo + width * u); }, 0.0, 1.0);
  return tanh_sinh_checked(f, lo, hi);
}

template <class F>
double integrate_unit_interval(F f) {
  return integrate_checked(f, 0.0, 1.0);
}

LogTailIntegral tail_by_series(double e_m, double m, double b, double n, double t) {
  const double z = (m - n) / (m + t);
  const double A = e_m + b - 1;
  // G = sum_k c_k z^k with c_0 = 1, c_{k+1} = c_k (e_m+k) / (e_m+b+k); the
  // sums below carry its partials in e_m, b and z.
  double G = 1, G_em = 0, G_b = 0, G_z = 0;
  double coef = 1, z_pow = 1;  // c_k and z^(k-1) for the G_z sum
  double d_em = 0, d_b = 0;    // d log c_k / d e_m, d log c_k / d b
  for (int k = 0;; ++k) {
    if (k == kMaxSeriesTerms) throw std::runtime_error("Pareto/NBD tail series did not converge");
    const double ratio = (e_m + k) / (e_m + b + k);
    d_em += 1 / (e_m + k) - 1 / (e_m + b + k);
    d_b -= 1 / (e_m + b + k);
    coef *= ratio;
    const double term_z = coef * z_pow;  // c_{k+1} z^k
    const double term = term_z * z;      // c_{k+1} z^(k+1)
    G += term;
    G_em += term * d_em;
    G_b += term * d_b;
    G_z += (k + 1) * term_z;
    z_pow *= z;
    const double slack = (1 - z) * (1 - z);
    if (term_z * (k + 2 + std::abs(d_em) + std::abs(d_b)) < kSeriesEpsilon * slack * G) break;
  }
  LogTailIntegral out;
  out.value = -e_m * std::log(m + t) - (b - 1) * std::log(n + t) - std::log(A) + std::log(G);
  const double d_log_g_dz = G_z / G;
  const double d_em_out = -std::log(m + t) - 1 / A + G_em / G;
  const double d_b_out = -std::log(n + t) - 1 / A + G_b / G;
  const double d_m_out = -e_m / (m + t) + d_log_g_dz * (n + t) / ((m + t) * (m + t));
  const double d_n_out = -(b - 1) / (n + t) - d_log_g_dz / (m + t);
  out.d_p = d_em_out;
  out.d_alpha = d_m_out;
  out.d_q = d_b_out;
  out.d_beta = d_n_out;
  return out;
}

// Same quantities from I = (m+t)^-A (1-z)^-b K, K = int_0^1 u^(A-1) h^-b du with
// h = (1-zu)/(1-z) >= 1, so the integrand never exceeds u^(A-1).
LogTailIntegral tail_by_quadrature(double e_m, double m, double b, double n, double t) {
  const double z = (m - n) / (m + t);
  const double one_minus_z = (n + t) / (m + t);
  const double A = e_m + b - 1;
  auto base = [&](double u) {
    const double h = (1 - z * u) / one_minus_z;
    return std::exp((A - 1) * std::log(u) - b * std::log(h));
  };
  const double K = integrate_unit_interval(base);
  const double K_A = integrate_unit_interval([&](double u) { return std::log(u) * base(u); });
  const double K_b = integrate_unit_interval(
      [&](double u) { return -std::log((1 - z * u) / one_minus_z) * base(u); });
  const double K_z = integrate_unit_interval([&](double u) {
    const double h = (1 - z * u) / one_minus_z;
    return -b * base(u) / h * (1 - u) / (one_minus_z * one_minus_z);
  });
  LogTailIntegral out;
  out.value = -A * std::log(m + t) - b * std::log(one_minus_z) + std::log(K);
  const double d_z = b / one_minus_z + K_z / K;
  out.d_p = -std::log(m + t) + K_A / K;
  out.d_q = -std::log(m + t) - std::log(one_minus_z) + (K_A + K_b) / K;
  out.d_alpha = -A / (m + t) + d_z * (n + t) / ((m + t) * (m + t));
  out.d_beta = -d_z / (m + t);
  return out;
}

}  // namespace

double log_beta(double a, double b) {
  return boost::math::lgamma(a) + boost::math::lgamma(b) - boost::math::lgamma(a + b);
}

double lgamma_delta(double z, double d) {
  if (d == 0) return 0;
  if (z < 50) return boost::math::lgamma(z + d) - boost::math::lgamma(z);
  // Stirling: lgamma(x) = (x - 1/2) log x - x + log(2 pi) / 2 + S(x), where
  // S(x) = u/12 - u^3/360 + u^5/1260 - u^7/1680 + O(u^9) with u = 1/x (below
  // 1e-18 for x >= 50). With w = z + d, (w - 1/2) log w - (z - 1/2) log z is
  // (z - 1/2) log1p(d/z) + d log w, and S(w) - S(z) is taken term by term as
  // u^k - v^k = (u - v) (u^(k-1) + u^(k-2) v + ... + v^(k-1)), u - v = -d u v,
  // so that neither difference cancels.
  const double w = z + d;
  const double u = 1 / w, v = 1 / z, uu = u * u, uv = u * v, vv = v * v;
  const double h3 = uu + uv + vv;
  const double h5 = uu * uu + uu * uv + uv * uv + uv * vv + vv * vv;
  const double h7 = h5 * uu + uv * vv * vv + vv * vv * vv;
  const double delta_s = -d * uv * (1.0 / 12 - h3 / 360 + h5 / 1260 - h7 / 1680);
  return (z - 0.5) * std::log1p(d / z) + d * std::log(w) - d + delta_s;
}

double log_beta_ratio(double a, double b, double m) {
  if (m == 0) return 0;
  // Differences along the smaller of a and m have the smaller terms:
  //   [lgamma(a+b) - lgamma(b)] - [lgamma(a+b+m) - lgamma(b+m)]
  // = [lgamma(b+m) - lgamma(b)] - [lgamma(a+b+m) - lgamma(a+b)].
  if (a <= m) return lgamma_delta(b, a) - lgamma_delta(b + m, a);
  return lgamma_delta(b, m) - lgamma_delta(a + b, m);
}

double finite_result(double value, const char* model, const char* what) {
  if (!std::isfinite(value))
    throw std::range_error(std::string(model) + " " + what +
                           " is out of the range of double precision for these inputs");
  return value;
}

void finite_results(const std::vector<double>& values, const char* model, const char* what) {
  finite_results(values.data(), values.size(), model, what);
}

void finite_results(const double* values, std::size_t count, const char* model, const char* what) {
  for (std::size_t i = 0; i < count; ++i) finite_result(values[i], model, what);
}

double integrate(const std::function<double(double)>& f, double lo, double hi) {
  return integrate_checked(f, lo, hi);
}

namespace {

// E[h(p)] for p ~ Beta(a, b), h bounded and monotone on [0, 1] with h(0) = h_at_zero. The
// endpoint values are taken out first, with the incomplete beta function:
//   E[h] = h(0) I_1/2(a, b) + h(1) I_1/2(b, a)
//        + int_0^1/2 (h(p) - h(0)) f(p) dp + int_0^1/2 (h(1-q) - h(1)) f(1-q) dq,
// so the integrands vanish like p^a and q^b at the endpoints. Integrating h f
// itself fails for a or b below 1: with b = 0.01 half of the Beta mass lies
// within 1e-32 of p = 1, closer than any double p can get to 1, and BG/NBD
// expectations with a + b <= 1 came out a third of their value.
template <class H>
double beta_mean(H h, double h_at_zero, double a, double b) {
  const double log_norm = log_beta(a, b);
  const double h_at_one = h(1.0);
  const double near_zero = integrate_checked(
      [&](double p) {
        return (h(p) - h_at_zero) *
               std::exp((a - 1) * std::log(p) + (b - 1) * std::log1p(-p) - log_norm);
      },
      0.0, 0.5);
  const double near_one = integrate_checked(
      [&](double q) {
        return (h(1 - q) - h_at_one) *
               std::exp((b - 1) * std::log(q) + (a - 1) * std::log1p(-q) - log_norm);
      },
      0.0, 0.5);
  const double mean = h_at_zero * boost::math::ibeta(a, b, 0.5) +
                      h_at_one * boost::math::ibeta(b, a, 0.5) + near_zero + near_one;
  // h is monotone, so its mean lies between h(0) and h(1); outside, the
  // subtraction of an endpoint value far larger than h elsewhere (r t / alpha
  // near the top of the double range) has cancelled every significant digit.
  if (!(mean >= std::min(h_at_zero, h_at_one) && mean <= std::max(h_at_zero, h_at_one)))
    throw std::range_error(
        "expected purchases are out of the range of double precision at "
        "these parameters (r * horizon / alpha too large)");
  return mean;
}

}  // namespace

void expected_purchases_geometric_dropout_many(double r, double alpha, double a, double b,
                                               const double* t, std::size_t count, double* out,
                                               Method method) {
  if (count > kMaxSeriesBatch)
    throw std::logic_error("expected_purchases_geometric_dropout_many: batch too large");
  const double c = a + b - 1;
  // z rounds to 1 when alpha is below t times the rounding unit: the series
  // needs z < 1, the quadrature does not.
  double z[kMaxSeriesBatch];
  bool z_below_one = true;
  for (std::size_t i = 0; i < count; ++i) {
    z[i] = t[i] / (alpha + t[i]);
    z_below_one = z_below_one && z[i] < 1;
  }
  const bool well_conditioned = c > 0 && std::abs(a - 1) > 1e-3 && z_below_one;
  if (method == Method::closed_form && !well_conditioned)
    throw std::logic_error("closed form not applicable");
  if (method != Method::quadrature && well_conditioned) {
    double log_f[kMaxSeriesBatch];
    if (log_hyp2f1_positive_many(r, b, c, z, count, log_f, nullptr)) {
      const double scale = c / (a - 1);
      for (std::size_t i = 0; i < count; ++i) {
        if (t[i] == 0) {
          out[i] = 0;
          continue;
        }
        // 1 - (1-z)^r F = -expm1(r log(1-z) + log F), accurate when t is
        // small, as log F keeps the digits of a tiny F - 1.
        // log(1 - z) = -log1p(t / alpha), accurate also for z near 1.
        const double log_rest = -r * std::log1p(t[i] / alpha) + log_f[i];
        // (1-z)^r F > 1 happens for a < 1 (scale < 0), where it can leave the
        // double range although the expectation does not: multiply in logs.
        if (log_rest > 0 && scale < 0)
          out[i] = std::exp(std::log(-scale) + log_rest + std::log(-std::expm1(-log_rest)));
        else  // An expectation of purchases: a negative value is rounding noise at 0.
          out[i] = std::max(0.0, scale * -std::expm1(log_rest));
      }
      return;
    }
    if (method == Method::closed_form) throw std::runtime_error("2F1 series did not converge");
  }
  for (std::size_t i = 0; i < count; ++i) {
    const double horizon = t[i];
    // Purchases in (0, horizon] of a customer alive now who drops out with
    // probability p after each purchase; r horizon / alpha at p = 0.
    const auto purchases = [&](double p) {
      return -std::expm1(-r * std::log1p(p * horizon / alpha)) / p;
    };
    out[i] = horizon == 0 ? 0.0 : beta_mean(purchases, r * horizon / alpha, a, b);
  }
}

double expected_purchases_geometric_dropout(double r, double alpha, double a, double b, double t,
                                            Method method) {
  double out;
  expected_purchases_geometric_dropout_many(r, alpha, a, b, &t, 1, &out, method);
  return out;
}

// log I alone, for scoring: the series without the partial sums of the
// derivatives, whose two divisions per term cost more than the value's one.
// Stops once a term, bounded as above, is below the rounding of G.
double log_tail_value_by_series(double e_m, double m, double b, double n, double t) {
  const double z = (m - n) / (m + t);
  const double slack = (1 - z) * (1 - z);
  double G = 1, coef = 1, z_pow = 1;
  for (int k = 0;; ++k) {
    if (k == kMaxSeriesTerms) throw std::runtime_error("Pareto/NBD tail series did not converge");
    coef *= (e_m + k) / (e_m + b + k);
    const double term_z = coef * z_pow;
    G += term_z * z;
    z_pow *= z;
    if (term_z * (k + 2) < kSeriesEpsilon * slack * G) break;
  }
  return -e_m * std::log(m + t) - (b - 1) * std::log(n + t) - std::log(e_m + b - 1) + std::log(G);
}

double log_tail_integral_value(double p, double alpha, double q, double beta, double t) {
  const bool alpha_is_max = alpha >= beta;
  const double e_m = alpha_is_max ? p : q, m = alpha_is_max ? alpha : beta;
  const double b = alpha_is_max ? q : p, n = alpha_is_max ? beta : alpha;
  if ((m - n) / (m + t) > kTailSeriesMaxZ) return tail_by_quadrature(e_m, m, b, n, t).value;
  return log_tail_value_by_series(e_m, m, b, n, t);
}

LogTailIntegral log_tail_integral(double p, double alpha, double q, double beta, double t,
                                  Method method) {
  const bool alpha_is_max = alpha >= beta;
  const double e_m = alpha_is_max ? p : q, m = alpha_is_max ? alpha : beta;
  const double b = alpha_is_max ? q : p, n = alpha_is_max ? beta : alpha;
  const double z = (m - n) / (m + t);
  const bool series =
      method == Method::closed_form || (method == Method::automatic && z <= kTailSeriesMaxZ);
  LogTailIntegral in_max_min =
      series ? tail_by_series(e_m, m, b, n, t) : tail_by_quadrature(e_m, m, b, n, t);
  if (alpha_is_max) return in_max_min;
  // The helpers name the larger rate's exponent p and the smaller's q.
  LogTailIntegral out = in_max_min;
  out.d_p = in_max_min.d_q;
  out.d_q = in_max_min.d_p;
  out.d_alpha = in_max_min.d_beta;
  out.d_beta = in_max_min.d_alpha;
  return out;
}

double gamma_mean_ratio(double s, double z, double max_terms) {
  // z / (b_0 + a_1 / (b_1 + a_2 / (b_2 + ...))) with b_n = z + s + 2n and
  // a_n = -n (s + n - 1): Gamma(1 - s, z)'s fraction times z^s e^z.
  constexpr double tiny = 1e-300, tolerance = 1e-16;
  double b = z + s, c = 1 / tiny, d = 1 / b, value = d;
  for (double n = 1;; ++n) {
    if (n > max_terms)
      throw std::invalid_argument(
          "the discount rate is too small for the series (rate x (beta + t) "
          "below about " +
          format_number(50 / max_terms) + ")");
    const double a = -n * (s + n - 1);
    b += 2;
    d = a * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + a / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double step = c * d;
    value *= step;
    if (std::abs(step - 1) < tolerance) break;
  }
  return z * value;
}

}  // namespace clv::models::detail
