-- Sync state: where each customer is linked in each external system, what was last synced there, deleted
-- customers (tombstones), events already processed, and dead letters.

-- The source time of the latest change the catalog reflects (now() for local changes, the time the change
-- happened in Stripe or Salesforce for applied inbound ones). Last-writer-wins compares against it.
ALTER TABLE customers ADD COLUMN changed_at TIMESTAMPTZ NOT NULL DEFAULT now();

-- One row per (customer, integration). No foreign key: the row outlives the customer as the record that the
-- external record was deleted too (or must be).
CREATE TABLE customer_links (
    customer_id     UUID        NOT NULL,
    integration     TEXT        NOT NULL,
    -- The system's id (cus_…, 003…), once known.
    external_id     TEXT,
    -- The catalog version and fields (as the system reports them back) last pushed there or applied from there.
    synced_version  BIGINT,
    synced_fields   JSONB,
    -- Source time of the last inbound change applied from this system.
    source_at       TIMESTAMPTZ,
    -- When the product last wrote to the system for this customer.
    last_pushed_at  TIMESTAMPTZ,
    last_synced_at  TIMESTAMPTZ,
    last_error      TEXT,
    -- A create sent but not yet answered: replayed with the same idempotency key and fields until it is.
    pending_key     UUID,
    pending_fields  JSONB,
    pending_version BIGINT,
    -- The external record is deleted (tombstone on that side): nothing brings it back.
    deleted         BOOLEAN     NOT NULL DEFAULT false,
    PRIMARY KEY (customer_id, integration)
);
CREATE UNIQUE INDEX customer_links_external ON customer_links (integration, external_id) WHERE external_id IS NOT NULL;

-- Deleted customers. A late or replayed event about one of them changes nothing, on any side.
CREATE TABLE customer_tombstones (
    customer_id UUID        PRIMARY KEY,
    version     BIGINT      NOT NULL,
    deleted_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Events a consumer group has handled (Kafka delivers at least once). Pruned after a retention period.
CREATE TABLE processed_events (
    integration  TEXT        NOT NULL,
    event_id     UUID        NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (integration, event_id)
);
CREATE INDEX processed_events_age ON processed_events (processed_at);

-- Events that could not be handled (permanent error, attempts exhausted, undecodable). Replaying one puts it
-- back in the outbox for its original topic.
CREATE TABLE dead_letters (
    id          BIGSERIAL   PRIMARY KEY,
    integration TEXT        NOT NULL,
    topic       TEXT        NOT NULL,
    partition_key TEXT      NOT NULL,
    customer_id UUID,
    event_id    UUID,
    headers     JSONB       NOT NULL,
    payload     TEXT        NOT NULL,
    reason      TEXT        NOT NULL,
    attempts    INTEGER     NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    replayed_at TIMESTAMPTZ
);
CREATE INDEX dead_letters_customer ON dead_letters (customer_id) WHERE replayed_at IS NULL;

-- Where each poller has read up to (the Salesforce poller: the latest SystemModstamp it published).
CREATE TABLE poll_cursors (
    name       TEXT        PRIMARY KEY,
    position   TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
