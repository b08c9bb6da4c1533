-- Integrations an operator paused: their workers consume nothing until resumed (then they catch up).
CREATE TABLE integration_pauses (
    integration text        PRIMARY KEY,
    paused_at   timestamptz NOT NULL DEFAULT now(),
    paused_by   text        NOT NULL,
    reason      text
);
