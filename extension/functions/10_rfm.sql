-- RFM summaries and closed-form CLV (src/pg/rfm).
-- Idempotent (CREATE OR REPLACE): the install script and every upgrade load
-- this file as it is; the types are in install/10_rfm_types.sql.

-- Transition functions read the session TimeZone (purchase periods follow
-- local calendar days), hence STABLE.
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, double precision, timestamptz)
RETURNS @extschema@.rfm_state AS 'MODULE_PATHNAME', 'clv_rfm_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, double precision, timestamptz, interval)
RETURNS @extschema@.rfm_state AS 'MODULE_PATHNAME', 'clv_rfm_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, double precision, timestamptz, interval, interval)
RETURNS @extschema@.rfm_state AS 'MODULE_PATHNAME', 'clv_rfm_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, numeric, timestamptz)
RETURNS @extschema@.rfm_state AS 'MODULE_PATHNAME', 'clv_rfm_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, numeric, timestamptz, interval)
RETURNS @extschema@.rfm_state AS 'MODULE_PATHNAME', 'clv_rfm_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, numeric, timestamptz, interval, interval)
RETURNS @extschema@.rfm_state AS 'MODULE_PATHNAME', 'clv_rfm_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_combinefn(@extschema@.rfm_state, @extschema@.rfm_state)
RETURNS @extschema@.rfm_state AS 'MODULE_PATHNAME', 'clv_rfm_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_finalfn(@extschema@.rfm_state)
RETURNS @extschema@.rfm AS 'MODULE_PATHNAME', 'clv_rfm_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, double precision, timestamptz) IS 'transition function of clv.rfm_agg';
COMMENT ON FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, double precision, timestamptz, interval) IS 'transition function of clv.rfm_agg';
COMMENT ON FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, double precision, timestamptz, interval, interval) IS 'transition function of clv.rfm_agg';
COMMENT ON FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, numeric, timestamptz) IS 'transition function of clv.rfm_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, numeric, timestamptz, interval) IS 'transition function of clv.rfm_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, numeric, timestamptz, interval, interval) IS 'transition function of clv.rfm_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_combinefn(@extschema@.rfm_state, @extschema@.rfm_state) IS 'combines partial clv.rfm_agg states (parallel query)';
COMMENT ON FUNCTION @extschema@.rfm_finalfn(@extschema@.rfm_state) IS 'final function of clv.rfm_agg';

-- SSPACE: bytes per group the planner should expect for hash aggregation
-- (the state with room for a few purchase periods), instead of the average
-- width of a varlena value it assumes otherwise.
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount double precision, as_of timestamptz) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount double precision, as_of timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount double precision, as_of timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount numeric, as_of timestamptz) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount numeric, as_of timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount numeric, as_of timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, double precision, timestamptz) IS
'RFM summary (clv.rfm) of the transactions at or before as_of, in days, with one-day purchase periods; NULL for a group with no such transaction';
COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, double precision, timestamptz, interval) IS
'RFM summary (clv.rfm) of the transactions at or before as_of, recency and t expressed in unit, one-day purchase periods';
COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, double precision, timestamptz, interval, interval) IS
'RFM summary (clv.rfm) of the transactions at or before as_of, recency and t in unit, purchases bucketed into periods of the given length (local calendar days for whole days)';
COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, numeric, timestamptz) IS
'RFM summary (clv.rfm) of numeric amounts, in days, one-day purchase periods';
COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, numeric, timestamptz, interval) IS
'RFM summary (clv.rfm) of numeric amounts, recency and t in unit, one-day purchase periods';
COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, numeric, timestamptz, interval, interval) IS
'RFM summary (clv.rfm) of numeric amounts, recency and t in unit, purchase periods of the given length';

CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, double precision, timestamptz, timestamptz)
RETURNS @extschema@.rfm_holdout_state AS 'MODULE_PATHNAME', 'clv_rfm_holdout_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, double precision, timestamptz, timestamptz, interval)
RETURNS @extschema@.rfm_holdout_state AS 'MODULE_PATHNAME', 'clv_rfm_holdout_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, double precision, timestamptz, timestamptz, interval, interval)
RETURNS @extschema@.rfm_holdout_state AS 'MODULE_PATHNAME', 'clv_rfm_holdout_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, numeric, timestamptz, timestamptz)
RETURNS @extschema@.rfm_holdout_state AS 'MODULE_PATHNAME', 'clv_rfm_holdout_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, numeric, timestamptz, timestamptz, interval)
RETURNS @extschema@.rfm_holdout_state AS 'MODULE_PATHNAME', 'clv_rfm_holdout_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, numeric, timestamptz, timestamptz, interval, interval)
RETURNS @extschema@.rfm_holdout_state AS 'MODULE_PATHNAME', 'clv_rfm_holdout_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_combinefn(@extschema@.rfm_holdout_state, @extschema@.rfm_holdout_state)
RETURNS @extschema@.rfm_holdout_state AS 'MODULE_PATHNAME', 'clv_rfm_holdout_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_finalfn(@extschema@.rfm_holdout_state)
RETURNS @extschema@.rfm_holdout AS 'MODULE_PATHNAME', 'clv_rfm_holdout_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, double precision, timestamptz, timestamptz) IS 'transition function of clv.rfm_holdout_agg';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, double precision, timestamptz, timestamptz, interval) IS 'transition function of clv.rfm_holdout_agg';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, double precision, timestamptz, timestamptz, interval, interval) IS 'transition function of clv.rfm_holdout_agg';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, numeric, timestamptz, timestamptz) IS 'transition function of clv.rfm_holdout_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, numeric, timestamptz, timestamptz, interval) IS 'transition function of clv.rfm_holdout_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, numeric, timestamptz, timestamptz, interval, interval) IS 'transition function of clv.rfm_holdout_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_combinefn(@extschema@.rfm_holdout_state, @extschema@.rfm_holdout_state) IS 'combines partial clv.rfm_holdout_agg states (parallel query)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_finalfn(@extschema@.rfm_holdout_state) IS 'final function of clv.rfm_holdout_agg';

CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, double precision, timestamptz, timestamptz) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) in days, one-day purchase periods; NULL for customers without a purchase by calibration_end';
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, double precision, timestamptz, timestamptz, interval) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) in unit, one-day purchase periods';
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, double precision, timestamptz, timestamptz, interval, interval) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) in unit, purchase periods of the given length';
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, numeric, timestamptz, timestamptz) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) of numeric amounts, in days';
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, numeric, timestamptz, timestamptz, interval) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) of numeric amounts, in unit';
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, numeric, timestamptz, timestamptz, interval, interval) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) of numeric amounts, in unit, purchase periods of the given length';

--------------------------------------------------------------------------
-- Closed-form CLV
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@.simple_clv(avg_order_value double precision, purchases_per_year double precision, lifespan_years double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_simple_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.simple_clv(double precision, double precision, double precision) IS
'Simple CLV: average order value x purchases per year x lifespan in years (purchases_per_year and lifespan_years >= 0)';

CREATE OR REPLACE FUNCTION @extschema@.historical_clv(gross_margin double precision, direct_costs double precision, acquisition_cost double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_historical_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.historical_clv(double precision, double precision, double precision) IS
'Historical CLV: gross margin - direct costs - acquisition cost';

CREATE OR REPLACE FUNCTION @extschema@.retention_clv(margin_per_period double precision, retention_rate double precision, discount_rate double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_retention_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retention_clv(double precision, double precision, double precision) IS
'Retention CLV with discounting: m * r / (1 + d - r), retention_rate in [0, 1), discount_rate > -1 and above retention_rate - 1';

-- Two-stage forms: NAME_state(args) returns the partial state (a shard's or
-- a part's), NAME_merge(state) finishes from any number of them; any split
-- of the rows gives the result of NAME(args) over all of them.
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg_state(ts timestamptz, amount double precision, as_of timestamptz) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_agg_state(timestamptz, double precision, timestamptz) IS
'Partial state of clv.rfm_agg over these rows (clv.rfm_state), to finish with clv.rfm_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg_merge(state @extschema@.rfm_state) (
    SFUNC = @extschema@.rfm_combinefn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_agg_merge(@extschema@.rfm_state) IS
'clv.rfm_agg finished from partial states (clv.rfm_agg_state): over any split of the rows, the same result as clv.rfm_agg over all of them; NULL states are skipped';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg_state(ts timestamptz, amount double precision, as_of timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_agg_state(timestamptz, double precision, timestamptz, interval) IS
'Partial state of clv.rfm_agg over these rows (clv.rfm_state), to finish with clv.rfm_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg_state(ts timestamptz, amount double precision, as_of timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_agg_state(timestamptz, double precision, timestamptz, interval, interval) IS
'Partial state of clv.rfm_agg over these rows (clv.rfm_state), to finish with clv.rfm_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg_state(ts timestamptz, amount numeric, as_of timestamptz) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_agg_state(timestamptz, numeric, timestamptz) IS
'Partial state of clv.rfm_agg over these rows (clv.rfm_state), to finish with clv.rfm_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg_state(ts timestamptz, amount numeric, as_of timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_agg_state(timestamptz, numeric, timestamptz, interval) IS
'Partial state of clv.rfm_agg over these rows (clv.rfm_state), to finish with clv.rfm_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg_state(ts timestamptz, amount numeric, as_of timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_agg_state(timestamptz, numeric, timestamptz, interval, interval) IS
'Partial state of clv.rfm_agg over these rows (clv.rfm_state), to finish with clv.rfm_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg_state(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg_state(timestamptz, double precision, timestamptz, timestamptz) IS
'Partial state of clv.rfm_holdout_agg over these rows (clv.rfm_holdout_state), to finish with clv.rfm_holdout_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg_merge(state @extschema@.rfm_holdout_state) (
    SFUNC = @extschema@.rfm_holdout_combinefn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg_merge(@extschema@.rfm_holdout_state) IS
'clv.rfm_holdout_agg finished from partial states (clv.rfm_holdout_agg_state): over any split of the rows, the same result as clv.rfm_holdout_agg over all of them; NULL states are skipped';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg_state(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg_state(timestamptz, double precision, timestamptz, timestamptz, interval) IS
'Partial state of clv.rfm_holdout_agg over these rows (clv.rfm_holdout_state), to finish with clv.rfm_holdout_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg_state(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg_state(timestamptz, double precision, timestamptz, timestamptz, interval, interval) IS
'Partial state of clv.rfm_holdout_agg over these rows (clv.rfm_holdout_state), to finish with clv.rfm_holdout_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg_state(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg_state(timestamptz, numeric, timestamptz, timestamptz) IS
'Partial state of clv.rfm_holdout_agg over these rows (clv.rfm_holdout_state), to finish with clv.rfm_holdout_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg_state(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg_state(timestamptz, numeric, timestamptz, timestamptz, interval) IS
'Partial state of clv.rfm_holdout_agg over these rows (clv.rfm_holdout_state), to finish with clv.rfm_holdout_agg_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg_state(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg_state(timestamptz, numeric, timestamptz, timestamptz, interval, interval) IS
'Partial state of clv.rfm_holdout_agg over these rows (clv.rfm_holdout_state), to finish with clv.rfm_holdout_agg_merge: ship states instead of rows from shards or parts';

-- Forms with an explicit time zone (the last argument): periods are cut on
-- that zone's wall clock whatever the session's TimeZone, so shards, parallel
-- workers and sessions agree. IMMUTABLE like timezone(text, timestamptz). The zone is a
-- clv.time_zone (not text, whose collation would keep postgres_fdw from
-- shipping the aggregate).
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, double precision, timestamptz, interval, interval, @extschema@.time_zone)
RETURNS @extschema@.rfm_state AS 'MODULE_PATHNAME', 'clv_rfm_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, double precision, timestamptz, interval, interval, @extschema@.time_zone) IS 'transition function of clv.rfm_agg with a time zone';
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, numeric, timestamptz, interval, interval, @extschema@.time_zone)
RETURNS @extschema@.rfm_state AS 'MODULE_PATHNAME', 'clv_rfm_numeric_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_transfn(@extschema@.rfm_state, timestamptz, numeric, timestamptz, interval, interval, @extschema@.time_zone) IS 'transition function of clv.rfm_agg with a time zone (numeric amounts)';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount double precision, as_of timestamptz, unit interval, period interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, double precision, timestamptz, interval, interval, @extschema@.time_zone) IS
'RFM summary (clv.rfm) with purchase periods cut on the wall clock of time_zone (a name of pg_timezone_names) instead of the session''s TimeZone: the same result in every session, on every shard';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg_state(ts timestamptz, amount double precision, as_of timestamptz, unit interval, period interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_agg_state(timestamptz, double precision, timestamptz, interval, interval, @extschema@.time_zone) IS
'Partial state of clv.rfm_agg with a time zone over these rows (clv.rfm_state), to finish with clv.rfm_agg_merge';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount numeric, as_of timestamptz, unit interval, period interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, numeric, timestamptz, interval, interval, @extschema@.time_zone) IS
'RFM summary (clv.rfm) with purchase periods cut on the wall clock of time_zone (a name of pg_timezone_names) instead of the session''s TimeZone: the same result in every session, on every shard';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg_state(ts timestamptz, amount numeric, as_of timestamptz, unit interval, period interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.rfm_transfn, STYPE = @extschema@.rfm_state, SSPACE = 320,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_agg_state(timestamptz, numeric, timestamptz, interval, interval, @extschema@.time_zone) IS
'Partial state of clv.rfm_agg with a time zone over these rows (clv.rfm_state), to finish with clv.rfm_agg_merge';
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, double precision, timestamptz, timestamptz, interval, interval, @extschema@.time_zone)
RETURNS @extschema@.rfm_holdout_state AS 'MODULE_PATHNAME', 'clv_rfm_holdout_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, double precision, timestamptz, timestamptz, interval, interval, @extschema@.time_zone) IS 'transition function of clv.rfm_holdout_agg with a time zone';
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, numeric, timestamptz, timestamptz, interval, interval, @extschema@.time_zone)
RETURNS @extschema@.rfm_holdout_state AS 'MODULE_PATHNAME', 'clv_rfm_holdout_numeric_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(@extschema@.rfm_holdout_state, timestamptz, numeric, timestamptz, timestamptz, interval, interval, @extschema@.time_zone) IS 'transition function of clv.rfm_holdout_agg with a time zone (numeric amounts)';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz, unit interval, period interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, double precision, timestamptz, timestamptz, interval, interval, @extschema@.time_zone) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) with purchase periods cut on the wall clock of time_zone instead of the session''s TimeZone';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg_state(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz, unit interval, period interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg_state(timestamptz, double precision, timestamptz, timestamptz, interval, interval, @extschema@.time_zone) IS
'Partial state of clv.rfm_holdout_agg with a time zone over these rows (clv.rfm_holdout_state), to finish with clv.rfm_holdout_agg_merge';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz, unit interval, period interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, numeric, timestamptz, timestamptz, interval, interval, @extschema@.time_zone) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) with purchase periods cut on the wall clock of time_zone instead of the session''s TimeZone';
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg_state(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz, unit interval, period interval, time_zone @extschema@.time_zone) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = @extschema@.rfm_holdout_state, SSPACE = 400,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg_state(timestamptz, numeric, timestamptz, timestamptz, interval, interval, @extschema@.time_zone) IS
'Partial state of clv.rfm_holdout_agg with a time zone over these rows (clv.rfm_holdout_state), to finish with clv.rfm_holdout_agg_merge';
