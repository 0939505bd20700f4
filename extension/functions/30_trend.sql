-- Churn trend: per-customer value trend, lateness, churn risk, RFM segments,
-- cohorts (src/pg/trend).
-- Idempotent (CREATE OR REPLACE): the install script and every upgrade load
-- this file as it is; the trend type is in install/30_trend_types.sql.

CREATE OR REPLACE FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, double precision, timestamptz, interval)
RETURNS @extschema@.trend_state AS 'MODULE_PATHNAME', 'clv_trend_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, double precision, timestamptz, interval) IS 'transition function of clv.trend_agg';
CREATE OR REPLACE FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, numeric, timestamptz, interval)
RETURNS @extschema@.trend_state AS 'MODULE_PATHNAME', 'clv_trend_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, numeric, timestamptz, interval) IS 'transition function of clv.trend_agg (numeric amounts)';
CREATE OR REPLACE FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision)
RETURNS @extschema@.trend_state AS 'MODULE_PATHNAME', 'clv_trend_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision) IS 'transition function of clv.trend_agg with thresholds';
CREATE OR REPLACE FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision)
RETURNS @extschema@.trend_state AS 'MODULE_PATHNAME', 'clv_trend_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision) IS 'transition function of clv.trend_agg with thresholds (numeric amounts)';
CREATE OR REPLACE FUNCTION @extschema@.trend_combinefn(@extschema@.trend_state, @extschema@.trend_state)
RETURNS @extschema@.trend_state AS 'MODULE_PATHNAME', 'clv_trend_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_combinefn(@extschema@.trend_state, @extschema@.trend_state) IS 'combines partial clv.trend_agg states (parallel query); per-period sums add exactly';
CREATE OR REPLACE FUNCTION @extschema@.trend_finalfn(@extschema@.trend_state)
RETURNS @extschema@.trend AS 'MODULE_PATHNAME', 'clv_trend_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_finalfn(@extschema@.trend_state) IS 'final function of clv.trend_agg';

CREATE OR REPLACE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount double precision, as_of timestamptz, period interval) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, double precision, timestamptz, interval) IS
'Value trend (clv.trend) of the transactions at or before as_of, summed per period of the given length (local calendar days for whole days, as clv.rfm_agg); a NULL amount counts as a purchase worth 0; NULL for a group without such transactions';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount numeric, as_of timestamptz, period interval) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount double precision, as_of timestamptz, period interval,
                                       window_periods integer, min_periods integer,
                                       min_relative_slope double precision, slope_significance double precision) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision) IS
'Value trend (clv.trend) with explicit thresholds: window_periods (recent/previous windows and lapsed, default 3), min_periods (fewer is new, default 6), min_relative_slope (|slope / mean| per period for rising/declining, default 0.05), slope_significance (two-sided p-value of the slope, default 0.05)';
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, numeric, timestamptz, interval) IS
'Value trend (clv.trend) of numeric amounts, summed per period of the given length';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount numeric, as_of timestamptz, period interval,
                                       window_periods integer, min_periods integer,
                                       min_relative_slope double precision, slope_significance double precision) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision) IS
'Value trend (clv.trend) of numeric amounts with explicit thresholds (see the double precision overload)';

CREATE OR REPLACE FUNCTION @extschema@.lateness(frequency double precision, recency double precision, t double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_lateness'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness(double precision, double precision, double precision) IS
'Time since the last purchase in units of the customer''s mean inter-purchase time, (t - recency) / (recency / frequency): 1 = on schedule, 3 = three cycles overdue; NULL for one-time buyers';

CREATE OR REPLACE FUNCTION @extschema@.churn_risk(p_alive double precision, lateness double precision, direction text)
RETURNS text AS 'MODULE_PATHNAME', 'clv_churn_risk'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_risk(double precision, double precision, text) IS
'low | medium | high | churned, first match wins: churned if p_alive < 0.1 or (lapsed and lateness > 3); high if p_alive < 0.3, lateness > 2, (declining and lateness > 1) or lapsed unless lateness <= 1; medium if p_alive < 0.6, lateness > 1, lapsed or declining; else low. NULL lateness or direction is unknown; NULL p_alive gives NULL';

CREATE OR REPLACE FUNCTION @extschema@.rfm_score(value double precision, breakpoints double precision[], higher_is_better boolean DEFAULT true)
RETURNS integer AS 'MODULE_PATHNAME', 'clv_rfm_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_score(double precision, double precision[], boolean) IS
'Quintile score 1..5 of value given the population''s 20/40/60/80% breakpoints (e.g. percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY value)); a value on a breakpoint falls into the lower quintile; higher_is_better = false scores low values 5 (recency as days since the last purchase)';

CREATE OR REPLACE FUNCTION @extschema@.rfm_segment(r_score integer, f_score integer, m_score integer)
RETURNS text AS 'MODULE_PATHNAME', 'clv_rfm_segment'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_segment(integer, integer, integer) IS
'Named RFM segment (Champions, Loyal Customers, Potential Loyalist, New Customers, Promising, Need Attention, About to Sleep, At Risk, Can''t Lose Them, Hibernating, Lost) from the 5x5 grid of the recency score against ceil((f + m) / 2); scores 1..5';

-- Internal helpers of clv.cohort_retention: checked period index and revenue.
CREATE OR REPLACE FUNCTION @extschema@.cohort_period_index(bucket timestamp, cohort timestamp, period interval)
RETURNS integer AS 'MODULE_PATHNAME', 'clv_cohort_period_index'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_period_index(timestamp, timestamp, interval) IS
'Periods between a cohort''s date_bin bucket and a later one (internal; clv.cohort_retention): 22023 for infinite timestamps, 22003 past integer';
CREATE OR REPLACE FUNCTION @extschema@.cohort_revenue(revenue double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_cohort_revenue'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_revenue(double precision) IS
'A cohort period''s revenue, 22023 unless finite (internal; clv.cohort_retention)';
CREATE OR REPLACE FUNCTION @extschema@.cohort_revenue(revenue numeric)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_cohort_revenue_numeric'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_revenue(numeric) IS
'A cohort period''s revenue as double precision, 22023 unless finite, 22003 beyond double precision (internal; clv.cohort_retention)';

CREATE OR REPLACE FUNCTION @extschema@.cohort_retention(transactions_query text, period interval, time_zone @extschema@.time_zone)
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
  IF time_zone IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'time_zone must not be NULL';
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
  -- $1 = period, $2 = the time zone. Periods are date_bin buckets of
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
  USING period, time_zone::text;
END
$fn$;
COMMENT ON FUNCTION @extschema@.cohort_retention(text, interval, @extschema@.time_zone) IS
'Cohort retention table (see clv.cohort_retention(text, interval)) with periods cut on the wall clock of time_zone (a name of pg_timezone_names) instead of the session''s TimeZone';

CREATE OR REPLACE FUNCTION @extschema@.cohort_retention(transactions_query text, period interval)
RETURNS TABLE (cohort_start timestamptz, period_index integer, customers bigint, active bigint,
               retention double precision, churn_rate double precision, revenue double precision)
LANGUAGE sql STABLE
AS $fn$
  SELECT * FROM @extschema@.cohort_retention(transactions_query, period, pg_catalog.current_setting('TimeZone')::@extschema@.time_zone)
$fn$;
COMMENT ON FUNCTION @extschema@.cohort_retention(text, interval) IS
'Cohort retention table of a query returning (customer, ts, amount): cohort = the period of the customer''s first purchase (periods of the given length, days or shorter, counted on the local wall clock from 2000-01-01 like clv.rfm_agg); per cohort and period_index 0.. up to the last period in the data: customers in the cohort, active = customers still active at the start of the period (their last purchase falls in it or later: the survivor count clv.sbg_fit takes), retention = active / customers, churn_rate = share of the previous period''s active customers lost (NULL for period 0), revenue = the cohort''s amount in the period';

-- Churn trend: lateness against the customer's own median inter-purchase gap
-- (clv.lateness_agg).

CREATE OR REPLACE FUNCTION @extschema@.lateness_transfn(@extschema@.lateness_state, timestamptz, timestamptz)
RETURNS @extschema@.lateness_state AS 'MODULE_PATHNAME', 'clv_lateness_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_transfn(@extschema@.lateness_state, timestamptz, timestamptz) IS 'transition function of clv.lateness_agg';
CREATE OR REPLACE FUNCTION @extschema@.lateness_transfn(@extschema@.lateness_state, timestamptz, timestamptz, interval)
RETURNS @extschema@.lateness_state AS 'MODULE_PATHNAME', 'clv_lateness_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_transfn(@extschema@.lateness_state, timestamptz, timestamptz, interval) IS 'transition function of clv.lateness_agg with a unit';
CREATE OR REPLACE FUNCTION @extschema@.lateness_combinefn(@extschema@.lateness_state, @extschema@.lateness_state)
RETURNS @extschema@.lateness_state AS 'MODULE_PATHNAME', 'clv_lateness_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_combinefn(@extschema@.lateness_state, @extschema@.lateness_state) IS 'combine function of clv.lateness_agg';
CREATE OR REPLACE FUNCTION @extschema@.lateness_finalfn(@extschema@.lateness_state)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_lateness_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_finalfn(@extschema@.lateness_state) IS 'final function of clv.lateness_agg';

CREATE OR REPLACE AGGREGATE @extschema@.lateness_agg(ts timestamptz, as_of timestamptz) (
    SFUNC = @extschema@.lateness_transfn, STYPE = @extschema@.lateness_state, SSPACE = 256,
    FINALFUNC = @extschema@.lateness_finalfn,
    COMBINEFUNC = @extschema@.lateness_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.lateness_agg(timestamptz, timestamptz) IS
'Lateness against the customer''s own rhythm, by local calendar days: (as_of - start of the last purchase day) / median gap between the distinct purchase days (robust to one long pause; 1 = on schedule). Purchases after as_of and NULL timestamps are ignored; NULL with fewer than two distinct purchase days';
CREATE OR REPLACE AGGREGATE @extschema@.lateness_agg(ts timestamptz, as_of timestamptz, unit interval) (
    SFUNC = @extschema@.lateness_transfn, STYPE = @extschema@.lateness_state, SSPACE = 256,
    FINALFUNC = @extschema@.lateness_finalfn,
    COMBINEFUNC = @extschema@.lateness_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.lateness_agg(timestamptz, timestamptz, interval) IS
'Lateness against the customer''s own rhythm with purchases cut into periods of unit (days and time only, local wall clock from 2000-01-01 as clv.rfm_agg): (as_of - start of the last purchase period) / median gap between the distinct purchase periods; NULL with fewer than two';

-- Two-stage forms: NAME_state(args) returns the partial state (a shard's or
-- a part's), NAME_merge(state) finishes from any number of them; any split
-- of the rows gives the result of NAME(args) over all of them.
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg_state(ts timestamptz, amount double precision, as_of timestamptz, period interval) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg_state(timestamptz, double precision, timestamptz, interval) IS
'Partial state of clv.trend_agg over these rows (clv.trend_state), to finish with clv.trend_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg_merge(state @extschema@.trend_state) (
    SFUNC = @extschema@.trend_combinefn, STYPE = @extschema@.trend_state, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg_merge(@extschema@.trend_state) IS
'clv.trend_agg finished from partial states (clv.trend_agg_state): over any split of the rows, the same result as clv.trend_agg over all of them; NULL states are skipped';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg_state(ts timestamptz, amount numeric, as_of timestamptz, period interval) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg_state(timestamptz, numeric, timestamptz, interval) IS
'Partial state of clv.trend_agg over these rows (clv.trend_state), to finish with clv.trend_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg_state(ts timestamptz, amount double precision, as_of timestamptz, period interval,
                                       window_periods integer, min_periods integer,
                                       min_relative_slope double precision, slope_significance double precision) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg_state(timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision) IS
'Partial state of clv.trend_agg over these rows (clv.trend_state), to finish with clv.trend_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg_state(ts timestamptz, amount numeric, as_of timestamptz, period interval,
                                       window_periods integer, min_periods integer,
                                       min_relative_slope double precision, slope_significance double precision) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg_state(timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision) IS
'Partial state of clv.trend_agg over these rows (clv.trend_state), to finish with clv.trend_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.lateness_agg_state(ts timestamptz, as_of timestamptz) (
    SFUNC = @extschema@.lateness_transfn, STYPE = @extschema@.lateness_state, SSPACE = 256,
    COMBINEFUNC = @extschema@.lateness_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.lateness_agg_state(timestamptz, timestamptz) IS
'Partial state of clv.lateness_agg over these rows (clv.lateness_state), to finish with clv.lateness_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.lateness_agg_merge(state @extschema@.lateness_state) (
    SFUNC = @extschema@.lateness_combinefn, STYPE = @extschema@.lateness_state, SSPACE = 256,
    FINALFUNC = @extschema@.lateness_finalfn,
    COMBINEFUNC = @extschema@.lateness_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.lateness_agg_merge(@extschema@.lateness_state) IS
'clv.lateness_agg finished from partial states (clv.lateness_agg_state): over any split of the rows, the same result as clv.lateness_agg over all of them; NULL states are skipped';
CREATE OR REPLACE AGGREGATE @extschema@.lateness_agg_state(ts timestamptz, as_of timestamptz, unit interval) (
    SFUNC = @extschema@.lateness_transfn, STYPE = @extschema@.lateness_state, SSPACE = 256,
    COMBINEFUNC = @extschema@.lateness_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.lateness_agg_state(timestamptz, timestamptz, interval) IS
'Partial state of clv.lateness_agg over these rows (clv.lateness_state), to finish with clv.lateness_agg_merge: ship states instead of rows from shards or parts';

-- Forms with an explicit time zone (the last argument): periods are cut on
-- that zone's wall clock whatever the session's TimeZone, so shards, parallel
-- workers and sessions agree. IMMUTABLE like timezone(text, timestamptz). The zone is a
-- clv.time_zone (not text, whose collation would keep postgres_fdw from
-- shipping the aggregate).
CREATE OR REPLACE FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, double precision, timestamptz, interval, @extschema@.time_zone)
RETURNS @extschema@.trend_state AS 'MODULE_PATHNAME', 'clv_trend_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, double precision, timestamptz, interval, @extschema@.time_zone) IS 'transition function of clv.trend_agg with a time zone';
CREATE OR REPLACE FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision, @extschema@.time_zone)
RETURNS @extschema@.trend_state AS 'MODULE_PATHNAME', 'clv_trend_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision, @extschema@.time_zone) IS 'transition function of clv.trend_agg with thresholds and a time zone';
CREATE OR REPLACE FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, numeric, timestamptz, interval, @extschema@.time_zone)
RETURNS @extschema@.trend_state AS 'MODULE_PATHNAME', 'clv_trend_numeric_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, numeric, timestamptz, interval, @extschema@.time_zone) IS 'transition function of clv.trend_agg with a time zone (numeric amounts)';
CREATE OR REPLACE FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision, @extschema@.time_zone)
RETURNS @extschema@.trend_state AS 'MODULE_PATHNAME', 'clv_trend_numeric_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(@extschema@.trend_state, timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision, @extschema@.time_zone) IS 'transition function of clv.trend_agg with thresholds and a time zone (numeric amounts)';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount double precision, as_of timestamptz, period interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, double precision, timestamptz, interval, @extschema@.time_zone) IS
'Value trend (clv.trend) with periods cut on the wall clock of time_zone instead of the session''s TimeZone';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg_state(ts timestamptz, amount double precision, as_of timestamptz, period interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg_state(timestamptz, double precision, timestamptz, interval, @extschema@.time_zone) IS
'Partial state of clv.trend_agg with a time zone over these rows (clv.trend_state), to finish with clv.trend_agg_merge';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount double precision, as_of timestamptz, period interval, window_periods integer, min_periods integer, min_relative_slope double precision, slope_significance double precision, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision, @extschema@.time_zone) IS
'Value trend (clv.trend) and explicit thresholds with periods cut on the wall clock of time_zone instead of the session''s TimeZone';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg_state(ts timestamptz, amount double precision, as_of timestamptz, period interval, window_periods integer, min_periods integer, min_relative_slope double precision, slope_significance double precision, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg_state(timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision, @extschema@.time_zone) IS
'Partial state of clv.trend_agg and explicit thresholds with a time zone over these rows (clv.trend_state), to finish with clv.trend_agg_merge';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount numeric, as_of timestamptz, period interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, numeric, timestamptz, interval, @extschema@.time_zone) IS
'Value trend (clv.trend) with periods cut on the wall clock of time_zone instead of the session''s TimeZone';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg_state(ts timestamptz, amount numeric, as_of timestamptz, period interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg_state(timestamptz, numeric, timestamptz, interval, @extschema@.time_zone) IS
'Partial state of clv.trend_agg with a time zone over these rows (clv.trend_state), to finish with clv.trend_agg_merge';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount numeric, as_of timestamptz, period interval, window_periods integer, min_periods integer, min_relative_slope double precision, slope_significance double precision, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision, @extschema@.time_zone) IS
'Value trend (clv.trend) and explicit thresholds with periods cut on the wall clock of time_zone instead of the session''s TimeZone';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg_state(ts timestamptz, amount numeric, as_of timestamptz, period interval, window_periods integer, min_periods integer, min_relative_slope double precision, slope_significance double precision, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.trend_transfn, STYPE = @extschema@.trend_state, SSPACE = 512,
    COMBINEFUNC = @extschema@.trend_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg_state(timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision, @extschema@.time_zone) IS
'Partial state of clv.trend_agg and explicit thresholds with a time zone over these rows (clv.trend_state), to finish with clv.trend_agg_merge';
CREATE OR REPLACE FUNCTION @extschema@.lateness_transfn(@extschema@.lateness_state, timestamptz, timestamptz, interval, @extschema@.time_zone)
RETURNS @extschema@.lateness_state AS 'MODULE_PATHNAME', 'clv_lateness_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_transfn(@extschema@.lateness_state, timestamptz, timestamptz, interval, @extschema@.time_zone) IS 'transition function of clv.lateness_agg with a unit and a time zone';
CREATE OR REPLACE AGGREGATE @extschema@.lateness_agg(ts timestamptz, as_of timestamptz, unit interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.lateness_transfn, STYPE = @extschema@.lateness_state, SSPACE = 256,
    FINALFUNC = @extschema@.lateness_finalfn,
    COMBINEFUNC = @extschema@.lateness_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.lateness_agg(timestamptz, timestamptz, interval, @extschema@.time_zone) IS
'Lateness against the customer''s own rhythm with purchase periods cut on the wall clock of time_zone instead of the session''s TimeZone';
CREATE OR REPLACE AGGREGATE @extschema@.lateness_agg_state(ts timestamptz, as_of timestamptz, unit interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.lateness_transfn, STYPE = @extschema@.lateness_state, SSPACE = 256,
    COMBINEFUNC = @extschema@.lateness_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.lateness_agg_state(timestamptz, timestamptz, interval, @extschema@.time_zone) IS
'Partial state of clv.lateness_agg with a time zone over these rows (clv.lateness_state), to finish with clv.lateness_agg_merge';
