// RfmData laid out for fast likelihood loops: each distinct frequency, age
// and recency value is stored once, so per-value logarithms and special
// functions are computed once per evaluation and rows only index them.
#pragma once

#include "clv/models/data.hpp"

#include <cstdint>
#include <vector>

namespace clv::models::detail {

struct PreparedRfm {
  std::vector<double> x_values, T_values, t_x_values;  // ascending, distinct
  std::vector<double> x_weights;                       // customers per distinct x
  struct Row {
    std::uint32_t x, T, t_x;  // indices into the value vectors
    double weight;
  };
  std::vector<Row> rows;
  double customers = 0;
  double mean_purchase_rate = 0;  // sum(x) / sum(T), a scale for start points
  double mean_age = 0;            // mean T, a scale for start points
};

// Throws std::domain_error when the data cannot identify a purchase model:
// fewer than 2 customers or nobody with a repeat purchase.
PreparedRfm prepare_rfm(const RfmData& data, const char* model);
// The same layout without those checks (the likelihood is defined for any
// data, e.g. one group of customers of a fit with covariates).
PreparedRfm layout_rfm(const RfmData& data);

}  // namespace clv::models::detail
