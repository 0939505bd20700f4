// A hash table of scoring results per call site (see ScoreMemo), and the
// keys and contexts it is looked up by.
#pragma once

#include "common/postgres.hpp"

#include <array>
#include <cstring>

namespace clv_pg {

// Results of a scoring function by the customer's exact inputs, per call
// site, for one context: the model parameters and the function's other
// arguments (horizon, discount rate, step). Expected purchases are P(alive)
// times an expectation if alive that depends on (frequency, t) only and
// evaluates a hypergeometric series per horizon; Pareto/NBD's P(alive) rests
// on two tail integrals, each a function of (frequency, t_x) or (frequency,
// t). A million simulated customers have 107,012 distinct (frequency,
// recency, t) triples but 2,440 distinct (frequency, t) and 4,798 distinct
// (frequency, recency) pairs, so scoring a table computes each of these once.
struct ScoreMemo {
  static constexpr size_t kContext = 8;
  // Calls through a call site before it gets memos.
  static constexpr uint64 kWarmUpCalls = 256;
  static constexpr int kFirstBits = 10, kMaxBits = 18;
  using Key = std::array<uint64, 3>;
  struct Entry {
    Key key;
    double value;
    uint32 generation;  // occupied when equal to the memo's
  };
  uint64 context[kContext];
  uint32 generation;
  int bits;
  size_t used;  // occupied slots of this generation
  MemoryContext memory;
  Entry* entries;

  static size_t hash(const Key& key) {
    // Round numbers have all-zero low mantissa bits: fold high bits down
    // after every multiply; slots come from the top bits.
    uint64 h = 0;
    for (uint64 k : key) {
      h = (h ^ k) * 0x9e3779b97f4a7c15ULL;
      h ^= h >> 32;
    }
    return static_cast<size_t>(h * 0xff51afd7ed558ccdULL);
  }
  // The slot holding key, or the empty slot where it belongs.
  Entry* probe(const Key& key) const {
    const size_t mask = (size_t{1} << bits) - 1;
    for (size_t slot = hash(key) >> (64 - bits);; slot = (slot + 1) & mask) {
      Entry* e = &entries[slot];
      if (e->generation != generation || e->key == key) return e;
    }
  }
  bool find(const Key& key, double* value) const {
    const Entry* e = probe(key);
    if (e->generation != generation) return false;
    *value = e->value;
    return true;
  }
  // A C frame: growing the table may raise.
  void store(const Key& key, double value) {
    if (2 * (used + 1) > (size_t{1} << bits)) {
      if (bits == kMaxBits) return;
      grow();
    }
    Entry* e = probe(key);
    if (e->generation != generation) ++used;
    *e = {key, value, generation};
  }
  void start(int slot_bits) {
    entries = static_cast<Entry*>(
        MemoryContextAllocZero(memory, (size_t{1} << slot_bits) * sizeof(Entry)));
    bits = slot_bits;
    generation = 1;
    used = 0;
  }
  void grow() {
    Entry* old = entries;
    const size_t old_slots = size_t{1} << bits;
    const uint32 old_generation = generation;
    start(bits + 1);
    for (size_t i = 0; i < old_slots; ++i)
      if (old[i].generation == old_generation) store(old[i].key, old[i].value);
    pfree(old);
  }
  // Forget every entry: they belong to another context.
  void clear() {
    used = 0;
    if (++generation == 0) {  // wrapped: entries of generation 0 would look occupied
      pfree(entries);
      start(kFirstBits);
    }
  }
};

// Up to three doubles as a memo key: their bits (unused places 0).
template <typename... D>
ScoreMemo::Key memo_key(D... values) {
  static_assert(sizeof...(D) <= 3, "memo key too long");
  const double d[] = {static_cast<double>(values)...};
  ScoreMemo::Key out{};
  std::memcpy(out.data(), d, sizeof d);
  return out;
}

// The model parameters followed by further arguments, as a memo context.
template <size_t N, typename... D>
std::array<double, N + sizeof...(D)> memo_context(const std::array<double, N>& params,
                                                  D... arguments) {
  std::array<double, N + sizeof...(D)> out{};
  std::copy(params.begin(), params.end(), out.begin());
  const double rest[] = {static_cast<double>(arguments)...};
  std::copy(std::begin(rest), std::end(rest), out.begin() + N);
  return out;
}

}  // namespace clv_pg
