-- A model fit over about two million generated customers stops on
-- statement_timeout (the scan and the fit both poll for interrupts), and the
-- session goes on: the aggregate state's memory and the C++ objects in it
-- are released with the aborted query.
CREATE UNLOGGED TABLE many_customers AS
SELECT (g % 50)::float8 AS f,
       CASE WHEN g % 50 = 0 THEN 0 ELSE 1 + (g % 3700) / 100.0 END AS r,
       38 + (g % 1009) / 1000.0 AS t
FROM generate_series(1, 2000000) g;
SET statement_timeout = '200ms';
SELECT clv.bgnbd_fit(f, r, t) FROM many_customers;
SELECT clv.pareto_nbd_fit(f, r, t) FROM many_customers;
RESET statement_timeout;
SELECT 'session continues' AS status;
-- The backend is fine: a CDNOW fit still gives the published estimates.
SELECT round((m).r::numeric, 3) AS r, round((m).alpha::numeric, 3) AS alpha,
       round((m).a::numeric, 3) AS a, round((m).b::numeric, 3) AS b
FROM (SELECT clv.bgnbd_fit(frequency, recency, t) AS m
      FROM (SELECT (clv.rfm_agg(ts, amount, '1997-09-30', '7 days')).*
            FROM cdnow GROUP BY customer_id) s) f;
DROP TABLE many_customers;

-- A Pareto/NBD fit that wanders to extreme parameters (CDNOW's customers with
-- at most two repeat purchases and a large penalizer: alpha at the bound, s
-- near 1e-4), where one likelihood evaluation takes seconds of tail
-- integrals by quadrature. The likelihood polls between the integrals, so
-- the timeout stops the fit within one integral; polling once per
-- evaluation, it went on for seconds after the deadline.
CREATE TABLE cdnow_low AS
SELECT frequency, recency, t
FROM (SELECT (clv.rfm_agg(ts, amount, '1998-06-30', '7 days')).* FROM cdnow GROUP BY customer_id) s
WHERE frequency < 3;
SET statement_timeout = '2s';
SELECT clv.pareto_nbd_fit(frequency, recency, t, 10) FROM cdnow_low;
RESET statement_timeout;
SELECT 'session continues' AS status;
DROP TABLE cdnow_low;

-- Diagnostics with a Pareto/NBD model at such parameters, where one expected
-- purchases evaluation takes up to 0.1 s: both functions poll before every
-- customer and grid cell (they polled every 4096 customers and once per
-- grid frequency, and ran 20 s past a 200 ms deadline).
CREATE TABLE cdnow_holdout AS
SELECT clv.rfm_holdout_agg(ts, amount, '1997-09-30', '1998-06-30', '7 days') AS h
FROM cdnow GROUP BY customer_id;
SET statement_timeout = '200ms';
SELECT * FROM clv.calibration_holdout(
  ROW(0.0072676465729573691, 8886110.5205078721, 5.9767215783058643e-05, 0.061482679178189871,
      0, 1, true, 1)::clv.pareto_nbd, ARRAY(SELECT h FROM cdnow_holdout), 7);
SELECT count(*) FROM clv.frequency_recency_grid(
  ROW(0.0072676465729573691, 8886110.5205078721, 5.9767215783058643e-05, 0.061482679178189871,
      0, 1, true, 1)::clv.pareto_nbd, 39, 39, 1, 0.001);
RESET statement_timeout;
SELECT 'session continues' AS status;
DROP TABLE cdnow_holdout;
