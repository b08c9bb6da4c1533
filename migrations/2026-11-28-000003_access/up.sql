-- Who may call the api, and what they did.

-- API keys: `csk_<8 characters>_<secret>`. Only the visible prefix and a SHA-256 of the whole key are kept;
-- the key itself is shown once, when it is created.
CREATE TABLE api_keys (
    id          uuid        PRIMARY KEY,
    prefix      text        NOT NULL UNIQUE,
    secret_hash bytea       NOT NULL,
    name        text        NOT NULL,
    role        text        NOT NULL CHECK (role IN ('viewer', 'editor', 'operator', 'admin')),
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz
);

-- Every write and admin request, allowed or refused: who, what, when, from where, and how it ended.
CREATE TABLE audit_events (
    id            bigserial   PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor         text        NOT NULL,
    role          text,
    action        text        NOT NULL,
    target        text,
    status        smallint    NOT NULL,
    outcome       text        NOT NULL CHECK (outcome IN ('ok', 'failed', 'refused')),
    remote_addr   text,
    forwarded_for text,
    trace_id      text
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_actor ON audit_events (actor, id);

-- Retention of the inbound delivery log scans by age.
CREATE INDEX inbound_deliveries_received_at ON inbound_deliveries (received_at);
