-- A number that changes whenever a conference's sessions, their speakers or its speakers
-- change (not when seats are taken), so that servers can keep the program in memory and
-- know from the conference row alone whether their copy is current. It starts random, so a
-- conference that is deleted and recreated under a reused id never matches an old copy.
ALTER TABLE conferences ADD COLUMN program_revision INTEGER NOT NULL DEFAULT 0;
UPDATE conferences SET program_revision = abs(random() / 2);

CREATE TRIGGER conferences_revision_start AFTER INSERT ON conferences BEGIN
    UPDATE conferences SET program_revision = abs(random() / 2) WHERE id = NEW.id;
END;

CREATE TRIGGER sessions_revision_insert AFTER INSERT ON sessions BEGIN
    UPDATE conferences SET program_revision = program_revision + 1 WHERE id = NEW.conference_id;
END;
CREATE TRIGGER sessions_revision_delete AFTER DELETE ON sessions BEGIN
    UPDATE conferences SET program_revision = program_revision + 1 WHERE id = OLD.conference_id;
END;
-- Every column but the seat counts (capacity, reserved, kept_over), which are read fresh on
-- each request. A test checks that this list covers every other column of sessions.
CREATE TRIGGER sessions_revision_update AFTER UPDATE OF
    conference_id, room_id, track_id, title, kind, starts_at, ends_at, capacity_override,
    abstract, language, links, guid, subtitle, description, url, label
ON sessions BEGIN
    UPDATE conferences SET program_revision = program_revision + 1 WHERE id = NEW.conference_id;
END;

CREATE TRIGGER session_speakers_revision_insert AFTER INSERT ON session_speakers BEGIN
    UPDATE conferences SET program_revision = program_revision + 1 WHERE id = NEW.conference_id;
END;
CREATE TRIGGER session_speakers_revision_delete AFTER DELETE ON session_speakers BEGIN
    UPDATE conferences SET program_revision = program_revision + 1 WHERE id = OLD.conference_id;
END;
CREATE TRIGGER session_speakers_revision_update AFTER UPDATE ON session_speakers BEGIN
    UPDATE conferences SET program_revision = program_revision + 1 WHERE id = NEW.conference_id;
END;

CREATE TRIGGER speakers_revision_insert AFTER INSERT ON speakers BEGIN
    UPDATE conferences SET program_revision = program_revision + 1 WHERE id = NEW.conference_id;
END;
CREATE TRIGGER speakers_revision_delete AFTER DELETE ON speakers BEGIN
    UPDATE conferences SET program_revision = program_revision + 1 WHERE id = OLD.conference_id;
END;
CREATE TRIGGER speakers_revision_update AFTER UPDATE ON speakers BEGIN
    UPDATE conferences SET program_revision = program_revision + 1 WHERE id = NEW.conference_id;
END;
