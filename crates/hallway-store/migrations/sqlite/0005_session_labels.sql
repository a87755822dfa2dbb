-- The conference's own name for a session's kind ("Lightning talk", frab's "lecture").
ALTER TABLE sessions ADD COLUMN label TEXT NOT NULL DEFAULT '';
