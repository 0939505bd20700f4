-- 0.3.0 -> 0.4.0: once-only DDL, before the idempotent function parts
-- (then extension/src/42_identity_functions.sql and 51_profiles_functions.sql,
-- as they were in 0.4.0).
\echo Use "ALTER EXTENSION clv_ext UPDATE TO '0.4.0'" to load this file. \quit

-- Profiles: the name of a dropped source, kept for the errors of later calls.
ALTER TABLE @extschema@.profiles ADD COLUMN source_dropped text;
COMMENT ON COLUMN @extschema@.profiles.source_dropped IS 'name of the source table when it was dropped (the profile is disabled); NULL while it exists';

-- Numeric extremes in clv.cohort_retention: the period index and the revenue
-- are checked by C helpers (infinite timestamps and non-finite amounts 22023,
-- overflow 22003 with a clear message).
-- Internal helpers of clv.cohort_retention: checked period index and revenue.
CREATE FUNCTION @extschema@.cohort_period_index(bucket timestamp, cohort timestamp, period interval)
RETURNS integer AS 'MODULE_PATHNAME', 'clv_cohort_period_index'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_period_index(timestamp, timestamp, interval) IS
'Periods between a cohort''s date_bin bucket and a later one (internal; clv.cohort_retention): 22023 for infinite timestamps, 22003 past integer';
CREATE FUNCTION @extschema@.cohort_revenue(revenue double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_cohort_revenue'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_revenue(double precision) IS
'A cohort period''s revenue, 22023 unless finite (internal; clv.cohort_retention)';
CREATE FUNCTION @extschema@.cohort_revenue(revenue numeric)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_cohort_revenue_numeric'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_revenue(numeric) IS
'A cohort period''s revenue as double precision, 22023 unless finite, 22003 beyond double precision (internal; clv.cohort_retention)';

CREATE OR REPLACE FUNCTION @extschema@.cohort_retention(transactions_query text, period interval)
RETURNS TABLE (cohort_start timestamptz, period_index integer, customers bigint, active bigint,
               retention double precision, churn_rate double precision, revenue double precision)
LANGUAGE plpgsql STABLE
-- No SET search_path: the caller's query must resolve its tables and
-- functions as the caller would (it runs with the caller's privileges). So
-- that no other name depends on the search path, every function, type and
-- operator of the function's own SQL is qualified with pg_catalog (or is SQL
-- syntax, which always means pg_catalog), NULLIF and simple CASE (which look
-- up "=" by name) are not used, and the customer column is only grouped and
-- partitioned (through its type's default operator class), never compared
-- with an operator.
AS $fn$
BEGIN
  IF transactions_query IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'transactions_query must not be NULL';
  END IF;
  IF period IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'period must not be NULL';
  END IF;
  IF pg_catalog.date_part('month', period) OPERATOR(pg_catalog.<>) 0::double precision
     OR pg_catalog.date_part('year', period) OPERATOR(pg_catalog.<>) 0::double precision THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'period must be given in days, hours or smaller units, not months or years';
  END IF;
  IF period OPERATOR(pg_catalog.<=) interval '0' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'period must be a positive interval';
  END IF;
  IF pg_catalog.date_part('epoch', period) OPERATOR(pg_catalog.>) 9223372036854::double precision THEN
    RAISE EXCEPTION USING ERRCODE = '22003',
      MESSAGE = 'period is out of range: at most 292471 years in microseconds';
  END IF;
  -- $1 = period, $2 = the session's TimeZone. Periods are date_bin buckets of
  -- the local wall clock with origin 2000-01-01 00:00 (exact microsecond
  -- arithmetic, the same cut as clv.rfm_agg); a period index is the exact
  -- quotient of two bucket starts' distance by the period, in the
  -- extension's cohort_period_index (%2$s: the extension's schema, quoted).
  -- Revenue is summed in the amount's own type (exactly for numeric and
  -- integers, so then independent of the order in which a possibly parallel
  -- plan delivers the rows) and returned as double precision by
  -- cohort_revenue, which refuses NaN and infinite sums.
  RETURN QUERY EXECUTE pg_catalog.format($q$
    WITH tx AS (
      SELECT t.customer,
             pg_catalog.date_bin($1, pg_catalog.timezone($2, (t.ts)::pg_catalog.timestamptz),
                                 timestamp '2000-01-01') AS bucket,
             t.amount
      FROM (%1$s) AS t(customer, ts, amount)
      WHERE t.ts IS NOT NULL AND t.customer IS NOT NULL
    ), purchases AS (  -- each customer's purchase periods, with the first (cohort) and the last
      SELECT p.bucket, p.amount,
             pg_catalog.min(p.bucket) OVER w AS cohort,
             pg_catalog.max(p.bucket) OVER w AS last_bucket,
             pg_catalog.row_number() OVER w AS nth
      FROM (SELECT tx.customer, tx.bucket, pg_catalog.sum(tx.amount) AS amount
            FROM tx GROUP BY tx.customer, tx.bucket) p
      WINDOW w AS (PARTITION BY p.customer)
    ), indexed AS (
      SELECT pu.cohort, pu.amount, pu.nth OPERATOR(pg_catalog.=) 1 AS first_row,
             %2$s.cohort_period_index(pu.bucket, pu.cohort, $1) AS idx,
             %2$s.cohort_period_index(pu.last_bucket, pu.cohort, $1) AS last_idx
      FROM purchases pu
    ), leaving AS (  -- customers by cohort and index of their last purchase period
      SELECT i.cohort, i.last_idx AS idx, pg_catalog.count(*) AS n
      FROM indexed i WHERE i.first_row GROUP BY i.cohort, i.last_idx
    ), revenue AS (
      SELECT i.cohort, i.idx, pg_catalog.sum(i.amount) AS amount
      FROM indexed i GROUP BY i.cohort, i.idx
    ), grid AS (  -- every cohort from its first period to the last period in the data
      SELECT c.cohort, c.size, g.idx
      FROM (SELECT i.cohort, pg_catalog.count(*) AS size FROM indexed i WHERE i.first_row GROUP BY i.cohort) c
      CROSS JOIN (SELECT pg_catalog.max(pu.last_bucket) AS last FROM purchases pu) h
      CROSS JOIN LATERAL pg_catalog.generate_series(0, %2$s.cohort_period_index(h.last, c.cohort, $1)) AS g(idx)
    ), activity AS (  -- active at idx = customers whose last period is idx or later
      SELECT g.cohort, g.idx, g.size, r.amount AS revenue,
             (pg_catalog.sum(COALESCE(l.n, 0)) OVER (PARTITION BY g.cohort ORDER BY g.idx DESC))::double precision AS active
      FROM grid g
      LEFT JOIN leaving l ON l.cohort OPERATOR(pg_catalog.=) g.cohort AND l.idx OPERATOR(pg_catalog.=) g.idx
      LEFT JOIN revenue r ON r.cohort OPERATOR(pg_catalog.=) g.cohort AND r.idx OPERATOR(pg_catalog.=) g.idx
    ), with_previous AS (
      SELECT a.*, pg_catalog.lag(a.active) OVER (PARTITION BY a.cohort ORDER BY a.idx) AS previous
      FROM activity a
    )
    SELECT pg_catalog.timezone($2, a.cohort), a.idx, a.size, (a.active)::bigint,
           a.active OPERATOR(pg_catalog./) (a.size)::double precision,
           CASE WHEN a.previous IS NULL OR a.previous OPERATOR(pg_catalog.=) 0::double precision THEN NULL
                ELSE 1::double precision OPERATOR(pg_catalog.-) (a.active OPERATOR(pg_catalog./) a.previous) END,
           COALESCE(%2$s.cohort_revenue(a.revenue), 0::double precision)
    FROM with_previous a ORDER BY a.cohort, a.idx
  $q$, transactions_query, @extschema@.profile_ext_schema())
  USING period, pg_catalog.current_setting('TimeZone');
END
$fn$;

-- Models: the fit aggregates' penalty is taken in units of the largest age.
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the BG/NBD model (clv.bgnbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit';
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the MBG/NBD model (clv.mbgnbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit';
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Pareto/NBD model (clv.pareto_nbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha and beta divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit';
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Gamma-Gamma model (clv.gamma_gamma); customers with frequency 0 are ignored, monetary must be > 0 for the others; penalizer adds penalizer * (p^2 + q^2 + v^2) to the mean negative log-likelihood, as the lifetimes librarys penalizer_coef (v is in the unit of monetary)';
