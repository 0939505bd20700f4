-- Scoring functions remember results by their exact inputs once a call site
-- has scored a few hundred rows (src/pg/model_args.hpp, ScoreMemo). Results
-- stay those of a direct call: for repeated customers, for models changing
-- from row to row, and for many distinct customers.
CREATE TABLE memo_models AS
SELECT bgnbd AS m1, ROW(0.3, 5.0, 0.8, 2.5, 0, 0, true, 0)::clv.bgnbd AS m2, gg
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
