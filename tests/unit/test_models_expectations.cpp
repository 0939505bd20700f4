// Every expected-purchases function of BG/NBD, MBG/NBD and Pareto/NBD over a
// parameter grid that includes a + b < 1, a near 1, tiny a or b, s near 1 and
// long horizons, against independent computations: the mean of the model's own
// distribution of purchases (sum of n P(X(t) = n)) for a new customer, and the
// posterior of the rates integrated numerically for a customer with a history.
#include "clv/common/assertions.hpp"

#include "clv/models/bgnbd.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace clv::models;
using boost::math::lgamma;

constexpr double kTolerance = 1e-6;  // relative, the bar every expectation must meet

template <class F>
double integrate(F f, double lo, double hi) {
  return boost::math::quadrature::gauss_kronrod<double, 31>::integrate(f, lo, hi, 20, 1e-10);
}

// E[f(p, 1 - p)] for p ~ Beta(a, b). Near an endpoint whose exponent is below
// 1 the variable is changed to u = p^a (v = (1-p)^b), which turns the density's
// singularity into a constant: with b = 0.01 half of the mass lies within
// 1e-32 of p = 1, where no plain variable p can resolve it. f receives both p
// and 1 - p to full precision.
template <class F>
double beta_expectation(F f, double a, double b) {
  const double log_beta = lgamma(a) + lgamma(b) - lgamma(a + b);
  double left, right;
  if (a < 1)
    left = integrate(
               [&](double u) {
                 const double p = std::pow(u, 1 / a);
                 return f(p, 1 - p) * std::exp((b - 1) * std::log1p(-p));
               },
               0.0, std::pow(0.5, a)) /
           a;
  else
    left = integrate(
        [&](double p) {
          return f(p, 1 - p) * std::exp((a - 1) * std::log(p) + (b - 1) * std::log1p(-p));
        },
        0.0, 0.5);
  if (b < 1)
    right = integrate(
                [&](double v) {
                  const double q = std::pow(v, 1 / b);
                  return f(1 - q, q) * std::exp((a - 1) * std::log1p(-q));
                },
                0.0, std::pow(0.5, b)) /
            b;
  else
    right = integrate(
        [&](double q) {
          return f(1 - q, q) * std::exp((b - 1) * std::log(q) + (a - 1) * std::log1p(-q));
        },
        0.0, 0.5);
  return (left + right) * std::exp(-log_beta);
}

// E[g(lambda)] for lambda ~ Gamma(shape, rate), integrated over u = log lambda
// between points where the density (e^(shape u) below the mode, e^(-rate e^u)
// above) is below e^-60 of its peak, and above e^-700 (where lambda stays a normal double: below it
// the mass is e^(-700 shape), below 1e-15 for the shapes here).
template <class G>
double gamma_expectation(G g, double shape, double rate) {
  const double mode = std::log(shape / rate);
  const double lo = std::max(-700.0, mode - 60 / shape - 5);
  const double hi = std::log((shape + 60 + 12 * std::sqrt(shape)) / rate);
  const double log_norm = shape * std::log(rate) - lgamma(shape);
  return integrate(
      [&](double u) {
        return std::exp(log_norm + shape * u - rate * std::exp(u)) * g(std::exp(u));
      },
      lo, hi);
}

// sum n P(X(t) = n). A customer who never drops out buys at least as much, so
// the remainder after n is at most that of the negative binomial NB(r, alpha,
// t): its terms n NB(n) fall by (r+n) z / n at each step (z = t / (alpha+t)),
// which bounds the remainder geometrically once that ratio is below 1.
double pmf_mean(const std::function<double(double)>& prob, double r, double alpha, double t) {
  const double z = t / (alpha + t), log_z = std::log(z);
  double mean = 0;
  for (double n = 1;; ++n) {
    mean += n * prob(n);
    const double log_nb =
        lgamma(r + n) - lgamma(r) - lgamma(n + 1) - r * std::log1p(t / alpha) + n * log_z;
    const double ratio = (r + n) * z / n;
    if (ratio < 1 && n * std::exp(log_nb) * ratio / (1 - ratio) < 1e-10 * mean) return mean;
  }
}

std::string describe(const std::vector<double>& values) {
  std::ostringstream out;
  out.precision(17);
  for (double v : values) out << v << ' ';
  return out.str();
}

void expect_relative(double actual, double expected, const std::vector<double>& where,
                     double& worst) {
  const double error = std::abs(actual - expected) / expected;
  worst = std::max(worst, error);
  EXPECT_LE(error, kTolerance) << "actual " << actual << " expected " << expected << " at "
                               << describe(where);
}

// Shapes of the geometric-dropout models: a + b < 1, a at and near 1, tiny a or b.
const std::vector<std::pair<double, double>> kDropoutShapes = {
    {0.5, 0.01}, {0.01, 0.3},   {0.05, 0.01},  {0.3, 0.4},     {0.999, 0.001}, {1.0, 0.01},
    {1.0, 2.0},  {1.0005, 0.5}, {0.9995, 2.0}, {0.793, 2.426}, {3.0, 0.01},    {0.01, 5.0}};

struct DropoutModel {
  double r, alpha, a, b;
  int k;  // 0: BG/NBD, 1: MBG/NBD (may drop out right after the first purchase)
};

double prob_purchases(const DropoutModel& m, double n, double t) {
  return m.k == 0 ? bgnbd::prob_purchases({m.r, m.alpha, m.a, m.b}, n, t)
                  : mbgnbd::prob_purchases({m.r, m.alpha, m.a, m.b}, n, t);
}
double expected_purchases_new(const DropoutModel& m, double t) {
  return m.k == 0 ? bgnbd::expected_purchases_new({m.r, m.alpha, m.a, m.b}, t)
                  : mbgnbd::expected_purchases_new({m.r, m.alpha, m.a, m.b}, t);
}

TEST(ModelsExpectations, GeometricDropoutNewCustomerIsThePmfMean) {
  double worst = 0;
  for (int k : {0, 1})
    for (auto [a, b] : kDropoutShapes)
      for (double r : {0.243, 2.0})
        for (double t : {0.5, 39.0, 500.0}) {
          const DropoutModel m{r, 4.414, a, b, k};
          const double mean =
              pmf_mean([&](double n) { return prob_purchases(m, n, t); }, r, m.alpha, t);
          expect_relative(expected_purchases_new(m, t), mean, {double(k), r, m.alpha, a, b, t},
                          worst);
        }
  std::printf("geometric dropout, new customer: max relative error %.3g\n", worst);
}

// The posterior of a customer with x repeat purchases, last at t_x, age T:
// given (lambda, p) the history has likelihood
//   alive at T:  (1-p)^(x+k) lambda^x e^(-lambda T)
//   dead:        p (1-p)^(x+k-1) lambda^x e^(-lambda t_x)   (if x + k > 0)
// and an alive customer makes (1 - e^(-lambda p t)) / p purchases in t. Times
// the Gamma(r, alpha) prior, the lambda factors are Gamma(r+x, alpha+T) and
// Gamma(r+x, alpha+t_x) densities times constants C_T = G(r+x) alpha^r /
// (G(r) (alpha+T)^(r+x)) and C_tx; the future purchases' lambda is integrated
// numerically.
struct Posterior {
  double p_alive, if_alive, expected;
};
Posterior dropout_posterior(const DropoutModel& m, double x, double t_x, double T, double t) {
  const double shape = m.r + x, survived = x + m.k;
  // log C_T - log C_tx: the ratio of the two terms' lambda normalisations.
  const double log_ratio = shape * (std::log(m.alpha + t_x) - std::log(m.alpha + T));
  const double alive =
      beta_expectation([&](double, double q) { return std::pow(q, survived); }, m.a, m.b);
  const double dead =
      survived == 0
          ? 0.0
          : std::exp(-log_ratio) *
                beta_expectation([&](double p, double q) { return p * std::pow(q, survived - 1); },
                                 m.a, m.b);
  const double future = beta_expectation(
      [&](double p, double q) {
        const double purchases = gamma_expectation(
            [&](double lambda) {  // its limit lambda t where p underflows to 0
              return p > 0 ? -std::expm1(-lambda * p * t) / p : lambda * t;
            },
            shape, m.alpha + T);
        return std::pow(q, survived) * purchases;
      },
      m.a, m.b);
  return {alive / (alive + dead), future / alive, future / (alive + dead)};
}

TEST(ModelsExpectations, GeometricDropoutConditionalMatchesPosteriorIntegral) {
  double worst = 0;
  for (int k : {0, 1})
    for (auto [a, b] : kDropoutShapes)
      for (double r : {0.243, 2.0})
        for (auto [x, t_x, T] : {std::tuple{0.0, 0.0, 39.0}, std::tuple{2.0, 30.43, 38.86},
                                 std::tuple{12.0, 20.0, 39.0}})
          for (double t : {39.0, 2000.0}) {
            const DropoutModel m{r, 4.414, a, b, k};
            const Posterior expected = dropout_posterior(m, x, t_x, T, t);
            double if_alive, actual;
            if (k == 0) {
              const bgnbd::Params p{r, m.alpha, a, b};
              bgnbd::expected_purchases_if_alive_at(p, x, T, &t, 1, &if_alive);
              actual = bgnbd::expected_purchases(p, x, t_x, T, t);
            } else {
              const mbgnbd::Params p{r, m.alpha, a, b};
              mbgnbd::expected_purchases_if_alive_at(p, x, T, &t, 1, &if_alive);
              actual = mbgnbd::expected_purchases(p, x, t_x, T, t);
            }
            const std::vector<double> where{double(k), r, m.alpha, a, b, x, t_x, T, t};
            expect_relative(if_alive, expected.if_alive, where, worst);
            expect_relative(actual, expected.expected, where, worst);
          }
  std::printf("geometric dropout, conditional: max relative error %.3g\n", worst);
}

// Shapes of the lifetime distribution: s near 0, at and near 1, above 1.
const std::vector<std::pair<double, double>> kLifetimeShapes = {
    {0.05, 11.669}, {0.606, 11.669}, {1.0, 11.669}, {1.0005, 3.0}, {0.9995, 50.0}, {4.0, 0.5}};

TEST(ModelsExpectations, ParetoNbdNewCustomerIsThePmfMean) {
  double worst = 0;
  for (auto [s, beta] : kLifetimeShapes)
    for (double t : {0.5, 39.0, 200.0}) {
      const pareto_nbd::Params m{0.553, 10.578, s, beta};
      const double mean =
          pmf_mean([&](double n) { return pareto_nbd::prob_purchases(m, n, t); }, m.r, m.alpha, t);
      expect_relative(pareto_nbd::expected_purchases_new(m, t), mean, {s, beta, t}, worst);
    }
  std::printf("Pareto/NBD, new customer: max relative error %.3g\n", worst);
}

// Given alive at T, lambda ~ Gamma(r+x, alpha+T) and mu ~ Gamma(s, beta+T)
// independently, and the customer buys lambda (1 - e^(-mu t)) / mu in t. P(alive)
// integrates the likelihood over both rates:
//   alive: lambda^x e^(-(lambda+mu) T)
//   dead:  lambda^x mu / (lambda+mu) (e^(-(lambda+mu) t_x) - e^(-(lambda+mu) T))
TEST(ModelsExpectations, ParetoNbdConditionalMatchesPosteriorIntegral) {
  double worst = 0;
  for (auto [s, beta] : kLifetimeShapes)
    for (auto [x, t_x, T] : {std::tuple{0.0, 0.0, 39.0}, std::tuple{2.0, 30.43, 38.86}}) {
      const pareto_nbd::Params m{0.553, 10.578, s, beta};
      // The dead term over the alive one: with the e^(-(lambda+mu) t_x) factor
      // in Gamma(r+x, alpha+t_x) and Gamma(s, beta+t_x) densities, times the
      // ratio of their normalisations to those at T.
      const double log_normalisations = (m.r + x) * std::log((m.alpha + T) / (m.alpha + t_x)) +
                                        s * std::log((beta + T) / (beta + t_x));
      const double dead = std::exp(log_normalisations) *
                          gamma_expectation(
                              [&](double lambda) {
                                return gamma_expectation(
                                    [&](double mu) {
                                      const double total = lambda + mu;
                                      return mu / total * -std::expm1(-total * (T - t_x));
                                    },
                                    s, beta + t_x);
                              },
                              m.r + x, m.alpha + t_x);
      const double p_alive = 1 / (1 + dead);
      for (double t : {39.0, 2000.0}) {
        const double if_alive =
            (m.r + x) / (m.alpha + T) *
            gamma_expectation([&](double mu) { return -std::expm1(-mu * t) / mu; }, s, beta + T);
        double actual_if_alive;
        pareto_nbd::expected_purchases_if_alive_at(m, x, T, &t, 1, &actual_if_alive);
        const std::vector<double> where{s, beta, x, t_x, T, t};
        expect_relative(actual_if_alive, if_alive, where, worst);
        expect_relative(pareto_nbd::expected_purchases(m, x, t_x, T, t), p_alive * if_alive, where,
                        worst);
      }
    }
  std::printf("Pareto/NBD, conditional: max relative error %.3g\n", worst);
}

}  // namespace
