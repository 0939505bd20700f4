// Wall-clock time of timestamptz values in the session's TimeZone, as
// microseconds since 2000-01-01 00:00 local: what date_trunc sees.
#pragma once

#include "common/postgres.hpp"

#include <cstdint>

namespace clv_pg {

// Throws std::invalid_argument for infinite timestamps (naming `what`).
int64_t local_microseconds(TimestampTz ts, const char* what);

// Interval length in microseconds, months and years as extract(epoch) counts
// them (30 days, 365.25 days). Throws std::invalid_argument unless positive,
// std::range_error beyond INT64_MAX microseconds.
int64_t interval_microseconds(const Interval* interval, const char* what);

// Length of a purchase period: days and time only (calendar months have no
// fixed length). Throws as interval_microseconds.
int64_t period_microseconds(const Interval* interval, const char* what = "period");

}  // namespace clv_pg
