DROP TABLE parked_events;
