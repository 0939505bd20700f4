-- clv.cohort_retention on a hand-built set, by weeks (UTC; weeks start on
-- Saturdays counted from 2000-01-01, and 2024-01-06 is a Saturday):
--   a, b: cohort week of 2024-01-06; a buys in weeks 0, 1, 3; b only in week 0
--   c:    cohort week of 2024-01-13; buys in weeks 0 and 2 of its cohort
--   d:    only a NULL timestamp (skipped)
SET TimeZone = 'UTC';
CREATE TABLE cohort_tx (customer text, ts timestamptz, amount numeric);
INSERT INTO cohort_tx VALUES
  ('a', '2024-01-06 10:00', 10), ('a', '2024-01-14 10:00', 20), ('a', '2024-01-27 10:00', 30),
  ('b', '2024-01-07 10:00', 5),
  ('c', '2024-01-13 09:00', 7), ('c', '2024-01-27 09:00', 8),
  ('d', NULL, 100);
-- Expected: cohort Jan 6: size 2; active 2, 1, 1, 1 (a's last purchase in
-- week 3); retention 1, 0.5, 0.5, 0.5; churn NULL, 0.5, 0, 0; revenue 15, 20,
-- 0, 30. Cohort Jan 13: size 1; active 1, 1, 1 (up to the last week in the
-- data, Jan 27); churn NULL, 0, 0; revenue 7, 0, 8.
SELECT * FROM clv.cohort_retention('SELECT customer, ts, amount FROM cohort_tx', '7 days');
-- It feeds the contractual retention model directly: survivors 2, 1, 1, 1.
SELECT (clv.sbg_fit(period_index, active)).n_customers
FROM clv.cohort_retention('SELECT customer, ts, amount FROM cohort_tx', '7 days')
WHERE cohort_start = '2024-01-06';

-- Bucketing follows the session TimeZone: at UTC-5 (no DST in January) the
-- purchases stay in the same local weeks (a on Jan 6 05:00, b on Jan 7 05:00,
-- c on Jan 13 04:00) and cohort starts are local midnights (05:00 UTC) ...
SET TimeZone = 'America/New_York';
SELECT cohort_start, cohort_start AT TIME ZONE 'UTC' AS utc, period_index, customers, active, revenue
FROM clv.cohort_retention('SELECT customer, ts, amount FROM cohort_tx', '7 days')
WHERE period_index = 0;
-- ... while a purchase at 2024-01-13 03:00 UTC is Friday Jan 12 22:00 there,
-- in the week of Jan 6, but in the week of Jan 13 at UTC.
SELECT cohort_start FROM clv.cohort_retention($$SELECT 'x', timestamptz '2024-01-13 03:00+00', 1$$, '7 days');
SET TimeZone = 'UTC';
SELECT cohort_start FROM clv.cohort_retention($$SELECT 'x', timestamptz '2024-01-13 03:00+00', 1$$, '7 days');

-- The user's query resolves its names with the caller's search_path, while
-- the function's own SQL is immune to a hostile one: here "=" on timestamps
-- and integers, and count(*), are shadowed in a schema searched before
-- pg_catalog, and the result is the same.
CREATE SCHEMA trend_hostile;
CREATE TABLE trend_hostile.tx AS SELECT * FROM cohort_tx;
CREATE FUNCTION trend_hostile.never(timestamp, timestamp) RETURNS boolean LANGUAGE sql AS 'SELECT false';
CREATE OPERATOR trend_hostile.= (LEFTARG = timestamp, RIGHTARG = timestamp, FUNCTION = trend_hostile.never);
CREATE FUNCTION trend_hostile.never(integer, integer) RETURNS boolean LANGUAGE sql AS 'SELECT false';
CREATE OPERATOR trend_hostile.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = trend_hostile.never);
CREATE AGGREGATE trend_hostile.count(*) (SFUNC = int8inc, STYPE = int8, INITCOND = '1000');
CREATE TABLE cohort_expected AS
SELECT * FROM clv.cohort_retention('SELECT customer, ts, amount FROM cohort_tx', '7 days');
SET search_path = trend_hostile, pg_catalog, public;
SELECT count(*) AS hostile_count_is_active;  -- 1001: the shadowing works
CREATE TABLE public.cohort_hostile AS
SELECT * FROM clv.cohort_retention('SELECT customer, ts, amount FROM tx', '7 days');
RESET search_path;
SELECT (SELECT count(*) FROM cohort_hostile) AS rows,
       (SELECT count(*) FROM (SELECT * FROM cohort_hostile EXCEPT SELECT * FROM cohort_expected) d) AS differing;
-- A date or timestamp column works too (cast to timestamptz in the session
-- TimeZone): the purchase days are the same, so the table is the same.
SELECT count(*) AS differing FROM (
  SELECT * FROM clv.cohort_retention('SELECT customer, ts::date, amount FROM cohort_tx', '7 days')
  EXCEPT SELECT * FROM cohort_expected) d;
SELECT count(*) AS differing FROM (
  SELECT * FROM clv.cohort_retention('SELECT customer, ts::timestamp, amount FROM cohort_tx', '7 days')
  EXCEPT SELECT * FROM cohort_expected) d;
DROP TABLE cohort_expected, cohort_hostile;
DROP SCHEMA trend_hostile CASCADE;

-- Bad input
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention('SELECT 1, 2', '7 days') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention('SELECT customer, ts, amount FROM cohort_tx', '-7 days') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention('SELECT customer, ts, amount FROM cohort_tx', '0 days') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention('SELECT customer, ts, amount FROM cohort_tx', '1 month') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention('SELECT customer, ts, amount FROM cohort_tx', NULL) $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention(NULL, '7 days') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention('SELECT customer, ts, amount FROM no_such_table', '7 days') $$);
DROP TABLE cohort_tx;
RESET TimeZone;

-- On CDNOW by 30 days: every cohort starts with all its customers active and
-- active counts never grow; the customers add up to the whole sample.
SELECT count(DISTINCT cohort_start) AS cohorts,
       sum(customers) FILTER (WHERE period_index = 0) AS customers,
       bool_and(active <= customers) AS bounded,
       bool_and(active = customers) FILTER (WHERE period_index = 0) AS all_active_at_start
FROM clv.cohort_retention('SELECT customer_id, ts, amount FROM cdnow', '30 days');
-- ... and every row equals a plain-SQL computation that does not use
-- date_bin: the period index of a purchase is floor(local seconds since
-- 2000-01-01 / 30 days) (CDNOW is from 1997, before the origin), the cohort
-- the customer's smallest index, active at i = the largest index >= i.
WITH b AS (
  SELECT customer_id,
         floor(extract(epoch FROM (ts AT TIME ZONE current_setting('TimeZone')) - timestamp '2000-01-01')
               / (30 * 86400))::int AS k,
         amount::float8 AS amount
  FROM cdnow
), c AS (
  SELECT customer_id, min(k) AS cohort, max(k) AS last FROM b GROUP BY customer_id
), span AS (
  SELECT DISTINCT cohort, (SELECT max(k) FROM b) - cohort AS n FROM c
), revenue AS (
  SELECT c.cohort, b.k - c.cohort AS i, sum(b.amount) AS amount
  FROM b JOIN c USING (customer_id) GROUP BY 1, 2
), reference AS (
  SELECT (timestamp '2000-01-01' + s.cohort * interval '30 days') AT TIME ZONE current_setting('TimeZone') AS cohort_start,
         g.i AS period_index, count(*) AS customers, count(*) FILTER (WHERE c.last - c.cohort >= g.i) AS active,
         coalesce(max(r.amount), 0) AS revenue
  FROM span s CROSS JOIN LATERAL generate_series(0, s.n) g(i)
  JOIN c ON c.cohort = s.cohort
  LEFT JOIN revenue r ON r.cohort = s.cohort AND r.i = g.i
  GROUP BY s.cohort, g.i
), reference_churn AS (
  SELECT *, active::float8 / customers AS retention,
         1 - active::float8 / nullif(lag(active) OVER (PARTITION BY cohort_start ORDER BY period_index), 0) AS churn_rate
  FROM reference
), ours AS (
  SELECT * FROM clv.cohort_retention('SELECT customer_id, ts, amount FROM cdnow', '30 days')
)
SELECT (SELECT count(*) FROM ours) AS rows,
       (SELECT count(*) FROM (SELECT cohort_start, period_index, customers, active FROM ours
                              EXCEPT SELECT cohort_start, period_index, customers, active FROM reference) d) AS missing_from_reference,
       (SELECT count(*) FROM (SELECT cohort_start, period_index, customers, active FROM reference
                              EXCEPT SELECT cohort_start, period_index, customers, active FROM ours) d) AS missing_from_ours,
       (SELECT count(*) FROM ours o JOIN reference_churn r USING (cohort_start, period_index)
        WHERE abs(o.revenue - r.revenue) > 1e-6 OR abs(o.retention - r.retention) > 1e-12
           OR (o.churn_rate IS NULL) <> (r.churn_rate IS NULL) OR abs(o.churn_rate - r.churn_rate) > 1e-12) AS values_differ;

-- Every CDNOW cohort's survivor counts fit the sBG model.
SELECT cohort_start, (m).n_customers, (m).alpha > 0 AND (m).beta > 0 AS fitted
FROM (SELECT cohort_start, clv.sbg_fit(period_index, active) AS m
      FROM clv.cohort_retention('SELECT customer_id, ts, amount FROM cdnow', '30 days')
      GROUP BY cohort_start) s
ORDER BY cohort_start;
