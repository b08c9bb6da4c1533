-- Events of customers whose handling keeps failing retryably (their system is down for them, a row is
-- locked): parked here so that the rest of their batch goes on, retried by the worker with backoff, in
-- order per customer (seq), and removed once handled. A customer with parked events parks its newer events
-- too, so that its order holds.
CREATE TABLE parked_events (
    seq             BIGSERIAL   PRIMARY KEY,
    integration     TEXT        NOT NULL,
    partition_key   TEXT        NOT NULL,
    topic           TEXT        NOT NULL,
    kafka_partition INTEGER     NOT NULL,
    kafka_offset    BIGINT      NOT NULL,
    headers         JSONB       NOT NULL,
    payload         TEXT        NOT NULL,
    attempts        INTEGER     NOT NULL,
    last_error      TEXT        NOT NULL,
    parked_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    next_attempt_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX parked_events_key ON parked_events (integration, partition_key, seq);
CREATE INDEX parked_events_due ON parked_events (integration, next_attempt_at);
