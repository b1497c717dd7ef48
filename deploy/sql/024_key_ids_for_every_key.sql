-- Every key has a key id, not only platforms' keys: users', administrators' and the bootstrap administrator's too,
-- so one path (DELETE /api/v1/keys/{keyId}, ./bashu keys revoke <key-id>) revokes any key. Keys stored before get an
-- id derived from their hash (a hash of the hash: it tells nothing about the key); new keys get a random one from
-- the API, and the default covers a process of an older version still inserting without one.
UPDATE api_key SET key_id = 'key_' || substr(encode(sha256(key_hash), 'hex'), 1, 16) WHERE key_id IS NULL;
ALTER TABLE api_key ALTER COLUMN key_id SET DEFAULT 'key_' || substr(md5(gen_random_uuid()::text), 1, 16);
ALTER TABLE api_key ALTER COLUMN key_id SET NOT NULL;
