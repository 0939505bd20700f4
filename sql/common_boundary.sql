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

-- The extension's types altered by their owner (ALTER TYPE): the result
-- builders and the model readers check the attributes' types, so this is
-- ERROR 42804, not a tuple formed from datums of other types (it was a
-- segmentation fault).
BEGIN;
ALTER TYPE clv.rfm ALTER ATTRIBUTE recency TYPE text;
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, 1.0::float8, '2000-01-01')
                      FROM (VALUES ('1999-01-01'::timestamptz), ('1999-02-01')) v(ts) $$) AS altered;
ROLLBACK;
BEGIN;
ALTER TYPE clv.rfm DROP ATTRIBUTE recency;
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, 1.0::float8, '2000-01-01')
                      FROM (VALUES ('1999-01-01'::timestamptz), ('1999-02-01')) v(ts) $$) AS dropped;
ROLLBACK;
BEGIN;
ALTER TYPE clv.trend ADD ATTRIBUTE extra int;
SELECT sqlstate_of($$ SELECT clv.trend_agg(ts, 1.0::float8, '2000-01-01', '1 day')
                      FROM (VALUES ('1999-01-01'::timestamptz), ('1999-02-01')) v(ts) $$) AS added;
ROLLBACK;
BEGIN;
ALTER TYPE clv.sbg ALTER ATTRIBUTE alpha TYPE text;
SELECT sqlstate_of($$ SELECT clv.sbg_survival(ROW('x', 1, 0, 1, true, 1, NULL, NULL, NULL)::clv.sbg, 3) $$) AS model;
ROLLBACK;
BEGIN;
ALTER TYPE clv.rfm_holdout ALTER ATTRIBUTE frequency TYPE text;
SELECT sqlstate_of($$ SELECT * FROM clv.calibration_holdout(ROW(1, 1, 1, 1, 0, 1, true, 1, NULL, NULL, NULL)::clv.bgnbd,
  ARRAY[ROW('1', 1, 2, 3, 1, 1, now(), now(), 1, 1, 1)::clv.rfm_holdout], 7) $$) AS summaries;
ROLLBACK;
SELECT (clv.rfm_agg(ts, 1.0::float8, '2000-01-01')).recency
FROM (VALUES ('1999-01-01'::timestamptz), ('1999-02-01')) v(ts);
