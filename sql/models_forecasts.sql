-- Conditional forecasts P(X(horizon) = n | frequency, recency, t) of BG/NBD,
-- MBG/NBD and Pareto/NBD on CDNOW: over n = 0..300 they sum to 1 and their
-- mean is each model's clv.expected_purchases; hostile input; a role
-- without grants.
CREATE TABLE forecast_customers AS
SELECT * FROM (VALUES (0, 0.0, 38.0), (2, 30.4, 38.9), (7, 35, 38), (12, 10, 39)) v(x, t_x, t);
SELECT c.x, v.model,
       abs(sum(v.p) - 1) < 1e-9 AS sums_to_1,
       abs(sum(n * v.p) / v.expected - 1) < 1e-7 AS mean_is_expected_purchases
FROM cdnow_models m, forecast_customers c, generate_series(0, 300) n,
     LATERAL (VALUES ('bgnbd', clv.prob_purchases(m.bgnbd, n, c.x, c.t_x, c.t, 39), clv.expected_purchases(m.bgnbd, c.x, c.t_x, c.t, 39)),
                     ('mbgnbd', clv.prob_purchases(m.mbgnbd, n, c.x, c.t_x, c.t, 39), clv.expected_purchases(m.mbgnbd, c.x, c.t_x, c.t, 39)),
                     ('pareto_nbd', clv.prob_purchases(m.pareto, n, c.x, c.t_x, c.t, 39), clv.expected_purchases(m.pareto, c.x, c.t_x, c.t, 39)))
       v(model, p, expected)
GROUP BY c.x, v.model, v.expected ORDER BY 1, 2;
-- Over every CDNOW customer with one n (the call site remembers the
-- probability if alive by frequency and t) the values are those of a scan
-- whose n alternates row by row (the memo starts afresh on every row).
WITH memo AS (
  SELECT customer_id, clv.prob_purchases(m.bgnbd, 1, frequency, recency, t, 39) AS b,
         clv.prob_purchases(m.pareto, 1, frequency, recency, t, 39) AS p
  FROM cdnow_weekly, cdnow_models m),
alternating AS (
  SELECT customer_id, k, clv.prob_purchases(m.bgnbd, k, frequency, recency, t, 39) AS b,
         clv.prob_purchases(m.pareto, k, frequency, recency, t, 39) AS p
  FROM cdnow_weekly, cdnow_models m, (VALUES (1), (2)) v(k))
SELECT count(*) AS customers, bool_and(memo.b = a.b) AS bgnbd_same, bool_and(memo.p = a.p) AS pareto_same
FROM memo JOIN alternating a USING (customer_id) WHERE a.k = 1;
-- A customer with no history at age 0 has the new customer's distribution.
SELECT bool_and(abs(clv.prob_purchases(bgnbd, n, 0, 0, 0, 39) - clv.prob_purchases(bgnbd, n, 39)) < 1e-15) AS new_customer
FROM cdnow_models, generate_series(0, 10) n;
-- The chance of no purchase is at least the chance of having left.
SELECT clv.prob_purchases(bgnbd, 0, 12, 10, 39, 39) >= 1 - clv.p_alive(bgnbd, 12, 10, 39) AS none_covers_dead
FROM cdnow_models;

-- Hostile input.
SELECT sqlstate_of($$ SELECT clv.prob_purchases(bgnbd, -1, 1, 2, 3, 1) FROM cdnow_models $$) AS negative_n;
SELECT sqlstate_of($$ SELECT clv.prob_purchases(mbgnbd, 1, 1, 4, 3, 1) FROM cdnow_models $$) AS recency_beyond_t;
SELECT sqlstate_of($$ SELECT clv.prob_purchases(pareto, 1, 1, 2, 3, 'NaN') FROM cdnow_models $$) AS nan_horizon;
SELECT sqlstate_of($$ SELECT clv.prob_purchases(pareto, 1, 1.5, 2, 3, 1) FROM cdnow_models $$) AS fractional_frequency;
SELECT sqlstate_of($$ SELECT clv.prob_purchases(bgnbd, 2147483647, 1, 2, 3, 1e308) FROM cdnow_models $$) AS huge;
SELECT clv.prob_purchases(bgnbd, 1, NULL, 2, 3, 1) IS NULL AS strict FROM cdnow_models;

-- A role without any grant.
CREATE ROLE forecast_nobody;
SET ROLE forecast_nobody;
SELECT round(clv.prob_purchases(ROW(0.243, 4.414, 0.793, 2.426, 0, 0, true, 0, 0, 0, NULL)::clv.bgnbd, 1, 2, 30.4, 38.9, 39)::numeric, 6)
  AS p_one;
RESET ROLE;
DROP ROLE forecast_nobody;
DROP TABLE forecast_customers;

-- The tracking curve of CDNOW's cohort (78 weeks: calibration and holdout)
-- against a direct sum over the customers of expected_purchases_new since
-- their acquisition; the incremental column adds up to it.
CREATE TABLE tracking AS
SELECT c.* FROM cdnow_models m, clv.tracking_curve(m.bgnbd, ARRAY(SELECT t FROM cdnow_weekly), 78, 78) c;
SELECT count(*) AS periods,
       bool_and(abs(cumulative - (SELECT sum(clv.expected_purchases_new(m.bgnbd, tr.at - (w.max_t - c.t)))
                                  FROM cdnow_weekly c, cdnow_models m, (SELECT max(t) AS max_t FROM cdnow_weekly) w
                                  WHERE tr.at - (w.max_t - c.t) > 0)) < 1e-7 * cumulative) AS matches_direct_sum
FROM tracking tr WHERE period IN (1, 10, 39, 78);
SELECT abs(sum(incremental) - max(cumulative)) < 1e-6 AS increments_add_up FROM tracking;
SELECT period, round(cumulative::numeric, 1) AS cumulative FROM tracking WHERE period IN (39, 78) ORDER BY period;
SELECT count(*) = 78 AS pareto_rows FROM cdnow_models m, clv.tracking_curve(m.pareto, ARRAY(SELECT t FROM cdnow_weekly), 78, 78);
SELECT count(*) = 78 AS mbgnbd_rows FROM cdnow_models m, clv.tracking_curve(m.mbgnbd, ARRAY(SELECT t FROM cdnow_weekly), 78, 78);
-- NULL ages are skipped; no ages, zero purchases.
SELECT (SELECT cumulative FROM cdnow_models m, clv.tracking_curve(m.bgnbd, ARRAY[NULL, 10, 20]::float8[], 30, 3) WHERE period = 3)
     = (SELECT cumulative FROM cdnow_models m, clv.tracking_curve(m.bgnbd, ARRAY[10, 20]::float8[], 30, 3) WHERE period = 3) AS null_skipped;
SELECT max(cumulative) AS no_customers FROM cdnow_models m, clv.tracking_curve(m.bgnbd, '{}'::float8[], 30, 3);
SELECT sqlstate_of($$ SELECT * FROM cdnow_models m, clv.tracking_curve(m.bgnbd, ARRAY[-1]::float8[], 30, 3) $$) AS negative_age;
SELECT sqlstate_of($$ SELECT * FROM cdnow_models m, clv.tracking_curve(m.bgnbd, ARRAY['NaN']::float8[], 30, 3) $$) AS nan_age;
SELECT sqlstate_of($$ SELECT * FROM cdnow_models m, clv.tracking_curve(m.bgnbd, ARRAY[1]::float8[], 0, 3) $$) AS zero_total;
SELECT sqlstate_of($$ SELECT * FROM cdnow_models m, clv.tracking_curve(m.bgnbd, ARRAY[1]::float8[], 30, 0) $$) AS no_periods;
SELECT sqlstate_of($$ SELECT * FROM cdnow_models m, clv.tracking_curve(m.bgnbd, ARRAY[1]::float8[], 30, 2000000) $$) AS too_many_periods;
DROP TABLE tracking;

-- A customer's history and P(alive) path. At the end of calibration they are
-- the summary clv.rfm_agg gives and its P(alive), for CDNOW customers (purchase
-- days in weeks since the epoch, counted in calendar days as clv.rfm_agg does;
-- the path's one step spans the customer's age).
WITH purchases AS (
  SELECT customer_id, array_agg(DISTINCT extract(epoch FROM date_trunc('day', ts)::timestamp) / 604800) AS times
  FROM cdnow WHERE customer_id IN (1, 2, 3, 17, 1234) AND ts <= '1997-09-30' GROUP BY customer_id),
ends AS (
  SELECT p.customer_id, h.*, w.frequency AS w_frequency, w.recency AS w_recency, w.t AS w_t, m.bgnbd
  FROM purchases p JOIN cdnow_weekly w USING (customer_id), cdnow_models m,
       LATERAL (SELECT * FROM clv.p_alive_path(m.bgnbd, p.times, extract(epoch FROM timestamp '1997-09-30') / 604800,
                                               extract(epoch FROM timestamp '1997-09-30') / 604800 - (SELECT min(v) FROM unnest(p.times) v))
                ORDER BY at DESC LIMIT 1) h)
SELECT customer_id, frequency = w_frequency AS frequency_ok, abs(recency - w_recency) < 1e-9 AS recency_ok,
       abs(t - w_t) < 1e-9 AS t_ok, abs(p_alive - clv.p_alive(bgnbd, w_frequency, w_recency, w_t)) < 1e-12 AS p_alive_ok
FROM ends ORDER BY customer_id;
-- By hand: purchases at 0, 3, 3 and 10, every 2 units to 12.
SELECT * FROM clv.rfm_history(ARRAY[0, 3, 3, 10, NULL]::float8[], 12, 2);
SELECT count(*) AS rows, bool_and(p_alive BETWEEN 0 AND 1) AS probabilities
FROM cdnow_models m, clv.p_alive_path(m.pareto, ARRAY[0, 3, 10]::float8[], 52, 0.5);
SELECT count(*) AS mbgnbd_rows FROM cdnow_models m, clv.p_alive_path(m.mbgnbd, ARRAY[0, 3, 10]::float8[], 52);
SELECT count(*) AS before_first FROM clv.rfm_history(ARRAY[5]::float8[], 1, 1);
SELECT count(*) AS no_purchases FROM clv.rfm_history('{}'::float8[], 1, 1);
SELECT sqlstate_of($$ SELECT clv.rfm_history(ARRAY[0]::float8[], 1e9, 1) $$) AS too_long;
SELECT sqlstate_of($$ SELECT clv.rfm_history(ARRAY[0, 'NaN']::float8[], 1, 1) $$) AS nan_time;
SELECT sqlstate_of($$ SELECT clv.rfm_history(ARRAY[0]::float8[], 'Infinity', 1) $$) AS infinite_until;
SELECT sqlstate_of($$ SELECT clv.rfm_history(ARRAY[0]::float8[], 1, 0) $$) AS zero_step;
SELECT sqlstate_of($$ SELECT clv.rfm_history(ARRAY[0]::float8[], 1, 'NaN') $$) AS nan_step;
