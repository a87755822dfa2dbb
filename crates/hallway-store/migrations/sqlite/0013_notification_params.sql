-- Notifications as their kind and parameters (hallway_domain::notice::Notice as JSON); the
-- words are made where a notification is shown. Rows written before keep their worded
-- `message` and an empty `params`.
ALTER TABLE notifications ADD COLUMN params TEXT NOT NULL DEFAULT '';
