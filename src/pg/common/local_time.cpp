#include "common/local_time.hpp"

#include <stdexcept>
#include <string>

namespace clv_pg {

namespace {

// UTC offsets change only at DST transitions, so a handful of windows with a
// constant offset answers almost every row without pg_localtime's
// calendar arithmetic (the aggregates call this once per transaction).
struct OffsetWindow {
  pg_time_t from;  // inclusive, seconds since the Unix epoch
  pg_time_t to;    // exclusive
  long gmtoff;     // local = UTC + gmtoff seconds
};

constexpr int kMaxWindows = 32;
// Six months back is shorter than any DST period, so a probe from there meets
// at most one transition before t in the common case.
constexpr pg_time_t kProbeBack = 183 * SECS_PER_DAY;

struct OffsetCache {
  const pg_tz* tz = nullptr;
  int count = 0;
  int last_hit = 0;
  OffsetWindow windows[kMaxWindows];
};

OffsetCache offset_cache;

OffsetWindow find_window(pg_time_t t, const pg_tz* tz) {
  pg_time_t probe = t - kProbeBack;
  for (int guard = 0; guard < 1000; ++guard) {
    long before_gmtoff, after_gmtoff;
    int before_isdst, after_isdst;
    pg_time_t boundary;
    int found = pg_next_dst_boundary(&probe, &before_gmtoff, &before_isdst, &boundary,
                                     &after_gmtoff, &after_isdst, tz);
    if (found < 0) throw std::runtime_error("cannot load the time zone");
    if (found == 0) return OffsetWindow{probe, INT64_MAX, before_gmtoff};
    if (boundary > t) return OffsetWindow{probe, boundary, before_gmtoff};
    probe = boundary;
  }
  throw std::runtime_error("too many time zone transitions");
}

long utc_offset_seconds(pg_time_t t, const pg_tz* zone) {
  OffsetCache& c = offset_cache;
  if (c.tz != zone) {
    c.tz = zone;
    c.count = 0;
    c.last_hit = 0;
  }
  if (c.count > 0) {
    const OffsetWindow& w = c.windows[c.last_hit];
    if (t >= w.from && t < w.to) return w.gmtoff;
    for (int i = 0; i < c.count; ++i) {
      if (t >= c.windows[i].from && t < c.windows[i].to) {
        c.last_hit = i;
        return c.windows[i].gmtoff;
      }
    }
  }
  OffsetWindow w = find_window(t, zone);
  if (c.count == kMaxWindows) c.count = 0;
  c.windows[c.count] = w;
  c.last_hit = c.count++;
  return w.gmtoff;
}

// The last time zone argument, so that rows repeating it cost a comparison.
// (pg_tzset's zones live as long as the backend.)
struct ZoneCache {
  const pg_tz* zone = nullptr;
  int length = -1;
  char name[TZ_STRLEN_MAX + 1];
};

ZoneCache zone_cache;

}  // namespace

// The zone of `length` bytes at `name`; ERROR 22023 unless PostgreSQL knows
// it. A leading sign or digit would be read as a POSIX offset, whose sign is
// the opposite of ISO 8601's: refused rather than guessed. A C frame.
const pg_tz* find_time_zone(const char* name, int length) {
  char* cname = pnstrdup(name, length);
  const bool offset = length > 0 && (name[0] == '+' || name[0] == '-' ||
                                     isdigit(static_cast<unsigned char>(name[0])));
  const pg_tz* zone = offset || length > TZ_STRLEN_MAX ? nullptr : pg_tzset(cname);
  if (zone == nullptr)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("time zone \"%s\" not recognized", cname),
                    errhint("Use a name from pg_timezone_names, such as 'Europe/Berlin', 'UTC' "
                            "or 'Etc/GMT-2' (two hours east of UTC).")));
  pfree(cname);
  return zone;
}

const pg_tz* time_zone_arg(FunctionCallInfo fcinfo, int arg) {
  if (PG_ARGISNULL(arg))
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("time_zone must not be NULL")));
  const text* value = PG_GETARG_TEXT_PP(arg);
  const char* name = VARDATA_ANY(value);
  const int length = VARSIZE_ANY_EXHDR(value);
  ZoneCache& cache = zone_cache;
  if (cache.length == length && memcmp(cache.name, name, length) == 0) return cache.zone;
  const pg_tz* zone = find_time_zone(name, length);  // at most TZ_STRLEN_MAX bytes
  cache.zone = zone;
  cache.length = length;
  memcpy(cache.name, name, length);
  return zone;
}

const pg_tz* cached_time_zone() {
  return zone_cache.zone;
}

int64_t local_microseconds(TimestampTz ts, const char* what, const pg_tz* zone) {
  if (TIMESTAMP_NOT_FINITE(ts)) throw std::invalid_argument(std::string(what) + " must be finite");
  // Seconds since the Unix epoch, rounded down for times before it.
  int64_t secs = ts / USECS_PER_SEC - (ts % USECS_PER_SEC < 0 ? 1 : 0);
  pg_time_t unix_secs = secs + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
  return ts + static_cast<int64_t>(utc_offset_seconds(unix_secs, zone ? zone : session_timezone)) *
                  USECS_PER_SEC;
}

int64_t interval_microseconds(const Interval* interval, const char* what) {
  const int64_t years = interval->month / MONTHS_PER_YEAR;
  const int64_t months = interval->month % MONTHS_PER_YEAR;
  // 365.25 days a year, 30 days a month, as extract(epoch from interval).
  const __int128 us = static_cast<__int128>(years) * (36525 * USECS_PER_DAY / 100) +
                      static_cast<__int128>(months) * DAYS_PER_MONTH * USECS_PER_DAY +
                      static_cast<__int128>(interval->day) * USECS_PER_DAY + interval->time;
  if (us <= 0) throw std::invalid_argument(std::string(what) + " must be a positive interval");
  if (us > INT64_MAX)
    throw std::range_error(std::string(what) +
                           " is out of range: at most 292471 years in microseconds");
  return static_cast<int64_t>(us);
}

int64_t period_microseconds(const Interval* interval, const char* what) {
  if (interval->month != 0)
    throw std::invalid_argument(
        std::string(what) + " must be given in days, hours or smaller units, not months or years");
  return interval_microseconds(interval, what);
}

}  // namespace clv_pg

// clv.time_zone: a zone name, stored as text, checked on the way in.
extern "C" {
PG_FUNCTION_INFO_V1(clv_time_zone_in);
PG_FUNCTION_INFO_V1(clv_time_zone_out);
PG_FUNCTION_INFO_V1(clv_time_zone_recv);
PG_FUNCTION_INFO_V1(clv_time_zone_send);

Datum clv_time_zone_in(PG_FUNCTION_ARGS) {
  const char* name = PG_GETARG_CSTRING(0);
  clv_pg::find_time_zone(name, static_cast<int>(strlen(name)));
  PG_RETURN_TEXT_P(cstring_to_text(name));
}

Datum clv_time_zone_out(PG_FUNCTION_ARGS) {
  PG_RETURN_CSTRING(text_to_cstring(PG_GETARG_TEXT_PP(0)));
}

Datum clv_time_zone_recv(PG_FUNCTION_ARGS) {
  StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
  int length;
  char* name = pq_getmsgtext(buf, buf->len - buf->cursor, &length);
  clv_pg::find_time_zone(name, length);
  PG_RETURN_TEXT_P(cstring_to_text_with_len(name, length));
}

Datum clv_time_zone_send(PG_FUNCTION_ARGS) {
  const text* value = PG_GETARG_TEXT_PP(0);
  StringInfoData buf;
  pq_begintypsend(&buf);
  pq_sendtext(&buf, VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
  PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
}
