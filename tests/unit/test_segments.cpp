// RFM segment grid and quintile scores.
#include "clv/rfm/segments.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>

namespace clv::segments {
namespace {

// The chart of clv/segments.hpp written out independently: row FM 5 first,
// columns R 1..5.
const char* const chart[5][5] = {
    {"Can't Lose Them", "At Risk", "Loyal Customers", "Loyal Customers", "Champions"},
    {"At Risk", "At Risk", "Loyal Customers", "Loyal Customers", "Loyal Customers"},
    {"At Risk", "At Risk", "Need Attention", "Potential Loyalist", "Potential Loyalist"},
    {"Lost", "Hibernating", "About to Sleep", "Potential Loyalist", "Potential Loyalist"},
    {"Lost", "Lost", "About to Sleep", "Promising", "New Customers"},
};

TEST(RfmSegment, EveryScoreTripleFollowsTheChart) {
  for (int r = 1; r <= 5; ++r)
    for (int f = 1; f <= 5; ++f)
      for (int m = 1; m <= 5; ++m) {
        const int fm = static_cast<int>(std::ceil((f + m) / 2.0));
        EXPECT_EQ(rfm_segment_name(rfm_segment(r, f, m)), chart[5 - fm][r - 1])
            << "r " << r << " f " << f << " m " << m;
      }
}

TEST(RfmSegment, GridMatchesChartAndCoversEverySegment) {
  std::set<std::string> seen;
  for (int fm = 1; fm <= 5; ++fm)
    for (int r = 1; r <= 5; ++r) {
      const std::string name(rfm_segment_name(rfm_grid()[fm - 1][r - 1]));
      EXPECT_EQ(name, chart[5 - fm][r - 1]);
      seen.insert(name);
    }
  EXPECT_EQ(seen.size(), 11u);
}

TEST(RfmSegment, NamedCorners) {
  EXPECT_EQ(rfm_segment(5, 5, 5), RfmSegment::champions);
  EXPECT_EQ(rfm_segment(1, 5, 5), RfmSegment::cant_lose_them);
  EXPECT_EQ(rfm_segment(5, 1, 1), RfmSegment::new_customers);
  EXPECT_EQ(rfm_segment(1, 1, 1), RfmSegment::lost);
  EXPECT_EQ(rfm_segment(3, 3, 3), RfmSegment::need_attention);
  EXPECT_EQ(rfm_segment(5, 4, 5), RfmSegment::champions);  // FM 4.5 counts as 5
  EXPECT_EQ(rfm_segment(5, 4, 4), RfmSegment::loyal_customers);
  EXPECT_EQ(rfm_fm_score(1, 2), 2);
  EXPECT_EQ(rfm_fm_score(5, 5), 5);
}

TEST(RfmSegment, ScoresOutsideOneToFiveAreRejectedByName) {
  for (int bad : {0, 6, -1}) {
    EXPECT_THROW(rfm_segment(bad, 3, 3), std::invalid_argument);
    EXPECT_THROW(rfm_segment(3, bad, 3), std::invalid_argument);
    EXPECT_THROW(rfm_segment(3, 3, bad), std::invalid_argument);
  }
  try {
    rfm_segment(3, 3, 9);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("m_score"), std::string::npos) << e.what();
  }
}

TEST(QuintileScore, HigherIsBetter) {
  const std::array<double, 4> breakpoints = {10, 20, 30, 40};
  EXPECT_EQ(quintile_score(-5, breakpoints, ScoreOrder::higher_is_better), 1);
  EXPECT_EQ(quintile_score(10, breakpoints, ScoreOrder::higher_is_better), 1);
  EXPECT_EQ(quintile_score(10.5, breakpoints, ScoreOrder::higher_is_better), 2);
  EXPECT_EQ(quintile_score(30, breakpoints, ScoreOrder::higher_is_better), 3);
  EXPECT_EQ(quintile_score(35, breakpoints, ScoreOrder::higher_is_better), 4);
  EXPECT_EQ(quintile_score(41, breakpoints, ScoreOrder::higher_is_better), 5);
}

TEST(QuintileScore, RecencyIsScoredInversely) {
  const std::array<double, 4> days_since_last = {7, 30, 90, 180};
  EXPECT_EQ(quintile_score(1, days_since_last, ScoreOrder::lower_is_better), 5);
  EXPECT_EQ(quintile_score(7, days_since_last, ScoreOrder::lower_is_better), 5);
  EXPECT_EQ(quintile_score(45, days_since_last, ScoreOrder::lower_is_better), 3);
  EXPECT_EQ(quintile_score(365, days_since_last, ScoreOrder::lower_is_better), 1);
}

TEST(QuintileScore, TiedBreakpointsAndBadInput) {
  const std::array<double, 4> tied = {1, 1, 1, 5};
  EXPECT_EQ(quintile_score(1, tied, ScoreOrder::higher_is_better), 1);
  EXPECT_EQ(quintile_score(2, tied, ScoreOrder::higher_is_better), 4);
  EXPECT_THROW(quintile_score(std::nan(""), tied, ScoreOrder::higher_is_better),
               std::invalid_argument);
  EXPECT_THROW(quintile_score(1, {1, 3, 2, 4}, ScoreOrder::higher_is_better),
               std::invalid_argument);
  EXPECT_THROW(quintile_score(1, {1, 2, 3, std::numeric_limits<double>::infinity()},
                              ScoreOrder::higher_is_better),
               std::invalid_argument);
}

TEST(RfmSegment, NamesAreDistinct) {
  EXPECT_EQ(rfm_segment_name(RfmSegment::cant_lose_them), "Can't Lose Them");
  EXPECT_EQ(rfm_segment_name(RfmSegment::potential_loyalist), "Potential Loyalist");
  EXPECT_EQ(rfm_segment_name(RfmSegment::about_to_sleep), "About to Sleep");
}

}  // namespace
}  // namespace clv::segments
