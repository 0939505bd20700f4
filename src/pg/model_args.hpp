// Reading the composite model arguments of the scoring and diagnostic
// functions, and the three buy-till-you-die models behind one interface.
#pragma once

#include "postgres.hpp"

extern "C" {
#include "utils/typcache.h"
}

#include <array>

#include "clv/models/bgnbd.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"

namespace clv_pg {

namespace models = clv::models;

// Tuple descriptors of the composite arguments, cached per call site so a
// function scored over millions of rows looks its types up once.
struct ArgTypeCache {
  Oid type[2] = {InvalidOid, InvalidOid};
  TupleDesc desc[2] = {nullptr, nullptr};
};

// The first N fields (float8 parameters) of the composite model in argument
// `argno`, cache slot `slot`. Called in C frames: it may raise errors.
template <size_t N>
std::array<double, N> model_fields(FunctionCallInfo fcinfo, int argno, int slot) {
  HeapTupleHeader header = PG_GETARG_HEAPTUPLEHEADER(argno);
  auto* cache = static_cast<ArgTypeCache*>(fcinfo->flinfo->fn_extra);
  if (cache == nullptr) {
    cache = static_cast<ArgTypeCache*>(
        MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ArgTypeCache)));
    fcinfo->flinfo->fn_extra = cache;
  }
  const Oid type = HeapTupleHeaderGetTypeId(header);
  if (cache->type[slot] != type) {
    TupleDesc desc = lookup_rowtype_tupdesc(type, HeapTupleHeaderGetTypMod(header));
    MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
    cache->desc[slot] = CreateTupleDescCopy(desc);
    MemoryContextSwitchTo(old);
    ReleaseTupleDesc(desc);
    cache->type[slot] = type;
  }
  HeapTupleData tuple;
  tuple.t_len = HeapTupleHeaderGetDatumLength(header);
  ItemPointerSetInvalid(&tuple.t_self);
  tuple.t_tableOid = InvalidOid;
  tuple.t_data = header;
  std::array<double, N> out;
  for (size_t i = 0; i < N; ++i) {
    bool isnull;
    Datum d = heap_getattr(&tuple, static_cast<int>(i) + 1, cache->desc[slot], &isnull);
    if (isnull)
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("model parameter %s is NULL",
                             NameStr(TupleDescAttr(cache->desc[slot], i)->attname))));
    out[i] = DatumGetFloat8(d);
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
