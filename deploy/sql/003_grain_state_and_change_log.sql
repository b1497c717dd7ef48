-- Grain state for Orleans' ADO.NET grain storage, and the change log that every state write feeds.
--
-- One row per (service, state name, grain key): the primary key makes a duplicate row impossible.
-- Orleans passes string keys in GrainIdExtensionString and integer/Guid keys in N0/N1 (plus an optional
-- extension); all of them are part of the key. The state name is the one given to [PersistentState];
-- every grain type uses its own, so two grain types with one key never share a row.
-- The payload is the grain's state as JSON (our System.Text.Json serializer), kept as jsonb so that the
-- projections and an operator with psql can read it (the read model is projected from it in SQL).
CREATE TABLE IF NOT EXISTS grain_state (
    service_id  text NOT NULL,
    state_name  text NOT NULL,
    grain_key   text NOT NULL,
    grain_n0    bigint NOT NULL DEFAULT 0,
    grain_n1    bigint NOT NULL DEFAULT 0,
    version     integer NOT NULL,
    payload     jsonb,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, state_name, grain_key, grain_n0, grain_n1)
) WITH (fillfactor = 80);  -- room on each page for HOT updates: a state write then touches no index

-- The change log: one row per acknowledged state change, written in the same transaction as the state,
-- so a change is either in both or in neither. Its total order is (tx, seq): a reader only takes rows
-- whose transaction id is below the oldest transaction still running (pg_snapshot_xmin), so no row can
-- later appear before a position that was already read. Readers page by that position.
CREATE TABLE IF NOT EXISTS change_log (
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    tx          xid8 NOT NULL DEFAULT pg_current_xact_id(),
    service_id  text NOT NULL,
    state_name  text NOT NULL,
    grain_key   text NOT NULL,
    version     integer NOT NULL,
    deleted     boolean NOT NULL DEFAULT false,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
-- The position is the only index: every write pays for each index on this table.
CREATE UNIQUE INDEX IF NOT EXISTS change_log_position ON change_log (tx, seq);

-- Returns the new version, or null when the caller's version is stale (Orleans then raises
-- InconsistentStateException and the write is not acknowledged).
CREATE OR REPLACE FUNCTION bashu_write_grain_state(
    p_service_id text, p_state_name text, p_n0 bigint, p_n1 bigint, p_key text,
    p_expected_version integer, p_payload bytea)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_key text := coalesce(p_key, '');
    v_version integer;
BEGIN
    IF p_expected_version IS NULL THEN
        INSERT INTO grain_state (service_id, state_name, grain_key, grain_n0, grain_n1, version, payload)
        VALUES (p_service_id, p_state_name, v_key, p_n0, p_n1, 1, convert_from(p_payload, 'UTF8')::jsonb)
        ON CONFLICT DO NOTHING
        RETURNING version INTO v_version;
    ELSE
        UPDATE grain_state
           SET version = version + 1, payload = convert_from(p_payload, 'UTF8')::jsonb, updated_at = now()
         WHERE service_id = p_service_id AND state_name = p_state_name AND grain_key = v_key
           AND grain_n0 = p_n0 AND grain_n1 = p_n1 AND version = p_expected_version
        RETURNING version INTO v_version;
    END IF;

    IF v_version IS NOT NULL THEN
        INSERT INTO change_log (service_id, state_name, grain_key, version)
        VALUES (p_service_id, p_state_name, v_key, v_version);
    END IF;
    RETURN v_version;
END $$;

-- Clearing keeps the row (payload null) so the version keeps counting; deleting removes it.
-- Both leave a tombstone in the change log.
CREATE OR REPLACE FUNCTION bashu_clear_grain_state(
    p_service_id text, p_state_name text, p_n0 bigint, p_n1 bigint, p_key text,
    p_expected_version integer, p_delete boolean)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_key text := coalesce(p_key, '');
    v_version integer;
BEGIN
    IF p_delete THEN
        DELETE FROM grain_state
         WHERE service_id = p_service_id AND state_name = p_state_name AND grain_key = v_key
           AND grain_n0 = p_n0 AND grain_n1 = p_n1 AND version = p_expected_version
        RETURNING version + 1 INTO v_version;
    ELSE
        UPDATE grain_state SET version = version + 1, payload = NULL, updated_at = now()
         WHERE service_id = p_service_id AND state_name = p_state_name AND grain_key = v_key
           AND grain_n0 = p_n0 AND grain_n1 = p_n1 AND version = p_expected_version
        RETURNING version INTO v_version;
    END IF;

    IF v_version IS NOT NULL THEN
        INSERT INTO change_log (service_id, state_name, grain_key, version, deleted)
        VALUES (p_service_id, p_state_name, v_key, v_version, true);
    END IF;
    RETURN v_version;
END $$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('ReadFromStorageKey', $q$
SELECT convert_to(payload::text, 'UTF8') AS "PayloadBinary", version AS "Version"
  FROM grain_state
 WHERE service_id = @ServiceId AND state_name = @GrainTypeString
   AND grain_key = coalesce(@GrainIdExtensionString, '') AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1;
$q$),
('WriteToStorageKey', $q$
SELECT bashu_write_grain_state(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
    @GrainIdExtensionString, @GrainStateVersion, @PayloadBinary) AS "NewGrainStateVersion";
$q$),
('ClearStorageKey', $q$
SELECT bashu_clear_grain_state(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
    @GrainIdExtensionString, @GrainStateVersion, false);
$q$),
('DeleteStorageKey', $q$
SELECT bashu_clear_grain_state(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
    @GrainIdExtensionString, @GrainStateVersion, true);
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
