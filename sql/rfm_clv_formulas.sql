-- Closed-form CLV formulas and their domain errors.
SELECT clv.simple_clv(50, 4, 3) AS simple,          -- 50 * 4 * 3
       clv.historical_clv(1000, 300, 150) AS historical,  -- 1000 - 300 - 150
       clv.retention_clv(100, 0.8, 0.1) AS retention;    -- 100 * 0.8 / 0.3
-- retention_clv is the discounted sum over the following periods
SELECT abs(clv.retention_clv(100, 0.8, 0.1)
           - (SELECT sum(100 * (0.8 / 1.1) ^ k) FROM generate_series(1, 2000) k)) < 1e-9
       AS matches_series;
-- STRICT: NULL in, NULL out
SELECT clv.simple_clv(NULL, 1, 1) IS NULL AS simple_null, clv.retention_clv(1, NULL, 0) IS NULL AS retention_null;
SELECT sqlstate_of($$ SELECT clv.simple_clv(50, 4, -1) $$);
SELECT sqlstate_of($$ SELECT clv.simple_clv(50, -4, 1) $$);
SELECT sqlstate_of($$ SELECT clv.simple_clv('NaN', 4, 1) $$);
SELECT sqlstate_of($$ SELECT clv.simple_clv(1e300, 1e300, 1e300) $$);
SELECT sqlstate_of($$ SELECT clv.historical_clv('Infinity', 0, 0) $$);
SELECT sqlstate_of($$ SELECT clv.retention_clv(100, 1, 0.1) $$);
SELECT sqlstate_of($$ SELECT clv.retention_clv(100, -0.2, 0.1) $$);
SELECT sqlstate_of($$ SELECT clv.retention_clv(100, 0.5, -1) $$);
SELECT sqlstate_of($$ SELECT clv.retention_clv(100, 0.9, -0.5) $$);
-- an error raised in C++ at the top level, then the session goes on
SELECT clv.simple_clv(1e300, 1e300, 1e300);
SELECT clv.simple_clv(10, 2, 1) AS after_error;
