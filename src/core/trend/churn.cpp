// Lateness and churn risk (declared with the trend in clv/trend/trend.hpp,
// whose rules they follow).
#include "clv/trend/trend.hpp"

#include "clv/common/format.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace clv::trend {

namespace {

// Lateness divides by a mean or median gap that may be tiny next to the
// time since the last purchase (or the times may span more than a double).
double finite_lateness(double lateness) {
  if (!std::isfinite(lateness))
    throw std::range_error("lateness is out of the range of double precision");
  return lateness;
}

}  // namespace

std::optional<double> lateness(double frequency, double recency, double t) {
  if (!(std::isfinite(frequency) && std::isfinite(recency) && std::isfinite(t)))
    throw std::invalid_argument("lateness needs finite frequency, recency and t");
  if (frequency < 0 || recency < 0)
    throw std::invalid_argument("lateness needs frequency >= 0 and recency >= 0, got frequency " +
                                format_number(frequency) + ", recency " + format_number(recency));
  if (t < recency)
    throw std::invalid_argument("lateness needs t >= recency, got t " + format_number(t) +
                                " < recency " + format_number(recency));
  if (frequency == 0) return std::nullopt;
  if (recency == 0)
    throw std::invalid_argument("lateness: recency 0 with frequency " + format_number(frequency) +
                                " means a mean gap of 0");
  return finite_lateness((t - recency) / (recency / frequency));
}

std::optional<double> median_gap_lateness(std::vector<double> purchase_times, double t) {
  for (double time : purchase_times)
    if (!std::isfinite(time))
      throw std::invalid_argument("purchase times must be finite, got " + format_number(time));
  if (!std::isfinite(t)) throw std::invalid_argument("t must be finite");
  std::sort(purchase_times.begin(), purchase_times.end());
  purchase_times.erase(std::unique(purchase_times.begin(), purchase_times.end()),
                       purchase_times.end());
  if (purchase_times.size() < 2) return std::nullopt;
  const double last = purchase_times.back();
  if (t < last)
    throw std::invalid_argument("t " + format_number(t) + " is before the last purchase at " +
                                format_number(last));

  // Reuse the buffer for the gaps: gap i = time[i + 1] - time[i].
  std::vector<double>& gaps = purchase_times;
  for (std::size_t i = 0; i + 1 < gaps.size(); ++i) gaps[i] = gaps[i + 1] - gaps[i];
  gaps.pop_back();
  const std::size_t middle = gaps.size() / 2;
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(middle), gaps.end());
  double median = gaps[middle];
  if (gaps.size() % 2 == 0)
    median = (median +
              *std::max_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(middle))) /
             2.0;
  if (!std::isfinite(median))
    throw std::range_error("median gap between purchases is out of the range of double precision");
  return finite_lateness((t - last) / median);
}

std::string_view churn_risk_name(ChurnRisk risk) {
  switch (risk) {
    case ChurnRisk::low:
      return "low";
    case ChurnRisk::medium:
      return "medium";
    case ChurnRisk::high:
      return "high";
    case ChurnRisk::churned:
      return "churned";
  }
  throw std::invalid_argument("unknown churn risk");
}

ChurnRisk churn_risk(double p_alive, std::optional<double> lateness,
                     std::optional<Direction> direction, const ChurnRiskRule& rule) {
  if (!(rule.churned_p_alive >= 0 && rule.churned_p_alive <= rule.high_p_alive &&
        rule.high_p_alive <= rule.medium_p_alive && rule.medium_p_alive <= 1))
    throw std::invalid_argument(
        "churn risk p_alive thresholds must satisfy 0 <= churned <= "
        "high <= medium <= 1");
  if (!(rule.medium_lateness >= 0 && rule.medium_lateness <= rule.high_lateness &&
        rule.high_lateness <= rule.churned_lateness && std::isfinite(rule.churned_lateness)))
    throw std::invalid_argument(
        "churn risk lateness thresholds must satisfy 0 <= medium <= "
        "high <= churned, all finite");
  if (!(p_alive >= 0 && p_alive <= 1))
    throw std::invalid_argument("p_alive must be in [0, 1], got " + format_number(p_alive));
  if (lateness && !(std::isfinite(*lateness) && *lateness >= 0))
    throw std::invalid_argument("lateness must be a finite number >= 0, got " +
                                format_number(*lateness));

  const bool lapsed = direction == Direction::lapsed;
  const bool declining = direction == Direction::declining;
  const auto late_beyond = [&](double threshold) { return lateness && *lateness > threshold; };
  const bool on_rhythm = lateness && *lateness <= rule.medium_lateness;

  if (p_alive < rule.churned_p_alive || (lapsed && late_beyond(rule.churned_lateness)))
    return ChurnRisk::churned;
  if (p_alive < rule.high_p_alive || late_beyond(rule.high_lateness) ||
      (declining && late_beyond(rule.medium_lateness)) || (lapsed && !on_rhythm))
    return ChurnRisk::high;
  if (p_alive < rule.medium_p_alive || late_beyond(rule.medium_lateness) || lapsed || declining)
    return ChurnRisk::medium;
  return ChurnRisk::low;
}

}  // namespace clv::trend
