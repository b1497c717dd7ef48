-- Idempotency keys of sync batches: the first request with a key runs; a retry with the same key and body gets the
-- first answer again; the same key with another body is refused. A request whose process died while running is
-- taken over after a while (its items are idempotent: running them again changes nothing that ran).
CREATE TABLE IF NOT EXISTS idempotency_key (
    principal_id  text NOT NULL,
    key           text NOT NULL,
    request_hash  bytea NOT NULL,
    status        integer,             -- null while running
    response      text,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    PRIMARY KEY (principal_id, key)
);
CREATE INDEX IF NOT EXISTS idempotency_key_by_age ON idempotency_key (started_at);
