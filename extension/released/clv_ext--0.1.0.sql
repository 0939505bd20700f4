-- clv_ext install script, assembled by the Makefile from extension/src/*.sql.
\echo Use "CREATE EXTENSION clv_ext" to load this file. \quit
-- RFM summaries and closed-form CLV.

--------------------------------------------------------------------------
-- RFM summary
--------------------------------------------------------------------------

CREATE TYPE @extschema@.rfm AS (
    frequency    integer,
    recency      double precision,
    t            double precision,
    monetary     double precision,
    n_orders     bigint,
    total_amount double precision,
    first_ts     timestamptz,
    last_ts      timestamptz
);
COMMENT ON TYPE @extschema@.rfm IS
'RFM summary of one customer (clv.rfm_agg): frequency = repeat purchase periods, recency and t (age) in the chosen unit from the start of the first purchase period, monetary = mean value of the repeat purchase periods, order count, total amount, first and last purchase time';

CREATE TYPE @extschema@.rfm_holdout AS (
    frequency         integer,
    recency           double precision,
    t                 double precision,
    monetary          double precision,
    n_orders          bigint,
    total_amount      double precision,
    first_ts          timestamptz,
    last_ts           timestamptz,
    frequency_holdout integer,
    monetary_holdout  double precision,
    duration_holdout  double precision
);
COMMENT ON TYPE @extschema@.rfm_holdout IS
'Calibration RFM summary (fields as clv.rfm, up to calibration_end) plus the purchase periods, their mean value and the length of the holdout window (calibration_end, observation_end], for model validation';

-- Transition functions read the session TimeZone (purchase periods follow
-- local calendar days), hence STABLE.
CREATE FUNCTION @extschema@.rfm_transfn(internal, timestamptz, double precision, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_transfn(internal, timestamptz, double precision, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_transfn(internal, timestamptz, double precision, timestamptz, interval, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_transfn(internal, timestamptz, numeric, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_transfn(internal, timestamptz, numeric, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_transfn(internal, timestamptz, numeric, timestamptz, interval, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_rfm_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_finalfn(internal)
RETURNS @extschema@.rfm AS 'MODULE_PATHNAME', 'clv_rfm_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.rfm_transfn(internal, timestamptz, double precision, timestamptz) IS 'transition function of clv.rfm_agg';
COMMENT ON FUNCTION @extschema@.rfm_transfn(internal, timestamptz, double precision, timestamptz, interval) IS 'transition function of clv.rfm_agg';
COMMENT ON FUNCTION @extschema@.rfm_transfn(internal, timestamptz, double precision, timestamptz, interval, interval) IS 'transition function of clv.rfm_agg';
COMMENT ON FUNCTION @extschema@.rfm_transfn(internal, timestamptz, numeric, timestamptz) IS 'transition function of clv.rfm_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_transfn(internal, timestamptz, numeric, timestamptz, interval) IS 'transition function of clv.rfm_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_transfn(internal, timestamptz, numeric, timestamptz, interval, interval) IS 'transition function of clv.rfm_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_combinefn(internal, internal) IS 'combines partial clv.rfm_agg states (parallel query)';
COMMENT ON FUNCTION @extschema@.rfm_serialfn(internal) IS 'serializes a clv.rfm_agg state (versioned, architecture-independent)';
COMMENT ON FUNCTION @extschema@.rfm_deserialfn(bytea, internal) IS 'deserializes and validates a clv.rfm_agg state';
COMMENT ON FUNCTION @extschema@.rfm_finalfn(internal) IS 'final function of clv.rfm_agg';

-- SSPACE: bytes per group the planner should expect for hash aggregation
-- (the state with room for a few purchase periods), instead of the 8 kB it
-- assumes for internal states.
CREATE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount double precision, as_of timestamptz) (
    SFUNC = @extschema@.rfm_transfn, STYPE = internal, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    SERIALFUNC = @extschema@.rfm_serialfn, DESERIALFUNC = @extschema@.rfm_deserialfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount double precision, as_of timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = internal, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    SERIALFUNC = @extschema@.rfm_serialfn, DESERIALFUNC = @extschema@.rfm_deserialfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount double precision, as_of timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = internal, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    SERIALFUNC = @extschema@.rfm_serialfn, DESERIALFUNC = @extschema@.rfm_deserialfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount numeric, as_of timestamptz) (
    SFUNC = @extschema@.rfm_transfn, STYPE = internal, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    SERIALFUNC = @extschema@.rfm_serialfn, DESERIALFUNC = @extschema@.rfm_deserialfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount numeric, as_of timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = internal, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    SERIALFUNC = @extschema@.rfm_serialfn, DESERIALFUNC = @extschema@.rfm_deserialfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount numeric, as_of timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = internal, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    SERIALFUNC = @extschema@.rfm_serialfn, DESERIALFUNC = @extschema@.rfm_deserialfn,
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

CREATE FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, double precision, timestamptz, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, double precision, timestamptz, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, double precision, timestamptz, timestamptz, interval, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, numeric, timestamptz, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, numeric, timestamptz, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, numeric, timestamptz, timestamptz, interval, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_holdout_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_holdout_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_rfm_holdout_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_holdout_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_holdout_finalfn(internal)
RETURNS @extschema@.rfm_holdout AS 'MODULE_PATHNAME', 'clv_rfm_holdout_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, double precision, timestamptz, timestamptz) IS 'transition function of clv.rfm_holdout_agg';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, double precision, timestamptz, timestamptz, interval) IS 'transition function of clv.rfm_holdout_agg';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, double precision, timestamptz, timestamptz, interval, interval) IS 'transition function of clv.rfm_holdout_agg';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, numeric, timestamptz, timestamptz) IS 'transition function of clv.rfm_holdout_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, numeric, timestamptz, timestamptz, interval) IS 'transition function of clv.rfm_holdout_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, numeric, timestamptz, timestamptz, interval, interval) IS 'transition function of clv.rfm_holdout_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_combinefn(internal, internal) IS 'combines partial clv.rfm_holdout_agg states (parallel query)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_serialfn(internal) IS 'serializes a clv.rfm_holdout_agg state (versioned, architecture-independent)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_deserialfn(bytea, internal) IS 'deserializes and validates a clv.rfm_holdout_agg state';
COMMENT ON FUNCTION @extschema@.rfm_holdout_finalfn(internal) IS 'final function of clv.rfm_holdout_agg';

CREATE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = internal, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    SERIALFUNC = @extschema@.rfm_holdout_serialfn, DESERIALFUNC = @extschema@.rfm_holdout_deserialfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = internal, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    SERIALFUNC = @extschema@.rfm_holdout_serialfn, DESERIALFUNC = @extschema@.rfm_holdout_deserialfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = internal, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    SERIALFUNC = @extschema@.rfm_holdout_serialfn, DESERIALFUNC = @extschema@.rfm_holdout_deserialfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = internal, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    SERIALFUNC = @extschema@.rfm_holdout_serialfn, DESERIALFUNC = @extschema@.rfm_holdout_deserialfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = internal, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    SERIALFUNC = @extschema@.rfm_holdout_serialfn, DESERIALFUNC = @extschema@.rfm_holdout_deserialfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = internal, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    SERIALFUNC = @extschema@.rfm_holdout_serialfn, DESERIALFUNC = @extschema@.rfm_holdout_deserialfn,
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

CREATE FUNCTION @extschema@.simple_clv(avg_order_value double precision, purchases_per_year double precision, lifespan_years double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_simple_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.simple_clv(double precision, double precision, double precision) IS
'Simple CLV: average order value x purchases per year x lifespan in years (purchases_per_year and lifespan_years >= 0)';

CREATE FUNCTION @extschema@.historical_clv(gross_margin double precision, direct_costs double precision, acquisition_cost double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_historical_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.historical_clv(double precision, double precision, double precision) IS
'Historical CLV: gross margin - direct costs - acquisition cost';

CREATE FUNCTION @extschema@.retention_clv(margin_per_period double precision, retention_rate double precision, discount_rate double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_retention_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retention_clv(double precision, double precision, double precision) IS
'Retention CLV with discounting: m * r / (1 + d - r), retention_rate in [0, 1), discount_rate > -1 and above retention_rate - 1';
-- Probabilistic CLV models: fit aggregates and scoring functions.

--------------------------------------------------------------------------
-- Model types
--------------------------------------------------------------------------

CREATE TYPE @extschema@.bgnbd AS (
    r              double precision,
    alpha          double precision,
    a              double precision,
    b              double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer
);
COMMENT ON TYPE @extschema@.bgnbd IS
'BG/NBD model (Fader, Hardie & Lee 2005): purchase rate ~ Gamma(r, alpha), dropout after each repeat purchase ~ Beta(a, b); alpha is in the unit of the fitted recency and t; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations';

CREATE TYPE @extschema@.mbgnbd AS (
    r              double precision,
    alpha          double precision,
    a              double precision,
    b              double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer
);
COMMENT ON TYPE @extschema@.mbgnbd IS
'MBG/NBD model (Batislam, Denizel & Filiztekin 2007): as BG/NBD, with a possible dropout right after the first purchase too; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations';

CREATE TYPE @extschema@.pareto_nbd AS (
    r              double precision,
    alpha          double precision,
    s              double precision,
    beta           double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer
);
COMMENT ON TYPE @extschema@.pareto_nbd IS
'Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): purchase rate ~ Gamma(r, alpha), dropout rate ~ Gamma(s, beta); log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations';

CREATE TYPE @extschema@.gamma_gamma AS (
    p              double precision,
    q              double precision,
    v              double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer
);
COMMENT ON TYPE @extschema@.gamma_gamma IS
'Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): mean transaction value of repeat purchases; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations';

CREATE TYPE @extschema@.sbg AS (
    alpha          double precision,
    beta           double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer
);
COMMENT ON TYPE @extschema@.sbg IS
'Shifted-beta-geometric contractual retention model (Fader & Hardie 2007): churn probability ~ Beta(alpha, beta); log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations';

--------------------------------------------------------------------------
-- Fit aggregates. States hold the distinct inputs with their counts, so the
-- fit in the final function costs as much as the distinct inputs. Rows with
-- a NULL input are skipped.
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.rfm_fit_transfn(internal, double precision, double precision, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_transfn(internal, double precision, double precision, double precision) IS 'transition function collecting the (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits';
CREATE FUNCTION @extschema@.rfm_fit_transfn(internal, double precision, double precision, double precision, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_transfn(internal, double precision, double precision, double precision, double precision) IS 'transition function collecting the (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits';
CREATE FUNCTION @extschema@.rfm_fit_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_fit_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_combinefn(internal, internal) IS 'combines partial states of (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits (parallel query)';
CREATE FUNCTION @extschema@.rfm_fit_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_rfm_fit_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_serialfn(internal) IS 'serializes a state of (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits (versioned, architecture-independent)';
CREATE FUNCTION @extschema@.rfm_fit_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_fit_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_deserialfn(bytea, internal) IS 'deserializes and validates a state of (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits';

CREATE FUNCTION @extschema@.spend_fit_transfn(internal, double precision, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_spend_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_transfn(internal, double precision, double precision) IS 'transition function collecting the (frequency, monetary) pairs of Gamma-Gamma fits';
CREATE FUNCTION @extschema@.spend_fit_transfn(internal, double precision, double precision, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_spend_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_transfn(internal, double precision, double precision, double precision) IS 'transition function collecting the (frequency, monetary) pairs of Gamma-Gamma fits';
CREATE FUNCTION @extschema@.spend_fit_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_spend_fit_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_combinefn(internal, internal) IS 'combines partial states of (frequency, monetary) pairs of Gamma-Gamma fits (parallel query)';
CREATE FUNCTION @extschema@.spend_fit_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_spend_fit_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_serialfn(internal) IS 'serializes a state of (frequency, monetary) pairs of Gamma-Gamma fits (versioned, architecture-independent)';
CREATE FUNCTION @extschema@.spend_fit_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_spend_fit_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_deserialfn(bytea, internal) IS 'deserializes and validates a state of (frequency, monetary) pairs of Gamma-Gamma fits';

CREATE FUNCTION @extschema@.cohort_fit_transfn(internal, integer, bigint)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_cohort_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_transfn(internal, integer, bigint) IS 'transition function collecting the (period, active) counts of sBG fits';
CREATE FUNCTION @extschema@.cohort_fit_transfn(internal, integer, bigint, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_cohort_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_transfn(internal, integer, bigint, double precision) IS 'transition function collecting the (period, active) counts of sBG fits';
CREATE FUNCTION @extschema@.cohort_fit_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_cohort_fit_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_combinefn(internal, internal) IS 'combines partial states of (period, active) counts of sBG fits (parallel query)';
CREATE FUNCTION @extschema@.cohort_fit_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_cohort_fit_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_serialfn(internal) IS 'serializes a state of (period, active) counts of sBG fits (versioned, architecture-independent)';
CREATE FUNCTION @extschema@.cohort_fit_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_cohort_fit_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_deserialfn(bytea, internal) IS 'deserializes and validates a state of (period, active) counts of sBG fits';

CREATE FUNCTION @extschema@.bgnbd_fit_finalfn(internal)
RETURNS @extschema@.bgnbd AS 'MODULE_PATHNAME', 'clv_bgnbd_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_fit_finalfn(internal) IS 'fits the BG/NBD model by maximum likelihood (final function of clv.bgnbd_fit)';
CREATE AGGREGATE @extschema@.bgnbd_fit(frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.bgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    SERIALFUNC = @extschema@.rfm_fit_serialfn, DESERIALFUNC = @extschema@.rfm_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the BG/NBD model (clv.bgnbd); frequency, recency and t as from clv.rfm_agg, in one unit';

CREATE AGGREGATE @extschema@.bgnbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.bgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    SERIALFUNC = @extschema@.rfm_fit_serialfn, DESERIALFUNC = @extschema@.rfm_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the BG/NBD model (clv.bgnbd); frequency, recency and t as from clv.rfm_agg, in one unit with an L2 penalty penalizer * sum(params^2) on the mean negative log-likelihood, as the lifetimes librarys penalizer_coef';

CREATE FUNCTION @extschema@.mbgnbd_fit_finalfn(internal)
RETURNS @extschema@.mbgnbd AS 'MODULE_PATHNAME', 'clv_mbgnbd_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mbgnbd_fit_finalfn(internal) IS 'fits the MBG/NBD model by maximum likelihood (final function of clv.mbgnbd_fit)';
CREATE AGGREGATE @extschema@.mbgnbd_fit(frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.mbgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    SERIALFUNC = @extschema@.rfm_fit_serialfn, DESERIALFUNC = @extschema@.rfm_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the MBG/NBD model (clv.mbgnbd); frequency, recency and t as from clv.rfm_agg, in one unit';

CREATE AGGREGATE @extschema@.mbgnbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.mbgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    SERIALFUNC = @extschema@.rfm_fit_serialfn, DESERIALFUNC = @extschema@.rfm_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the MBG/NBD model (clv.mbgnbd); frequency, recency and t as from clv.rfm_agg, in one unit with an L2 penalty penalizer * sum(params^2) on the mean negative log-likelihood, as the lifetimes librarys penalizer_coef';

CREATE FUNCTION @extschema@.pareto_nbd_fit_finalfn(internal)
RETURNS @extschema@.pareto_nbd AS 'MODULE_PATHNAME', 'clv_pareto_nbd_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pareto_nbd_fit_finalfn(internal) IS 'fits the Pareto/NBD model by maximum likelihood (final function of clv.pareto_nbd_fit)';
CREATE AGGREGATE @extschema@.pareto_nbd_fit(frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.pareto_nbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    SERIALFUNC = @extschema@.rfm_fit_serialfn, DESERIALFUNC = @extschema@.rfm_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Pareto/NBD model (clv.pareto_nbd); frequency, recency and t as from clv.rfm_agg, in one unit';

CREATE AGGREGATE @extschema@.pareto_nbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.pareto_nbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    SERIALFUNC = @extschema@.rfm_fit_serialfn, DESERIALFUNC = @extschema@.rfm_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Pareto/NBD model (clv.pareto_nbd); frequency, recency and t as from clv.rfm_agg, in one unit with an L2 penalty penalizer * sum(params^2) on the mean negative log-likelihood, as the lifetimes librarys penalizer_coef';

CREATE FUNCTION @extschema@.gamma_gamma_fit_finalfn(internal)
RETURNS @extschema@.gamma_gamma AS 'MODULE_PATHNAME', 'clv_gamma_gamma_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gamma_gamma_fit_finalfn(internal) IS 'fits the Gamma-Gamma model by maximum likelihood (final function of clv.gamma_gamma_fit)';
CREATE AGGREGATE @extschema@.gamma_gamma_fit(frequency double precision, monetary double precision) (
    SFUNC = @extschema@.spend_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.gamma_gamma_fit_finalfn,
    COMBINEFUNC = @extschema@.spend_fit_combinefn,
    SERIALFUNC = @extschema@.spend_fit_serialfn, DESERIALFUNC = @extschema@.spend_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit(double precision, double precision) IS
'Maximum-likelihood fit of the Gamma-Gamma model (clv.gamma_gamma); customers with frequency 0 are ignored, monetary must be > 0 for the others';

CREATE AGGREGATE @extschema@.gamma_gamma_fit(frequency double precision, monetary double precision, penalizer double precision) (
    SFUNC = @extschema@.spend_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.gamma_gamma_fit_finalfn,
    COMBINEFUNC = @extschema@.spend_fit_combinefn,
    SERIALFUNC = @extschema@.spend_fit_serialfn, DESERIALFUNC = @extschema@.spend_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Gamma-Gamma model (clv.gamma_gamma); customers with frequency 0 are ignored, monetary must be > 0 for the others with an L2 penalty penalizer * sum(params^2) on the mean negative log-likelihood, as the lifetimes librarys penalizer_coef';

CREATE FUNCTION @extschema@.sbg_fit_finalfn(internal)
RETURNS @extschema@.sbg AS 'MODULE_PATHNAME', 'clv_sbg_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_fit_finalfn(internal) IS 'fits the shifted-beta-geometric model by maximum likelihood (final function of clv.sbg_fit)';
CREATE AGGREGATE @extschema@.sbg_fit(period integer, active bigint) (
    SFUNC = @extschema@.cohort_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.sbg_fit_finalfn,
    COMBINEFUNC = @extschema@.cohort_fit_combinefn,
    SERIALFUNC = @extschema@.cohort_fit_serialfn, DESERIALFUNC = @extschema@.cohort_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.sbg_fit(integer, bigint) IS
'Maximum-likelihood fit of the shifted-beta-geometric model (clv.sbg); active = customers of the cohort still active at the start of period 0, 1, 2, ... (counts of one period add up across rows)';

--------------------------------------------------------------------------
-- Scoring. Times (recency, t, horizon) are in the unit the model was fitted in.
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.p_alive(model @extschema@.bgnbd, frequency double precision, recency double precision, t double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.bgnbd, double precision, double precision, double precision) IS 'Probability that a customer with this history is still alive at t (BG/NBD)';

CREATE FUNCTION @extschema@.expected_purchases(model @extschema@.bgnbd, frequency double precision, recency double precision, t double precision, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.bgnbd, double precision, double precision, double precision, double precision) IS 'Expected purchases in the next horizon time units, given the customer history (BG/NBD)';

CREATE FUNCTION @extschema@.expected_purchases_new(model @extschema@.bgnbd, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_expected_purchases_new'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases_new(@extschema@.bgnbd, double precision) IS 'Expected purchases of a newly acquired customer in its first horizon time units (BG/NBD)';

CREATE FUNCTION @extschema@.prob_purchases(model @extschema@.bgnbd, n integer, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.bgnbd, integer, double precision) IS 'Probability that a newly acquired customer makes exactly n purchases in horizon time units (BG/NBD)';

CREATE FUNCTION @extschema@.predicted_clv(model @extschema@.bgnbd, spend_model @extschema@.gamma_gamma, frequency double precision, recency double precision, t double precision, monetary double precision, horizon double precision, discount_rate double precision, step double precision DEFAULT 1)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_predicted_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.predicted_clv(@extschema@.bgnbd, @extschema@.gamma_gamma, double precision, double precision, double precision, double precision, double precision, double precision, double precision) IS 'Discounted expected value of the next horizon time units (BG/NBD purchases x Gamma-Gamma spend), summed over steps of length step with discount_rate per step, as the lifetimes librarys customer_lifetime_value; horizon must be a whole number of steps';

CREATE FUNCTION @extschema@.p_alive(model @extschema@.mbgnbd, frequency double precision, recency double precision, t double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.mbgnbd, double precision, double precision, double precision) IS 'Probability that a customer with this history is still alive at t (MBG/NBD)';

CREATE FUNCTION @extschema@.expected_purchases(model @extschema@.mbgnbd, frequency double precision, recency double precision, t double precision, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.mbgnbd, double precision, double precision, double precision, double precision) IS 'Expected purchases in the next horizon time units, given the customer history (MBG/NBD)';

CREATE FUNCTION @extschema@.expected_purchases_new(model @extschema@.mbgnbd, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_expected_purchases_new'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases_new(@extschema@.mbgnbd, double precision) IS 'Expected purchases of a newly acquired customer in its first horizon time units (MBG/NBD)';

CREATE FUNCTION @extschema@.prob_purchases(model @extschema@.mbgnbd, n integer, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.mbgnbd, integer, double precision) IS 'Probability that a newly acquired customer makes exactly n purchases in horizon time units (MBG/NBD)';

CREATE FUNCTION @extschema@.predicted_clv(model @extschema@.mbgnbd, spend_model @extschema@.gamma_gamma, frequency double precision, recency double precision, t double precision, monetary double precision, horizon double precision, discount_rate double precision, step double precision DEFAULT 1)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_predicted_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.predicted_clv(@extschema@.mbgnbd, @extschema@.gamma_gamma, double precision, double precision, double precision, double precision, double precision, double precision, double precision) IS 'Discounted expected value of the next horizon time units (MBG/NBD purchases x Gamma-Gamma spend), summed over steps of length step with discount_rate per step, as the lifetimes librarys customer_lifetime_value; horizon must be a whole number of steps';

CREATE FUNCTION @extschema@.p_alive(model @extschema@.pareto_nbd, frequency double precision, recency double precision, t double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.pareto_nbd, double precision, double precision, double precision) IS 'Probability that a customer with this history is still alive at t (Pareto/NBD)';

CREATE FUNCTION @extschema@.expected_purchases(model @extschema@.pareto_nbd, frequency double precision, recency double precision, t double precision, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.pareto_nbd, double precision, double precision, double precision, double precision) IS 'Expected purchases in the next horizon time units, given the customer history (Pareto/NBD)';

CREATE FUNCTION @extschema@.expected_purchases_new(model @extschema@.pareto_nbd, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_expected_purchases_new'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases_new(@extschema@.pareto_nbd, double precision) IS 'Expected purchases of a newly acquired customer in its first horizon time units (Pareto/NBD)';

CREATE FUNCTION @extschema@.prob_purchases(model @extschema@.pareto_nbd, n integer, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.pareto_nbd, integer, double precision) IS 'Probability that a newly acquired customer makes exactly n purchases in horizon time units (Pareto/NBD)';

CREATE FUNCTION @extschema@.predicted_clv(model @extschema@.pareto_nbd, spend_model @extschema@.gamma_gamma, frequency double precision, recency double precision, t double precision, monetary double precision, horizon double precision, discount_rate double precision, step double precision DEFAULT 1)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_predicted_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.predicted_clv(@extschema@.pareto_nbd, @extschema@.gamma_gamma, double precision, double precision, double precision, double precision, double precision, double precision, double precision) IS 'Discounted expected value of the next horizon time units (Pareto/NBD purchases x Gamma-Gamma spend), summed over steps of length step with discount_rate per step, as the lifetimes librarys customer_lifetime_value; horizon must be a whole number of steps';

CREATE FUNCTION @extschema@.expected_spend(model @extschema@.gamma_gamma, frequency double precision, monetary double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_gamma_gamma_expected_spend'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_spend(@extschema@.gamma_gamma, double precision, double precision) IS
'Expected mean transaction value of a customer with frequency repeat purchases of mean value monetary (Gamma-Gamma); the population mean p v / (q - 1) for frequency 0';

CREATE FUNCTION @extschema@.sbg_survival(model @extschema@.sbg, period integer)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_sbg_survival'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_survival(@extschema@.sbg, integer) IS
'Share of a cohort still active at the start of period (period 0 = 1), shifted-beta-geometric model';

CREATE FUNCTION @extschema@.sbg_retention(model @extschema@.sbg, period integer)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_sbg_retention'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_retention(@extschema@.sbg, integer) IS
'Retention rate from period - 1 to period, shifted-beta-geometric model';
-- Diagnostics of the buy-till-you-die models (BG/NBD, MBG/NBD, Pareto/NBD):
-- calibration vs holdout purchases, and the frequency/recency grid of
-- expected purchases and P(alive). C set-returning functions
-- (src/pg/models_diagnostics.cpp); the model types and scoring functions
-- are in 21_models.sql.

CREATE FUNCTION @extschema@.frequency_recency_grid(model @extschema@.bgnbd, t double precision, horizon double precision, max_frequency integer, recency_step double precision DEFAULT 1)
RETURNS TABLE (frequency integer, recency double precision, expected_purchases double precision, p_alive double precision)
AS 'MODULE_PATHNAME', 'clv_bgnbd_frequency_recency_grid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.frequency_recency_grid(@extschema@.bgnbd, double precision, double precision, integer, double precision) IS
'Expected purchases in the next horizon and P(alive) at age t (BG/NBD) for every frequency 0..max_frequency and recency recency_step, 2*recency_step, ... up to t (and t itself); frequency 0 has the single recency 0. All times in the unit the model was fitted in; the data of the lifetimes library''s frequency/recency matrix plots';

CREATE FUNCTION @extschema@.calibration_holdout(model @extschema@.bgnbd, summaries @extschema@.rfm_holdout[], max_frequency integer DEFAULT 7)
RETURNS TABLE (calibration_frequency integer, n_customers bigint, mean_actual double precision, mean_predicted double precision)
AS 'MODULE_PATHNAME', 'clv_bgnbd_calibration_holdout'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.calibration_holdout(@extschema@.bgnbd, @extschema@.rfm_holdout[], integer) IS
'Per calibration frequency (frequencies of max_frequency and more in one row labelled max_frequency): customers, mean actual holdout purchases (frequency_holdout) and mean BG/NBD prediction expected_purchases(model, frequency, recency, t, duration_holdout), for summaries from clv.rfm_holdout_agg (e.g. ARRAY(SELECT clv.rfm_holdout_agg(...) ... GROUP BY customer)); NULL summaries are skipped; fit the model on the same calibration data';

CREATE FUNCTION @extschema@.frequency_recency_grid(model @extschema@.mbgnbd, t double precision, horizon double precision, max_frequency integer, recency_step double precision DEFAULT 1)
RETURNS TABLE (frequency integer, recency double precision, expected_purchases double precision, p_alive double precision)
AS 'MODULE_PATHNAME', 'clv_mbgnbd_frequency_recency_grid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.frequency_recency_grid(@extschema@.mbgnbd, double precision, double precision, integer, double precision) IS
'Expected purchases in the next horizon and P(alive) at age t (MBG/NBD) for every frequency 0..max_frequency and recency recency_step, 2*recency_step, ... up to t (and t itself); frequency 0 has the single recency 0. All times in the unit the model was fitted in; the data of the lifetimes library''s frequency/recency matrix plots';

CREATE FUNCTION @extschema@.calibration_holdout(model @extschema@.mbgnbd, summaries @extschema@.rfm_holdout[], max_frequency integer DEFAULT 7)
RETURNS TABLE (calibration_frequency integer, n_customers bigint, mean_actual double precision, mean_predicted double precision)
AS 'MODULE_PATHNAME', 'clv_mbgnbd_calibration_holdout'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.calibration_holdout(@extschema@.mbgnbd, @extschema@.rfm_holdout[], integer) IS
'Per calibration frequency (frequencies of max_frequency and more in one row labelled max_frequency): customers, mean actual holdout purchases (frequency_holdout) and mean MBG/NBD prediction expected_purchases(model, frequency, recency, t, duration_holdout), for summaries from clv.rfm_holdout_agg (e.g. ARRAY(SELECT clv.rfm_holdout_agg(...) ... GROUP BY customer)); NULL summaries are skipped; fit the model on the same calibration data';

CREATE FUNCTION @extschema@.frequency_recency_grid(model @extschema@.pareto_nbd, t double precision, horizon double precision, max_frequency integer, recency_step double precision DEFAULT 1)
RETURNS TABLE (frequency integer, recency double precision, expected_purchases double precision, p_alive double precision)
AS 'MODULE_PATHNAME', 'clv_pareto_nbd_frequency_recency_grid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.frequency_recency_grid(@extschema@.pareto_nbd, double precision, double precision, integer, double precision) IS
'Expected purchases in the next horizon and P(alive) at age t (Pareto/NBD) for every frequency 0..max_frequency and recency recency_step, 2*recency_step, ... up to t (and t itself); frequency 0 has the single recency 0. All times in the unit the model was fitted in; the data of the lifetimes library''s frequency/recency matrix plots';

CREATE FUNCTION @extschema@.calibration_holdout(model @extschema@.pareto_nbd, summaries @extschema@.rfm_holdout[], max_frequency integer DEFAULT 7)
RETURNS TABLE (calibration_frequency integer, n_customers bigint, mean_actual double precision, mean_predicted double precision)
AS 'MODULE_PATHNAME', 'clv_pareto_nbd_calibration_holdout'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.calibration_holdout(@extschema@.pareto_nbd, @extschema@.rfm_holdout[], integer) IS
'Per calibration frequency (frequencies of max_frequency and more in one row labelled max_frequency): customers, mean actual holdout purchases (frequency_holdout) and mean Pareto/NBD prediction expected_purchases(model, frequency, recency, t, duration_holdout), for summaries from clv.rfm_holdout_agg (e.g. ARRAY(SELECT clv.rfm_holdout_agg(...) ... GROUP BY customer)); NULL summaries are skipped; fit the model on the same calibration data';
-- Churn trend: per-customer value trend, lateness, churn risk, RFM segments.

CREATE TYPE @extschema@.trend AS (
    periods        integer,
    slope          double precision,
    relative_slope double precision,
    r_squared      double precision,
    recent_mean    double precision,
    previous_mean  double precision,
    change_point   integer,
    direction      text
);
COMMENT ON TYPE @extschema@.trend IS
'Value trend of one customer (clv.trend_agg): periods from the first purchase period to as_of''s, OLS slope of the per-period value (empty periods count 0), slope relative to the mean per-period value, r_squared, mean of the last 3 periods and of the 3 before, change_point (0-based period offset of a significant break, sup-F test at 5%), direction: rising, stable, declining, lapsed (no purchase in the last 3 periods) or new (fewer than 6 periods)';

CREATE FUNCTION @extschema@.trend_transfn(internal, timestamptz, double precision, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_trend_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(internal, timestamptz, double precision, timestamptz, interval) IS 'transition function of clv.trend_agg';
CREATE FUNCTION @extschema@.trend_transfn(internal, timestamptz, numeric, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_trend_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(internal, timestamptz, numeric, timestamptz, interval) IS 'transition function of clv.trend_agg (numeric amounts)';
CREATE FUNCTION @extschema@.trend_transfn(internal, timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_trend_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(internal, timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision) IS 'transition function of clv.trend_agg with thresholds';
CREATE FUNCTION @extschema@.trend_transfn(internal, timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_trend_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(internal, timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision) IS 'transition function of clv.trend_agg with thresholds (numeric amounts)';
CREATE FUNCTION @extschema@.trend_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_trend_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_combinefn(internal, internal) IS 'combines partial clv.trend_agg states (parallel query); per-period sums add exactly';
CREATE FUNCTION @extschema@.trend_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_trend_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_serialfn(internal) IS 'serializes a clv.trend_agg state (versioned, architecture-independent)';
CREATE FUNCTION @extschema@.trend_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_trend_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_deserialfn(bytea, internal) IS 'deserializes and validates a clv.trend_agg state';
CREATE FUNCTION @extschema@.trend_finalfn(internal)
RETURNS @extschema@.trend AS 'MODULE_PATHNAME', 'clv_trend_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_finalfn(internal) IS 'final function of clv.trend_agg';

CREATE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount double precision, as_of timestamptz, period interval) (
    SFUNC = @extschema@.trend_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    SERIALFUNC = @extschema@.trend_serialfn, DESERIALFUNC = @extschema@.trend_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, double precision, timestamptz, interval) IS
'Value trend (clv.trend) of the transactions at or before as_of, summed per period of the given length (local calendar days for whole days, as clv.rfm_agg); a NULL amount counts as a purchase worth 0; NULL for a group without such transactions';
CREATE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount numeric, as_of timestamptz, period interval) (
    SFUNC = @extschema@.trend_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    SERIALFUNC = @extschema@.trend_serialfn, DESERIALFUNC = @extschema@.trend_deserialfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount double precision, as_of timestamptz, period interval,
                                       window_periods integer, min_periods integer,
                                       min_relative_slope double precision, slope_significance double precision) (
    SFUNC = @extschema@.trend_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    SERIALFUNC = @extschema@.trend_serialfn, DESERIALFUNC = @extschema@.trend_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision) IS
'Value trend (clv.trend) with explicit thresholds: window_periods (recent/previous windows and lapsed, default 3), min_periods (fewer is new, default 6), min_relative_slope (|slope / mean| per period for rising/declining, default 0.05), slope_significance (two-sided p-value of the slope, default 0.05)';
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, numeric, timestamptz, interval) IS
'Value trend (clv.trend) of numeric amounts, summed per period of the given length';
CREATE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount numeric, as_of timestamptz, period interval,
                                       window_periods integer, min_periods integer,
                                       min_relative_slope double precision, slope_significance double precision) (
    SFUNC = @extschema@.trend_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    SERIALFUNC = @extschema@.trend_serialfn, DESERIALFUNC = @extschema@.trend_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision) IS
'Value trend (clv.trend) of numeric amounts with explicit thresholds (see the double precision overload)';

CREATE FUNCTION @extschema@.lateness(frequency double precision, recency double precision, t double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_lateness'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness(double precision, double precision, double precision) IS
'Time since the last purchase in units of the customer''s mean inter-purchase time, (t - recency) / (recency / frequency): 1 = on schedule, 3 = three cycles overdue; NULL for one-time buyers';

CREATE FUNCTION @extschema@.churn_risk(p_alive double precision, lateness double precision, direction text)
RETURNS text AS 'MODULE_PATHNAME', 'clv_churn_risk'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_risk(double precision, double precision, text) IS
'low | medium | high | churned, first match wins: churned if p_alive < 0.1 or (lapsed and lateness > 3); high if p_alive < 0.3, lateness > 2, (declining and lateness > 1) or lapsed unless lateness <= 1; medium if p_alive < 0.6, lateness > 1, lapsed or declining; else low. NULL lateness or direction is unknown; NULL p_alive gives NULL';

CREATE FUNCTION @extschema@.rfm_score(value double precision, breakpoints double precision[], higher_is_better boolean DEFAULT true)
RETURNS integer AS 'MODULE_PATHNAME', 'clv_rfm_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_score(double precision, double precision[], boolean) IS
'Quintile score 1..5 of value given the population''s 20/40/60/80% breakpoints (e.g. percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY value)); a value on a breakpoint falls into the lower quintile; higher_is_better = false scores low values 5 (recency as days since the last purchase)';

CREATE FUNCTION @extschema@.rfm_segment(r_score integer, f_score integer, m_score integer)
RETURNS text AS 'MODULE_PATHNAME', 'clv_rfm_segment'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_segment(integer, integer, integer) IS
'Named RFM segment (Champions, Loyal Customers, Potential Loyalist, New Customers, Promising, Need Attention, About to Sleep, At Risk, Can''t Lose Them, Hibernating, Lost) from the 5x5 grid of the recency score against ceil((f + m) / 2); scores 1..5';

CREATE FUNCTION @extschema@.cohort_retention(transactions_query text, period interval)
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
  -- $1 = period, $2 = the session's TimeZone. Periods are date_bin buckets of
  -- the local wall clock with origin 2000-01-01 00:00 (exact microsecond
  -- arithmetic, the same cut as clv.rfm_agg); a period index is the exact
  -- quotient of two bucket starts' distance by the period (numeric div).
  -- Revenue is summed in the amount's own type (exactly for numeric and
  -- integers, so then independent of the order in which a possibly parallel
  -- plan delivers the rows) and returned as double precision.
  RETURN QUERY EXECUTE pg_catalog.format($q$
    WITH tx AS (
      SELECT t.customer,
             pg_catalog.date_bin($1, pg_catalog.timezone($2, (t.ts)::pg_catalog.timestamptz),
                                 timestamp '2000-01-01') AS bucket,
             t.amount
      FROM (%s) AS t(customer, ts, amount)
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
             (pg_catalog.div(pg_catalog.numeric_sub(EXTRACT(epoch FROM pu.bucket), EXTRACT(epoch FROM pu.cohort)),
                             EXTRACT(epoch FROM $1)))::integer AS idx,
             (pg_catalog.div(pg_catalog.numeric_sub(EXTRACT(epoch FROM pu.last_bucket), EXTRACT(epoch FROM pu.cohort)),
                             EXTRACT(epoch FROM $1)))::integer AS last_idx
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
      CROSS JOIN LATERAL pg_catalog.generate_series(0,
        (pg_catalog.div(pg_catalog.numeric_sub(EXTRACT(epoch FROM h.last), EXTRACT(epoch FROM c.cohort)),
                        EXTRACT(epoch FROM $1)))::integer) AS g(idx)
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
           COALESCE((a.revenue)::double precision, 0::double precision)
    FROM with_previous a ORDER BY a.cohort, a.idx
  $q$, transactions_query) USING period, pg_catalog.current_setting('TimeZone');
END
$fn$;
COMMENT ON FUNCTION @extschema@.cohort_retention(text, interval) IS
'Cohort retention table of a query returning (customer, ts, amount): cohort = the period of the customer''s first purchase (periods of the given length, days or shorter, counted on the local wall clock from 2000-01-01 like clv.rfm_agg); per cohort and period_index 0.. up to the last period in the data: customers in the cohort, active = customers still active at the start of the period (their last purchase falls in it or later: the survivor count clv.sbg_fit takes), retention = active / customers, churn_rate = share of the previous period''s active customers lost (NULL for period 0), revenue = the cohort''s amount in the period';
-- Churn trend: lateness against the customer's own median inter-purchase gap
-- (clv.lateness_agg). The value trend, clv.lateness, clv.churn_risk and the
-- RFM segments are in 31_trend.sql.

CREATE FUNCTION @extschema@.lateness_transfn(internal, timestamptz, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_lateness_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_transfn(internal, timestamptz, timestamptz) IS 'transition function of clv.lateness_agg';
CREATE FUNCTION @extschema@.lateness_transfn(internal, timestamptz, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_lateness_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_transfn(internal, timestamptz, timestamptz, interval) IS 'transition function of clv.lateness_agg with a unit';
CREATE FUNCTION @extschema@.lateness_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_lateness_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_combinefn(internal, internal) IS 'combine function of clv.lateness_agg';
CREATE FUNCTION @extschema@.lateness_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_lateness_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_serialfn(internal) IS 'serialization function of clv.lateness_agg (versioned, little-endian)';
CREATE FUNCTION @extschema@.lateness_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_lateness_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_deserialfn(bytea, internal) IS 'deserialization function of clv.lateness_agg (validates its input)';
CREATE FUNCTION @extschema@.lateness_finalfn(internal)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_lateness_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_finalfn(internal) IS 'final function of clv.lateness_agg';

CREATE AGGREGATE @extschema@.lateness_agg(ts timestamptz, as_of timestamptz) (
    SFUNC = @extschema@.lateness_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.lateness_finalfn,
    COMBINEFUNC = @extschema@.lateness_combinefn,
    SERIALFUNC = @extschema@.lateness_serialfn, DESERIALFUNC = @extschema@.lateness_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.lateness_agg(timestamptz, timestamptz) IS
'Lateness against the customer''s own rhythm, by local calendar days: (as_of - start of the last purchase day) / median gap between the distinct purchase days (robust to one long pause; 1 = on schedule). Purchases after as_of and NULL timestamps are ignored; NULL with fewer than two distinct purchase days';
CREATE AGGREGATE @extschema@.lateness_agg(ts timestamptz, as_of timestamptz, unit interval) (
    SFUNC = @extschema@.lateness_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.lateness_finalfn,
    COMBINEFUNC = @extschema@.lateness_combinefn,
    SERIALFUNC = @extschema@.lateness_serialfn, DESERIALFUNC = @extschema@.lateness_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.lateness_agg(timestamptz, timestamptz, interval) IS
'Lateness against the customer''s own rhythm with purchases cut into periods of unit (days and time only, local wall clock from 2000-01-01 as clv.rfm_agg): (as_of - start of the last purchase period) / median gap between the distinct purchase periods; NULL with fewer than two';
-- Identity resolution.

--------------------------------------------------------------------------
-- One-shot resolution over a query
--------------------------------------------------------------------------

-- Runs an arbitrary query of the caller (with the caller's privileges), hence
-- VOLATILE and PARALLEL UNSAFE; STRICT: a NULL query gives no rows.
CREATE FUNCTION @extschema@.resolve_identities(edges_query text)
RETURNS TABLE (identifier text, cluster_id bigint, cluster_key text, cluster_size bigint)
AS 'MODULE_PATHNAME', 'clv_resolve_identities'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.resolve_identities(text) IS
'Connected components of the identifier pairs returned by edges_query (two text columns, e.g. ''SELECT a, b FROM edges''): one row per distinct identifier with its cluster; cluster_key = the cluster''s smallest identifier (byte order), cluster_id = non-negative 63-bit XXH64 hash of cluster_key, cluster_size = members. NULL and empty identifiers are skipped (a NOTICE gives their count), the other side of such a pair is kept as an identifier. Output is ordered by (cluster_key, identifier) and does not depend on the order of the input rows';

CREATE FUNCTION @extschema@.resolve_identities(edges_query text, apply_rules boolean)
RETURNS TABLE (identifier text, cluster_id bigint, cluster_key text, cluster_size bigint)
AS 'MODULE_PATHNAME', 'clv_resolve_identities_rules'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.resolve_identities(text, boolean) IS
'clv.resolve_identities(edges_query) with optional guard rules: when apply_rules is true, the rules clv.identity_ingest applies are applied here too (the built-in junk list unless clv.identity_block_junk is off, the rows of clv.identity_rules, clv.identity_max_cluster_size and clv.identity_hub_limit), deciding the edges in a fixed order (rule priority, then identifiers); blocked identifiers link nothing and are left out of the output, and the distinct rejected pairs are counted in a NOTICE. With false it is the one-argument form';
-- The persistent identity graph: tables, incremental ingest, retraction and
-- explanation. The C++ steps (identity_decide, identity_split, identity_path)
-- read through SPI what these functions point them at; the SQL here owns the
-- locking and every write.
--
-- The functions take no SET search_path, because the caller's edges query must
-- resolve its names as the caller would; every object of the extension is
-- schema-qualified and every function is qualified with pg_catalog.

--------------------------------------------------------------------------
-- Tables
--------------------------------------------------------------------------

CREATE SEQUENCE @extschema@.identity_cluster_seq;
COMMENT ON SEQUENCE @extschema@.identity_cluster_seq IS
'Cluster ids of the persistent identity graph (clv.identity_nodes.cluster_id)';

CREATE SEQUENCE @extschema@.identity_event_seq;
COMMENT ON SEQUENCE @extschema@.identity_event_seq IS
'Order of the merges and splits recorded in clv.identity_merges and clv.identity_splits';

-- The indexes cover the look-ups of an ingest (an identifier's cluster, a
-- cluster's members) without heap visits; free space on each page lets the
-- updates of first_seen/last_seen stay HOT.
CREATE TABLE @extschema@.identity_nodes (
    identifier text COLLATE "C" NOT NULL,
    id_type text GENERATED ALWAYS AS (
        CASE WHEN pg_catalog.strpos(identifier, ':') > 0
             THEN pg_catalog.split_part(identifier, ':', 1) END) STORED,
    cluster_id bigint NOT NULL,
    first_seen timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    PRIMARY KEY (identifier) INCLUDE (cluster_id)
) WITH (fillfactor = 90);
CREATE INDEX identity_nodes_cluster_id_idx ON @extschema@.identity_nodes (cluster_id) INCLUDE (identifier);
COMMENT ON TABLE @extschema@.identity_nodes IS
'Every identifier of the persistent identity graph with its cluster (one row per identifier; a cluster is one person). Written by clv.identity_ingest and the retraction functions only';
COMMENT ON COLUMN @extschema@.identity_nodes.identifier IS 'the identifier, e.g. email:ann@x.com';
COMMENT ON COLUMN @extschema@.identity_nodes.id_type IS 'the part of the identifier before its first '':'' (NULL without one)';
COMMENT ON COLUMN @extschema@.identity_nodes.cluster_id IS 'the resolved identity; changes only when the cluster merges into a larger one or is split by a retraction (see clv.identity_merges, clv.identity_splits)';
COMMENT ON COLUMN @extschema@.identity_nodes.first_seen IS 'earliest observed_at of an ingested edge naming the identifier';
COMMENT ON COLUMN @extschema@.identity_nodes.last_seen IS 'latest observed_at of an ingested edge naming the identifier';

CREATE TABLE @extschema@.identity_edges (
    a text COLLATE "C" NOT NULL,
    b text COLLATE "C" NOT NULL,
    source text NOT NULL DEFAULT '',
    observed_at timestamptz NOT NULL,
    PRIMARY KEY (a, b, source),
    CONSTRAINT identity_edges_ordered CHECK (a < b)
);
CREATE INDEX identity_edges_b_idx ON @extschema@.identity_edges (b) INCLUDE (a);
CREATE INDEX identity_edges_source_idx ON @extschema@.identity_edges (source);
COMMENT ON TABLE @extschema@.identity_edges IS
'The accepted links of the identity graph, one row per pair and source; a < b in byte order. Both ends are in clv.identity_nodes, in the same cluster';
COMMENT ON COLUMN @extschema@.identity_edges.a IS 'the byte-wise smaller identifier';
COMMENT ON COLUMN @extschema@.identity_edges.b IS 'the byte-wise larger identifier';
COMMENT ON COLUMN @extschema@.identity_edges.source IS 'where the link was observed (third column of the ingested query; '''' when not given)';
COMMENT ON COLUMN @extschema@.identity_edges.observed_at IS 'when the link was first observed from this source (fourth column of the ingested query; the ingest''s transaction time when not given)';

CREATE TABLE @extschema@.identity_rules (
    id_type text PRIMARY KEY,
    max_per_cluster integer CHECK (max_per_cluster > 0),
    priority integer NOT NULL DEFAULT 0,
    blocked_values text[],
    blocked_pattern text CHECK (blocked_pattern IS NULL OR ('' ~* blocked_pattern) IS NOT NULL),
    hub_limit integer CHECK (hub_limit > 0)
);
COMMENT ON TABLE @extschema@.identity_rules IS
'Guard rules per identifier type, applied by clv.identity_ingest and clv.resolve_identities(query, true) on top of the built-in junk list and the settings clv.identity_max_cluster_size and clv.identity_hub_limit';
COMMENT ON COLUMN @extschema@.identity_rules.id_type IS 'the identifier type (the part before the first '':''; '''' for identifiers without one)';
COMMENT ON COLUMN @extschema@.identity_rules.max_per_cluster IS 'most distinct identifiers of this type one cluster may hold (e.g. 1 for a CRM id); a merge past it is rejected; NULL: no limit';
COMMENT ON COLUMN @extschema@.identity_rules.priority IS 'edges touching a higher-priority type are decided first within an ingest';
COMMENT ON COLUMN @extschema@.identity_rules.blocked_values IS 'values (the part after the type and '':'') that never link, compared exactly';
COMMENT ON COLUMN @extschema@.identity_rules.blocked_pattern IS 'a POSIX regular expression; values matching it case-insensitively (~*) never link';
COMMENT ON COLUMN @extschema@.identity_rules.hub_limit IS 'most identifiers of this type one identifier may be linked to before it is flagged as a hub and its further links to this type are rejected; NULL: clv.identity_hub_limit';

CREATE TABLE @extschema@.identity_merges (
    from_cluster bigint NOT NULL,
    into_cluster bigint NOT NULL,
    merged_at timestamptz NOT NULL,
    via_a text COLLATE "C" NOT NULL,
    via_b text COLLATE "C" NOT NULL,
    event bigint PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.identity_event_seq')
);
COMMENT ON TABLE @extschema@.identity_merges IS
'Every merge of two clusters by clv.identity_ingest: every identifier of from_cluster now has into_cluster. Apply in order of event to remap stored cluster ids';
COMMENT ON COLUMN @extschema@.identity_merges.from_cluster IS 'the absorbed cluster (the smaller one; ties: the newer id)';
COMMENT ON COLUMN @extschema@.identity_merges.into_cluster IS 'the surviving cluster';
COMMENT ON COLUMN @extschema@.identity_merges.merged_at IS 'transaction time of the ingest';
COMMENT ON COLUMN @extschema@.identity_merges.via_a IS 'one end of the edge that caused the merge';
COMMENT ON COLUMN @extschema@.identity_merges.via_b IS 'the other end of that edge';
COMMENT ON COLUMN @extschema@.identity_merges.event IS 'order of merges and splits';

CREATE TABLE @extschema@.identity_splits (
    from_cluster bigint NOT NULL,
    new_cluster bigint NOT NULL,
    split_at timestamptz NOT NULL,
    members bigint NOT NULL,
    reason text NOT NULL,
    event bigint PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.identity_event_seq')
);
COMMENT ON TABLE @extschema@.identity_splits IS
'Every part split off a cluster by a retraction: its members moved from from_cluster to new_cluster (the part with the most members keeps from_cluster)';
COMMENT ON COLUMN @extschema@.identity_splits.from_cluster IS 'the cluster that lost edges';
COMMENT ON COLUMN @extschema@.identity_splits.new_cluster IS 'the id of the split-off part';
COMMENT ON COLUMN @extschema@.identity_splits.split_at IS 'transaction time of the retraction';
COMMENT ON COLUMN @extschema@.identity_splits.members IS 'identifiers in the split-off part';
COMMENT ON COLUMN @extschema@.identity_splits.reason IS 'what was retracted';
COMMENT ON COLUMN @extschema@.identity_splits.event IS 'order of merges and splits';

CREATE TABLE @extschema@.identity_rejections (
    a text COLLATE "C" NOT NULL,
    b text COLLATE "C" NOT NULL,
    rule text NOT NULL,
    rejected_at timestamptz NOT NULL,
    PRIMARY KEY (a, b, rule)
);
COMMENT ON TABLE @extschema@.identity_rejections IS
'Edges clv.identity_ingest refused, with the rule that fired (first time only): blocked_value, max_per_cluster:<type>, max_cluster_size or hub:<type>';
COMMENT ON COLUMN @extschema@.identity_rejections.a IS 'the byte-wise smaller identifier';
COMMENT ON COLUMN @extschema@.identity_rejections.b IS 'the byte-wise larger identifier';
COMMENT ON COLUMN @extschema@.identity_rejections.rule IS 'the rule that refused the edge';
COMMENT ON COLUMN @extschema@.identity_rejections.rejected_at IS 'transaction time of the first rejection';

-- The graph is user data: pg_dump dumps it with the extension's tables.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_nodes', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_edges', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_rules', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_merges', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_splits', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_rejections', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_cluster_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_event_seq', '');

--------------------------------------------------------------------------
-- C++ steps
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.identity_edges_from(edges_query text)
RETURNS TABLE (a text, b text, source text, observed_at timestamptz)
AS 'MODULE_PATHNAME', 'clv_identity_edges_from'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.identity_edges_from(text) IS
'Step of clv.identity_ingest: the rows of edges_query, which returns (a text, b text [, source text [, observed_at timestamptz]]); a wrong shape is ERROR 42804. Runs the query through a cursor with the caller''s privileges';

CREATE FUNCTION @extschema@.identity_decide(members_query text, stored_edges_query text, batch_query text)
RETURNS TABLE (kind text, a text, b text, cluster_id bigint, from_cluster bigint, rule text)
AS 'MODULE_PATHNAME', 'clv_identity_decide'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.identity_decide(text, text, text) IS
'Step of clv.identity_ingest: loads the touched clusters (members_query: identifier, cluster_id, whole clusters; stored_edges_query: a, b, at least every stored edge of the batch''s stored identifiers), applies the batch (batch_query: a, b) under the guard rules and returns the decisions: new (identifier a, cluster_id), move (identifier a, new cluster_id), merge (from_cluster into cluster_id via a-b), reject (a, b, rule). Writes nothing but draws fresh ids from clv.identity_cluster_seq';

CREATE FUNCTION @extschema@.identity_split(cluster_id bigint)
RETURNS TABLE (identifier text, cluster_id bigint)
AS 'MODULE_PATHNAME', 'clv_identity_split'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.identity_split(bigint) IS
'Step of the retraction functions: the connected parts of a cluster over its remaining edges; returns the members that move to split-off parts with their new ids (the part with the most members keeps cluster_id; ties: the part holding the smallest identifier). Writes nothing';

CREATE FUNCTION @extschema@.identity_path(a text, b text)
RETURNS TABLE (step integer, from_identifier text, to_identifier text, source text, observed_at timestamptz)
AS 'MODULE_PATHNAME', 'clv_identity_path'
LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.identity_path(text, text) IS
'Why a and b are one person: the shortest chain of recorded edges from a to b (breadth-first search over their cluster''s edges), one row per step with the edge''s earliest source and observation; no rows when they are not linked or a = b';

--------------------------------------------------------------------------
-- Ingest
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.identity_ingest(edges_query text,
    OUT edges_read bigint, OUT new_identifiers bigint, OUT merges bigint, OUT rejected bigint)
LANGUAGE plpgsql VOLATILE
AS $fn$
DECLARE
  large boolean;
BEGIN
  IF edges_query IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'edges_query must not be NULL';
  END IF;
  -- One writer of the graph at a time (ingests and retractions queue here);
  -- readers are not blocked. Each statement below takes a fresh snapshot, so
  -- it sees what the previous holder of the lock committed.
  LOCK TABLE @extschema@.identity_nodes IN SHARE ROW EXCLUSIVE MODE;

  -- The batch: pairs ordered a <= b in byte order (a pair with one NULL or
  -- empty side names just the other identifier), one row per pair and
  -- source with its earliest observation.
  CREATE TEMP TABLE clv_ingest_batch ON COMMIT DROP AS
  SELECT DISTINCT ON (p.a, p.b, p.source) p.a, p.b, p.source, p.observed_at, p.rows_read
  FROM (SELECT s.rows_read,
               CASE WHEN s.x IS NULL THEN s.y WHEN s.y IS NULL OR s.x <= s.y THEN s.x ELSE s.y END AS a,
               CASE WHEN s.y IS NULL THEN s.x WHEN s.x IS NULL OR s.x > s.y THEN s.x ELSE s.y END AS b,
               COALESCE(s.source, '') AS source, COALESCE(s.observed_at, pg_catalog.now()) AS observed_at
        FROM (SELECT CASE WHEN i.a <> '' THEN i.a COLLATE "C" END AS x,
                     CASE WHEN i.b <> '' THEN i.b COLLATE "C" END AS y,
                     i.source, i.observed_at, pg_catalog.count(*) OVER () AS rows_read
              FROM @extschema@.identity_edges_from(edges_query) i) s
        WHERE s.x IS NOT NULL OR s.y IS NOT NULL) p
  ORDER BY p.a, p.b, p.source, p.observed_at;
  SELECT COALESCE(pg_catalog.max(t.rows_read), 0) INTO edges_read FROM pg_temp.clv_ingest_batch t;
  -- Statistics on the work tables pay off for bulk loads (join orders over
  -- millions of rows); small batches are planned well from their sizes alone.
  large := edges_read > 10000;
  IF large THEN ANALYZE pg_temp.clv_ingest_batch; END IF;

  -- Every identifier of the batch with its first and last observation in it.
  CREATE TEMP TABLE clv_ingest_seen ON COMMIT DROP AS
  SELECT e.identifier, pg_catalog.min(e.observed_at) AS first_seen, pg_catalog.max(e.observed_at) AS last_seen
  FROM (SELECT t.a, t.observed_at FROM pg_temp.clv_ingest_batch t
        UNION ALL SELECT t.b, t.observed_at FROM pg_temp.clv_ingest_batch t) e(identifier, observed_at)
  GROUP BY e.identifier;
  IF large THEN ANALYZE pg_temp.clv_ingest_seen; END IF;

  -- The stored identifiers of the batch: only their clusters are read (every
  -- member, for the sizes and per-type counts the rules check), with their
  -- own stored edges (for hub degrees and to recognise edges seen before).
  CREATE TEMP TABLE clv_ingest_known ON COMMIT DROP AS
  SELECT n.identifier, n.cluster_id, s.first_seen, s.last_seen
  FROM @extschema@.identity_nodes n JOIN pg_temp.clv_ingest_seen s ON n.identifier = s.identifier;
  IF large THEN ANALYZE pg_temp.clv_ingest_known; END IF;

  CREATE TEMP TABLE clv_ingest_decisions ON COMMIT DROP AS
  SELECT * FROM @extschema@.identity_decide(
    'SELECT n.identifier, n.cluster_id FROM @extschema@.identity_nodes n
      WHERE n.cluster_id IN (SELECT k.cluster_id FROM pg_temp.clv_ingest_known k)',
    'SELECT e.a, e.b FROM @extschema@.identity_edges e
       JOIN pg_temp.clv_ingest_known k ON e.a = k.identifier
     UNION
     SELECT e.a, e.b FROM @extschema@.identity_edges e
       JOIN pg_temp.clv_ingest_known k ON e.b = k.identifier',
    'SELECT t.a, t.b FROM pg_temp.clv_ingest_batch t')
    WITH ORDINALITY AS d(kind, a, b, cluster_id, from_cluster, rule, position);
  IF large THEN ANALYZE pg_temp.clv_ingest_decisions; END IF;

  -- Stored identifiers: moved to their new cluster and/or seen again, in
  -- one new row version each.
  UPDATE @extschema@.identity_nodes n
     SET cluster_id = COALESCE(c.new_cluster, n.cluster_id),
         first_seen = LEAST(n.first_seen, c.first_seen), last_seen = GREATEST(n.last_seen, c.last_seen)
  FROM (SELECT COALESCE(m.a, k.identifier) AS identifier, m.cluster_id AS new_cluster,
               k.first_seen, k.last_seen
        FROM (SELECT d.a, d.cluster_id FROM pg_temp.clv_ingest_decisions d WHERE d.kind = 'move') m
        FULL JOIN pg_temp.clv_ingest_known k ON k.identifier = m.a) c
  WHERE n.identifier = c.identifier
    AND (c.new_cluster IS NOT NULL OR c.first_seen < n.first_seen OR c.last_seen > n.last_seen);

  INSERT INTO @extschema@.identity_nodes AS n (identifier, cluster_id, first_seen, last_seen)
  SELECT d.a, d.cluster_id, s.first_seen, s.last_seen
  FROM pg_temp.clv_ingest_decisions d JOIN pg_temp.clv_ingest_seen s ON s.identifier = d.a
  WHERE d.kind = 'new';
  GET DIAGNOSTICS new_identifiers = ROW_COUNT;

  INSERT INTO @extschema@.identity_edges AS e (a, b, source, observed_at)
  SELECT t.a, t.b, t.source, t.observed_at
  FROM pg_temp.clv_ingest_batch t
  WHERE t.a <> t.b
    AND NOT EXISTS (SELECT FROM pg_temp.clv_ingest_decisions d
                    WHERE d.kind = 'reject' AND d.a = t.a AND d.b = t.b)
  ON CONFLICT (a, b, source) DO NOTHING;

  INSERT INTO @extschema@.identity_merges (from_cluster, into_cluster, merged_at, via_a, via_b)
  SELECT d.from_cluster, d.cluster_id, pg_catalog.now(), d.a, d.b
  FROM pg_temp.clv_ingest_decisions d WHERE d.kind = 'merge' ORDER BY d.position;
  GET DIAGNOSTICS merges = ROW_COUNT;

  SELECT pg_catalog.count(*) INTO rejected FROM pg_temp.clv_ingest_decisions d WHERE d.kind = 'reject';
  INSERT INTO @extschema@.identity_rejections (a, b, rule, rejected_at)
  SELECT d.a, d.b, d.rule, pg_catalog.now()
  FROM pg_temp.clv_ingest_decisions d WHERE d.kind = 'reject'
  ON CONFLICT (a, b, rule) DO NOTHING;

  DROP TABLE pg_temp.clv_ingest_batch, pg_temp.clv_ingest_seen, pg_temp.clv_ingest_known,
             pg_temp.clv_ingest_decisions;
END
$fn$;
COMMENT ON FUNCTION @extschema@.identity_ingest(text) IS
'Adds the identifier pairs of edges_query (a text, b text [, source text [, observed_at timestamptz]]) to the persistent identity graph under the guard rules, in one transaction: new identifiers join clusters, clusters merge (the larger survives, ties: the smaller id; recorded in clv.identity_merges), refused edges are recorded in clv.identity_rejections. Only the clusters the batch touches are read. Ingests and retractions are serialized by a lock on clv.identity_nodes; ingesting the same edges again changes nothing. Returns the number of rows read, new identifiers, merges and rejected edges';

--------------------------------------------------------------------------
-- Retraction
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.identity_resplit(clusters bigint[], reason text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $fn$
DECLARE
  c bigint;
  parts bigint;
  new_parts bigint := 0;
BEGIN
  LOCK TABLE @extschema@.identity_nodes IN SHARE ROW EXCLUSIVE MODE;
  FOR c IN SELECT DISTINCT x FROM pg_catalog.unnest(clusters) AS u(x) WHERE x IS NOT NULL ORDER BY x LOOP
    WITH moved AS (
      UPDATE @extschema@.identity_nodes n SET cluster_id = s.cluster_id
      FROM @extschema@.identity_split(c) s
      WHERE n.identifier = s.identifier
      RETURNING n.cluster_id)
    INSERT INTO @extschema@.identity_splits (from_cluster, new_cluster, split_at, members, reason)
    SELECT c, m.cluster_id, pg_catalog.now(), pg_catalog.count(*), reason
    FROM moved m GROUP BY m.cluster_id ORDER BY m.cluster_id;
    GET DIAGNOSTICS parts = ROW_COUNT;
    new_parts := new_parts + parts;
  END LOOP;
  RETURN new_parts;
END
$fn$;
COMMENT ON FUNCTION @extschema@.identity_resplit(bigint[], text) IS
'Step of the retraction functions: re-splits each cluster over its remaining edges, moves split-off parts to new ids, records them in clv.identity_splits with the reason, and returns the number of new clusters';

CREATE FUNCTION @extschema@.identity_retract(a text, b text, OUT edges_removed bigint, OUT new_clusters bigint)
LANGUAGE plpgsql VOLATILE STRICT
AS $fn$
DECLARE
  lo text := CASE WHEN a COLLATE "C" <= b COLLATE "C" THEN a ELSE b END;
  hi text := CASE WHEN a COLLATE "C" <= b COLLATE "C" THEN b ELSE a END;
BEGIN
  LOCK TABLE @extschema@.identity_nodes IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM @extschema@.identity_edges e WHERE e.a = lo AND e.b = hi;
  GET DIAGNOSTICS edges_removed = ROW_COUNT;
  new_clusters := 0;
  IF edges_removed > 0 THEN
    new_clusters := @extschema@.identity_resplit(
      ARRAY(SELECT n.cluster_id FROM @extschema@.identity_nodes n WHERE n.identifier = lo),
      pg_catalog.format('retract edge (%s, %s)', lo, hi));
  END IF;
END
$fn$;
COMMENT ON FUNCTION @extschema@.identity_retract(text, text) IS
'Undoes a wrong link: removes the recorded edge between a and b (from every source) and re-splits their cluster if it fell apart; the part with the most members keeps the cluster id, the others get new ids recorded in clv.identity_splits. Returns the edges removed and the new clusters';

CREATE FUNCTION @extschema@.identity_retract_source(source text, OUT edges_removed bigint, OUT new_clusters bigint)
LANGUAGE plpgsql VOLATILE STRICT
AS $fn$
DECLARE
  clusters bigint[];
BEGIN
  LOCK TABLE @extschema@.identity_nodes IN SHARE ROW EXCLUSIVE MODE;
  WITH removed AS (
    DELETE FROM @extschema@.identity_edges e WHERE e.source = identity_retract_source.source RETURNING e.a)
  SELECT pg_catalog.count(*), pg_catalog.array_agg(DISTINCT n.cluster_id)
    INTO edges_removed, clusters
  FROM removed r JOIN @extschema@.identity_nodes n ON n.identifier = r.a;
  new_clusters := COALESCE(@extschema@.identity_resplit(clusters,
                             pg_catalog.format('retract source %L', source)), 0);
END
$fn$;
COMMENT ON FUNCTION @extschema@.identity_retract_source(text) IS
'Removes every edge recorded from one source (e.g. a feed found to be wrong) and re-splits the clusters it held together, as clv.identity_retract does. Returns the edges removed and the new clusters';

CREATE FUNCTION @extschema@.identity_retract_identifier(identifier text, OUT edges_removed bigint, OUT new_clusters bigint)
LANGUAGE plpgsql VOLATILE STRICT
AS $fn$
DECLARE
  old_cluster bigint;
BEGIN
  LOCK TABLE @extschema@.identity_nodes IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM @extschema@.identity_nodes n WHERE n.identifier = identity_retract_identifier.identifier
  RETURNING n.cluster_id INTO old_cluster;
  DELETE FROM @extschema@.identity_edges e
  WHERE e.a = identity_retract_identifier.identifier OR e.b = identity_retract_identifier.identifier;
  GET DIAGNOSTICS edges_removed = ROW_COUNT;
  new_clusters := 0;
  IF old_cluster IS NOT NULL THEN
    new_clusters := @extschema@.identity_resplit(ARRAY[old_cluster],
                      pg_catalog.format('retract identifier %s', identifier));
  END IF;
END
$fn$;
COMMENT ON FUNCTION @extschema@.identity_retract_identifier(text) IS
'Removes an identifier (e.g. one found to be junk or a shared hub) with all its edges from the graph and re-splits the cluster it held together, as clv.identity_retract does. Returns the edges removed and the new clusters';
