-- The organizer workspace: conferences made in hallway (published or not), room notes,
-- speaker photos, the draft of the next release, invitations and the audit log.

ALTER TABLE conferences ADD COLUMN published INTEGER NOT NULL DEFAULT 1;
ALTER TABLE conferences ADD COLUMN logo_url TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE speakers ADD COLUMN photo_url TEXT NOT NULL DEFAULT '';

-- The sessions of the next release as JSON (hallway_domain::editor::Draft); revision guards
-- against two editors overwriting each other.
CREATE TABLE drafts (
    conference_id INTEGER PRIMARY KEY REFERENCES conferences (id) ON DELETE CASCADE,
    doc           TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE invitations (
    token_hash    TEXT PRIMARY KEY,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('organizer', 'volunteer', 'speaker')),
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    accepted_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    accepted_at   INTEGER
);
CREATE INDEX invitations_conference ON invitations (conference_id);

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '',
    at            INTEGER NOT NULL
);
CREATE INDEX audit_log_conference ON audit_log (conference_id, id);
