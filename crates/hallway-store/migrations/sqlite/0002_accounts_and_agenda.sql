-- Accounts (log-in sessions, API tokens, site roles), the personal agenda with waitlists,
-- and the notifications attendees read later.

ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;

-- Minutes before a reserved session at which the attendee is reminded; NULL = no reminders.
ALTER TABLE users ADD COLUMN reminder_minutes INTEGER DEFAULT 10;

-- The secret in the attendee's calendar feed URL (a read-only capability; regenerable).
ALTER TABLE users ADD COLUMN calendar_key TEXT;
CREATE UNIQUE INDEX users_calendar_key ON users (calendar_key);

-- Minutes after a session's start during which attendees may still change their agenda.
ALTER TABLE conferences ADD COLUMN agenda_grace_minutes INTEGER NOT NULL DEFAULT 5;

-- Browser log-in sessions; the cookie carries the token, the database only its SHA-256.
CREATE TABLE auth_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);

-- Bearer tokens for the API; stored hashed, revocable.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- One row per attendee and session: a reserved seat or a place on the waitlist. The id
-- gives the waitlist order (first come, first served).
CREATE TABLE agenda (
    id            INTEGER PRIMARY KEY,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    state         TEXT NOT NULL CHECK (state IN ('reserved', 'waitlisted')),
    created_at    INTEGER NOT NULL,
    UNIQUE (user_id, session_id)
);
CREATE INDEX agenda_session_state ON agenda (session_id, state, id);
CREATE INDEX agenda_user ON agenda (conference_id, user_id, state);

CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    session_id    INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    message       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    read_at       INTEGER
);
CREATE INDEX notifications_user ON notifications (conference_id, user_id, id);

-- Reminders claimed for delivery: the primary key makes each (attendee, session, channel)
-- deliverable once, whatever number of server instances race for it (invariant 4).
CREATE TABLE reminders_sent (
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    channel       TEXT NOT NULL,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    sent_at       INTEGER NOT NULL,
    PRIMARY KEY (user_id, session_id, channel)
);
CREATE INDEX sessions_starts_at ON sessions (starts_at);
