
-- 0.3.0 -> 0.4.0, after the functions (updates/0.3.0--0.4.0.sql).

-- Profiles that resolve identities: identifiers starting with 'cluster:' or
-- 'identifier:' have keys of their own now (clv.profile_identifier_key), so
-- the stored keys and the pending changes, both in the old form, are
-- replaced by a full refresh, queued here and run as each profile's owner
-- (the update itself writes no table of an owner's).
INSERT INTO @extschema@.profile_changes (profile_id, customers)
SELECT p.id, NULL FROM @extschema@.profiles p WHERE p.resolve_identity;
