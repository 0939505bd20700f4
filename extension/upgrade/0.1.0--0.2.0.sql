-- clv_ext 0.1.0 -> 0.2.0, assembled by the Makefile: this prelude, then the
-- parts new in 0.2.0 (extension/src/50_profiles.sql, customer profiles).
\echo Use "ALTER EXTENSION clv_ext UPDATE TO '0.2.0'" to load this file. \quit

-- Every role may use the analytic functions; tables and internal functions
-- carry their own privileges.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

