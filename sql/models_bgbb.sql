-- BG/BB (Fader, Hardie & Shang 2010) on the donations data (setup.sql,
-- data/donations): the paper's estimates (its table 2: alpha 1.204,
-- beta 0.750, gamma 0.657, delta 2.783 on 11,104 donors), the same fit from
-- expanded rows, from merged partial states and under a parallel plan, the
-- scoring functions against the model's probabilities recomputed here by
-- direct products, hostile input, and a role without grants.
CREATE TABLE bgbb_models AS
SELECT clv.bgbb_fit(frequency, recency, periods, weights) AS m FROM donations;

SELECT round((m).alpha::numeric, 3) AS alpha, round((m).beta::numeric, 3) AS beta,
       round((m).gamma::numeric, 3) AS gamma, round((m).delta::numeric, 3) AS delta,
       (m).n_customers, (m).converged,
       (m).aic = 8 - 2 * (m).log_likelihood AS aic_ok,
       abs((m).bic - (4 * ln((m).n_customers) - 2 * (m).log_likelihood)) < 1e-9 AS bic_ok
FROM bgbb_models;

-- E[u^k (1-u)^j] for u ~ Beta(p, q) as a product of ratios, no gamma function.
CREATE FUNCTION beta_moment(p float8, q float8, k int, j int) RETURNS float8
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE r float8 := 1;
BEGIN
  FOR i IN 0 .. k - 1 LOOP r := r * (p + i) / (p + q + i); END LOOP;
  FOR i IN 0 .. j - 1 LOOP r := r * (q + i) / (p + k + q + i); END LOOP;
  RETURN r;
END $$;
-- The likelihood of one history (FHS 2010 eq. 5) by those products.
CREATE FUNCTION bgbb_l(m clv.bgbb, x int, t_x int, n int) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT beta_moment(m.alpha, m.beta, x, n - x) * beta_moment(m.gamma, m.delta, 0, n)
         + coalesce((SELECT sum(beta_moment(m.alpha, m.beta, x, t_x - x + i)
                                * beta_moment(m.gamma, m.delta, 1, t_x + i))
                     FROM generate_series(0, n - t_x - 1) i), 0)
$$;

-- The fitted log-likelihood is the data's under the fitted parameters.
SELECT abs((m).log_likelihood - (SELECT sum(weights * ln(bgbb_l(m, frequency, recency, periods)))
                                 FROM donations)) < 1e-6 AS log_likelihood_ok
FROM bgbb_models;

-- The same donors one row each: the same state, so the same fit.
SELECT clv.bgbb_fit(frequency, recency, periods) = (SELECT m FROM bgbb_models) AS expanded_equal
FROM donations, generate_series(1, weights);

-- Partial states of any split, merged: bit-identical to one pass.
SELECT clv.bgbb_fit_merge(s) = (SELECT m FROM bgbb_models) AS merged_equal
FROM (SELECT clv.bgbb_fit_state(frequency, recency, periods, weights) AS s
      FROM donations GROUP BY recency % 3) parts;
SELECT clv.bgbb_fit_merge(s) = (SELECT m FROM bgbb_models) AS merged_unweighted_equal
FROM (SELECT clv.bgbb_fit_state(frequency, recency, periods) AS s
      FROM donations, generate_series(1, weights) g GROUP BY g % 5) parts;
-- A state survives its text form.
SELECT clv.bgbb_fit_merge(s::text::clv.discrete_fit_state) = (SELECT m FROM bgbb_models) AS text_round_trip
FROM (SELECT clv.bgbb_fit_state(frequency, recency, periods, weights) AS s FROM donations) one;

-- A forced parallel plan equals the serial fit.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
CREATE TABLE donations_expanded AS
SELECT frequency, recency, periods FROM donations, generate_series(1, weights);
ANALYZE donations_expanded;
EXPLAIN (COSTS OFF) SELECT clv.bgbb_fit(frequency, recency, periods) FROM donations_expanded;
SELECT clv.bgbb_fit(frequency, recency, periods) = (SELECT m FROM bgbb_models) AS parallel_equals_serial
FROM donations_expanded;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
DROP TABLE donations_expanded;

-- Scoring against the model's probabilities by direct products:
-- P(alive at n+1) = E[p^x (1-p)^(n-x)] E[(1-theta)^(n+1)] / L (eq. 11),
-- E[transactions in n+1 .. n+n*] = sum_j E[p^(x+1) (1-p)^(n-x)] E[(1-theta)^(n+j)] / L (eq. 13),
-- P(X(n) = x) = C(n,x) E[p^x (1-p)^(n-x)] E[(1-theta)^n]
--             + sum_{i=x}^{n-1} C(i,x) E[p^x (1-p)^(i-x)] E[theta (1-theta)^i] (eq. 8).
SELECT x, t_x, n,
       round(clv.p_alive(m, x, t_x, n)::numeric, 6) AS p_alive,
       abs(clv.p_alive(m, x, t_x, n)
           - beta_moment((m).alpha, (m).beta, x, n - x) * beta_moment((m).gamma, (m).delta, 0, n + 1)
             / bgbb_l(m, x, t_x, n)) < 1e-13 AS p_alive_ok,
       round(clv.expected_purchases(m, x, t_x, n, 5)::numeric, 6) AS expected_5,
       abs(clv.expected_purchases(m, x, t_x, n, 5)
           - (SELECT sum(beta_moment((m).alpha, (m).beta, x + 1, n - x) * beta_moment((m).gamma, (m).delta, 0, n + j))
              FROM generate_series(1, 5) j) / bgbb_l(m, x, t_x, n)) < 1e-12 AS expected_ok
FROM bgbb_models,
     (VALUES (0, 0, 6), (1, 1, 6), (1, 6, 6), (3, 5, 6), (6, 6, 6), (2, 10, 20)) v(x, t_x, n)
ORDER BY 1, 2, 3;

SELECT k, round(clv.prob_purchases(m, k, 6)::numeric, 6) AS prob,
       abs(clv.prob_purchases(m, k, 6)
           - ((SELECT coalesce(exp(sum(ln(6 - i) - ln(i + 1))), 1) FROM generate_series(0, k - 1) i)
              * beta_moment((m).alpha, (m).beta, k, 6 - k) * beta_moment((m).gamma, (m).delta, 0, 6)
              + coalesce((SELECT sum((SELECT coalesce(exp(sum(ln(i - r) - ln(r + 1))), 1) FROM generate_series(0, k - 1) r)
                                     * beta_moment((m).alpha, (m).beta, k, i - k) * beta_moment((m).gamma, (m).delta, 1, i))
                          FROM generate_series(k, 5) i), 0))) < 1e-13 AS prob_ok
FROM bgbb_models, generate_series(0, 6) k
ORDER BY k;
SELECT abs(sum(clv.prob_purchases(m, k, 6)) - 1) < 1e-13 AS prob_sums_to_one
FROM bgbb_models, generate_series(0, 6) k GROUP BY m;
SELECT clv.prob_purchases(m, 7, 6) AS more_than_n FROM bgbb_models;

-- DERT against a truncated direct sum of each future opportunity's
-- discounted expected transactions (1,000 opportunities: 1.1^-1000 < 1e-41).
SELECT x, t_x, n, d, round(clv.dert(m, x, t_x, n, d)::numeric, 6) AS dert,
       abs(clv.dert(m, x, t_x, n, d)
           - (SELECT sum(beta_moment((m).alpha, (m).beta, x + 1, n - x) * beta_moment((m).gamma, (m).delta, 0, n + j)
                         / (1 + d) ^ j)
              FROM generate_series(1, 1000) j) / bgbb_l(m, x, t_x, n)) < 1e-12 AS dert_ok
FROM bgbb_models,
     (VALUES (0, 0, 6), (3, 5, 6), (6, 6, 6)) v(x, t_x, n), (VALUES (0.1::float8), (0.5)) r(d)
ORDER BY 1, 2, 3, 4;
SELECT sqlstate_of($$SELECT clv.dert(m, 1, 1, 6, 0) FROM bgbb_models$$) AS dert_zero_rate;
SELECT sqlstate_of($$SELECT clv.dert(m, 1, 1, 6, 'NaN') FROM bgbb_models$$) AS dert_nan_rate;
SELECT sqlstate_of($$SELECT clv.dert(m, 1, 1, 6, 'Infinity') FROM bgbb_models$$) AS dert_infinite_rate;
SELECT sqlstate_of($$SELECT clv.dert(m, 1, 1, 6, 1e-12) FROM bgbb_models$$) AS dert_tiny_rate;
SELECT sqlstate_of($$SELECT clv.dert(m, 7, 7, 6, 0.1) FROM bgbb_models$$) AS dert_bad_history;

-- gamma at 1, where eq. 13's delta / (gamma - 1) is a 0/0 limit.
SELECT abs(clv.expected_purchases(ROW(1.2, 0.75, 1 + 1e-9, 2.8, 0, 0, true, 0, 0, 0, NULL)::clv.bgbb, 3, 5, 6, 10)
           - (SELECT sum(beta_moment(1.2, 0.75, 4, 3) * beta_moment(1 + 1e-9, 2.8, 0, 6 + j)) FROM generate_series(1, 10) j)
             / bgbb_l(ROW(1.2, 0.75, 1 + 1e-9, 2.8, 0, 0, true, 0, 0, 0, NULL)::clv.bgbb, 3, 5, 6)) < 1e-12 AS gamma_near_one_ok;

-- Empty and all-NULL input: NULL. NULL rows are skipped.
SELECT clv.bgbb_fit(frequency, recency, periods) IS NULL AS empty_is_null FROM donations WHERE false;
SELECT clv.bgbb_fit(NULL::int, 1, 6) IS NULL AS all_null_is_null;
SELECT clv.bgbb_fit(frequency, recency, periods, weights) = (SELECT m FROM bgbb_models) AS nulls_skipped
FROM (SELECT * FROM donations UNION ALL VALUES (NULL, 1, 6, 5), (1, NULL, 6, 5), (1, 1, NULL, 5), (1, 1, 6, NULL)) d;

-- Hostile input: clean errors (22023), never a crash or a long loop.
SELECT sqlstate_of($$SELECT clv.bgbb_fit(x, t_x, n) FROM (VALUES (7, 7, 6), (0, 0, 6)) v(x, t_x, n)$$) AS x_above_n;
SELECT sqlstate_of($$SELECT clv.bgbb_fit(x, t_x, n) FROM (VALUES (3, 2, 6), (0, 0, 6)) v(x, t_x, n)$$) AS t_x_below_x;
SELECT sqlstate_of($$SELECT clv.bgbb_fit(x, t_x, n) FROM (VALUES (0, 2, 6)) v(x, t_x, n)$$) AS t_x_without_x;
SELECT sqlstate_of($$SELECT clv.bgbb_fit(x, t_x, n) FROM (VALUES (-1, 0, 6)) v(x, t_x, n)$$) AS negative_x;
SELECT sqlstate_of($$SELECT clv.bgbb_fit(x, t_x, n) FROM (VALUES (0, 0, 0)) v(x, t_x, n)$$) AS no_opportunities;
SELECT sqlstate_of($$SELECT clv.bgbb_fit(1, 1, 6, -3)$$) AS negative_weight;
SELECT sqlstate_of($$SELECT clv.bgbb_fit(1, 1, 6, 0)$$) AS zero_weight;
SELECT sqlstate_of($$SELECT clv.bgbb_fit(1, 1, 2147483647)$$) AS huge_n;
SELECT sqlstate_of($$SELECT clv.bgbb_fit(x, t_x, n, w) FROM (VALUES (0, 0, 6, 100::bigint)) v(x, t_x, n, w)$$) AS no_repeat_buyers;
SELECT sqlstate_of($$SELECT clv.bgbb_fit(1, 1, 6, 9223372036854775807) FROM generate_series(1, 2)$$) AS weight_overflow;
SELECT sqlstate_of($$SELECT clv.bgbb_fit_merge('\x00'::clv.discrete_fit_state)$$) AS corrupt_state;
SELECT sqlstate_of($$SELECT clv.p_alive(m, 1, 1, 2147483647) FROM bgbb_models$$) AS p_alive_huge_n;
SELECT sqlstate_of($$SELECT clv.p_alive(m, 5, 3, 6) FROM bgbb_models$$) AS p_alive_t_x_below_x;
SELECT sqlstate_of($$SELECT clv.expected_purchases(m, 1, 1, 6, -1) FROM bgbb_models$$) AS negative_future;
SELECT clv.expected_purchases(m, 1, 1, 6, 2147483647) BETWEEN clv.expected_purchases(m, 1, 1, 6, 1000000) AND 2147483647 AS huge_future FROM bgbb_models;
SELECT sqlstate_of($$SELECT clv.prob_purchases(m, 1, 2147483647) FROM bgbb_models$$) AS prob_huge_n;
SELECT sqlstate_of($$SELECT clv.prob_purchases(m, -1, 6) FROM bgbb_models$$) AS prob_negative;
SELECT sqlstate_of($$SELECT clv.p_alive(ROW('NaN', 1, 1, 1, 0, 0, true, 0, 0, 0, NULL)::clv.bgbb, 1, 1, 6)$$) AS nan_param;
SELECT sqlstate_of($$SELECT clv.p_alive(ROW(1, 'Infinity', 1, 1, 0, 0, true, 0, 0, 0, NULL)::clv.bgbb, 1, 1, 6)$$) AS infinite_param;
SELECT sqlstate_of($$SELECT clv.expected_purchases(ROW(1, 1, 1, -2, 0, 0, true, 0, 0, 0, NULL)::clv.bgbb, 1, 1, 6, 3)$$) AS negative_param;
SELECT clv.p_alive(m, NULL, 1, 6) IS NULL AS strict FROM bgbb_models;
-- The largest n computes.
SELECT clv.p_alive(m, 3, 10, 100000) BETWEEN 0 AND 1 AS longest_history FROM bgbb_models;

-- A role without any grant fits and scores.
CREATE ROLE bgbb_nobody;
SET ROLE bgbb_nobody;
SELECT round((m).alpha::numeric, 3) AS alpha, round(clv.p_alive(m, 3, 5, 6)::numeric, 6) AS p_alive,
       round(clv.expected_purchases(m, 3, 5, 6, 5)::numeric, 6) AS expected_5,
       round(clv.prob_purchases(m, 2, 6)::numeric, 6) AS prob_2,
       round(clv.dert(m, 3, 5, 6, 0.1)::numeric, 6) AS dert_10
FROM (SELECT clv.bgbb_fit(x, t_x, n, w) AS m
      FROM (VALUES (0, 0, 6, 3464::bigint), (1, 1, 6, 1091), (1, 2, 6, 277), (1, 3, 6, 129), (1, 4, 6, 78),
                   (1, 5, 6, 119), (1, 6, 6, 129), (2, 2, 6, 613), (2, 3, 6, 255), (2, 4, 6, 155), (2, 5, 6, 173),
                   (2, 6, 6, 234), (3, 3, 6, 322), (3, 4, 6, 181), (3, 5, 6, 225), (3, 6, 6, 357), (4, 4, 6, 240),
                   (4, 5, 6, 284), (4, 6, 6, 512), (5, 5, 6, 335), (5, 6, 6, 728), (6, 6, 6, 1203)) v(x, t_x, n, w)) s;
RESET ROLE;
DROP ROLE bgbb_nobody;

DROP FUNCTION bgbb_l(clv.bgbb, int, int, int);
DROP FUNCTION beta_moment(float8, float8, int, int);
DROP TABLE bgbb_models;
