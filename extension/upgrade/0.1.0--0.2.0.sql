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

-- The edges query streams its rows in batches instead of a cursor's fetches.
COMMENT ON FUNCTION @extschema@.identity_edges_from(text) IS
'Step of clv.identity_ingest: the rows of edges_query, which returns (a text, b text [, source text [, observed_at timestamptz]]); a wrong shape is ERROR 42804. Runs the query with the caller''s privileges (only a query that could be opened as a cursor), its rows streamed in batches';

-- Rejections name two more rules, and over-long identifiers are recorded
-- shortened (extension/src/41_identity_graph.sql).
COMMENT ON TABLE @extschema@.identity_rejections IS
'Edges clv.identity_ingest refused, with the rule that fired (first time only): blocked_value, max_per_cluster:<type>, max_cluster_size, hub:<type>, identifier_too_long (an identifier over 800 bytes) or source_too_long (a source over 800 bytes)';
COMMENT ON COLUMN @extschema@.identity_rejections.a IS 'the byte-wise smaller identifier; one over 800 bytes (identifier_too_long) is recorded as format(''%s... (%s bytes, md5 %s)'', left(identifier, 100), octet_length(identifier), md5(identifier))';
COMMENT ON COLUMN @extschema@.identity_rejections.b IS 'the byte-wise larger identifier, recorded like a';
