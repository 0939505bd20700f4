// Building composite results (clv.rfm, ...) from C frames.
#pragma once

#include "common/postgres.hpp"

#include <optional>
#include <string_view>
#include <vector>

#include "clv/rfm/rfm.hpp"

namespace clv_pg {

// Fills the fields of the function's composite result type in order. The
// blessed tuple descriptor is cached in fn_extra, so a final function called
// once per group looks the type up once.
class CompositeBuilder {
 public:
  CompositeBuilder(FunctionCallInfo fcinfo, int natts);
  // A result type that may lack trailing fields added by a later version
  // (the library runs under the SQL of the previous one until ALTER
  // EXTENSION UPDATE): it has between min_natts and natts attributes, and
  // complete() tells when the ones it has are filled.
  CompositeBuilder(FunctionCallInfo fcinfo, int natts, int min_natts);
  bool complete() const { return count_ == desc_->natts; }

  // Each field is checked against the type's attribute before it is stored:
  // a type altered by ALTER TYPE is an ERROR (42804), not a tuple built
  // from datums of other types.
  void add_int32(int32 v) { put(Int32GetDatum(v), INT4OID); }
  void add_int64(int64 v) { put(Int64GetDatum(v), INT8OID); }
  void add_float8(double v) { put(Float8GetDatum(v), FLOAT8OID); }
  void add_float8(const std::optional<double>& v) {
    if (v) {
      put(Float8GetDatum(*v), FLOAT8OID);
    } else {
      put_null(FLOAT8OID);
    }
  }
  void add_bool(bool v) { put(BoolGetDatum(v), BOOLOID); }
  void add_timestamptz(TimestampTz v) { put(TimestampTzGetDatum(v), TIMESTAMPTZOID); }
  void add_text(std::string_view v) {
    check_next(TEXTOID);
    put(PointerGetDatum(cstring_to_text_with_len(v.data(), static_cast<int>(v.size()))), TEXTOID);
  }
  void add_null(Oid type) { put_null(type); }
  // A k x k float8[] from row-major values, or an empty array when values is
  // empty (not NULL: `row IS NOT NULL` is false once any field is NULL).
  void add_float8_matrix(const std::vector<double>& values, int k);
  // A one-dimensional float8[] (empty when values is).
  void add_float8_array(const std::vector<double>& values);

  Datum datum();

 private:
  static constexpr int kMaxFields = 32;
  void check_next(Oid type) {
    if (unlikely(count_ >= desc_->natts || TupleDescAttr(desc_, count_)->atttypid != type ||
                 TupleDescAttr(desc_, count_)->attisdropped))
      mismatch(type);
  }
  [[noreturn]] void mismatch(Oid type) const;
  void put(Datum d, Oid type);
  void put_null(Oid type);

  TupleDesc desc_;
  int count_ = 0;
  Datum values_[kMaxFields];
  bool nulls_[kMaxFields];
};

void add_rfm_fields(CompositeBuilder& row, const clv::RfmResult& r);

}  // namespace clv_pg
