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
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, numeric, timestamptz, interval) IS
'Value trend (clv.trend) of numeric amounts, summed per period of the given length';

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
