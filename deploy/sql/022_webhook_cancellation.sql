-- A stopped subscription's deliveries that were still to be sent are cancelled, not left pending: a pending row of
-- a revoked subscription was still due, so the dispatcher kept claiming it (and, 32 at a time, could claim nothing
-- else). Unsubscribing now cancels them in the same transaction; rows left pending by earlier releases are cancelled here.
ALTER TABLE webhook_delivery DROP CONSTRAINT IF EXISTS webhook_delivery_status_check;
ALTER TABLE webhook_delivery ADD CONSTRAINT webhook_delivery_status_check
    CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled'));

UPDATE webhook_delivery d SET status = 'cancelled'
  FROM webhook_subscription s
 WHERE s.subscription_id = d.subscription_id AND s.revoked_at IS NOT NULL AND d.status = 'pending';
