-- Failed log-ins per account (the lowercased email as typed, known or not), shared by every
-- instance so that the limit of failures per account holds however requests are spread.
-- A row counts the failures of one window that started at window_start (seconds).
CREATE TABLE login_failures (
    account_key  TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    failures     INTEGER NOT NULL
);
CREATE INDEX login_failures_window ON login_failures (window_start);
