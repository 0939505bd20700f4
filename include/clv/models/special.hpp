// Numerical building blocks shared by the models (log-space helpers,
// hypergeometric series, the Pareto/NBD tail integral). Internal to the core;
// public only so that the unit tests can cross-check the methods.
#pragma once

#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <vector>

namespace clv::models::detail {

// value, or std::range_error when it is not finite: at extreme (but valid)
// parameters a result or gradient of `model` can leave the range of double
// precision. what names it, e.g. "expected purchases".
double finite_result(double value, const char* model, const char* what);
// finite_result for each element.
void finite_results(const std::vector<double>& values, const char* model, const char* what);
void finite_results(const double* values, std::size_t count, const char* model, const char* what);

// log(exp(a) + exp(b)) without overflow; -inf operands are allowed.
inline double log_add_exp(double a, double b) {
  if (a < b) std::swap(a, b);
  if (b == -std::numeric_limits<double>::infinity()) return a;
  return a + std::log1p(std::exp(b - a));
}

// log(1 - exp(a)) for a <= 0, accurate for a near 0 and for very negative a.
inline double log1m_exp(double a) {
  return a > -0.693147180559945 ? std::log(-std::expm1(a)) : std::log1p(-std::exp(a));
}

// lgamma(z + d) - lgamma(z) for z > 0, d >= 0, with an error of about 1e-16
// of the result (plus 1e-16), not of lgamma(z) ~ z log z: for large z the
// logarithmic terms of Stirling's series are combined without cancellation.
double lgamma_delta(double z, double d);

// log B(a, b) for a, b > 0, from lgamma.
double log_beta(double a, double b);

// log(B(a, b+m) / B(a, b)) for a, b > 0 and m >= 0 from lgamma_delta, so
// large b, a or m do not leave an error of 1e-16 b log b (which can push a
// probability above 1).
double log_beta_ratio(double a, double b, double m);

// Integral of f over [lo, hi] by tanh-sinh quadrature (endpoint singularities
// allowed); std::range_error when f overflows to infinity inside the interval.
double integrate(const std::function<double(double)>& f, double lo, double hi);

// Gauss hypergeometric 2F1(a, b; c; z) for a, b, c > 0 and 0 <= z < 1, where
// every series term is positive, so the sum has no cancellation. Terms are
// rescaled as they grow, so large a, b (a customer with hundreds of
// purchases) cannot overflow. Returns false when the series has not
// converged after a bounded number of terms (z very close to 1); callers then
// use an integral representation. On success log_value = log 2F1 (to full
// relative precision also when 2F1 - 1 is tiny) and log_tail = log(2F1 - 1)
// (the sum without its first term, to full relative precision even when
// tiny); log_tail is -inf when z == 0.
bool log_hyp2f1_positive(double a, double b, double c, double z, double& log_value,
                         double& log_tail);
// The same for the arguments z[0..count) at once, sharing each term's
// coefficients (a)_n (b)_n / ((c)_n n!): predicted CLV needs the series at
// every discounting step. Results agree with the scalar function's to
// rounding; log_tail may be nullptr; false when any series has not converged.
bool log_hyp2f1_positive_many(double a, double b, double c, const double* z, std::size_t count,
                              double* log_value, double* log_tail);

// E[(1/p) (1 - exp(-lambda p t))] for lambda ~ Gamma(r, alpha), p ~ Beta(a, b): the
// expected number of purchases in (0, t] of a customer who is alive now and drops
// out after each purchase with probability p (BG/NBD and MBG/NBD). Closed form
//   (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]
// where it is well conditioned, else the integral over p by tanh-sinh quadrature
// (with the Beta density's endpoint masses taken out by the incomplete beta
// function). A better 2F1 (Boost's hypergeometric_pFq) would not help there:
// at a + b = 1 the closed form is a 0 * infinity limit and near a = 1 it
// cancels, while the integrand over p is positive everywhere.
enum class Method { automatic, closed_form, quadrature };
double expected_purchases_geometric_dropout(double r, double alpha, double a, double b, double t,
                                            Method method = Method::automatic);
// The same at up to kMaxSeriesBatch horizons t[0..count), into out.
constexpr std::size_t kMaxSeriesBatch = 64;
void expected_purchases_geometric_dropout_many(double r, double alpha, double a, double b,
                                               const double* t, std::size_t count, double* out,
                                               Method method = Method::automatic);

// E[z / (z + V)] for V ~ Gamma(s, 1), s > 0, z > 0: z^s U(s, s, z) with U
// the confluent hypergeometric function of the second kind (Tricomi's), or
// z^s e^z Gamma(1 - s, z). Boost.Math has neither U nor the upper incomplete
// gamma function for 1 - s <= 0, so it is Legendre's continued fraction of
// Gamma(a, z), which converges for every a and z > 0, evaluated by the
// modified Lentz method: a few terms for z >= 1, about 50 / z for small z.
// Throws std::invalid_argument when it needs more than max_terms.
double gamma_mean_ratio(double s, double z, double max_terms);

// I(t) = integral over tau in [t, inf) of (alpha+tau)^-p (beta+tau)^-q, in logs,
// with its partial derivatives. This is the Pareto/NBD likelihood's second term
// (p = r+x, q = s+1), Fader & Hardie's A_0 written as I(t_x) - I(T).
struct LogTailIntegral {
  double value;  // log I
  double d_p, d_alpha, d_q, d_beta;
};
// Evaluated through 2F1 with argument z = |alpha-beta| / (max(alpha,beta)+t) < 1
// (the alpha >= beta / alpha < beta branches of the literature), after Euler's
// transformation into a series of positive terms each smaller than z times the
// one before. Own series rather than Boost's hypergeometric_pFq because the
// parameter derivatives needed by the gradient accumulate in the same loop.
// For z > 0.9 the series converges slowly and the integral's Euler
// representation is integrated by tanh-sinh quadrature instead.
LogTailIntegral log_tail_integral(double p, double alpha, double q, double beta, double t,
                                  Method method = Method::automatic);
// Its value alone (log I), as log_tail_integral's to rounding: for scoring.
double log_tail_integral_value(double p, double alpha, double q, double beta, double t);

}  // namespace clv::models::detail
