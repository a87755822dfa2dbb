-- Imported schedules: a guid per session (kept across re-imports), the fields frab and
-- c3voc carry besides the ones we had, and one row per schedule version with its changelog.

ALTER TABLE sessions ADD COLUMN guid TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN subtitle TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN url TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_guid ON sessions (conference_id, guid);

ALTER TABLE conferences ADD COLUMN url TEXT NOT NULL DEFAULT '';

-- changes is the changelog as JSON: [{guid, changes: [...], before, after}].
CREATE TABLE schedule_versions (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    label         TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    added         INTEGER NOT NULL DEFAULT 0,
    changed       INTEGER NOT NULL DEFAULT 0,
    removed       INTEGER NOT NULL DEFAULT 0,
    changes       TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (conference_id, version)
);
