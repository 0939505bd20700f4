-- Watermark capture: profiles of append-only sources without triggers, as
-- an ordinary owner with only SELECT on the sources (no TRIGGER). A
-- refresh reads the rows whose watermark column is past the stored
-- watermark less the allowance, recomputes exactly their customers and
-- advances the watermark in its transaction; a full refresh sets it to the
-- source's highest value. Each kind of source: a plain table (timestamptz
-- and bigint watermarks, names that need quoting), a partitioned table with
-- a partition attached after the profile was created, a foreign table
-- (postgres_fdw to this server). After each refresh the profile equals a
-- plain computation over the source. Then what is not seen (updates,
-- deletes, rows older than the allowance) and the errors: columns, types,
-- privileges, other owners.
-- In a database of its own, which the foreign server connects to.
\set VERBOSITY terse
SELECT current_database() AS regress_db \gset
CREATE DATABASE clv_watermark;
\c clv_watermark
\set VERBOSITY terse
SET TimeZone = 'UTC';
CREATE EXTENSION clv_ext;
CREATE ROLE clv_wm_owner;
CREATE ROLE clv_wm_stranger;
CREATE ROLE clv_wm_nobody;
GRANT CREATE ON SCHEMA clv_profiles TO clv_wm_owner;
CREATE SCHEMA "wm test";
GRANT USAGE ON SCHEMA "wm test" TO clv_wm_owner, clv_wm_stranger;
CREATE FUNCTION sqlstate_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- Customers of the profile that differ from a plain computation over the
-- source (orders, total spend, last purchase), both ways: 0 when equal.
CREATE FUNCTION "wm test".mismatches(profile text, source regclass, customer name, ts name, amount name)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format($q$
    WITH plain AS (SELECT %3$I::text AS c, count(*) AS orders, sum(%5$I)::float8 AS spend, max(%4$I) AS last
                   FROM %2$s GROUP BY 1),
         profile AS (SELECT %3$I::text AS c, orders, total_spend, last_purchase FROM clv_profiles.%1$I)
    SELECT count(*) FROM ((TABLE plain EXCEPT TABLE profile) UNION ALL (TABLE profile EXCEPT TABLE plain)) d$q$,
    profile, source, customer, ts, amount) INTO n;
  RETURN n;
END $$;
GRANT EXECUTE ON FUNCTION "wm test".mismatches(text, regclass, name, name, name) TO PUBLIC;

-- A plain table whose names need quoting, with an ingestion time the
-- writers set (explicit here, so that the test is deterministic).
CREATE TABLE "wm test"."Order ""Log""" ("Customer" int, ts timestamptz, amount int, "ingested ""at""" timestamptz);
INSERT INTO "wm test"."Order ""Log"""
SELECT c, now() - (k * 20 + c % 5) * interval '1 day', 10 + c % 7, timestamptz '2026-01-01' + (c * 10 + k) * interval '1 second'
FROM generate_series(1, 30) c, generate_series(0, c % 4) k;
GRANT SELECT ON "wm test"."Order ""Log""" TO clv_wm_owner;  -- no TRIGGER: none is needed
SET ROLE clv_wm_owner;
SELECT clv.create_profile('log', '"wm test"."Order ""Log"""', 'Customer', 'ts', 'amount',
                          watermark_column => 'ingested "at"', watermark_lag => '1 minute');
-- no trigger on the source
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = '"wm test"."Order ""Log"""'::regclass;
SET client_min_messages = error;  -- (made-up customers: the model fits are beside the point)
SELECT mode, customers FROM clv.refresh_profile('log');
RESET client_min_messages;
SELECT capture, watermark, last_mode FROM clv.profile_status WHERE profile = 'log';
SELECT "wm test".mismatches('log', '"wm test"."Order ""Log"""', 'Customer', 'ts', 'amount');
-- nothing new: the rows within the allowance are read again, harmlessly
SELECT mode, customers FROM clv.refresh_profile('log');
RESET ROLE;
-- new rows: an old customer, a new one; the refresh recomputes just them
-- (and those re-read within the minute of allowance: customers 29, 30)
INSERT INTO "wm test"."Order ""Log""" VALUES
  (1, now(), 100, timestamptz '2026-01-01 01:00:00'), (31, now() - interval '3 days', 7, timestamptz '2026-01-01 01:00:01');
SET ROLE clv_wm_owner;
SELECT mode, customers FROM clv.refresh_profile('log');
SELECT watermark FROM clv.profile_status WHERE profile = 'log';
SELECT "wm test".mismatches('log', '"wm test"."Order ""Log"""', 'Customer', 'ts', 'amount');
RESET ROLE;
-- a transaction that committed late: its ingestion time is below the
-- watermark but within the allowance, so it is seen
INSERT INTO "wm test"."Order ""Log""" VALUES (2, now(), 50, timestamptz '2026-01-01 00:59:30');
SET ROLE clv_wm_owner;
SELECT mode, customers FROM clv.refresh_profile('log');
SELECT "wm test".mismatches('log', '"wm test"."Order ""Log"""', 'Customer', 'ts', 'amount');
RESET ROLE;

-- Not seen: a row older than the allowance, an update, a delete. A full
-- refresh (or trigger capture) takes them in; it sets the watermark to
-- the source's highest value.
INSERT INTO "wm test"."Order ""Log""" VALUES (3, now(), 60, timestamptz '2026-01-01 00:30:00');
UPDATE "wm test"."Order ""Log""" SET amount = amount + 1000 WHERE "Customer" = 4;
DELETE FROM "wm test"."Order ""Log""" WHERE "Customer" = 5;
SET ROLE clv_wm_owner;
SELECT mode, customers FROM clv.refresh_profile('log');
SELECT "wm test".mismatches('log', '"wm test"."Order ""Log"""', 'Customer', 'ts', 'amount');
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('log', full_refresh => true);
RESET client_min_messages;
SELECT "wm test".mismatches('log', '"wm test"."Order ""Log"""', 'Customer', 'ts', 'amount');
SELECT watermark FROM clv.profile_status WHERE profile = 'log';
RESET ROLE;

-- A bigint id as the watermark, with an allowance in ids.
CREATE TABLE "wm test".events (id bigint GENERATED ALWAYS AS IDENTITY, customer text, ts timestamptz, amount int);
INSERT INTO "wm test".events (customer, ts, amount)
SELECT 'c' || c, now() - (k * 15 + c % 3) * interval '1 day', c % 9 + 1 FROM generate_series(1, 20) c, generate_series(0, c % 3) k;
GRANT SELECT ON "wm test".events TO clv_wm_owner;
SET ROLE clv_wm_owner;
SELECT clv.create_profile('events', '"wm test".events', 'customer', 'ts', 'amount',
                          watermark_column => 'id', watermark_id_lag => 2, create_index => false);
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('events');
RESET client_min_messages;
SELECT watermark FROM clv.profile_status WHERE profile = 'events';
RESET ROLE;
INSERT INTO "wm test".events (customer, ts, amount) VALUES ('c1', now(), 5), ('new', now(), 9);
SET ROLE clv_wm_owner;
-- ids 40 to 43: the two new rows (customers c1, new) and two re-read within
-- the allowance (customer c20)
SELECT mode, customers FROM clv.refresh_profile('events');
SELECT watermark FROM clv.profile_status WHERE profile = 'events';
SELECT "wm test".mismatches('events', '"wm test".events', 'customer', 'ts', 'amount');
RESET ROLE;

-- A partitioned table; a partition attached after the profile was created
-- is read through the parent like the others.
CREATE TABLE "wm test".sales (customer_id bigint, ts timestamptz, amount int, ingested_at timestamptz)
PARTITION BY RANGE (ingested_at);
CREATE TABLE "wm test".sales_jan PARTITION OF "wm test".sales FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
INSERT INTO "wm test".sales
SELECT c, now() - (k * 25) * interval '1 day', c % 11 + 1, timestamptz '2026-01-10' + (c * 5 + k) * interval '1 minute'
FROM generate_series(1, 25) c, generate_series(0, c % 3) k;
ALTER TABLE "wm test".sales OWNER TO clv_wm_owner;
SET ROLE clv_wm_owner;
SELECT clv.create_profile('sales', '"wm test".sales', 'customer_id', 'ts', 'amount', watermark_column => 'ingested_at');
SELECT count(*) AS triggers FROM pg_trigger t JOIN pg_partition_tree('"wm test".sales') p ON p.relid = t.tgrelid;
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('sales');
RESET client_min_messages;
RESET ROLE;
CREATE TABLE "wm test".sales_feb (LIKE "wm test".sales);
ALTER TABLE "wm test".sales ATTACH PARTITION "wm test".sales_feb FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
INSERT INTO "wm test".sales VALUES (1, now(), 40, '2026-02-02'), (26, now(), 3, '2026-02-02 00:00:01');
SET ROLE clv_wm_owner;
SELECT mode, customers FROM clv.refresh_profile('sales');
SELECT watermark FROM clv.profile_status WHERE profile = 'sales';
SELECT "wm test".mismatches('sales', '"wm test".sales', 'customer_id', 'ts', 'amount');
RESET ROLE;

-- A foreign table (postgres_fdw to this database): a trigger-captured
-- profile cannot use it, a watermark one can.
CREATE EXTENSION postgres_fdw;
DO $$
BEGIN
  EXECUTE format('CREATE SERVER clv_wm_loopback FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname %L, port %L, host %L)',
                 current_database(), current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1));
END $$;
CREATE USER MAPPING FOR CURRENT_USER SERVER clv_wm_loopback;
CREATE FOREIGN TABLE "wm test".remote_sales (customer_id bigint, ts timestamptz, amount int, ingested_at timestamptz)
SERVER clv_wm_loopback OPTIONS (schema_name 'wm test', table_name 'sales');
SELECT sqlstate_of($$SELECT clv.create_profile('remote_trg', '"wm test".remote_sales', 'customer_id', 'ts', 'amount')$$);
SELECT clv.create_profile('remote', '"wm test".remote_sales', 'customer_id', 'ts', 'amount', watermark_column => 'ingested_at');
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('remote');
RESET client_min_messages;
INSERT INTO "wm test".sales VALUES (2, now(), 8, '2026-02-03'), (27, now(), 4, '2026-02-03 00:00:01');
SELECT mode, customers FROM clv.refresh_profile('remote');
SELECT watermark FROM clv.profile_status WHERE profile = 'remote';
SELECT "wm test".mismatches('remote', '"wm test".remote_sales', 'customer_id', 'ts', 'amount');
-- the watermark and the refresh commit together: an aborted refresh leaves
-- the watermark where it was
INSERT INTO "wm test".sales VALUES (3, now(), 8, '2026-02-04');
BEGIN;
SELECT mode, customers FROM clv.refresh_profile('remote');
ROLLBACK;
SELECT watermark, last_mode FROM clv.profile_status WHERE profile = 'remote';
SELECT mode, customers FROM clv.refresh_profile('remote');
SELECT "wm test".mismatches('remote', '"wm test".remote_sales', 'customer_id', 'ts', 'amount');

-- Errors, as the owner: no such column, a type that is no watermark,
-- the allowance of the other kind or out of bounds, a view.
CREATE TABLE "wm test".bad (customer_id int, ts timestamptz, amount int, note text, at_local timestamp, n numeric,
                            "it's" timestamptz);
CREATE VIEW "wm test".bad_view AS SELECT * FROM "wm test".bad;
GRANT SELECT (customer_id, ts, amount, note, at_local, n) ON "wm test".bad TO clv_wm_owner;
GRANT SELECT ON "wm test".bad_view TO clv_wm_owner;
SET ROLE clv_wm_owner;
SELECT sqlstate_of($$SELECT clv.create_profile('bad', '"wm test".bad', 'customer_id', 'ts', 'amount', watermark_column => 'missing')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('bad', '"wm test".bad', 'customer_id', 'ts', 'amount', watermark_column => 'note')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('bad', '"wm test".bad', 'customer_id', 'ts', 'amount', watermark_column => 'at_local')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('bad', '"wm test".bad', 'customer_id', 'ts', 'amount', watermark_column => 'n')$$);
-- a column the owner may not read
SELECT sqlstate_of($$SELECT clv.create_profile('bad', '"wm test".bad', 'customer_id', 'ts', 'amount', watermark_column => 'it''s')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('bad', '"wm test".events', 'customer', 'ts', 'amount', watermark_column => 'id', watermark_lag => '1 hour')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('bad', '"wm test"."Order ""Log"""', 'Customer', 'ts', 'amount', watermark_column => 'ingested "at"', watermark_id_lag => 10)$$);
SELECT sqlstate_of($$SELECT clv.create_profile('bad', '"wm test"."Order ""Log"""', 'Customer', 'ts', 'amount', watermark_column => 'ingested "at"', watermark_lag => '-1 second')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('bad', '"wm test"."Order ""Log"""', 'Customer', 'ts', 'amount', watermark_column => 'ingested "at"', watermark_lag => '367 days')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('bad', '"wm test".events', 'customer', 'ts', 'amount', watermark_column => 'id', watermark_id_lag => -1)$$);
SELECT sqlstate_of($$SELECT clv.create_profile('bad', '"wm test".events', 'customer', 'ts', 'amount', watermark_lag => '1 hour')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('bad', '"wm test".bad_view', 'customer_id', 'ts', 'amount', watermark_column => 'ts')$$);
-- the registry is written through the API only
SELECT sqlstate_of($$SELECT clv.profile_record_watermark_privileged('clv_wm_owner', 1, now(), NULL, true)$$);
RESET ROLE;
-- a watermark column whose type the source's owner changes later: the
-- refresh refuses it
ALTER TABLE "wm test".events ALTER COLUMN id DROP IDENTITY;
ALTER TABLE "wm test".events ALTER COLUMN id TYPE numeric;
SET ROLE clv_wm_owner;
SELECT sqlstate_of($$SELECT clv.refresh_profile('events')$$);
RESET ROLE;

-- Other roles: another owner's profile can be neither refreshed nor
-- changed nor dropped, nor its watermark recorded; a role with no grants
-- cannot create a profile on a source it cannot read.
SET ROLE clv_wm_stranger;
SELECT sqlstate_of($$SELECT clv.refresh_profile('log')$$);
SELECT sqlstate_of($$SELECT clv.refresh_profile('log', full_refresh => true)$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('log', refresh_interval => '1 second')$$);
SELECT sqlstate_of($$SELECT clv.drop_profile('log')$$);
SELECT sqlstate_of($$SELECT clv.profile_record_watermark(1, 'infinity', NULL, true)$$);
SELECT sqlstate_of($$SELECT clv.refresh_profile_as_owner(1, true)$$);
SELECT count(*) AS profiles_seen FROM clv.profiles;
SELECT sqlstate_of($$SELECT clv.create_profile('mine', '"wm test"."Order ""Log"""', 'Customer', 'ts', 'amount', watermark_column => 'ingested "at"')$$);
SET ROLE clv_wm_nobody;
SELECT sqlstate_of($$SELECT clv.create_profile('mine', '"wm test"."Order ""Log"""', 'Customer', 'ts', 'amount', watermark_column => 'ingested "at"')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('mine', 'pg_catalog.pg_authid', 'oid', 'rolvaliduntil', 'rolconnlimit', watermark_column => 'oid')$$);
RESET ROLE;
-- the owner's watermarks are as they were
SELECT name, watermark_ts, watermark_id FROM clv.profiles ORDER BY name;

SET ROLE clv_wm_owner;
SELECT clv.drop_profile(n) FROM unnest(ARRAY['log', 'events', 'sales']) n;
RESET ROLE;
SELECT clv.drop_profile('remote');
\c :regress_db
DROP DATABASE clv_watermark;
DROP ROLE clv_wm_owner, clv_wm_stranger, clv_wm_nobody;
