-- The fields of the pushes the worker is about to make (or made without being able to record them), as
-- the system will hold them: a JSON array, newest last, cleared once a push is recorded. A Salesforce poll
-- that reads one of them reads the product's own write, not someone's change, even when the push landed
-- while its outcome could not be stored (PostgreSQL restarting, the worker killed).
ALTER TABLE customer_links ADD COLUMN push_intents JSONB;
