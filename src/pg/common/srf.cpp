#include "common/srf.hpp"

extern "C" {
#include "utils/tuplestore.h"
}

#include <cstring>
#include <string>

#include "common/guard.hpp"

namespace clv_pg {

SrfWriter::SrfWriter(FunctionCallInfo fcinfo) {
  pg_call([&] {
    InitMaterializedSRF(fcinfo, 0);
    rsinfo_ = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  });
  const TupleDesc desc = rsinfo_->setDesc;
  natts_ = desc->natts;
  if (natts_ > kMaxColumns)
    throw PgError(ERRCODE_INTERNAL_ERROR, "set-returning function with more than " +
                                              std::to_string(kMaxColumns) + " columns");
  for (int i = 0; i < natts_; ++i) {
    const Form_pg_attribute att = TupleDescAttr(desc, i);
    columns_[i] = {att->attlen, att->attalign, att->attstorage != TYPSTORAGE_PLAIN};
  }
}

namespace {

bool fits(const OutValue& value, int16 length) {
  switch (value.kind) {
    case OutValue::Kind::kNull:
      return true;
    case OutValue::Kind::kText:
      return length == -1;
    case OutValue::Kind::kInt4:
      return length == 4;
    case OutValue::Kind::kInt8:
    case OutValue::Kind::kTimestampTz:
    case OutValue::Kind::kFloat8:
      return length == 8;
  }
  return false;
}

// A text value takes a 1-byte header where heap_fill_tuple would give it one.
bool short_header(const OutValue& value, bool packable) {
  return packable && value.text.size() + VARHDRSZ_SHORT <= VARATT_SHORT_MAX;
}

}  // namespace

size_t SrfWriter::form(std::initializer_list<OutValue> values) {
  if (static_cast<int>(values.size()) != natts_)
    throw PgError(ERRCODE_INTERNAL_ERROR, "result row has " + std::to_string(values.size()) +
                                              " values for " + std::to_string(natts_) + " columns");
  // Sizes first: the header with its null bitmap, then each value at its
  // alignment (none for 1-byte-header varlenas), as heap_compute_data_size.
  bool has_null = false;
  size_t data_length = 0;
  int i = 0;
  for (const OutValue& v : values) {
    const Column& column = columns_[i++];
    if (!fits(v, column.length))
      throw PgError(ERRCODE_INTERNAL_ERROR,
                    "result value of the wrong kind for column " + std::to_string(i));
    if (v.kind == OutValue::Kind::kNull) {
      has_null = true;
    } else if (v.kind == OutValue::Kind::kText) {
      data_length = short_header(v, column.packable)
                        ? data_length + VARHDRSZ_SHORT + v.text.size()
                        : att_align_nominal(data_length, column.align) + VARHDRSZ + v.text.size();
    } else {
      data_length = att_align_nominal(data_length, column.align) + column.length;
    }
  }
  const size_t header = MAXALIGN(SizeofHeapTupleHeader + (has_null ? BITMAPLEN(natts_) : 0));
  const size_t length = header + data_length;
  if (length > MaxAllocSize)
    throw PgError(ERRCODE_PROGRAM_LIMIT_EXCEEDED, "result row is too large");
  if (length > row_.size() * sizeof(uint64_t)) row_.resize((length + 7) / 8);

  char* tuple = reinterpret_cast<char*>(row_.data());
  std::memset(tuple, 0, header);
  auto* td = reinterpret_cast<HeapTupleHeader>(tuple);
  HeapTupleHeaderSetNatts(td, natts_);
  td->t_hoff = static_cast<uint8>(header);
  if (has_null) td->t_infomask |= HEAP_HASNULL;
  // Then the values, zeroing alignment padding as palloc0 did.
  char* data = tuple + header;
  size_t offset = 0;
  auto align_to = [&](char align) {
    const size_t aligned = att_align_nominal(offset, align);
    std::memset(data + offset, 0, aligned - offset);
    offset = aligned;
  };
  i = 0;
  for (const OutValue& v : values) {
    const Column& column = columns_[i];
    if (v.kind != OutValue::Kind::kNull && has_null) td->t_bits[i >> 3] |= 1 << (i & 7);
    ++i;
    switch (v.kind) {
      case OutValue::Kind::kNull:
        break;
      case OutValue::Kind::kText:
        td->t_infomask |= HEAP_HASVARWIDTH;
        if (short_header(v, column.packable)) {
          SET_VARSIZE_SHORT(data + offset, VARHDRSZ_SHORT + v.text.size());
          offset += VARHDRSZ_SHORT;
        } else {
          align_to(column.align);
          SET_VARSIZE(data + offset, VARHDRSZ + v.text.size());
          offset += VARHDRSZ;
        }
        if (!v.text.empty()) std::memcpy(data + offset, v.text.data(), v.text.size());
        offset += v.text.size();
        break;
      case OutValue::Kind::kInt4: {
        align_to(column.align);
        const int32 value = static_cast<int32>(v.integer);
        std::memcpy(data + offset, &value, sizeof value);
        offset += sizeof value;
        break;
      }
      case OutValue::Kind::kInt8:
      case OutValue::Kind::kTimestampTz:
      case OutValue::Kind::kFloat8:
        align_to(column.align);
        std::memcpy(data + offset, &v.integer, sizeof v.integer);
        offset += sizeof v.integer;
        break;
    }
  }
  return length;
}

void SrfWriter::put(std::initializer_list<OutValue> values) {
  if (++rows_since_poll_ == kRowsPerPoll) {
    rows_since_poll_ = 0;
    interrupts()();
  }
  HeapTupleData tuple;
  tuple.t_len = static_cast<uint32>(form(values));
  tuple.t_data = reinterpret_cast<HeapTupleHeader>(row_.data());
  ItemPointerSetInvalid(&tuple.t_self);
  tuple.t_tableOid = InvalidOid;
  // The tuplestore keeps a minimal-tuple copy.
  pg_call([&] { tuplestore_puttuple(rsinfo_->setResult, &tuple); });
}

}  // namespace clv_pg
