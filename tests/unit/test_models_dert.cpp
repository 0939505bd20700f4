// Pareto/NBD DERT (Fader, Hardie & Lee 2005): the closed form through
// Tricomi's U against numerical integration of the discounted purchase rate,
// against the undiscounted limit (expected_purchases over an infinite
// horizon), and its input checks.
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/special.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <stdexcept>

namespace {

using namespace clv::models;

// The CDNOW fit (weeks).
const pareto_nbd::Params kCdnow{0.553, 10.578, 0.606, 11.669};

// integral over t > 0 of e^(-delta t) E[purchase rate at T + t | history]:
// P(alive) (r+x)/(alpha+T) times the integral of e^(-delta t)
// ((beta+T)/(beta+T+t))^s, the survival of a customer alive at T, by
// tanh-sinh quadrature on t = u / (1 - u).
double dert_by_quadrature(const pareto_nbd::Params& p, double x, double t_x, double T,
                          double delta) {
  const double b = p.beta + T;
  const double survival_integral = detail::integrate(
      [&](double u) {
        if (u >= 1) return 0.0;
        const double t = u / (1 - u);
        return std::exp(-delta * t - p.s * std::log1p(t / b)) / ((1 - u) * (1 - u));
      },
      0, 1);
  return pareto_nbd::p_alive(p, x, t_x, T) * (p.r + x) / (p.alpha + T) * survival_integral;
}

TEST(ParetoNbdDert, MatchesNumericalIntegration) {
  for (const auto& p :
       {kCdnow, pareto_nbd::Params{0.56, 12.56, 0.41, 10.51},
        pareto_nbd::Params{2.0, 3.0, 2.5, 40.0}, pareto_nbd::Params{0.3, 1.0, 0.05, 0.5}})
    for (double delta : {0.0027, 0.02, 0.3, 5.0})
      for (const auto& c :
           {std::array<double, 3>{0, 0, 38}, std::array<double, 3>{7, 35, 77.86},
            std::array<double, 3>{2, 30.4, 38.9}, std::array<double, 3>{40, 10, 70}}) {
        const double expected = dert_by_quadrature(p, c[0], c[1], c[2], delta);
        EXPECT_NEAR(pareto_nbd::dert(p, c[0], c[1], c[2], delta), expected, 1e-9 * expected)
            << "s=" << p.s << " delta=" << delta << " x=" << c[0];
      }
}

// Without discounting the residual transactions are all the expected future
// purchases: expected_purchases over an infinite horizon, for s > 1.
TEST(ParetoNbdDert, SmallRatesApproachTheUndiscountedTotal) {
  const pareto_nbd::Params p{2.0, 3.0, 2.5, 40.0};
  const double total = pareto_nbd::expected_purchases(p, 3, 20, 40, 1e12);
  const double dert = pareto_nbd::dert(p, 3, 20, 40, 1e-6);
  EXPECT_NEAR(dert, total, 1e-3 * total);
  EXPECT_LT(dert, total);
  EXPECT_LT(pareto_nbd::dert(p, 3, 20, 40, 0.1), dert);
}

TEST(ParetoNbdDert, TricomiRatioLimits) {
  // s = 1: z e^z E1(z); at z = 1, e E1(1) = 0.596347362323194...
  EXPECT_NEAR(detail::gamma_mean_ratio(1.0, 1.0, 1e6), 0.596347362323194074, 4e-15);
  // E[z / (z + V)] = 1 - E[V] / z + E[V^2] / z^2 - ... for large z, and
  // -> z / (s - 1) as z -> 0 for s > 1.
  EXPECT_NEAR(detail::gamma_mean_ratio(3.0, 1e6, 1e6), 1 - 3e-6 + 12e-12, 1e-15);
  EXPECT_NEAR(detail::gamma_mean_ratio(3.0, 1e-4, 1e6) / 1e-4, 0.5, 1e-4);
}

TEST(ParetoNbdDert, RejectsBadInput) {
  EXPECT_THROW(pareto_nbd::dert(kCdnow, 1, 2, 3, 0), std::invalid_argument);
  EXPECT_THROW(pareto_nbd::dert(kCdnow, 1, 2, 3, -0.1), std::invalid_argument);
  EXPECT_THROW(pareto_nbd::dert(kCdnow, 1, 2, 3, NAN), std::invalid_argument);
  EXPECT_THROW(pareto_nbd::dert(kCdnow, 1, 2, 3, INFINITY), std::invalid_argument);
  EXPECT_THROW(pareto_nbd::dert(kCdnow, 1, 4, 3, 0.1), std::invalid_argument);  // t_x > T
  EXPECT_THROW(pareto_nbd::dert({0.5, -1, 0.6, 11}, 1, 2, 3, 0.1), std::invalid_argument);
  EXPECT_THROW(pareto_nbd::dert(kCdnow, 1, 2, 3, 1e-9), std::invalid_argument);  // too small
  EXPECT_GT(pareto_nbd::dert(kCdnow, 1, 2, 3, 1e300), 0);
}

}  // namespace
