-- The audit trail: one entry for every acknowledged version of a listing (later also a deal), saying what the change
-- did and who asked for it. A grain state carries the entry of the change that produced it (payload->'lastChange');
-- the state write below copies it here in the same transaction, so a crash can neither store a state without its
-- entry nor an entry without its state, and the grains need no second write.
CREATE TABLE IF NOT EXISTS audit_event (
    service_id     text NOT NULL,
    entity         text NOT NULL,           -- the grain state name: 'listing', later 'deal'
    entity_key     text NOT NULL,
    version_before integer NOT NULL,
    version_after  integer NOT NULL,
    action         text NOT NULL,           -- e.g. 'listing.approved'
    actor_id       text NOT NULL,
    actor_role     text NOT NULL,           -- the UserRole's name, as the state JSON writes it
    at             timestamptz NOT NULL,    -- when the grain decided
    detail         text,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    -- One entry per version: a state written again with the same version cannot add a second one.
    PRIMARY KEY (service_id, entity, entity_key, version_after)
);

-- Append-only, enforced by the database rather than by whoever holds a connection: no UPDATE, DELETE or TRUNCATE
-- can rewrite the trail, whatever code (or operator) sends it. Removing entries needs these triggers dropped first,
-- a deliberate step that shows up in the schema history.
CREATE OR REPLACE FUNCTION bashu_refuse_audit_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION bashu_refuse_audit_rewrite();
CREATE OR REPLACE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION bashu_refuse_audit_rewrite();

-- The entry a state write leaves: the payload's lastChange, for the version the payload says it is (the state's own
-- version, not the row's, so a state stored again unchanged adds nothing: ON CONFLICT DO NOTHING). Only payloads
-- with a lastChange object and a numeric version are audited: a null key column would fail the whole write.
CREATE OR REPLACE FUNCTION bashu_append_audit_event(p_service_id text, p_entity text, p_key text, p_payload jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_change jsonb := p_payload -> 'lastChange';
    v_version integer;
BEGIN
    IF jsonb_typeof(v_change) IS DISTINCT FROM 'object' OR jsonb_typeof(p_payload -> 'version') IS DISTINCT FROM 'number' THEN
        RETURN;
    END IF;
    v_version := (p_payload ->> 'version')::integer;
    INSERT INTO audit_event (service_id, entity, entity_key, version_before, version_after, action, actor_id, actor_role, at, detail)
    VALUES (p_service_id, p_entity, p_key, v_version - 1, v_version, v_change ->> 'action', v_change ->> 'actorId',
            v_change ->> 'actorRole', (v_change ->> 'at')::timestamptz, v_change ->> 'detail')
    ON CONFLICT DO NOTHING;
END $$;

-- The group-commit write of 008, unchanged in signature and result, plus each written row's audit entry. The
-- payload is parsed once per row (it is now read twice).
CREATE OR REPLACE FUNCTION bashu_write_grain_states(
    p_service_id text, p_state_names text[], p_keys text[], p_expected integer[], p_payloads text[])
RETURNS TABLE (written_state_name text, written_key text, written_version integer) LANGUAGE plpgsql AS $$
DECLARE
    c record;
    v_payload jsonb;
    v_version integer;
BEGIN
    FOR c IN SELECT * FROM unnest(p_state_names, p_keys, p_expected, p_payloads) AS u(state_name, grain_key, expected, payload)
    LOOP
        v_payload := c.payload::jsonb;
        IF c.expected IS NULL THEN
            INSERT INTO grain_state (service_id, state_name, grain_key, version, payload)
            VALUES (p_service_id, c.state_name, c.grain_key, 1, v_payload)
            ON CONFLICT DO NOTHING
            RETURNING version INTO v_version;
        ELSE
            UPDATE grain_state g SET version = g.version + 1, payload = v_payload, updated_at = now()
             WHERE g.service_id = p_service_id AND g.state_name = c.state_name AND g.grain_key = c.grain_key
               AND g.grain_n0 = 0 AND g.grain_n1 = 0 AND g.version = c.expected
            RETURNING g.version INTO v_version;
        END IF;
        IF v_version IS NOT NULL THEN
            INSERT INTO change_log (service_id, state_name, grain_key, version, deleted)
            VALUES (p_service_id, c.state_name, c.grain_key, v_version, c.payload IS NULL);
            PERFORM bashu_append_audit_event(p_service_id, c.state_name, c.grain_key, v_payload);
            written_state_name := c.state_name;
            written_key := c.grain_key;
            written_version := v_version;
            RETURN NEXT;
        END IF;
    END LOOP;
END $$;

-- The single-row write of 003 (Orleans' own ADO.NET provider, through the query catalogue), likewise: the silos use
-- the group commit above, but the two providers keep writing the same rows, change log and now trail.
CREATE OR REPLACE FUNCTION bashu_write_grain_state(
    p_service_id text, p_state_name text, p_n0 bigint, p_n1 bigint, p_key text,
    p_expected_version integer, p_payload bytea)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_key text := coalesce(p_key, '');
    v_payload jsonb := convert_from(p_payload, 'UTF8')::jsonb;
    v_version integer;
BEGIN
    IF p_expected_version IS NULL THEN
        INSERT INTO grain_state (service_id, state_name, grain_key, grain_n0, grain_n1, version, payload)
        VALUES (p_service_id, p_state_name, v_key, p_n0, p_n1, 1, v_payload)
        ON CONFLICT DO NOTHING
        RETURNING version INTO v_version;
    ELSE
        UPDATE grain_state
           SET version = version + 1, payload = v_payload, updated_at = now()
         WHERE service_id = p_service_id AND state_name = p_state_name AND grain_key = v_key
           AND grain_n0 = p_n0 AND grain_n1 = p_n1 AND version = p_expected_version
        RETURNING version INTO v_version;
    END IF;

    IF v_version IS NOT NULL THEN
        INSERT INTO change_log (service_id, state_name, grain_key, version)
        VALUES (p_service_id, p_state_name, v_key, v_version);
        PERFORM bashu_append_audit_event(p_service_id, p_state_name, v_key, v_payload);
    END IF;
    RETURN v_version;
END $$;
