-- Housekeeping deletes finished webhook deliveries after their retention, oldest first, without scanning the log.
CREATE INDEX IF NOT EXISTS webhook_delivery_finished ON webhook_delivery (created_at) WHERE status <> 'pending';
