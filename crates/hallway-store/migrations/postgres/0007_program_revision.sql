-- A number that changes whenever a conference's sessions, their speakers or its speakers
-- change (not when seats are taken), so that servers can keep the program in memory and
-- know from the conference row alone whether their copy is current. It starts random, so a
-- conference that is deleted and recreated never matches an old copy.
ALTER TABLE conferences ADD COLUMN program_revision BIGINT NOT NULL
    DEFAULT (floor(random() * 4e18))::bigint;

CREATE FUNCTION hallway_bump_program_revision() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE conferences SET program_revision = program_revision + 1 WHERE id = OLD.conference_id;
    ELSE
        UPDATE conferences SET program_revision = program_revision + 1 WHERE id = NEW.conference_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER sessions_revision_insert_delete AFTER INSERT OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION hallway_bump_program_revision();
-- Every column but the seat counts (capacity, reserved, kept_over), which are read fresh on
-- each request. A test checks that this list covers every other column of sessions.
CREATE TRIGGER sessions_revision_update AFTER UPDATE OF
    conference_id, room_id, track_id, title, kind, starts_at, ends_at, capacity_override,
    abstract, language, links, guid, subtitle, description, url, label
ON sessions FOR EACH ROW EXECUTE FUNCTION hallway_bump_program_revision();
CREATE TRIGGER session_speakers_revision AFTER INSERT OR UPDATE OR DELETE ON session_speakers
    FOR EACH ROW EXECUTE FUNCTION hallway_bump_program_revision();
CREATE TRIGGER speakers_revision AFTER INSERT OR UPDATE OR DELETE ON speakers
    FOR EACH ROW EXECUTE FUNCTION hallway_bump_program_revision();
