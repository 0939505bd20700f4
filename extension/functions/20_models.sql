-- Probabilistic CLV models: fit aggregates, scoring functions and
-- diagnostics (src/pg/models).
-- Idempotent (CREATE OR REPLACE): the install script and every upgrade load
-- this file as it is; the model types are in install/20_models_types.sql.

--------------------------------------------------------------------------
-- Fit aggregates. States hold the distinct inputs with their counts, so the
-- fit in the final function costs as much as the distinct inputs. Rows with
-- a NULL input are skipped.
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@.rfm_fit_transfn(@extschema@.rfm_fit_state, double precision, double precision, double precision)
RETURNS @extschema@.rfm_fit_state AS 'MODULE_PATHNAME', 'clv_rfm_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_transfn(@extschema@.rfm_fit_state, double precision, double precision, double precision) IS 'transition function collecting the (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits';
CREATE OR REPLACE FUNCTION @extschema@.rfm_fit_transfn(@extschema@.rfm_fit_state, double precision, double precision, double precision, double precision)
RETURNS @extschema@.rfm_fit_state AS 'MODULE_PATHNAME', 'clv_rfm_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_transfn(@extschema@.rfm_fit_state, double precision, double precision, double precision, double precision) IS 'transition function collecting the (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits';
CREATE OR REPLACE FUNCTION @extschema@.rfm_fit_transfn(@extschema@.rfm_fit_state, double precision, double precision, double precision, double precision, bigint)
RETURNS @extschema@.rfm_fit_state AS 'MODULE_PATHNAME', 'clv_rfm_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_transfn(@extschema@.rfm_fit_state, double precision, double precision, double precision, double precision, bigint) IS 'transition function collecting the (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits, each row standing for weight customers';
CREATE OR REPLACE FUNCTION @extschema@.rfm_fit_combinefn(@extschema@.rfm_fit_state, @extschema@.rfm_fit_state)
RETURNS @extschema@.rfm_fit_state AS 'MODULE_PATHNAME', 'clv_rfm_fit_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_combinefn(@extschema@.rfm_fit_state, @extschema@.rfm_fit_state) IS 'combines partial states of (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits (parallel query)';

CREATE OR REPLACE FUNCTION @extschema@.spend_fit_transfn(@extschema@.spend_fit_state, double precision, double precision)
RETURNS @extschema@.spend_fit_state AS 'MODULE_PATHNAME', 'clv_spend_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_transfn(@extschema@.spend_fit_state, double precision, double precision) IS 'transition function collecting the (frequency, monetary) pairs of Gamma-Gamma fits';
CREATE OR REPLACE FUNCTION @extschema@.spend_fit_transfn(@extschema@.spend_fit_state, double precision, double precision, double precision)
RETURNS @extschema@.spend_fit_state AS 'MODULE_PATHNAME', 'clv_spend_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_transfn(@extschema@.spend_fit_state, double precision, double precision, double precision) IS 'transition function collecting the (frequency, monetary) pairs of Gamma-Gamma fits';
CREATE OR REPLACE FUNCTION @extschema@.spend_fit_transfn(@extschema@.spend_fit_state, double precision, double precision, double precision, bigint)
RETURNS @extschema@.spend_fit_state AS 'MODULE_PATHNAME', 'clv_spend_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_transfn(@extschema@.spend_fit_state, double precision, double precision, double precision, bigint) IS 'transition function collecting the (frequency, monetary) pairs of Gamma-Gamma fits, each row standing for weight customers';
CREATE OR REPLACE FUNCTION @extschema@.spend_fit_combinefn(@extschema@.spend_fit_state, @extschema@.spend_fit_state)
RETURNS @extschema@.spend_fit_state AS 'MODULE_PATHNAME', 'clv_spend_fit_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_combinefn(@extschema@.spend_fit_state, @extschema@.spend_fit_state) IS 'combines partial states of (frequency, monetary) pairs of Gamma-Gamma fits (parallel query)';

CREATE OR REPLACE FUNCTION @extschema@.cohort_fit_transfn(@extschema@.cohort_fit_state, integer, bigint)
RETURNS @extschema@.cohort_fit_state AS 'MODULE_PATHNAME', 'clv_cohort_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_transfn(@extschema@.cohort_fit_state, integer, bigint) IS 'transition function collecting the (period, active) counts of sBG fits';
CREATE OR REPLACE FUNCTION @extschema@.cohort_fit_transfn(@extschema@.cohort_fit_state, integer, bigint, double precision)
RETURNS @extschema@.cohort_fit_state AS 'MODULE_PATHNAME', 'clv_cohort_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_transfn(@extschema@.cohort_fit_state, integer, bigint, double precision) IS 'transition function collecting the (period, active) counts of sBG fits';
CREATE OR REPLACE FUNCTION @extschema@.cohort_fit_combinefn(@extschema@.cohort_fit_state, @extschema@.cohort_fit_state)
RETURNS @extschema@.cohort_fit_state AS 'MODULE_PATHNAME', 'clv_cohort_fit_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_combinefn(@extschema@.cohort_fit_state, @extschema@.cohort_fit_state) IS 'combines partial states of (period, active) counts of sBG fits (parallel query)';

CREATE OR REPLACE FUNCTION @extschema@.discrete_fit_transfn(@extschema@.discrete_fit_state, integer, integer, integer)
RETURNS @extschema@.discrete_fit_state AS 'MODULE_PATHNAME', 'clv_discrete_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.discrete_fit_transfn(@extschema@.discrete_fit_state, integer, integer, integer) IS 'transition function collecting the (frequency, recency, n_periods) triples of BG/BB fits';
CREATE OR REPLACE FUNCTION @extschema@.discrete_fit_transfn(@extschema@.discrete_fit_state, integer, integer, integer, bigint)
RETURNS @extschema@.discrete_fit_state AS 'MODULE_PATHNAME', 'clv_discrete_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.discrete_fit_transfn(@extschema@.discrete_fit_state, integer, integer, integer, bigint) IS 'transition function collecting the (frequency, recency, n_periods) triples of BG/BB fits, each row standing for weight customers';
CREATE OR REPLACE FUNCTION @extschema@.discrete_fit_combinefn(@extschema@.discrete_fit_state, @extschema@.discrete_fit_state)
RETURNS @extschema@.discrete_fit_state AS 'MODULE_PATHNAME', 'clv_discrete_fit_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.discrete_fit_combinefn(@extschema@.discrete_fit_state, @extschema@.discrete_fit_state) IS 'combines partial states of (frequency, recency, n_periods) triples of BG/BB fits (parallel query)';

CREATE OR REPLACE FUNCTION @extschema@.bgnbd_fit_finalfn(@extschema@.rfm_fit_state)
RETURNS @extschema@.bgnbd AS 'MODULE_PATHNAME', 'clv_bgnbd_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_fit_finalfn(@extschema@.rfm_fit_state) IS 'fits the BG/NBD model by maximum likelihood (final function of clv.bgnbd_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_fit(frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.bgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the BG/NBD model (clv.bgnbd); frequency, recency and t as from clv.rfm_agg, in one unit';

CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.bgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the BG/NBD model (clv.bgnbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit';

CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision, weight bigint) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.bgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(double precision, double precision, double precision, double precision, bigint) IS
'Maximum-likelihood fit of the BG/NBD model (clv.bgnbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit; weight: the number of identical customers the row stands for (>= 1; a row with a NULL weight is skipped)';

CREATE OR REPLACE FUNCTION @extschema@.mbgnbd_fit_finalfn(@extschema@.rfm_fit_state)
RETURNS @extschema@.mbgnbd AS 'MODULE_PATHNAME', 'clv_mbgnbd_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mbgnbd_fit_finalfn(@extschema@.rfm_fit_state) IS 'fits the MBG/NBD model by maximum likelihood (final function of clv.mbgnbd_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.mbgnbd_fit(frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.mbgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the MBG/NBD model (clv.mbgnbd); frequency, recency and t as from clv.rfm_agg, in one unit';

CREATE OR REPLACE AGGREGATE @extschema@.mbgnbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.mbgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the MBG/NBD model (clv.mbgnbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit';

CREATE OR REPLACE AGGREGATE @extschema@.mbgnbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision, weight bigint) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.mbgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(double precision, double precision, double precision, double precision, bigint) IS
'Maximum-likelihood fit of the MBG/NBD model (clv.mbgnbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit; weight: the number of identical customers the row stands for (>= 1; a row with a NULL weight is skipped)';

CREATE OR REPLACE FUNCTION @extschema@.pareto_nbd_fit_finalfn(@extschema@.rfm_fit_state)
RETURNS @extschema@.pareto_nbd AS 'MODULE_PATHNAME', 'clv_pareto_nbd_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pareto_nbd_fit_finalfn(@extschema@.rfm_fit_state) IS 'fits the Pareto/NBD model by maximum likelihood (final function of clv.pareto_nbd_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_fit(frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.pareto_nbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Pareto/NBD model (clv.pareto_nbd); frequency, recency and t as from clv.rfm_agg, in one unit';

CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.pareto_nbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Pareto/NBD model (clv.pareto_nbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha and beta divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit';

CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision, weight bigint) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.pareto_nbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit(double precision, double precision, double precision, double precision, bigint) IS
'Maximum-likelihood fit of the Pareto/NBD model (clv.pareto_nbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha and beta divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit; weight: the number of identical customers the row stands for (>= 1; a row with a NULL weight is skipped)';

CREATE OR REPLACE FUNCTION @extschema@.gamma_gamma_fit_finalfn(@extschema@.spend_fit_state)
RETURNS @extschema@.gamma_gamma AS 'MODULE_PATHNAME', 'clv_gamma_gamma_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gamma_gamma_fit_finalfn(@extschema@.spend_fit_state) IS 'fits the Gamma-Gamma model by maximum likelihood (final function of clv.gamma_gamma_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.gamma_gamma_fit(frequency double precision, monetary double precision) (
    SFUNC = @extschema@.spend_fit_transfn, STYPE = @extschema@.spend_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.gamma_gamma_fit_finalfn,
    COMBINEFUNC = @extschema@.spend_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit(double precision, double precision) IS
'Maximum-likelihood fit of the Gamma-Gamma model (clv.gamma_gamma); customers with frequency 0 are ignored, monetary must be > 0 for the others';

CREATE OR REPLACE AGGREGATE @extschema@.gamma_gamma_fit(frequency double precision, monetary double precision, penalizer double precision) (
    SFUNC = @extschema@.spend_fit_transfn, STYPE = @extschema@.spend_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.gamma_gamma_fit_finalfn,
    COMBINEFUNC = @extschema@.spend_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Gamma-Gamma model (clv.gamma_gamma); customers with frequency 0 are ignored, monetary must be > 0 for the others; penalizer adds penalizer * (p^2 + q^2 + v^2) to the mean negative log-likelihood, as the lifetimes librarys penalizer_coef (v is in the unit of monetary)';

CREATE OR REPLACE AGGREGATE @extschema@.gamma_gamma_fit(frequency double precision, monetary double precision, penalizer double precision, weight bigint) (
    SFUNC = @extschema@.spend_fit_transfn, STYPE = @extschema@.spend_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.gamma_gamma_fit_finalfn,
    COMBINEFUNC = @extschema@.spend_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit(double precision, double precision, double precision, bigint) IS
'Maximum-likelihood fit of the Gamma-Gamma model (clv.gamma_gamma); customers with frequency 0 are ignored, monetary must be > 0 for the others; penalizer adds penalizer * (p^2 + q^2 + v^2) to the mean negative log-likelihood, as the lifetimes librarys penalizer_coef (v is in the unit of monetary); weight: the number of identical customers the row stands for (>= 1; a row with a NULL weight is skipped)';

CREATE OR REPLACE FUNCTION @extschema@.sbg_fit_finalfn(@extschema@.cohort_fit_state)
RETURNS @extschema@.sbg AS 'MODULE_PATHNAME', 'clv_sbg_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_fit_finalfn(@extschema@.cohort_fit_state) IS 'fits the shifted-beta-geometric model by maximum likelihood (final function of clv.sbg_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.sbg_fit(period integer, active bigint) (
    SFUNC = @extschema@.cohort_fit_transfn, STYPE = @extschema@.cohort_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.sbg_fit_finalfn,
    COMBINEFUNC = @extschema@.cohort_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.sbg_fit(integer, bigint) IS
'Maximum-likelihood fit of the shifted-beta-geometric model (clv.sbg); active = customers of the cohort still active at the start of period 0, 1, 2, ... (counts of one period add up across rows)';

CREATE OR REPLACE FUNCTION @extschema@.bgbb_fit_finalfn(@extschema@.discrete_fit_state)
RETURNS @extschema@.bgbb AS 'MODULE_PATHNAME', 'clv_bgbb_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgbb_fit_finalfn(@extschema@.discrete_fit_state) IS 'fits the BG/BB model by maximum likelihood (final function of clv.bgbb_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.bgbb_fit(frequency integer, recency integer, n_periods integer) (
    SFUNC = @extschema@.discrete_fit_transfn, STYPE = @extschema@.discrete_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.bgbb_fit_finalfn,
    COMBINEFUNC = @extschema@.discrete_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgbb_fit(integer, integer, integer) IS
'Maximum-likelihood fit of the BG/BB discrete-time model (clv.bgbb); frequency = repeat transactions x, recency = the opportunity of the last one t_x (0 if none), n_periods = repeat-transaction opportunities n, with 0 <= x <= t_x <= n, t_x = 0 exactly when x = 0, 1 <= n <= 100000';

CREATE OR REPLACE AGGREGATE @extschema@.bgbb_fit(frequency integer, recency integer, n_periods integer, weight bigint) (
    SFUNC = @extschema@.discrete_fit_transfn, STYPE = @extschema@.discrete_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.bgbb_fit_finalfn,
    COMBINEFUNC = @extschema@.discrete_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgbb_fit(integer, integer, integer, bigint) IS
'Maximum-likelihood fit of the BG/BB discrete-time model (clv.bgbb) as clv.bgbb_fit(frequency, recency, n_periods), each row standing for weight >= 1 identical customers (a recency-frequency matrix)';

--------------------------------------------------------------------------
-- Scoring. Times (recency, t, horizon) are in the unit the model was fitted in.
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@.p_alive(model @extschema@.bgnbd, frequency double precision, recency double precision, t double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.bgnbd, double precision, double precision, double precision) IS 'Probability that a customer with this history is still alive at t (BG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases(model @extschema@.bgnbd, frequency double precision, recency double precision, t double precision, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.bgnbd, double precision, double precision, double precision, double precision) IS 'Expected purchases in the next horizon time units, given the customer history (BG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases_new(model @extschema@.bgnbd, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_expected_purchases_new'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases_new(@extschema@.bgnbd, double precision) IS 'Expected purchases of a newly acquired customer in its first horizon time units (BG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.prob_purchases(model @extschema@.bgnbd, n integer, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.bgnbd, integer, double precision) IS 'Probability that a newly acquired customer makes exactly n purchases in horizon time units (BG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.prob_purchases(model @extschema@.bgnbd, n integer, frequency double precision, recency double precision, t double precision, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_conditional_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.bgnbd, integer, double precision, double precision, double precision, double precision) IS
'P(exactly n purchases in the next horizon) of a customer with this frequency, recency and age t (BG/NBD): a distribution over n whose mean is clv.expected_purchases';
CREATE OR REPLACE FUNCTION @extschema@.predicted_clv(model @extschema@.bgnbd, spend_model @extschema@.gamma_gamma, frequency double precision, recency double precision, t double precision, monetary double precision, horizon double precision, discount_rate double precision, step double precision DEFAULT 1)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_predicted_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.predicted_clv(@extschema@.bgnbd, @extschema@.gamma_gamma, double precision, double precision, double precision, double precision, double precision, double precision, double precision) IS 'Discounted expected value of the next horizon time units (BG/NBD purchases x Gamma-Gamma spend), summed over steps of length step with discount_rate per step, as the lifetimes librarys customer_lifetime_value; horizon must be a whole number of steps';

CREATE OR REPLACE FUNCTION @extschema@.p_alive(model @extschema@.mbgnbd, frequency double precision, recency double precision, t double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.mbgnbd, double precision, double precision, double precision) IS 'Probability that a customer with this history is still alive at t (MBG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases(model @extschema@.mbgnbd, frequency double precision, recency double precision, t double precision, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.mbgnbd, double precision, double precision, double precision, double precision) IS 'Expected purchases in the next horizon time units, given the customer history (MBG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases_new(model @extschema@.mbgnbd, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_expected_purchases_new'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases_new(@extschema@.mbgnbd, double precision) IS 'Expected purchases of a newly acquired customer in its first horizon time units (MBG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.prob_purchases(model @extschema@.mbgnbd, n integer, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.mbgnbd, integer, double precision) IS 'Probability that a newly acquired customer makes exactly n purchases in horizon time units (MBG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.prob_purchases(model @extschema@.mbgnbd, n integer, frequency double precision, recency double precision, t double precision, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_conditional_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.mbgnbd, integer, double precision, double precision, double precision, double precision) IS
'P(exactly n purchases in the next horizon) of a customer with this frequency, recency and age t (MBG/NBD): a distribution over n whose mean is clv.expected_purchases';
CREATE OR REPLACE FUNCTION @extschema@.predicted_clv(model @extschema@.mbgnbd, spend_model @extschema@.gamma_gamma, frequency double precision, recency double precision, t double precision, monetary double precision, horizon double precision, discount_rate double precision, step double precision DEFAULT 1)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_predicted_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.predicted_clv(@extschema@.mbgnbd, @extschema@.gamma_gamma, double precision, double precision, double precision, double precision, double precision, double precision, double precision) IS 'Discounted expected value of the next horizon time units (MBG/NBD purchases x Gamma-Gamma spend), summed over steps of length step with discount_rate per step, as the lifetimes librarys customer_lifetime_value; horizon must be a whole number of steps';

CREATE OR REPLACE FUNCTION @extschema@.p_alive(model @extschema@.pareto_nbd, frequency double precision, recency double precision, t double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.pareto_nbd, double precision, double precision, double precision) IS 'Probability that a customer with this history is still alive at t (Pareto/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases(model @extschema@.pareto_nbd, frequency double precision, recency double precision, t double precision, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.pareto_nbd, double precision, double precision, double precision, double precision) IS 'Expected purchases in the next horizon time units, given the customer history (Pareto/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases_new(model @extschema@.pareto_nbd, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_expected_purchases_new'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases_new(@extschema@.pareto_nbd, double precision) IS 'Expected purchases of a newly acquired customer in its first horizon time units (Pareto/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.prob_purchases(model @extschema@.pareto_nbd, n integer, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.pareto_nbd, integer, double precision) IS 'Probability that a newly acquired customer makes exactly n purchases in horizon time units (Pareto/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.prob_purchases(model @extschema@.pareto_nbd, n integer, frequency double precision, recency double precision, t double precision, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_conditional_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.pareto_nbd, integer, double precision, double precision, double precision, double precision) IS
'P(exactly n purchases in the next horizon) of a customer with this frequency, recency and age t (Pareto/NBD): a distribution over n whose mean is clv.expected_purchases';
CREATE OR REPLACE FUNCTION @extschema@.predicted_clv(model @extschema@.pareto_nbd, spend_model @extschema@.gamma_gamma, frequency double precision, recency double precision, t double precision, monetary double precision, horizon double precision, discount_rate double precision, step double precision DEFAULT 1)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_predicted_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.predicted_clv(@extschema@.pareto_nbd, @extschema@.gamma_gamma, double precision, double precision, double precision, double precision, double precision, double precision, double precision) IS 'Discounted expected value of the next horizon time units (Pareto/NBD purchases x Gamma-Gamma spend), summed over steps of length step with discount_rate per step, as the lifetimes librarys customer_lifetime_value; horizon must be a whole number of steps';

CREATE OR REPLACE FUNCTION @extschema@.dert(model @extschema@.pareto_nbd, frequency double precision, recency double precision, t double precision, discount_rate double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_dert'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dert(@extschema@.pareto_nbd, double precision, double precision, double precision, double precision) IS
'Pareto/NBD discounted expected residual transactions (Fader, Hardie & Lee 2005): the expected purchases after t, each discounted continuously by exp(-discount_rate * time from t), discount_rate > 0 per unit of t (an annual rate of 15 % compounded yearly is ln(1.15) / 52 = 0.0027 per week); in closed form through the confluent hypergeometric function of the second kind; times the expected spend and margin, the residual lifetime value (clv.residual_clv)';

CREATE OR REPLACE FUNCTION @extschema@.expected_spend(model @extschema@.gamma_gamma, frequency double precision, monetary double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_gamma_gamma_expected_spend'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_spend(@extschema@.gamma_gamma, double precision, double precision) IS
'Expected mean transaction value of a customer with frequency repeat purchases of mean value monetary (Gamma-Gamma); the population mean p v / (q - 1) for frequency 0';

CREATE OR REPLACE FUNCTION @extschema@.sbg_survival(model @extschema@.sbg, period integer)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_sbg_survival'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_survival(@extschema@.sbg, integer) IS
'Share of a cohort still active at the start of period (period 0 = 1), shifted-beta-geometric model';

CREATE OR REPLACE FUNCTION @extschema@.sbg_retention(model @extschema@.sbg, period integer)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_sbg_retention'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_retention(@extschema@.sbg, integer) IS
'Retention rate from period - 1 to period, shifted-beta-geometric model';

-- The log-likelihood of a model's parameters on given rows (holdout
-- likelihood, likelihood-ratio tests): a float8 sum, combined by float8pl.
CREATE OR REPLACE FUNCTION @extschema@.bgnbd_log_likelihood_transfn(double precision, @extschema@.bgnbd, double precision, double precision, double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_log_likelihood_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_log_likelihood_transfn(double precision, @extschema@.bgnbd, double precision, double precision, double precision) IS 'transition function of clv.log_likelihood on BG/NBD models: adds a row''s log-likelihood';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood(model @extschema@.bgnbd, frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.bgnbd_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood(@extschema@.bgnbd, double precision, double precision, double precision) IS
'Log-likelihood of the BG/NBD model''s parameters on the rows: frequency, recency and t as for clv.bgnbd_fit; rows with a NULL input are skipped, a NULL model is an error; 0 for no rows. With the rows a model was fitted on it equals its log_likelihood; on holdout rows it compares models, and twice the difference of nested models is the likelihood-ratio statistic';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood_state(model @extschema@.bgnbd, frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.bgnbd_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood_state(@extschema@.bgnbd, double precision, double precision, double precision) IS
'Partial state of clv.log_likelihood over these rows (its partial sum), to finish with clv.log_likelihood_merge';

CREATE OR REPLACE FUNCTION @extschema@.bgnbd_log_likelihood_transfn(double precision, @extschema@.bgnbd, double precision, double precision, double precision, bigint)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_log_likelihood_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_log_likelihood_transfn(double precision, @extschema@.bgnbd, double precision, double precision, double precision, bigint) IS 'transition function of clv.log_likelihood on BG/NBD models: adds a row''s log-likelihood times its weight';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood(model @extschema@.bgnbd, frequency double precision, recency double precision, t double precision, weight bigint) (
    SFUNC = @extschema@.bgnbd_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood(@extschema@.bgnbd, double precision, double precision, double precision, bigint) IS
'Log-likelihood of the BG/NBD model''s parameters on the rows: frequency, recency and t as for clv.bgnbd_fit; weight: the number of identical customers the row stands for (>= 1); rows with a NULL input are skipped, a NULL model is an error; 0 for no rows. With the rows a model was fitted on it equals its log_likelihood; on holdout rows it compares models, and twice the difference of nested models is the likelihood-ratio statistic';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood_state(model @extschema@.bgnbd, frequency double precision, recency double precision, t double precision, weight bigint) (
    SFUNC = @extschema@.bgnbd_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood_state(@extschema@.bgnbd, double precision, double precision, double precision, bigint) IS
'Partial state of clv.log_likelihood over these rows (its partial sum), to finish with clv.log_likelihood_merge';

CREATE OR REPLACE FUNCTION @extschema@.mbgnbd_log_likelihood_transfn(double precision, @extschema@.mbgnbd, double precision, double precision, double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_log_likelihood_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mbgnbd_log_likelihood_transfn(double precision, @extschema@.mbgnbd, double precision, double precision, double precision) IS 'transition function of clv.log_likelihood on MBG/NBD models: adds a row''s log-likelihood';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood(model @extschema@.mbgnbd, frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.mbgnbd_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood(@extschema@.mbgnbd, double precision, double precision, double precision) IS
'Log-likelihood of the MBG/NBD model''s parameters on the rows: frequency, recency and t as for clv.mbgnbd_fit; rows with a NULL input are skipped, a NULL model is an error; 0 for no rows. With the rows a model was fitted on it equals its log_likelihood; on holdout rows it compares models, and twice the difference of nested models is the likelihood-ratio statistic';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood_state(model @extschema@.mbgnbd, frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.mbgnbd_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood_state(@extschema@.mbgnbd, double precision, double precision, double precision) IS
'Partial state of clv.log_likelihood over these rows (its partial sum), to finish with clv.log_likelihood_merge';

CREATE OR REPLACE FUNCTION @extschema@.mbgnbd_log_likelihood_transfn(double precision, @extschema@.mbgnbd, double precision, double precision, double precision, bigint)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_log_likelihood_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mbgnbd_log_likelihood_transfn(double precision, @extschema@.mbgnbd, double precision, double precision, double precision, bigint) IS 'transition function of clv.log_likelihood on MBG/NBD models: adds a row''s log-likelihood times its weight';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood(model @extschema@.mbgnbd, frequency double precision, recency double precision, t double precision, weight bigint) (
    SFUNC = @extschema@.mbgnbd_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood(@extschema@.mbgnbd, double precision, double precision, double precision, bigint) IS
'Log-likelihood of the MBG/NBD model''s parameters on the rows: frequency, recency and t as for clv.mbgnbd_fit; weight: the number of identical customers the row stands for (>= 1); rows with a NULL input are skipped, a NULL model is an error; 0 for no rows. With the rows a model was fitted on it equals its log_likelihood; on holdout rows it compares models, and twice the difference of nested models is the likelihood-ratio statistic';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood_state(model @extschema@.mbgnbd, frequency double precision, recency double precision, t double precision, weight bigint) (
    SFUNC = @extschema@.mbgnbd_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood_state(@extschema@.mbgnbd, double precision, double precision, double precision, bigint) IS
'Partial state of clv.log_likelihood over these rows (its partial sum), to finish with clv.log_likelihood_merge';

CREATE OR REPLACE FUNCTION @extschema@.pareto_nbd_log_likelihood_transfn(double precision, @extschema@.pareto_nbd, double precision, double precision, double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_log_likelihood_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pareto_nbd_log_likelihood_transfn(double precision, @extschema@.pareto_nbd, double precision, double precision, double precision) IS 'transition function of clv.log_likelihood on Pareto/NBD models: adds a row''s log-likelihood';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood(model @extschema@.pareto_nbd, frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.pareto_nbd_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood(@extschema@.pareto_nbd, double precision, double precision, double precision) IS
'Log-likelihood of the Pareto/NBD model''s parameters on the rows: frequency, recency and t as for clv.pareto_nbd_fit; rows with a NULL input are skipped, a NULL model is an error; 0 for no rows. With the rows a model was fitted on it equals its log_likelihood; on holdout rows it compares models, and twice the difference of nested models is the likelihood-ratio statistic';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood_state(model @extschema@.pareto_nbd, frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.pareto_nbd_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood_state(@extschema@.pareto_nbd, double precision, double precision, double precision) IS
'Partial state of clv.log_likelihood over these rows (its partial sum), to finish with clv.log_likelihood_merge';

CREATE OR REPLACE FUNCTION @extschema@.pareto_nbd_log_likelihood_transfn(double precision, @extschema@.pareto_nbd, double precision, double precision, double precision, bigint)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_log_likelihood_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pareto_nbd_log_likelihood_transfn(double precision, @extschema@.pareto_nbd, double precision, double precision, double precision, bigint) IS 'transition function of clv.log_likelihood on Pareto/NBD models: adds a row''s log-likelihood times its weight';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood(model @extschema@.pareto_nbd, frequency double precision, recency double precision, t double precision, weight bigint) (
    SFUNC = @extschema@.pareto_nbd_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood(@extschema@.pareto_nbd, double precision, double precision, double precision, bigint) IS
'Log-likelihood of the Pareto/NBD model''s parameters on the rows: frequency, recency and t as for clv.pareto_nbd_fit; weight: the number of identical customers the row stands for (>= 1); rows with a NULL input are skipped, a NULL model is an error; 0 for no rows. With the rows a model was fitted on it equals its log_likelihood; on holdout rows it compares models, and twice the difference of nested models is the likelihood-ratio statistic';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood_state(model @extschema@.pareto_nbd, frequency double precision, recency double precision, t double precision, weight bigint) (
    SFUNC = @extschema@.pareto_nbd_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood_state(@extschema@.pareto_nbd, double precision, double precision, double precision, bigint) IS
'Partial state of clv.log_likelihood over these rows (its partial sum), to finish with clv.log_likelihood_merge';

CREATE OR REPLACE FUNCTION @extschema@.gamma_gamma_log_likelihood_transfn(double precision, @extschema@.gamma_gamma, double precision, double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_gamma_gamma_log_likelihood_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gamma_gamma_log_likelihood_transfn(double precision, @extschema@.gamma_gamma, double precision, double precision) IS 'transition function of clv.log_likelihood on Gamma-Gamma models: adds a row''s log-likelihood';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood(model @extschema@.gamma_gamma, frequency double precision, monetary double precision) (
    SFUNC = @extschema@.gamma_gamma_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood(@extschema@.gamma_gamma, double precision, double precision) IS
'Log-likelihood of the Gamma-Gamma model''s parameters on the rows: frequency and monetary as for clv.gamma_gamma_fit (customers with frequency 0 add nothing); rows with a NULL input are skipped, a NULL model is an error; 0 for no rows. With the rows a model was fitted on it equals its log_likelihood; on holdout rows it compares models, and twice the difference of nested models is the likelihood-ratio statistic';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood_state(model @extschema@.gamma_gamma, frequency double precision, monetary double precision) (
    SFUNC = @extschema@.gamma_gamma_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood_state(@extschema@.gamma_gamma, double precision, double precision) IS
'Partial state of clv.log_likelihood over these rows (its partial sum), to finish with clv.log_likelihood_merge';

CREATE OR REPLACE FUNCTION @extschema@.gamma_gamma_log_likelihood_transfn(double precision, @extschema@.gamma_gamma, double precision, double precision, bigint)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_gamma_gamma_log_likelihood_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gamma_gamma_log_likelihood_transfn(double precision, @extschema@.gamma_gamma, double precision, double precision, bigint) IS 'transition function of clv.log_likelihood on Gamma-Gamma models: adds a row''s log-likelihood times its weight';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood(model @extschema@.gamma_gamma, frequency double precision, monetary double precision, weight bigint) (
    SFUNC = @extschema@.gamma_gamma_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood(@extschema@.gamma_gamma, double precision, double precision, bigint) IS
'Log-likelihood of the Gamma-Gamma model''s parameters on the rows: frequency and monetary as for clv.gamma_gamma_fit (customers with frequency 0 add nothing); weight: the number of identical customers the row stands for (>= 1); rows with a NULL input are skipped, a NULL model is an error; 0 for no rows. With the rows a model was fitted on it equals its log_likelihood; on holdout rows it compares models, and twice the difference of nested models is the likelihood-ratio statistic';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood_state(model @extschema@.gamma_gamma, frequency double precision, monetary double precision, weight bigint) (
    SFUNC = @extschema@.gamma_gamma_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood_state(@extschema@.gamma_gamma, double precision, double precision, bigint) IS
'Partial state of clv.log_likelihood over these rows (its partial sum), to finish with clv.log_likelihood_merge';

CREATE OR REPLACE FUNCTION @extschema@.bgbb_log_likelihood_transfn(double precision, @extschema@.bgbb, integer, integer, integer)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgbb_log_likelihood_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgbb_log_likelihood_transfn(double precision, @extschema@.bgbb, integer, integer, integer) IS 'transition function of clv.log_likelihood on BG/BB models: adds a row''s log-likelihood';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood(model @extschema@.bgbb, frequency integer, recency integer, n_periods integer) (
    SFUNC = @extschema@.bgbb_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood(@extschema@.bgbb, integer, integer, integer) IS
'Log-likelihood of the BG/BB model''s parameters on the rows: frequency, recency and n_periods as for clv.bgbb_fit; rows with a NULL input are skipped, a NULL model is an error; 0 for no rows. With the rows a model was fitted on it equals its log_likelihood; on holdout rows it compares models, and twice the difference of nested models is the likelihood-ratio statistic';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood_state(model @extschema@.bgbb, frequency integer, recency integer, n_periods integer) (
    SFUNC = @extschema@.bgbb_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood_state(@extschema@.bgbb, integer, integer, integer) IS
'Partial state of clv.log_likelihood over these rows (its partial sum), to finish with clv.log_likelihood_merge';

CREATE OR REPLACE FUNCTION @extschema@.bgbb_log_likelihood_transfn(double precision, @extschema@.bgbb, integer, integer, integer, bigint)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgbb_log_likelihood_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgbb_log_likelihood_transfn(double precision, @extschema@.bgbb, integer, integer, integer, bigint) IS 'transition function of clv.log_likelihood on BG/BB models: adds a row''s log-likelihood times its weight';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood(model @extschema@.bgbb, frequency integer, recency integer, n_periods integer, weight bigint) (
    SFUNC = @extschema@.bgbb_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood(@extschema@.bgbb, integer, integer, integer, bigint) IS
'Log-likelihood of the BG/BB model''s parameters on the rows: frequency, recency and n_periods as for clv.bgbb_fit; weight: the number of identical customers the row stands for (>= 1); rows with a NULL input are skipped, a NULL model is an error; 0 for no rows. With the rows a model was fitted on it equals its log_likelihood; on holdout rows it compares models, and twice the difference of nested models is the likelihood-ratio statistic';
CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood_state(model @extschema@.bgbb, frequency integer, recency integer, n_periods integer, weight bigint) (
    SFUNC = @extschema@.bgbb_log_likelihood_transfn, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood_state(@extschema@.bgbb, integer, integer, integer, bigint) IS
'Partial state of clv.log_likelihood over these rows (its partial sum), to finish with clv.log_likelihood_merge';

CREATE OR REPLACE AGGREGATE @extschema@.log_likelihood_merge(state double precision) (
    SFUNC = pg_catalog.float8pl, STYPE = double precision, INITCOND = '0',
    COMBINEFUNC = pg_catalog.float8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.log_likelihood_merge(double precision) IS
'Finishes clv.log_likelihood from the partial states of clv.log_likelihood_state (a sum; NULL states are skipped)';

-- Parameter uncertainty of every model value (src/pg/models/summary.cpp).
CREATE OR REPLACE FUNCTION @extschema@.model_summary(model @extschema@.bgnbd)
RETURNS TABLE (parameter text, estimate double precision, std_error double precision, lower_95 double precision, upper_95 double precision)
AS 'MODULE_PATHNAME', 'clv_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.bgnbd) IS
'One row per parameter of a BG/NBD fit: estimate, standard error from the observed information (delta method from the log-parameters), 95 % interval estimate * exp(-+1.96 std_error / estimate); the errors are NULL when the model carries no covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.model_summary(model @extschema@.mbgnbd)
RETURNS TABLE (parameter text, estimate double precision, std_error double precision, lower_95 double precision, upper_95 double precision)
AS 'MODULE_PATHNAME', 'clv_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.mbgnbd) IS
'One row per parameter of a MBG/NBD fit: estimate, standard error from the observed information (delta method from the log-parameters), 95 % interval estimate * exp(-+1.96 std_error / estimate); the errors are NULL when the model carries no covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.model_summary(model @extschema@.pareto_nbd)
RETURNS TABLE (parameter text, estimate double precision, std_error double precision, lower_95 double precision, upper_95 double precision)
AS 'MODULE_PATHNAME', 'clv_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.pareto_nbd) IS
'One row per parameter of a Pareto/NBD fit: estimate, standard error from the observed information (delta method from the log-parameters), 95 % interval estimate * exp(-+1.96 std_error / estimate); the errors are NULL when the model carries no covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.model_summary(model @extschema@.gamma_gamma)
RETURNS TABLE (parameter text, estimate double precision, std_error double precision, lower_95 double precision, upper_95 double precision)
AS 'MODULE_PATHNAME', 'clv_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.gamma_gamma) IS
'One row per parameter of a Gamma-Gamma fit: estimate, standard error from the observed information (delta method from the log-parameters), 95 % interval estimate * exp(-+1.96 std_error / estimate); the errors are NULL when the model carries no covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.model_summary(model @extschema@.sbg)
RETURNS TABLE (parameter text, estimate double precision, std_error double precision, lower_95 double precision, upper_95 double precision)
AS 'MODULE_PATHNAME', 'clv_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.sbg) IS
'One row per parameter of a sBG fit: estimate, standard error from the observed information (delta method from the log-parameters), 95 % interval estimate * exp(-+1.96 std_error / estimate); the errors are NULL when the model carries no covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.model_summary(model @extschema@.bgbb)
RETURNS TABLE (parameter text, estimate double precision, std_error double precision, lower_95 double precision, upper_95 double precision)
AS 'MODULE_PATHNAME', 'clv_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.bgbb) IS
'One row per parameter of a BG/BB fit: estimate, standard error from the observed information (delta method from the log-parameters), 95 % interval estimate * exp(-+1.96 std_error / estimate); the errors are NULL when the model carries no covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.model_draws(model @extschema@.bgnbd, draws integer, seed bigint DEFAULT 0)
RETURNS SETOF @extschema@.bgnbd
AS 'MODULE_PATHNAME', 'clv_model_draws' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.model_draws(@extschema@.bgnbd, integer, bigint) IS
'Parametric bootstrap of a BG/NBD fit: draws (0 to 1,000,000) copies of the model with parameters drawn from their asymptotic distribution (log-parameters normal, covariance from the model by the delta method), reproducible by seed on every platform; score customers with each draw and take percentiles for prediction intervals. ERROR 22023 for a model without a covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.model_draws(model @extschema@.mbgnbd, draws integer, seed bigint DEFAULT 0)
RETURNS SETOF @extschema@.mbgnbd
AS 'MODULE_PATHNAME', 'clv_model_draws' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.model_draws(@extschema@.mbgnbd, integer, bigint) IS
'Parametric bootstrap of a MBG/NBD fit: draws (0 to 1,000,000) copies of the model with parameters drawn from their asymptotic distribution (log-parameters normal, covariance from the model by the delta method), reproducible by seed on every platform; score customers with each draw and take percentiles for prediction intervals. ERROR 22023 for a model without a covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.model_draws(model @extschema@.pareto_nbd, draws integer, seed bigint DEFAULT 0)
RETURNS SETOF @extschema@.pareto_nbd
AS 'MODULE_PATHNAME', 'clv_model_draws' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.model_draws(@extschema@.pareto_nbd, integer, bigint) IS
'Parametric bootstrap of a Pareto/NBD fit: draws (0 to 1,000,000) copies of the model with parameters drawn from their asymptotic distribution (log-parameters normal, covariance from the model by the delta method), reproducible by seed on every platform; score customers with each draw and take percentiles for prediction intervals. ERROR 22023 for a model without a covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.model_draws(model @extschema@.gamma_gamma, draws integer, seed bigint DEFAULT 0)
RETURNS SETOF @extschema@.gamma_gamma
AS 'MODULE_PATHNAME', 'clv_model_draws' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.model_draws(@extschema@.gamma_gamma, integer, bigint) IS
'Parametric bootstrap of a Gamma-Gamma fit: draws (0 to 1,000,000) copies of the model with parameters drawn from their asymptotic distribution (log-parameters normal, covariance from the model by the delta method), reproducible by seed on every platform; score customers with each draw and take percentiles for prediction intervals. ERROR 22023 for a model without a covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.model_draws(model @extschema@.sbg, draws integer, seed bigint DEFAULT 0)
RETURNS SETOF @extschema@.sbg
AS 'MODULE_PATHNAME', 'clv_model_draws' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.model_draws(@extschema@.sbg, integer, bigint) IS
'Parametric bootstrap of a sBG fit: draws (0 to 1,000,000) copies of the model with parameters drawn from their asymptotic distribution (log-parameters normal, covariance from the model by the delta method), reproducible by seed on every platform; score customers with each draw and take percentiles for prediction intervals. ERROR 22023 for a model without a covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.model_draws(model @extschema@.bgbb, draws integer, seed bigint DEFAULT 0)
RETURNS SETOF @extschema@.bgbb
AS 'MODULE_PATHNAME', 'clv_model_draws' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.model_draws(@extschema@.bgbb, integer, bigint) IS
'Parametric bootstrap of a BG/BB fit: draws (0 to 1,000,000) copies of the model with parameters drawn from their asymptotic distribution (log-parameters normal, covariance from the model by the delta method), reproducible by seed on every platform; score customers with each draw and take percentiles for prediction intervals. ERROR 22023 for a model without a covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.p_alive(model @extschema@.bgbb, frequency integer, recency integer, n_periods integer)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgbb_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.bgbb, integer, integer, integer) IS 'Probability that a customer with frequency transactions, the last at opportunity recency, in n_periods opportunities is alive at opportunity n_periods + 1 (BG/BB, FHS 2010 eq. 11)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases(model @extschema@.bgbb, frequency integer, recency integer, n_periods integer, n_future integer)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgbb_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.bgbb, integer, integer, integer, integer) IS 'Expected transactions in the next n_future opportunities of a customer with this history (BG/BB, FHS 2010 eq. 13)';

CREATE OR REPLACE FUNCTION @extschema@.prob_purchases(model @extschema@.bgbb, n integer, n_periods integer)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgbb_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.bgbb, integer, integer) IS 'Probability that a newly acquired customer makes exactly n transactions in n_periods opportunities (BG/BB, FHS 2010 eq. 8)';

CREATE OR REPLACE FUNCTION @extschema@.dert(model @extschema@.bgbb, frequency integer, recency integer, n_periods integer, discount_rate double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgbb_dert'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dert(@extschema@.bgbb, integer, integer, integer, double precision) IS 'Discounted expected residual transactions of a customer with this history: the expected transactions of every future opportunity j, each divided by (1 + discount_rate)^j, discount_rate > 0 per opportunity (BG/BB, Fader, Hardie & Shang 2010)';

-- Diagnostics of the buy-till-you-die models (BG/NBD, MBG/NBD, Pareto/NBD):
-- calibration vs holdout purchases, and the frequency/recency grid of
-- expected purchases and P(alive). C set-returning functions
-- (src/pg/models/diagnostics.cpp).

CREATE OR REPLACE FUNCTION @extschema@.tracking_curve(model @extschema@.bgnbd, ages double precision[], total double precision, periods integer)
RETURNS TABLE (period integer, at double precision, cumulative double precision, incremental double precision)
AS 'MODULE_PATHNAME', 'clv_bgnbd_tracking_curve'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION @extschema@.tracking_curve(@extschema@.bgnbd, double precision[], double precision, integer) IS
'Expected cumulative and incremental repeat purchases of a cohort over calendar time (BG/NBD; BTYD''s ExpectedCumulativeTransactions): ages are the customers'' t at the end of calibration (e.g. ARRAY(SELECT t FROM summaries)), so a customer was acquired at max(ages) - t; at each of periods equal steps up to total (time from the first acquisition, in the model''s unit) the sum of a new customer''s expected purchases since each acquisition; NULL ages are skipped';

CREATE OR REPLACE FUNCTION @extschema@.tracking_curve(model @extschema@.mbgnbd, ages double precision[], total double precision, periods integer)
RETURNS TABLE (period integer, at double precision, cumulative double precision, incremental double precision)
AS 'MODULE_PATHNAME', 'clv_mbgnbd_tracking_curve'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION @extschema@.tracking_curve(@extschema@.mbgnbd, double precision[], double precision, integer) IS
'Expected cumulative and incremental repeat purchases of a cohort over calendar time (MBG/NBD; BTYD''s ExpectedCumulativeTransactions): ages are the customers'' t at the end of calibration (e.g. ARRAY(SELECT t FROM summaries)), so a customer was acquired at max(ages) - t; at each of periods equal steps up to total (time from the first acquisition, in the model''s unit) the sum of a new customer''s expected purchases since each acquisition; NULL ages are skipped';

CREATE OR REPLACE FUNCTION @extschema@.tracking_curve(model @extschema@.pareto_nbd, ages double precision[], total double precision, periods integer)
RETURNS TABLE (period integer, at double precision, cumulative double precision, incremental double precision)
AS 'MODULE_PATHNAME', 'clv_pareto_nbd_tracking_curve'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION @extschema@.tracking_curve(@extschema@.pareto_nbd, double precision[], double precision, integer) IS
'Expected cumulative and incremental repeat purchases of a cohort over calendar time (Pareto/NBD; BTYD''s ExpectedCumulativeTransactions): ages are the customers'' t at the end of calibration (e.g. ARRAY(SELECT t FROM summaries)), so a customer was acquired at max(ages) - t; at each of periods equal steps up to total (time from the first acquisition, in the model''s unit) the sum of a new customer''s expected purchases since each acquisition; NULL ages are skipped';

CREATE OR REPLACE FUNCTION @extschema@.frequency_recency_grid(model @extschema@.bgnbd, t double precision, horizon double precision, max_frequency integer, recency_step double precision DEFAULT 1)
RETURNS TABLE (frequency integer, recency double precision, expected_purchases double precision, p_alive double precision)
AS 'MODULE_PATHNAME', 'clv_bgnbd_frequency_recency_grid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.frequency_recency_grid(@extschema@.bgnbd, double precision, double precision, integer, double precision) IS
'Expected purchases in the next horizon and P(alive) at age t (BG/NBD) for every frequency 0..max_frequency and recency recency_step, 2*recency_step, ... up to t (and t itself); frequency 0 has the single recency 0. All times in the unit the model was fitted in; the data of the lifetimes library''s frequency/recency matrix plots';

CREATE OR REPLACE FUNCTION @extschema@.calibration_holdout(model @extschema@.bgnbd, summaries @extschema@.rfm_holdout[], max_frequency integer DEFAULT 7)
RETURNS TABLE (calibration_frequency integer, n_customers bigint, mean_actual double precision, mean_predicted double precision)
AS 'MODULE_PATHNAME', 'clv_bgnbd_calibration_holdout'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.calibration_holdout(@extschema@.bgnbd, @extschema@.rfm_holdout[], integer) IS
'Per calibration frequency (frequencies of max_frequency and more in one row labelled max_frequency): customers, mean actual holdout purchases (frequency_holdout) and mean BG/NBD prediction expected_purchases(model, frequency, recency, t, duration_holdout), for summaries from clv.rfm_holdout_agg (e.g. ARRAY(SELECT clv.rfm_holdout_agg(...) ... GROUP BY customer)); NULL summaries are skipped; fit the model on the same calibration data';

CREATE OR REPLACE FUNCTION @extschema@.frequency_recency_grid(model @extschema@.mbgnbd, t double precision, horizon double precision, max_frequency integer, recency_step double precision DEFAULT 1)
RETURNS TABLE (frequency integer, recency double precision, expected_purchases double precision, p_alive double precision)
AS 'MODULE_PATHNAME', 'clv_mbgnbd_frequency_recency_grid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.frequency_recency_grid(@extschema@.mbgnbd, double precision, double precision, integer, double precision) IS
'Expected purchases in the next horizon and P(alive) at age t (MBG/NBD) for every frequency 0..max_frequency and recency recency_step, 2*recency_step, ... up to t (and t itself); frequency 0 has the single recency 0. All times in the unit the model was fitted in; the data of the lifetimes library''s frequency/recency matrix plots';

CREATE OR REPLACE FUNCTION @extschema@.calibration_holdout(model @extschema@.mbgnbd, summaries @extschema@.rfm_holdout[], max_frequency integer DEFAULT 7)
RETURNS TABLE (calibration_frequency integer, n_customers bigint, mean_actual double precision, mean_predicted double precision)
AS 'MODULE_PATHNAME', 'clv_mbgnbd_calibration_holdout'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.calibration_holdout(@extschema@.mbgnbd, @extschema@.rfm_holdout[], integer) IS
'Per calibration frequency (frequencies of max_frequency and more in one row labelled max_frequency): customers, mean actual holdout purchases (frequency_holdout) and mean MBG/NBD prediction expected_purchases(model, frequency, recency, t, duration_holdout), for summaries from clv.rfm_holdout_agg (e.g. ARRAY(SELECT clv.rfm_holdout_agg(...) ... GROUP BY customer)); NULL summaries are skipped; fit the model on the same calibration data';

CREATE OR REPLACE FUNCTION @extschema@.frequency_recency_grid(model @extschema@.pareto_nbd, t double precision, horizon double precision, max_frequency integer, recency_step double precision DEFAULT 1)
RETURNS TABLE (frequency integer, recency double precision, expected_purchases double precision, p_alive double precision)
AS 'MODULE_PATHNAME', 'clv_pareto_nbd_frequency_recency_grid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.frequency_recency_grid(@extschema@.pareto_nbd, double precision, double precision, integer, double precision) IS
'Expected purchases in the next horizon and P(alive) at age t (Pareto/NBD) for every frequency 0..max_frequency and recency recency_step, 2*recency_step, ... up to t (and t itself); frequency 0 has the single recency 0. All times in the unit the model was fitted in; the data of the lifetimes library''s frequency/recency matrix plots';

CREATE OR REPLACE FUNCTION @extschema@.calibration_holdout(model @extschema@.pareto_nbd, summaries @extschema@.rfm_holdout[], max_frequency integer DEFAULT 7)
RETURNS TABLE (calibration_frequency integer, n_customers bigint, mean_actual double precision, mean_predicted double precision)
AS 'MODULE_PATHNAME', 'clv_pareto_nbd_calibration_holdout'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.calibration_holdout(@extschema@.pareto_nbd, @extschema@.rfm_holdout[], integer) IS
'Per calibration frequency (frequencies of max_frequency and more in one row labelled max_frequency): customers, mean actual holdout purchases (frequency_holdout) and mean Pareto/NBD prediction expected_purchases(model, frequency, recency, t, duration_holdout), for summaries from clv.rfm_holdout_agg (e.g. ARRAY(SELECT clv.rfm_holdout_agg(...) ... GROUP BY customer)); NULL summaries are skipped; fit the model on the same calibration data';

-- Two-stage forms: NAME_state(args) returns the partial state (a shard's or
-- a part's), NAME_merge(state) finishes from any number of them; any split
-- of the rows gives the result of NAME(args) over all of them.
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_fit_state(frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit_state(double precision, double precision, double precision) IS
'Partial state of clv.bgnbd_fit over these rows (clv.rfm_fit_state), to finish with clv.bgnbd_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_fit_merge(state @extschema@.rfm_fit_state) (
    SFUNC = @extschema@.rfm_fit_combinefn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.bgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit_merge(@extschema@.rfm_fit_state) IS
'clv.bgnbd_fit finished from partial states (clv.bgnbd_fit_state): over any split of the rows, the same result as clv.bgnbd_fit over all of them; NULL states are skipped';
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_fit_state(frequency double precision, recency double precision, t double precision, penalizer double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit_state(double precision, double precision, double precision, double precision) IS
'Partial state of clv.bgnbd_fit over these rows (clv.rfm_fit_state), to finish with clv.bgnbd_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_fit_state(frequency double precision, recency double precision, t double precision, penalizer double precision, weight bigint) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit_state(double precision, double precision, double precision, double precision, bigint) IS
'Partial state of clv.bgnbd_fit over these rows (clv.rfm_fit_state), to finish with clv.bgnbd_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.mbgnbd_fit_state(frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit_state(double precision, double precision, double precision) IS
'Partial state of clv.mbgnbd_fit over these rows (clv.rfm_fit_state), to finish with clv.mbgnbd_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.mbgnbd_fit_merge(state @extschema@.rfm_fit_state) (
    SFUNC = @extschema@.rfm_fit_combinefn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.mbgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit_merge(@extschema@.rfm_fit_state) IS
'clv.mbgnbd_fit finished from partial states (clv.mbgnbd_fit_state): over any split of the rows, the same result as clv.mbgnbd_fit over all of them; NULL states are skipped';
CREATE OR REPLACE AGGREGATE @extschema@.mbgnbd_fit_state(frequency double precision, recency double precision, t double precision, penalizer double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit_state(double precision, double precision, double precision, double precision) IS
'Partial state of clv.mbgnbd_fit over these rows (clv.rfm_fit_state), to finish with clv.mbgnbd_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.mbgnbd_fit_state(frequency double precision, recency double precision, t double precision, penalizer double precision, weight bigint) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit_state(double precision, double precision, double precision, double precision, bigint) IS
'Partial state of clv.mbgnbd_fit over these rows (clv.rfm_fit_state), to finish with clv.mbgnbd_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_fit_state(frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit_state(double precision, double precision, double precision) IS
'Partial state of clv.pareto_nbd_fit over these rows (clv.rfm_fit_state), to finish with clv.pareto_nbd_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_fit_merge(state @extschema@.rfm_fit_state) (
    SFUNC = @extschema@.rfm_fit_combinefn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.pareto_nbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit_merge(@extschema@.rfm_fit_state) IS
'clv.pareto_nbd_fit finished from partial states (clv.pareto_nbd_fit_state): over any split of the rows, the same result as clv.pareto_nbd_fit over all of them; NULL states are skipped';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_fit_state(frequency double precision, recency double precision, t double precision, penalizer double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit_state(double precision, double precision, double precision, double precision) IS
'Partial state of clv.pareto_nbd_fit over these rows (clv.rfm_fit_state), to finish with clv.pareto_nbd_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_fit_state(frequency double precision, recency double precision, t double precision, penalizer double precision, weight bigint) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = @extschema@.rfm_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit_state(double precision, double precision, double precision, double precision, bigint) IS
'Partial state of clv.pareto_nbd_fit over these rows (clv.rfm_fit_state), to finish with clv.pareto_nbd_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.gamma_gamma_fit_state(frequency double precision, monetary double precision) (
    SFUNC = @extschema@.spend_fit_transfn, STYPE = @extschema@.spend_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.spend_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit_state(double precision, double precision) IS
'Partial state of clv.gamma_gamma_fit over these rows (clv.spend_fit_state), to finish with clv.gamma_gamma_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.gamma_gamma_fit_merge(state @extschema@.spend_fit_state) (
    SFUNC = @extschema@.spend_fit_combinefn, STYPE = @extschema@.spend_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.gamma_gamma_fit_finalfn,
    COMBINEFUNC = @extschema@.spend_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit_merge(@extschema@.spend_fit_state) IS
'clv.gamma_gamma_fit finished from partial states (clv.gamma_gamma_fit_state): over any split of the rows, the same result as clv.gamma_gamma_fit over all of them; NULL states are skipped';
CREATE OR REPLACE AGGREGATE @extschema@.gamma_gamma_fit_state(frequency double precision, monetary double precision, penalizer double precision) (
    SFUNC = @extschema@.spend_fit_transfn, STYPE = @extschema@.spend_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.spend_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit_state(double precision, double precision, double precision) IS
'Partial state of clv.gamma_gamma_fit over these rows (clv.spend_fit_state), to finish with clv.gamma_gamma_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.gamma_gamma_fit_state(frequency double precision, monetary double precision, penalizer double precision, weight bigint) (
    SFUNC = @extschema@.spend_fit_transfn, STYPE = @extschema@.spend_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.spend_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit_state(double precision, double precision, double precision, bigint) IS
'Partial state of clv.gamma_gamma_fit over these rows (clv.spend_fit_state), to finish with clv.gamma_gamma_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.sbg_fit_state(period integer, active bigint) (
    SFUNC = @extschema@.cohort_fit_transfn, STYPE = @extschema@.cohort_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.cohort_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.sbg_fit_state(integer, bigint) IS
'Partial state of clv.sbg_fit over these rows (clv.cohort_fit_state), to finish with clv.sbg_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.sbg_fit_merge(state @extschema@.cohort_fit_state) (
    SFUNC = @extschema@.cohort_fit_combinefn, STYPE = @extschema@.cohort_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.sbg_fit_finalfn,
    COMBINEFUNC = @extschema@.cohort_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.sbg_fit_merge(@extschema@.cohort_fit_state) IS
'clv.sbg_fit finished from partial states (clv.sbg_fit_state): over any split of the rows, the same result as clv.sbg_fit over all of them; NULL states are skipped';
CREATE OR REPLACE AGGREGATE @extschema@.bgbb_fit_state(frequency integer, recency integer, n_periods integer) (
    SFUNC = @extschema@.discrete_fit_transfn, STYPE = @extschema@.discrete_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.discrete_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgbb_fit_state(integer, integer, integer) IS
'Partial state of clv.bgbb_fit over these rows (clv.discrete_fit_state), to finish with clv.bgbb_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.bgbb_fit_merge(state @extschema@.discrete_fit_state) (
    SFUNC = @extschema@.discrete_fit_combinefn, STYPE = @extschema@.discrete_fit_state, SSPACE = 2048,
    FINALFUNC = @extschema@.bgbb_fit_finalfn,
    COMBINEFUNC = @extschema@.discrete_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgbb_fit_merge(@extschema@.discrete_fit_state) IS
'clv.bgbb_fit finished from partial states (clv.bgbb_fit_state): over any split of the rows, the same result as clv.bgbb_fit over all of them; NULL states are skipped';
CREATE OR REPLACE AGGREGATE @extschema@.bgbb_fit_state(frequency integer, recency integer, n_periods integer, weight bigint) (
    SFUNC = @extschema@.discrete_fit_transfn, STYPE = @extschema@.discrete_fit_state, SSPACE = 2048,
    COMBINEFUNC = @extschema@.discrete_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgbb_fit_state(integer, integer, integer, bigint) IS
'Partial state of clv.bgbb_fit over these rows (clv.discrete_fit_state), to finish with clv.bgbb_fit_merge: ship states instead of rows from shards or parts';

-- Residual lifetime value (after the functions they call: SQL-standard bodies
-- are bound when created).
CREATE OR REPLACE FUNCTION @extschema@.residual_clv(model @extschema@.pareto_nbd, spend_model @extschema@.gamma_gamma, frequency double precision, recency double precision, t double precision, monetary double precision, discount_rate double precision, margin double precision DEFAULT 1)
RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN @extschema@.dert(model, frequency, recency, t, discount_rate)
       OPERATOR(pg_catalog.*) @extschema@.expected_spend(spend_model, frequency, monetary)
       OPERATOR(pg_catalog.*) margin;
COMMENT ON FUNCTION @extschema@.residual_clv(@extschema@.pareto_nbd, @extschema@.gamma_gamma, double precision, double precision, double precision, double precision, double precision, double precision) IS
'Residual lifetime value of a customer: clv.dert (Pareto/NBD, continuous discounting) times the Gamma-Gamma expected spend times margin';

CREATE OR REPLACE FUNCTION @extschema@.residual_clv(model @extschema@.bgbb, spend_model @extschema@.gamma_gamma, frequency integer, recency integer, n_periods integer, monetary double precision, discount_rate double precision, margin double precision DEFAULT 1)
RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN @extschema@.dert(model, frequency, recency, n_periods, discount_rate)
       OPERATOR(pg_catalog.*) @extschema@.expected_spend(spend_model, frequency, monetary)
       OPERATOR(pg_catalog.*) margin;
COMMENT ON FUNCTION @extschema@.residual_clv(@extschema@.bgbb, @extschema@.gamma_gamma, integer, integer, integer, double precision, double precision, double precision) IS
'Residual lifetime value of a customer: clv.dert (BG/BB, discount_rate per opportunity) times the Gamma-Gamma expected spend times margin';

-- A customer's history over time, and the P(alive) path a model reads from
-- it (lifetimes' plot_history_alive).
CREATE OR REPLACE FUNCTION @extschema@.rfm_history(purchase_times double precision[], until double precision, step double precision DEFAULT 1)
RETURNS TABLE (at double precision, frequency integer, recency double precision, t double precision)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  first double precision;
  points double precision;
BEGIN
  IF NOT (step OPERATOR(pg_catalog.>) 0 AND step OPERATOR(pg_catalog.<) 'infinity') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('step must be positive and finite, got %s', step);
  END IF;
  IF NOT (until OPERATOR(pg_catalog.>) '-infinity' AND until OPERATOR(pg_catalog.<) 'infinity') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('until must be finite, got %s', until);
  END IF;
  IF EXISTS (SELECT FROM pg_catalog.unnest(purchase_times) v
             WHERE NOT (v OPERATOR(pg_catalog.>) '-infinity' AND v OPERATOR(pg_catalog.<) 'infinity')) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'purchase times must be finite';
  END IF;
  SELECT pg_catalog.min(v) INTO first FROM pg_catalog.unnest(purchase_times) v;
  IF first IS NULL OR until OPERATOR(pg_catalog.<) first THEN
    RETURN;
  END IF;
  points := pg_catalog.floor((until OPERATOR(pg_catalog.-) first) OPERATOR(pg_catalog./) step);
  IF points OPERATOR(pg_catalog.>) 1000000 THEN
    RAISE EXCEPTION USING ERRCODE = '54000', MESSAGE = 'the history would have more than 1000000 points',
      HINT = 'Use a larger step.';
  END IF;
  RETURN QUERY
    WITH p AS (SELECT DISTINCT v FROM pg_catalog.unnest(purchase_times) v WHERE v IS NOT NULL),
    g AS (SELECT first OPERATOR(pg_catalog.+) (k OPERATOR(pg_catalog.*) step) AS at
          FROM pg_catalog.generate_series(0, points::integer) k)
    SELECT g.at, (c.n OPERATOR(pg_catalog.-) 1)::integer, c.last OPERATOR(pg_catalog.-) first,
           g.at OPERATOR(pg_catalog.-) first
    FROM g CROSS JOIN LATERAL (SELECT pg_catalog.count(*) AS n, pg_catalog.max(p.v) AS last
                               FROM p WHERE p.v OPERATOR(pg_catalog.<=) g.at) c
    ORDER BY g.at;
END
$$;
COMMENT ON FUNCTION @extschema@.rfm_history(double precision[], double precision, double precision) IS
'A customer''s frequency, recency and t at each step from the first purchase to until: purchase_times in the unit of the models (e.g. weeks since an origin), each distinct time after the first a repeat purchase (round them to the period the models were fitted with); NULL times are skipped; at most 1,000,000 points';

CREATE OR REPLACE FUNCTION @extschema@.p_alive_path(model @extschema@.bgnbd, purchase_times double precision[], until double precision, step double precision DEFAULT 1)
RETURNS TABLE (at double precision, frequency integer, recency double precision, t double precision, p_alive double precision)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT h.at, h.frequency, h.recency, h.t, @extschema@.p_alive(model, h.frequency, h.recency, h.t)
  FROM @extschema@.rfm_history(purchase_times, until, step) h
$$;
COMMENT ON FUNCTION @extschema@.p_alive_path(@extschema@.bgnbd, double precision[], double precision, double precision) IS
'P(alive) of one customer (BG/NBD) at each step from the first purchase to until, from the history clv.rfm_history reads from purchase_times: it jumps up at each purchase and decays in between';

CREATE OR REPLACE FUNCTION @extschema@.p_alive_path(model @extschema@.mbgnbd, purchase_times double precision[], until double precision, step double precision DEFAULT 1)
RETURNS TABLE (at double precision, frequency integer, recency double precision, t double precision, p_alive double precision)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT h.at, h.frequency, h.recency, h.t, @extschema@.p_alive(model, h.frequency, h.recency, h.t)
  FROM @extschema@.rfm_history(purchase_times, until, step) h
$$;
COMMENT ON FUNCTION @extschema@.p_alive_path(@extschema@.mbgnbd, double precision[], double precision, double precision) IS
'P(alive) of one customer (MBG/NBD) at each step from the first purchase to until, from the history clv.rfm_history reads from purchase_times: it jumps up at each purchase and decays in between';

CREATE OR REPLACE FUNCTION @extschema@.p_alive_path(model @extschema@.pareto_nbd, purchase_times double precision[], until double precision, step double precision DEFAULT 1)
RETURNS TABLE (at double precision, frequency integer, recency double precision, t double precision, p_alive double precision)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT h.at, h.frequency, h.recency, h.t, @extschema@.p_alive(model, h.frequency, h.recency, h.t)
  FROM @extschema@.rfm_history(purchase_times, until, step) h
$$;
COMMENT ON FUNCTION @extschema@.p_alive_path(@extschema@.pareto_nbd, double precision[], double precision, double precision) IS
'P(alive) of one customer (Pareto/NBD) at each step from the first purchase to until, from the history clv.rfm_history reads from purchase_times: it jumps up at each purchase and decays in between';

--------------------------------------------------------------------------
-- Models with time-invariant covariates: fits that take each customer's
-- covariates (one float8[] per row, the same length on every row), the
-- customer's own model (clv.for_customer) for every scoring function, and
-- scoring shortcuts that take the covariates.
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@.covariate_fit_transfn(@extschema@.covariate_fit_state, double precision, double precision, double precision, double precision[])
RETURNS @extschema@.covariate_fit_state AS 'MODULE_PATHNAME', 'clv_covariate_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.covariate_fit_transfn(@extschema@.covariate_fit_state, double precision, double precision, double precision, double precision[]) IS 'transition function collecting the (frequency, recency, t, covariates) rows of Pareto/NBD and BG/NBD fits with covariates';
CREATE OR REPLACE FUNCTION @extschema@.covariate_fit_transfn(@extschema@.covariate_fit_state, double precision, double precision, double precision, double precision[], double precision)
RETURNS @extschema@.covariate_fit_state AS 'MODULE_PATHNAME', 'clv_covariate_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.covariate_fit_transfn(@extschema@.covariate_fit_state, double precision, double precision, double precision, double precision[], double precision) IS 'transition function collecting the (frequency, recency, t, covariates) rows of Pareto/NBD and BG/NBD fits with covariates';
CREATE OR REPLACE FUNCTION @extschema@.covariate_fit_transfn(@extschema@.covariate_fit_state, double precision, double precision, double precision, double precision[], double precision, bigint)
RETURNS @extschema@.covariate_fit_state AS 'MODULE_PATHNAME', 'clv_covariate_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.covariate_fit_transfn(@extschema@.covariate_fit_state, double precision, double precision, double precision, double precision[], double precision, bigint) IS 'transition function collecting the (frequency, recency, t, covariates) rows of Pareto/NBD and BG/NBD fits with covariates, each row standing for weight customers';
CREATE OR REPLACE FUNCTION @extschema@.covariate_fit_combinefn(@extschema@.covariate_fit_state, @extschema@.covariate_fit_state)
RETURNS @extschema@.covariate_fit_state AS 'MODULE_PATHNAME', 'clv_covariate_fit_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.covariate_fit_combinefn(@extschema@.covariate_fit_state, @extschema@.covariate_fit_state) IS 'combines partial states of (frequency, recency, t, covariates) rows of fits with covariates (parallel query)';

CREATE OR REPLACE FUNCTION @extschema@.pareto_nbd_cov_fit_finalfn(@extschema@.covariate_fit_state)
RETURNS @extschema@.pareto_nbd_cov AS 'MODULE_PATHNAME', 'clv_pareto_nbd_cov_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pareto_nbd_cov_fit_finalfn(@extschema@.covariate_fit_state) IS 'fits the Pareto/NBD model with covariates by maximum likelihood (final function of clv.pareto_nbd_cov_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_cov_fit(frequency double precision, recency double precision, t double precision, covariates double precision[]) (
    SFUNC = @extschema@.covariate_fit_transfn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    FINALFUNC = @extschema@.pareto_nbd_cov_fit_finalfn,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_cov_fit(double precision, double precision, double precision, double precision[]) IS
'Maximum-likelihood fit of the Pareto/NBD model with time-invariant covariates (clv.pareto_nbd_cov): frequency, recency and t as from clv.rfm_agg, in one unit; covariates: the customer''s values (1 to 64, the same number on every row; centred or 0/1 values keep the optimisation well scaled), a row with NULL covariates is skipped; starts from the fit without covariates and from moderate dropout shapes';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_cov_fit_state(frequency double precision, recency double precision, t double precision, covariates double precision[]) (
    SFUNC = @extschema@.covariate_fit_transfn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_cov_fit_state(double precision, double precision, double precision, double precision[]) IS
'Partial state of clv.pareto_nbd_cov_fit over these rows (clv.covariate_fit_state), to finish with clv.pareto_nbd_cov_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_cov_fit(frequency double precision, recency double precision, t double precision, covariates double precision[], penalizer double precision) (
    SFUNC = @extschema@.covariate_fit_transfn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    FINALFUNC = @extschema@.pareto_nbd_cov_fit_finalfn,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_cov_fit(double precision, double precision, double precision, double precision[], double precision) IS
'Maximum-likelihood fit of the Pareto/NBD model with time-invariant covariates (clv.pareto_nbd_cov): frequency, recency and t as from clv.rfm_agg, in one unit; covariates: the customer''s values (1 to 64, the same number on every row; centred or 0/1 values keep the optimisation well scaled), a row with NULL covariates is skipped; starts from the fit without covariates and from moderate dropout shapes; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood as for the fit without covariates, and penalizer * gamma^2 for every coefficient';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_cov_fit_state(frequency double precision, recency double precision, t double precision, covariates double precision[], penalizer double precision) (
    SFUNC = @extschema@.covariate_fit_transfn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_cov_fit_state(double precision, double precision, double precision, double precision[], double precision) IS
'Partial state of clv.pareto_nbd_cov_fit over these rows (clv.covariate_fit_state), to finish with clv.pareto_nbd_cov_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_cov_fit(frequency double precision, recency double precision, t double precision, covariates double precision[], penalizer double precision, weight bigint) (
    SFUNC = @extschema@.covariate_fit_transfn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    FINALFUNC = @extschema@.pareto_nbd_cov_fit_finalfn,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_cov_fit(double precision, double precision, double precision, double precision[], double precision, bigint) IS
'Maximum-likelihood fit of the Pareto/NBD model with time-invariant covariates (clv.pareto_nbd_cov): frequency, recency and t as from clv.rfm_agg, in one unit; covariates: the customer''s values (1 to 64, the same number on every row; centred or 0/1 values keep the optimisation well scaled), a row with NULL covariates is skipped; starts from the fit without covariates and from moderate dropout shapes; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood as for the fit without covariates, and penalizer * gamma^2 for every coefficient; weight: the number of identical customers the row stands for (>= 1; a row with a NULL weight is skipped)';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_cov_fit_state(frequency double precision, recency double precision, t double precision, covariates double precision[], penalizer double precision, weight bigint) (
    SFUNC = @extschema@.covariate_fit_transfn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_cov_fit_state(double precision, double precision, double precision, double precision[], double precision, bigint) IS
'Partial state of clv.pareto_nbd_cov_fit over these rows (clv.covariate_fit_state), to finish with clv.pareto_nbd_cov_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_cov_fit_merge(state @extschema@.covariate_fit_state) (
    SFUNC = @extschema@.covariate_fit_combinefn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    FINALFUNC = @extschema@.pareto_nbd_cov_fit_finalfn,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_cov_fit_merge(@extschema@.covariate_fit_state) IS
'clv.pareto_nbd_cov_fit finished from partial states (clv.pareto_nbd_cov_fit_state): over any split of the rows, the same result as clv.pareto_nbd_cov_fit over all of them; NULL states are skipped';

CREATE OR REPLACE FUNCTION @extschema@.for_customer(model @extschema@.pareto_nbd_cov, covariates double precision[])
RETURNS @extschema@.pareto_nbd AS 'MODULE_PATHNAME', 'clv_pareto_nbd_for_customer'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.for_customer(@extschema@.pareto_nbd_cov, double precision[]) IS
'The Pareto/NBD model of a customer with these covariates: the scale parameters of the model with covariates moved by exp(gamma . covariates), the fit''s statistics, an empty covariance; every Pareto/NBD scoring function takes it (clv.p_alive, clv.expected_purchases, clv.predicted_clv, clv.log_likelihood, ...)';

CREATE OR REPLACE FUNCTION @extschema@.p_alive(model @extschema@.pareto_nbd_cov, frequency double precision, recency double precision, t double precision, covariates double precision[])
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_cov_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.pareto_nbd_cov, double precision, double precision, double precision, double precision[]) IS
'Probability that a customer with this history and these covariates is still alive at t (Pareto/NBD with covariates): clv.p_alive of clv.for_customer(model, covariates), without building that model per row';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases(model @extschema@.pareto_nbd_cov, frequency double precision, recency double precision, t double precision, horizon double precision, covariates double precision[])
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_cov_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.pareto_nbd_cov, double precision, double precision, double precision, double precision, double precision[]) IS
'Expected purchases in the next horizon time units of a customer with this history and these covariates (Pareto/NBD with covariates): clv.expected_purchases of clv.for_customer(model, covariates), without building that model per row';

CREATE OR REPLACE FUNCTION @extschema@.model_draws(model @extschema@.pareto_nbd_cov, draws integer, seed bigint DEFAULT 0)
RETURNS SETOF @extschema@.pareto_nbd_cov
AS 'MODULE_PATHNAME', 'clv_model_draws' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.model_draws(@extschema@.pareto_nbd_cov, integer, bigint) IS
'Parametric bootstrap of a Pareto/NBD fit with covariates: draws models from the asymptotic distribution of the estimates (log-parameters and coefficients jointly normal with the fit''s covariance), the same draws for the same seed; score each draw with clv.for_customer for prediction intervals';

CREATE OR REPLACE FUNCTION @extschema@.model_summary(model @extschema@.pareto_nbd_cov)
RETURNS TABLE (parameter text, estimate double precision, std_error double precision, lower_95 double precision, upper_95 double precision)
AS 'MODULE_PATHNAME', 'clv_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.pareto_nbd_cov) IS
'One row per parameter of a Pareto/NBD fit with covariates: r, alpha, s, beta (estimate * exp(-+1.96 std_error / estimate) as without covariates), then gamma_purchase[1..] and gamma_dropout[1..] with the Wald interval estimate -+ 1.96 std_error; the errors are NULL when the model carries no covariance (a fit that did not converge)';

CREATE OR REPLACE FUNCTION @extschema@.bgnbd_cov_fit_finalfn(@extschema@.covariate_fit_state)
RETURNS @extschema@.bgnbd_cov AS 'MODULE_PATHNAME', 'clv_bgnbd_cov_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_cov_fit_finalfn(@extschema@.covariate_fit_state) IS 'fits the BG/NBD model with covariates by maximum likelihood (final function of clv.bgnbd_cov_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_cov_fit(frequency double precision, recency double precision, t double precision, covariates double precision[]) (
    SFUNC = @extschema@.covariate_fit_transfn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    FINALFUNC = @extschema@.bgnbd_cov_fit_finalfn,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_cov_fit(double precision, double precision, double precision, double precision[]) IS
'Maximum-likelihood fit of the BG/NBD model with time-invariant covariates (clv.bgnbd_cov): frequency, recency and t as from clv.rfm_agg, in one unit; covariates: the customer''s values (1 to 64, the same number on every row; centred or 0/1 values keep the optimisation well scaled), a row with NULL covariates is skipped; starts from the fit without covariates and from moderate dropout shapes';
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_cov_fit_state(frequency double precision, recency double precision, t double precision, covariates double precision[]) (
    SFUNC = @extschema@.covariate_fit_transfn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_cov_fit_state(double precision, double precision, double precision, double precision[]) IS
'Partial state of clv.bgnbd_cov_fit over these rows (clv.covariate_fit_state), to finish with clv.bgnbd_cov_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_cov_fit(frequency double precision, recency double precision, t double precision, covariates double precision[], penalizer double precision) (
    SFUNC = @extschema@.covariate_fit_transfn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    FINALFUNC = @extschema@.bgnbd_cov_fit_finalfn,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_cov_fit(double precision, double precision, double precision, double precision[], double precision) IS
'Maximum-likelihood fit of the BG/NBD model with time-invariant covariates (clv.bgnbd_cov): frequency, recency and t as from clv.rfm_agg, in one unit; covariates: the customer''s values (1 to 64, the same number on every row; centred or 0/1 values keep the optimisation well scaled), a row with NULL covariates is skipped; starts from the fit without covariates and from moderate dropout shapes; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood as for the fit without covariates, and penalizer * gamma^2 for every coefficient';
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_cov_fit_state(frequency double precision, recency double precision, t double precision, covariates double precision[], penalizer double precision) (
    SFUNC = @extschema@.covariate_fit_transfn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_cov_fit_state(double precision, double precision, double precision, double precision[], double precision) IS
'Partial state of clv.bgnbd_cov_fit over these rows (clv.covariate_fit_state), to finish with clv.bgnbd_cov_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_cov_fit(frequency double precision, recency double precision, t double precision, covariates double precision[], penalizer double precision, weight bigint) (
    SFUNC = @extschema@.covariate_fit_transfn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    FINALFUNC = @extschema@.bgnbd_cov_fit_finalfn,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_cov_fit(double precision, double precision, double precision, double precision[], double precision, bigint) IS
'Maximum-likelihood fit of the BG/NBD model with time-invariant covariates (clv.bgnbd_cov): frequency, recency and t as from clv.rfm_agg, in one unit; covariates: the customer''s values (1 to 64, the same number on every row; centred or 0/1 values keep the optimisation well scaled), a row with NULL covariates is skipped; starts from the fit without covariates and from moderate dropout shapes; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood as for the fit without covariates, and penalizer * gamma^2 for every coefficient; weight: the number of identical customers the row stands for (>= 1; a row with a NULL weight is skipped)';
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_cov_fit_state(frequency double precision, recency double precision, t double precision, covariates double precision[], penalizer double precision, weight bigint) (
    SFUNC = @extschema@.covariate_fit_transfn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_cov_fit_state(double precision, double precision, double precision, double precision[], double precision, bigint) IS
'Partial state of clv.bgnbd_cov_fit over these rows (clv.covariate_fit_state), to finish with clv.bgnbd_cov_fit_merge: ship states instead of rows from shards or parts';
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_cov_fit_merge(state @extschema@.covariate_fit_state) (
    SFUNC = @extschema@.covariate_fit_combinefn, STYPE = @extschema@.covariate_fit_state, SSPACE = 4096,
    FINALFUNC = @extschema@.bgnbd_cov_fit_finalfn,
    COMBINEFUNC = @extschema@.covariate_fit_combinefn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_cov_fit_merge(@extschema@.covariate_fit_state) IS
'clv.bgnbd_cov_fit finished from partial states (clv.bgnbd_cov_fit_state): over any split of the rows, the same result as clv.bgnbd_cov_fit over all of them; NULL states are skipped';

CREATE OR REPLACE FUNCTION @extschema@.for_customer(model @extschema@.bgnbd_cov, covariates double precision[])
RETURNS @extschema@.bgnbd AS 'MODULE_PATHNAME', 'clv_bgnbd_for_customer'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.for_customer(@extschema@.bgnbd_cov, double precision[]) IS
'The BG/NBD model of a customer with these covariates: the scale parameters of the model with covariates moved by exp(gamma . covariates), the fit''s statistics, an empty covariance; every BG/NBD scoring function takes it (clv.p_alive, clv.expected_purchases, clv.predicted_clv, clv.log_likelihood, ...)';

CREATE OR REPLACE FUNCTION @extschema@.p_alive(model @extschema@.bgnbd_cov, frequency double precision, recency double precision, t double precision, covariates double precision[])
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_cov_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.bgnbd_cov, double precision, double precision, double precision, double precision[]) IS
'Probability that a customer with this history and these covariates is still alive at t (BG/NBD with covariates): clv.p_alive of clv.for_customer(model, covariates), without building that model per row';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases(model @extschema@.bgnbd_cov, frequency double precision, recency double precision, t double precision, horizon double precision, covariates double precision[])
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_cov_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.bgnbd_cov, double precision, double precision, double precision, double precision, double precision[]) IS
'Expected purchases in the next horizon time units of a customer with this history and these covariates (BG/NBD with covariates): clv.expected_purchases of clv.for_customer(model, covariates), without building that model per row';

CREATE OR REPLACE FUNCTION @extschema@.model_draws(model @extschema@.bgnbd_cov, draws integer, seed bigint DEFAULT 0)
RETURNS SETOF @extschema@.bgnbd_cov
AS 'MODULE_PATHNAME', 'clv_model_draws' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.model_draws(@extschema@.bgnbd_cov, integer, bigint) IS
'Parametric bootstrap of a BG/NBD fit with covariates: draws models from the asymptotic distribution of the estimates (log-parameters and coefficients jointly normal with the fit''s covariance), the same draws for the same seed; score each draw with clv.for_customer for prediction intervals';

CREATE OR REPLACE FUNCTION @extschema@.model_summary(model @extschema@.bgnbd_cov)
RETURNS TABLE (parameter text, estimate double precision, std_error double precision, lower_95 double precision, upper_95 double precision)
AS 'MODULE_PATHNAME', 'clv_model_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.model_summary(@extschema@.bgnbd_cov) IS
'One row per parameter of a BG/NBD fit with covariates: r, alpha, a, b (estimate * exp(-+1.96 std_error / estimate) as without covariates), then gamma_purchase[1..] and gamma_dropout[1..] with the Wald interval estimate -+ 1.96 std_error; the errors are NULL when the model carries no covariance (a fit that did not converge)';
