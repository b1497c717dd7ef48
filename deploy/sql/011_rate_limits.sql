-- Rate limits of platforms' keys, shared by every API process: one row per platform with the current one-minute
-- window and the requests counted in it. Unlogged: a lost count after a crash only gives a platform a fresh window.
CREATE UNLOGGED TABLE IF NOT EXISTS rate_window (
    principal_id  text PRIMARY KEY,
    window_start  timestamptz NOT NULL,
    requests      integer NOT NULL
);
