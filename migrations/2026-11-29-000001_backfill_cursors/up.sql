-- Where `syncctl backfill` has read up to in each system (`stripe`, `salesforce`): the id of the last record
-- of the last page it finished (a Stripe `cus_…` for `starting_after`, a Salesforce Contact Id for
-- `Id > …`). Text, unlike poll_cursors' timestamps. Removed when a backfill completes.
CREATE TABLE backfill_cursors (
    name       TEXT        PRIMARY KEY,
    position   TEXT        NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
