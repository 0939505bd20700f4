-- Security, in a database of its own: functions and operators planted in
-- public by an unprivileged role before CREATE EXTENSION are never called,
-- neither by the install script nor by the extension's functions; a
-- schema prepared by another role is refused; an ordinary role can use every
-- analytic function.
\set VERBOSITY terse
SELECT current_database() AS regress_db \gset
CREATE DATABASE clv_security;
\c clv_security
\set VERBOSITY terse
CREATE ROLE clv_mallory;
CREATE ROLE clv_analyst;
GRANT CREATE ON SCHEMA public TO clv_mallory;
CREATE SCHEMA clv_analyst AUTHORIZATION clv_analyst;  -- "$user" in the default search path

-- A schema named clv prepared by someone else is refused.
CREATE SCHEMA clv AUTHORIZATION clv_mallory;
CREATE EXTENSION clv_ext;
DROP SCHEMA clv;

-- The traps: every call is logged. Each shadows a pg_catalog function or
-- operator that the extension's SQL uses, with the same or a closer-matching
-- signature, and returns the right answer so that nothing else changes.
SET ROLE clv_mallory;
CREATE TABLE public.trap_log (trap text);
GRANT INSERT ON public.trap_log TO PUBLIC;
CREATE FUNCTION public.trap(name text) RETURNS void LANGUAGE sql AS $$ INSERT INTO public.trap_log VALUES (name) $$;
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('now'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION public.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('clock_timestamp'); RETURN pg_catalog.clock_timestamp(); END $$;
CREATE FUNCTION public.format(text, text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('format'); RETURN pg_catalog.format($1, $2); END $$;
CREATE FUNCTION public.quote_ident(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('quote_ident'); RETURN pg_catalog.quote_ident($1); END $$;
CREATE FUNCTION public.hashtext(text) RETURNS integer LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('hashtext'); RETURN pg_catalog.hashtext($1); END $$;
CREATE FUNCTION public.date_part(text, interval) RETURNS double precision LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('date_part'); RETURN pg_catalog.date_part($1, $2); END $$;
CREATE FUNCTION public.unnest(text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('unnest'); RETURN QUERY SELECT pg_catalog.unnest($1); END $$;
CREATE FUNCTION public.split_part(text, text, integer) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('split_part'); RETURN pg_catalog.split_part($1, $2, $3); END $$;
CREATE FUNCTION public.strpos(text, text) RETURNS integer LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('strpos'); RETURN pg_catalog.strpos($1, $2); END $$;
CREATE FUNCTION public.trap_text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('text ='); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.trap_text_eq);
CREATE FUNCTION public.trap_text_ne(text, text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('text <>'); RETURN $1 OPERATOR(pg_catalog.<>) $2; END $$;
CREATE OPERATOR public.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = public.trap_text_ne);
CREATE FUNCTION public.trap_text_le(text, text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('text <='); RETURN $1 OPERATOR(pg_catalog.<=) $2; END $$;
CREATE OPERATOR public.<= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.trap_text_le);
CREATE FUNCTION public.trap_int_eq(integer, integer) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('int ='); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.trap_int_eq);
CREATE FUNCTION public.trap_bigint_eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('bigint ='); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.trap_bigint_eq);
CREATE FUNCTION public.trap_ts_plus(timestamptz, interval) RETURNS timestamptz LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('timestamptz +'); RETURN $1 OPERATOR(pg_catalog.+) $2; END $$;
CREATE OPERATOR public.+ (LEFTARG = timestamptz, RIGHTARG = interval, FUNCTION = public.trap_ts_plus);
CREATE FUNCTION public.trap_ts_minus(timestamptz, timestamptz) RETURNS interval LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('timestamptz -'); RETURN $1 OPERATOR(pg_catalog.-) $2; END $$;
CREATE OPERATOR public.- (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.trap_ts_minus);
CREATE FUNCTION public.trap_concat(text, text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM public.trap('text ||'); RETURN $1 OPERATOR(pg_catalog.||) $2; END $$;
CREATE OPERATOR public.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = public.trap_concat);
RESET ROLE;

-- The worst search path: the planted schema before pg_catalog.
SET search_path = public, pg_catalog;
CREATE EXTENSION clv_ext;
SELECT count(*) AS trap_calls_during_install FROM public.trap_log;

-- The extension's functions, called by an ordinary role with the default
-- search path: every analytic function works, and no trap fires.
RESET search_path;
CREATE TABLE clv_analyst.analyst_orders (customer_id int, ts timestamptz, amount numeric);
SELECT setseed(0.25);
INSERT INTO clv_analyst.analyst_orders  -- buyers with heterogeneous rates, joining over 200 days
SELECT c.id, '2024-01-01'::timestamptz + (c.birth + random() * (420 - c.birth)) * interval '1 day',
       round((5 + random() * 60)::numeric, 2)
FROM (SELECT id, random() * 200 AS birth, floor(-ln(1 - random()) * 3)::int AS repeats
      FROM generate_series(1, 300) id) c,
     LATERAL generate_series(0, c.repeats) k;
CREATE TABLE clv_analyst.analyst_edges (a text, b text);
INSERT INTO clv_analyst.analyst_edges VALUES ('email:a@x.com', 'device:1'), ('device:1', 'cookie:9'), ('email:b@x.com', 'unknown');
ALTER TABLE clv_analyst.analyst_orders OWNER TO clv_analyst;
ALTER TABLE clv_analyst.analyst_edges OWNER TO clv_analyst;
SET ROLE clv_analyst;
CREATE TABLE analyst_rfm AS
SELECT customer_id, (clv.rfm_agg(ts, amount, '2025-03-01', '7 days')).*,
       clv.trend_agg(ts, amount, '2025-03-01', '30 days') AS trend,
       clv.lateness_agg(ts, '2025-03-01', '7 days') AS lateness
FROM analyst_orders GROUP BY customer_id;
SELECT count(*) AS customers, count(trend) AS trends, count(lateness) AS latenesses FROM analyst_rfm;
SELECT count(*) AS holdout_rows FROM (
  SELECT clv.rfm_holdout_agg(ts, amount, '2024-09-01', '2025-03-01', '7 days') AS h FROM analyst_orders GROUP BY customer_id) s;
CREATE TABLE analyst_models AS
SELECT clv.bgnbd_fit(frequency, recency, t) AS bgnbd, clv.mbgnbd_fit(frequency, recency, t) AS mbgnbd,
       clv.pareto_nbd_fit(frequency, recency, t) AS pareto, clv.gamma_gamma_fit(frequency, monetary) AS gg
FROM analyst_rfm;
SELECT count(*) AS scored
FROM analyst_rfm r, analyst_models m
WHERE clv.p_alive(m.bgnbd, r.frequency, r.recency, r.t) IS NOT NULL
  AND clv.expected_purchases(m.mbgnbd, r.frequency, r.recency, r.t, 10) IS NOT NULL
  AND clv.p_alive(m.pareto, r.frequency, r.recency, r.t) IS NOT NULL
  AND clv.predicted_clv(m.bgnbd, m.gg, r.frequency, r.recency, r.t, r.monetary, 12, 0.01, 4) IS NOT NULL
  AND clv.expected_spend(m.gg, r.frequency, r.monetary) IS NOT NULL
  AND clv.lateness(r.frequency, r.recency, r.t) IS DISTINCT FROM -1;
SELECT clv.expected_purchases_new(bgnbd, 10) > 0 AS new_customer, clv.prob_purchases(bgnbd, 1, 10) > 0 AS prob
FROM analyst_models;
SELECT count(*) > 0 AS grid FROM analyst_models, clv.frequency_recency_grid(bgnbd, 40, 10, 5) g;
SELECT (clv.sbg_fit(p, n)).converged AS sbg_converged
FROM (VALUES (0, 1000::bigint), (1, 631), (2, 468), (3, 382), (4, 326)) v(p, n);
SELECT clv.simple_clv(50, 4, 3) AS simple, clv.historical_clv(100, 20, 10) AS historical,
       round(clv.retention_clv(30, 0.6, 0.1)::numeric, 4) AS retention;
SELECT clv.rfm_segment(clv.rfm_score(5, '{1,2,3,4}'), 3, 4) AS segment,
       clv.churn_risk(0.5, 1.5, 'declining') AS churn_risk;
SELECT count(*) > 0 AS cohorts FROM clv.cohort_retention('SELECT customer_id, ts, amount FROM analyst_orders', '30 days');
SELECT identifier, cluster_size FROM clv.resolve_identities('SELECT a, b FROM analyst_edges', true) ORDER BY identifier;
RESET ROLE;
SELECT trap, count(*) FROM public.trap_log GROUP BY trap ORDER BY trap;

-- The superuser's graph and profile functions, with the planted schema first
-- in the path: the functions pin their own search path or qualify every name.
SET search_path = public, pg_catalog;
SELECT edges_read, merges FROM clv.identity_ingest('SELECT a, b FROM clv_analyst.analyst_edges');
SELECT count(*) AS path_steps FROM clv.identity_path('email:a@x.com', 'cookie:9');
SELECT edges_removed FROM clv.identity_retract('device:1', 'cookie:9');
SELECT clv.create_profile('shop', 'clv_analyst.analyst_orders', 'customer_id', 'ts', 'amount', create_index => false);
-- The synthetic orders' fits end at a limit of the models, with WARNINGs that
-- depend on the day the ages are cut at (the profile's as-of is now()).
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('shop');
RESET client_min_messages;
INSERT INTO clv_analyst.analyst_orders VALUES (1, '2025-02-01', 10);
SELECT mode, customers FROM clv.refresh_profile('shop');
SELECT clv.alter_profile('shop', horizon => 100);
SELECT count(*) AS profiled FROM clv_profiles.shop;
SELECT clv.drop_profile('shop');
RESET search_path;
SELECT trap, count(*) FROM public.trap_log GROUP BY trap ORDER BY trap;

\c :regress_db
DROP DATABASE clv_security;
DROP ROLE clv_mallory;
DROP ROLE clv_analyst;
