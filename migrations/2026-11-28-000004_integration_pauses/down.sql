DROP TABLE integration_pauses;
