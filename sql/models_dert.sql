-- Pareto/NBD DERT (Fader, Hardie & Lee 2005) against a midpoint sum of the
-- discounted purchase rate computed here, residual CLV as DERT x expected
-- spend x margin, hostile input, and a role without grants.
CREATE TABLE dert_models AS
SELECT clv.pareto_nbd_fit(frequency, recency, t) AS p, clv.gamma_gamma_fit(frequency, monetary) AS gg
FROM cdnow_weekly;
-- integral over t > 0 of exp(-d t) ((beta+T) / (beta+T+t))^s, by the midpoint
-- rule on t = u / (1 - u) with 200,000 points by default (terms below e^-700
-- as e^-700).
CREATE FUNCTION survival_integral(s float8, b float8, d float8, points int DEFAULT 200000) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT sum(exp(greatest(-d * (u / (1 - u)) + s * ln(b / (b + u / (1 - u))), -700)) / ((1 - u) * (1 - u))) / points
  FROM (SELECT (i - 0.5) / points AS u FROM generate_series(1, points) i) g
$$;
SELECT x, t_x, t, d,
       abs(clv.dert(m.p, x, t_x, t, d)
           / (clv.p_alive(m.p, x, t_x, t) * ((m.p).r + x) / ((m.p).alpha + t) * survival_integral((m.p).s, (m.p).beta + t, d))
           - 1) < 1e-6 AS matches
FROM dert_models m, (VALUES (0, 0, 38.0, 0.0027), (2, 30.4, 38.9, 0.0027), (7, 35, 77.86, 0.02), (20, 38, 39, 0.5)) v(x, t_x, t, d);
-- Discounting lowers it; a higher rate lowers it more.
SELECT clv.dert(p, 2, 30, 39, 0.001) > clv.dert(p, 2, 30, 39, 0.01) AND clv.dert(p, 2, 30, 39, 0.01) > clv.dert(p, 2, 30, 39, 0.1)
       AS decreasing
FROM dert_models;
-- Residual CLV: DERT x expected spend x margin.
SELECT abs(clv.residual_clv(p, gg, 2, 30, 39, 40, 0.0027, 0.3)
           - clv.dert(p, 2, 30, 39, 0.0027) * clv.expected_spend(gg, 2, 40) * 0.3) < 1e-12 AS residual_ok,
       abs(clv.residual_clv(p, gg, 2, 30, 39, 40, 0.0027) - clv.dert(p, 2, 30, 39, 0.0027) * clv.expected_spend(gg, 2, 40)) < 1e-12
         AS default_margin_ok
FROM dert_models;
SELECT abs(clv.residual_clv(b, gg, 3, 5, 6, 40, 0.1) - clv.dert(b, 3, 5, 6, 0.1) * clv.expected_spend(gg, 3, 40)) < 1e-12
         AS bgbb_residual_ok
FROM dert_models, (SELECT clv.bgbb_fit(frequency, recency, periods, weights) AS b FROM donations) f;
-- Scored over every CDNOW customer (the call site's memos warm after 256
-- rows), every 100th row against the midpoint sum (20,000 points).
WITH scored AS MATERIALIZED (
  SELECT row_number() OVER () AS i, w.frequency, w.recency, w.t, clv.dert(m.p, w.frequency, w.recency, w.t, 0.0027) AS dert
  FROM cdnow_weekly w, dert_models m)
SELECT count(*) AS checked,
       bool_and(abs(s.dert / (clv.p_alive(m.p, s.frequency, s.recency, s.t) * ((m.p).r + s.frequency) / ((m.p).alpha + s.t)
                              * survival_integral((m.p).s, (m.p).beta + s.t, 0.0027, 20000)) - 1) < 1e-5) AS memo_matches
FROM scored s, dert_models m WHERE s.i % 100 = 0;

-- Hostile input.
SELECT sqlstate_of($$ SELECT clv.dert(p, 2, 30, 39, 0) FROM dert_models $$) AS zero_rate;
SELECT sqlstate_of($$ SELECT clv.dert(p, 2, 30, 39, -0.1) FROM dert_models $$) AS negative_rate;
SELECT sqlstate_of($$ SELECT clv.dert(p, 2, 30, 39, 'NaN') FROM dert_models $$) AS nan_rate;
SELECT sqlstate_of($$ SELECT clv.dert(p, 2, 30, 39, 'Infinity') FROM dert_models $$) AS infinite_rate;
SELECT sqlstate_of($$ SELECT clv.dert(p, 2, 30, 39, 1e-9) FROM dert_models $$) AS tiny_rate;
SELECT clv.dert(p, 2, 30, 39, 1e300) >= 0 AS huge_rate FROM dert_models;
SELECT sqlstate_of($$ SELECT clv.dert(p, 2, 40, 39, 0.1) FROM dert_models $$) AS recency_beyond_t;
SELECT sqlstate_of($$ SELECT clv.dert(p, 1e308, 1, 1e308, 0.1) FROM dert_models $$) AS huge_history;
SELECT sqlstate_of($$ SELECT clv.dert(ROW(1, 1, 'NaN', 1, 0, 0, true, 0, 0, 0, NULL)::clv.pareto_nbd, 1, 1, 2, 0.1) $$) AS nan_model;
SELECT clv.dert(p, NULL, 30, 39, 0.1) IS NULL AS strict, clv.residual_clv(p, gg, 2, 30, 39, 40, NULL) IS NULL AS residual_strict
FROM dert_models;

-- A role without any grant.
CREATE ROLE dert_nobody;
SET ROLE dert_nobody;
SELECT round(clv.dert(ROW(0.553, 10.578, 0.606, 11.669, 0, 0, true, 0, 0, 0, NULL)::clv.pareto_nbd, 2, 30, 39, 0.0027)::numeric, 6) AS dert,
       round(clv.residual_clv(ROW(0.553, 10.578, 0.606, 11.669, 0, 0, true, 0, 0, 0, NULL)::clv.pareto_nbd,
                              ROW(6.25, 3.74, 15.44, 0, 0, true, 0, 0, 0, NULL)::clv.gamma_gamma, 2, 30, 39, 40, 0.0027, 0.3)::numeric, 6)
         AS residual_clv;
RESET ROLE;
DROP ROLE dert_nobody;

DROP FUNCTION survival_integral(float8, float8, float8, int);
DROP TABLE dert_models;
