// Helpers of clv.cohort_retention (extension/functions/30_trend.sql), whose SQL
// cuts purchases into date_bin buckets: the period index of a bucket in its
// cohort and the revenue as double precision, both with the errors of the
// other functions (22023 for infinite timestamps and non-finite amounts,
// 22003 with a clear message for what does not fit).
#include "common/postgres.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "clv/common/format.hpp"
#include "common/aggregate.hpp"
#include "common/guard.hpp"
#include "common/local_time.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_cohort_period_index);
PG_FUNCTION_INFO_V1(clv_cohort_revenue);
PG_FUNCTION_INFO_V1(clv_cohort_revenue_numeric);
}

namespace {

double finite_revenue(double revenue) {
  if (!std::isfinite(revenue))
    throw std::invalid_argument("cohort revenue is " + clv::format_number(revenue) +
                                ": every amount must be a finite number");
  return revenue;
}

}  // namespace

extern "C" {

// (bucket timestamp, cohort timestamp, period interval) -> integer: how many
// periods the bucket starts after the cohort's bucket (both on the local
// wall clock, as date_bin cut them).
Datum clv_cohort_period_index(PG_FUNCTION_ARGS) {
  const Timestamp bucket = PG_GETARG_TIMESTAMP(0);
  const Timestamp cohort = PG_GETARG_TIMESTAMP(1);
  const Interval* period = PG_GETARG_INTERVAL_P(2);
  const int32 index = clv_pg::guarded([&]() -> int32 {
    if (TIMESTAMP_NOT_FINITE(bucket) || TIMESTAMP_NOT_FINITE(cohort))
      throw std::invalid_argument("ts must be finite");
    // In 128 bits: finite timestamps lie up to 2^63.03 microseconds apart.
    const __int128 index =
        (static_cast<__int128>(bucket) - cohort) / clv_pg::period_microseconds(period);
    if (index > std::numeric_limits<int32>::max())
      throw clv_pg::PgError(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
                            "cohort period index " + std::to_string(static_cast<int64>(index)) +
                                " does not fit in an integer",
                            "", "Use a longer period.");
    return static_cast<int32>(index);
  });
  PG_RETURN_INT32(index);
}

Datum clv_cohort_revenue(PG_FUNCTION_ARGS) {
  const double revenue = PG_GETARG_FLOAT8(0);
  PG_RETURN_FLOAT8(clv_pg::guarded([&] { return finite_revenue(revenue); }));
}

Datum clv_cohort_revenue_numeric(PG_FUNCTION_ARGS) {
  const double revenue = clv_pg::numeric_to_double(PG_GETARG_DATUM(0), "cohort revenue");
  PG_RETURN_FLOAT8(clv_pg::guarded([&] { return finite_revenue(revenue); }));
}

}  // extern "C"
