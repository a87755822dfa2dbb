-- A directory series belongs to the account that made it (NULL: the built-in directory's,
-- which only site admins extend); an organizer adds editions only to a series of their own.
ALTER TABLE series ADD COLUMN created_by BIGINT;
