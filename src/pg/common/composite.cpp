#include "common/composite.hpp"

namespace clv_pg {

CompositeBuilder::CompositeBuilder(FunctionCallInfo fcinfo, int natts)
    : CompositeBuilder(fcinfo, natts, natts) {}

CompositeBuilder::CompositeBuilder(FunctionCallInfo fcinfo, int natts, int min_natts) {
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
  if (cached->natts > natts || cached->natts < min_natts || natts > kMaxFields)
    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                    errmsg("result type %s has %d attributes, expected %d",
                           format_type_be(cached->tdtypeid), cached->natts, natts),
                    errhint("The extension's types must not be altered: ALTER TYPE them back, or "
                            "drop and create the extension again.")));
  desc_ = cached;
}

void CompositeBuilder::mismatch(Oid type) const {
  const Form_pg_attribute attribute = TupleDescAttr(desc_, count_);
  ereport(ERROR,
          (errcode(ERRCODE_DATATYPE_MISMATCH),
           errmsg("attribute %d of result type %s has type %s, expected %s", count_ + 1,
                  format_type_be(desc_->tdtypeid),
                  attribute->attisdropped ? "(dropped)" : format_type_be(attribute->atttypid),
                  format_type_be(type)),
           errhint("The extension's types must not be altered: ALTER TYPE them back, or drop and "
                   "create the extension again.")));
}

void CompositeBuilder::put(Datum d, Oid type) {
  check_next(type);
  values_[count_] = d;
  nulls_[count_++] = false;
}

void CompositeBuilder::put_null(Oid type) {
  check_next(type);
  values_[count_] = (Datum)0;
  nulls_[count_++] = true;
}

void CompositeBuilder::add_float8_matrix(const std::vector<double>& values, int k) {
  if (values.empty()) {
    check_next(FLOAT8ARRAYOID);
    put(PointerGetDatum(construct_empty_array(FLOAT8OID)), FLOAT8ARRAYOID);
    return;
  }
  if (values.size() != static_cast<size_t>(k) * static_cast<size_t>(k))
    elog(ERROR, "matrix of %zu values is not %d x %d", values.size(), k, k);
  check_next(FLOAT8ARRAYOID);
  Datum* elements = static_cast<Datum*>(palloc(values.size() * sizeof(Datum)));
  for (size_t i = 0; i < values.size(); ++i) elements[i] = Float8GetDatum(values[i]);
  int dims[2] = {k, k}, lower_bounds[2] = {1, 1};
  ArrayType* array = construct_md_array(elements, nullptr, 2, dims, lower_bounds, FLOAT8OID, 8,
                                        FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
  put(PointerGetDatum(array), FLOAT8ARRAYOID);
}

void CompositeBuilder::add_float8_array(const std::vector<double>& values) {
  check_next(FLOAT8ARRAYOID);
  if (values.empty()) {
    put(PointerGetDatum(construct_empty_array(FLOAT8OID)), FLOAT8ARRAYOID);
    return;
  }
  Datum* elements = static_cast<Datum*>(palloc(values.size() * sizeof(Datum)));
  for (size_t i = 0; i < values.size(); ++i) elements[i] = Float8GetDatum(values[i]);
  ArrayType* array = construct_array(elements, static_cast<int>(values.size()), FLOAT8OID, 8,
                                     FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
  put(PointerGetDatum(array), FLOAT8ARRAYOID);
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
