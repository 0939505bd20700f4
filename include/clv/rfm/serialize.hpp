// Byte format of the RFM aggregate states (see clv/bytes.hpp). Version 1:
//   "CRF" 1 | as_of as_of_local period_us unit_us | n_orders total
//   first_period first_value first_ts last_ts | periods
//   "CRH" 1 | RFM state (without header) | observation_end
//   observation_end_local | holdout periods | holdout total
//   periods = count, then count x key (period * 2 + known)
//   sums    = (sum f64, compensation f64); (NaN, 0) = no known value
#pragma once

#include "clv/rfm/rfm.hpp"

namespace clv {

namespace detail {
inline const char kRfmTag[3] = {'C', 'R', 'F'};
inline const char kRfmHoldoutTag[3] = {'C', 'R', 'H'};
constexpr uint8_t kRfmVersion = 1;

inline void write_sum(ByteWriter& out, const CompensatedSum& s) {
  out.f64(s.sum);
  out.f64(s.compensation);
}

inline CompensatedSum read_sum(ByteReader& in) {
  CompensatedSum s;
  s.sum = in.f64();
  s.compensation = in.f64();
  const bool valid =
      s.known() ? std::isfinite(s.sum) && std::isfinite(s.compensation) : s.compensation == 0;
  if (!valid) throw std::invalid_argument("state holds an invalid sum");
  return s;
}

inline void invalid_state(const char* why) {
  throw std::invalid_argument(std::string("invalid RFM state: ") + why);
}
}  // namespace detail

template <class Alloc>
void PeriodSet<Alloc>::append_to(ByteWriter& out) const {
  out.u64(size_);
  const int64_t* keys = data();
  for (size_t i = 0; i < size_; ++i) out.i64(keys[i]);
}

template <class Alloc>
void PeriodSet<Alloc>::read_from(ByteReader& in) {
  const uint64_t n = in.count(8);
  heap_.clear();
  size_ = 0;
  if (n > kInline) heap_.reserve(n);
  for (uint64_t i = 0; i < n; ++i) push(in.i64());
  compact();
}

template <class Alloc>
void RfmAccumulator<Alloc>::append_to(ByteWriter& out) const {
  out.i64(settings_.as_of);
  out.i64(settings_.as_of_local);
  out.i64(settings_.period_us);
  out.i64(settings_.unit_us);
  out.i64(n_orders_);
  detail::write_sum(out, total_);
  out.i64(first_period_);
  detail::write_sum(out, first_value_);
  out.i64(first_ts_);
  out.i64(last_ts_);
  periods_.append_to(out);
}

template <class Alloc>
std::string RfmAccumulator<Alloc>::serialize() const {
  ByteWriter out;
  write_header(out, detail::kRfmTag, detail::kRfmVersion);
  append_to(out);
  return out.take();
}

// Reads the fields written by append_to and checks that they are consistent.
template <class Alloc>
RfmAccumulator<Alloc> read_rfm_body(ByteReader& in, const Alloc& alloc) {
  RfmSettings s;
  s.as_of = in.i64();
  s.as_of_local = in.i64();
  s.period_us = in.i64();
  s.unit_us = in.i64();
  RfmAccumulator<Alloc> acc(s, alloc);  // validates the settings
  acc.n_orders_ = in.i64();
  acc.total_ = detail::read_sum(in);
  acc.first_period_ = in.i64();
  acc.first_value_ = detail::read_sum(in);
  acc.first_ts_ = in.i64();
  acc.last_ts_ = in.i64();
  acc.periods_.read_from(in);
  const auto& p = acc.periods_;
  if (acc.n_orders_ < 0) detail::invalid_state("negative order count");
  if (acc.n_orders_ == 0) {
    if (!p.empty() || acc.total_.known()) detail::invalid_state("periods without orders");
    return acc;
  }
  if (p.empty() || p.size() > static_cast<uint64_t>(acc.n_orders_))
    detail::invalid_state("period count does not match the orders");
  if (p.first() != acc.first_period_ || p.first_known() != acc.first_value_.known())
    detail::invalid_state("first period does not match");
  if ((p.known_count() > 0) != acc.total_.known()) detail::invalid_state("total does not match");
  if (acc.first_ts_ > acc.last_ts_ || acc.last_ts_ > s.as_of)
    detail::invalid_state("timestamps out of order");
  return acc;
}

template <class Alloc>
RfmAccumulator<Alloc> RfmAccumulator<Alloc>::deserialize(ByteReader& in, const Alloc& alloc) {
  in.expect_header(detail::kRfmTag, detail::kRfmVersion);
  RfmAccumulator acc = read_rfm_body(in, alloc);
  in.expect_end();
  return acc;
}

template <class Alloc>
std::string RfmHoldoutAccumulator<Alloc>::serialize() const {
  ByteWriter out;
  write_header(out, detail::kRfmHoldoutTag, detail::kRfmVersion);
  calibration_.append_to(out);
  out.i64(observation_end_);
  out.i64(observation_end_local_);
  holdout_.append_to(out);
  detail::write_sum(out, holdout_total_);
  return out.take();
}

template <class Alloc>
RfmHoldoutAccumulator<Alloc> RfmHoldoutAccumulator<Alloc>::deserialize(ByteReader& in,
                                                                       const Alloc& alloc) {
  in.expect_header(detail::kRfmHoldoutTag, detail::kRfmVersion);
  RfmAccumulator<Alloc> calibration = read_rfm_body(in, alloc);
  const int64_t observation_end = in.i64();
  const int64_t observation_end_local = in.i64();
  if (observation_end < calibration.settings().as_of)
    detail::invalid_state("observation_end before calibration_end");
  RfmHoldoutAccumulator acc(std::move(calibration), observation_end, observation_end_local, alloc);
  acc.holdout_.read_from(in);
  acc.holdout_total_ = detail::read_sum(in);
  if (acc.holdout_total_.known() != (acc.holdout_.known_count() > 0))
    detail::invalid_state("holdout total does not match");
  in.expect_end();
  return acc;
}

}  // namespace clv
