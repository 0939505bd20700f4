-- Hostile co-tenants, in a database of their own: each attack found on
-- 0.2.0 is tried by an ordinary role and refused, and each documented recipe
-- (owner, BI reader, ETL/ingest role) works with exactly the documented
-- grants. Roles: alice and bob own profiles, mallory has no grants at all,
-- bi reads alice's profile, etl ingests identities.
\set VERBOSITY terse
SELECT current_database() AS regress_db \gset
CREATE DATABASE clv_hostile;
\c clv_hostile
\set VERBOSITY terse
CREATE EXTENSION clv_ext;
CREATE ROLE clv_alice;
CREATE ROLE clv_bob;
CREATE ROLE clv_mallory;
CREATE ROLE clv_bi;
CREATE ROLE clv_etl;
CREATE FUNCTION sqlstate_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- The owner recipe: CREATE on the profile schema, a source of one's own.
GRANT CREATE ON SCHEMA clv_profiles TO clv_alice, clv_bob;
CREATE SCHEMA alice AUTHORIZATION clv_alice;
CREATE SCHEMA bob AUTHORIZATION clv_bob;
CREATE TABLE alice.orders (customer_id int, ts timestamptz, amount numeric);
INSERT INTO alice.orders
SELECT c, now() - (c % 97 + k * 40) * interval '1 day', 10 + (c * k) % 50
FROM generate_series(1, 200) c, generate_series(0, c % 5) k;
ALTER TABLE alice.orders OWNER TO clv_alice;
CREATE TABLE bob.orders (customer_id int, ts timestamptz, amount numeric);
INSERT INTO bob.orders SELECT customer_id + 1000, ts, amount FROM alice.orders;
ALTER TABLE bob.orders OWNER TO clv_bob;

SET ROLE clv_alice;
SELECT clv.create_profile('shop', 'alice.orders', 'customer_id', 'ts', 'amount');
SET client_min_messages = error;  -- (whether the spend model converges is beside the point)
SELECT mode, customers FROM clv.refresh_profile('shop');
RESET client_min_messages;
RESET ROLE;
SET ROLE clv_bob;
-- names are unique per owner: bob's own "shop" in his own schema
GRANT CREATE ON SCHEMA bob TO clv_bob;
SELECT clv.create_profile('shop', 'bob.orders', 'customer_id', 'ts', 'amount', target_schema => 'bob');
RESET ROLE;
SELECT name, owner, target_schema FROM clv.profiles ORDER BY owner::text;

-- 1. No role escalates through the identity-graph trigger function: it is
-- not executable by PUBLIC, and refuses any table but the graph's.
SET ROLE clv_mallory;
CREATE TYPE pg_temp.t AS (v text);
CREATE FUNCTION pg_temp.f(pg_temp.t) RETURNS text LANGUAGE sql AS $$ ALTER ROLE clv_mallory SUPERUSER; SELECT 'x' $$;
CREATE CAST (pg_temp.t AS text) WITH FUNCTION pg_temp.f(pg_temp.t);
CREATE TEMP TABLE e(identifier pg_temp.t);
SELECT sqlstate_of($$CREATE TRIGGER e AFTER INSERT ON pg_temp.e REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION clv.profile_capture_identities()$$);
RESET ROLE;
-- even where a superuser attached it, it refuses the table
CREATE TEMP TABLE su_e (identifier text);
CREATE TRIGGER e AFTER INSERT ON pg_temp.su_e REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION clv.profile_capture_identities();
SELECT sqlstate_of($$INSERT INTO pg_temp.su_e VALUES ('cluster:pwn')$$);
SELECT rolsuper FROM pg_roles WHERE rolname = 'clv_mallory';

-- The source capture trigger on mallory's own table, naming alice's
-- profile: refused on every call, nothing reaches alice's change log.
CREATE TABLE public.mallory_t (customer_id int);
ALTER TABLE public.mallory_t OWNER TO clv_mallory;
SELECT id AS alice_id FROM clv.profiles WHERE owner = 'clv_alice'::regrole \gset
SET ROLE clv_mallory;
SELECT format('CREATE TRIGGER m AFTER INSERT ON public.mallory_t REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION clv.profile_capture(%s, %L)', :alice_id, 'customer_id') \gexec
SELECT sqlstate_of($$INSERT INTO public.mallory_t VALUES (1)$$);
SELECT sqlstate_of($$INSERT INTO public.mallory_t VALUES (2)$$);
RESET ROLE;
SELECT count(*) AS alice_pending FROM clv.profile_changes;

-- 2. No query text crashes the backend: utility and data-modifying
-- statements are refused before they are planned further (42P11).
SET ROLE clv_mallory;
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SHOW search_path')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('EXPLAIN SELECT 1')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('EXECUTE p1')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SHOW search_path', true)$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('EXPLAIN SELECT 1', false)$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SELECT relname::text, relname::text INTO pg_temp.x FROM pg_class')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('WITH d AS (DELETE FROM public.mallory_t RETURNING 1) SELECT ''a''::text, ''b''::text')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('DELETE FROM public.mallory_t RETURNING ''a''::text, ''b''::text')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SELECT ''a''::text, ''b''::text FROM public.mallory_t FOR UPDATE')$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_edges_from('SHOW search_path')$$);
SELECT count(*) AS mallory_rows FROM public.mallory_t;
RESET ROLE;
SELECT sqlstate_of($$SELECT * FROM clv.identity_ingest('SHOW search_path')$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_ingest('EXPLAIN SELECT 1')$$);
SELECT 1 AS still_connected;

-- 3. Profile state changes only through the API: no role writes the
-- registry or draws its ids, settings are bounded, the backoff is clamped.
SET ROLE clv_mallory;
SELECT sqlstate_of($$INSERT INTO clv.profiles (name, owner, source, customer_column, ts_column, amount_column, unit, model, horizon,
  discount_rate, discount_steps, margin, trend_period, refresh_interval, refit_interval, resolve_identity, target_schema, enabled)
  VALUES ('m', current_user::regrole, 'pg_class', 'relname', 'relname', 'relname', '1 day', 'bgnbd', 1, 0, 1, 1,
          '1 day', '100000000 years', '1 day', true, 'pg_temp', false)$$);
SELECT sqlstate_of($$UPDATE clv.profiles SET failures = 12, next_run = '-infinity'$$);
SELECT sqlstate_of($$DELETE FROM clv.profiles$$);
SELECT sqlstate_of($$SELECT nextval('clv.profile_id_seq')$$);
-- the internal functions that write the registry are not executable
SELECT sqlstate_of(format($$SELECT clv.profile_record_failure_privileged('clv_mallory', %s, 'x')$$, :alice_id));
SELECT sqlstate_of(format($$SELECT clv.profile_unregister_privileged('clv_mallory', %s)$$, :alice_id));
-- and their public shims act only for the profile's owner
SELECT sqlstate_of(format($$SELECT clv.profile_record_failure(%s, 'x')$$, :alice_id));
SELECT sqlstate_of(format($$SELECT clv.profile_unregister(%s)$$, :alice_id));
SELECT sqlstate_of(format($$SELECT clv.profile_update(%s, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false)$$, :alice_id));
SELECT sqlstate_of($$SELECT clv.alter_profile('shop', enabled => false)$$);
SELECT sqlstate_of($$SELECT clv.drop_profile('shop')$$);
SELECT sqlstate_of($$SELECT clv.refresh_profile('shop')$$);
RESET ROLE;
SET ROLE clv_alice;
SELECT sqlstate_of($$SELECT clv.alter_profile('shop', refresh_interval => '2000000000 days')$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('shop', refresh_interval => '367 days')$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('shop', refit_interval => '100 years')$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('shop', horizon => 1e300)$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('shop', horizon => 'NaN')$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('shop', unit => '1000 years')$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('shop', trend_period => '1000 years')$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('shop', discount_steps => 2000000000)$$);
SELECT clv.alter_profile('shop', refresh_interval => '366 days');
-- twenty failures in a row: the backoff stays at most an hour
SELECT count(clv.profile_record_failure(:alice_id, 'test failure')) FROM generate_series(1, 20);
SELECT failures, next_run <= clock_timestamp() + interval '1 hour' AS at_most_an_hour, last_error
FROM clv.profile_status WHERE profile = 'shop';
SELECT clv.alter_profile('shop', refresh_interval => '10 seconds');
RESET ROLE;

-- 6. The BI recipe: SELECT on the profile's view and summary is enough to
-- read exactly the owner's figures.
SET ROLE clv_alice;
GRANT SELECT ON clv_profiles.shop, clv_profiles.shop_summary TO clv_bi;
CREATE TEMP TABLE alice_view AS SELECT * FROM clv_profiles.shop;
CREATE TEMP TABLE alice_summary AS SELECT * FROM clv_profiles.shop_summary;
GRANT SELECT ON alice_view, alice_summary TO clv_bi;
SELECT count(*) AS customers, count(p_alive) AS scored, count(rfm_segment) AS segmented,
       count(clv_decile) AS deciles FROM clv_profiles.shop;
RESET ROLE;
SET ROLE clv_bi;
SELECT count(*) AS customers, count(p_alive) AS scored, count(predicted_clv) AS valued,
       count(rfm_segment) AS segmented, count(clv_decile) AS deciles FROM clv_profiles.shop;
-- (t and what depends on it move with the clock: compared to the microsecond)
SELECT count(*) AS differing FROM clv_profiles.shop v JOIN alice_view a USING (customer_id)
WHERE (v.orders, v.frequency, v.recency, v.monetary, v.total_spend, v.rfm_segment, v.clv_decile, v.churn_risk)
      IS DISTINCT FROM (a.orders, a.frequency, a.recency, a.monetary, a.total_spend, a.rfm_segment, a.clv_decile, a.churn_risk)
   OR abs(v.p_alive - a.p_alive) > 1e-6 OR abs(v.predicted_clv - a.predicted_clv) > 1e-3 * (1 + abs(a.predicted_clv));
SELECT count(*) AS differing FROM clv_profiles.shop_summary s JOIN alice_summary a USING (rfm_segment)
WHERE s.customers <> a.customers OR s.total_spend <> a.total_spend;
-- 7. The status view shows a role only what it may see: bi sees the profile
-- whose view it may read, mallory sees nothing.
SELECT profile, owner FROM clv.profile_status;
SELECT count(*) AS model_rows_visible FROM clv.profile_models;
RESET ROLE;
SET ROLE clv_mallory;
SELECT count(*) AS visible_profiles FROM clv.profile_status;
SELECT count(*) AS visible_rows FROM clv.profiles;
SELECT sqlstate_of($$SELECT * FROM clv_profiles.shop$$);
RESET ROLE;
SET ROLE clv_bob;
SELECT profile, owner FROM clv.profile_status;
RESET ROLE;

-- 8. A profile over a source the owner does not own, with the documented
-- grants (SELECT and TRIGGER on it, CREATE on the target schema): created,
-- with a NOTICE that names the index its owner should create.
CREATE TABLE public.shared_orders (customer_id int, ts timestamptz, amount numeric);
INSERT INTO public.shared_orders SELECT * FROM alice.orders;
GRANT SELECT, TRIGGER ON public.shared_orders TO clv_bob;
SET ROLE clv_bob;
SELECT clv.create_profile('shared', 'public.shared_orders', 'customer_id', 'ts', 'amount');
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('shared');
RESET client_min_messages;
RESET ROLE;
-- writers of the source need no rights on clv's tables
INSERT INTO public.shared_orders VALUES (5000, now(), 5);
SELECT pending_changes FROM clv.profile_status WHERE profile = 'shared';

-- 9. A profile that resolves identities needs the right to read the graph.
SET ROLE clv_bob;
SELECT sqlstate_of($$SELECT clv.create_profile('people', 'bob.orders', 'customer_id', 'ts', 'amount', resolve_identity => true, target_schema => 'bob')$$);
ALTER TABLE bob.orders ADD COLUMN person text;
SELECT sqlstate_of($$SELECT clv.create_profile('people', 'bob.orders', 'person', 'ts', 'amount', resolve_identity => true, target_schema => 'bob')$$);
RESET ROLE;

-- A dropped source: the refresh says so (no OID spliced into SQL), and the
-- profile is disabled.
DROP TABLE public.shared_orders;
SELECT enabled, last_error FROM clv.profile_status WHERE profile = 'shared';
SET ROLE clv_bob;
SELECT sqlstate_of($$SELECT clv.refresh_profile('shared')$$);
SELECT clv.drop_profile('shared');
RESET ROLE;

-- DROP OWNED BY removes the owner's profiles from the registry.
SELECT count(*) AS bob_profiles FROM clv.profiles WHERE owner = 'clv_bob'::regrole;
DROP OWNED BY clv_bob;
SELECT count(*) AS bob_profiles FROM clv.profiles WHERE owner = 'clv_bob'::regrole;
SELECT count(*) AS orphan_changes FROM clv.profile_changes c
WHERE NOT EXISTS (SELECT FROM clv.profiles p WHERE p.id = c.profile_id);

-- The identity graph: only roles granted the ingest write it, and they
-- write it only through the guard rules. mallory has no grant.
SET ROLE clv_mallory;
SELECT sqlstate_of($$SELECT * FROM clv.identity_ingest($q$VALUES ('email:m@x.com', 'device:m')$q$)$$);
SELECT sqlstate_of($$SELECT clv.identity_ingest_prepare()$$);
SELECT sqlstate_of($$SELECT clv.identity_ingest_apply()$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_ingest_in($q$VALUES ('email:m@x.com', 'device:m')$q$, 'public')$$);
SELECT sqlstate_of($$INSERT INTO clv.identity_nodes (identifier, cluster_id, first_seen, last_seen) VALUES ('email:m@x.com', 1, now(), now())$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_retract('a', 'b')$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_retract_source('feed')$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_retract_identifier('email:a@x.com')$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_resplit('{1}', 'x')$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_decide('SELECT 1', 'SELECT 1', 'SELECT 1')$$);
SELECT sqlstate_of($$SELECT clv.identity_ingest_step('applied')$$);
SELECT sqlstate_of($$SELECT clv.identity_write_check('x')$$);
SELECT sqlstate_of($$SELECT nextval('clv.identity_cluster_seq')$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_nodes$$);
RESET ROLE;

-- The ETL recipe: EXECUTE on the ingest and retraction functions. Its edges
-- query runs with its own rights and search path: its own table works, a
-- table it may not read does not.
GRANT EXECUTE ON FUNCTION clv.identity_ingest(text), clv.identity_retract(text, text),
  clv.identity_retract_source(text), clv.identity_retract_identifier(text) TO clv_etl;
CREATE SCHEMA etl AUTHORIZATION clv_etl;
CREATE TABLE public.secret_edges (a text, b text);
INSERT INTO public.secret_edges VALUES ('email:s@x.com', 'device:s');
SET ROLE clv_etl;
CREATE TABLE etl.edges (a text, b text, source text);
INSERT INTO etl.edges VALUES ('email:a@x.com', 'device:1', 'crm'), ('device:1', 'cookie:9', 'web'),
                             ('email:b@x.com', 'device:2', 'crm');
SET search_path = etl;
SELECT * FROM clv.identity_ingest('SELECT a, b, source FROM edges');
RESET search_path;
SELECT sqlstate_of($$SELECT * FROM clv.identity_ingest('SELECT a, b FROM public.secret_edges')$$);
SELECT * FROM clv.identity_retract_source('web');
-- the work tables the ingest made can't be changed by the caller
SELECT sqlstate_of($$CREATE TRIGGER t BEFORE INSERT ON pg_temp.clv_ingest_seen FOR EACH ROW EXECUTE FUNCTION clv.profile_capture()$$);
SELECT sqlstate_of($$INSERT INTO pg_temp.clv_ingest_decisions VALUES ('new', 'x', NULL, 1, NULL, NULL, 1)$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_nodes$$);
RESET ROLE;
-- in a new session, a work table of the caller's own making is refused,
-- never read with the owner's rights
\c clv_hostile
\set VERBOSITY terse
SET ROLE clv_etl;
CREATE TEMP TABLE clv_ingest_batch (a text);
SELECT sqlstate_of($$SELECT * FROM clv.identity_ingest('SELECT a, b FROM etl.edges')$$);
DROP TABLE pg_temp.clv_ingest_batch;
SELECT edges_read FROM clv.identity_ingest('SELECT a, b FROM etl.edges');
RESET ROLE;
SELECT identifier, cluster_id IS NOT NULL AS clustered FROM clv.identity_nodes ORDER BY identifier;

\c :regress_db
DROP DATABASE clv_hostile;
DROP ROLE clv_alice, clv_bob, clv_mallory, clv_bi, clv_etl;
