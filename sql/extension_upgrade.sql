-- Upgrades: versions 0.1.0, 0.2.0, 0.3.0 and 0.4.0 installed and updated with ALTER
-- EXTENSION ... UPDATE have the same objects, definitions, comments and
-- privileges as a fresh install of the current version, keep their data,
-- and work; the update from 0.2.0 closes the holes a hostile role could use
-- there, in the state it may have left behind.
\set VERBOSITY terse
CREATE FUNCTION extension_objects() RETURNS SETOF text LANGUAGE sql AS $$
  SELECT regexp_replace(o, '\s+', ' ', 'g') FROM (
  SELECT pg_describe_object(d.classid, d.objid, d.objsubid)
         || ' | ' || COALESCE(obj_description(d.objid, d.classid::regclass::text), '')
         || ' | ' || COALESCE((SELECT md5(concat_ws(' ', p.prosrc, p.proconfig, p.provolatile, p.proparallel,
                                                   p.proisstrict, p.prosecdef, p.proacl, pg_get_function_result(p.oid)))
                               FROM pg_proc p WHERE d.classid = 'pg_proc'::regclass AND p.oid = d.objid), '')
         || ' | ' || COALESCE((SELECT concat_ws(' ', c.relacl, c.relrowsecurity,
                                                (SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod)
                                                                   || ':' || COALESCE(col_description(c.oid, a.attnum), ''), ',' ORDER BY a.attnum)
                                                 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
                                                (SELECT string_agg(pol.polname || ':' || pg_get_expr(pol.polqual, pol.polrelid), ',' ORDER BY pol.polname)
                                                 FROM pg_policy pol WHERE pol.polrelid = c.oid),
                                                (SELECT string_agg(t.tgname, ',' ORDER BY t.tgname)
                                                 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal))
                               FROM pg_class c WHERE d.classid = 'pg_class'::regclass AND c.oid = d.objid), '')
         || ' | ' || COALESCE((SELECT n.nspacl::text FROM pg_namespace n
                               WHERE d.classid = 'pg_namespace'::regclass AND n.oid = d.objid), '')
  FROM pg_depend d
  WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
    AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv_ext')
  UNION ALL
  SELECT 'schema clv | ' || nspacl::text FROM pg_namespace WHERE nspname = 'clv') objects(o)
$$;
SELECT string_agg(o, E'\n' ORDER BY o) AS fresh_objects, count(*) AS fresh_count FROM extension_objects() o \gset
SELECT current_database() AS regress_db, pg_get_functiondef('extension_objects'::regproc) AS definition \gset

CREATE DATABASE clv_upgrade;
\c clv_upgrade
\set VERBOSITY terse
CREATE EXTENSION clv_ext VERSION '0.1.0';
SELECT * FROM clv.identity_ingest($$VALUES ('email:a@x.com', 'device:1'), ('device:1', 'cookie:9')$$);
ALTER EXTENSION clv_ext UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'clv_ext';
-- the same listing function as in the first database
SELECT :'definition' \gexec
-- objects of a fresh install missing after the update, and the other way round
SELECT o AS only_in_fresh_install FROM unnest(string_to_array(:'fresh_objects', E'\n')) o
EXCEPT SELECT extension_objects() ORDER BY 1;
SELECT o AS only_after_update FROM extension_objects() o
EXCEPT SELECT unnest(string_to_array(:'fresh_objects', E'\n')) ORDER BY 1;
SELECT count(*) = :fresh_count AS same_count FROM extension_objects();
-- the data of 0.1.0 is kept, and the new features work on it
SELECT count(*) AS identifiers, count(DISTINCT cluster_id) AS clusters FROM clv.identity_nodes;
CREATE TABLE orders (customer_id int, ts timestamptz, amount numeric);
INSERT INTO orders SELECT c, now() - k * interval '20 days', 10 + (c * 7 + k * 13) % 50
FROM generate_series(1, 30) c, generate_series(1, 1 + c % 4) k;
SELECT clv.create_profile('shop', 'orders', 'customer_id', 'ts', 'amount');
-- (30 made-up customers: whether the spend model converges is beside the point)
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('shop');
RESET client_min_messages;
SELECT count(*) AS customers, sum(orders) AS orders FROM clv_profiles.shop;
\c :regress_db
DROP DATABASE clv_upgrade;

CREATE DATABASE clv_upgrade;
\c clv_upgrade
\set VERBOSITY terse
CREATE ROLE clv_upgrade_owner;
CREATE ROLE clv_upgrade_intruder;
CREATE EXTENSION clv_ext VERSION '0.2.0';
SELECT * FROM clv.identity_ingest($$VALUES ('email:a@x.com', 'device:1'), ('device:1', 'cookie:9')$$);
CREATE TABLE orders (customer_id int, ts timestamptz, amount numeric);
INSERT INTO orders SELECT c, now() - k * interval '20 days', 10 + (c * 7 + k * 13) % 50
FROM generate_series(1, 30) c, generate_series(1, 1 + c % 4) k;
ALTER TABLE orders OWNER TO clv_upgrade_owner;
GRANT CREATE ON SCHEMA clv_profiles TO clv_upgrade_owner;
SET ROLE clv_upgrade_owner;
SELECT clv.create_profile('shop', 'orders', 'customer_id', 'ts', 'amount');
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('shop');
RESET client_min_messages;
GRANT SELECT ON clv_profiles.shop TO clv_upgrade_intruder;
RESET ROLE;
-- what 0.2.0 let any role do: a row of its own with settings that made the
-- worker's backoff overflow
SET ROLE clv_upgrade_intruder;
INSERT INTO clv.profiles (name, owner, source, customer_column, ts_column, amount_column, unit, model, horizon,
  discount_rate, discount_steps, margin, trend_period, refresh_interval, refit_interval, resolve_identity,
  target_schema, enabled, failures, next_run)
VALUES ('m', current_user::regrole, 'pg_class', 'relname', 'relname', 'relname', '1 day', 'bgnbd', 1, 0, 1, 1,
        '1 day', '100000000 years', '1 day', false, 'pg_temp', true, 12, '-infinity');
RESET ROLE;
ALTER EXTENSION clv_ext UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'clv_ext';
REVOKE CREATE ON SCHEMA clv_profiles FROM clv_upgrade_owner;  -- (the test's own grant)
SELECT :'definition' \gexec
SELECT o AS only_in_fresh_install FROM unnest(string_to_array(:'fresh_objects', E'\n')) o
EXCEPT SELECT extension_objects() ORDER BY 1;
SELECT o AS only_after_update FROM extension_objects() o
EXCEPT SELECT unnest(string_to_array(:'fresh_objects', E'\n')) ORDER BY 1;
SELECT count(*) = :fresh_count AS same_count FROM extension_objects();
-- the intruder's row had no profile objects: unregistered; the owner's
-- profile, its facts and graph are kept, and its model moved to the owner's
-- own table, so the reader the owner granted the view now reads the scores
SELECT name, owner, refresh_interval, failures FROM clv.profiles;
SELECT count(*) AS identifiers, count(DISTINCT cluster_id) AS clusters FROM clv.identity_nodes;
SELECT pg_get_userbyid(relowner) AS model_table_owner FROM pg_class WHERE relname = 'shop_model';
SET ROLE clv_upgrade_intruder;
SELECT count(*) AS customers, count(p_alive) AS scored FROM clv_profiles.shop;
\set ON_ERROR_STOP 0
INSERT INTO clv.profiles (name, owner, source, customer_column, ts_column, amount_column, unit, model, horizon,
  discount_rate, discount_steps, margin, trend_period, refresh_interval, refit_interval, resolve_identity, target_schema)
VALUES ('m', current_user::regrole, 'pg_class', 'relname', 'relname', 'relname', '1 day', 'bgnbd', 1, 0, 1, 1,
        '1 day', '1 day', '1 day', false, 'pg_temp');
UPDATE clv.profiles SET failures = 12;
SELECT * FROM clv.resolve_identities('SHOW search_path');
SELECT * FROM clv.identity_ingest($$VALUES ('email:x@x.com', 'device:x')$$);
CREATE TEMP TABLE e (identifier text);
CREATE TRIGGER e AFTER INSERT ON pg_temp.e REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION clv.profile_capture_identities();
\set ON_ERROR_STOP 1
RESET ROLE;
SET ROLE clv_upgrade_owner;
INSERT INTO orders VALUES (31, now(), 20);
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('shop');
RESET client_min_messages;
RESET ROLE;
\c :regress_db
DROP DATABASE clv_upgrade;
DROP ROLE clv_upgrade_owner, clv_upgrade_intruder;

-- From 0.3.0: a profile resolving identities whose source holds values
-- that look like cluster keys (under 0.3.0, 'cluster:vip-42' made every
-- incremental refresh fail, a literal cluster key joined that cluster).
-- The update queues a full refresh that rewrites the stored keys; the
-- refreshes after it are incremental again.
CREATE DATABASE clv_upgrade;
\c clv_upgrade
\set VERBOSITY terse
CREATE EXTENSION clv_ext VERSION '0.3.0';
SELECT edges_read, merges FROM clv.identity_ingest($$VALUES ('email:a@x.com', 'device:1')$$);
SELECT 'cluster:' || cluster_id AS a_key FROM clv.identity_nodes WHERE identifier = 'email:a@x.com' \gset
CREATE TABLE orders (identifier text, ts timestamptz, amount numeric);
INSERT INTO orders VALUES ('email:a@x.com', now() - interval '40 days', 10), ('device:1', now() - interval '30 days', 20),
                          ('cluster:vip-42', now() - interval '20 days', 1000), (:'a_key', now() - interval '10 days', 500);
SELECT clv.create_profile('people', 'orders', 'identifier', 'ts', 'amount', resolve_identity => true);
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('people');
RESET client_min_messages;
SELECT replace(identifier, :'a_key', '<a>') AS identifier_0_3_0, orders, total_spend FROM clv_profiles.people ORDER BY total_spend;
INSERT INTO orders VALUES ('cluster:vip-42', now() - interval '1 day', 1);   -- pending at the update
ALTER EXTENSION clv_ext UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'clv_ext';
SELECT :'definition' \gexec
SELECT o AS only_in_fresh_install FROM unnest(string_to_array(:'fresh_objects', E'\n')) o
EXCEPT SELECT extension_objects() ORDER BY 1;
SELECT o AS only_after_update FROM extension_objects() o
EXCEPT SELECT unnest(string_to_array(:'fresh_objects', E'\n')) ORDER BY 1;
SELECT count(*) = :fresh_count AS same_count FROM extension_objects();
SELECT pending_changes, full_refresh_pending FROM clv.profile_status;
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('people');
SELECT replace(identifier, :'a_key', '<a>') AS identifier, orders, total_spend FROM clv_profiles.people ORDER BY total_spend;
INSERT INTO orders VALUES ('cluster:vip-42', now(), 1), (:'a_key', now(), 1), ('device:1', now(), 1);
SELECT mode, customers FROM clv.refresh_profile('people');
RESET client_min_messages;
SELECT replace(identifier, :'a_key', '<a>') AS identifier, orders, total_spend FROM clv_profiles.people ORDER BY total_spend;
\c :regress_db
DROP DATABASE clv_upgrade;

-- From 0.4.0, with a profile and an identity graph in use: the functions are
-- reloaded, the data and the triggers on the extension's tables keep working.
CREATE DATABASE clv_upgrade;
\c clv_upgrade
\set VERBOSITY terse
CREATE EXTENSION clv_ext VERSION '0.4.0';
SELECT edges_read, merges FROM clv.identity_ingest($$VALUES ('email:a@x.com', 'device:1')$$);
CREATE TABLE orders (identifier text, ts timestamptz, amount numeric);
INSERT INTO orders VALUES ('email:a@x.com', now() - interval '40 days', 10), ('device:1', now() - interval '30 days', 20);
SELECT clv.create_profile('people', 'orders', 'identifier', 'ts', 'amount', resolve_identity => true);
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('people');
RESET client_min_messages;
ALTER EXTENSION clv_ext UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'clv_ext';
SELECT :'definition' \gexec
SELECT o AS only_in_fresh_install FROM unnest(string_to_array(:'fresh_objects', E'\n')) o
EXCEPT SELECT extension_objects() ORDER BY 1;
SELECT o AS only_after_update FROM extension_objects() o
EXCEPT SELECT unnest(string_to_array(:'fresh_objects', E'\n')) ORDER BY 1;
SELECT count(*) = :fresh_count AS same_count FROM extension_objects();
-- a new identifier of the profile's person reaches the profile through the
-- capture triggers on clv.identity_nodes
SELECT edges_read, merges FROM clv.identity_ingest($$VALUES ('device:1', 'cookie:9')$$);
INSERT INTO orders VALUES ('cookie:9', now() - interval '1 day', 5);
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('people');
RESET client_min_messages;
SELECT count(*) AS people, sum(orders) AS orders, sum(total_spend) AS total_spend FROM clv_profiles.people;
DROP TABLE orders;
SELECT name, enabled, source_dropped FROM clv.profiles;  -- the event trigger kept its function
\c :regress_db
DROP DATABASE clv_upgrade;
DROP FUNCTION extension_objects();
