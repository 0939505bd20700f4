-- 0.3.0 -> 0.4.0: once-only DDL, before the idempotent function parts
-- (extension/src/42_identity_functions.sql, 51_profiles_functions.sql).
\echo Use "ALTER EXTENSION clv_ext UPDATE TO '0.4.0'" to load this file. \quit

-- Models: the fit aggregates' penalty is taken in units of the largest age.
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the BG/NBD model (clv.bgnbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit';
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the MBG/NBD model (clv.mbgnbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit';
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Pareto/NBD model (clv.pareto_nbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha and beta divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit';
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Gamma-Gamma model (clv.gamma_gamma); customers with frequency 0 are ignored, monetary must be > 0 for the others; penalizer adds penalizer * (p^2 + q^2 + v^2) to the mean negative log-likelihood, as the lifetimes librarys penalizer_coef (v is in the unit of monetary)';
