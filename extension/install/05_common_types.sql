-- Types shared by several features (once-only DDL).

-- A time zone name (clv.time_zone) for the aggregates' time_zone argument: a
-- type of its own rather than text, because a collatable argument keeps
-- postgres_fdw from shipping an aggregate to a shard.
CREATE TYPE @extschema@.time_zone;
CREATE FUNCTION @extschema@.time_zone_in(cstring) RETURNS @extschema@.time_zone
AS 'MODULE_PATHNAME', 'clv_time_zone_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.time_zone_out(@extschema@.time_zone) RETURNS cstring
AS 'MODULE_PATHNAME', 'clv_time_zone_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.time_zone_recv(internal) RETURNS @extschema@.time_zone
AS 'MODULE_PATHNAME', 'clv_time_zone_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.time_zone_send(@extschema@.time_zone) RETURNS bytea
AS 'MODULE_PATHNAME', 'clv_time_zone_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.time_zone (
    INPUT = @extschema@.time_zone_in, OUTPUT = @extschema@.time_zone_out,
    RECEIVE = @extschema@.time_zone_recv, SEND = @extschema@.time_zone_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended, CATEGORY = 'S'
);
CREATE CAST (text AS @extschema@.time_zone) WITH INOUT AS IMPLICIT;
CREATE CAST (@extschema@.time_zone AS text) WITH INOUT AS ASSIGNMENT;
COMMENT ON TYPE @extschema@.time_zone IS
'A time zone name as SET TimeZone takes it (pg_timezone_names, e.g. Europe/Berlin, UTC, Etc/GMT-2), checked on input; numeric offsets are refused because their POSIX sign is the opposite of ISO 8601''s';
COMMENT ON FUNCTION @extschema@.time_zone_in(cstring) IS 'input function of clv.time_zone (checks the zone)';
COMMENT ON FUNCTION @extschema@.time_zone_out(@extschema@.time_zone) IS 'output function of clv.time_zone';
COMMENT ON FUNCTION @extschema@.time_zone_recv(internal) IS 'binary input function of clv.time_zone (checks the zone)';
COMMENT ON FUNCTION @extschema@.time_zone_send(@extschema@.time_zone) IS 'binary output function of clv.time_zone';
COMMENT ON CAST (text AS @extschema@.time_zone) IS 'a text time zone name where a clv.time_zone is expected (checked)';
COMMENT ON CAST (@extschema@.time_zone AS text) IS 'the name of a clv.time_zone';
