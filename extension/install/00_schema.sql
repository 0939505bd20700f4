-- clv_ext install script, assembled by the Makefile from extension/install/*.sql
-- (once-only DDL) and extension/functions/*.sql (idempotent).
\echo Use "CREATE EXTENSION clv_ext" to load this file. \quit

-- Every role may use the analytic functions; tables and internal functions
-- carry their own privileges.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- The schema must be the installer's own and empty (CREATE EXTENSION creates
-- it; a schema someone else prepared could hold objects planted to shadow
-- ours).
DO $guard$
DECLARE
  schema_oid oid := (SELECT n.oid FROM pg_catalog.pg_namespace n
                     WHERE n.nspname OPERATOR(pg_catalog.=) pg_catalog.current_schema());
BEGIN
  IF (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.oid OPERATOR(pg_catalog.=) schema_oid)
       OPERATOR(pg_catalog.<>) (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
     OR EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) schema_oid)
     OR EXISTS (SELECT FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) schema_oid)
     OR EXISTS (SELECT FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) schema_oid)
     OR EXISTS (SELECT FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) schema_oid) THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = pg_catalog.format('schema %s is not an empty schema of the installing role', pg_catalog.current_schema()),
      HINT = 'Drop the schema (or let CREATE EXTENSION create it) and install again.';
  END IF;
END
$guard$;
