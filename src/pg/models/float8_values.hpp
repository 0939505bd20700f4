// float8[] arguments and fields (covariates, covariate coefficients) read in
// C frames into palloc'd memory, before any C++ work.
#pragma once

#include "common/postgres.hpp"

namespace clv_pg {

struct Float8Values {
  const double* values;
  int count;
};

// The elements of a one-dimensional float8[] without NULLs (an empty array
// gives count 0); raises 22023 for more dimensions and 22004 for a NULL
// element, naming `what`.
inline Float8Values float8_values(Datum datum, const char* what) {
  ArrayType* array = DatumGetArrayTypeP(datum);
  if (ARR_NDIM(array) == 0) return {nullptr, 0};
  if (ARR_NDIM(array) != 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s must be a one-dimensional array", what)));
  if (ARR_ELEMTYPE(array) != FLOAT8OID) elog(ERROR, "%s is not a double precision array", what);
  if (ARR_HASNULL(array))
    ereport(ERROR,
            (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not contain NULL", what)));
  return {reinterpret_cast<const double*>(ARR_DATA_PTR(array)), ARR_DIMS(array)[0]};
}

}  // namespace clv_pg
