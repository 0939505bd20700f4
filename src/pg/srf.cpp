#include "srf.hpp"

extern "C" {
#include "utils/tuplestore.h"
}

#include "guard.hpp"

namespace clv_pg {

SrfWriter::SrfWriter(FunctionCallInfo fcinfo) {
  pg_call([&] {
    InitMaterializedSRF(fcinfo, 0);
    rsinfo_ = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    row_context_ =
        AllocSetContextCreate(CurrentMemoryContext, "clv result row", ALLOCSET_SMALL_SIZES);
  });
}

void SrfWriter::put(std::initializer_list<OutValue> values) {
  static constexpr int kMaxColumns = 8;
  pg_call([&] {
    Datum datums[kMaxColumns];
    bool nulls[kMaxColumns];
    const int natts = rsinfo_->setDesc->natts;
    if (static_cast<int>(values.size()) != natts || natts > kMaxColumns)
      elog(ERROR, "result row has %d values for %d columns", static_cast<int>(values.size()),
           natts);
    MemoryContext old = MemoryContextSwitchTo(row_context_);
    int i = 0;
    for (const OutValue& v : values) {
      nulls[i] = v.kind == OutValue::Kind::kNull;
      switch (v.kind) {
        case OutValue::Kind::kNull:
          datums[i] = (Datum)0;
          break;
        case OutValue::Kind::kText:
          datums[i] = PointerGetDatum(
              cstring_to_text_with_len(v.text.data(), static_cast<int>(v.text.size())));
          break;
        case OutValue::Kind::kInt4:
          datums[i] = Int32GetDatum(static_cast<int32>(v.integer));
          break;
        case OutValue::Kind::kInt8:
          datums[i] = Int64GetDatum(v.integer);
          break;
        case OutValue::Kind::kTimestampTz:
          datums[i] = TimestampTzGetDatum(v.integer);
          break;
      }
      ++i;
    }
    tuplestore_putvalues(rsinfo_->setResult, rsinfo_->setDesc, datums, nulls);
    MemoryContextSwitchTo(old);
    MemoryContextReset(row_context_);
  });
}

void SrfWriter::finish() {
  pg_call([&] { MemoryContextDelete(row_context_); });
  row_context_ = nullptr;
}

}  // namespace clv_pg
