-- clv_ext install script, assembled by the Makefile from extension/src/*.sql.
\echo Use "CREATE EXTENSION clv_ext" to load this file. \quit

-- Every role may use the analytic functions; tables and internal functions
-- carry their own privileges.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;
