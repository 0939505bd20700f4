#include "clv/models/tracking.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include "clv/common/format.hpp"

namespace clv::models {

std::vector<TrackingPoint> tracking_curve(const std::vector<double>& ages, double total,
                                          int periods,
                                          const std::function<double(double)>& expected_new,
                                          const InterruptPoll& poll) {
  if (!(total > 0) || !std::isfinite(total))
    throw std::invalid_argument("total " + format_number(total) + " must be positive and finite");
  if (periods < 1 || periods > kMaxTrackingPeriods)
    throw std::invalid_argument("periods must be between 1 and " +
                                std::to_string(kMaxTrackingPeriods));
  std::map<double, double> count_by_age;
  for (double age : ages) {
    if (!(age >= 0) || !std::isfinite(age))
      throw std::invalid_argument("age " + format_number(age) + " must be finite and >= 0");
    count_by_age[age] += 1;
  }
  if (static_cast<double>(count_by_age.size()) * periods > kMaxTrackingEvaluations)
    throw std::invalid_argument(
        "the curve needs more than 1e8 evaluations (distinct ages x periods)");
  const double oldest = count_by_age.empty() ? 0 : count_by_age.rbegin()->first;
  std::vector<TrackingPoint> out;
  double previous = 0;
  std::size_t evaluations = 0;
  for (int k = 1; k <= periods; ++k) {
    const double at = total * k / periods;
    double cumulative = 0;
    for (const auto& [age, count] : count_by_age) {
      if (poll && evaluations++ % 1024 == 0) poll();
      const double since_acquisition = at - (oldest - age);
      if (since_acquisition > 0) cumulative += count * expected_new(since_acquisition);
    }
    out.push_back({at, cumulative, cumulative - previous});
    previous = cumulative;
  }
  return out;
}

}  // namespace clv::models
