-- Scoring functions remember results by their exact inputs once a call site
-- has scored a few hundred rows (src/pg/model_args.hpp, ScoreMemo). Results
-- stay those of a direct call: for repeated customers, for models changing
-- from row to row, and for many distinct customers.
CREATE TABLE memo_models AS
SELECT bgnbd AS m1, ROW(0.3, 5.0, 0.8, 2.5, 0, 0, true, 0, NULL, NULL, NULL)::clv.bgnbd AS m2, gg
FROM cdnow_models;

-- Direct calls (one row per call site: no memo).
CREATE TABLE memo_single AS
SELECT 0 AS model, clv.expected_purchases(m1, 2, 30.43, 38.86, 39) AS single FROM memo_models
UNION ALL
SELECT 1, clv.expected_purchases(m2, 2, 30.43, 38.86, 39) FROM memo_models;

-- The paper's customer (x = 2, t_x = 30.43, T = 38.86, next 39 weeks: 1.226
-- under the CDNOW fit), 3,000 times, the model alternating every row.
SELECT model, count(*) AS rows, count(DISTINCT v) AS distinct_values,
       round(min(v)::numeric, 3) AS expected_39_weeks, bool_and(v = single) AS equals_direct_call
FROM (SELECT i % 2 AS model,
             clv.expected_purchases(CASE WHEN i % 2 = 0 THEN m1 ELSE m2 END, 2, 30.43, 38.86, 39) AS v
      FROM generate_series(1, 3000) i, memo_models) s
JOIN memo_single USING (model)
GROUP BY 1 ORDER BY 1;

-- 200 CDNOW customers scored directly (fewer rows than the warm-up), then
-- three times over in one scan (600 rows, the later ones from the memo).
CREATE TABLE memo_direct AS
SELECT customer_id, clv.expected_purchases(m1, frequency, recency, t, 39) AS e,
       clv.predicted_clv(m1, gg, frequency, recency, t, monetary, 52, 0.01, 4) AS c
FROM cdnow_weekly, memo_models
WHERE customer_id <= 200;
SELECT count(*) AS rows, bool_and(s.e = d.e) AS expected_purchases_equal,
       bool_and(abs(s.c - d.c) <= 1e-12 * abs(d.c)) AS predicted_clv_equal
FROM (SELECT customer_id,
             clv.expected_purchases(m1, frequency, recency, t, 39) AS e,
             clv.predicted_clv(m1, gg, frequency, recency, t, monetary, 52, 0.01, 4) AS c
      FROM generate_series(1, 3) r, cdnow_weekly, memo_models
      WHERE customer_id <= 200) s
JOIN memo_direct d USING (customer_id);

-- Expected purchases are P(alive) times an expectation if alive, remembered
-- by (frequency, t) alone; Pareto/NBD also remembers P(alive) by (frequency,
-- recency, t). 4,000 rows: 500 (frequency, t) pairs with 8 recencies each,
-- interleaved, so most rows find their pair remembered with another
-- recency, and the memo grows through several sizes. Every value must equal
-- a direct call: one through a call site of its own (EXECUTE plans anew), so
-- never from a memo.
CREATE TABLE memo_customers AS
SELECT x::float8 AS frequency, CASE WHEN x = 0 THEN 0 ELSE (20 + j) * k / 8.0 END AS recency,
       (20 + j)::float8 AS t, 30 + x AS monetary
FROM generate_series(1, 8) k, generate_series(0, 19) x, generate_series(1, 25) j;
CREATE FUNCTION memo_direct_call(expr text, x float8, t_x float8, t float8, m float8)
RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE v float8;
BEGIN
  EXECUTE 'SELECT ' || expr || ' FROM memo_models, cdnow_models' INTO v USING x, t_x, t, m;
  RETURN v;
END $$;
SELECT model, count(*) AS rows,
       bool_and(p = memo_direct_call(format('clv.p_alive(%s, $1, $2, $3)', model),
                                     frequency, recency, t, monetary)) AS p_alive_equal,
       bool_and(e = memo_direct_call(format('clv.expected_purchases(%s, $1, $2, $3, 39)', model),
                                     frequency, recency, t, monetary)) AS expected_equal,
       bool_and(c = memo_direct_call(
                      format('clv.predicted_clv(%s, memo_models.gg, $1, $2, $3, $4, 52, 0.01, 4)', model),
                      frequency, recency, t, monetary)) AS clv_equal,
       count(DISTINCT e) AS distinct_expected
FROM (SELECT 'm1' AS model, frequency, recency, t, monetary,
             clv.p_alive(m1, frequency, recency, t) AS p,
             clv.expected_purchases(m1, frequency, recency, t, 39) AS e,
             clv.predicted_clv(m1, memo_models.gg, frequency, recency, t, monetary, 52, 0.01, 4) AS c
      FROM memo_customers, memo_models
      UNION ALL
      SELECT 'pareto', frequency, recency, t, monetary,
             clv.p_alive(pareto, frequency, recency, t),
             clv.expected_purchases(pareto, frequency, recency, t, 39),
             clv.predicted_clv(pareto, memo_models.gg, frequency, recency, t, monetary, 52, 0.01, 4)
      FROM memo_customers, memo_models, cdnow_models) s
GROUP BY model ORDER BY model;

-- A remembered (frequency, t) pair does not let a bad recency through.
SELECT count(clv.expected_purchases(m1, frequency, CASE WHEN i = 3000 THEN t + 1 ELSE recency END, t, 39))
FROM (SELECT row_number() OVER () AS i, * FROM memo_customers) c, memo_models;

-- A horizon changing from row to row: each row its own context.
SELECT count(*) AS rows,
       bool_and(e = memo_direct_call(format('clv.expected_purchases(m1, $1, $2, $3, %s)', h),
                                     frequency, recency, t, monetary)) AS expected_equal
FROM (SELECT frequency, recency, t, monetary, 13 + (i % 3) * 13 AS h,
             clv.expected_purchases(m1, frequency, recency, t, 13 + (i % 3) * 13) AS e
      FROM (SELECT row_number() OVER () AS i, * FROM memo_customers) c, memo_models
      WHERE i <= 1200) s;

-- BG/BB remembers each history's score per call site: the donations donors
-- (22 histories, 11,104 rows) score as directly, for every function, with
-- the model, the horizon and the discount rate changing from row to row,
-- and a bad history after many good ones is still an error.
CREATE TABLE memo_bgbb AS
SELECT clv.bgbb_fit(frequency, recency, periods, weights) AS m1,
       ROW(0.9, 1.1, 0.5, 3.0, 0, 0, true, 0, NULL, NULL, NULL)::clv.bgbb AS m2
FROM donations;
CREATE TABLE memo_bgbb_direct AS
SELECT d.frequency, d.recency, d.periods,
       clv.p_alive(m1, d.frequency, d.recency, d.periods) AS p1, clv.p_alive(m2, d.frequency, d.recency, d.periods) AS p2,
       clv.expected_purchases(m1, d.frequency, d.recency, d.periods, 5) AS e5,
       clv.expected_purchases(m1, d.frequency, d.recency, d.periods, 3) AS e3,
       clv.dert(m1, d.frequency, d.recency, d.periods, 0.1) AS d1, clv.prob_purchases(m1, d.frequency, 5) AS q
FROM donations d, memo_bgbb;
SELECT count(*) AS rows,
       bool_and(clv.p_alive(CASE WHEN i % 3 = 0 THEN m2 ELSE m1 END, x, t_x, n) = CASE WHEN i % 3 = 0 THEN p2 ELSE p1 END) AS p_alive_equal,
       bool_and(clv.expected_purchases(m1, x, t_x, n, CASE WHEN i % 2 = 0 THEN 5 ELSE 3 END) = CASE WHEN i % 2 = 0 THEN e5 ELSE e3 END) AS expected_equal,
       bool_and(clv.dert(m1, x, t_x, n, 0.1) = d1) AS dert_equal,
       bool_and(clv.prob_purchases(m1, x, 5) = q) AS prob_equal
FROM (SELECT row_number() OVER () AS i, d.frequency AS x, d.recency AS t_x, d.periods AS n
      FROM donations d, generate_series(1, d.weights)) c
JOIN memo_bgbb_direct b ON (b.frequency, b.recency, b.periods) = (c.x, c.t_x, c.n), memo_bgbb;
SELECT sqlstate_of($$ SELECT count(clv.p_alive(m1, x, CASE WHEN i = 3000 THEN 7 ELSE t_x END, 6))
                      FROM (SELECT row_number() OVER () AS i, d.frequency AS x, d.recency AS t_x
                            FROM donations d, generate_series(1, d.weights)) c, memo_bgbb $$) AS bad_history_after_memo;
DROP TABLE memo_bgbb, memo_bgbb_direct;
