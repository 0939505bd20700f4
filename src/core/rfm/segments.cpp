// RFM segment grid and quintile scoring (see clv/segments.hpp).
#include "clv/rfm/segments.hpp"

#include "clv/common/format.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace clv::segments {

namespace {

void check_score(const char* name, int score) {
  if (score < 1 || score > 5)
    throw std::invalid_argument(std::string(name) + " must be between 1 and 5, got " +
                                std::to_string(score));
}

}  // namespace

std::string_view rfm_segment_name(RfmSegment segment) {
  switch (segment) {
    case RfmSegment::champions:
      return "Champions";
    case RfmSegment::loyal_customers:
      return "Loyal Customers";
    case RfmSegment::potential_loyalist:
      return "Potential Loyalist";
    case RfmSegment::new_customers:
      return "New Customers";
    case RfmSegment::promising:
      return "Promising";
    case RfmSegment::need_attention:
      return "Need Attention";
    case RfmSegment::about_to_sleep:
      return "About to Sleep";
    case RfmSegment::at_risk:
      return "At Risk";
    case RfmSegment::cant_lose_them:
      return "Can't Lose Them";
    case RfmSegment::hibernating:
      return "Hibernating";
    case RfmSegment::lost:
      return "Lost";
  }
  throw std::invalid_argument("unknown RFM segment");
}

const RfmGrid& rfm_grid() {
  using S = RfmSegment;
  // Rows FM = 1..5, columns R = 1..5 (the header's chart upside down).
  static const RfmGrid grid = {{
      {S::lost, S::lost, S::about_to_sleep, S::promising, S::new_customers},
      {S::lost, S::hibernating, S::about_to_sleep, S::potential_loyalist, S::potential_loyalist},
      {S::at_risk, S::at_risk, S::need_attention, S::potential_loyalist, S::potential_loyalist},
      {S::at_risk, S::at_risk, S::loyal_customers, S::loyal_customers, S::loyal_customers},
      {S::cant_lose_them, S::at_risk, S::loyal_customers, S::loyal_customers, S::champions},
  }};
  return grid;
}

int rfm_fm_score(int f_score, int m_score) {
  check_score("f_score", f_score);
  check_score("m_score", m_score);
  return (f_score + m_score + 1) / 2;
}

RfmSegment rfm_segment(int r_score, int f_score, int m_score) {
  check_score("r_score", r_score);
  const int fm_score = rfm_fm_score(f_score, m_score);
  return rfm_grid()[fm_score - 1][r_score - 1];
}

int quintile_score(double value, const std::array<double, 4>& breakpoints, ScoreOrder order) {
  if (!std::isfinite(value))
    throw std::invalid_argument("value to score must be finite, got " + format_number(value));
  for (std::size_t i = 0; i < breakpoints.size(); ++i) {
    if (!std::isfinite(breakpoints[i]))
      throw std::invalid_argument("quintile breakpoints must be finite");
    if (i > 0 && breakpoints[i] < breakpoints[i - 1])
      throw std::invalid_argument("quintile breakpoints must not decrease");
  }
  int ascending = 1;
  for (double breakpoint : breakpoints)
    if (value > breakpoint) ++ascending;
  return order == ScoreOrder::higher_is_better ? ascending : 6 - ascending;
}

}  // namespace clv::segments
