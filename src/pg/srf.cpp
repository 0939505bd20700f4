#include "srf.hpp"

extern "C" {
#include "utils/tuplestore.h"
}

#include <cstring>

#include "guard.hpp"

namespace clv_pg {

SrfWriter::SrfWriter(FunctionCallInfo fcinfo) {
  pg_call([&] {
    InitMaterializedSRF(fcinfo, 0);
    rsinfo_ = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    row_context_ =
        AllocSetContextCreate(CurrentMemoryContext, "clv result rows", ALLOCSET_DEFAULT_SIZES);
  });
}

void SrfWriter::put(std::initializer_list<OutValue> values) {
  if (++rows_since_reset_ == kRowsPerReset) {
    rows_since_reset_ = 0;
    interrupts()();
    pg_call([&] { MemoryContextReset(row_context_); });
    last_text_.fill(0);  // their datums were in the reset memory
  }
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
        case OutValue::Kind::kText: {
          // The same bytes as the previous row's value in this column (e.g. a
          // cluster key repeated over its members): reuse that datum.
          Datum& last = last_text_[i];
          const text* previous = reinterpret_cast<const text*>(DatumGetPointer(last));
          if (previous == nullptr || VARSIZE(previous) - VARHDRSZ != v.text.size() ||
              std::memcmp(VARDATA(previous), v.text.data(), v.text.size()) != 0) {
            last = PointerGetDatum(
                cstring_to_text_with_len(v.text.data(), static_cast<int>(v.text.size())));
          }
          datums[i] = last;
          break;
        }
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
  });
}

void SrfWriter::finish() {
  pg_call([&] { MemoryContextDelete(row_context_); });
  row_context_ = nullptr;
}

}  // namespace clv_pg
