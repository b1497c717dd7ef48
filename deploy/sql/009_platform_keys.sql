-- API keys issued to platforms (科创中国, a city platform, a provincial operator's node), with scopes.
-- key_id is a key's public handle (listed, used to revoke or rotate it); the key itself is shown once and only its
-- hash is kept. scopes is null for a user's or administrator's own key (everything its role allows).
-- A rotated key keeps working until expires_at, so a platform can switch keys without a moment of refusals.
ALTER TABLE api_key ADD COLUMN IF NOT EXISTS key_id text;
ALTER TABLE api_key ADD COLUMN IF NOT EXISTS platform_id text;
ALTER TABLE api_key ADD COLUMN IF NOT EXISTS scopes text[];
ALTER TABLE api_key ADD COLUMN IF NOT EXISTS expires_at timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS api_key_by_key_id ON api_key (key_id);
CREATE INDEX IF NOT EXISTS api_key_by_platform ON api_key (platform_id, created_at) WHERE platform_id IS NOT NULL;
