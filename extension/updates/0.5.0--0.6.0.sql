-- 0.5.0 -> 0.6.0: once-only DDL, before the idempotent function files
-- (extension/functions/*.sql) that the upgrade script loads after it.
\echo Use "ALTER EXTENSION clv_ext UPDATE TO '0.6.0'" to load this file. \quit

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

-- Aggregate state types: flat form = the core's byte format; in memory an
-- expanded object updated in place (src/pg/common/aggregate.hpp).
CREATE TYPE @extschema@.rfm_fit_state;
CREATE FUNCTION @extschema@.rfm_fit_state_in(cstring) RETURNS @extschema@.rfm_fit_state
AS 'MODULE_PATHNAME', 'clv_rfm_fit_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_fit_state_out(@extschema@.rfm_fit_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'clv_rfm_fit_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_fit_state_recv(internal) RETURNS @extschema@.rfm_fit_state
AS 'MODULE_PATHNAME', 'clv_rfm_fit_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rfm_fit_state_send(@extschema@.rfm_fit_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'clv_rfm_fit_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.rfm_fit_state (
    INPUT = @extschema@.rfm_fit_state_in, OUTPUT = @extschema@.rfm_fit_state_out,
    RECEIVE = @extschema@.rfm_fit_state_recv, SEND = @extschema@.rfm_fit_state_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended
);
COMMENT ON TYPE @extschema@.rfm_fit_state IS
'Partial aggregate state of clv.bgnbd_fit, clv.mbgnbd_fit and clv.pareto_nbd_fit (parallel workers, shards, the _state and _merge aggregates): the versioned byte format, validated on input; text form \x and hex digits';
COMMENT ON FUNCTION @extschema@.rfm_fit_state_in(cstring) IS 'input function of clv.rfm_fit_state (validates the state)';
COMMENT ON FUNCTION @extschema@.rfm_fit_state_out(@extschema@.rfm_fit_state) IS 'output function of clv.rfm_fit_state';
COMMENT ON FUNCTION @extschema@.rfm_fit_state_recv(internal) IS 'binary input function of clv.rfm_fit_state (validates the state)';
COMMENT ON FUNCTION @extschema@.rfm_fit_state_send(@extschema@.rfm_fit_state) IS 'binary output function of clv.rfm_fit_state';

CREATE TYPE @extschema@.spend_fit_state;
CREATE FUNCTION @extschema@.spend_fit_state_in(cstring) RETURNS @extschema@.spend_fit_state
AS 'MODULE_PATHNAME', 'clv_spend_fit_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.spend_fit_state_out(@extschema@.spend_fit_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'clv_spend_fit_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.spend_fit_state_recv(internal) RETURNS @extschema@.spend_fit_state
AS 'MODULE_PATHNAME', 'clv_spend_fit_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.spend_fit_state_send(@extschema@.spend_fit_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'clv_spend_fit_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.spend_fit_state (
    INPUT = @extschema@.spend_fit_state_in, OUTPUT = @extschema@.spend_fit_state_out,
    RECEIVE = @extschema@.spend_fit_state_recv, SEND = @extschema@.spend_fit_state_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended
);
COMMENT ON TYPE @extschema@.spend_fit_state IS
'Partial aggregate state of clv.gamma_gamma_fit (parallel workers, shards, the _state and _merge aggregates): the versioned byte format, validated on input; text form \x and hex digits';
COMMENT ON FUNCTION @extschema@.spend_fit_state_in(cstring) IS 'input function of clv.spend_fit_state (validates the state)';
COMMENT ON FUNCTION @extschema@.spend_fit_state_out(@extschema@.spend_fit_state) IS 'output function of clv.spend_fit_state';
COMMENT ON FUNCTION @extschema@.spend_fit_state_recv(internal) IS 'binary input function of clv.spend_fit_state (validates the state)';
COMMENT ON FUNCTION @extschema@.spend_fit_state_send(@extschema@.spend_fit_state) IS 'binary output function of clv.spend_fit_state';

CREATE TYPE @extschema@.cohort_fit_state;
CREATE FUNCTION @extschema@.cohort_fit_state_in(cstring) RETURNS @extschema@.cohort_fit_state
AS 'MODULE_PATHNAME', 'clv_cohort_fit_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cohort_fit_state_out(@extschema@.cohort_fit_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'clv_cohort_fit_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cohort_fit_state_recv(internal) RETURNS @extschema@.cohort_fit_state
AS 'MODULE_PATHNAME', 'clv_cohort_fit_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cohort_fit_state_send(@extschema@.cohort_fit_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'clv_cohort_fit_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.cohort_fit_state (
    INPUT = @extschema@.cohort_fit_state_in, OUTPUT = @extschema@.cohort_fit_state_out,
    RECEIVE = @extschema@.cohort_fit_state_recv, SEND = @extschema@.cohort_fit_state_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended
);
COMMENT ON TYPE @extschema@.cohort_fit_state IS
'Partial aggregate state of clv.sbg_fit (parallel workers, shards, the _state and _merge aggregates): the versioned byte format, validated on input; text form \x and hex digits';
COMMENT ON FUNCTION @extschema@.cohort_fit_state_in(cstring) IS 'input function of clv.cohort_fit_state (validates the state)';
COMMENT ON FUNCTION @extschema@.cohort_fit_state_out(@extschema@.cohort_fit_state) IS 'output function of clv.cohort_fit_state';
COMMENT ON FUNCTION @extschema@.cohort_fit_state_recv(internal) IS 'binary input function of clv.cohort_fit_state (validates the state)';
COMMENT ON FUNCTION @extschema@.cohort_fit_state_send(@extschema@.cohort_fit_state) IS 'binary output function of clv.cohort_fit_state';

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
-- Model selection and uncertainty: every fit result ends with AIC, BIC and
-- the parameters' covariance matrix (clv.model_summary).
ALTER TYPE @extschema@.bgnbd ADD ATTRIBUTE aic double precision, ADD ATTRIBUTE bic double precision,
    ADD ATTRIBUTE covariance double precision[];
COMMENT ON TYPE @extschema@.bgnbd IS
'BG/NBD model (Fader, Hardie & Lee 2005): purchase rate ~ Gamma(r, alpha), dropout after each repeat purchase ~ Beta(a, b); alpha is in the unit of the fitted recency and t; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations; aic = 8 - 2 log_likelihood, bic = 4 ln(n_customers) - 2 log_likelihood; covariance: the parameters'' asymptotic covariance matrix (4 x 4, parameters in field order) from the observed information, an empty array unless converged (clv.model_summary)';
ALTER TYPE @extschema@.mbgnbd ADD ATTRIBUTE aic double precision, ADD ATTRIBUTE bic double precision,
    ADD ATTRIBUTE covariance double precision[];
COMMENT ON TYPE @extschema@.mbgnbd IS
'MBG/NBD model (Batislam, Denizel & Filiztekin 2007): as BG/NBD, with a possible dropout right after the first purchase too; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations; aic = 8 - 2 log_likelihood, bic = 4 ln(n_customers) - 2 log_likelihood; covariance: the parameters'' asymptotic covariance matrix (4 x 4, parameters in field order) from the observed information, an empty array unless converged (clv.model_summary)';
ALTER TYPE @extschema@.pareto_nbd ADD ATTRIBUTE aic double precision, ADD ATTRIBUTE bic double precision,
    ADD ATTRIBUTE covariance double precision[];
COMMENT ON TYPE @extschema@.pareto_nbd IS
'Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): purchase rate ~ Gamma(r, alpha), dropout rate ~ Gamma(s, beta); log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations; aic = 8 - 2 log_likelihood, bic = 4 ln(n_customers) - 2 log_likelihood; covariance: the parameters'' asymptotic covariance matrix (4 x 4, parameters in field order) from the observed information, an empty array unless converged (clv.model_summary)';
ALTER TYPE @extschema@.gamma_gamma ADD ATTRIBUTE aic double precision, ADD ATTRIBUTE bic double precision,
    ADD ATTRIBUTE covariance double precision[];
COMMENT ON TYPE @extschema@.gamma_gamma IS
'Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): mean transaction value of repeat purchases; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations; aic = 6 - 2 log_likelihood, bic = 3 ln(n_customers) - 2 log_likelihood; covariance: the parameters'' asymptotic covariance matrix (3 x 3, parameters in field order) from the observed information, an empty array unless converged (clv.model_summary)';
ALTER TYPE @extschema@.sbg ADD ATTRIBUTE aic double precision, ADD ATTRIBUTE bic double precision,
    ADD ATTRIBUTE covariance double precision[];
COMMENT ON TYPE @extschema@.sbg IS
'Shifted-beta-geometric contractual retention model (Fader & Hardie 2007): churn probability ~ Beta(alpha, beta); log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations; aic = 4 - 2 log_likelihood, bic = 2 ln(n_customers) - 2 log_likelihood; covariance: the parameters'' asymptotic covariance matrix (2 x 2, parameters in field order) from the observed information, an empty array unless converged (clv.model_summary)';

-- The BG/BB model: its result type and the state type of clv.bgbb_fit.
CREATE TYPE @extschema@.bgbb AS (
    alpha          double precision,
    beta           double precision,
    gamma          double precision,
    delta          double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer,
    aic            double precision,
    bic            double precision,
    covariance     double precision[]
);
COMMENT ON TYPE @extschema@.bgbb IS
'BG/BB discrete-time model (Fader, Hardie & Shang 2010): transaction probability per opportunity ~ Beta(alpha, beta), dropout probability per opportunity ~ Beta(gamma, delta); log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations, aic = 8 - 2 log_likelihood, bic = 4 ln(n_customers) - 2 log_likelihood; covariance: the parameters'' asymptotic covariance matrix (4 x 4, parameters in field order) from the observed information, an empty array unless converged (clv.model_summary)';

CREATE TYPE @extschema@.discrete_fit_state;
CREATE FUNCTION @extschema@.discrete_fit_state_in(cstring) RETURNS @extschema@.discrete_fit_state
AS 'MODULE_PATHNAME', 'clv_discrete_fit_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.discrete_fit_state_out(@extschema@.discrete_fit_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'clv_discrete_fit_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.discrete_fit_state_recv(internal) RETURNS @extschema@.discrete_fit_state
AS 'MODULE_PATHNAME', 'clv_discrete_fit_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.discrete_fit_state_send(@extschema@.discrete_fit_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'clv_discrete_fit_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.discrete_fit_state (
    INPUT = @extschema@.discrete_fit_state_in, OUTPUT = @extschema@.discrete_fit_state_out,
    RECEIVE = @extschema@.discrete_fit_state_recv, SEND = @extschema@.discrete_fit_state_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended
);
COMMENT ON TYPE @extschema@.discrete_fit_state IS
'Partial aggregate state of clv.bgbb_fit (parallel workers, shards, the _state and _merge aggregates): the versioned byte format, validated on input; text form \x and hex digits';
COMMENT ON FUNCTION @extschema@.discrete_fit_state_in(cstring) IS 'input function of clv.discrete_fit_state (validates the state)';
COMMENT ON FUNCTION @extschema@.discrete_fit_state_out(@extschema@.discrete_fit_state) IS 'output function of clv.discrete_fit_state';
COMMENT ON FUNCTION @extschema@.discrete_fit_state_recv(internal) IS 'binary input function of clv.discrete_fit_state (validates the state)';
COMMENT ON FUNCTION @extschema@.discrete_fit_state_send(@extschema@.discrete_fit_state) IS 'binary output function of clv.discrete_fit_state';

-- Models with time-invariant covariates and the state type of their fits.
CREATE TYPE @extschema@.pareto_nbd_cov AS (
    r              double precision,
    alpha          double precision,
    s              double precision,
    beta           double precision,
    gamma_purchase double precision[],
    gamma_dropout  double precision[],
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer,
    aic            double precision,
    bic            double precision,
    covariance     double precision[]
);
COMMENT ON TYPE @extschema@.pareto_nbd_cov IS
'Pareto/NBD model with time-invariant covariates z (Fader & Hardie 2007; CLVTools'' static covariates): a customer''s alpha is alpha exp(-gamma_purchase . z), their beta beta exp(-gamma_dropout . z) (clv.for_customer); alpha and beta are those of z = 0; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations; aic = 2k - 2 log_likelihood, bic = k ln(n_customers) - 2 log_likelihood with k = 4 + 2 x covariates; covariance: the asymptotic covariance matrix (k x k: r, alpha, s, beta, gamma_purchase, gamma_dropout) from the observed information, an empty array unless converged (clv.model_summary)';

CREATE TYPE @extschema@.bgnbd_cov AS (
    r              double precision,
    alpha          double precision,
    a              double precision,
    b              double precision,
    gamma_purchase double precision[],
    gamma_dropout  double precision[],
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer,
    aic            double precision,
    bic            double precision,
    covariance     double precision[]
);
COMMENT ON TYPE @extschema@.bgnbd_cov IS
'BG/NBD model with time-invariant covariates z (Fader & Hardie 2007; CLVTools'' static covariates): a customer''s alpha is alpha exp(-gamma_purchase . z), their a and b are a exp(gamma_dropout . z) and b exp(gamma_dropout . z) (clv.for_customer); alpha, a and b are those of z = 0; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations; aic = 2k - 2 log_likelihood, bic = k ln(n_customers) - 2 log_likelihood with k = 4 + 2 x covariates; covariance: the asymptotic covariance matrix (k x k: r, alpha, a, b, gamma_purchase, gamma_dropout) from the observed information, an empty array unless converged (clv.model_summary)';

CREATE TYPE @extschema@.covariate_fit_state;
CREATE FUNCTION @extschema@.covariate_fit_state_in(cstring) RETURNS @extschema@.covariate_fit_state
AS 'MODULE_PATHNAME', 'clv_covariate_fit_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.covariate_fit_state_out(@extschema@.covariate_fit_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'clv_covariate_fit_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.covariate_fit_state_recv(internal) RETURNS @extschema@.covariate_fit_state
AS 'MODULE_PATHNAME', 'clv_covariate_fit_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.covariate_fit_state_send(@extschema@.covariate_fit_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'clv_covariate_fit_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.covariate_fit_state (
    INPUT = @extschema@.covariate_fit_state_in, OUTPUT = @extschema@.covariate_fit_state_out,
    RECEIVE = @extschema@.covariate_fit_state_recv, SEND = @extschema@.covariate_fit_state_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended
);
COMMENT ON TYPE @extschema@.covariate_fit_state IS
'Partial aggregate state of clv.pareto_nbd_cov_fit and clv.bgnbd_cov_fit (parallel workers, shards, the _state and _merge aggregates): the versioned byte format, validated on input; text form \x and hex digits';
COMMENT ON FUNCTION @extschema@.covariate_fit_state_in(cstring) IS 'input function of clv.covariate_fit_state (validates the state)';
COMMENT ON FUNCTION @extschema@.covariate_fit_state_out(@extschema@.covariate_fit_state) IS 'output function of clv.covariate_fit_state';
COMMENT ON FUNCTION @extschema@.covariate_fit_state_recv(internal) IS 'binary input function of clv.covariate_fit_state (validates the state)';
COMMENT ON FUNCTION @extschema@.covariate_fit_state_send(@extschema@.covariate_fit_state) IS 'binary output function of clv.covariate_fit_state';

-- Watermark capture: profiles of append-only sources without triggers.
ALTER TABLE @extschema@.profiles
    ADD COLUMN watermark_column name,
    ADD COLUMN watermark_lag interval NOT NULL DEFAULT '0' CHECK (watermark_lag OPERATOR(pg_catalog.>=) '0' AND watermark_lag OPERATOR(pg_catalog.<=) '366 days'),
    ADD COLUMN watermark_id_lag bigint NOT NULL DEFAULT 0 CHECK (watermark_id_lag OPERATOR(pg_catalog.>=) 0 AND watermark_id_lag OPERATOR(pg_catalog.<=) 1000000000000),
    ADD COLUMN watermark_ts timestamptz,
    ADD COLUMN watermark_id bigint;
COMMENT ON COLUMN @extschema@.profiles.watermark_column IS 'watermark capture: the source''s monotonic column (timestamptz, bigint or integer) whose values past the stored watermark are the new rows; NULL: trigger capture';
COMMENT ON COLUMN @extschema@.profiles.watermark_lag IS 'watermark capture on a timestamptz column: rows down to this much below the stored watermark are read again, for transactions that commit late';
COMMENT ON COLUMN @extschema@.profiles.watermark_id_lag IS 'watermark capture on an integer column: rows down to this many ids below the stored watermark are read again, for transactions that commit late';
COMMENT ON COLUMN @extschema@.profiles.watermark_ts IS 'watermark capture on a timestamptz column: the highest value seen by the last refresh (NULL before the first)';
COMMENT ON COLUMN @extschema@.profiles.watermark_id IS 'watermark capture on an integer column: the highest value seen by the last refresh (NULL before the first)';

-- New arguments (watermark_column, watermark_lag, watermark_id_lag): the
-- functions file creates the new signatures.
DROP FUNCTION @extschema@.create_profile(text, regclass, name, name, name, interval, text, double precision, double precision, interval, interval, boolean, name, integer, double precision, interval, boolean);
DROP FUNCTION @extschema@.profile_register(text, regclass, name, name, name, interval, text, double precision, double precision, integer, double precision, interval, interval, interval, boolean, name);
DROP FUNCTION @extschema@.profile_register_privileged(regrole, text, regclass, name, name, name, interval, text, double precision, double precision, integer, double precision, interval, interval, interval, boolean, name);

-- Profiles choose their purchase model by BIC (model auto, the new default);
-- each fit records the model it chose.
ALTER TABLE @extschema@.profiles DROP CONSTRAINT profiles_model_check,
    ADD CONSTRAINT profiles_model_check CHECK (model OPERATOR(pg_catalog.=) ANY ('{auto,bgnbd,mbgnbd,pareto_nbd}'));
COMMENT ON COLUMN @extschema@.profiles.model IS 'purchase model: auto (the lowest BIC of bgnbd, mbgnbd and pareto_nbd at each refit), bgnbd, mbgnbd or pareto_nbd';
ALTER TABLE @extschema@.profile_models ADD COLUMN model text;
COMMENT ON COLUMN @extschema@.profile_models.model IS 'the purchase model of this fit, whose column is set (chosen by BIC for a profile with model auto; NULL in rows of 0.5.0)';
COMMENT ON COLUMN @extschema@.profile_models.bgnbd IS 'the BG/NBD fit of a profile with model bgnbd, or auto when BG/NBD was chosen';
COMMENT ON COLUMN @extschema@.profile_models.mbgnbd IS 'the MBG/NBD fit of a profile with model mbgnbd, or auto when MBG/NBD was chosen';
COMMENT ON COLUMN @extschema@.profile_models.pareto_nbd IS 'the Pareto/NBD fit of a profile with model pareto_nbd, or auto when Pareto/NBD was chosen';
