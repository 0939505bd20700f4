-- clv.trend_agg on hand-built weekly series (weeks start on Saturdays,
-- counted from 2000-01-01; 2024-01-06 is a Saturday), as_of in week 9.
SET TimeZone = 'UTC';
CREATE TABLE weekly (customer text, week int, amount float8);
INSERT INTO weekly
SELECT 'rising', w, 10 * (w + 1) FROM generate_series(0, 9) w          -- slope +10, r2 = 1
UNION ALL SELECT 'flat', w, 10 FROM generate_series(0, 9) w            -- slope 0
UNION ALL SELECT 'declining', w, 100 - 10 * w FROM generate_series(0, 9) w  -- slope -10
UNION ALL SELECT 'lapsed', w, 10 FROM generate_series(0, 5) w          -- nothing in weeks 7..9
UNION ALL SELECT 'single', 9, 25                                        -- one period: new
UNION ALL SELECT 'gaps', w, a FROM (VALUES (0, 5.0), (3, 20.0), (4, 2.0), (9, 40.0)) v(w, a);
CREATE VIEW weekly_tx AS
SELECT customer, '2024-01-06 12:00'::timestamptz + week * interval '7 days' AS ts, amount FROM weekly;

SELECT customer, (t).periods, round((t).slope::numeric, 6) AS slope,
       round((t).relative_slope::numeric, 6) AS relative_slope, round((t).r_squared::numeric, 6) AS r_squared,
       (t).recent_mean, (t).previous_mean, (t).change_point, (t).direction
FROM (SELECT customer, clv.trend_agg(ts, amount, '2024-03-10', '7 days') AS t
      FROM weekly_tx GROUP BY customer) s
ORDER BY customer;

-- Thresholds: a 2-period window makes 'lapsed' (nothing in weeks 7..9) see
-- only weeks 8..9; with min_periods 12 every 10-period series is 'new'; a
-- 20% relative slope turns 'rising' (18%) into 'stable'.
SELECT customer,
       (clv.trend_agg(ts, amount, '2024-03-10', '7 days', 3, 6, 0.05, 0.05)).direction AS defaults,
       (clv.trend_agg(ts, amount, '2024-03-10', '7 days', 3, 12, 0.05, 0.05)).direction AS min_periods_12,
       (clv.trend_agg(ts, amount, '2024-03-10', '7 days', 3, 6, 0.2, 0.05)).direction AS relative_20pct,
       (clv.trend_agg(ts, amount, '2024-03-10', '7 days', 2, 6, 0.05, 0.05)).recent_mean AS recent_mean_2
FROM weekly_tx GROUP BY customer ORDER BY customer;
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, '2024-03-10', '7 days', 0, 6, 0.05, 0.05) FROM weekly_tx $$);

-- Empty periods count as 0: the slope equals regr_slope over the dense
-- series built in plain SQL.
SELECT abs((SELECT (clv.trend_agg(ts, amount, '2024-03-10', '7 days')).slope FROM weekly_tx WHERE customer = 'gaps')
           - (SELECT regr_slope(coalesce(w.amount, 0), g)
              FROM generate_series(0, 9) g LEFT JOIN weekly w ON w.week = g AND w.customer = 'gaps')) < 1e-12
       AS slope_matches_dense_ols,
       abs((SELECT (clv.trend_agg(ts, amount, '2024-03-10', '7 days')).r_squared FROM weekly_tx WHERE customer = 'gaps')
           - (SELECT regr_r2(coalesce(w.amount, 0), g)
              FROM generate_series(0, 9) g LEFT JOIN weekly w ON w.week = g AND w.customer = 'gaps')) < 1e-12
       AS r2_matches_dense_ols;

-- One clear change point: 10 a week for 10 weeks, then 50 a week.
SELECT (t).periods, (t).change_point, (t).direction
FROM (SELECT clv.trend_agg('2024-01-06 12:00'::timestamptz + w * interval '7 days',
                           CASE WHEN w < 10 THEN 10 ELSE 50 END + (w % 3), '2024-05-19', '7 days') AS t
      FROM generate_series(0, 19) w) s;
-- A steady line has none.
SELECT (t).change_point IS NULL AS no_change_point
FROM (SELECT clv.trend_agg('2024-01-06 12:00'::timestamptz + w * interval '7 days', 10 + w + (w % 3), '2024-05-19', '7 days') AS t
      FROM generate_series(0, 19) w) s;

-- Numeric amounts, NULL amounts (a purchase worth 0), NULL timestamps,
-- transactions after as_of, empty groups.
SELECT (clv.trend_agg(ts, amount::numeric, '2024-03-10', '7 days')).slope AS numeric_slope
FROM weekly_tx WHERE customer = 'rising';
SELECT (t).periods, (t).recent_mean, (t).direction
FROM (SELECT clv.trend_agg(ts, amount, '2024-03-10', '7 days') AS t
      FROM (VALUES ('2024-01-06'::timestamptz, 10.0::float8), ('2024-03-09', NULL), (NULL, 99),
                   ('2024-04-01', 1000)) v(ts, amount)) s;
SELECT clv.trend_agg(ts, amount, '2024-03-10', '7 days') IS NULL AS empty_is_null FROM weekly_tx WHERE false;
SELECT clv.trend_agg(ts, amount, '2023-01-01', '7 days') IS NULL AS all_after_as_of FROM weekly_tx;

-- Bad input
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, 'NaN'::float8, '2024-03-10', '7 days') FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, '2024-03-10', '0 days') FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, '2024-03-10', '1 month') FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, NULL, '7 days') FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, ts, '7 days') FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, 'Infinity'::float8, '2024-03-10', '7 days') FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, '-Infinity'::numeric, '2024-03-10', '7 days') FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg('infinity'::timestamptz, 1, '2024-03-10', '7 days') $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg('-infinity'::timestamptz, 1, '2024-03-10', '7 days') $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, 'infinity', '7 days') FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, '2024-03-10', NULL) FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, '2024-03-10', '-7 days') FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, '2024-03-10', '500 milliseconds') FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, '2024-03-10', '7 days', 3, NULL, 0.05, 0.05) FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, '2024-03-10', '7 days', 3, 6, 0.05, 1.5) FROM weekly_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, '2024-03-10', '7 days', 3, 6, 'NaN', 0.05) FROM weekly_tx $$);
-- A period's sum beyond float8, and more than 2^31 - 1 periods (1-second
-- periods over a century), are out of range.
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, a, '2024-03-10', '7 days')
                      FROM (VALUES ('2024-01-06'::timestamptz, 1e308::float8), ('2024-01-06 13:00', 1e308)) v(ts, a) $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg('2000-01-01'::timestamptz, 1, '2100-01-01', '1 second') $$);

-- as_of from an expression (not a constant) that is the same on every row
-- gives the same trend as the constant; the numeric overload with thresholds
-- turns 'rising' (relative slope 10 / 55 = 0.18) into 'stable' at 20%.
SELECT clv.trend_agg(ts, amount, '2024-03-10'::timestamptz + (ts - ts), '7 days')
       = clv.trend_agg(ts, amount, '2024-03-10', '7 days') AS expression_as_of_same
FROM weekly_tx WHERE customer = 'gaps';
SELECT (clv.trend_agg(ts, amount::numeric, '2024-03-10', '7 days', 3, 6, 0.2, 0.05)).direction AS numeric_20pct,
       (clv.trend_agg(ts, amount::numeric, '2024-03-10', '7 days', 3, 6, 0.15, 0.05)).direction AS numeric_15pct
FROM weekly_tx WHERE customer = 'rising';

-- Parallel equals serial (per-period sums combine exactly), on CDNOW by 30-day periods.
-- A copy whose statistics claim few customers, so that the planner picks
-- partial aggregation (and the combine, serialize and deserialize functions)
-- whether or not autovacuum has analyzed cdnow.
CREATE TABLE trend_cdnow AS SELECT * FROM cdnow;
ALTER TABLE trend_cdnow ALTER customer_id SET (n_distinct = 100);
ANALYZE trend_cdnow;
CREATE TABLE trend_serial AS
SELECT customer_id, clv.trend_agg(ts, amount, '1998-06-30', '30 days') AS t FROM trend_cdnow GROUP BY customer_id;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT customer_id, clv.trend_agg(ts, amount, '1998-06-30', '30 days') FROM trend_cdnow GROUP BY customer_id;
CREATE TABLE trend_parallel AS
SELECT customer_id, clv.trend_agg(ts, amount, '1998-06-30', '30 days') AS t FROM trend_cdnow GROUP BY customer_id;
SELECT count(*) AS customers, count(*) FILTER (WHERE s.t IS DISTINCT FROM p.t) AS differing
FROM trend_serial s FULL JOIN trend_parallel p USING (customer_id);
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
SELECT (t).direction, count(*) FROM trend_serial GROUP BY 1 ORDER BY 1;
DROP TABLE trend_serial, trend_parallel, trend_cdnow;

-- Lateness: (t - recency) / (recency / frequency)
SELECT clv.lateness(3, 30, 40) AS on_schedule,      -- (40 - 30) / 10 = 1
       clv.lateness(2, 10, 40) AS six_cycles_late,  -- (40 - 10) / 5 = 6
       clv.lateness(0, 0, 40) IS NULL AS one_time_buyer;
SELECT sqlstate_of($$ SELECT clv.lateness(2, 50, 40) $$);

-- Churn risk rule, case by case
SELECT p_alive, lateness, direction, clv.churn_risk(p_alive, lateness, direction)
FROM (VALUES (0.05, NULL::float8, NULL::text), (0.9, 4.0, 'lapsed'), (0.25, 0.5, 'stable'),
             (0.9, 2.5, 'stable'), (0.9, 1.5, 'declining'), (0.9, NULL, 'lapsed'),
             (0.5, 0.5, 'rising'), (0.9, 0.5, 'lapsed'), (0.9, 1.5, 'stable'),
             (0.9, 0.5, 'declining'), (0.9, 0.5, 'stable'), (0.9, NULL, NULL), (NULL, 1.0, 'stable'))
     v(p_alive, lateness, direction);
SELECT sqlstate_of($$ SELECT clv.churn_risk(0.5, 1, 'sideways') $$);
SELECT sqlstate_of($$ SELECT clv.churn_risk(1.5, 1, 'stable') $$);

-- RFM scores and segments (the grid in the README)
SELECT clv.rfm_score(10, ARRAY[1, 5, 10, 20]) AS on_breakpoint,        -- lower quintile: 3
       clv.rfm_score(25, ARRAY[1, 5, 10, 20]) AS top,                  -- 5
       clv.rfm_score(25, ARRAY[1, 5, 10, 20], false) AS top_reversed;  -- 1
SELECT sqlstate_of($$ SELECT clv.rfm_score(1, ARRAY[1, 2, 3]) $$);
SELECT r, f, m, clv.rfm_segment(r, f, m)
FROM (VALUES (5, 5, 5), (5, 4, 3), (4, 5, 5), (1, 5, 5), (2, 5, 4), (3, 3, 3), (4, 2, 2),
             (3, 1, 2), (2, 2, 1), (1, 1, 1), (4, 1, 1), (5, 1, 1), (1, 2, 2)) v(r, f, m);
SELECT sqlstate_of($$ SELECT clv.rfm_segment(0, 1, 1) $$);
DROP VIEW weekly_tx;
DROP TABLE weekly;
RESET TimeZone;

