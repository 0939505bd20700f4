-- clv_ext 0.1.0 -> 0.2.0, assembled by the Makefile: this prelude, then the
-- parts new or rewritten in 0.2.0 (extension/src/42_identity_ingest.sql: the
-- ingest with a pinned search path; 50_profiles.sql: customer profiles).
\echo Use "ALTER EXTENSION clv_ext UPDATE TO '0.2.0'" to load this file. \quit

-- Every role may use the analytic functions; tables and internal functions
-- carry their own privileges.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- resolve_identities applies the rules with the caller's rights.
GRANT SELECT ON @extschema@.identity_rules TO PUBLIC;

-- The graph's functions resolve their own names in pg_catalog only.
ALTER FUNCTION @extschema@.identity_resplit(bigint[], text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.identity_retract(text, text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.identity_retract_source(text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.identity_retract_identifier(text) SET search_path = pg_catalog, pg_temp;

