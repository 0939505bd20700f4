-- Model diagnostics: calibration vs holdout purchases per calibration
-- frequency, and the frequency/recency grid of expected purchases and
-- P(alive). CDNOW in weeks: calibration up to 1997-09-30 (39 weeks),
-- holdout up to 1998-06-30 (39 weeks).
CREATE TABLE cdnow_holdout AS
SELECT customer_id, clv.rfm_holdout_agg(ts, amount, '1997-09-30', '1998-06-30', '7 days') AS h
FROM cdnow GROUP BY customer_id;

-- The calibration part is the summary the published fit uses, so the models
-- fitted on it are the published ones (r 0.243, alpha 4.414, a 0.793, b 2.426).
CREATE TABLE holdout_models AS
SELECT clv.bgnbd_fit((h).frequency, (h).recency, (h).t) AS bgnbd,
       clv.mbgnbd_fit((h).frequency, (h).recency, (h).t) AS mbgnbd,
       clv.pareto_nbd_fit((h).frequency, (h).recency, (h).t) AS pareto
FROM cdnow_holdout;
SELECT round((bgnbd).r::numeric, 3) AS r, round((bgnbd).alpha::numeric, 3) AS alpha,
       round((bgnbd).a::numeric, 3) AS a, round((bgnbd).b::numeric, 3) AS b,
       (SELECT round(avg((h).duration_holdout)::numeric, 2) FROM cdnow_holdout) AS holdout_weeks
FROM holdout_models;

-- Calibration vs holdout (frequencies of 7 and more in one row): customers,
-- mean actual and mean predicted holdout purchases.
SELECT c.calibration_frequency, c.n_customers, round(c.mean_actual::numeric, 3) AS actual,
       round(c.mean_predicted::numeric, 3) AS predicted
FROM holdout_models m,
     clv.calibration_holdout(m.bgnbd, ARRAY(SELECT h FROM cdnow_holdout)) c;

-- Equal to the documented query shape, for each model.
WITH q AS (
  SELECT least((h).frequency, 7) AS f, count(*) AS n, avg((h).frequency_holdout) AS actual,
         avg(clv.expected_purchases(m.bgnbd, (h).frequency, (h).recency, (h).t, (h).duration_holdout)) AS bg,
         avg(clv.expected_purchases(m.mbgnbd, (h).frequency, (h).recency, (h).t, (h).duration_holdout)) AS mbg,
         avg(clv.expected_purchases(m.pareto, (h).frequency, (h).recency, (h).t, (h).duration_holdout)) AS pnbd
  FROM cdnow_holdout, holdout_models m GROUP BY 1
), f AS (
  SELECT b.calibration_frequency AS f, b.n_customers AS n, b.mean_actual AS actual,
         b.mean_predicted AS bg, mb.mean_predicted AS mbg, p.mean_predicted AS pnbd
  FROM holdout_models m,
       clv.calibration_holdout(m.bgnbd, ARRAY(SELECT h FROM cdnow_holdout)) b
       JOIN clv.calibration_holdout(m.mbgnbd, ARRAY(SELECT h FROM cdnow_holdout)) mb USING (calibration_frequency)
       JOIN clv.calibration_holdout(m.pareto, ARRAY(SELECT h FROM cdnow_holdout)) p USING (calibration_frequency)
)
SELECT count(*) AS frequencies,
       bool_and(q.n = f.n AND abs(q.actual - f.actual) < 1e-9 AND abs(q.bg - f.bg) < 1e-9
                AND abs(q.mbg - f.mbg) < 1e-9 AND abs(q.pnbd - f.pnbd) < 1e-9) AS equal
FROM q JOIN f USING (f);

-- max_frequency groups the tail; NULL summaries (no calibration purchase) are skipped.
SELECT c.calibration_frequency, c.n_customers, round(c.mean_actual::numeric, 3) AS actual
FROM holdout_models m,
     clv.calibration_holdout(m.pareto, ARRAY[NULL, (SELECT h FROM cdnow_holdout WHERE customer_id = 1)]
                                       || ARRAY(SELECT h FROM cdnow_holdout), 2) c;

-- Frequency/recency grid for customers of age 39 weeks, next 39 weeks, in
-- steps of 13 weeks: P(alive) rises with recency, expected purchases with
-- frequency once the customer is recent.
SELECT g.frequency, g.recency, round(g.expected_purchases::numeric, 3) AS expected,
       round(g.p_alive::numeric, 3) AS p_alive
FROM holdout_models m, clv.frequency_recency_grid(m.bgnbd, 39, 39, 3, 13) g;
-- It agrees with the scoring functions, for every model; an off-grid age adds t itself.
SELECT count(*) AS grid_rows,
       bool_and(abs(g.expected_purchases - clv.expected_purchases(m.pareto, g.frequency, g.recency, 38.86, 52)) < 1e-12
                AND abs(g.p_alive - clv.p_alive(m.pareto, g.frequency, g.recency, 38.86)) < 1e-12) AS agrees,
       max(g.recency) AS max_recency
FROM holdout_models m, clv.frequency_recency_grid(m.pareto, 38.86, 52, 20) g;
SELECT count(*) AS grid_rows,
       bool_and(abs(g.p_alive - clv.p_alive(m.mbgnbd, g.frequency, g.recency, 39)) < 1e-12) AS agrees
FROM holdout_models m, clv.frequency_recency_grid(m.mbgnbd, 39, 39, 20, 0.5) g;

-- Bad arguments.
SELECT sqlstate_of($$ SELECT * FROM holdout_models m, clv.frequency_recency_grid(m.bgnbd, 0, 39, 3) $$);
SELECT sqlstate_of($$ SELECT * FROM holdout_models m, clv.frequency_recency_grid(m.bgnbd, 39, -1, 3) $$);
SELECT sqlstate_of($$ SELECT * FROM holdout_models m, clv.frequency_recency_grid(m.bgnbd, 39, 39, -1) $$);
SELECT sqlstate_of($$ SELECT * FROM holdout_models m, clv.frequency_recency_grid(m.bgnbd, 39, 39, 3, 0) $$);
SELECT sqlstate_of($$ SELECT * FROM holdout_models m, clv.frequency_recency_grid(m.bgnbd, 'NaN', 39, 3) $$);
SELECT sqlstate_of($$ SELECT * FROM holdout_models m, clv.frequency_recency_grid(m.bgnbd, 39, 39, 1000000, 0.001) $$);
SELECT sqlstate_of($$ SELECT * FROM clv.frequency_recency_grid(ROW(NULL, 1, 1, 1, 0, 0, true, 0, NULL, NULL, NULL)::clv.bgnbd, 39, 39, 3) $$);
SELECT sqlstate_of($$ SELECT * FROM clv.frequency_recency_grid(ROW(-1, 1, 1, 1, 0, 0, true, 0, NULL, NULL, NULL)::clv.bgnbd, 39, 39, 3) $$);
SELECT sqlstate_of($$ SELECT * FROM holdout_models m, clv.calibration_holdout(m.bgnbd, ARRAY(SELECT h FROM cdnow_holdout), 0) $$);
SELECT sqlstate_of($$ SELECT * FROM holdout_models m, clv.calibration_holdout(m.bgnbd, ARRAY[ROW(2, 30, 20, 1, 3, 3, now(), now(), 1, 1, 39)::clv.rfm_holdout]) $$);
-- STRICT: a NULL model gives no rows; an empty array gives no rows.
SELECT count(*) AS null_model_rows FROM clv.frequency_recency_grid(NULL::clv.bgnbd, 39, 39, 3);
SELECT count(*) AS empty_rows
FROM holdout_models m, clv.calibration_holdout(m.bgnbd, '{}'::clv.rfm_holdout[]);

DROP TABLE holdout_models, cdnow_holdout;
