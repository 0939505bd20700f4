// Building composite results (clv.rfm, ...) from C frames.
#pragma once

#include "postgres.hpp"

#include <optional>
#include <string_view>

#include "clv/rfm.hpp"

namespace clv_pg {

// Fills the fields of the function's composite result type in order. The
// blessed tuple descriptor is cached in fn_extra, so a final function called
// once per group looks the type up once.
class CompositeBuilder {
 public:
  CompositeBuilder(FunctionCallInfo fcinfo, int natts);

  void add_int32(int32 v) { put(Int32GetDatum(v)); }
  void add_int64(int64 v) { put(Int64GetDatum(v)); }
  void add_float8(double v) { put(Float8GetDatum(v)); }
  void add_float8(const std::optional<double>& v) {
    if (v) {
      put(Float8GetDatum(*v));
    } else {
      put_null();
    }
  }
  void add_bool(bool v) { put(BoolGetDatum(v)); }
  void add_timestamptz(TimestampTz v) { put(TimestampTzGetDatum(v)); }
  void add_text(std::string_view v) {
    put(PointerGetDatum(cstring_to_text_with_len(v.data(), static_cast<int>(v.size()))));
  }
  void add_null() { put_null(); }

  Datum datum();

 private:
  static constexpr int kMaxFields = 32;
  void put(Datum d);
  void put_null();

  TupleDesc desc_;
  int count_ = 0;
  Datum values_[kMaxFields];
  bool nulls_[kMaxFields];
};

void add_rfm_fields(CompositeBuilder& row, const clv::RfmResult& r);

}  // namespace clv_pg
