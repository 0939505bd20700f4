-- Bad input to the RFM aggregates: clear errors with SQLSTATE 22023, raised
-- from C++ through the boundary guard, and the session goes on afterwards.
SET TimeZone = 'UTC';
CREATE TABLE bad (ts timestamptz, amount float8);
INSERT INTO bad SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i FROM generate_series(1, 5000) i;

SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, 'NaN'::float8, '2024-06-01') FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, '-Infinity'::float8, '2024-06-01') FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, 'NaN'::numeric, '2024-06-01') FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, amount, '2024-06-01', '0 days') FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, amount, '2024-06-01', '-1 day') FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, amount, '2024-06-01', '1 day', '-2 hours') FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, amount, '2024-06-01', '1 day', '1 month') FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, amount, '2024-06-01', '1 day', '0.5 seconds') FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, amount, NULL) FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, amount, 'infinity') FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg('infinity'::timestamptz, amount, '2024-06-01') FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_agg(ts, amount, ts) FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_holdout_agg(ts, amount, '2024-06-01', '2024-05-01') FROM bad $$);
SELECT sqlstate_of($$ SELECT clv.rfm_holdout_agg(ts, amount, '2024-06-01', NULL) FROM bad $$);
-- numeric amounts beyond double precision are rejected by the conversion
SELECT left(sqlstate_of($$ SELECT clv.rfm_agg(ts, 1e400::numeric, '2024-06-01') FROM bad $$), 60);

-- An error midway through an aggregate, at the top level of the session:
UPDATE bad SET amount = 'NaN' WHERE amount = 2500;
SELECT clv.rfm_agg(ts, amount, '2024-06-01') FROM bad;
-- the session keeps working and the aggregate left nothing behind
SELECT 1 AS still_working;
UPDATE bad SET amount = 2500 WHERE amount = 'NaN';
SELECT (r).frequency, (r).n_orders, (r).total_amount
FROM (SELECT clv.rfm_agg(ts, amount, '2024-06-01') AS r FROM bad) s;
-- a failed aggregate inside a transaction rolls back cleanly to a savepoint
BEGIN;
SAVEPOINT s;
SELECT clv.rfm_agg(ts, 'Infinity'::float8, '2024-06-01') FROM bad;
ROLLBACK TO SAVEPOINT s;
SELECT (clv.rfm_agg(ts, amount, '2024-06-01')).n_orders FROM bad;
COMMIT;
DROP TABLE bad;
RESET TimeZone;
