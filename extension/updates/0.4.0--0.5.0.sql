-- 0.4.0 -> 0.5.0: once-only DDL, before the idempotent function files
-- (extension/functions/*.sql) that the upgrade script loads after it.
\echo Use "ALTER EXTENSION clv_ext UPDATE TO '0.5.0'" to load this file. \quit

-- No change to schemas, types, tables, sequences or policies: 0.5.0 only
-- reorganises the sources; the functions are reloaded as they are.
