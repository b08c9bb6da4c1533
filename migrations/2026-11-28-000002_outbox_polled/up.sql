-- The relays poll the outbox adaptively instead of being woken by NOTIFY: PostgreSQL serialises the commits of
-- transactions that notified (one lock on the notification queue), which capped the api's write rate.
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
