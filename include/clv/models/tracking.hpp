// The "tracking" curve of a cohort (BTYD's ExpectedCumulativeTransactions):
// expected cumulative repeat purchases over calendar time. A customer of age
// T_i at the end of the calibration period was acquired at b_i = max T - T_i
// (time from the first acquisition); at each of `periods` equal steps
// tau_k = k * total / periods, the expected cumulative purchases are the sum,
// over the customers acquired by tau_k, of a new customer's E[X(tau_k - b_i)].
// Ages are grouped by value, so the cost is distinct ages x periods
// evaluations of expected_new.
#pragma once

#include <functional>
#include <vector>

#include "clv/common/errors.hpp"

namespace clv::models {

struct TrackingPoint {
  double at;           // tau_k
  double cumulative;   // expected repeat purchases in (0, tau_k]
  double incremental;  // in (tau_(k-1), tau_k]
};

// The most periods, and distinct ages x periods, of one curve.
constexpr int kMaxTrackingPeriods = 100000;
constexpr double kMaxTrackingEvaluations = 1e8;

// Throws std::invalid_argument for an age that is negative or not finite, a
// total that is not positive and finite, periods outside
// 1..kMaxTrackingPeriods or a curve beyond kMaxTrackingEvaluations.
std::vector<TrackingPoint> tracking_curve(const std::vector<double>& ages, double total,
                                          int periods,
                                          const std::function<double(double)>& expected_new,
                                          const InterruptPoll& poll = {});

}  // namespace clv::models
