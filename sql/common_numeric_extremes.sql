-- Numeric extremes in every family of functions: NaN, +-Infinity, 1e308,
-- -1e308, numerics beyond double precision, counts near 2^63, infinite
-- timestamps and huge intervals. The rule: non-finite input is 22023,
-- overflow is 22003, and messages print values readably (integers as
-- integers, huge numbers in short scientific form), never a silent NaN or
-- Infinity in a result.
SET TimeZone = 'UTC';
CREATE TABLE extreme_tx (ts timestamptz, amount float8);
INSERT INTO extreme_tx VALUES ('2024-01-01', 1e308), ('2024-02-01', 1e308), ('2024-03-01', 1e308);

-- RFM: sums that overflow are 22003 (they were NaN), as are numerics beyond
-- double precision (named in short form) and intervals beyond int64
-- microseconds.
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, amount, '2024-06-01') FROM extreme_tx $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, -amount, '2024-06-01') FROM extreme_tx $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, amount::numeric, '2024-06-01') FROM extreme_tx $$);
SELECT sqlstate_of($$ SELECT clv.rfm_holdout_agg(ts, amount, '2024-01-15', '2024-06-01') FROM extreme_tx $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, 1e400::numeric, '2024-06-01') FROM extreme_tx $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, -('1' || repeat('7', 399))::numeric, '2024-06-01') FROM extreme_tx $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, 'Infinity'::numeric, '2024-06-01') FROM extreme_tx $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, 1, '2024-06-01', '1 day', '2147483647 days') FROM extreme_tx $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, 1, '2024-06-01', '300000 years') FROM extreme_tx $$);
-- The largest finite amounts that do not overflow still work, and so do the
-- extreme timestamps.
SELECT (clv.rfm_agg(ts, amount / 4, '2024-06-01')).total_amount FROM extreme_tx;
SELECT (r).frequency, (r).recency, (r).n_orders
FROM (SELECT clv.rfm_agg(ts, 1, '294276-12-31') AS r
      FROM (VALUES ('4713-01-01 BC'::timestamptz), ('294276-01-01')) v(ts)) s;

-- Trend: per-period sums that overflow are 22003; extreme but finite sums
-- give finite statistics (they were a slope of 0 from NaN sums of squares).
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, amount, '2024-06-01', '100 days') FROM extreme_tx $$);
SELECT (t).periods, (t).slope < 0 AS falling, (t).relative_slope, (t).r_squared, (t).direction
FROM (SELECT clv.trend_agg(ts, 1e308 - extract(doy FROM ts) * 1e305, '2024-05-01', '1 day') AS t
      FROM generate_series('2024-01-01'::timestamptz, '2024-05-01', '1 day') ts) s;
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, CASE WHEN ts = '2024-01-01' THEN -1e308 ELSE 1e308 END, '2024-01-02', '1 day')
                      FROM (VALUES ('2024-01-01'::timestamptz), ('2024-01-02')) v(ts) $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, 1e400::numeric, '2024-06-01', '1 day') FROM extreme_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg('infinity', 1, '2024-06-01', '1 day') $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, 1, '2024-06-01', '2147483647 days') FROM extreme_tx $$);
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, 1, '2200-01-01', '1 second') FROM extreme_tx $$);

-- Lateness: 'infinity' is refused like everywhere else (it was ignored).
SELECT sqlstate_of($$ SELECT clv.lateness_agg(ts, '2024-06-01') FROM (VALUES ('2024-01-01'::timestamptz), ('2024-02-01'), ('infinity')) v(ts) $$);
SELECT sqlstate_of($$ SELECT clv.lateness_agg(ts, '2024-06-01') FROM (VALUES ('2024-01-01'::timestamptz), ('-infinity')) v(ts) $$);
SELECT sqlstate_of($$ SELECT clv.lateness_agg(ts, 'infinity') FROM extreme_tx $$);
SELECT sqlstate_of($$ SELECT clv.lateness_agg(ts, '2024-06-01', '2147483647 days') FROM extreme_tx $$);
SELECT sqlstate_of($$ SELECT clv.lateness(1, 'NaN', 3) $$);
SELECT sqlstate_of($$ SELECT clv.lateness(1e308, 1e-300, 1e308) $$);

-- Cohort retention: infinite timestamps are 22023 (they were 0A000 "cannot
-- convert infinity to integer"), NaN and infinite amounts 22023 (they gave
-- a revenue of NaN or Infinity), revenue beyond double precision 22003 in
-- short form, and too many periods a clear 22003 (it was a bare "integer out
-- of range"), as is a period beyond int64 microseconds (it was 22008).
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention($q$ SELECT 'a', ts, 1 FROM (VALUES ('2024-01-01'::timestamptz), ('infinity')) v(ts) $q$, '1 day') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention($q$ SELECT 'a', ts, 1 FROM (VALUES ('2024-01-01'::date), ('-infinity')) v(ts) $q$, '1 day') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention($q$ SELECT 'a', timestamptz '2024-01-01', 'NaN'::float8 $q$, '1 day') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention($q$ SELECT 'a', timestamptz '2024-01-01', 'NaN'::numeric $q$, '1 day') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention($q$ SELECT 'a', timestamptz '2024-01-01', '-Infinity'::float8 $q$, '1 day') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention($q$ SELECT c, timestamptz '2024-01-01', 1e308::float8 FROM (VALUES ('a'), ('b')) v(c) $q$, '1 day') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention($q$ SELECT c, timestamptz '2024-01-01', 1e308::numeric FROM (VALUES ('a'), ('b')) v(c) $q$, '1 day') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention($q$ SELECT 'a', ts, 1 FROM (VALUES ('1900-01-01'::timestamptz), ('2100-01-01')) v(ts) $q$, '1 second') $$);
SELECT sqlstate_of($$ SELECT * FROM clv.cohort_retention($q$ SELECT 'a', timestamptz '2024-01-01', 1 $q$, '2147483647 days') $$);
-- (A float8 sum that overflows is PostgreSQL's own 22003.) Integer and
-- numeric amounts still sum exactly before the conversion.
SELECT period_index, revenue FROM clv.cohort_retention($q$ SELECT 'a', timestamptz '2024-01-01', 9223372036854775807::bigint $q$, '1 day');

-- Model fits: counts near 2^63 are 22003 (n_customers was
-- -9223372036854775808), the largest ones that fit are reported exactly; a
-- fit whose log-likelihood overflows is 22003 (it was -Infinity).
SELECT sqlstate_of($$ SELECT clv.sbg_fit(p, a) FROM (VALUES (0, 4611686018427387904::bigint), (0, 4611686018427387904), (1, 5)) v(p, a) $$);
SELECT (clv.sbg_fit(p, a)).n_customers
FROM (VALUES (0, 9223372036854775807::bigint), (1, 9223372036854775806), (2, 5)) v(p, a);
SELECT sqlstate_of($$ SELECT clv.gamma_gamma_fit(x, m) FROM (VALUES (1, 1e308::float8), (2, 1e308), (3, 1)) v(x, m) $$);
SELECT sqlstate_of($$ SELECT clv.bgnbd_fit(x, tx, t) FROM (VALUES (1e308::float8, 1e308::float8, 1e308::float8), (0, 0, 1e308), (2, 1, 3)) v(x, tx, t) $$);
SELECT sqlstate_of($$ SELECT clv.bgnbd_fit(x, tx, t) FROM (VALUES (1, 'NaN'::float8, 3), (0, 0, 3)) v(x, tx, t) $$);
SELECT sqlstate_of($$ SELECT clv.pareto_nbd_fit(x, tx, t) FROM (VALUES (1, 1, 'Infinity'::float8), (0, 0, 3)) v(x, tx, t) $$);
SELECT sqlstate_of($$ SELECT clv.bgnbd_fit(x, tx, t, 'NaN') FROM (VALUES (1, 1, 3::float8), (0, 0, 3)) v(x, tx, t) $$);
SELECT sqlstate_of($$ SELECT clv.gamma_gamma_fit(x, m) FROM (VALUES (1, 'Infinity'::float8), (2, 1)) v(x, m) $$);

-- Scoring and formulas: non-finite inputs 22023, overflow 22003; integer
-- arguments are printed as integers.
SELECT sqlstate_of($$ SELECT clv.sbg_survival(row(1, 1, 0, 1, true, 1, NULL, NULL, NULL)::clv.sbg, -2147483648) $$);
SELECT sqlstate_of($$ SELECT clv.sbg_survival(row('NaN', 1, 0, 1, true, 1, NULL, NULL, NULL)::clv.sbg, 5) $$);
SELECT sqlstate_of($$ SELECT clv.p_alive(row('Infinity', 1, 1, 1, 0, 1, true, 1, NULL, NULL, NULL)::clv.bgnbd, 1, 1, 2) $$);
SELECT sqlstate_of($$ SELECT clv.expected_purchases(row(1, 1, 1, 1, 0, 1, true, 1, NULL, NULL, NULL)::clv.pareto_nbd, 1e308, 1, 1, 2) $$);
SELECT sqlstate_of($$ SELECT clv.expected_purchases(row(1, 1, 1, 1, 0, 1, true, 1, NULL, NULL, NULL)::clv.bgnbd, 1e308, 1, 1, 2) $$);
SELECT sqlstate_of($$ SELECT clv.expected_spend(row(6, 4, 15, 0, 1, true, 1, NULL, NULL, NULL)::clv.gamma_gamma, 2, 1e308) $$);
SELECT sqlstate_of($$ SELECT clv.expected_spend(row(6, 4, 15, 0, 1, true, 1, NULL, NULL, NULL)::clv.gamma_gamma, 2, 'NaN') $$);
SELECT sqlstate_of($$ SELECT clv.simple_clv(1e308, 1e308, 2) $$);
SELECT sqlstate_of($$ SELECT clv.retention_clv('Infinity', 0.5, 0.1) $$);
SELECT sqlstate_of($$ SELECT clv.historical_clv('NaN', 0, 0) $$);
SELECT sqlstate_of($$ SELECT clv.rfm_score('NaN', ARRAY[1, 2, 3, 4]) $$);
SELECT sqlstate_of($$ SELECT clv.rfm_score('-Infinity', ARRAY[1, 2, 3, 4]) $$);
SELECT sqlstate_of($$ SELECT clv.churn_risk(0.5, 'Infinity', 'stable') $$);
SELECT sqlstate_of($$ SELECT clv.frequency_recency_grid(row(1, 1, 1, 1, 0, 1, true, 1, NULL, NULL, NULL)::clv.bgnbd, 'NaN', 10, 5, 1) $$);

DROP TABLE extreme_tx;
RESET TimeZone;
