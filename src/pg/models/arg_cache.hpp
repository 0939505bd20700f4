// Reading the composite model arguments of the scoring and diagnostic
// functions: the per-call-site cache in fn_extra, the model's fields, and the
// call site's memos (score_memo.hpp).
#pragma once

#include "common/postgres.hpp"

extern "C" {
#include "utils/typcache.h"
}

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>

#include "models/score_memo.hpp"

namespace clv_pg {

// Per call site (fn_extra) and argument slot: the tuple descriptor of the
// composite argument, and the raw bytes of the last model value read with the
// parameters taken from it. A function scored over millions of rows usually
// gets the same model on every row; recognising its bytes (a memcmp of less
// than a hundred bytes) skips the detoasting copy and the attribute walk.
struct ArgTypeCache {
  static constexpr size_t kMaxRaw = 512;  // a model with its covariance matrix: about 300
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

}  // namespace clv_pg
