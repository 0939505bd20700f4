-- A profile whose source table goes away, as an ordinary owner with the
-- documented grants: DROP TABLE (with and without CASCADE) disables the
-- profile with a NOTICE naming it; refresh_profile and alter_profile then
-- fail with 42P01 naming the dropped table, profile_status says why, and
-- drop_profile cleans up. A table created again under the same name is
-- another table; a renamed source is still the source.
\set VERBOSITY terse
CREATE ROLE clv_source_owner;
GRANT CREATE ON SCHEMA clv_profiles TO clv_source_owner;
CREATE SCHEMA source_test;
GRANT USAGE ON SCHEMA source_test TO clv_source_owner;
CREATE FUNCTION source_test.make(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TABLE source_test.%I (customer_id int, ts timestamptz, amount numeric)', name);
  EXECUTE format('INSERT INTO source_test.%I SELECT c, now() - c * interval ''3 days'', c FROM generate_series(1, 5) c', name);
  EXECUTE format('GRANT SELECT, TRIGGER ON source_test.%I TO clv_source_owner', name);
END $$;
SELECT source_test.make(t) FROM unnest(ARRAY['plain', 'cascaded', 'recreated', 'renamed']) t;
CREATE VIEW source_test.cascaded_view AS SELECT * FROM source_test.cascaded;
SET ROLE clv_source_owner;
SET client_min_messages = error;  -- (five customers: the model fits are beside the point)
SELECT clv.create_profile(t, 'source_test.' || t, 'customer_id', 'ts', 'amount', create_index => false),
       (clv.refresh_profile(t)).mode
FROM unnest(ARRAY['plain', 'cascaded', 'recreated', 'renamed']) t;
RESET client_min_messages;
RESET ROLE;

-- DROP TABLE, DROP TABLE ... CASCADE, and dropped and created again: each
-- profile is disabled, with a NOTICE naming it and its table
DROP TABLE source_test.plain;
DROP TABLE source_test.cascaded CASCADE;
DROP TABLE source_test.recreated;
SELECT source_test.make('recreated');
-- renamed: still the profile's source, captured and refreshed
ALTER TABLE source_test.renamed RENAME TO renamed_now;
INSERT INTO source_test.renamed_now VALUES (6, now(), 6);

SET ROLE clv_source_owner;
SELECT profile, enabled, last_error, pending_changes FROM clv.profile_status ORDER BY profile;
SELECT name, source_dropped FROM clv.profiles ORDER BY name;
SELECT sqlstate_of($$SELECT clv.refresh_profile('plain')$$);
SELECT sqlstate_of($$SELECT clv.refresh_profile('cascaded', full_refresh => true)$$);
SELECT sqlstate_of($$SELECT clv.refresh_profile('recreated')$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('plain', enabled => true)$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('cascaded', horizon => 10)$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('recreated', enabled => true)$$);
SELECT mode, customers FROM clv.refresh_profile('renamed');
SELECT count(*) AS customers FROM clv_profiles.renamed;
-- the stored facts stay readable until the profile is dropped
SELECT count(*) AS customers FROM clv_profiles.plain;
-- a profile cannot be created on a table that does not exist
SELECT regexp_replace(sqlstate_of($$SELECT clv.create_profile('ghost', (SELECT max(oid::int) + 1000 FROM pg_class)::oid::regclass,
                                                              'customer_id', 'ts', 'amount')$$),
                      'OID [0-9]+', 'OID <oid>') AS sqlstate_of;
-- the table created again gets a profile of its own once the old one is dropped
SELECT clv.drop_profile('recreated');
SET client_min_messages = error;
SELECT clv.create_profile('recreated', 'source_test.recreated', 'customer_id', 'ts', 'amount', create_index => false);
SELECT mode, customers FROM clv.refresh_profile('recreated');
RESET client_min_messages;
SELECT clv.drop_profile('plain');
SELECT clv.drop_profile('cascaded');
SELECT clv.drop_profile('recreated');
SELECT clv.drop_profile('renamed');
SELECT count(*) AS profiles FROM clv.profiles;
RESET ROLE;
SELECT count(*) AS objects_left FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'clv_profiles';
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname LIKE 'clv_profile_%';

DROP SCHEMA source_test CASCADE;
REVOKE CREATE ON SCHEMA clv_profiles FROM clv_source_owner;
DROP ROLE clv_source_owner;
