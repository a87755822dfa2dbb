-- The venue (issue #10): room doors that admit only while there is room (DESIGN.md
-- invariant 7), hands-on lab machines handed out from a pool (invariant 6), and
-- announcements.

-- A conference's door and lab settings; without a row the defaults of
-- hallway_domain::venue::VenueSettings apply.
CREATE TABLE venue_settings (
    conference_id      INTEGER PRIMARY KEY REFERENCES conferences (id) ON DELETE CASCADE,
    reserved_minutes   INTEGER NOT NULL CHECK (reserved_minutes >= 0),
    doors_open_minutes INTEGER NOT NULL CHECK (doors_open_minutes >= 0),
    reset_between      INTEGER NOT NULL
);

-- Who is in a room now, as counted at its doors. The row is also the lock every door of the
-- room takes before deciding (PostgreSQL: the row lock of the upsert; SQLite: BEGIN
-- IMMEDIATE), so doors scanning at once decide one after the other. session_id is the session
-- the count belongs to (NULL: none running), for the reset between sessions. capacity is
-- the room's capacity when the last person was admitted: the CHECK is the backstop of
-- invariant 7 (a check-in over it fails the transaction).
CREATE TABLE room_presence (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    room_id       INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    session_id    INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
    occupancy     INTEGER NOT NULL DEFAULT 0 CHECK (occupancy >= 0),
    capacity      INTEGER,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (conference_id, room_id),
    CHECK (capacity IS NULL OR occupancy <= capacity)
);

-- The people inside a room now, one row each (occupancy is their count); reserved says they
-- came in on a seat of session_id, which stops holding a seat for them.
CREATE TABLE room_checkins (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    room_id       INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id    INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
    reserved      INTEGER NOT NULL DEFAULT 0,
    at            INTEGER NOT NULL,
    PRIMARY KEY (conference_id, room_id, user_id)
);

-- Sessions attended (checked in at a door while the session ran or was about to): counts
-- for points and lets the attendee rate the session.
CREATE TABLE attendance (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    PRIMARY KEY (conference_id, session_id, user_id)
);

-- A lab session's machines. holder_id is the attendee using it (NULL: free): one column, so
-- a machine has at most one holder; the partial unique index gives an attendee at most one
-- machine per lab (invariant 6).
CREATE TABLE lab_machines (
    id            INTEGER PRIMARY KEY,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    address       TEXT NOT NULL,
    username      TEXT NOT NULL,
    secret        TEXT NOT NULL,
    holder_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    claimed_at    INTEGER,
    UNIQUE (conference_id, session_id, name)
);
CREATE UNIQUE INDEX lab_machines_one_per_holder ON lab_machines (conference_id, session_id, holder_id)
    WHERE holder_id IS NOT NULL;

-- Announcements: audience 'everyone', 'room' (room_id set) or 'session' (session_id set).
CREATE TABLE announcements (
    id            INTEGER PRIMARY KEY,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    author_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    text          TEXT NOT NULL,
    audience      TEXT NOT NULL CHECK (audience IN ('everyone', 'room', 'session')),
    room_id       INTEGER REFERENCES rooms (id) ON DELETE CASCADE,
    session_id    INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL
);
CREATE INDEX announcements_recent ON announcements (conference_id, created_at);
