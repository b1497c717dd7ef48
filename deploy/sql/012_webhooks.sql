-- Webhooks: a platform subscribes a URL to event types; every change of the listings it may see becomes a delivery,
-- signed and retried until the receiver answers 2xx or the attempts run out.
--
-- A subscription keeps its own position in the change log (the same (tx, seq) order the change feed pages by): the
-- dispatcher turns the changes after it into deliveries and moves it on in one transaction, so a change becomes a
-- delivery once, even when two API processes dispatch (each locks the subscriptions it works on, SKIP LOCKED).
CREATE TABLE IF NOT EXISTS webhook_subscription (
    subscription_id  text PRIMARY KEY,
    platform_id      text NOT NULL,
    url              text NOT NULL,
    event_types      text[] NOT NULL,
    description      text,
    -- The HMAC key. Kept as issued because signing needs it (it is shown to the platform once, at subscription).
    secret           text NOT NULL,
    position_tx      xid8 NOT NULL,
    position_seq     bigint NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    revoked_at       timestamptz
);
CREATE INDEX IF NOT EXISTS webhook_subscription_by_platform ON webhook_subscription (platform_id);

-- One row per event to deliver. The id is the webhook-id header, the same on every attempt, so receivers
-- de-duplicate by it; it is derived from the subscription and the change, so dispatching a change twice makes one row.
-- The payload is the exact body that is signed and sent.
CREATE TABLE IF NOT EXISTS webhook_delivery (
    delivery_id      text PRIMARY KEY,
    subscription_id  text NOT NULL REFERENCES webhook_subscription ON DELETE CASCADE,
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    event_type       text NOT NULL,
    listing_id       text,
    listing_version  integer,
    payload          text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
-- What is due: only pending rows are in this index, so it stays as small as the backlog.
CREATE INDEX IF NOT EXISTS webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 'pending';
-- The delivery log a platform reads, newest first.
CREATE INDEX IF NOT EXISTS webhook_delivery_log ON webhook_delivery (subscription_id, seq DESC);

-- Every attempt, as the receiver answered it: the transparent part of the delivery log.
CREATE TABLE IF NOT EXISTS webhook_attempt (
    delivery_id      text NOT NULL REFERENCES webhook_delivery ON DELETE CASCADE,
    attempt          integer NOT NULL,
    attempted_at     timestamptz NOT NULL,
    status_code      integer,
    error            text,
    duration_ms      integer NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
