// RFM segments: quintile scores and the named-segment grid of RFM marketing.
//
// Scores are 1..5 (5 best). The segment is read from a grid of the recency
// score R against FM = ceil((F + M) / 2): a half score counts toward the
// better cell, so FM stays on the 1..5 grid. The grid is the common "R vs.
// average of F and M" chart, each segment a rectangle of score ranges:
//
// clang-format off
//   FM\R  1                2            3                4                   5
//   5     Can't Lose Them  At Risk      Loyal Customers  Loyal Customers     Champions
//   4     At Risk          At Risk      Loyal Customers  Loyal Customers     Loyal Customers
//   3     At Risk          At Risk      Need Attention   Potential Loyalist  Potential Loyalist
//   2     Lost             Hibernating  About to Sleep   Potential Loyalist  Potential Loyalist
//   1     Lost             Lost         About to Sleep   Promising           New Customers
// clang-format on
//
// rfm_grid() returns this table for documentation (the README prints it).
#pragma once

#include <array>
#include <string_view>

namespace clv::segments {

enum class RfmSegment {
  champions,
  loyal_customers,
  potential_loyalist,
  new_customers,
  promising,
  need_attention,
  about_to_sleep,
  at_risk,
  cant_lose_them,
  hibernating,
  lost,
};

// "Champions", "Loyal Customers", ..., "Can't Lose Them", "Hibernating", "Lost".
std::string_view rfm_segment_name(RfmSegment segment);

// grid[fm - 1][r - 1] is the segment of recency score r and FM score fm.
using RfmGrid = std::array<std::array<RfmSegment, 5>, 5>;
const RfmGrid& rfm_grid();

// ceil((f + m) / 2); std::invalid_argument for scores outside 1..5.
int rfm_fm_score(int f_score, int m_score);

// The named segment of scores r, f, m in 1..5; std::invalid_argument naming the
// score that is outside 1..5.
RfmSegment rfm_segment(int r_score, int f_score, int m_score);

// Whether large values score high (frequency, monetary value) or low (recency
// as the time since the last purchase, as RFM marketing measures it).
enum class ScoreOrder { higher_is_better, lower_is_better };

// Quintile score of `value` given the population's 20/40/60/80% breakpoints:
// with higher_is_better, value <= b[0] -> 1, b[0] < value <= b[1] -> 2, ...,
// value > b[3] -> 5; lower_is_better mirrors it (value <= b[0] -> 5). Values on
// a breakpoint fall into the lower quintile, like PostgreSQL's percentile_cont
// breakpoints with ties. std::invalid_argument for non-finite input or
// breakpoints that decrease.
int quintile_score(double value, const std::array<double, 4>& breakpoints, ScoreOrder order);

}  // namespace clv::segments
