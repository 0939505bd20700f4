#include "clv/models/data.hpp"
#include "clv/models/fit_state.hpp"

#include "clv/common/bytes.hpp"
#include "clv/common/checked.hpp"
#include "clv/common/format.hpp"

#include "exact_bits.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace clv::models {

namespace {

const char kRfmDataTag[3] = {'C', 'M', 'R'};
const char kSpendDataTag[3] = {'C', 'M', 'S'};
const char kCohortDataTag[3] = {'C', 'M', 'C'};
const char kDiscreteDataTag[3] = {'C', 'M', 'D'};
constexpr std::uint8_t kDataVersion = 1;

void require_finite(double v, const char* what) {
  if (!std::isfinite(v))
    throw std::invalid_argument(std::string(what) + " " + format_number(v) + " is not finite");
}

void require_frequency(double x) {
  require_finite(x, "frequency");
  if (x < 0) throw std::invalid_argument("frequency " + format_number(x) + " is negative");
  // Doubles from 2^52 on are all integers; below, truncation is one
  // instruction (std::floor is a library call on baseline x86-64, and this
  // runs for every scored row).
  if (x < 0x1p52 && static_cast<double>(static_cast<std::int64_t>(x)) != x)
    throw std::invalid_argument("frequency " + format_number(x) + " is not an integer");
}

constexpr const char* kCustomers = "the number of customers";
constexpr const char* kActive = "the number of active customers of a period";
using detail::decoded_count_add;
using detail::from_bits;
using detail::key_bits;

template <std::size_t N>
detail::ExactKey<N> make_key(const std::array<double, N>& values) {
  detail::ExactKey<N> key;
  for (std::size_t i = 0; i < N; ++i) key.bits[i] = key_bits(values[i]);
  return key;
}

template <std::size_t N>
void add_weight(detail::WeightMap<N>& map, std::uint64_t& customers, const detail::ExactKey<N>& key,
                std::uint64_t weight) {
  if (weight == 0) return;
  customers = checked_count_add(customers, weight, kCustomers);
  auto& slot = map[key];
  slot += weight;  // cannot overflow: slot <= customers
}

// Entries of a weight map as (values, weight), ascending by values.
template <std::size_t N>
std::vector<std::pair<std::array<double, N>, std::uint64_t>> sorted_entries(
    const detail::WeightMap<N>& map) {
  std::vector<std::pair<std::array<double, N>, std::uint64_t>> out;
  out.reserve(map.size());
  for (const auto& [key, weight] : map) {
    std::array<double, N> values;
    for (std::size_t i = 0; i < N; ++i) values[i] = from_bits(key.bits[i]);
    out.emplace_back(values, weight);
  }
  std::sort(out.begin(), out.end());
  return out;
}

template <std::size_t N>
std::string serialize_map(const detail::WeightMap<N>& map, const char tag[3]) {
  ByteWriter out;
  write_header(out, tag, kDataVersion);
  const auto entries = sorted_entries(map);
  out.u64(entries.size());
  for (const auto& [values, weight] : entries) {
    for (double v : values) out.f64(v);
    out.u64(weight);
  }
  return out.take();
}

// Reads rows of N doubles and a weight, validating each with validate(values).
template <std::size_t N, class Validate>
void deserialize_map(std::string_view bytes, const char tag[3], detail::WeightMap<N>& map,
                     std::uint64_t& customers, Validate validate) {
  ByteReader in(bytes.data(), bytes.size());
  in.expect_header(tag, kDataVersion);
  const std::uint64_t n = in.count(8 * (N + 1));
  map.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::array<double, N> values;
    for (double& v : values) v = in.f64();
    const std::uint64_t weight = in.u64();
    validate(values);
    if (weight == 0) throw std::invalid_argument("state holds a row with weight 0");
    const auto key = make_key(values);
    if (map.count(key)) throw std::invalid_argument("state holds a duplicate row");
    customers = decoded_count_add(customers, weight);
    map.emplace(key, weight);
  }
  in.expect_end();
}

}  // namespace

template <std::size_t N>
std::size_t detail::ExactKeyHash<N>::operator()(const ExactKey<N>& k) const {
  return hash_bits(k.bits.data(), N);
}
template struct detail::ExactKeyHash<2>;
template struct detail::ExactKeyHash<3>;

void validate_rfm(double x, double t_x, double T) {
  require_frequency(x);
  require_finite(t_x, "recency");
  require_finite(T, "age T");
  if (t_x < 0) throw std::invalid_argument("recency " + format_number(t_x) + " is negative");
  if (T < 0) throw std::invalid_argument("age T " + format_number(T) + " is negative");
  if (t_x > T)
    throw std::invalid_argument("recency " + format_number(t_x) + " is greater than age T " +
                                format_number(T));
  if (x == 0 && t_x != 0)
    throw std::invalid_argument("recency " + format_number(t_x) +
                                " is not 0 although frequency is 0");
}

void validate_spend(double x, double m_x) {
  require_frequency(x);
  require_finite(m_x, "mean spend");
  if (m_x <= 0)
    throw std::invalid_argument("mean spend " + format_number(m_x) + " is not positive");
}

void validate_discrete(double x, double t_x, double n) {
  require_frequency(x);
  require_finite(t_x, "recency");
  require_finite(n, "n_periods");
  if (t_x < 0) throw std::invalid_argument("recency " + format_number(t_x) + " is negative");
  if (t_x != std::floor(t_x))
    throw std::invalid_argument("recency " + format_number(t_x) + " is not an integer");
  if (n != std::floor(n))
    throw std::invalid_argument("n_periods " + format_number(n) + " is not an integer");
  if (n < 1) throw std::invalid_argument("n_periods " + format_number(n) + " is less than 1");
  if (n > kMaxDiscretePeriods)
    throw std::invalid_argument("n_periods " + format_number(n) + " is greater than " +
                                format_number(kMaxDiscretePeriods));
  if (t_x > n)
    throw std::invalid_argument("recency " + format_number(t_x) + " is greater than n_periods " +
                                format_number(n));
  if (x > t_x)
    throw std::invalid_argument("frequency " + format_number(x) + " is greater than recency " +
                                format_number(t_x));
  if (x == 0 && t_x != 0)
    throw std::invalid_argument("recency " + format_number(t_x) +
                                " is not 0 although frequency is 0");
}

void validate_penalizer(double penalizer) {
  if (!(std::isfinite(penalizer) && penalizer >= 0))
    throw std::invalid_argument("penalizer must be a finite number >= 0, got " +
                                format_number(penalizer));
}

void RfmData::add(double x, double t_x, double T, std::uint64_t weight) {
  validate_rfm(x, t_x, T);
  add_weight(rows_, customers_, make_key<3>({x, t_x, T}), weight);
}

void RfmData::merge(const RfmData& other) {
  for (const auto& [key, weight] : other.rows_) add_weight(rows_, customers_, key, weight);
}

std::vector<RfmRow> RfmData::rows() const {
  std::vector<RfmRow> out;
  out.reserve(rows_.size());
  for (const auto& [v, weight] : sorted_entries(rows_)) out.push_back({v[0], v[1], v[2], weight});
  return out;
}

std::string RfmData::serialize() const {
  return serialize_map(rows_, kRfmDataTag);
}

RfmData RfmData::deserialize(std::string_view bytes) {
  RfmData data;
  deserialize_map<3>(bytes, kRfmDataTag, data.rows_, data.customers_,
                     [](const std::array<double, 3>& v) { validate_rfm(v[0], v[1], v[2]); });
  return data;
}

void SpendData::add(double x, double m_x, std::uint64_t weight) {
  require_frequency(x);
  if (x == 0) return;
  validate_spend(x, m_x);
  add_weight(rows_, customers_, make_key<2>({x, m_x}), weight);
}

void SpendData::merge(const SpendData& other) {
  for (const auto& [key, weight] : other.rows_) add_weight(rows_, customers_, key, weight);
}

std::vector<SpendRow> SpendData::rows() const {
  std::vector<SpendRow> out;
  out.reserve(rows_.size());
  for (const auto& [v, weight] : sorted_entries(rows_)) out.push_back({v[0], v[1], weight});
  return out;
}

std::string SpendData::serialize() const {
  return serialize_map(rows_, kSpendDataTag);
}

SpendData SpendData::deserialize(std::string_view bytes) {
  SpendData data;
  deserialize_map<2>(bytes, kSpendDataTag, data.rows_, data.customers_,
                     [](const std::array<double, 2>& v) {
                       validate_spend(v[0], v[1]);
                       if (v[0] == 0) throw std::invalid_argument("state holds frequency 0");
                     });
  return data;
}

void DiscreteData::add(double x, double t_x, double n, std::uint64_t weight) {
  validate_discrete(x, t_x, n);
  add_weight(rows_, customers_, make_key<3>({x, t_x, n}), weight);
}

void DiscreteData::merge(const DiscreteData& other) {
  for (const auto& [key, weight] : other.rows_) add_weight(rows_, customers_, key, weight);
}

std::vector<DiscreteRow> DiscreteData::rows() const {
  std::vector<DiscreteRow> out;
  out.reserve(rows_.size());
  for (const auto& [v, weight] : sorted_entries(rows_)) out.push_back({v[0], v[1], v[2], weight});
  return out;
}

std::string DiscreteData::serialize() const {
  return serialize_map(rows_, kDiscreteDataTag);
}

DiscreteData DiscreteData::deserialize(std::string_view bytes) {
  DiscreteData data;
  deserialize_map<3>(bytes, kDiscreteDataTag, data.rows_, data.customers_,
                     [](const std::array<double, 3>& v) { validate_discrete(v[0], v[1], v[2]); });
  return data;
}

void CohortData::add(std::uint64_t period, std::uint64_t active) {
  auto& slot = active_[period];
  slot = checked_count_add(slot, active, kActive);
}

void CohortData::merge(const CohortData& other) {
  for (const auto& [period, active] : other.active_) add(period, active);
}

std::vector<CohortRow> CohortData::rows() const {
  std::vector<CohortRow> out;
  out.reserve(active_.size());
  for (const auto& [period, active] : active_) out.push_back({period, active});
  return out;
}

std::string CohortData::serialize() const {
  ByteWriter out;
  write_header(out, kCohortDataTag, kDataVersion);
  out.u64(active_.size());
  for (const auto& [period, active] : active_) {
    out.u64(period);
    out.u64(active);
  }
  return out.take();
}

CohortData CohortData::deserialize(std::string_view bytes) {
  ByteReader in(bytes.data(), bytes.size());
  in.expect_header(kCohortDataTag, kDataVersion);
  const std::uint64_t n = in.count(16);
  CohortData data;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t period = in.u64();
    const std::uint64_t active = decoded_count_add(in.u64(), 0);
    if (!data.active_.emplace(period, active).second)
      throw std::invalid_argument("state holds a duplicate period");
  }
  in.expect_end();
  return data;
}

}  // namespace clv::models

#include "clv/models/prepared.hpp"

namespace clv::models::detail {

namespace {
std::uint32_t index_of(const std::vector<double>& sorted, double v) {
  return static_cast<std::uint32_t>(std::lower_bound(sorted.begin(), sorted.end(), v) -
                                    sorted.begin());
}

std::vector<double> distinct_sorted(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}
}  // namespace

PreparedRfm prepare_rfm(const RfmData& data, const char* model) {
  if (data.customers() < 2)
    throw std::domain_error(std::string("cannot fit ") + model + " to fewer than 2 customers");
  PreparedRfm out = layout_rfm(data);
  if (out.x_values.back() == 0)
    throw std::domain_error(std::string("cannot fit ") + model +
                            ": no customer has a repeat purchase");
  return out;
}

PreparedRfm layout_rfm(const RfmData& data) {
  const std::vector<RfmRow> rows = data.rows();
  PreparedRfm out;
  std::vector<double> xs, Ts, txs;
  double purchases = 0, exposure = 0;
  for (const RfmRow& row : rows) {
    xs.push_back(row.x);
    Ts.push_back(row.T);
    txs.push_back(row.t_x);
    purchases += row.x * static_cast<double>(row.weight);
    exposure += row.T * static_cast<double>(row.weight);
  }
  out.x_values = distinct_sorted(std::move(xs));
  out.T_values = distinct_sorted(std::move(Ts));
  out.t_x_values = distinct_sorted(std::move(txs));
  out.x_weights.assign(out.x_values.size(), 0.0);
  out.rows.reserve(rows.size());
  for (const RfmRow& row : rows) {
    const double weight = static_cast<double>(row.weight);
    PreparedRfm::Row r{index_of(out.x_values, row.x), index_of(out.T_values, row.T),
                       index_of(out.t_x_values, row.t_x), weight};
    out.x_weights[r.x] += weight;
    out.rows.push_back(r);
  }
  out.customers = static_cast<double>(data.customers());
  out.mean_purchase_rate = exposure > 0 ? purchases / exposure : 1.0;
  out.mean_age = exposure > 0 ? exposure / out.customers : 1.0;
  return out;
}

}  // namespace clv::models::detail
