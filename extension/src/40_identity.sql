-- Identity resolution.

--------------------------------------------------------------------------
-- One-shot resolution over a query
--------------------------------------------------------------------------

-- Runs an arbitrary query of the caller (with the caller's privileges), hence
-- VOLATILE and PARALLEL UNSAFE; STRICT: a NULL query gives no rows.
CREATE FUNCTION @extschema@.resolve_identities(edges_query text)
RETURNS TABLE (identifier text, cluster_id bigint, cluster_key text, cluster_size bigint)
AS 'MODULE_PATHNAME', 'clv_resolve_identities'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.resolve_identities(text) IS
'Connected components of the identifier pairs returned by edges_query (two text columns, e.g. ''SELECT a, b FROM edges''): one row per distinct identifier with its cluster; cluster_key = the cluster''s smallest identifier (byte order), cluster_id = non-negative 63-bit XXH64 hash of cluster_key, cluster_size = members. NULL and empty identifiers are skipped (a NOTICE gives their count), the other side of such a pair is kept as an identifier. Output is ordered by (cluster_key, identifier) and does not depend on the order of the input rows';

CREATE FUNCTION @extschema@.resolve_identities(edges_query text, apply_rules boolean)
RETURNS TABLE (identifier text, cluster_id bigint, cluster_key text, cluster_size bigint)
AS 'MODULE_PATHNAME', 'clv_resolve_identities_rules'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.resolve_identities(text, boolean) IS
'clv.resolve_identities(edges_query) with optional guard rules: when apply_rules is true, the rules clv.identity_ingest applies are applied here too (the built-in junk list unless clv.identity_block_junk is off, the rows of clv.identity_rules, clv.identity_max_cluster_size and clv.identity_hub_limit), deciding the edges in a fixed order (rule priority, then identifiers); blocked identifiers link nothing and are left out of the output, and the distinct rejected pairs are counted in a NOTICE. With false it is the one-argument form';
