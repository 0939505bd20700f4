-- Explicit time zones: the forms of rfm_agg, rfm_holdout_agg, trend_agg,
-- lateness_agg and cohort_retention with a time_zone argument cut periods on
-- that zone's wall clock, so they give the same result whatever the session's
-- TimeZone (as a shard or a parallel worker may have another), while the
-- forms without it follow the session.
\set VERBOSITY terse

-- Hourly-spread purchases of 50 customers over two years.
CREATE TABLE tz_tx AS
SELECT g % 50 AS customer_id,
       timestamptz '2024-01-01 00:00+00' + (g * 7919 % 100000) * interval '7 minutes' AS ts,
       (g % 17) + 0.25 AS amount
FROM generate_series(1, 5000) g;

-- Rows of `query` that differ when it runs under TimeZone UTC and under
-- America/Los_Angeles (compared as values, not as text in either zone).
CREATE FUNCTION rows_differing_by_session_zone(query text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  SET LOCAL TimeZone = 'UTC';
  EXECUTE 'CREATE TEMP TABLE in_utc AS ' || query;
  SET LOCAL TimeZone = 'America/Los_Angeles';
  EXECUTE 'CREATE TEMP TABLE in_la AS ' || query;
  SELECT count(*) INTO n FROM ((TABLE in_utc EXCEPT ALL TABLE in_la) UNION ALL (TABLE in_la EXCEPT ALL TABLE in_utc)) d;
  DROP TABLE in_utc, in_la;
  RETURN n;
END $$;

SELECT name, rows_differing_by_session_zone(format(query, ', ''Asia/Tokyo''')) AS with_time_zone,
       rows_differing_by_session_zone(format(query, '')) AS with_session_zone
FROM (VALUES
  ('rfm_agg', $$SELECT customer_id, (clv.rfm_agg(ts, amount, '2026-01-01 00:00+00', '1 day', '1 day'%s)).* FROM tz_tx GROUP BY 1$$),
  ('rfm_agg float8', $$SELECT customer_id, (clv.rfm_agg(ts, amount::float8, '2026-01-01 00:00+00', '7 days', '1 day'%s)).* FROM tz_tx GROUP BY 1$$),
  ('rfm_holdout_agg', $$SELECT customer_id, (clv.rfm_holdout_agg(ts, amount, '2025-01-01 00:00+00', '2026-01-01 00:00+00', '1 day', '1 day'%s)).* FROM tz_tx GROUP BY 1$$),
  ('trend_agg', $$SELECT customer_id, (clv.trend_agg(ts, amount, '2026-01-01 00:00+00', '1 day'%s)).* FROM tz_tx GROUP BY 1$$),
  ('trend_agg thresholds', $$SELECT customer_id, (clv.trend_agg(ts, amount::float8, '2026-01-01 00:00+00', '1 day', 3, 6, 0.05, 0.05%s)).* FROM tz_tx GROUP BY 1$$),
  ('lateness_agg', $$SELECT customer_id, clv.lateness_agg(ts, '2026-01-01 00:00+00', '1 day'%s) FROM tz_tx GROUP BY 1$$),
  ('cohort_retention', $$SELECT * FROM clv.cohort_retention('SELECT customer_id, ts, amount FROM tz_tx', '1 day'%s)$$)) v(name, query)
ORDER BY 1;

-- With the session in the given zone, both forms agree.
BEGIN;
SET LOCAL TimeZone = 'Asia/Tokyo';
SELECT count(*) AS customers,
       count(*) FILTER (WHERE a IS DISTINCT FROM b) AS rfm_differ,
       count(*) FILTER (WHERE c IS DISTINCT FROM d) AS lateness_differ
FROM (SELECT customer_id,
             clv.rfm_agg(ts, amount, '2026-01-01 00:00+00', '1 day', '1 day') AS a,
             clv.rfm_agg(ts, amount, '2026-01-01 00:00+00', '1 day', '1 day', 'Asia/Tokyo') AS b,
             clv.lateness_agg(ts, '2026-01-01 00:00+00', '1 day') AS c,
             clv.lateness_agg(ts, '2026-01-01 00:00+00', '1 day', 'Asia/Tokyo') AS d
      FROM tz_tx GROUP BY 1) s;
SELECT count(*) AS cohort_rows FROM (
  (SELECT * FROM clv.cohort_retention('SELECT customer_id, ts, amount FROM tz_tx', '1 day')
   EXCEPT ALL SELECT * FROM clv.cohort_retention('SELECT customer_id, ts, amount FROM tz_tx', '1 day', 'Asia/Tokyo'))) d;
COMMIT;

-- The zone is part of the state's settings: states of different zones do
-- not merge, and the two-stage forms take the zone too.
SELECT sqlstate_of($$SELECT clv.rfm_agg_merge(s) FROM (
  SELECT clv.rfm_agg_state(ts, amount, '2026-01-01 00:00+00', '1 day', '1 day', 'Asia/Tokyo') FROM tz_tx
  UNION ALL SELECT clv.rfm_agg_state(ts, amount, '2026-01-01 00:00+00', '1 day', '1 day', 'Europe/Berlin') FROM tz_tx) x(s)$$);
SELECT count(*) FILTER (WHERE a IS DISTINCT FROM b) AS differ
FROM (SELECT customer_id, clv.trend_agg(ts, amount, '2026-01-01 00:00+00', '1 day', 'Asia/Tokyo')::text AS a FROM tz_tx GROUP BY 1) one
JOIN (SELECT customer_id, clv.trend_agg_merge(s)::text AS b
      FROM (SELECT customer_id, ts::date, clv.trend_agg_state(ts, amount, '2026-01-01 00:00+00', '1 day', 'Asia/Tokyo') s
            FROM tz_tx GROUP BY 1, 2) p GROUP BY 1) two USING (customer_id);

-- Bad zones: unknown, numeric offsets (POSIX signs are the opposite of
-- ISO 8601's), NULL, too long, one that changes between rows.
SELECT sqlstate_of(format($$SELECT clv.rfm_agg(ts, amount, now(), '1 day', '1 day', %L) FROM tz_tx$$, z))
FROM (VALUES ('Mars/Olympus_Mons'), ('+02'), ('-03:00'), ('5'), (''), (repeat('x', 300)), (NULL)) v(z);
SELECT sqlstate_of($$SELECT clv.rfm_agg(ts, amount, now(), '1 day', '1 day', CASE WHEN customer_id = 3 THEN 'UTC' ELSE 'Asia/Tokyo' END) FROM tz_tx$$);
SELECT sqlstate_of($$SELECT clv.lateness_agg(ts, now(), '1 day', CASE WHEN customer_id = 3 THEN 'UTC' ELSE 'Asia/Tokyo' END) FROM tz_tx$$);
SELECT sqlstate_of($$SELECT clv.trend_agg(ts, amount, now(), '1 day', CASE WHEN customer_id = 3 THEN 'UTC' ELSE 'Asia/Tokyo' END) FROM tz_tx$$);
SELECT sqlstate_of($$SELECT clv.lateness_agg(ts, now(), '1 day', 'Etc/GMT-2') FROM tz_tx$$);
SELECT sqlstate_of(format($$SELECT * FROM clv.cohort_retention('SELECT customer_id, ts, amount FROM tz_tx', '1 day', %L)$$, z))
FROM (VALUES ('Mars/Olympus_Mons'), ('+02'), (NULL)) v(z);

-- An ordinary role with no grants uses the forms on its own rows.
CREATE ROLE regress_tz_nobody;
SET ROLE regress_tz_nobody;
SELECT clv.rfm_agg(ts, 1::float8, '2024-06-01 00:00+00', '1 day', '1 day', 'Pacific/Auckland') AS auckland,
       clv.rfm_agg(ts, 1::float8, '2024-06-01 00:00+00', '1 day', '1 day', 'America/New_York') AS new_york
FROM (VALUES (timestamptz '2024-01-01 10:30+00'), ('2024-01-01 13:30+00'), ('2024-03-01 12:00+00')) v(ts);
RESET ROLE;
DROP ROLE regress_tz_nobody;

DROP TABLE tz_tx;
DROP FUNCTION rows_differing_by_session_zone(text);
