-- Installations are linked to users by GitHub account id (a login can be
-- renamed and taken by someone else); links made by login are dropped and
-- made again, by id, at the installation's next event or its user's sign-in.
ALTER TABLE installations ADD COLUMN account_id INTEGER;
UPDATE installations SET user_id = NULL;

-- One row per admission key (a user, an anonymous address): admission
-- writes it first in its transaction, so admissions of one key run one
-- at a time and their limits are checked against each other's jobs.
CREATE TABLE admission_locks (
    key TEXT PRIMARY KEY,
    touched_at INTEGER NOT NULL
);

-- When the Stripe event that last set a user's billing was made (Unix
-- seconds): events arrive in any order, and an older one is not applied
-- over a newer one.
ALTER TABLE users ADD COLUMN billing_event_at INTEGER;
