-- clv_ext install script, assembled by the Makefile from extension/src/*.sql.
\echo Use "CREATE EXTENSION clv_ext" to load this file. \quit
