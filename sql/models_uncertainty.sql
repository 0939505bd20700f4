-- Parameter uncertainty and model selection: lifetimes' published BG/NBD
-- summary on its CDNOW data (r 0.2426 +- 0.0126, alpha 4.4135 +- 0.3782,
-- a 0.7929 +- 0.1857, b 2.4258 +- 0.7053), AIC and BIC by their formulas,
-- case weights against expanded rows, clv.log_likelihood against each fit's
-- own log-likelihood, hostile input, and a role without grants.
CREATE TABLE se_models AS
SELECT clv.bgnbd_fit(x, t_x, big_t) AS bgnbd, clv.mbgnbd_fit(x, t_x, big_t) AS mbgnbd,
       clv.pareto_nbd_fit(x, t_x, big_t) AS pareto, clv.gamma_gamma_fit(x, zbar) AS gg
FROM cdnow_summary;
ALTER TABLE se_models ADD sbg clv.sbg, ADD bgbb clv.bgbb;
UPDATE se_models SET sbg = (SELECT clv.sbg_fit(period, active) FROM retention WHERE segment = 'regular'),
                     bgbb = (SELECT clv.bgbb_fit(frequency, recency, periods, weights) FROM donations);

SELECT parameter, round(estimate::numeric, 4) AS estimate, round(std_error::numeric, 4) AS std_error,
       round(lower_95::numeric, 4) AS lower_95, round(upper_95::numeric, 4) AS upper_95
FROM se_models, clv.model_summary(bgnbd);
-- The interval is the log-parameter's Wald interval, carried back.
SELECT bool_and(abs(lower_95 - estimate * exp(-1.959963984540054 * std_error / estimate)) < 1e-12 * estimate
                AND abs(upper_95 - estimate * exp(1.959963984540054 * std_error / estimate)) < 1e-12 * estimate
                AND lower_95 < estimate AND estimate < upper_95) AS intervals_ok
FROM se_models, clv.model_summary(bgnbd);
-- The diagonal of the covariance is the squared standard error; it is symmetric.
SELECT bool_and(abs(s.std_error ^ 2 - (bgnbd).covariance[s.i][s.i]) < 1e-15) AS variances_ok
FROM se_models, clv.model_summary(bgnbd) WITH ORDINALITY s(parameter, estimate, std_error, lower_95, upper_95, i);
SELECT bool_and((bgnbd).covariance[i][j] = (bgnbd).covariance[j][i]) AS symmetric
FROM se_models, generate_series(1, 4) i, generate_series(1, 4) j;

-- Every model: its parameters by name, positive errors, AIC = 2k - 2 LL and
-- BIC = k ln N - 2 LL.
SELECT 'mbgnbd' AS model, string_agg(parameter, ',') AS parameters, bool_and(std_error > 0) AS errors
FROM se_models, clv.model_summary(mbgnbd)
UNION ALL SELECT 'pareto_nbd', string_agg(parameter, ','), bool_and(std_error > 0) FROM se_models, clv.model_summary(pareto)
UNION ALL SELECT 'gamma_gamma', string_agg(parameter, ','), bool_and(std_error > 0) FROM se_models, clv.model_summary(gg)
UNION ALL SELECT 'sbg', string_agg(parameter, ','), bool_and(std_error > 0) FROM se_models, clv.model_summary(sbg)
UNION ALL SELECT 'bgbb', string_agg(parameter, ','), bool_and(std_error > 0) FROM se_models, clv.model_summary(bgbb);
SELECT model, abs(aic - (2 * k - 2 * ll)) < 1e-9 AS aic_ok, abs(bic - (k * ln(n) - 2 * ll)) < 1e-9 AS bic_ok
FROM se_models, LATERAL (VALUES
  ('bgnbd', (bgnbd).aic, (bgnbd).bic, 4, (bgnbd).log_likelihood, (bgnbd).n_customers),
  ('mbgnbd', (mbgnbd).aic, (mbgnbd).bic, 4, (mbgnbd).log_likelihood, (mbgnbd).n_customers),
  ('pareto_nbd', (pareto).aic, (pareto).bic, 4, (pareto).log_likelihood, (pareto).n_customers),
  ('gamma_gamma', (gg).aic, (gg).bic, 3, (gg).log_likelihood, (gg).n_customers),
  ('sbg', (sbg).aic, (sbg).bic, 2, (sbg).log_likelihood, (sbg).n_customers),
  ('bgbb', (bgbb).aic, (bgbb).bic, 4, (bgbb).log_likelihood, (bgbb).n_customers)) v(model, aic, bic, k, ll, n);
-- Model comparison on CDNOW: MBG/NBD has the lowest BIC of the three.
SELECT round((bgnbd).bic::numeric, 1) AS bgnbd_bic, round((mbgnbd).bic::numeric, 1) AS mbgnbd_bic,
       round((pareto).bic::numeric, 1) AS pareto_nbd_bic
FROM se_models;

-- Case weights: one row per distinct summary with its count is the same fit.
CREATE TABLE cdnow_counts AS
SELECT x, t_x, big_t, zbar, count(*) AS n FROM cdnow_summary GROUP BY 1, 2, 3, 4;
SELECT (SELECT clv.bgnbd_fit(x, t_x, big_t, 0, n)::text FROM cdnow_counts) = (SELECT bgnbd::text FROM se_models) AS bgnbd_same,
       (SELECT clv.mbgnbd_fit(x, t_x, big_t, 0, n)::text FROM cdnow_counts) = (SELECT mbgnbd::text FROM se_models) AS mbgnbd_same,
       (SELECT clv.pareto_nbd_fit(x, t_x, big_t, 0, n)::text FROM cdnow_counts) = (SELECT pareto::text FROM se_models) AS pareto_same,
       (SELECT clv.gamma_gamma_fit(x, zbar, 0, n)::text FROM cdnow_counts) = (SELECT gg::text FROM se_models) AS gamma_gamma_same;
-- and its partial states merge to it.
SELECT clv.bgnbd_fit_merge(s)::text = (SELECT bgnbd::text FROM se_models) AS merged_same
FROM (SELECT clv.bgnbd_fit_state(x, t_x, big_t, 0, n) s FROM cdnow_counts GROUP BY x % 3) p;
-- A NULL weight skips the row; a weight below 1 is an error.
SELECT (SELECT clv.bgnbd_fit(x, t_x, big_t, 0, n)::text FROM
          (SELECT * FROM cdnow_counts UNION ALL SELECT 3, 30, 38, 1, NULL) c) = (SELECT bgnbd::text FROM se_models) AS null_weight_skipped;
SELECT sqlstate_of($$ SELECT clv.bgnbd_fit(x, t_x, big_t, 0, 0) FROM cdnow_summary $$) AS zero_weight;
SELECT sqlstate_of($$ SELECT clv.gamma_gamma_fit(x, zbar, 0, -9223372036854775808) FROM cdnow_summary $$) AS negative_weight;
SELECT sqlstate_of($$ SELECT clv.pareto_nbd_fit(x, t_x, big_t, 0, 9223372036854775807) FROM cdnow_summary $$) AS weights_beyond_bigint;

-- clv.log_likelihood on the rows of a fit is the fit's log-likelihood.
SELECT abs(clv.log_likelihood(m.bgnbd, x, t_x, big_t) - (m.bgnbd).log_likelihood) < 1e-7 AS bgnbd_ok,
       abs(clv.log_likelihood(m.mbgnbd, x, t_x, big_t) - (m.mbgnbd).log_likelihood) < 1e-7 AS mbgnbd_ok,
       abs(clv.log_likelihood(m.pareto, x, t_x, big_t) - (m.pareto).log_likelihood) < 1e-7 AS pareto_ok,
       abs(clv.log_likelihood(m.gg, x, zbar) - (m.gg).log_likelihood) < 1e-7 AS gamma_gamma_ok
FROM cdnow_summary, se_models m GROUP BY m.bgnbd, m.mbgnbd, m.pareto, m.gg;
SELECT abs(clv.log_likelihood(m.bgnbd, x, t_x, big_t, n) - (m.bgnbd).log_likelihood) < 1e-7 AS weighted_ok
FROM cdnow_counts, se_models m GROUP BY m.bgnbd;
SELECT abs(clv.log_likelihood(m.bgbb, frequency, recency, periods, weights) - (m.bgbb).log_likelihood) < 1e-7 AS bgbb_ok
FROM donations, se_models m GROUP BY m.bgbb;
-- The fitted parameters maximise it: moving one lowers it.
SELECT clv.log_likelihood(ROW((m.bgnbd).r * 1.01, (m.bgnbd).alpha, (m.bgnbd).a, (m.bgnbd).b, 0, 0, true, 0, 0, 0, NULL)::clv.bgnbd,
                          x, t_x, big_t) < (m.bgnbd).log_likelihood AS maximum
FROM cdnow_summary, se_models m GROUP BY m.bgnbd;
-- Under a parallel plan (float8pl combines the partial sums).
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE TABLE se_bgnbd AS SELECT bgnbd FROM se_models;
EXPLAIN (COSTS OFF) SELECT clv.log_likelihood(m.bgnbd, x, t_x, big_t) FROM cdnow_summary, se_bgnbd m GROUP BY m.bgnbd;
SELECT abs(clv.log_likelihood(m.bgnbd, x, t_x, big_t) - (m.bgnbd).log_likelihood) < 1e-7 AS parallel_ok
FROM cdnow_summary, se_bgnbd m GROUP BY m.bgnbd;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
-- No rows: 0; rows with a NULL input are skipped.
SELECT clv.log_likelihood(m.bgnbd, x, t_x, big_t) AS no_rows FROM cdnow_summary, se_models m WHERE false;
SELECT clv.log_likelihood(m.bgnbd, NULL, 1, 2) AS null_input FROM se_models m;

-- Hostile input.
SELECT sqlstate_of($$ SELECT clv.log_likelihood(NULL::clv.bgnbd, 1, 1, 2) $$) AS null_model;
SELECT sqlstate_of($$ SELECT clv.log_likelihood(ROW('NaN', 1, 1, 1, 0, 0, true, 0, 0, 0, NULL)::clv.bgnbd, 1, 1, 2) $$) AS nan_model;
SELECT sqlstate_of($$ SELECT clv.log_likelihood(bgnbd, 1, 2, 1) FROM se_models $$) AS recency_beyond_t;
SELECT clv.log_likelihood(pareto, 1e300, 1e300, 1e300) BETWEEN -1e301 AND -1e299 AS huge_inputs FROM se_models;
SELECT sqlstate_of($$ SELECT clv.log_likelihood(pareto, 1e300, 1e300, 1e300, 9223372036854775807) FROM se_models $$) AS overflow;
SELECT sqlstate_of($$ SELECT clv.log_likelihood(gg, 2, 'Infinity') FROM se_models $$) AS infinite_spend;
SELECT sqlstate_of($$ SELECT clv.log_likelihood(bgbb, 7, 7, 6) FROM se_models $$) AS bgbb_bad_history;
SELECT sqlstate_of($$ SELECT clv.log_likelihood(bgnbd, x, t_x, big_t, 0) FROM cdnow_summary, se_models $$) AS zero_weight;
SELECT sqlstate_of($$ SELECT * FROM clv.model_summary(ROW(1, 2, 3, -4, 0, 0, true, 0, 0, 0, NULL)::clv.bgnbd) $$) AS negative_parameter;
SELECT sqlstate_of($$ SELECT * FROM clv.model_summary(ROW(1, NULL, 3, 4, 0, 0, true, 0, 0, 0, NULL)::clv.bgnbd) $$) AS null_parameter;
SELECT sqlstate_of($$ SELECT * FROM clv.model_summary(ROW(1, 2, 0, 0, true, 0, 0, 0, '{{1,2},{3,4},{5,6}}')::clv.sbg) $$) AS wrong_shape;
SELECT sqlstate_of($$ SELECT * FROM clv.model_summary(ROW(1, 2, 0, 0, true, 0, 0, 0, '{{1,NULL},{3,4}}')::clv.sbg) $$) AS null_entry;
SELECT sqlstate_of($$ SELECT * FROM clv.model_summary(ROW(1, 2, 0, 0, true, 0, 0, 0, '{{-1,0},{0,4}}')::clv.sbg) $$) AS negative_variance;
SELECT sqlstate_of($$ SELECT * FROM clv.model_summary(ROW(1, 2, 0, 0, true, 0, 0, 0, '{{NaN,0},{0,4}}')::clv.sbg) $$) AS nan_variance;
-- A model without a covariance (written by hand, or from a fit that did not
-- converge): estimates without errors.
SELECT * FROM clv.model_summary(ROW(0.5, 2, 0, 0, true, 0, 0, 0, NULL)::clv.sbg);
SELECT * FROM clv.model_summary(ROW(0.5, 2, 0, 0, true, 0, 0, 0, '{}')::clv.sbg);
SELECT count(*) AS no_rows FROM clv.model_summary(NULL::clv.sbg);
-- A fit at a limit of the model (everybody buys every week): no covariance.
SET client_min_messages = error;
SELECT (m).converged, (m).covariance, (SELECT count(std_error) FROM clv.model_summary(m)) AS errors
FROM (SELECT clv.pareto_nbd_fit(x, x, x + (i % 7) / 7.0) AS m
      FROM generate_series(1, 200) i, LATERAL (SELECT 20 + i % 33 AS x) v) f;
RESET client_min_messages;

-- Parametric bootstrap: a seed fixes the draws; their log-parameters have
-- the fitted means and the standard errors of clv.model_summary (within the
-- sampling error of 4,000 draws); the other fields are the model's.
SELECT (SELECT array_agg((d).r) FROM se_models, clv.model_draws(bgnbd, 5, 42) d)
     = (SELECT array_agg((d).r) FROM se_models, clv.model_draws(bgnbd, 5, 42) d) AS same_seed_same_draws,
       (SELECT array_agg((d).r) FROM se_models, clv.model_draws(bgnbd, 5, 42) d)
     <> (SELECT array_agg((d).r) FROM se_models, clv.model_draws(bgnbd, 5, 43) d) AS other_seed_other_draws;
SELECT s.parameter,
       abs(avg(ln(v.value)) - ln(s.estimate)) < 4 * s.std_error / s.estimate / sqrt(4000) AS mean_ok,
       abs(stddev(ln(v.value)) / (s.std_error / s.estimate) - 1) < 0.06 AS spread_ok
FROM se_models m, clv.model_summary(m.bgnbd) s,
     LATERAL (SELECT CASE s.parameter WHEN 'r' THEN (d).r WHEN 'alpha' THEN (d).alpha
                                      WHEN 'a' THEN (d).a ELSE (d).b END AS value
              FROM clv.model_draws(m.bgnbd, 4000, 1) d) v
GROUP BY s.parameter, s.estimate, s.std_error ORDER BY s.parameter;
SELECT bool_and((d).log_likelihood = (m.bgbb).log_likelihood AND (d).covariance = (m.bgbb).covariance) AS fields_kept,
       count(*) AS draws
FROM se_models m, clv.model_draws(m.bgbb, 10) d;
SELECT count(*) AS no_draws FROM se_models, clv.model_draws(gg, 0);
SELECT sqlstate_of($$ SELECT clv.model_draws(ROW(1, 2, 0, 0, true, 0, 0, 0, '{}')::clv.sbg, 3) $$) AS no_covariance;
SELECT sqlstate_of($$ SELECT clv.model_draws(ROW(1, 2, 0, 0, true, 0, 0, 0, '{{1,2},{2,1}}')::clv.sbg, 3) $$) AS indefinite;
SELECT sqlstate_of($$ SELECT clv.model_draws(ROW(1, 2, 0, 0, true, 0, 0, 0, '{{1e6,0},{0,1}}')::clv.sbg, 100) $$) AS overflow;
SELECT sqlstate_of($$ SELECT clv.model_draws(sbg, -1) FROM se_models $$) AS negative_draws;
SELECT sqlstate_of($$ SELECT clv.model_draws(sbg, 1000001) FROM se_models $$) AS too_many_draws;

-- A role without any grant fits with weights, summarises and evaluates.
CREATE ROLE se_nobody;
SET ROLE se_nobody;
SELECT parameter, round(std_error::numeric, 3) AS std_error
FROM (SELECT clv.gamma_gamma_fit(x, m, 0, w) AS g
      FROM (SELECT 1 + i % 5 AS x, 5 + (i * 37 % 23) * (1 + i % 3) AS m, 1 + i % 4 AS w
            FROM generate_series(1, 200) i) v) f,
     clv.model_summary(g);
SELECT count(*) AS draws FROM clv.model_draws(ROW(0.7, 1.2, 0, 0, true, 0, 0, 0, '{{0.01,0},{0,0.04}}')::clv.sbg, 100, 5);
SELECT round(clv.log_likelihood(ROW(0.243, 4.414, 0.793, 2.426, 0, 0, true, 0, 0, 0, NULL)::clv.bgnbd, x, t_x, t)::numeric, 6)
  AS log_likelihood
FROM (VALUES (0, 0, 38.0), (2, 30.4, 38.9), (5, 20.1, 37.0)) v(x, t_x, t);
RESET ROLE;
DROP ROLE se_nobody;

DROP TABLE se_bgnbd, cdnow_counts, se_models;
