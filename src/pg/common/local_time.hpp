// Wall-clock time of timestamptz values in the session's TimeZone or a given
// time zone, as microseconds since 2000-01-01 00:00 local: what date_trunc
// sees.
#pragma once

#include "common/postgres.hpp"

#include <cstdint>

namespace clv_pg {

// In `zone`, or in the session's TimeZone for nullptr. Throws
// std::invalid_argument for infinite timestamps (naming `what`).
int64_t local_microseconds(TimestampTz ts, const char* what, const pg_tz* zone = nullptr);

// The zone named by `length` bytes at `name` (a name PostgreSQL's TimeZone
// setting accepts, not a numeric offset). ERROR 22023 for an unknown zone. A
// C frame.
const pg_tz* find_time_zone(const char* name, int length);

// The time zone of clv.time_zone argument `arg` (stored as text); the last
// one is cached. ERROR 22023 for NULL or an unknown zone. A C frame.
const pg_tz* time_zone_arg(FunctionCallInfo fcinfo, int arg);
// The zone time_zone_arg last returned, nullptr before: no PostgreSQL call,
// so safe inside guarded().
const pg_tz* cached_time_zone();

// Interval length in microseconds, months and years as extract(epoch) counts
// them (30 days, 365.25 days). Throws std::invalid_argument unless positive,
// std::range_error beyond INT64_MAX microseconds.
int64_t interval_microseconds(const Interval* interval, const char* what);

// Length of a purchase period: days and time only (calendar months have no
// fixed length). Throws as interval_microseconds.
int64_t period_microseconds(const Interval* interval, const char* what = "period");

}  // namespace clv_pg
