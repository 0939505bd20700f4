
-- 0.2.0 -> 0.3.0, after the functions (extension/upgrade/0.2.0--0.3.0.sql).

CREATE EVENT TRIGGER clv_profile_dropped_objects ON sql_drop
EXECUTE FUNCTION @extschema@.profile_dropped_objects();
COMMENT ON EVENT TRIGGER clv_profile_dropped_objects IS
'Keeps clv.profiles in step with DROP OWNED BY, DROP SCHEMA ... CASCADE and DROP TABLE of a profile''s objects or source';

-- Every profile gets the table of its current model, owned by its owner,
-- and views that read it (replaced in place: the owner's grants stay).
-- Profiles whose view or facts are gone, or whose owner was dropped, are
-- unregistered.
DO $upgrade$
DECLARE
  p @extschema@.profiles;
BEGIN
  FOR p IN SELECT * FROM @extschema@.profiles ORDER BY id LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) p.owner)
       OR pg_catalog.to_regclass(@extschema@.profile_object(p, '')) IS NULL
       OR pg_catalog.to_regclass(@extschema@.profile_object(p, '_facts')) IS NULL THEN
      PERFORM @extschema@.profile_drop_capture(p);
      PERFORM @extschema@.profile_forget(p.id);
      CONTINUE;
    END IF;
    -- Objects made or replaced in an extension script are members of the
    -- extension for the time being; the profile's are the owner's.
    EXECUTE pg_catalog.format('ALTER EXTENSION clv_ext ADD VIEW %s', @extschema@.profile_object(p, ''));
    EXECUTE pg_catalog.format('ALTER EXTENSION clv_ext ADD VIEW %s', @extschema@.profile_object(p, '_summary'));
    PERFORM @extschema@.profile_build_model_table(p);
    PERFORM @extschema@.profile_store_current_model(p);
    EXECUTE pg_catalog.format('ALTER TABLE %s OWNER TO %s', @extschema@.profile_object(p, '_model'), p.owner);
    PERFORM @extschema@.profile_build_views(p);
    EXECUTE pg_catalog.format('ALTER EXTENSION clv_ext DROP VIEW %s', @extschema@.profile_object(p, ''));
    EXECUTE pg_catalog.format('ALTER EXTENSION clv_ext DROP VIEW %s', @extschema@.profile_object(p, '_summary'));
    EXECUTE pg_catalog.format('ALTER EXTENSION clv_ext DROP TABLE %s', @extschema@.profile_object(p, '_model'));
  END LOOP;
END
$upgrade$;
