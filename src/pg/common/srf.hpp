// Rows of a materialize-mode set-returning function, written from C++: the
// tuplestore (which spills to disk past work_mem) is filled under pg_call.
// Each row is laid out as a heap tuple in one reusable buffer, straight from
// the values (heap_form_minimal_tuple's general path, with its palloc0 and
// per-attribute checks, took more than a third of the time of writing the
// 800,000 rows of an identity resolution), and the tuplestore copies it. Every
// few thousand rows the writer polls for cancellation, so writing millions of
// rows stays cheap and stoppable.
#pragma once

#include "common/postgres.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace clv_pg {

struct OutValue {
  enum class Kind { kNull, kText, kInt4, kInt8, kTimestampTz, kFloat8 } kind = Kind::kNull;
  std::string_view text;
  int64_t integer = 0;  // also the bits of a float8

  static OutValue null() { return {}; }
  static OutValue of_text(std::string_view v) { return {Kind::kText, v, 0}; }
  static OutValue of_int4(int32_t v) { return {Kind::kInt4, {}, v}; }
  static OutValue of_int8(int64_t v) { return {Kind::kInt8, {}, v}; }
  static OutValue of_timestamptz(int64_t v) { return {Kind::kTimestampTz, {}, v}; }
  static OutValue of_float8(double v) {
    OutValue out{Kind::kFloat8, {}, 0};
    std::memcpy(&out.integer, &v, sizeof v);
    return out;
  }
};

class SrfWriter {
 public:
  // Call from the C++ driver under guarded(), before connecting to SPI.
  explicit SrfWriter(FunctionCallInfo fcinfo);
  SrfWriter(const SrfWriter&) = delete;
  SrfWriter& operator=(const SrfWriter&) = delete;

  // Appends one row; the values must match the declared result columns.
  // Throws clv::Cancelled when the query is cancelled.
  void put(std::initializer_list<OutValue> values);

 private:
  static constexpr unsigned kRowsPerPoll = 4096;
  static constexpr int kMaxColumns = 8;
  // What laying out a column's value needs from its attribute.
  struct Column {
    int16 length;   // attlen: -1 for varlena
    char align;     // attalign
    bool packable;  // a varlena that may take a 1-byte header
  };
  // Lays the row out in row_ as heap_form_tuple would and returns its length.
  size_t form(std::initializer_list<OutValue> values);

  ReturnSetInfo* rsinfo_ = nullptr;
  int natts_ = 0;
  std::array<Column, kMaxColumns> columns_{};
  std::vector<uint64_t> row_;  // the current row's heap tuple, MAXALIGNed
  unsigned rows_since_poll_ = 0;
};

}  // namespace clv_pg
