-- Customer keys of profiles, as an ordinary owner with the documented
-- grants (CREATE on clv_profiles, SELECT and TRIGGER on the source, SELECT
-- on clv.identity_nodes) and writers with hostile values and settings:
--  * identity-resolving profiles: source values that look like the key of an
--    identity cluster ('cluster:<id>') stay customers of their own, and do
--    not break incremental refresh;
--  * the change capture records keys the refresh finds again whatever the
--    writer's session settings (float digits, date and interval styles,
--    time zone, money locale).
-- In a database of its own: the grants on the graph stay out of the others.
\set VERBOSITY terse
SELECT current_database() AS regress_db \gset
CREATE DATABASE clv_keys;
\c clv_keys
\set VERBOSITY terse
CREATE EXTENSION clv_ext;
CREATE ROLE clv_keys_owner;
CREATE ROLE clv_keys_writer;
GRANT CREATE ON SCHEMA clv_profiles TO clv_keys_owner;
GRANT SELECT ON clv.identity_nodes TO clv_keys_owner;

-- Identity resolution: ann's email and device are one person, whose key is
-- 'cluster:<id>'; two source values imitate cluster keys.
CREATE TABLE keys_id_orders (identifier text, ts timestamptz, amount numeric);
GRANT SELECT, TRIGGER ON keys_id_orders TO clv_keys_owner;
GRANT INSERT ON keys_id_orders TO clv_keys_writer;
INSERT INTO keys_id_orders VALUES
  ('email:ann@x.com', now() - interval '60 days', 10), ('device:a1', now() - interval '30 days', 20),
  ('email:bob@x.com', now() - interval '50 days', 5);
SELECT edges_read, merges FROM clv.identity_ingest($$VALUES ('email:ann@x.com', 'device:a1')$$);
SELECT 'cluster:' || cluster_id AS ann_key FROM clv.identity_nodes WHERE identifier = 'email:ann@x.com' \gset
SET ROLE clv_keys_owner;
SELECT clv.create_profile('keys_people', 'keys_id_orders', 'identifier', 'ts', 'amount',
                          resolve_identity => true, create_index => false);
SET client_min_messages = error;  -- (five customers: the model fits are beside the point)
SELECT mode, customers FROM clv.refresh_profile('keys_people');
RESET client_min_messages;
RESET ROLE;
-- a writer's value that is no cluster id, one that is ann's cluster key
-- literally, and one that is the escaped form of a cluster key
SET ROLE clv_keys_writer;
INSERT INTO keys_id_orders VALUES ('cluster:vip-42', now() - interval '3 days', 1000),
                                  (:'ann_key', now() - interval '2 days', 500),
                                  ('identifier:' || :'ann_key', now() - interval '1 day', 300);
RESET ROLE;
SET ROLE clv_keys_owner;
SET client_min_messages = error;  -- (five customers: the model fits are beside the point)
SELECT mode, customers FROM clv.refresh_profile('keys_people');
RESET client_min_messages;
-- ann keeps her two orders; each imitation is a customer of its own
SELECT replace(identifier, :'ann_key', '<ann>') AS identifier, orders, total_spend
FROM clv_profiles.keys_people ORDER BY total_spend;
-- a full refresh gives the same rows
CREATE TEMP TABLE keys_incremental AS SELECT identifier, orders, total_spend FROM clv_profiles.keys_people;
SET client_min_messages = error;  -- (five customers: the model fits are beside the point)
SELECT mode, customers FROM clv.refresh_profile('keys_people', full_refresh => true);
RESET client_min_messages;
SELECT count(*) AS differences FROM (
  (SELECT identifier, orders, total_spend FROM clv_profiles.keys_people EXCEPT SELECT * FROM keys_incremental)
  UNION ALL
  (SELECT * FROM keys_incremental EXCEPT SELECT identifier, orders, total_spend FROM clv_profiles.keys_people)) d;
RESET ROLE;
-- new purchases of the imitations and of ann, and a merge of bob into
-- ann's cluster, each reach the right row incrementally
SET ROLE clv_keys_writer;
INSERT INTO keys_id_orders VALUES ('cluster:vip-42', now(), 1), (:'ann_key', now(), 1), ('device:a1', now(), 1);
RESET ROLE;
SELECT edges_read, merges FROM clv.identity_ingest($$VALUES ('email:bob@x.com', 'device:a1')$$);
SELECT 'cluster:' || cluster_id AS ann_key FROM clv.identity_nodes WHERE identifier = 'email:ann@x.com' \gset
SET ROLE clv_keys_owner;
SET client_min_messages = error;  -- (five customers: the model fits are beside the point)
SELECT mode, customers FROM clv.refresh_profile('keys_people');
RESET client_min_messages;
SELECT replace(identifier, :'ann_key', '<ann>') AS identifier, orders, total_spend
FROM clv_profiles.keys_people ORDER BY total_spend;
RESET ROLE;

-- Writers with hostile session settings: the keys they record are found
-- again by a refresh run in the same session, under the same settings.
CREATE TABLE keys_float_orders (customer float8, ts timestamptz, amount numeric);
CREATE TABLE keys_real_orders (customer real, ts timestamptz, amount numeric);
CREATE TABLE keys_money_orders (customer money, ts timestamptz, amount numeric);
GRANT SELECT, TRIGGER ON keys_float_orders, keys_real_orders, keys_money_orders TO clv_keys_owner;
GRANT INSERT, UPDATE, DELETE, SELECT ON keys_float_orders, keys_real_orders, keys_money_orders TO clv_keys_writer;
INSERT INTO keys_float_orders VALUES (1.1234567890123, now() - interval '30 days', 10), (2.5e-300, now() - interval '30 days', 10);
INSERT INTO keys_real_orders VALUES (1.1234567, now() - interval '30 days', 10);
INSERT INTO keys_money_orders VALUES (1234.56, now() - interval '30 days', 10);
SET ROLE clv_keys_owner;
SELECT clv.create_profile('keys_float', 'keys_float_orders', 'customer', 'ts', 'amount', create_index => false);
SELECT clv.create_profile('keys_real', 'keys_real_orders', 'customer', 'ts', 'amount', create_index => false);
SELECT clv.create_profile('keys_money', 'keys_money_orders', 'customer', 'ts', 'amount', create_index => false);
SET client_min_messages = error;  -- (one customer: the model fits are beside the point)
SELECT mode, customers FROM clv.refresh_profile('keys_float');
SELECT mode, customers FROM clv.refresh_profile('keys_real');
SELECT mode, customers FROM clv.refresh_profile('keys_money');
RESET client_min_messages;
RESET ROLE;
SET ROLE clv_keys_writer;
SET extra_float_digits = -15;
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Pacific/Chatham';
SET IntervalStyle = 'iso_8601';
SET lc_monetary = 'C.utf8';
SET bytea_output = 'escape';
INSERT INTO keys_float_orders VALUES (1.1234567890123, now() - interval '1 day', 20);
UPDATE keys_float_orders SET amount = 11 WHERE customer = 2.5e-300;
INSERT INTO keys_real_orders VALUES (1.1234567, now() - interval '1 day', 20);
INSERT INTO keys_money_orders VALUES (1234.56, now() - interval '1 day', 20);
RESET ROLE;
SET ROLE clv_keys_owner;
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('keys_float');
SELECT mode, customers FROM clv.refresh_profile('keys_real');
SELECT mode, customers FROM clv.refresh_profile('keys_money');
RESET client_min_messages;
RESET ROLE;
-- the settings a profile's view embeds are exact whatever the creator's
-- extra_float_digits
SET ROLE clv_keys_owner;
SELECT clv.alter_profile('keys_float', horizon => 52.142857142857146);
SELECT pg_get_viewdef('clv_profiles.keys_float') LIKE '%52.142857142857146%' AS exact_horizon;
RESET ROLE;
-- fresh rows: two orders of each customer, the updated amount
RESET extra_float_digits;
SELECT customer, orders, total_spend FROM clv_profiles.keys_float ORDER BY customer;
SELECT customer, orders, total_spend FROM clv_profiles.keys_real;
SELECT customer::numeric, orders, total_spend FROM clv_profiles.keys_money;
RESET DateStyle;
RESET TimeZone;
RESET IntervalStyle;
RESET lc_monetary;
RESET bytea_output;
-- the writer's settings are its own again after the capture
SET ROLE clv_keys_writer;
SET extra_float_digits = -15;
INSERT INTO keys_float_orders VALUES (3, now(), 1);
SHOW extra_float_digits;
RESET extra_float_digits;
RESET ROLE;

SET ROLE clv_keys_owner;
SELECT clv.drop_profile('keys_people');
SELECT clv.drop_profile('keys_float');
SELECT clv.drop_profile('keys_real');
SELECT clv.drop_profile('keys_money');
RESET ROLE;
\c :regress_db
DROP DATABASE clv_keys;
DROP ROLE clv_keys_owner, clv_keys_writer;
