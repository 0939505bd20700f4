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
