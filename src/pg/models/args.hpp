// Reading the composite model arguments of the scoring and diagnostic
// functions, and the three buy-till-you-die models behind one interface.
#pragma once

#include "common/postgres.hpp"

extern "C" {
#include "utils/typcache.h"
}

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>

#include "clv/models/bgnbd.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"

namespace clv_pg {

namespace models = clv::models;

// Per call site (fn_extra) and argument slot: the tuple descriptor of the
// composite argument, and the raw bytes of the last model value read with the
// parameters taken from it. A function scored over millions of rows usually
// gets the same model on every row; recognising its bytes (a memcmp of less
// than a hundred bytes) skips the detoasting copy and the attribute walk.
struct ArgTypeCache {
  static constexpr size_t kMaxRaw = 160;
  Oid type[2] = {InvalidOid, InvalidOid};
  TupleDesc desc[2] = {nullptr, nullptr};
  size_t raw_size[2] = {0, 0};  // 0: nothing cached
  char raw[2][kMaxRaw];
  double values[2][4];
  uint64 calls = 0;  // scoring calls through this call site
  // See score_memo(): expectations if alive by (frequency, t) and
  // Pareto/NBD's tail integrals by (frequency, t).
  struct ScoreMemo* memo[2] = {nullptr, nullptr};
};

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

enum class MemoSlot { if_alive = 0, tail = 1 };

// Counts a call through this call site; true once it has had enough calls
// to get memos (a query scoring a few rows should not pay for allocating
// them). After model_fields, which sets up fn_extra.
inline bool memo_warmed_up(FunctionCallInfo fcinfo) {
  auto* cache = static_cast<ArgTypeCache*>(fcinfo->flinfo->fn_extra);
  return ++cache->calls >= ScoreMemo::kWarmUpCalls;
}

// The memo of this call site and slot for this context (model parameters and
// other arguments). A C frame: allocation failure raises.
template <size_t N>
ScoreMemo* score_memo(FunctionCallInfo fcinfo, MemoSlot slot,
                      const std::array<double, N>& context) {
  static_assert(N <= ScoreMemo::kContext, "context too long");
  auto* cache = static_cast<ArgTypeCache*>(fcinfo->flinfo->fn_extra);
  ScoreMemo*& memo = cache->memo[static_cast<int>(slot)];
  if (memo == nullptr) {
    memo =
        static_cast<ScoreMemo*>(MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ScoreMemo)));
    memo->memory = fcinfo->flinfo->fn_mcxt;
    memo->start(ScoreMemo::kFirstBits);
    std::memcpy(memo->context, context.data(), sizeof context);
  } else if (std::memcmp(memo->context, context.data(), sizeof context) != 0) {
    std::memcpy(memo->context, context.data(), sizeof context);
    memo->clear();
  }
  return memo;
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

// The first N fields (float8 parameters) of the composite model in argument
// `argno`, cache slot `slot`. Called in C frames: it may raise errors.
template <size_t N>
std::array<double, N> model_fields(FunctionCallInfo fcinfo, int argno, int slot) {
  static_assert(N <= 4, "at most four cached parameters");
  auto* cache = static_cast<ArgTypeCache*>(fcinfo->flinfo->fn_extra);
  if (cache == nullptr) {
    cache = static_cast<ArgTypeCache*>(
        MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ArgTypeCache)));
    fcinfo->flinfo->fn_extra = cache;
  }
  std::array<double, N> out;
  // The value as passed, before any detoasting: plain or short-header bytes
  // are compared as they are; compressed or external values take the slow path.
  const auto* raw =
      reinterpret_cast<const struct varlena*>(DatumGetPointer(PG_GETARG_DATUM(argno)));
  const bool plain = !VARATT_IS_EXTERNAL(raw) && !VARATT_IS_COMPRESSED(raw);
  const size_t raw_size = plain ? VARSIZE_ANY_EXHDR(raw) : 0;
  if (plain && raw_size != 0 && raw_size == cache->raw_size[slot] &&
      std::memcmp(VARDATA_ANY(raw), cache->raw[slot], raw_size) == 0) {
    std::memcpy(out.data(), cache->values[slot], N * sizeof(double));
    return out;
  }
  HeapTupleHeader header = PG_GETARG_HEAPTUPLEHEADER(argno);
  const Oid type = HeapTupleHeaderGetTypeId(header);
  if (cache->type[slot] != type) {
    TupleDesc desc = lookup_rowtype_tupdesc(type, HeapTupleHeaderGetTypMod(header));
    // The parameters are read as float8: a model type altered by ALTER TYPE
    // would hand over other datums.
    for (size_t i = 0; i < N; ++i) {
      const Form_pg_attribute attribute =
          static_cast<int>(i) < desc->natts ? TupleDescAttr(desc, i) : nullptr;
      if (attribute == nullptr || attribute->attisdropped || attribute->atttypid != FLOAT8OID) {
        const char* type_name = format_type_be(type);
        ReleaseTupleDesc(desc);
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("attribute %d of model type %s is not double precision",
                               static_cast<int>(i) + 1, type_name),
                        errhint("The extension's types must not be altered: ALTER TYPE them back, "
                                "or drop and create the extension again.")));
      }
    }
    MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
    TupleDesc copy = CreateTupleDescCopy(desc);
    MemoryContextSwitchTo(old);
    ReleaseTupleDesc(desc);
    if (cache->desc[slot] != nullptr) FreeTupleDesc(cache->desc[slot]);
    cache->desc[slot] = copy;
    cache->type[slot] = type;
  }
  HeapTupleData tuple;
  tuple.t_len = HeapTupleHeaderGetDatumLength(header);
  ItemPointerSetInvalid(&tuple.t_self);
  tuple.t_tableOid = InvalidOid;
  tuple.t_data = header;
  for (size_t i = 0; i < N; ++i) {
    bool isnull;
    Datum d = heap_getattr(&tuple, static_cast<int>(i) + 1, cache->desc[slot], &isnull);
    if (isnull)
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("model parameter %s is NULL",
                             NameStr(TupleDescAttr(cache->desc[slot], i)->attname))));
    out[i] = DatumGetFloat8(d);
  }
  cache->raw_size[slot] = 0;
  if (plain && raw_size <= ArgTypeCache::kMaxRaw) {
    std::memcpy(cache->raw[slot], VARDATA_ANY(raw), raw_size);
    std::memcpy(cache->values[slot], out.data(), N * sizeof(double));
    cache->raw_size[slot] = raw_size;
  }
  return out;
}

// The three buy-till-you-die models, seen through one interface.
struct BgNbd {
  using Params = models::bgnbd::Params;
  static Params params(const std::array<double, 4>& f) { return {f[0], f[1], f[2], f[3]}; }
  static constexpr auto p_alive = models::bgnbd::p_alive;
  static constexpr auto expected_purchases = models::bgnbd::expected_purchases;
  static constexpr auto expected_purchases_if_alive_at =
      models::bgnbd::expected_purchases_if_alive_at;
  static constexpr bool kTailIntegrals = false;  // P(alive): a few logarithms
  static constexpr auto expected_purchases_new = models::bgnbd::expected_purchases_new;
  static constexpr auto prob_purchases = models::bgnbd::prob_purchases;
};
struct MbgNbd {
  using Params = models::mbgnbd::Params;
  static Params params(const std::array<double, 4>& f) { return {f[0], f[1], f[2], f[3]}; }
  static constexpr auto p_alive = models::mbgnbd::p_alive;
  static constexpr auto expected_purchases = models::mbgnbd::expected_purchases;
  static constexpr auto expected_purchases_if_alive_at =
      models::mbgnbd::expected_purchases_if_alive_at;
  static constexpr bool kTailIntegrals = false;  // P(alive): a few logarithms
  static constexpr auto expected_purchases_new = models::mbgnbd::expected_purchases_new;
  static constexpr auto prob_purchases = models::mbgnbd::prob_purchases;
};
struct ParetoNbd {
  using Params = models::pareto_nbd::Params;
  static Params params(const std::array<double, 4>& f) { return {f[0], f[1], f[2], f[3]}; }
  static constexpr double (*p_alive)(const Params&, double, double,
                                     double) = models::pareto_nbd::p_alive;
  static double p_alive_with(const Params& params, double x, double t_x, double T,
                             const models::pareto_nbd::LogTailOf& tail) {
    return models::pareto_nbd::p_alive(params, x, t_x, T, tail);
  }
  static constexpr auto log_tail = models::pareto_nbd::log_tail;
  static constexpr auto expected_purchases = models::pareto_nbd::expected_purchases;
  static constexpr auto expected_purchases_if_alive_at =
      models::pareto_nbd::expected_purchases_if_alive_at;
  // P(alive) from tail integrals, worth remembering by (frequency, t).
  static constexpr bool kTailIntegrals = true;
  static constexpr auto expected_purchases_new = models::pareto_nbd::expected_purchases_new;
  static constexpr auto prob_purchases = models::pareto_nbd::prob_purchases;
};

}  // namespace clv_pg
