DROP INDEX inbound_deliveries_received_at;
DROP TABLE audit_events;
DROP TABLE api_keys;
