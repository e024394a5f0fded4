-- Vendors' webhooks: the endpoints they registered, an outbox of deliveries (one row per event
-- and matching endpoint) that every node's dispatcher claims with FOR UPDATE SKIP LOCKED, and a
-- log of every attempt. Deleting an endpoint deletes its deliveries and their log.

CREATE TABLE webhook_endpoints (
    id          text        PRIMARY KEY,
    vendor      text        NOT NULL,
    url         text        NOT NULL,
    event_types text[]      NOT NULL,
    description text,
    -- The signing secret: the node needs it to sign, so it cannot be a hash. Sealed with
    -- AES-256-GCM when the node has Webhooks:SecretKey (first byte 1), else as is (first byte 0).
    secret      bytea       NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_vendor ON webhook_endpoints (vendor, id);

CREATE TABLE webhook_deliveries (
    id              text        PRIMARY KEY,
    -- Enqueue order: deliveries of one endpoint and room go out in this order.
    seq             bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    endpoint        text        NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    event_id        text        NOT NULL,
    event_type      text        NOT NULL,
    room            text,
    -- The exact JSON that is signed and sent; a replay sends these bytes again.
    body            text        NOT NULL,
    created_at      timestamptz NOT NULL,
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    -- A node's claim: until this time no other node takes the delivery; the token proves whose it is.
    lease           uuid,
    leased_until    timestamptz,
    delivered_at    timestamptz,
    replay_of       text
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_room ON webhook_deliveries (endpoint, room, seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint, seq);

CREATE TABLE webhook_attempts (
    delivery     text        NOT NULL REFERENCES webhook_deliveries ON DELETE CASCADE,
    attempt      int         NOT NULL,
    at           timestamptz NOT NULL,
    status_code  int,
    error        text,
    duration_ms  bigint      NOT NULL,
    PRIMARY KEY (delivery, attempt)
);
