-- Composite types of the rfm functions (once-only DDL; the functions are in
-- functions/10_rfm.sql).

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

-- Aggregate state types: flat form = the core's byte format; in memory an
-- expanded object updated in place (src/pg/common/aggregate.hpp).
CREATE TYPE @extschema@.rfm_state;
CREATE FUNCTION @extschema@.rfm_state_in(cstring) RETURNS @extschema@.rfm_state
AS 'MODULE_PATHNAME', 'clv_rfm_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_state_out(@extschema@.rfm_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'clv_rfm_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_state_recv(internal) RETURNS @extschema@.rfm_state
AS 'MODULE_PATHNAME', 'clv_rfm_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_state_send(@extschema@.rfm_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'clv_rfm_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.rfm_state (
    INPUT = @extschema@.rfm_state_in, OUTPUT = @extschema@.rfm_state_out,
    RECEIVE = @extschema@.rfm_state_recv, SEND = @extschema@.rfm_state_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended
);
COMMENT ON TYPE @extschema@.rfm_state IS
'Partial aggregate state of clv.rfm_agg (parallel workers, shards, the _state and _merge aggregates): the versioned byte format, validated on input; text form \x and hex digits';
COMMENT ON FUNCTION @extschema@.rfm_state_in(cstring) IS 'input function of clv.rfm_state (validates the state)';
COMMENT ON FUNCTION @extschema@.rfm_state_out(@extschema@.rfm_state) IS 'output function of clv.rfm_state';
COMMENT ON FUNCTION @extschema@.rfm_state_recv(internal) IS 'binary input function of clv.rfm_state (validates the state)';
COMMENT ON FUNCTION @extschema@.rfm_state_send(@extschema@.rfm_state) IS 'binary output function of clv.rfm_state';

CREATE TYPE @extschema@.rfm_holdout_state;
CREATE FUNCTION @extschema@.rfm_holdout_state_in(cstring) RETURNS @extschema@.rfm_holdout_state
AS 'MODULE_PATHNAME', 'clv_rfm_holdout_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_holdout_state_out(@extschema@.rfm_holdout_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'clv_rfm_holdout_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_holdout_state_recv(internal) RETURNS @extschema@.rfm_holdout_state
AS 'MODULE_PATHNAME', 'clv_rfm_holdout_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_holdout_state_send(@extschema@.rfm_holdout_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'clv_rfm_holdout_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.rfm_holdout_state (
    INPUT = @extschema@.rfm_holdout_state_in, OUTPUT = @extschema@.rfm_holdout_state_out,
    RECEIVE = @extschema@.rfm_holdout_state_recv, SEND = @extschema@.rfm_holdout_state_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended
);
COMMENT ON TYPE @extschema@.rfm_holdout_state IS
'Partial aggregate state of clv.rfm_holdout_agg (parallel workers, shards, the _state and _merge aggregates): the versioned byte format, validated on input; text form \x and hex digits';
COMMENT ON FUNCTION @extschema@.rfm_holdout_state_in(cstring) IS 'input function of clv.rfm_holdout_state (validates the state)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_state_out(@extschema@.rfm_holdout_state) IS 'output function of clv.rfm_holdout_state';
COMMENT ON FUNCTION @extschema@.rfm_holdout_state_recv(internal) IS 'binary input function of clv.rfm_holdout_state (validates the state)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_state_send(@extschema@.rfm_holdout_state) IS 'binary output function of clv.rfm_holdout_state';
