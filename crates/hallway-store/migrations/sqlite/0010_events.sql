-- The outbox (DESIGN invariant 10): every change others must hear about (seat counts,
-- promotions, reminders, door counts, announcements) is a row here, written in the same
-- transaction as the change, so there is an event for every committed change and none for
-- a change that did not commit. Readers (the live streams of every instance; later push,
-- e-mail and webhooks) follow it by position: on SQLite one writer at a time commits, so
-- `id` order is commit order and `tx` stays 0. AUTOINCREMENT: an id is never used twice,
-- even after the newest rows are pruned, so a reader's position never goes back.
-- `params` is the event as JSON (hallway_domain::events::Event, `version` of its form);
-- `user_id` NULL means the event is for everybody in the conference.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tx            INTEGER NOT NULL DEFAULT 0,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id       INTEGER REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    params        TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX events_conference ON events (conference_id, id);
CREATE INDEX events_created ON events (created_at);
