-- Deleting a workspace for good removes its deleted instances together with their manifest
-- versions. Manifest versions stay append-only for everything else: a DELETE is let through
-- only inside a transaction that said `SET LOCAL roost.purge = 'on'` (WorkspaceRepository.purge
-- does, and nothing else should). UPDATE and TRUNCATE stay refused always.
--
-- manifest_versions gets a function of its own instead of a relaxed roost_refuse_change(), so
-- the guard of audit_log (and of any later append-only table) stays strict and unchanged.
CREATE FUNCTION roost_refuse_change_unless_purging() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('roost.purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

DROP TRIGGER manifest_versions_append_only ON manifest_versions;
CREATE TRIGGER manifest_versions_append_only BEFORE UPDATE OR DELETE ON manifest_versions
    FOR EACH ROW EXECUTE FUNCTION roost_refuse_change_unless_purging();
