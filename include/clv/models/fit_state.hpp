// Aggregate state of the model fits (clv.bgnbd_fit, clv.mbgnbd_fit,
// clv.pareto_nbd_fit on RfmData, clv.gamma_gamma_fit on SpendData,
// clv.sbg_fit on CohortData): the compressed data and the L2 penalizer,
// which is the same on every row of a group.
//
// Serialised form (clv/bytes.hpp encoding; version 1):
//   "CMF" 1 | penalizer f64 | the data's own bytes (clv/models/data.hpp)
// deserialize() checks the header, the penalizer and the data and throws
// std::invalid_argument (std::range_error for counts beyond a bigint).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "clv/common/bytes.hpp"

namespace clv::models {

inline const char fit_state_tag[3] = {'C', 'M', 'F'};
constexpr std::uint8_t fit_state_version = 1;
constexpr std::size_t fit_state_prefix_bytes = 4 + 8;  // header and penalizer

// Throws std::invalid_argument unless the penalizer is a finite number >= 0.
void validate_penalizer(double penalizer);

template <class Data>
struct FitState {
  Data data;
  double penalizer = 0;

  // Combines a partial state of the same group (parallel aggregation).
  void merge(const FitState& other) {
    if (penalizer != other.penalizer)
      throw std::invalid_argument("cannot combine fits with different penalizers");
    data.merge(other.data);
  }

  std::string serialize() const {
    ByteWriter out;
    write_header(out, fit_state_tag, fit_state_version);
    out.f64(penalizer);
    return out.take() + data.serialize();
  }

  static FitState deserialize(std::string_view bytes) {
    ByteReader in(bytes.data(), bytes.size());
    in.expect_header(fit_state_tag, fit_state_version);
    FitState state;
    state.penalizer = in.f64();
    validate_penalizer(state.penalizer);
    state.data = Data::deserialize(bytes.substr(fit_state_prefix_bytes));
    return state;
  }
};

}  // namespace clv::models
