-- Time-invariant covariates (Pareto/NBD and BG/NBD, CLVTools'
-- parameterisation): coefficients known in closed form, the fit's
-- log-likelihood against the models without covariates at each customer's
-- own parameters, the nested comparison, hostile input and a role without
-- grants.

-- A closed form: customers whose times are the CDNOW customers' doubled
-- behave like them with the time scales alpha and beta doubled (r, s, a and
-- b are unitless), so with a dummy for the doubled copy the maximum
-- likelihood has gamma_purchase = -ln 2 for both models and gamma_dropout =
-- -ln 2 for Pareto/NBD (beta scales too) and 0 for BG/NBD.
CREATE TABLE cov_doubled AS
SELECT customer_id, frequency, recency, t, ARRAY[0.0]::float8[] AS z FROM cdnow_weekly
UNION ALL
SELECT customer_id + 100000, frequency, 2 * recency, 2 * t, ARRAY[1.0] FROM cdnow_weekly;
CREATE TABLE cov_fits AS
SELECT clv.pareto_nbd_cov_fit(frequency, recency, t, z) AS pareto,
       clv.bgnbd_cov_fit(frequency, recency, t, z) AS bg,
       clv.pareto_nbd_fit(frequency, recency, t) FILTER (WHERE z[1] = 0) AS pareto_plain,
       clv.bgnbd_fit(frequency, recency, t) FILTER (WHERE z[1] = 0) AS bg_plain
FROM cov_doubled;
SELECT 'pareto_nbd' AS model, (pareto).converged,
       abs((pareto).gamma_purchase[1] + ln(2)) < 1e-4 AS gamma_purchase_ok,
       abs((pareto).gamma_dropout[1] + ln(2)) < 1e-4 AS gamma_dropout_ok,
       abs((pareto).r / (pareto_plain).r - 1) < 1e-4 AND abs((pareto).alpha / (pareto_plain).alpha - 1) < 1e-4
       AND abs((pareto).s / (pareto_plain).s - 1) < 1e-4 AND abs((pareto).beta / (pareto_plain).beta - 1) < 1e-4
         AS base_is_the_fit_of_the_originals
FROM cov_fits
UNION ALL
SELECT 'bgnbd', (bg).converged, abs((bg).gamma_purchase[1] + ln(2)) < 1e-4, abs((bg).gamma_dropout[1]) < 1e-4,
       abs((bg).r / (bg_plain).r - 1) < 1e-4 AND abs((bg).alpha / (bg_plain).alpha - 1) < 1e-4
       AND abs((bg).a / (bg_plain).a - 1) < 1e-4 AND abs((bg).b / (bg_plain).b - 1) < 1e-4
FROM cov_fits;

-- An acquisition covariate: the centred log of the first order's value.
CREATE TABLE cov_customers AS
SELECT w.customer_id, w.frequency, w.recency, w.t,
       ARRAY[ln(f.amount + 1) - avg(ln(f.amount + 1)) OVER ()]::float8[] AS z
FROM cdnow_weekly w
JOIN (SELECT DISTINCT ON (customer_id) customer_id, amount::float8 AS amount FROM cdnow
      ORDER BY customer_id, ts, amount) f USING (customer_id);
CREATE TABLE cov_models AS
SELECT clv.pareto_nbd_cov_fit(frequency, recency, t, z) AS pareto, clv.bgnbd_cov_fit(frequency, recency, t, z) AS bg,
       clv.pareto_nbd_fit(frequency, recency, t) AS pareto_plain, clv.bgnbd_fit(frequency, recency, t) AS bg_plain
FROM cov_customers;
-- The fit's log-likelihood is the sum of each customer's own model's
-- (clv.for_customer with clv.log_likelihood, the models without covariates);
-- nested in it, the model without covariates fits no better; AIC and BIC
-- count 6 parameters.
SELECT abs((pareto).log_likelihood - (SELECT clv.log_likelihood(clv.for_customer(pareto, z), frequency, recency, t) FROM cov_customers))
         < 1e-8 * abs((pareto).log_likelihood) AS pareto_sum_ok,
       abs((bg).log_likelihood - (SELECT clv.log_likelihood(clv.for_customer(bg, z), frequency, recency, t) FROM cov_customers))
         < 1e-8 * abs((bg).log_likelihood) AS bg_sum_ok,
       (pareto).log_likelihood >= (pareto_plain).log_likelihood AS pareto_nested,
       (bg).log_likelihood >= (bg_plain).log_likelihood AS bg_nested,
       abs((pareto).aic - (12 - 2 * (pareto).log_likelihood)) < 1e-9
       AND abs((bg).bic - (6 * ln((bg).n_customers) - 2 * (bg).log_likelihood)) < 1e-9 AS criteria_ok,
       array_dims((pareto).covariance) AS covariance_dims
FROM cov_models;
-- Scaling a covariate scales its coefficients inversely, nothing else.
SELECT abs((f.m).gamma_purchase[1] * 2 - (pareto).gamma_purchase[1]) < 1e-4 * abs((pareto).gamma_purchase[1])
       AND abs((f.m).gamma_dropout[1] * 2 - (pareto).gamma_dropout[1]) < 1e-4 * abs((pareto).gamma_dropout[1]) AS inverse,
       abs((f.m).log_likelihood - (pareto).log_likelihood) < 1e-7 * abs((pareto).log_likelihood) AS same_fit
FROM cov_models, (SELECT clv.pareto_nbd_cov_fit(frequency, recency, t, ARRAY[2 * z[1]]) AS m FROM cov_customers) f;
-- Summary: the base parameters' intervals as without covariates, the
-- coefficients' Wald intervals, the variances on the diagonal.
SELECT s.parameter, s.std_error > 0 AS has_error,
       CASE WHEN s.i <= 4
            THEN abs(s.lower_95 - s.estimate * exp(-1.959963984540054 * s.std_error / s.estimate)) < 1e-12 * s.estimate
            ELSE abs(s.lower_95 - (s.estimate - 1.959963984540054 * s.std_error)) < 1e-12
                 AND abs(s.upper_95 - (s.estimate + 1.959963984540054 * s.std_error)) < 1e-12 END AS interval_ok,
       abs(s.std_error ^ 2 - (bg).covariance[s.i][s.i]) < 1e-15 AS variance_ok
FROM cov_models, clv.model_summary(bg) WITH ORDINALITY s(parameter, estimate, std_error, lower_95, upper_95, i)
ORDER BY s.i;

-- A customer's model: the scales moved by exp(gamma . z), the fit's
-- statistics, no covariance; at z = 0 the base model itself. The shortcuts
-- with covariates are scores of that model.
SELECT abs((c).alpha - (pareto).alpha * exp(-(pareto).gamma_purchase[1] * 0.5)) < 1e-12 * (c).alpha AS alpha_ok,
       abs((c).beta - (pareto).beta * exp(-(pareto).gamma_dropout[1] * 0.5)) < 1e-12 * (c).beta AS beta_ok,
       (c).r = (pareto).r AND (c).s = (pareto).s AS shapes_kept,
       (c).log_likelihood = (pareto).log_likelihood AND (c).n_customers = (pareto).n_customers AS statistics_kept,
       (c).covariance AS covariance
FROM cov_models, LATERAL (SELECT clv.for_customer(pareto, ARRAY[0.5]) AS c) x;
SELECT (b).r = (bg).r AND (b).alpha = (bg).alpha AND (b).a = (bg).a AND (b).b = (bg).b AS base_at_zero
FROM cov_models, LATERAL (SELECT clv.for_customer(bg, ARRAY[0.0]) AS b) x;
SELECT count(*) FILTER (WHERE clv.p_alive(m.pareto, frequency, recency, t, z)
                              <> clv.p_alive(clv.for_customer(m.pareto, z), frequency, recency, t)) AS p_alive_differ,
       count(*) FILTER (WHERE clv.expected_purchases(m.bg, frequency, recency, t, 10, z)
                              <> clv.expected_purchases(clv.for_customer(m.bg, z), frequency, recency, t, 10)) AS expected_differ
FROM cov_models m, cov_customers;
-- The same with a categorical covariate, where the call sites remember
-- each customer model's parts (a few models, many rows each).
CREATE TABLE cov_channel AS
SELECT c.*, ARRAY[(customer_id % 3 = 0)::int::float8, (customer_id % 5 = 0)::int::float8] AS channel
FROM cov_customers c;
CREATE TABLE cov_channel_models AS
SELECT clv.pareto_nbd_cov_fit(frequency, recency, t, channel) AS pareto,
       clv.bgnbd_cov_fit(frequency, recency, t, channel) AS bg
FROM cov_channel;
SELECT count(*) FILTER (WHERE clv.p_alive(m.pareto, frequency, recency, t, channel)
                              <> clv.p_alive(clv.for_customer(m.pareto, channel), frequency, recency, t)) AS pareto_p_alive,
       count(*) FILTER (WHERE clv.expected_purchases(m.pareto, frequency, recency, t, 26, channel)
                              <> clv.expected_purchases(clv.for_customer(m.pareto, channel), frequency, recency, t, 26)) AS pareto_expected,
       count(*) FILTER (WHERE clv.p_alive(m.bg, frequency, recency, t, channel)
                              <> clv.p_alive(clv.for_customer(m.bg, channel), frequency, recency, t)) AS bg_p_alive,
       count(*) FILTER (WHERE clv.expected_purchases(m.bg, frequency, recency, t, 26, channel)
                              <> clv.expected_purchases(clv.for_customer(m.bg, channel), frequency, recency, t, 26)) AS bg_expected
FROM cov_channel_models m, (SELECT * FROM cov_channel ORDER BY random()) c;
-- A call site whose model changes from row to row reads each one.
SELECT count(*) FILTER (WHERE clv.p_alive(mm, frequency, recency, t, z)
                              <> clv.p_alive(clv.for_customer(mm, z), frequency, recency, t)) AS alternating_differ
FROM cov_models m, cov_customers,
     LATERAL (SELECT CASE WHEN customer_id % 3 = 0 THEN m.pareto
                          ELSE ROW(0.5, 10, 0.6, 12, ARRAY[0.1 * (customer_id % 2)], '{-0.2}', 0, 1, true, 1, 0, 0, '{}')::clv.pareto_nbd_cov
                     END AS mm) x;

-- Parametric bootstrap: a seed fixes the draws; the coefficients' draws have
-- the estimate as mean and the standard error as spread (within the
-- sampling error of 4,000 draws), the scales stay positive, the other
-- fields are the model's.
SELECT (SELECT array_agg((d).gamma_purchase[1]) FROM cov_models, clv.model_draws(pareto, 5, 42) d)
     = (SELECT array_agg((d).gamma_purchase[1]) FROM cov_models, clv.model_draws(pareto, 5, 42) d) AS same_seed_same_draws;
SELECT s.parameter,
       abs(avg(v.value) - s.estimate) < 4 * s.std_error / sqrt(4000) AS mean_ok,
       abs(stddev(v.value) / s.std_error - 1) < 0.06 AS spread_ok
FROM cov_models m, clv.model_summary(m.bg) s,
     LATERAL (SELECT CASE s.parameter WHEN 'gamma_purchase[1]' THEN (d).gamma_purchase[1] ELSE (d).gamma_dropout[1] END AS value
              FROM clv.model_draws(m.bg, 4000, 3) d) v
WHERE s.parameter LIKE 'gamma%'
GROUP BY s.parameter, s.estimate, s.std_error ORDER BY s.parameter;
SELECT bool_and((d).alpha > 0 AND (d).b > 0 AND (d).log_likelihood = (m.bg).log_likelihood
                AND (d).covariance = (m.bg).covariance AND array_length((d).gamma_dropout, 1) = 1) AS fields_kept,
       count(*) AS draws
FROM cov_models m, clv.model_draws(m.bg, 100) d;

-- Two stages: states of any split of the rows give the one-pass fit.
SELECT clv.bgnbd_cov_fit_merge(s)::text = (SELECT clv.bgnbd_cov_fit(frequency, recency, t, z)::text FROM cov_customers) AS same_fit
FROM (SELECT clv.bgnbd_cov_fit_state(frequency, recency, t, z) AS s FROM cov_customers GROUP BY customer_id % 7) p;

-- CLVTools 0.12.1 on its apparel data with static covariates (data/apparel):
-- at CLVTools' estimates the log-likelihood is CLVTools' (the same
-- parameterisation: trans = purchase, life = dropout, and the same signs),
-- and the fit reaches at least that. The data sit near limits of both
-- models (CLVTools' standard errors there are not finite either).
CREATE TABLE apparel (id int, x float8, t_x float8, t float8, gender float8, channel float8);
\copy apparel FROM 'data/apparel/apparel_static_cov.csv' WITH (FORMAT csv, HEADER true)
SELECT 'pareto_nbd' AS model,
       round(clv.log_likelihood(clv.for_customer(ROW(1.6470684, 110.7633020, 1.9238793, 16823.7708806,
             '{0.4554770, 0.8342227}', '{-0.1227583, 5.2682711}', 0, 1, true, 1, 0, 0, '{}')::clv.pareto_nbd_cov,
             ARRAY[gender, channel]), x, t_x, t)::numeric, 3) AS at_clvtools_estimates, -2589.232 AS clvtools
FROM apparel
UNION ALL
SELECT 'bgnbd',
       round(clv.log_likelihood(clv.for_customer(ROW(0.8488639, 53.9485747, 212.2093812, 1171.7139957,
             '{0.5530317, 0.6090848}', '{10.2192632, -7.5203357}', 0, 1, true, 1, 0, 0, '{}')::clv.bgnbd_cov,
             ARRAY[gender, channel]), x, t_x, t)::numeric, 3), -2593.658
FROM apparel;
-- The BG/NBD fit (the Pareto/NBD one walks to beta -> infinity, slowly):
-- purchase effects as CLVTools', a likelihood at least its, the dropout
-- effect of gender at the limit CLVTools stopped on the way to.
SET client_min_messages = error;
SELECT (b).log_likelihood >= -2593.6583 AS at_least_clvtools,
       round((b).gamma_purchase[1]::numeric, 2) AS trans_gender, round((b).gamma_purchase[2]::numeric, 2) AS trans_channel,
       (b).converged, (b).gamma_dropout[1] AS life_gender
FROM (SELECT clv.bgnbd_cov_fit(x, t_x, t, ARRAY[gender, channel]) AS b FROM apparel) f;
RESET client_min_messages;

-- Hostile and careless input.
SELECT sqlstate_of($$ SELECT clv.pareto_nbd_cov_fit(frequency, recency, t, ARRAY[1, NULL]::float8[]) FROM cov_customers $$) AS null_element;
SELECT sqlstate_of($$ SELECT clv.pareto_nbd_cov_fit(frequency, recency, t, '{{1},{2}}') FROM cov_customers $$) AS two_dimensions;
SELECT sqlstate_of($$ SELECT clv.pareto_nbd_cov_fit(frequency, recency, t, '{}') FROM cov_customers $$) AS empty;
SELECT sqlstate_of($$ SELECT clv.bgnbd_cov_fit(frequency, recency, t, ARRAY['NaN'::float8]) FROM cov_customers $$) AS nan;
SELECT sqlstate_of($$ SELECT clv.bgnbd_cov_fit(frequency, recency, t, ARRAY['-Infinity'::float8]) FROM cov_customers $$) AS infinite;
SELECT sqlstate_of($$ SELECT clv.bgnbd_cov_fit(frequency, recency, t, array_fill(0.0::float8, ARRAY[65])) FROM cov_customers $$) AS too_many;
SELECT sqlstate_of($$ SELECT clv.bgnbd_cov_fit(frequency, recency, t, CASE WHEN customer_id % 2 = 0 THEN ARRAY[1.0] ELSE ARRAY[1.0, 2.0] END) FROM cov_customers $$) AS lengths_differ;
SELECT sqlstate_of($$ SELECT clv.bgnbd_cov_fit(frequency, recency, t, z, -1) FROM cov_customers $$) AS negative_penalizer;
SELECT sqlstate_of($$ SELECT clv.bgnbd_cov_fit(frequency, recency, t, z, 0, 0) FROM cov_customers $$) AS zero_weight;
SELECT sqlstate_of($$ SELECT clv.bgnbd_cov_fit(frequency, recency, t, z) FROM cov_customers WHERE frequency = 0 $$) AS no_repeat_buyers;
SELECT sqlstate_of($$ SELECT clv.for_customer(pareto, ARRAY[1.0, 2.0]) FROM cov_models $$) AS wrong_count;
SELECT sqlstate_of($$ SELECT clv.for_customer(pareto, ARRAY[1e300]) FROM cov_models $$) AS scale_overflow;
SELECT sqlstate_of($$ SELECT clv.for_customer(ROW(1, NULL, 1, 1, '{0}', '{0}', 0, 0, true, 0, 0, 0, '{}')::clv.pareto_nbd_cov, '{1}') $$) AS null_parameter;
SELECT sqlstate_of($$ SELECT clv.for_customer(ROW(1, 1, 1, 1, '{0}', '{0,1}', 0, 0, true, 0, 0, 0, '{}')::clv.bgnbd_cov, '{1}') $$) AS coefficient_counts_differ;
SELECT sqlstate_of($$ SELECT * FROM clv.model_summary(ROW(1, 1, 1, 1, '{NaN}', '{0}', 0, 0, true, 0, 0, 0, '{}')::clv.bgnbd_cov) $$) AS nan_coefficient;
SELECT sqlstate_of($$ SELECT * FROM clv.model_summary(ROW(1, 1, 1, 1, '{0}', '{0}', 0, 0, true, 0, 0, 0, '{{1}}')::clv.bgnbd_cov) $$) AS wrong_covariance;
SELECT sqlstate_of($$ SELECT * FROM clv.model_summary(ROW(1, 1, 1, 1, array_fill(0.1::float8, ARRAY[65]), array_fill(0.1::float8, ARRAY[65]), 0, 0, true, 0, 0, 0, '{}')::clv.bgnbd_cov) $$) AS too_many_coefficients;
SELECT count(*) AS parameters_of_64_covariates
FROM clv.model_summary(ROW(1, 1, 1, 1, array_fill(0.1::float8, ARRAY[64]), array_fill(0.2::float8, ARRAY[64]), 0, 0, true, 0, 0, 0, '{}')::clv.bgnbd_cov);
-- NULL covariates skip the row; no rows give NULL.
SELECT (clv.bgnbd_cov_fit(frequency, recency, t, CASE WHEN customer_id % 10 = 0 THEN NULL ELSE z END)).n_customers AS fitted,
       (SELECT count(*) FILTER (WHERE customer_id % 10 <> 0) FROM cov_customers) AS with_covariates
FROM cov_customers;
SELECT clv.pareto_nbd_cov_fit(frequency, recency, t, z) IS NULL AS no_rows FROM cov_customers WHERE false;

-- Data at a limit of the model (everybody buys every week): the limit
-- without covariates, said so, no effects fitted.
SET client_min_messages = error;
SELECT (m).converged, (m).gamma_purchase, (m).covariance
FROM (SELECT clv.pareto_nbd_cov_fit(x, x, x + (i % 7) / 7.0, ARRAY[i % 2]::float8[]) AS m
      FROM generate_series(1, 200) i, LATERAL (SELECT 20 + i % 33 AS x) v) f;
RESET client_min_messages;

-- A role without any grant of the extension, reading the analysts' table,
-- fits with covariates, summarises and scores.
CREATE ROLE cov_analyst;
GRANT SELECT ON cov_customers TO cov_analyst;
SET ROLE cov_analyst;
SELECT (m).converged, array_length((m).gamma_purchase, 1) AS covariates,
       (SELECT count(*) FROM clv.model_summary(m)) AS parameters,
       (SELECT count(*) FILTER (WHERE clv.p_alive(m, frequency, recency, t, z || ARRAY[(customer_id % 2)::float8]) BETWEEN 0 AND 1) FROM cov_customers) AS scored
FROM (SELECT clv.bgnbd_cov_fit(frequency, recency, t, z || ARRAY[(customer_id % 2)::float8]) AS m FROM cov_customers) f;
RESET ROLE;
REVOKE SELECT ON cov_customers FROM cov_analyst;
DROP ROLE cov_analyst;

DROP TABLE cov_doubled, cov_fits, cov_customers, cov_models, cov_channel, cov_channel_models, apparel;
