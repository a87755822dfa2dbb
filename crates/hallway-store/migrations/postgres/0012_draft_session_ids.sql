-- Ids handed to sessions made in a conference's draft, so that a session keeps its id when
-- the draft is released (an API client that made one finds it under the same id). The id
-- comes from the space of session ids: PostgreSQL's sequence, or on SQLite above every
-- session and every other reservation; the release claims it, dropping the draft drops the
-- rest.
CREATE TABLE session_id_reservations (
    id            BIGINT PRIMARY KEY,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE
);
CREATE INDEX session_id_reservations_conference ON session_id_reservations (conference_id);
