-- 0.5.0 -> 0.6.0: once-only DDL, before the idempotent function files
-- (extension/functions/*.sql) that the upgrade script loads after it.
\echo Use "ALTER EXTENSION clv_ext UPDATE TO '0.6.0'" to load this file. \quit
