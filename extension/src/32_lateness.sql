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
