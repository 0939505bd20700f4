-- clv.lateness_agg: (as_of - start of the last purchase day) / median gap
-- between the distinct purchase days, on hand-built customers (UTC).
SET TimeZone = 'UTC';
CREATE TABLE late_tx (customer text, ts timestamptz, as_of timestamptz);
INSERT INTO late_tx VALUES
  -- gaps 10, 10, 10; 20 days since Jan 31: 2
  ('steady', '2024-01-01 10:00', '2024-02-20'), ('steady', '2024-01-11 10:00', '2024-02-20'),
  ('steady', '2024-01-21 10:00', '2024-02-20'), ('steady', '2024-01-31 10:00', '2024-02-20'),
  -- gaps 5, 5, 90, 5: median 5; 7 days since Apr 15: 1.4 (the mean gap, 26.25, would say 0.27)
  ('pause', '2024-01-01 08:00', '2024-04-22'), ('pause', '2024-01-06 08:00', '2024-04-22'),
  ('pause', '2024-01-11 08:00', '2024-04-22'), ('pause', '2024-04-10 08:00', '2024-04-22'),
  ('pause', '2024-04-15 08:00', '2024-04-22'),
  -- gaps 2, 6: median 4; 4 days since Jan 9: 1
  ('even', '2024-01-01 12:00', '2024-01-13'), ('even', '2024-01-03 12:00', '2024-01-13'),
  ('even', '2024-01-09 12:00', '2024-01-13'),
  -- two purchases on Jan 1 are one purchase day: gap 10; 10 days since Jan 11: 1
  ('same_day', '2024-01-01 09:00', '2024-01-21'), ('same_day', '2024-01-01 18:00', '2024-01-21'),
  ('same_day', '2024-01-11 12:00', '2024-01-21'),
  -- one purchase day: NULL
  ('single', '2024-01-05 09:00', '2024-02-01'), ('single', '2024-01-05 17:00', '2024-02-01'),
  -- the purchase after as_of and the NULL timestamp are ignored: gap 10; 5.5 days since Jan 11: 0.55
  ('future', '2024-01-01 23:00', '2024-01-16 12:00'), ('future', '2024-01-11 01:00', '2024-01-16 12:00'),
  ('future', '2024-03-01 00:00', '2024-01-16 12:00'), ('future', NULL, '2024-01-16 12:00');
SELECT customer, clv.lateness_agg(ts, as_of) AS lateness
FROM late_tx GROUP BY customer ORDER BY customer;
-- Empty group: NULL.
SELECT clv.lateness_agg(ts, as_of) IS NULL AS empty_is_null FROM late_tx WHERE false;

-- Units: weeks start on Saturdays counted from 2000-01-01 (2024-01-06 is
-- one). Purchases Tue Jan 9 (week w) and Wed Jan 24 (week w + 2); as_of
-- Fri Feb 2 12:00 = week w + 3 + 6.5/7: weekly (1 + 6.5/7) / 2 = 0.964286;
-- daily 9.5 / 15 = 0.633333; hourly 216 / 360 = 0.6 (both purchases at 12:00).
SELECT round(clv.lateness_agg(ts, '2024-02-02 12:00', '7 days')::numeric, 6) AS weekly,
       round(clv.lateness_agg(ts, '2024-02-02 12:00', '1 day')::numeric, 6) AS daily,
       round(clv.lateness_agg(ts, '2024-02-02 12:00')::numeric, 6) AS default_daily,
       round(clv.lateness_agg(ts, '2024-02-02 12:00', '1 hour')::numeric, 6) AS hourly
FROM (VALUES ('2024-01-09 12:00'::timestamptz), ('2024-01-24 12:00')) v(ts);

-- As a running window aggregate (the final function leaves the state alone):
-- NULL, 40 / 10, 30 / 10, 20 / 10.
SELECT ts, clv.lateness_agg(ts, as_of) OVER (ORDER BY ts) AS running
FROM late_tx WHERE customer = 'steady' ORDER BY ts;

-- Bad input
SELECT sqlstate_of($$ SELECT clv.lateness_agg(ts, NULL) FROM late_tx $$);
SELECT sqlstate_of($$ SELECT clv.lateness_agg(ts, as_of, NULL) FROM late_tx $$);
SELECT sqlstate_of($$ SELECT clv.lateness_agg(ts, as_of, '0 days') FROM late_tx $$);
SELECT sqlstate_of($$ SELECT clv.lateness_agg(ts, as_of, '1 month') FROM late_tx $$);
SELECT sqlstate_of($$ SELECT clv.lateness_agg('-infinity', now()) $$);
SELECT sqlstate_of($$ SELECT clv.lateness_agg(ts, 'infinity'::timestamptz) FROM late_tx $$);
SELECT sqlstate_of($$ SELECT clv.lateness_agg(ts, as_of) FROM late_tx WHERE customer IN ('steady', 'even') $$);
DROP TABLE late_tx;
RESET TimeZone;

-- CDNOW, by days: every customer equals a plain-SQL computation (distinct
-- local purchase days, gaps by lag, percentile_cont(0.5) as the median).
CREATE TABLE late_serial AS
SELECT customer_id, clv.lateness_agg(ts, '1998-06-30') AS lateness FROM cdnow GROUP BY customer_id;
WITH d AS (
  SELECT DISTINCT customer_id,
         floor(extract(epoch FROM (ts AT TIME ZONE current_setting('TimeZone')) - timestamp '2000-01-01') / 86400) AS day
  FROM cdnow
), g AS (
  SELECT customer_id, day, day - lag(day) OVER (PARTITION BY customer_id ORDER BY day) AS gap FROM d
), reference AS (
  SELECT customer_id,
         (extract(epoch FROM ('1998-06-30'::timestamptz AT TIME ZONE current_setting('TimeZone')) - timestamp '2000-01-01') / 86400
          - max(day)) / percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS lateness
  FROM g GROUP BY customer_id
)
SELECT count(*) AS customers, count(s.lateness) AS with_lateness,
       count(*) FILTER (WHERE (s.lateness IS NULL) IS DISTINCT FROM (r.lateness IS NULL)
                           OR abs(s.lateness - r.lateness) > 1e-9) AS differing
FROM late_serial s FULL JOIN reference r USING (customer_id);

-- Forced parallel equals serial, per customer and over the whole table (one
-- state with every purchase day, serialized by each worker).
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT clv.lateness_agg(ts, '1998-06-30') FROM cdnow;
EXPLAIN (COSTS OFF)
SELECT customer_id, clv.lateness_agg(ts, '1998-06-30') FROM cdnow GROUP BY customer_id;
CREATE TABLE late_parallel AS
SELECT customer_id, clv.lateness_agg(ts, '1998-06-30') AS lateness FROM cdnow GROUP BY customer_id;
CREATE TABLE late_total_parallel AS SELECT clv.lateness_agg(ts, '1998-06-30', '7 days') AS lateness FROM cdnow;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
SELECT count(*) AS customers, count(*) FILTER (WHERE s.lateness IS DISTINCT FROM p.lateness) AS differing
FROM late_serial s FULL JOIN late_parallel p USING (customer_id);
SELECT p.lateness = s.lateness AS total_parallel_equals_serial
FROM late_total_parallel p, (SELECT clv.lateness_agg(ts, '1998-06-30', '7 days') AS lateness FROM cdnow) s;
DROP TABLE late_serial, late_parallel, late_total_parallel;
