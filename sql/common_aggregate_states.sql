-- Aggregate states: every aggregate has a real state type and a combine
-- function (so distributed engines can run it in two stages), a NAME_state
-- and a NAME_merge form, and any split of the rows into parts, merged in any
-- order, gives the one-pass result bit for bit. States cross text and
-- binary I/O unchanged; bad states are errors, never crashes.
\set VERBOSITY terse

-- No aggregate of the extension has a pseudo-type state or lacks a combine
-- function; the state types in use:
SELECT a.aggfnoid::regprocedure AS aggregate, a.aggtranstype::regtype AS state
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
JOIN pg_type t ON t.oid = a.aggtranstype
WHERE p.pronamespace = 'clv'::regnamespace AND (t.typtype = 'p' OR a.aggcombinefn = 0);
SELECT a.aggtranstype::regtype AS state, count(*) AS aggregates
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace = 'clv'::regnamespace GROUP BY 1 ORDER BY 1::text;
-- Every aggregate has NAME_state with the same arguments and NAME_merge.
SELECT p.oid::regprocedure AS without_two_stage_forms
FROM pg_proc p
WHERE p.pronamespace = 'clv'::regnamespace AND p.prokind = 'a'
  AND p.proname !~ '_(state|merge)$'
  AND (NOT EXISTS (SELECT FROM pg_proc s WHERE s.pronamespace = p.pronamespace
                   AND s.proname = p.proname || '_state' AND s.proargtypes = p.proargtypes)
       OR NOT EXISTS (SELECT FROM pg_proc m JOIN pg_aggregate a ON a.aggfnoid = p.oid
                      WHERE m.pronamespace = p.pronamespace AND m.proname = p.proname || '_merge'
                        AND m.proargtypes = ARRAY[a.aggtranstype]::oidvector));

-- Groups of two queries returning (key, value text), and how many differ.
CREATE FUNCTION split_check(one_pass text, two_stage text, OUT groups bigint, OUT differ bigint)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT count(*), count(*) FILTER (WHERE a.v IS DISTINCT FROM b.v)
                  FROM (%s) a(k, v) FULL JOIN (%s) b(k, v) USING (k)', one_pass, two_stage)
  INTO groups, differ;
END $$;

-- The CDNOW transactions, each row in one of four parts (some customers'
-- parts are empty), and the weekly summaries in three.
CREATE TABLE split_tx AS
SELECT customer_id, ts, amount, amount::float8 AS amount8,
       abs(hashtext(customer_id || '/' || ts || '/' || cds || '/' || amount)) % 4 AS part,
       row_number() OVER () AS row_id
FROM cdnow;
CREATE TABLE split_weekly AS SELECT *, customer_id % 3 AS part FROM cdnow_weekly;
SELECT setseed(0.21);

-- Per customer: one pass, states per part, and one state per row merged in
-- random order.
SELECT name, (split_check(format('SELECT customer_id, clv.%s(%s)::text FROM split_tx GROUP BY 1', agg, args),
                          format('SELECT customer_id, clv.%s_merge(s)::text FROM (SELECT customer_id, part, clv.%s_state(%s) s FROM split_tx GROUP BY 1, 2) p GROUP BY 1', agg, agg, args))).*,
       (split_check(format('SELECT customer_id, clv.%s(%s)::text FROM split_tx GROUP BY 1', agg, args),
                    format('SELECT customer_id, clv.%s_merge(s ORDER BY random())::text FROM (SELECT customer_id, row_id, clv.%s_state(%s) s FROM split_tx GROUP BY 1, 2) p GROUP BY 1', agg, agg, args))).differ AS differ_per_row
FROM (VALUES
  ('rfm numeric', 'rfm_agg', $$ts, amount, '1998-06-30'$$),
  ('rfm float8 weeks', 'rfm_agg', $$ts, amount8, '1998-06-30', '7 days'$$),
  ('rfm 6-hour periods', 'rfm_agg', $$ts, amount, '1998-06-30', '1 day', '6 hours'$$),
  ('rfm in Tokyo', 'rfm_agg', $$ts, amount8, '1998-06-30', '1 day', '1 day', 'Asia/Tokyo'$$),
  ('holdout', 'rfm_holdout_agg', $$ts, amount, '1997-09-30', '1998-06-30'$$),
  ('holdout float8 weeks', 'rfm_holdout_agg', $$ts, amount8, '1997-09-30', '1998-06-30', '7 days', '7 days'$$),
  ('trend', 'trend_agg', $$ts, amount, '1998-06-30', '30 days'$$),
  ('trend float8 thresholds', 'trend_agg', $$ts, amount8, '1998-06-30', '14 days', 4, 5, 0.1, 0.1$$),
  ('lateness', 'lateness_agg', $$ts, '1998-06-30'$$),
  ('lateness weeks', 'lateness_agg', $$ts, '1998-06-30', '7 days'$$),
  ('lateness in Tokyo', 'lateness_agg', $$ts, '1998-06-30', '1 day', 'Asia/Tokyo'$$),
  ('trend in Tokyo', 'trend_agg', $$ts, amount, '1998-06-30', '7 days', 'Asia/Tokyo'$$),
  ('holdout in Tokyo', 'rfm_holdout_agg', $$ts, amount, '1997-09-30', '1998-06-30', '1 day', '1 day', 'Asia/Tokyo'$$)) v(name, agg, args)
ORDER BY 1;

-- Fits: states per part of the customers, and one state per customer in
-- random order.
SELECT name, (split_check(format('SELECT 1, clv.%s(%s)::text FROM split_weekly', agg, args),
                          format('SELECT 1, clv.%s_merge(s)::text FROM (SELECT part, clv.%s_state(%s) s FROM split_weekly GROUP BY 1) p', agg, agg, args))).differ,
       (split_check(format('SELECT 1, clv.%s(%s)::text FROM split_weekly', agg, args),
                    format('SELECT 1, clv.%s_merge(s ORDER BY random())::text FROM (SELECT customer_id, clv.%s_state(%s) s FROM split_weekly GROUP BY 1) p', agg, agg, args))).differ AS differ_per_customer
FROM (VALUES
  ('bgnbd', 'bgnbd_fit', 'frequency, recency, t'),
  ('bgnbd penalized', 'bgnbd_fit', 'frequency, recency, t, 0.01'),
  ('mbgnbd', 'mbgnbd_fit', 'frequency, recency, t'),
  ('pareto', 'pareto_nbd_fit', 'frequency, recency, t'),
  ('gamma-gamma', 'gamma_gamma_fit', 'frequency, monetary'),
  ('gamma-gamma penalized', 'gamma_gamma_fit', 'frequency, monetary, 0.001'),
  ('pareto covariates', 'pareto_nbd_cov_fit', 'frequency, recency, t, ARRAY[customer_id % 2, customer_id % 5 - 2]::float8[]'),
  ('bgnbd covariates weighted', 'bgnbd_cov_fit', 'frequency, recency, t, ARRAY[customer_id % 2]::float8[], 0.0, 2')) v(name, agg, args)
ORDER BY 1;
SELECT (split_check('SELECT segment, clv.sbg_fit(period, active)::text FROM retention GROUP BY 1',
                    'SELECT segment, clv.sbg_fit_merge(s ORDER BY random())::text FROM (SELECT segment, period, clv.sbg_fit_state(period, active) s FROM retention GROUP BY 1, 2) p GROUP BY 1')).*;
SELECT (split_check('SELECT 1, clv.bgbb_fit(frequency, recency, periods, weights)::text FROM donations',
                    'SELECT 1, clv.bgbb_fit_merge(s ORDER BY random())::text FROM (SELECT frequency, recency, clv.bgbb_fit_state(frequency, recency, periods, weights) s FROM donations GROUP BY 1, 2) p')).*;
-- The merged fit is the fit itself, not a near one.
SELECT (m).r, (m).alpha, (m).a, (m).b, (m).log_likelihood, (m).n_customers, (m).converged, (m).iterations
FROM (SELECT clv.bgnbd_fit_merge(s) m FROM (SELECT clv.bgnbd_fit_state(frequency, recency, t) s FROM split_weekly GROUP BY part) p) q;

-- States stored in a table, merged by parallel plans: a fit from per-customer
-- states (partial merges in the workers, combined in the leader), and
-- per-customer RFM from per-part states.
CREATE TABLE fit_states AS
SELECT customer_id, clv.bgnbd_fit_state(frequency, recency, t) AS s FROM split_weekly GROUP BY 1;
CREATE TABLE rfm_states AS
SELECT customer_id, part, clv.rfm_agg_state(ts, amount, '1998-06-30') AS s FROM split_tx GROUP BY 1, 2;
ANALYZE fit_states, rfm_states;
BEGIN;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT clv.bgnbd_fit_merge(s) FROM fit_states;
SELECT clv.bgnbd_fit_merge(s)::text = (SELECT clv.bgnbd_fit(frequency, recency, t)::text FROM split_weekly) AS same_fit
FROM fit_states;
SELECT (split_check('SELECT customer_id / 100, clv.rfm_agg(ts, amount, ''1998-06-30'')::text FROM split_tx GROUP BY 1',
                    'SELECT customer_id / 100, clv.rfm_agg_merge(s)::text FROM rfm_states GROUP BY 1')).*;
COMMIT;

-- Text and binary I/O give the same state back.
SELECT count(*) FILTER (WHERE s::text::clv.rfm_state::text <> s::text) AS text_changed FROM rfm_states;
\copy (SELECT customer_id, part, s FROM rfm_states) TO 'build/regress/rfm_states.bin' WITH (FORMAT binary)
CREATE TABLE rfm_states_copy (LIKE rfm_states);
\copy rfm_states_copy FROM 'build/regress/rfm_states.bin' WITH (FORMAT binary)
SELECT count(*) AS rows, count(*) FILTER (WHERE a.s::text IS DISTINCT FROM b.s::text) AS changed
FROM rfm_states a JOIN rfm_states_copy b USING (customer_id, part);

-- Bad states: malformed text, bytes of another family, truncated or
-- extended bytes, states of different settings.
SELECT sqlstate_of(format('SELECT %L::clv.rfm_state', t))
FROM (VALUES ('abc'), ('\x'), ('\x0'), ('\x0g'), ('\x00'), ('\xffffffffffffffff')) v(t);
SELECT sqlstate_of(format('SELECT %L::clv.%s', s, target)) FROM (VALUES
  ((SELECT s::text FROM rfm_states LIMIT 1), 'rfm_holdout_state'),
  ((SELECT s::text FROM rfm_states LIMIT 1), 'trend_state'),
  ((SELECT s::text FROM rfm_states LIMIT 1), 'lateness_state'),
  ((SELECT clv.bgnbd_fit_state(frequency, recency, t)::text FROM split_weekly), 'spend_fit_state'),
  ((SELECT clv.bgnbd_fit_state(frequency, recency, t)::text FROM split_weekly), 'cohort_fit_state'),
  ((SELECT clv.bgnbd_fit_state(frequency, recency, t)::text FROM split_weekly), 'discrete_fit_state'),
  ((SELECT clv.bgnbd_fit_state(frequency, recency, t)::text FROM split_weekly), 'covariate_fit_state'),
  ((SELECT left(clv.bgnbd_cov_fit_state(frequency, recency, t, ARRAY[1.0])::text, -2) FROM split_weekly), 'covariate_fit_state'),
  ((SELECT left(s::text, -2) FROM rfm_states LIMIT 1), 'rfm_state'),
  ((SELECT s::text || '00' FROM rfm_states LIMIT 1), 'rfm_state')) v(s, target);
SELECT sqlstate_of($$SELECT clv.rfm_agg_merge(s) FROM (SELECT clv.rfm_agg_state(ts, amount, '1998-06-30') FROM cdnow
                     UNION ALL SELECT clv.rfm_agg_state(ts, amount, '1998-06-29') FROM cdnow) x(s)$$);
SELECT sqlstate_of($$SELECT clv.bgnbd_fit_merge(s) FROM (SELECT clv.bgnbd_fit_state(frequency, recency, t) FROM cdnow_weekly
                     UNION ALL SELECT clv.bgnbd_fit_state(frequency, recency, t, 0.1) FROM cdnow_weekly) x(s)$$);
SELECT clv.rfm_agg_merge(s) FROM (VALUES (NULL::clv.rfm_state)) v(s);
-- Support functions outside an aggregate: errors; a final function reads a
-- state it is given.
SELECT sqlstate_of($$SELECT clv.rfm_combinefn(NULL, NULL)$$);
SELECT sqlstate_of($$SELECT clv.rfm_transfn(NULL, now(), 1::float8, now())$$);
SELECT clv.rfm_finalfn(s)::text = (SELECT clv.rfm_agg_merge(s)::text FROM rfm_states WHERE customer_id = 1 AND part = 0) AS same
FROM rfm_states WHERE customer_id = 1 AND part = 0;

-- An ordinary role with no grants: the two-stage forms over its own rows,
-- and an aggregate of its own on the extension's support functions whose
-- initial state is flat (checked like the rows, so refused here).
CREATE ROLE regress_states_nobody;
GRANT CREATE ON SCHEMA public TO regress_states_nobody;
SET ROLE regress_states_nobody;
SELECT clv.rfm_agg_merge(s) FROM (
  SELECT extract(day FROM ts)::int % 3, clv.rfm_agg_state(ts, 1.5::float8, '2024-06-01') FROM generate_series('2024-01-01'::timestamptz, '2024-05-01', '9 days') ts GROUP BY 1) x(k, s);
SELECT clv.rfm_agg(ts, 1.5::float8, '2024-06-01') FROM generate_series('2024-01-01'::timestamptz, '2024-05-01', '9 days') ts;
SELECT format($$CREATE AGGREGATE my_rfm(timestamptz, double precision, timestamptz) (
  SFUNC = clv.rfm_transfn, STYPE = clv.rfm_state, FINALFUNC = clv.rfm_finalfn, INITCOND = %L)$$,
  clv.rfm_agg_state(ts, 1.5::float8, '2024-06-01')) FROM generate_series('2024-01-01'::timestamptz, '2024-02-01', '9 days') ts \gexec
SELECT sqlstate_of($$SELECT my_rfm(ts, 2::float8, '2024-06-01') FROM generate_series('2024-03-01'::timestamptz, '2024-04-01', '9 days') ts$$);
SELECT sqlstate_of($$CREATE AGGREGATE my_bad(timestamptz, double precision, timestamptz) (
  SFUNC = clv.rfm_transfn, STYPE = clv.rfm_state, INITCOND = '\x0102')$$);
-- The same transition function without an initial condition: the fast path
-- of an aggregate's own states, equal to clv.rfm_agg; and as a window
-- aggregate, whose running value at the last row is the whole aggregate.
CREATE AGGREGATE my_plain_rfm(timestamptz, double precision, timestamptz) (
  SFUNC = clv.rfm_transfn, STYPE = clv.rfm_state, FINALFUNC = clv.rfm_finalfn);
SELECT my_plain_rfm(ts, 2::float8, '2024-06-01') = clv.rfm_agg(ts, 2::float8, '2024-06-01') AS same
FROM generate_series('2024-03-01'::timestamptz, '2024-04-01', '9 days') ts;
SELECT bool_and(running = whole) AS same_at_the_end
FROM (SELECT ts, clv.rfm_agg(ts, 2::float8, '2024-06-01') OVER (ORDER BY ts) AS running,
             clv.rfm_agg(ts, 2::float8, '2024-06-01') OVER () AS whole
      FROM generate_series('2024-03-01'::timestamptz, '2024-04-01', '9 days') ts
      ORDER BY ts DESC LIMIT 1) w;
SELECT count(DISTINCT running) AS running_values
FROM (SELECT clv.rfm_agg(ts, 2::float8, '2024-06-01') OVER (ORDER BY ts) AS running
      FROM generate_series('2024-03-01'::timestamptz, '2024-04-01', '9 days') ts) w;
DROP AGGREGATE my_plain_rfm(timestamptz, double precision, timestamptz);
DROP AGGREGATE my_rfm(timestamptz, double precision, timestamptz);
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM regress_states_nobody;
DROP ROLE regress_states_nobody;

DROP TABLE split_tx, split_weekly, fit_states, rfm_states, rfm_states_copy;
DROP FUNCTION split_check(text, text);
