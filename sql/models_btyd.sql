-- Reference values computed by the BTYD R package's own functions (BTYD
-- 2.4.3, cran/BTYD at 5984660, on R 4.2.2 with hypergeo 1.2-13): DERT and
-- the CDNOW tracking curves of its walkthrough and examples, and BG/BB's
-- DERT, conditional expectation and P(alive) at the donations estimates.

-- pnbd.DERT's documented example (params 0.5629966, 12.5590370, 0.4081095,
-- 10.5148048; d = 0.0027 a week; T.cal 77.86): x = 7, t.x = 35 gives
-- 1.8641833281; x = 1, 2, 3 at t.x = 30 give 2.1991554497, 2.8435344061,
-- 2.8671283912.
SELECT x, t_x, round(d::numeric, 8) AS dert, abs(d - btyd) < 1e-9 * btyd AS matches_btyd
FROM (VALUES (7, 35, 1.8641833281), (1, 30, 2.1991554497), (2, 30, 2.8435344061), (3, 30, 2.8671283912)) v(x, t_x, btyd),
     LATERAL (SELECT clv.dert(ROW(0.5629966, 12.5590370, 0.4081095, 10.5148048, 0, 1, true, 1, 0, 0, '{}')::clv.pareto_nbd,
                              x, t_x, 77.86, 0.0027) AS d) s;

-- The walkthrough's tracking curves: expected cumulative repeat transactions
-- of the CDNOW cohort over 78 weeks from each customer's T.cal
-- (pnbd.ExpectedCumulativeTransactions with params 0.55, 10.56, 0.61, 11.64;
-- bgnbd.ExpectedCumulativeTransactions with 0.243, 4.414, 0.793, 2.426),
-- at every 13th week.
SELECT c.period, round(c.cumulative::numeric, 6) AS pareto_nbd,
       abs(c.cumulative - v.pareto) < 1e-9 * v.pareto AS pareto_matches,
       round(b.cumulative::numeric, 6) AS bgnbd, abs(b.cumulative - v.bg) < 1e-9 * v.bg AS bgnbd_matches
FROM (VALUES (13, 708.111273, 723.360354), (26, 1730.746126, 1738.725157), (39, 2513.115090, 2504.989989),
             (52, 3164.337325, 3138.428468), (65, 3730.318085, 3685.690663), (78, 4235.442121, 4171.331324)) v(period, pareto, bg)
JOIN clv.tracking_curve(ROW(0.55, 10.56, 0.61, 11.64, 0, 1, true, 1, 0, 0, '{}')::clv.pareto_nbd,
                        ARRAY(SELECT big_t FROM cdnow_summary), 78, 78) c USING (period)
JOIN clv.tracking_curve(ROW(0.243, 4.414, 0.793, 2.426, 0, 1, true, 1, 0, 0, '{}')::clv.bgnbd,
                        ARRAY(SELECT big_t FROM cdnow_summary), 78, 78) b USING (period)
ORDER BY c.period;

-- BG/BB at the donations estimates (1.204, 0.750, 0.657, 2.783), 6
-- opportunities: bgbb.DERT with d = 0.1, bgbb.ConditionalExpectedTransactions
-- over 5 more, bgbb.PAlive.
SELECT 'dert' AS what, x, t_x, round(value::numeric, 8) AS value, abs(value - btyd) < 1e-9 * btyd AS matches_btyd
FROM (VALUES (0, 0, 0.1146469962), (1, 1, 0.1348551256), (3, 6, 3.4480960099), (6, 6, 5.9086783196), (4, 5, 3.1961674045)) v(x, t_x, btyd),
     LATERAL (SELECT clv.dert(ROW(1.204, 0.750, 0.657, 2.783, 0, 1, true, 1, 0, 0, '{}')::clv.bgbb, x, t_x, 6, 0.1) AS value) s
UNION ALL
SELECT 'expected_purchases', x, t_x, round(value::numeric, 8), abs(value - btyd) < 1e-9 * btyd
FROM (VALUES (0, 0, 0.0728028775), (3, 6, 2.1896021675), (6, 6, 3.7521156076)) v(x, t_x, btyd),
     LATERAL (SELECT clv.expected_purchases(ROW(1.204, 0.750, 0.657, 2.783, 0, 1, true, 1, 0, 0, '{}')::clv.bgbb, x, t_x, 6, 5) AS value) s
UNION ALL
SELECT 'p_alive', x, t_x, round(value::numeric, 8), abs(value - btyd) < 1e-9 * btyd
FROM (VALUES (0, 0, 0.1080165842), (3, 6, 0.9304025424), (2, 3, 0.2987681022)) v(x, t_x, btyd),
     LATERAL (SELECT clv.p_alive(ROW(1.204, 0.750, 0.657, 2.783, 0, 1, true, 1, 0, 0, '{}')::clv.bgbb, x, t_x, 6) AS value) s
ORDER BY 1, 2, 3;
