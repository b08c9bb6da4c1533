DROP TABLE backfill_cursors;
