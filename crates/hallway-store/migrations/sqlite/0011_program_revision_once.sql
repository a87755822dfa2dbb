-- PostgreSQL's migration of this number makes a transaction bump a conference's program
-- revision once instead of once per changed row. SQLite updates the conference row in
-- place, so its per-row triggers stay as they are and this version changes nothing here.
SELECT 1;
