-- Fitting the probabilistic models on the CDNOW sample in weeks (39-week
-- calibration) reproduces the published estimates:
--   BG/NBD r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4 (Fader, Hardie & Lee 2005)
--   MBG/NBD r 0.525, alpha 6.183, a 0.891, b 1.614 (BTYDplus)
--   Pareto/NBD r 0.553, alpha 10.578, s 0.606, beta 11.669, LL -9595.0 (Fader & Hardie)
--   Gamma-Gamma p 6.25, q 3.74, v 15.44 (Fader, Hardie & Lee 2005, "RFM and CLV")
-- (fixtures of setup.sql: cdnow_weekly, the summaries; cdnow_models, the fits)
SELECT round((bgnbd).r::numeric, 3) AS r, round((bgnbd).alpha::numeric, 3) AS alpha,
       round((bgnbd).a::numeric, 3) AS a, round((bgnbd).b::numeric, 3) AS b,
       round((bgnbd).log_likelihood::numeric, 1) AS ll, (bgnbd).n_customers, (bgnbd).converged
FROM cdnow_models;
SELECT round((mbgnbd).r::numeric, 3) AS r, round((mbgnbd).alpha::numeric, 3) AS alpha,
       round((mbgnbd).a::numeric, 3) AS a, round((mbgnbd).b::numeric, 3) AS b,
       (mbgnbd).converged
FROM cdnow_models;
SELECT round((pareto).r::numeric, 3) AS r, round((pareto).alpha::numeric, 3) AS alpha,
       round((pareto).s::numeric, 3) AS s, round((pareto).beta::numeric, 3) AS beta,
       round((pareto).log_likelihood::numeric, 1) AS ll, (pareto).converged
FROM cdnow_models;
-- Gamma-Gamma uses the 946 customers with repeat purchases; the paper's v is
-- 15.44, lifetimes reports 15.45 on the same data: compare to 0.01.
SELECT round((gg).p::numeric, 2) AS p, round((gg).q::numeric, 2) AS q,
       abs((gg).v - 15.44) < 0.01 AS v_matches, (gg).n_customers, (gg).converged
FROM cdnow_models;

-- Conditional expectation of the paper: x = 2, t_x = 30.43, T = 38.86, next 39 weeks: 1.226
SELECT round(clv.expected_purchases(bgnbd, 2, 30.43, 38.86, 39)::numeric, 3) AS expected_39_weeks
FROM cdnow_models;

-- sBG (Fader & Hardie 2007): 1,000 customers per cohort, active at the start of years 1..8
-- (fixture of setup.sql: retention)
SELECT segment, round((m).alpha::numeric, 3) AS alpha, round((m).beta::numeric, 3) AS beta, (m).converged
FROM (SELECT segment, clv.sbg_fit(period, active) AS m FROM retention GROUP BY segment) s
ORDER BY segment;

-- One model per segment with GROUP BY: customers by first-purchase month
SELECT date_trunc('month', first_ts) AS cohort, (m).n_customers, (m).converged
FROM (SELECT date_trunc('month', first_ts) AS first_ts, clv.bgnbd_fit(frequency, recency, t) AS m
      FROM cdnow_weekly GROUP BY 1) s
ORDER BY 1;

-- A penalizer shrinks the parameters, as lifetimes' penalizer_coef does.
SELECT (m).r < (SELECT (bgnbd).r FROM cdnow_models) AS r_smaller
FROM (SELECT clv.bgnbd_fit(frequency, recency, t, 0.1) AS m FROM cdnow_weekly) s;

-- A forced parallel fit equals the serial one (the state is the set of
-- distinct inputs, which combines exactly).
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT clv.bgnbd_fit(frequency, recency, t) FROM cdnow_weekly;
SELECT clv.bgnbd_fit(frequency, recency, t) = (SELECT bgnbd FROM cdnow_models) AS parallel_equals_serial,
       clv.pareto_nbd_fit(frequency, recency, t) = (SELECT pareto FROM cdnow_models) AS pareto_equal,
       clv.gamma_gamma_fit(frequency, monetary) = (SELECT gg FROM cdnow_models) AS gg_equal
FROM cdnow_weekly;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;

-- No rows: NULL
SELECT clv.bgnbd_fit(frequency, recency, t) IS NULL AS empty_is_null FROM cdnow_weekly WHERE false;

-- The penalty is on the parameters of the model in units of the largest age
-- (lifetimes' time scaling), so the same customers in weeks and in days give
-- the same forecast for a year and alpha (beta) differ by the factor 7. It
-- was on alpha in the input's unit: 4.20 purchases a year in weeks, 13.48 in days.
CREATE TEMP TABLE penalized AS
SELECT clv.bgnbd_fit(frequency, recency, t, 0.1) AS bg_weeks,
       clv.bgnbd_fit(frequency, 7 * recency, 7 * t, 0.1) AS bg_days,
       clv.mbgnbd_fit(frequency, recency, t, 0.1) AS mbg_weeks,
       clv.mbgnbd_fit(frequency, 7 * recency, 7 * t, 0.1) AS mbg_days,
       clv.pareto_nbd_fit(frequency, recency, t, 0.1) AS pareto_weeks,
       clv.pareto_nbd_fit(frequency, 7 * recency, 7 * t, 0.1) AS pareto_days
FROM cdnow_weekly;
SELECT abs(clv.expected_purchases_new(bg_days, 364) / clv.expected_purchases_new(bg_weeks, 52) - 1) < 1e-6 AS bg_same_year,
       abs((bg_days).alpha / (bg_weeks).alpha / 7 - 1) < 1e-5 AS bg_alpha_times_7,
       abs(clv.expected_purchases_new(mbg_days, 364) / clv.expected_purchases_new(mbg_weeks, 52) - 1) < 1e-6 AS mbg_same_year,
       abs(clv.expected_purchases_new(pareto_days, 364) / clv.expected_purchases_new(pareto_weeks, 52) - 1) < 1e-6 AS pareto_same_year,
       abs((pareto_days).beta / (pareto_weeks).beta / 7 - 1) < 1e-5 AS pareto_beta_times_7,
       (bg_weeks).converged AND (bg_days).converged AND (mbg_weeks).converged AND (mbg_days).converged
         AND (pareto_weeks).converged AND (pareto_days).converged AS converged
FROM penalized;
