// Rows of a materialize-mode set-returning function, written from C++: the
// tuplestore (which spills to disk past work_mem) is filled under pg_call.
// Text values are built in one reusable buffer per column (no allocation per
// row), and every few thousand rows the writer polls for cancellation, so
// writing millions of rows stays cheap and stoppable.
#pragma once

#include "postgres.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace clv_pg {

struct OutValue {
  enum class Kind { kNull, kText, kInt4, kInt8, kTimestampTz } kind = Kind::kNull;
  std::string_view text;
  int64_t integer = 0;

  static OutValue null() { return {}; }
  static OutValue of_text(std::string_view v) { return {Kind::kText, v, 0}; }
  static OutValue of_int4(int32_t v) { return {Kind::kInt4, {}, v}; }
  static OutValue of_int8(int64_t v) { return {Kind::kInt8, {}, v}; }
  static OutValue of_timestamptz(int64_t v) { return {Kind::kTimestampTz, {}, v}; }
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
  // Releases the text buffers (on success; an error's abort releases them).
  void finish();

 private:
  static constexpr unsigned kRowsPerPoll = 4096;
  static constexpr int kMaxColumns = 8;
  // A column's text buffer: the varlena of its last text value.
  struct TextBuffer {
    char* data = nullptr;  // in buffer_context_
    size_t capacity = 0;
    size_t size = 0;  // bytes of the value (0 with data == nullptr: none yet)
  };
  // The datum of `value` in column `column`'s buffer, rebuilt only when it
  // differs from the column's previous text (e.g. a cluster key repeated over
  // its members). Runs under pg_call.
  Datum text_datum(int column, std::string_view value);

  ReturnSetInfo* rsinfo_ = nullptr;
  MemoryContext buffer_context_ = nullptr;
  unsigned rows_since_poll_ = 0;
  std::array<TextBuffer, kMaxColumns> text_{};
};

}  // namespace clv_pg
