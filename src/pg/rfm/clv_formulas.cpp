// clv.simple_clv, clv.historical_clv, clv.retention_clv.
#include "common/postgres.hpp"

#include "clv/rfm/clv_formulas.hpp"
#include "common/guard.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_simple_clv);
PG_FUNCTION_INFO_V1(clv_historical_clv);
PG_FUNCTION_INFO_V1(clv_retention_clv);
}

namespace {

template <double (*Formula)(double, double, double)>
Datum three_float8(FunctionCallInfo fcinfo) {
  const double a = PG_GETARG_FLOAT8(0), b = PG_GETARG_FLOAT8(1), c = PG_GETARG_FLOAT8(2);
  PG_RETURN_FLOAT8(clv_pg::guarded([&] { return Formula(a, b, c); }));
}

}  // namespace

extern "C" {
Datum clv_simple_clv(PG_FUNCTION_ARGS) {
  return three_float8<clv::simple_clv>(fcinfo);
}
Datum clv_historical_clv(PG_FUNCTION_ARGS) {
  return three_float8<clv::historical_clv>(fcinfo);
}
Datum clv_retention_clv(PG_FUNCTION_ARGS) {
  return three_float8<clv::retention_clv>(fcinfo);
}
}
