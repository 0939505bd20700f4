-- clv_ext 0.2.0 -> 0.3.0, assembled by the Makefile: this prelude (once-only
-- DDL), then the function parts as they are in this version
-- (extension/src/42_identity_functions.sql, 51_profiles_functions.sql), then
-- 0.2.0--0.3.0.post.sql. 0.3.0 closes the holes a hostile role could use in
-- 0.2.0: the registry is written only through the extension's functions,
-- its settings are bounded, trigger functions refuse foreign tables, and
-- the identity graph is written only by the roles a DBA grants it to.
\echo Use "ALTER EXTENSION clv_ext UPDATE TO '0.3.0'" to load this file. \quit

-- Replaced by clv.profile_record_start, profile_record_failure and
-- profile_validate(profiles, regrole).
DROP FUNCTION @extschema@.profile_mark_started(integer);
DROP FUNCTION @extschema@.profile_mark_failed(integer, text);
DROP FUNCTION @extschema@.profile_validate(@extschema@.profiles);

-- Only the extension writes the registry.
REVOKE INSERT, UPDATE, DELETE ON @extschema@.profiles FROM PUBLIC;
REVOKE ALL ON SEQUENCE @extschema@.profile_id_seq FROM PUBLIC;

-- Settings a role could set out of bounds in 0.2.0 are brought into them,
-- and the refresh state into what the worker itself would write.
UPDATE @extschema@.profiles SET
  unit = LEAST(GREATEST(unit, '1 second'), '366 days'),
  horizon = LEAST(horizon, 1e6),
  discount_steps = LEAST(discount_steps, 10000),
  trend_period = LEAST(GREATEST(trend_period, '1 second'), '3660 days'),
  refresh_interval = LEAST(GREATEST(refresh_interval, '0'), '366 days'),
  refit_interval = LEAST(GREATEST(refit_interval, '0'), '3660 days'),
  failures = LEAST(GREATEST(failures, 0), 1000000),
  next_run = LEAST(GREATEST(next_run, pg_catalog.now()), pg_catalog.now() OPERATOR(pg_catalog.+) '1 hour'),
  last_fit_at = LEAST(last_fit_at, pg_catalog.now());
ALTER TABLE @extschema@.profiles
  DROP CONSTRAINT profiles_unit_check,
  ADD CONSTRAINT profiles_unit_check CHECK (unit OPERATOR(pg_catalog.>=) '1 second' AND unit OPERATOR(pg_catalog.<=) '366 days'),
  DROP CONSTRAINT profiles_horizon_check,
  ADD CONSTRAINT profiles_horizon_check CHECK (horizon OPERATOR(pg_catalog.>) 0 AND horizon OPERATOR(pg_catalog.<=) 1e6),
  DROP CONSTRAINT profiles_discount_steps_check,
  ADD CONSTRAINT profiles_discount_steps_check CHECK (discount_steps OPERATOR(pg_catalog.>) 0 AND discount_steps OPERATOR(pg_catalog.<=) 10000),
  DROP CONSTRAINT profiles_trend_period_check,
  ADD CONSTRAINT profiles_trend_period_check CHECK (trend_period OPERATOR(pg_catalog.>=) '1 second' AND trend_period OPERATOR(pg_catalog.<=) '3660 days'),
  DROP CONSTRAINT profiles_refresh_interval_check,
  ADD CONSTRAINT profiles_refresh_interval_check CHECK (refresh_interval OPERATOR(pg_catalog.>=) '0' AND refresh_interval OPERATOR(pg_catalog.<=) '366 days'),
  DROP CONSTRAINT profiles_refit_interval_check,
  ADD CONSTRAINT profiles_refit_interval_check CHECK (refit_interval OPERATOR(pg_catalog.>=) '0' AND refit_interval OPERATOR(pg_catalog.<=) '3660 days'),
  ADD CONSTRAINT profiles_failures_check CHECK (failures OPERATOR(pg_catalog.>=) 0),
  -- names are unique per owner: no role learns another's through this key
  DROP CONSTRAINT profiles_name_key,
  ADD CONSTRAINT profiles_owner_name_key UNIQUE (owner, name);

COMMENT ON TABLE @extschema@.profiles IS
'Registered customer profiles (clv.create_profile) and their refresh state; each role sees only the profiles of roles it has the privileges of; written only by the extension''s functions';
COMMENT ON SCHEMA clv_profiles IS
'Customer profiles maintained by clv_ext: per profile a view <name> (one row per customer), <name>_facts (the stored facts), <name>_model (the current model) and <name>_summary (per RFM segment)';
