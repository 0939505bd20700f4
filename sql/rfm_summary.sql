-- clv.rfm_agg and clv.rfm_holdout_agg on small hand-computed cases.
SET TimeZone = 'UTC';

-- Bucketing: two purchases on Jan 1 are one purchase period worth 15; the
-- repeat periods are Jan 3 (22) and Jan 6 (30).
CREATE TABLE tx (customer text, ts timestamptz, amount float8);
INSERT INTO tx VALUES
  ('a', '2024-01-01 10:00', 10), ('a', '2024-01-01 22:00', 5),
  ('a', '2024-01-03 09:00', 20), ('a', '2024-01-03 09:30', 2),
  ('a', '2024-01-06 00:00', 30),
  -- one-time buyer: frequency 0, monetary 0
  ('b', '2024-01-05 12:00', 99),
  -- refund: Jan 4 is worth 40 - 15 = 25
  ('c', '2024-01-01 08:00', 50), ('c', '2024-01-04 08:00', 40), ('c', '2024-01-04 09:00', -15),
  -- as_of boundary: a purchase exactly at as_of counts, one a microsecond later does not
  ('d', '2024-01-02 00:00', 1), ('d', '2024-01-10 00:00', 2), ('d', '2024-01-10 00:00:00.000001', 4),
  -- NULL timestamp skipped; NULL amount counts the purchase, not its value
  ('e', NULL, 1000), ('e', '2024-01-01 00:00', 10), ('e', '2024-01-02 00:00', NULL),
  ('e', '2024-01-05 00:00', 30),
  -- only purchases after as_of: no summary
  ('f', '2024-02-01 00:00', 5);

SELECT customer, (r).*
FROM (SELECT customer, clv.rfm_agg(ts, amount, '2024-01-10') AS r FROM tx GROUP BY customer) s
ORDER BY customer;

-- recency and t in weeks, periods still days (PostgreSQL does not accept
-- named arguments in aggregate calls, so unit and period are positional)
SELECT customer, (r).frequency, round((r).recency::numeric, 4) AS recency_weeks,
       round((r).t::numeric, 4) AS t_weeks
FROM (SELECT customer, clv.rfm_agg(ts, amount, '2024-01-10', '7 days') AS r
      FROM tx GROUP BY customer) s
ORDER BY customer;

-- weekly purchase periods, counted from Saturday 2000-01-01: Jan 1 and Jan 3
-- 2024 fall into the week starting Saturday Dec 30, Jan 6 starts the next.
SELECT customer, (r).frequency, (r).recency, (r).t, (r).monetary
FROM (SELECT customer, clv.rfm_agg(ts, amount, '2024-01-10', '7 days', '7 days') AS r
      FROM tx GROUP BY customer) s
ORDER BY customer;

-- hourly periods: a's two Jan 3 purchases are 30 minutes apart, same hour
SELECT (clv.rfm_agg(ts, amount, '2024-01-10', '1 hour', '1 hour')).*
FROM tx WHERE customer = 'a';

-- numeric amounts give the same figures
SELECT customer, (clv.rfm_agg(ts, amount::numeric, '2024-01-10')).monetary
FROM tx GROUP BY customer ORDER BY customer;

-- an empty group and an empty table give NULL
SELECT clv.rfm_agg(ts, amount, '2024-01-10') IS NULL AS is_null FROM tx WHERE false;

-- Days follow the session's time zone, like date_trunc: at 20:00 and 02:00
-- UTC the two purchases are on different UTC days but on the same Tokyo day.
CREATE TABLE tz_tx (ts timestamptz, amount float8);
INSERT INTO tz_tx VALUES ('2024-01-01 20:00+00', 1), ('2024-01-02 02:00+00', 1);
SET TimeZone = 'UTC';
SELECT (clv.rfm_agg(ts, amount, '2024-01-05 00:00+00')).frequency AS utc_frequency FROM tz_tx;
SET TimeZone = 'Asia/Tokyo';
SELECT (clv.rfm_agg(ts, amount, '2024-01-05 00:00+00')).frequency AS tokyo_frequency FROM tz_tx;
SELECT count(DISTINCT date_trunc('day', ts)) - 1 AS date_trunc_frequency FROM tz_tx;

-- Across a DST change, recency and t count calendar days: New York skipped
-- an hour on 2024-03-10, yet Mar 9 to Mar 12 is 3 days.
SET TimeZone = 'America/New_York';
SELECT (r).frequency, (r).recency, (r).t
FROM (SELECT clv.rfm_agg(ts, amount, '2024-03-12 00:00') AS r
      FROM (VALUES ('2024-03-09 12:00'::timestamptz, 1.0::float8),
                   ('2024-03-11 12:00', 2.0)) v(ts, amount)) s;
RESET TimeZone;

-- Calibration / holdout split: calibration to Jan 10, holdout to Jan 20.
INSERT INTO tx VALUES
  ('a', '2024-01-12 10:00', 7), ('a', '2024-01-12 11:00', 1), ('a', '2024-01-15 10:00', 4),
  ('a', '2024-01-25 10:00', 1000);
SET TimeZone = 'UTC';
SELECT customer, (r).*
FROM (SELECT customer, clv.rfm_holdout_agg(ts, amount, '2024-01-10', '2024-01-20') AS r
      FROM tx GROUP BY customer) s
ORDER BY customer;
SELECT customer, (r).frequency, (r).frequency_holdout, (r).monetary_holdout,
       round((r).duration_holdout::numeric, 4) AS duration_weeks
FROM (SELECT customer, clv.rfm_holdout_agg(ts, amount::numeric, '2024-01-10', '2024-01-20', '7 days', '1 day') AS r
      FROM tx GROUP BY customer) s
WHERE customer = 'a';
RESET TimeZone;
DROP TABLE tx, tz_tx;
