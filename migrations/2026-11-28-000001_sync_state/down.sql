DROP TABLE poll_cursors;
DROP TABLE dead_letters;
DROP TABLE processed_events;
DROP TABLE customer_tombstones;
DROP TABLE customer_links;
ALTER TABLE customers DROP COLUMN changed_at;
