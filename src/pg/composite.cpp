#include "composite.hpp"

namespace clv_pg {

CompositeBuilder::CompositeBuilder(FunctionCallInfo fcinfo, int natts) {
  auto* cached = static_cast<TupleDesc>(fcinfo->flinfo->fn_extra);
  if (cached == nullptr) {
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
      elog(ERROR, "function returning a composite type called in a context that cannot accept it");
    MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
    cached = BlessTupleDesc(CreateTupleDescCopy(desc));
    MemoryContextSwitchTo(old);
    fcinfo->flinfo->fn_extra = cached;
  }
  if (cached->natts != natts || natts > kMaxFields)
    elog(ERROR, "composite result has %d fields, expected %d", cached->natts, natts);
  desc_ = cached;
}

void CompositeBuilder::put(Datum d) {
  Assert(count_ < desc_->natts);
  values_[count_] = d;
  nulls_[count_++] = false;
}

void CompositeBuilder::put_null() {
  Assert(count_ < desc_->natts);
  values_[count_] = (Datum)0;
  nulls_[count_++] = true;
}

Datum CompositeBuilder::datum() {
  if (count_ != desc_->natts)
    elog(ERROR, "composite result filled with %d of %d fields", count_, desc_->natts);
  return HeapTupleGetDatum(heap_form_tuple(desc_, values_, nulls_));
}

void add_rfm_fields(CompositeBuilder& row, const clv::RfmResult& r) {
  row.add_int32(r.frequency);
  row.add_float8(r.recency);
  row.add_float8(r.t);
  row.add_float8(r.monetary);
  row.add_int64(r.n_orders);
  row.add_float8(r.total_amount);
  row.add_timestamptz(r.first_ts);
  row.add_timestamptz(r.last_ts);
}

}  // namespace clv_pg
