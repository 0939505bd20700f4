-- Composite types of the trend functions (once-only DDL; the functions are in
-- functions/30_trend.sql).

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

-- Aggregate state types: flat form = the core's byte format; in memory an
-- expanded object updated in place (src/pg/common/aggregate.hpp).
CREATE TYPE @extschema@.trend_state;
CREATE FUNCTION @extschema@.trend_state_in(cstring) RETURNS @extschema@.trend_state
AS 'MODULE_PATHNAME', 'clv_trend_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.trend_state_out(@extschema@.trend_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'clv_trend_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.trend_state_recv(internal) RETURNS @extschema@.trend_state
AS 'MODULE_PATHNAME', 'clv_trend_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.trend_state_send(@extschema@.trend_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'clv_trend_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.trend_state (
    INPUT = @extschema@.trend_state_in, OUTPUT = @extschema@.trend_state_out,
    RECEIVE = @extschema@.trend_state_recv, SEND = @extschema@.trend_state_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended
);
COMMENT ON TYPE @extschema@.trend_state IS
'Partial aggregate state of clv.trend_agg (parallel workers, shards, the _state and _merge aggregates): the versioned byte format, validated on input; text form \x and hex digits';
COMMENT ON FUNCTION @extschema@.trend_state_in(cstring) IS 'input function of clv.trend_state (validates the state)';
COMMENT ON FUNCTION @extschema@.trend_state_out(@extschema@.trend_state) IS 'output function of clv.trend_state';
COMMENT ON FUNCTION @extschema@.trend_state_recv(internal) IS 'binary input function of clv.trend_state (validates the state)';
COMMENT ON FUNCTION @extschema@.trend_state_send(@extschema@.trend_state) IS 'binary output function of clv.trend_state';

CREATE TYPE @extschema@.lateness_state;
CREATE FUNCTION @extschema@.lateness_state_in(cstring) RETURNS @extschema@.lateness_state
AS 'MODULE_PATHNAME', 'clv_lateness_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.lateness_state_out(@extschema@.lateness_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'clv_lateness_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.lateness_state_recv(internal) RETURNS @extschema@.lateness_state
AS 'MODULE_PATHNAME', 'clv_lateness_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.lateness_state_send(@extschema@.lateness_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'clv_lateness_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.lateness_state (
    INPUT = @extschema@.lateness_state_in, OUTPUT = @extschema@.lateness_state_out,
    RECEIVE = @extschema@.lateness_state_recv, SEND = @extschema@.lateness_state_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended
);
COMMENT ON TYPE @extschema@.lateness_state IS
'Partial aggregate state of clv.lateness_agg (parallel workers, shards, the _state and _merge aggregates): the versioned byte format, validated on input; text form \x and hex digits';
COMMENT ON FUNCTION @extschema@.lateness_state_in(cstring) IS 'input function of clv.lateness_state (validates the state)';
COMMENT ON FUNCTION @extschema@.lateness_state_out(@extschema@.lateness_state) IS 'output function of clv.lateness_state';
COMMENT ON FUNCTION @extschema@.lateness_state_recv(internal) IS 'binary input function of clv.lateness_state (validates the state)';
COMMENT ON FUNCTION @extschema@.lateness_state_send(@extschema@.lateness_state) IS 'binary output function of clv.lateness_state';
