// The optional case weight of the model aggregates (fits and
// clv.log_likelihood): one row standing for `weight` identical customers.
#pragma once

#include "common/postgres.hpp"

namespace clv_pg {

// The case weight of a row from argument weight_arg when the aggregate has
// one (1 otherwise, and for skipped rows): a NULL weight skips the row, a
// weight below 1 is an error.
inline int64 row_weight(FunctionCallInfo fcinfo, int weight_arg, bool& has_row) {
  if (PG_NARGS() <= weight_arg) return 1;
  has_row = has_row && !PG_ARGISNULL(weight_arg);
  const int64 weight = has_row ? PG_GETARG_INT64(weight_arg) : 1;
  if (weight < 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("weight must be >= 1, got " INT64_FORMAT, weight)));
  return weight;
}

}  // namespace clv_pg
