-- The C++/PostgreSQL boundary: C++ exceptions arrive as ERRORs with the
-- mapped SQLSTATE (22023 invalid parameter, 22003 out of range), PostgreSQL
-- errors raised beneath C++ keep theirs, and the session goes on.
SELECT sqlstate_of($$ SELECT clv.rfm_agg(now(), 'NaN'::float8, now()) $$) AS invalid_argument;
SELECT sqlstate_of($$ SELECT clv.simple_clv(1e308, 10, 1) $$) AS range_error;
SELECT left(sqlstate_of($$ SELECT clv.rfm_agg(now(), 1e309::numeric, now()) $$), 5) AS postgres_error;
SELECT clv.rfm_agg(now(), 'NaN'::float8, now());
SELECT 'session continues' AS status;
-- a statement timeout still cancels queries that run the aggregates
SET statement_timeout = '100ms';
SELECT clv.rfm_agg(ts, amount, now()) IS NULL
FROM (SELECT now() - g * interval '1 second' AS ts, g::float8 AS amount
      FROM generate_series(1, 100000000) g) s;
RESET statement_timeout;
SELECT 'session continues' AS status;
