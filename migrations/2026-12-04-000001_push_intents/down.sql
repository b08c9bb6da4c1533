ALTER TABLE customer_links DROP COLUMN push_intents;
