#include "clv/rfm/clv_formulas.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

TEST(SimpleClv, IsTheProduct) {
  EXPECT_DOUBLE_EQ(clv::simple_clv(50, 4, 3), 600);
  EXPECT_DOUBLE_EQ(clv::simple_clv(50, 0, 3), 0);
  EXPECT_THROW(clv::simple_clv(50, 4, -1), std::invalid_argument);
  EXPECT_THROW(clv::simple_clv(50, -4, 1), std::invalid_argument);
  EXPECT_THROW(clv::simple_clv(NAN, 4, 1), std::invalid_argument);
  EXPECT_THROW(clv::simple_clv(1e300, 1e300, 1e300), std::range_error);
}

TEST(HistoricalClv, SubtractsCosts) {
  EXPECT_DOUBLE_EQ(clv::historical_clv(1000, 300, 150), 550);
  EXPECT_THROW(clv::historical_clv(INFINITY, 0, 0), std::invalid_argument);
}

TEST(RetentionClv, MatchesTheDiscountedSeries) {
  // m r / (1 + d - r) = sum over k >= 1 of m (r / (1 + d))^k.
  const double m = 100, r = 0.8, d = 0.1;
  double series = 0;
  for (int k = 1; k < 2000; ++k) series += m * std::pow(r / (1 + d), k);
  EXPECT_NEAR(clv::retention_clv(m, r, d), series, 1e-9);
  EXPECT_DOUBLE_EQ(clv::retention_clv(m, 0, d), 0);
  EXPECT_THROW(clv::retention_clv(m, 1, d), std::invalid_argument);
  EXPECT_THROW(clv::retention_clv(m, -0.1, d), std::invalid_argument);
  EXPECT_THROW(clv::retention_clv(m, 0.5, -1), std::invalid_argument);
  EXPECT_THROW(clv::retention_clv(m, 0.9, -0.5), std::invalid_argument);
}

}  // namespace
