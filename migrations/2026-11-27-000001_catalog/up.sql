-- The local customer catalog, its transactional outbox and the inbound delivery log.

CREATE TABLE customers (
    id          UUID PRIMARY KEY,
    name        TEXT        NOT NULL,
    email       TEXT        NOT NULL,
    phone       TEXT,
    version     BIGINT      NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Emails are unique regardless of case; the address is kept as the user wrote it.
CREATE UNIQUE INDEX customers_email_lower_key ON customers (lower(email));

-- Events written in the same transaction as the change that caused them; producer-relay publishes them to
-- Kafka and deletes them once Kafka acknowledged. `lane` spreads partition keys over 16 lanes: a relay holds
-- a lane's lock while it publishes, so one key's events are published by one relay at a time, in id order.
CREATE TABLE outbox (
    id            BIGSERIAL PRIMARY KEY,
    event_id      UUID        NOT NULL,
    topic         TEXT        NOT NULL,
    partition_key TEXT        NOT NULL,
    lane          SMALLINT    NOT NULL GENERATED ALWAYS AS ((hashtext(partition_key) & 15)::smallint) STORED,
    headers       JSONB       NOT NULL,
    payload       JSONB       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX outbox_lane_id ON outbox (lane, id);

-- Wake the relays once per inserting statement; NOTIFY is delivered at commit.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Inbound deliveries already accepted (Stripe evt_…, Salesforce notification ids): redeliveries are dropped.
CREATE TABLE inbound_deliveries (
    source      TEXT        NOT NULL,
    delivery_id TEXT        NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (source, delivery_id)
);
