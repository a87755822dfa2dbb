-- Networking and feedback (issue #9): contact cards with a badge token and code, mutual
-- contact exchange, blocks, session ratings and comments, the points ledger, and the
-- per-conference settings of points, levels and feedback.

-- A conference's own point values, cap, minimum ratings and level ladder (JSON list of
-- {name, at}); without a row the defaults of hallway_domain::points apply.
CREATE TABLE networking_settings (
    conference_id   INTEGER PRIMARY KEY REFERENCES conferences (id) ON DELETE CASCADE,
    points_contact  INTEGER NOT NULL,
    points_rating   INTEGER NOT NULL,
    points_comment  INTEGER NOT NULL,
    points_attended INTEGER NOT NULL,
    points_lab      INTEGER NOT NULL,
    hourly_cap      INTEGER NOT NULL,
    min_ratings     INTEGER NOT NULL,
    levels          TEXT NOT NULL
);

-- An attendee's card in one conference. token is the secret in the badge's QR URL (random,
-- 256 bits, base64url) and code the short one people type; both change together when the
-- attendee rotates them, and the old ones stop working. share_* say what the people they
-- exchange with see; exchange = 0 refuses new exchanges; leaderboard = 0 hides them there.
CREATE TABLE cards (
    conference_id  INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token          TEXT NOT NULL UNIQUE,
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    company        TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL DEFAULT '',
    socials        TEXT NOT NULL DEFAULT '[]',
    note           TEXT NOT NULL DEFAULT '',
    share_name     INTEGER NOT NULL DEFAULT 1,
    share_company  INTEGER NOT NULL DEFAULT 1,
    share_role     INTEGER NOT NULL DEFAULT 1,
    share_email    INTEGER NOT NULL DEFAULT 0,
    share_socials  INTEGER NOT NULL DEFAULT 1,
    share_note     INTEGER NOT NULL DEFAULT 1,
    exchange       INTEGER NOT NULL DEFAULT 1,
    leaderboard    INTEGER NOT NULL DEFAULT 1,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (conference_id, user_id),
    UNIQUE (conference_id, code)
);

-- One row per pair of people who exchanged cards, in id order: the primary key makes two
-- people scanning each other at the same moment one exchange.
CREATE TABLE contact_pairs (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_low      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_high     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scanned_by    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (conference_id, user_low, user_high),
    CHECK (user_low < user_high)
);

-- Each side's view of an exchange: the owner's private note; deleting a contact deletes
-- the owner's row only.
CREATE TABLE contacts (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    owner_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    contact_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    note          TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (conference_id, owner_id, contact_id),
    CHECK (owner_id <> contact_id)
);

CREATE TABLE contact_blocks (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    blocker_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (conference_id, blocker_id, blocked_id)
);

-- Links a speaker of the program to the account of the person (set by an organizer), so
-- speakers see their sessions' feedback. A separate table: speakers' columns feed the
-- program cache's trigger (DEVELOPERS.md).
CREATE TABLE speaker_accounts (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    speaker_id    INTEGER NOT NULL REFERENCES speakers (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (conference_id, speaker_id, user_id)
);
CREATE INDEX speaker_accounts_user ON speaker_accounts (conference_id, user_id);

-- One rating (and optional comment) per attendee and session, edited in place.
CREATE TABLE feedback (
    id            INTEGER PRIMARY KEY,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating        INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment       TEXT NOT NULL DEFAULT '',
    hidden        INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (conference_id, session_id, user_id)
);

-- The points ledger: append-only. action_key makes every action count once per attendee
-- (DESIGN.md invariant 5); points is what was granted after the hourly cap, worth what the
-- action was worth before it.
CREATE TABLE points_ledger (
    id            INTEGER PRIMARY KEY,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    action_key    TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('contact', 'rating', 'comment', 'attended', 'lab')),
    points        INTEGER NOT NULL CHECK (points >= 0),
    worth         INTEGER NOT NULL CHECK (worth >= points),
    at            INTEGER NOT NULL,
    UNIQUE (conference_id, user_id, action_key)
);
CREATE INDEX points_ledger_recent ON points_ledger (conference_id, user_id, at);

-- Each attendee's total, kept in the transaction that appends to the ledger (the row is
-- also the lock that serialises one attendee's awards); always the ledger's sum.
CREATE TABLE points_totals (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    points        INTEGER NOT NULL CHECK (points >= 0),
    PRIMARY KEY (conference_id, user_id)
);
CREATE INDEX points_totals_rank ON points_totals (conference_id, points);
