DROP TABLE IF EXISTS admission_locks;
ALTER TABLE installations DROP COLUMN account_id;
ALTER TABLE users DROP COLUMN billing_event_at;
