// Reading the composite model arguments of the scoring and diagnostic
// functions, and the three buy-till-you-die models behind one interface.
#pragma once

#include "postgres.hpp"

extern "C" {
#include "utils/typcache.h"
}

#include <array>
#include <cstring>

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
  uint64 calls = 0;                  // scoring calls through this call site
  struct ScoreMemo* memo = nullptr;  // see score_memo()
};

// Results of a scoring function by their exact scalar inputs, for one set of
// model parameters, per call site. Customers share (frequency, recency, t)
// triples (a million simulated customers have about a hundred thousand
// distinct ones), and expected purchases evaluate a hypergeometric series
// per horizon, so scoring a table computes each distinct customer once. A
// direct-mapped table: a colliding entry is overwritten, a miss recomputes.
struct ScoreMemo {
  static constexpr size_t kKeys = 6;
  static constexpr size_t kParams = 8;
  // Calls through a call site before it gets a memo (a query scoring a few
  // rows should not pay for allocating one).
  static constexpr uint64 kWarmUpCalls = 256;
  // The table starts at 2^12 entries (256 kB) and grows fourfold, up to 2^16
  // (4 MB), while more than a quarter of the last 2^14 look-ups missed.
  static constexpr int kFirstBits = 12, kMaxBits = 16;
  static constexpr uint64 kWindow = 1 << 14;
  struct Entry {
    uint64 key[kKeys];
    double value;
    uint32 generation;  // valid when equal to the memo's
  };
  uint64 params[kParams];
  uint32 generation;
  int bits;
  uint64 lookups, misses;
  MemoryContext context;
  Entry* entries;

  void allocate(int slot_bits) {
    Entry* fresh = static_cast<Entry*>(
        MemoryContextAllocZero(context, (size_t{1} << slot_bits) * sizeof(Entry)));
    if (entries != nullptr) pfree(entries);
    entries = fresh;
    bits = slot_bits;
    generation = 1;
  }
  template <size_t K>
  size_t slot(const std::array<uint64, K>& key) const {
    // Round numbers have all-zero low mantissa bits: fold high bits down
    // after every multiply and take the slot from the top bits.
    uint64 h = 0;
    for (uint64 k : key) {
      h = (h ^ k) * 0x9e3779b97f4a7c15ULL;
      h ^= h >> 32;
    }
    h *= 0xff51afd7ed558ccdULL;
    return static_cast<size_t>(h >> (64 - bits));
  }
  // A C frame: growing the table may raise.
  template <size_t K>
  bool find(const std::array<uint64, K>& key, double* value) {
    if (++lookups == kWindow) {
      if (misses * 4 > kWindow && bits < kMaxBits) allocate(bits + 2);
      lookups = misses = 0;
    }
    const Entry& e = entries[slot(key)];
    if (e.generation != generation || std::memcmp(e.key, key.data(), K * sizeof(uint64)) != 0) {
      ++misses;
      return false;
    }
    *value = e.value;
    return true;
  }
  template <size_t K>
  void store(const std::array<uint64, K>& key, double value) {
    Entry& e = entries[slot(key)];
    std::memcpy(e.key, key.data(), K * sizeof(uint64));
    e.value = value;
    e.generation = generation;
  }
};

// The bits of the doubles, as a memo key.
template <typename... D>
std::array<uint64, sizeof...(D)> memo_key(D... values) {
  static_assert(sizeof...(D) <= ScoreMemo::kKeys, "memo key too long");
  std::array<double, sizeof...(D)> d{values...};
  std::array<uint64, sizeof...(D)> out;
  std::memcpy(out.data(), d.data(), sizeof out);
  return out;
}

// The memo of this call site for these model parameters, or nullptr while
// the call site is warming up. After model_fields (which sets up fn_extra);
// a C frame: allocation failure raises.
template <size_t P>
ScoreMemo* score_memo(FunctionCallInfo fcinfo, const std::array<double, P>& params) {
  static_assert(P <= ScoreMemo::kParams, "too many parameters");
  auto* cache = static_cast<ArgTypeCache*>(fcinfo->flinfo->fn_extra);
  if (++cache->calls < ScoreMemo::kWarmUpCalls) return nullptr;
  ScoreMemo* memo = cache->memo;
  if (memo == nullptr) {
    memo =
        static_cast<ScoreMemo*>(MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ScoreMemo)));
    memo->context = fcinfo->flinfo->fn_mcxt;
    memo->allocate(ScoreMemo::kFirstBits);
    std::memcpy(memo->params, params.data(), sizeof params);
    cache->memo = memo;
  } else if (std::memcmp(memo->params, params.data(), sizeof params) != 0) {
    std::memcpy(memo->params, params.data(), sizeof params);
    if (++memo->generation == 0) memo->allocate(memo->bits);  // wrapped: start afresh
  }
  return memo;
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
  static constexpr auto expected_purchases_new = models::bgnbd::expected_purchases_new;
  static constexpr auto prob_purchases = models::bgnbd::prob_purchases;
};
struct MbgNbd {
  using Params = models::mbgnbd::Params;
  static Params params(const std::array<double, 4>& f) { return {f[0], f[1], f[2], f[3]}; }
  static constexpr auto p_alive = models::mbgnbd::p_alive;
  static constexpr auto expected_purchases = models::mbgnbd::expected_purchases;
  static constexpr auto expected_purchases_new = models::mbgnbd::expected_purchases_new;
  static constexpr auto prob_purchases = models::mbgnbd::prob_purchases;
};
struct ParetoNbd {
  using Params = models::pareto_nbd::Params;
  static Params params(const std::array<double, 4>& f) { return {f[0], f[1], f[2], f[3]}; }
  static constexpr auto p_alive = models::pareto_nbd::p_alive;
  static constexpr auto expected_purchases = models::pareto_nbd::expected_purchases;
  static constexpr auto expected_purchases_new = models::pareto_nbd::expected_purchases_new;
  static constexpr auto prob_purchases = models::pareto_nbd::prob_purchases;
};

}  // namespace clv_pg
