-- The conference directory, conferences with their programs, and accounts.

CREATE TABLE series (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    organizer   TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '[]',
    language    TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE conferences (
    id                 INTEGER PRIMARY KEY,
    slug               TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    time_zone          TEXT NOT NULL,
    first_day          TEXT NOT NULL,
    last_day           TEXT NOT NULL,
    day_change_minutes INTEGER NOT NULL DEFAULT 0,
    venue              TEXT NOT NULL DEFAULT '',
    city               TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    CHECK (last_day >= first_day)
);

CREATE TABLE editions (
    id            INTEGER PRIMARY KEY,
    series_id     INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    slug          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    starts_on     TEXT,
    ends_on       TEXT,
    city          TEXT NOT NULL,
    country       TEXT NOT NULL,
    region        TEXT NOT NULL,
    url           TEXT,
    attendance    INTEGER,
    tracks        INTEGER,
    conference_id INTEGER REFERENCES conferences (id) ON DELETE SET NULL,
    CHECK ((starts_on IS NULL) = (ends_on IS NULL)),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX editions_series ON editions (series_id);

CREATE TABLE rooms (
    id            INTEGER PRIMARY KEY,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    capacity      INTEGER CHECK (capacity > 0),
    position      INTEGER NOT NULL,
    UNIQUE (conference_id, name)
);

CREATE TABLE tracks (
    id            INTEGER PRIMARY KEY,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    colour        TEXT NOT NULL,
    UNIQUE (conference_id, name)
);

CREATE TABLE speakers (
    id            INTEGER PRIMARY KEY,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    company       TEXT NOT NULL DEFAULT '',
    bio           TEXT NOT NULL DEFAULT '',
    links         TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX speakers_conference ON speakers (conference_id);

-- capacity is the effective capacity (the override, else the room's; NULL = unlimited),
-- kept here so that the seat write path can enforce it in one statement; reserved counts
-- the reserved agenda rows. kept_over counts seats kept above a capacity an organizer
-- lowered: those already in stay, nobody new is admitted until the count is below the new
-- capacity. The CHECK is the backstop of invariant 1.
CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY,
    conference_id     INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    room_id           INTEGER NOT NULL REFERENCES rooms (id),
    track_id          INTEGER REFERENCES tracks (id) ON DELETE SET NULL,
    title             TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('talk', 'keynote', 'workshop', 'lab', 'theater', 'break')),
    starts_at         INTEGER NOT NULL,
    ends_at           INTEGER NOT NULL,
    capacity_override INTEGER CHECK (capacity_override > 0),
    capacity          INTEGER CHECK (capacity > 0),
    reserved          INTEGER NOT NULL DEFAULT 0,
    kept_over         INTEGER NOT NULL DEFAULT 0,
    abstract          TEXT NOT NULL DEFAULT '',
    language          TEXT NOT NULL DEFAULT '',
    links             TEXT NOT NULL DEFAULT '[]',
    CHECK (ends_at >= starts_at),
    CHECK (reserved >= 0 AND kept_over >= 0 AND (capacity IS NULL OR reserved <= capacity + kept_over))
);
CREATE INDEX sessions_conference_start ON sessions (conference_id, starts_at);

CREATE TABLE session_speakers (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    speaker_id    INTEGER NOT NULL REFERENCES speakers (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    PRIMARY KEY (session_id, speaker_id)
);
CREATE INDEX session_speakers_speaker ON session_speakers (speaker_id);
CREATE INDEX session_speakers_conference ON session_speakers (conference_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);

CREATE TABLE conference_members (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('attendee', 'speaker', 'volunteer', 'organizer')),
    PRIMARY KEY (conference_id, user_id, role)
);
CREATE INDEX conference_members_user ON conference_members (user_id);
