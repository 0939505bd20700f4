// Rows of a materialize-mode set-returning function, written from C++: the
// tuplestore (which spills to disk past work_mem) is filled under pg_call.
// Every few thousand rows the writer releases their scratch memory and polls
// for cancellation, so writing millions of rows stays cheap and stoppable.
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
  // Releases the per-row memory (on success; an error's abort releases it).
  void finish();

 private:
  static constexpr unsigned kRowsPerReset = 4096;
  static constexpr int kMaxColumns = 8;
  ReturnSetInfo* rsinfo_ = nullptr;
  MemoryContext row_context_ = nullptr;
  unsigned rows_since_reset_ = 0;
  // Per column, the last text datum written since the last reset (or 0).
  std::array<Datum, kMaxColumns> last_text_{};
};

}  // namespace clv_pg
