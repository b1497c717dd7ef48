-- The audit trail belongs to a role nobody logs in as. Until now the services' role owned audit_event, so the
-- append-only triggers of 018 held only as long as that role chose: an owner may disable a table's triggers, drop
-- them or replace their function. Now bashu_audit_owner (NOLOGIN) owns the table and the triggers' function, and the
-- services' role (the role that runs the migrations and owns the rest of the schema, see docs/production.md) keeps
-- only INSERT (the state writes of 018 append the entries as the caller) and SELECT (the API reads the trail).
-- UPDATE, DELETE and TRUNCATE are refused before any trigger runs: permission denied.
--
-- Roles are server-wide, so creating one needs CREATEROLE (or a superuser) once; handing the table over needs
-- membership of the new owner for a moment, taken here and given back at the end. A later migration that alters
-- audit_event must do the same, deliberately.
DO $$
DECLARE
    v_service text := current_user;
    v_role pg_roles%ROWTYPE;
    v_joined boolean := false;
BEGIN
    SELECT * INTO v_role FROM pg_roles WHERE rolname = current_user;
    IF NOT (v_role.rolsuper OR v_role.rolcreaterole) THEN
        RAISE EXCEPTION '迁移 023 需要 CREATEROLE 权限 (the role % that runs migrate needs CREATEROLE once, to create bashu_audit_owner)', current_user
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'ALTER ROLE ' || quote_ident(current_user) || ' CREATEROLE; then migrate; then ALTER ROLE ' || quote_ident(current_user) || ' NOCREATEROLE (docs/production.md)';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bashu_audit_owner') THEN
        BEGIN
            CREATE ROLE bashu_audit_owner NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database on this server created it at the same moment
        END;
    END IF;
    IF NOT v_role.rolsuper AND NOT pg_has_role(current_user, 'bashu_audit_owner', 'MEMBER') THEN
        EXECUTE format('GRANT bashu_audit_owner TO %I', v_service);
        v_joined := true;
    END IF;

    -- An owner needs CREATE on the table's schema (it is what lets an owner rename or move what it owns).
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %s TO bashu_audit_owner',
                   (SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = 'audit_event'::regclass));
    ALTER TABLE audit_event OWNER TO bashu_audit_owner;
    ALTER FUNCTION bashu_refuse_audit_rewrite() OWNER TO bashu_audit_owner;
    REVOKE ALL ON audit_event FROM PUBLIC;
    EXECUTE format('REVOKE ALL ON audit_event FROM %I', v_service);
    EXECUTE format('GRANT SELECT, INSERT ON audit_event TO %I', v_service);

    IF v_joined THEN
        EXECUTE format('REVOKE bashu_audit_owner FROM %I', v_service);
    END IF;
END $$;
