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
