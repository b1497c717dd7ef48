-- Sign-in sessions of the administrators' dashboard (/admin). An administrator signs in once with their API key;
-- the browser then holds a random session token in an HttpOnly cookie, and only the token's SHA-256 is kept here.
-- A session is a short-lived handle on the key it was opened with, never more: it ends when the key is revoked
-- or expires (the lookup joins the key), when the administrator signs out, or at expires_at. Stored here rather
-- than in a cookie sealed by one process, so every API process knows every session and a sign-out is at once.
CREATE TABLE IF NOT EXISTS admin_session (
    session_hash bytea PRIMARY KEY,
    key_hash     bytea NOT NULL REFERENCES api_key (key_hash) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS admin_session_by_expiry ON admin_session (expires_at);
