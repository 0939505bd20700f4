// Compressed model inputs: customers that share the same summary are stored
// once with a weight, so a million customers typically collapse to about a
// hundred thousand rows and every likelihood evaluation is proportionally
// cheaper. Each container is mergeable (the combine step of a parallel
// aggregate) and has an architecture-independent byte form (clv/bytes.hpp):
//   "CMR" 1 | count | count x (x f64, t_x f64, T f64, weight u64)   RfmData
//   "CMS" 1 | count | count x (x f64, m_x f64, weight u64)          SpendData
//   "CMC" 1 | count | count x (period u64, active u64)              CohortData
//   "CMD" 1 | count | count x (x f64, t_x f64, n f64, weight u64)   DiscreteData
// Rows are written in ascending order, so equal contents give equal bytes.
// Deserialisation validates every value like add() and rejects duplicate
// rows, counts beyond a bigint, truncation and trailing bytes
// (std::invalid_argument). Counts (customers, active customers of a period)
// stay within a bigint: adding or merging beyond that throws std::range_error.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace clv::models {

// Throws std::invalid_argument unless x is a non-negative integer, 0 <= t_x <= T,
// all finite, and t_x == 0 when x == 0.
void validate_rfm(double x, double t_x, double T);
// Throws std::invalid_argument unless x is a non-negative integer and m_x > 0
// (both finite).
void validate_spend(double x, double m_x);
// The most repeat-transaction opportunities of a discrete-time customer: the
// BG/BB likelihood costs one term per period after the last transaction.
constexpr double kMaxDiscretePeriods = 100000;
// Throws std::invalid_argument unless x, t_x and n are integers with
// 0 <= x <= t_x <= n, t_x == 0 exactly when x == 0, and
// 1 <= n <= kMaxDiscretePeriods.
void validate_discrete(double x, double t_x, double n);

struct RfmRow {
  double x;    // repeat purchases (frequency)
  double t_x;  // time of the last repeat purchase since the first purchase (recency)
  double T;    // time since the first purchase (age)
  std::uint64_t weight;
};

struct SpendRow {
  double x;    // repeat purchases
  double m_x;  // mean value of the repeat purchases
  std::uint64_t weight;
};

struct DiscreteRow {
  double x;    // repeat transactions
  double t_x;  // the opportunity of the last one (0 if none)
  double n;    // repeat-transaction opportunities
  std::uint64_t weight;
};

struct CohortRow {
  std::uint64_t period;  // 0, 1, 2, ...
  std::uint64_t active;  // customers still active at the start of the period
};

namespace detail {
// Hash map keyed on the exact bits of N doubles (with -0.0 folded into 0.0).
template <std::size_t N>
struct ExactKey {
  std::array<std::uint64_t, N> bits;
  bool operator==(const ExactKey& o) const { return bits == o.bits; }
};
template <std::size_t N>
struct ExactKeyHash {
  std::size_t operator()(const ExactKey<N>& k) const;
};
template <std::size_t N>
using WeightMap = std::unordered_map<ExactKey<N>, std::uint64_t, ExactKeyHash<N>>;
}  // namespace detail

// (frequency, recency, age) triples with weights: input of BG/NBD, MBG/NBD, Pareto/NBD.
class RfmData {
 public:
  void add(double x, double t_x, double T, std::uint64_t weight = 1);
  void merge(const RfmData& other);
  std::size_t distinct() const { return rows_.size(); }
  std::uint64_t customers() const { return customers_; }
  // Rows in ascending (x, t_x, T) order.
  std::vector<RfmRow> rows() const;
  std::string serialize() const;
  static RfmData deserialize(std::string_view bytes);

 private:
  detail::WeightMap<3> rows_;
  std::uint64_t customers_ = 0;
};

// (frequency, mean spend) pairs with weights: input of Gamma-Gamma. Customers
// without repeat purchases (x == 0) are accepted and ignored, since their
// mean repeat spend is undefined.
class SpendData {
 public:
  void add(double x, double m_x, std::uint64_t weight = 1);
  void merge(const SpendData& other);
  std::size_t distinct() const { return rows_.size(); }
  std::uint64_t customers() const { return customers_; }
  std::vector<SpendRow> rows() const;
  std::string serialize() const;
  static SpendData deserialize(std::string_view bytes);

 private:
  detail::WeightMap<2> rows_;
  std::uint64_t customers_ = 0;
};

// (frequency, recency, periods) triples of a discrete-time setting with
// weights: input of BG/BB. Validated by validate_discrete.
class DiscreteData {
 public:
  void add(double x, double t_x, double n, std::uint64_t weight = 1);
  void merge(const DiscreteData& other);
  std::size_t distinct() const { return rows_.size(); }
  std::uint64_t customers() const { return customers_; }
  // Rows in ascending (x, t_x, n) order.
  std::vector<DiscreteRow> rows() const;
  std::string serialize() const;
  static DiscreteData deserialize(std::string_view bytes);

 private:
  detail::WeightMap<3> rows_;
  std::uint64_t customers_ = 0;
};

// Survivor counts of a cohort by period: input of the shifted-beta-geometric
// model. Adding or merging counts for the same period sums them (sub-cohorts
// observed over the same periods).
class CohortData {
 public:
  void add(std::uint64_t period, std::uint64_t active);
  void merge(const CohortData& other);
  std::vector<CohortRow> rows() const;
  std::string serialize() const;
  static CohortData deserialize(std::string_view bytes);

 private:
  std::map<std::uint64_t, std::uint64_t> active_;
};

}  // namespace clv::models
