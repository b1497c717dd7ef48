-- API keys: only a SHA-256 hash is stored; the key itself is shown once when issued.
-- A key acts for a principal (a user, or the bootstrap administrator) with that principal's role and region.
CREATE TABLE IF NOT EXISTS api_key (
    key_hash     bytea PRIMARY KEY,
    principal_id text NOT NULL,
    role         text NOT NULL,
    region       text,
    label        text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX IF NOT EXISTS api_key_by_principal ON api_key (principal_id);
