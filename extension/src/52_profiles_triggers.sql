-- Triggers on the extension's own tables (once-only DDL).

CREATE TRIGGER profile_capture_ins AFTER INSERT ON @extschema@.identity_nodes
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.profile_capture_identities();
CREATE TRIGGER profile_capture_upd AFTER UPDATE ON @extschema@.identity_nodes
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.profile_capture_identities();
CREATE TRIGGER profile_capture_del AFTER DELETE ON @extschema@.identity_nodes
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.profile_capture_identities();
CREATE EVENT TRIGGER clv_profile_dropped_objects ON sql_drop
EXECUTE FUNCTION @extschema@.profile_dropped_objects();
COMMENT ON EVENT TRIGGER clv_profile_dropped_objects IS
'Keeps clv.profiles in step with DROP OWNED BY, DROP SCHEMA ... CASCADE and DROP TABLE of a profile''s objects or source';
