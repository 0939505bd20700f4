#include "srf.hpp"

extern "C" {
#include "utils/tuplestore.h"
}

#include <algorithm>
#include <cstring>

#include "guard.hpp"

namespace clv_pg {

SrfWriter::SrfWriter(FunctionCallInfo fcinfo) {
  pg_call([&] {
    InitMaterializedSRF(fcinfo, 0);
    rsinfo_ = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    buffer_context_ =
        AllocSetContextCreate(CurrentMemoryContext, "clv result text", ALLOCSET_SMALL_SIZES);
  });
}

Datum SrfWriter::text_datum(int column, std::string_view value) {
  TextBuffer& buffer = text_[column];
  // A short (1-byte) header where the value allows it, as heap tuples store it.
  const bool short_header = value.size() + VARHDRSZ_SHORT <= VARATT_SHORT_MAX;
  const size_t header = short_header ? VARHDRSZ_SHORT : VARHDRSZ;
  if (buffer.data != nullptr && buffer.size == value.size() &&
      std::memcmp(buffer.data + header, value.data(), value.size()) == 0) {
    return PointerGetDatum(buffer.data);
  }
  if (header + value.size() > buffer.capacity) {
    const size_t capacity = std::max<size_t>(2 * buffer.capacity, header + value.size());
    buffer.data =
        static_cast<char*>(buffer.data == nullptr ? MemoryContextAlloc(buffer_context_, capacity)
                                                  : repalloc(buffer.data, capacity));
    buffer.capacity = capacity;
  }
  if (short_header) {
    SET_VARSIZE_SHORT(buffer.data, VARHDRSZ_SHORT + value.size());
  } else {
    SET_VARSIZE(buffer.data, VARHDRSZ + value.size());
  }
  if (!value.empty()) std::memcpy(buffer.data + header, value.data(), value.size());
  buffer.size = value.size();
  return PointerGetDatum(buffer.data);
}

void SrfWriter::put(std::initializer_list<OutValue> values) {
  if (++rows_since_poll_ == kRowsPerPoll) {
    rows_since_poll_ = 0;
    interrupts()();
  }
  pg_call([&] {
    Datum datums[kMaxColumns];
    bool nulls[kMaxColumns];
    const int natts = rsinfo_->setDesc->natts;
    if (static_cast<int>(values.size()) != natts || natts > kMaxColumns)
      elog(ERROR, "result row has %d values for %d columns", static_cast<int>(values.size()),
           natts);
    int i = 0;
    for (const OutValue& v : values) {
      nulls[i] = v.kind == OutValue::Kind::kNull;
      switch (v.kind) {
        case OutValue::Kind::kNull:
          datums[i] = (Datum)0;
          break;
        case OutValue::Kind::kText:
          datums[i] = text_datum(i, v.text);
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
  });
}

void SrfWriter::finish() {
  pg_call([&] { MemoryContextDelete(buffer_context_); });
  buffer_context_ = nullptr;
}

}  // namespace clv_pg
