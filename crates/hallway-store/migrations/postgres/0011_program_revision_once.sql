-- A transaction bumps a conference's program revision once, not once per row: an import of
-- 20,000 sessions updated the same conference row 40,000 times in one transaction, and
-- PostgreSQL follows the row's growing chain of versions on each update, so the import
-- took minutes and held the row meanwhile. The first change of a transaction bumps the
-- revision and marks the conference in a transaction-local setting; later changes in the
-- same transaction see the mark and leave the row alone (the committed revision differs
-- from the last one either way). A rolled-back savepoint drops the bump and the mark
-- together.
CREATE OR REPLACE FUNCTION hallway_bump_program_revision() RETURNS trigger AS $$
DECLARE
    conference BIGINT;
    mark TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        conference := OLD.conference_id;
    ELSE
        conference := NEW.conference_id;
    END IF;
    mark := 'hallway.revision_bumped_' || conference;
    IF current_setting(mark, true) IS DISTINCT FROM 'yes' THEN
        UPDATE conferences SET program_revision = program_revision + 1 WHERE id = conference;
        PERFORM set_config(mark, 'yes', true);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
