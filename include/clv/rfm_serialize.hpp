// Byte format of the RFM aggregate states (see clv/bytes.hpp). Version 1:
//   "CRF" 1 | as_of as_of_local period_us unit_us | n_orders total first_ts
//   last_ts | ledger
//   "CRH" 1 | RFM state (without header) | observation_end
//   observation_end_local | holdout ledger
//   ledger = count, then count x (period i64, sum f64, compensation f64)
//   sums are CompensatedSum pairs: (NaN, 0) = no known value
#pragma once

#include "clv/rfm.hpp"

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
  const bool valid = s.known() ? std::isfinite(s.sum) && std::isfinite(s.compensation)
                               : s.compensation == 0;
  if (!valid) throw std::invalid_argument("state holds an invalid sum");
  return s;
}
}  // namespace detail

template <class Alloc>
void PeriodLedger<Alloc>::append_to(ByteWriter& out) const {
  out.u64(entries_.size());
  for (const auto& e : entries_) {
    out.i64(e.period);
    detail::write_sum(out, e.value);
  }
}

template <class Alloc>
void PeriodLedger<Alloc>::read_from(ByteReader& in) {
  const uint64_t n = in.count(24);
  entries_.clear();
  entries_.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    const int64_t period = in.i64();
    entries_.push_back(PeriodValue{period, detail::read_sum(in)});
  }
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
  const int64_t n_orders = in.i64();
  const CompensatedSum total = detail::read_sum(in);
  const int64_t first_ts = in.i64();
  const int64_t last_ts = in.i64();
  if (n_orders < 0) throw std::invalid_argument("state has a negative order count");
  if (n_orders > 0 && (first_ts > last_ts || last_ts > s.as_of))
    throw std::invalid_argument("state has invalid timestamps");
  PeriodLedger<Alloc> ledger(alloc);
  ledger.read_from(in);
  if (static_cast<uint64_t>(n_orders) < ledger.entries().size())
    throw std::invalid_argument("state has more periods than orders");
  if (n_orders > 0 && ledger.empty()) throw std::invalid_argument("state has orders but no periods");
  acc.n_orders_ = n_orders;
  acc.total_ = total;
  acc.first_ts_ = first_ts;
  acc.last_ts_ = last_ts;
  acc.periods_ = std::move(ledger);
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
    throw std::invalid_argument("state has observation_end before calibration_end");
  RfmHoldoutAccumulator acc(std::move(calibration), observation_end, observation_end_local, alloc);
  acc.holdout_.read_from(in);
  in.expect_end();
  return acc;
}

}  // namespace clv
