-- Composite types of the models functions (once-only DDL; the functions are in
-- functions/20_models.sql).

CREATE TYPE @extschema@.bgnbd AS (
    r              double precision,
    alpha          double precision,
    a              double precision,
    b              double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer,
    aic            double precision,
    bic            double precision,
    covariance     double precision[]
);
COMMENT ON TYPE @extschema@.bgnbd IS
'BG/NBD model (Fader, Hardie & Lee 2005): purchase rate ~ Gamma(r, alpha), dropout after each repeat purchase ~ Beta(a, b); alpha is in the unit of the fitted recency and t; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations; aic = 8 - 2 log_likelihood, bic = 4 ln(n_customers) - 2 log_likelihood; covariance: the parameters'' asymptotic covariance matrix (4 x 4, parameters in field order) from the observed information, an empty array unless converged (clv.model_summary)';

CREATE TYPE @extschema@.mbgnbd AS (
    r              double precision,
    alpha          double precision,
    a              double precision,
    b              double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer,
    aic            double precision,
    bic            double precision,
    covariance     double precision[]
);
COMMENT ON TYPE @extschema@.mbgnbd IS
'MBG/NBD model (Batislam, Denizel & Filiztekin 2007): as BG/NBD, with a possible dropout right after the first purchase too; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations; aic = 8 - 2 log_likelihood, bic = 4 ln(n_customers) - 2 log_likelihood; covariance: the parameters'' asymptotic covariance matrix (4 x 4, parameters in field order) from the observed information, an empty array unless converged (clv.model_summary)';

CREATE TYPE @extschema@.pareto_nbd AS (
    r              double precision,
    alpha          double precision,
    s              double precision,
    beta           double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer,
    aic            double precision,
    bic            double precision,
    covariance     double precision[]
);
COMMENT ON TYPE @extschema@.pareto_nbd IS
'Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): purchase rate ~ Gamma(r, alpha), dropout rate ~ Gamma(s, beta); log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations; aic = 8 - 2 log_likelihood, bic = 4 ln(n_customers) - 2 log_likelihood; covariance: the parameters'' asymptotic covariance matrix (4 x 4, parameters in field order) from the observed information, an empty array unless converged (clv.model_summary)';

CREATE TYPE @extschema@.gamma_gamma AS (
    p              double precision,
    q              double precision,
    v              double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer,
    aic            double precision,
    bic            double precision,
    covariance     double precision[]
);
COMMENT ON TYPE @extschema@.gamma_gamma IS
'Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): mean transaction value of repeat purchases; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations; aic = 6 - 2 log_likelihood, bic = 3 ln(n_customers) - 2 log_likelihood; covariance: the parameters'' asymptotic covariance matrix (3 x 3, parameters in field order) from the observed information, an empty array unless converged (clv.model_summary)';

CREATE TYPE @extschema@.sbg AS (
    alpha          double precision,
    beta           double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer,
    aic            double precision,
    bic            double precision,
    covariance     double precision[]
);
COMMENT ON TYPE @extschema@.sbg IS
'Shifted-beta-geometric contractual retention model (Fader & Hardie 2007): churn probability ~ Beta(alpha, beta); log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations; aic = 4 - 2 log_likelihood, bic = 2 ln(n_customers) - 2 log_likelihood; covariance: the parameters'' asymptotic covariance matrix (2 x 2, parameters in field order) from the observed information, an empty array unless converged (clv.model_summary)';

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
