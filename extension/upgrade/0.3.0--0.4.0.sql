-- 0.3.0 -> 0.4.0: once-only DDL, before the idempotent function parts
-- (extension/src/42_identity_functions.sql, 51_profiles_functions.sql).
\echo Use "ALTER EXTENSION clv_ext UPDATE TO '0.4.0'" to load this file. \quit
