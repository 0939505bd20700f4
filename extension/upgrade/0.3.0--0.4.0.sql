-- 0.3.0 -> 0.4.0: once-only DDL, before the idempotent function parts
-- (extension/src/42_identity_functions.sql, 51_profiles_functions.sql).
\echo Use "ALTER EXTENSION clv_ext UPDATE TO '0.4.0'" to load this file. \quit

-- Profiles: the name of a dropped source, kept for the errors of later calls.
ALTER TABLE @extschema@.profiles ADD COLUMN source_dropped text;
COMMENT ON COLUMN @extschema@.profiles.source_dropped IS 'name of the source table when it was dropped (the profile is disabled); NULL while it exists';
