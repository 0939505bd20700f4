-- Scoring functions against independent closed forms and sums, on the
-- models fitted in setup.sql (table cdnow_models).

-- BG/NBD: a customer without repeat purchases cannot have dropped out.
SELECT clv.p_alive(bgnbd, 0, 0, 38.86) AS p_alive_no_repeat FROM cdnow_models;
-- P(alive) falls as the last purchase recedes (x = 2, T = 38.86)
SELECT clv.p_alive(bgnbd, 2, 30.43, 38.86) > clv.p_alive(bgnbd, 2, 5, 38.86) AS ordered
FROM cdnow_models;

-- BG/NBD E[X(t)] for a new customer (FHL 2005 eq. 9), with the Gaussian
-- hypergeometric 2F1(r, b; a + b - 1; t / (alpha + t)) summed as a series in SQL.
WITH m AS (SELECT (bgnbd).* FROM cdnow_models),
z AS (SELECT 39.0 / (alpha + 39) AS z, r, alpha, a, b FROM m),
series AS (
  WITH RECURSIVE s(k, term, total) AS (
    SELECT 0, 1.0::float8, 1.0::float8
    UNION ALL
    SELECT k + 1, term * (r + k) * (b + k) / ((a + b - 1 + k) * (k + 1)) * z,
           total + term * (r + k) * (b + k) / ((a + b - 1 + k) * (k + 1)) * z
    FROM s, z WHERE k < 3000)
  SELECT total FROM s ORDER BY k DESC LIMIT 1)
SELECT abs(clv.expected_purchases_new(c.bgnbd, 39)
           - (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + 39)) ^ r * total)) < 1e-6 AS matches_eq_9
FROM z, series, cdnow_models c;

-- P(X(39) = n) sums to one and its mean is E[X(39)], for all three models.
SELECT model,
       abs(sum(p) - 1) < 1e-6 AS sums_to_one,
       abs(sum(n * p) - max(e)) < 1e-4 AS mean_matches
FROM (SELECT 'bgnbd' AS model, n, clv.prob_purchases(bgnbd, n, 39) AS p, clv.expected_purchases_new(bgnbd, 39) AS e
      FROM cdnow_models, generate_series(0, 400) n
      UNION ALL
      SELECT 'mbgnbd', n, clv.prob_purchases(mbgnbd, n, 39), clv.expected_purchases_new(mbgnbd, 39)
      FROM cdnow_models, generate_series(0, 400) n
      UNION ALL
      SELECT 'pareto_nbd', n, clv.prob_purchases(pareto, n, 39), clv.expected_purchases_new(pareto, 39)
      FROM cdnow_models, generate_series(0, 400) n) s
GROUP BY model ORDER BY model;

-- Gamma-Gamma conditional mean spend: (p (v + x m)) / (p x + q - 1), and
-- the population mean p v / (q - 1) without repeat purchases.
SELECT abs(clv.expected_spend(gg, 3, 40) - (gg).p * ((gg).v + 3 * 40) / ((gg).p * 3 + (gg).q - 1)) < 1e-9 AS conditional,
       abs(clv.expected_spend(gg, 0, 0) - (gg).p * (gg).v / ((gg).q - 1)) < 1e-9 AS population
FROM cdnow_models;

-- predicted_clv: one step without discounting is expected spend x expected purchases;
-- discounting lowers it.
SELECT abs(clv.predicted_clv(bgnbd, gg, 2, 30.43, 38.86, 40, 52, 0, 52)
           - clv.expected_spend(gg, 2, 40) * clv.expected_purchases(bgnbd, 2, 30.43, 38.86, 52)) < 1e-9 AS one_step,
       clv.predicted_clv(bgnbd, gg, 2, 30.43, 38.86, 40, 52, 0.01, 4)
         < clv.predicted_clv(bgnbd, gg, 2, 30.43, 38.86, 40, 52, 0, 4) AS discounted_lower
FROM cdnow_models;
SELECT round(clv.predicted_clv(pareto, gg, 2, 30.43, 38.86, 40, 52, 0.01, 4.0)::numeric, 2) > 0 AS pareto_clv_positive
FROM cdnow_models;

-- sBG: S(0) = 1, S(1) = beta / (alpha + beta), S(t) = product of retention rates.
SELECT segment,
       clv.sbg_survival(m, 0) AS s0,
       abs(clv.sbg_survival(m, 1) - (m).beta / ((m).alpha + (m).beta)) < 1e-12 AS s1,
       abs(clv.sbg_survival(m, 5) - (SELECT exp(sum(ln(clv.sbg_retention(m, i)))) FROM generate_series(1, 5) i)) < 1e-12 AS product
FROM (SELECT segment, clv.sbg_fit(period, active) AS m FROM retention GROUP BY segment) s
ORDER BY segment;

-- Extreme histories stay finite and within range.
SELECT clv.p_alive(pareto, 500, 4990, 5000) BETWEEN 0 AND 1 AS pareto_p_alive,
       clv.p_alive(bgnbd, 500, 10, 5000) BETWEEN 0 AND 1 AS bgnbd_p_alive,
       clv.expected_purchases(pareto, 800, 4999, 5000, 100) < 'Infinity' AS pareto_expected,
       clv.expected_purchases(mbgnbd, 300, 2000, 5000, 100) >= 0 AS mbgnbd_expected
FROM cdnow_models;

-- Scoring a whole customer base: the model's expected purchases over the
-- 39-week holdout come within 15% of the 1,882 purchase periods the customers
-- actually made (see rfm_cdnow), as in the paper's holdout validation.
SELECT count(*) AS customers,
       abs(sum(clv.expected_purchases(m.bgnbd, c.frequency, c.recency, c.t, 39)) - 1882) / 1882 < 0.15 AS tracks_holdout,
       avg(clv.p_alive(m.bgnbd, c.frequency, c.recency, c.t)) BETWEEN 0 AND 1 AS p_alive_in_range
FROM cdnow_weekly c, cdnow_models m;

-- Horizons down to the smallest doubles: Pareto/NBD's integral over a
-- horizon about DBL_MIN wide is taken in the scaled variable (Boost's
-- tanh-sinh asserted on it, an internal error).
SELECT clv.prob_purchases(pareto, 0, 2.2250738585072014e-308) AS none_in_dbl_min,
       clv.prob_purchases(pareto, 11, 2.2250738585072014e-308) AS eleven_in_dbl_min,
       clv.prob_purchases(pareto, 0, 4.9e-324) AS none_in_denormal,
       clv.prob_purchases(pareto, 1, 1e-150) BETWEEN 0 AND 1e-140 AS one_in_1e_150
FROM cdnow_models;

-- BG/NBD with a + b < 1 and a small b (where penalized fits end up): the
-- expectation for a new customer is the mean of its own distribution of
-- purchases. The quadrature over p missed the Beta mass within 1e-16 of
-- p = 1 and gave 0.1525 instead of 0.4434.
WITH m AS (SELECT ROW(0.243, 4.414, 0.5, 0.01, 0, 0, true, 0, NULL, NULL, NULL)::clv.bgnbd m)
SELECT abs(e - pmf_mean) / pmf_mean < 1e-6 AS matches_pmf_mean, round(pmf_mean::numeric, 4) AS pmf_mean
FROM (SELECT clv.expected_purchases_new(m, 39) AS e,
             (SELECT sum(n * clv.prob_purchases(m, n, 39)) FROM generate_series(0, 3000) n) AS pmf_mean
      FROM m) s;
