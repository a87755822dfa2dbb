//! The engine's statements, written once, and the two kinds of [`SeatTx`] that run them: over
//! sqlx (PostgreSQL, and SQLite stores without a file) and over rusqlite (SQLite's writer
//! thread, which binds by position: its copy of a statement reads `$n` as `?n`, the same
//! parameter).

use chrono::{DateTime, Utc};
use hallway_domain::agenda::AgendaState;
use hallway_domain::events::{Event, Outgoing};
use hallway_domain::{ConferenceId, Seats, SessionId, TimeSpan, UserId};

use super::{SeatTx, Target};
use crate::agenda::{seats_of_row, span_of};
use crate::organize::RECORD;
use crate::{AuditLine, Result, StoreError, to_u32};

const LOCK_ATTENDEE_PG: &str = "SELECT id FROM users WHERE id = $1 FOR UPDATE";

/// The session, the conference's grace period and the attendee's row for the session in one
/// statement (the hot path of a keynote rush).
const TARGET: &str = "SELECT s.starts_at, s.ends_at, s.kind, s.capacity, s.reserved, \
     c.agenda_grace_minutes, a.id, a.state FROM sessions s \
     JOIN conferences c ON c.id = s.conference_id \
     LEFT JOIN agenda a ON a.session_id = s.id AND a.user_id = $3 \
     WHERE s.id = $1 AND s.conference_id = $2";

/// [`TARGET`] with the session row locked for the transaction (PostgreSQL).
const TARGET_PG: &str = "SELECT s.starts_at, s.ends_at, s.kind, s.capacity, s.reserved, \
     c.agenda_grace_minutes, a.id, a.state FROM sessions s \
     JOIN conferences c ON c.id = s.conference_id \
     LEFT JOIN agenda a ON a.session_id = s.id AND a.user_id = $3 \
     WHERE s.id = $1 AND s.conference_id = $2 FOR UPDATE OF s";

const POSITION: &str =
    "SELECT COUNT(*) FROM agenda WHERE session_id = $1 AND state = 'waitlisted' AND id <= $2";

const ENROL: &str = "INSERT INTO conference_members (conference_id, user_id, role) \
     VALUES ($1, $2, 'attendee') ON CONFLICT DO NOTHING";

const INSERT_AGENDA: &str = "INSERT INTO agenda (conference_id, user_id, session_id, state, created_at) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id";

const HELD: &str = "SELECT a.id, s.starts_at, s.ends_at FROM agenda a JOIN sessions s ON s.id = a.session_id \
     WHERE a.conference_id = $1 AND a.user_id = $2 AND a.session_id = $3 AND a.state = 'reserved'";

const DELETE_AGENDA: &str = "DELETE FROM agenda WHERE id = $1";

/// Frees one seat; a seat kept over a lowered capacity is given up first
/// (`hallway_domain::agenda::kept_over_after_release`).
const RELEASE_SEAT: &str = "UPDATE sessions SET reserved = reserved - 1, \
     kept_over = CASE WHEN kept_over > 0 THEN kept_over - 1 ELSE 0 END WHERE id = $1 \
     RETURNING capacity, reserved";

const RESERVED_SPANS: &str = "SELECT a.session_id, s.starts_at, s.ends_at FROM agenda a \
     JOIN sessions s ON s.id = a.session_id \
     WHERE a.conference_id = $1 AND a.user_id = $2 AND a.state = 'reserved'";

const TAKE_SEAT: &str = "UPDATE sessions SET reserved = reserved + 1 \
     WHERE id = $1 AND (capacity IS NULL OR reserved < capacity) RETURNING capacity, reserved";

const SEATS_AND_SPAN: &str =
    "SELECT capacity, reserved, starts_at, ends_at FROM sessions WHERE id = $1";

const WAITING: &str =
    "SELECT id, user_id FROM agenda WHERE session_id = $1 AND state = 'waitlisted' ORDER BY id";

const SEAT_WAITING: &str = "UPDATE agenda SET state = 'reserved' WHERE id = $1";

/// A `promoted` notification as its parameters ([`promoted_params`]); the words are made
/// where it is shown.
const NOTIFY_PROMOTED: &str = "INSERT INTO notifications (conference_id, user_id, kind, session_id, message, params, created_at) \
     VALUES ($1, $2, 'promoted', $3, '', $4, $5)";

/// The stored form of a `promoted` notification for `session`.
fn promoted_params(session: SessionId) -> String {
    crate::to_json(&hallway_domain::notice::Notice::Promoted { session })
}

const CAPACITY_BASIS: &str = "SELECT s.kind, r.capacity, s.reserved FROM sessions s \
     JOIN rooms r ON r.id = s.room_id WHERE s.id = $1 AND s.conference_id = $2";

const STORE_CAPACITY: &str =
    "UPDATE sessions SET capacity_override = $1, capacity = $2, kept_over = $3 WHERE id = $4";

/// Writes an event to the outbox (`crate::outbox`).
pub(crate) const EMIT: &str = "INSERT INTO events (conference_id, user_id, kind, version, params, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";

/// The columns of [`EMIT`] for `event`.
pub(crate) fn emit_row(event: &Outgoing) -> (i64, Option<i64>, &'static str, i64, String) {
    (
        event.conference.get(),
        event.to.map(UserId::get),
        event.event.kind(),
        Event::VERSION,
        // Serialising an enum of ids, numbers and strings cannot fail.
        serde_json::to_string(&event.event).unwrap_or_default(),
    )
}

/// (starts, ends, kind, capacity, reserved, grace, agenda row, agenda state).
type TargetRow = (
    i64,
    i64,
    String,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
    Option<String>,
);

fn target_of(row: TargetRow) -> Result<Target> {
    let (starts, ends, kind, capacity, reserved, grace, id, state) = row;
    let mine = match id.zip(state) {
        Some((id, state)) => Some((
            id,
            AgendaState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("agenda state {state:?}")))?,
        )),
        None => None,
    };
    Ok(Target {
        span: span_of(starts, ends)?,
        reservable: kind != hallway_domain::SessionKind::Break.as_str(),
        seats: seats_of_row(capacity, reserved)?,
        grace: u32::try_from(grace).unwrap_or(0),
        mine,
    })
}

fn spans_of(rows: Vec<(i64, i64, i64)>) -> Result<Vec<(SessionId, TimeSpan)>> {
    rows.into_iter()
        .map(|(id, s, e)| Ok((SessionId::new(id), span_of(s, e)?)))
        .collect()
}

fn basis_of(row: Option<(String, Option<i64>, i64)>) -> Result<Option<(bool, Option<u32>, u32)>> {
    row.map(|(kind, room, reserved)| {
        Ok((
            kind == hallway_domain::SessionKind::Break.as_str(),
            room.map(|c| to_u32(c, "room capacity")).transpose()?,
            to_u32(reserved, "reserved seats")?,
        ))
    })
    .transpose()
}

/// A sqlx connection inside a write transaction, as the engine's [`SeatTx`].
pub(crate) struct SqlxTx<'a, C>(pub &'a mut C);

impl<C> std::fmt::Debug for SqlxTx<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqlxTx")
    }
}

/// Implements [`SeatTx`] for a sqlx connection type; the body is the same text for both
/// backends, and `$pg` says whether rows are locked explicitly (PostgreSQL).
macro_rules! sqlx_seat_tx {
    ($conn:ty, $pg:expr) => {
        impl SeatTx for SqlxTx<'_, $conn> {
            async fn lock_attendee(&mut self, user: UserId) -> Result<()> {
                if $pg {
                    sqlx::query(LOCK_ATTENDEE_PG)
                        .bind(user.get())
                        .fetch_optional(&mut *self.0)
                        .await?;
                }
                Ok(())
            }

            async fn target(
                &mut self,
                conference: ConferenceId,
                session: SessionId,
                user: UserId,
            ) -> Result<Option<Target>> {
                let row: Option<TargetRow> = sqlx::query_as(if $pg { TARGET_PG } else { TARGET })
                    .bind(session.get())
                    .bind(conference.get())
                    .bind(user.get())
                    .fetch_optional(&mut *self.0)
                    .await?;
                row.map(target_of).transpose()
            }

            async fn position(&mut self, session: SessionId, row: i64) -> Result<u32> {
                let n: i64 = sqlx::query_scalar(POSITION)
                    .bind(session.get())
                    .bind(row)
                    .fetch_one(&mut *self.0)
                    .await?;
                to_u32(n, "waitlist position")
            }

            async fn enrol(&mut self, conference: ConferenceId, user: UserId) -> Result<()> {
                sqlx::query(ENROL)
                    .bind(conference.get())
                    .bind(user.get())
                    .execute(&mut *self.0)
                    .await?;
                Ok(())
            }

            async fn insert_agenda(
                &mut self,
                conference: ConferenceId,
                user: UserId,
                session: SessionId,
                state: AgendaState,
                now: DateTime<Utc>,
            ) -> Result<i64> {
                Ok(sqlx::query_scalar(INSERT_AGENDA)
                    .bind(conference.get())
                    .bind(user.get())
                    .bind(session.get())
                    .bind(state.as_str())
                    .bind(now.timestamp())
                    .fetch_one(&mut *self.0)
                    .await?)
            }

            async fn held(
                &mut self,
                conference: ConferenceId,
                user: UserId,
                session: SessionId,
            ) -> Result<Option<(i64, TimeSpan)>> {
                let row: Option<(i64, i64, i64)> = sqlx::query_as(HELD)
                    .bind(conference.get())
                    .bind(user.get())
                    .bind(session.get())
                    .fetch_optional(&mut *self.0)
                    .await?;
                row.map(|(id, s, e)| Ok((id, span_of(s, e)?))).transpose()
            }

            async fn delete_agenda(&mut self, row: i64) -> Result<()> {
                sqlx::query(DELETE_AGENDA)
                    .bind(row)
                    .execute(&mut *self.0)
                    .await?;
                Ok(())
            }

            async fn release_seat(&mut self, session: SessionId) -> Result<Seats> {
                let (capacity, reserved): (Option<i64>, i64) = sqlx::query_as(RELEASE_SEAT)
                    .bind(session.get())
                    .fetch_one(&mut *self.0)
                    .await?;
                seats_of_row(capacity, reserved)
            }

            async fn reserved_spans(
                &mut self,
                conference: ConferenceId,
                user: UserId,
            ) -> Result<Vec<(SessionId, TimeSpan)>> {
                let rows: Vec<(i64, i64, i64)> = sqlx::query_as(RESERVED_SPANS)
                    .bind(conference.get())
                    .bind(user.get())
                    .fetch_all(&mut *self.0)
                    .await?;
                spans_of(rows)
            }

            async fn take_seat(&mut self, session: SessionId) -> Result<Option<Seats>> {
                let row: Option<(Option<i64>, i64)> = sqlx::query_as(TAKE_SEAT)
                    .bind(session.get())
                    .fetch_optional(&mut *self.0)
                    .await?;
                row.map(|(c, r)| seats_of_row(c, r)).transpose()
            }

            async fn seats_and_span(&mut self, session: SessionId) -> Result<(Seats, TimeSpan)> {
                let (c, r, s, e): (Option<i64>, i64, i64, i64) = sqlx::query_as(SEATS_AND_SPAN)
                    .bind(session.get())
                    .fetch_one(&mut *self.0)
                    .await?;
                Ok((seats_of_row(c, r)?, span_of(s, e)?))
            }

            async fn waiting(&mut self, session: SessionId) -> Result<Vec<(i64, UserId)>> {
                let rows: Vec<(i64, i64)> = sqlx::query_as(WAITING)
                    .bind(session.get())
                    .fetch_all(&mut *self.0)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(row, u)| (row, UserId::new(u)))
                    .collect())
            }

            async fn seat_waiting(&mut self, row: i64) -> Result<()> {
                sqlx::query(SEAT_WAITING)
                    .bind(row)
                    .execute(&mut *self.0)
                    .await?;
                Ok(())
            }

            async fn notify_promoted(
                &mut self,
                conference: ConferenceId,
                user: UserId,
                session: SessionId,
                now: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(NOTIFY_PROMOTED)
                    .bind(conference.get())
                    .bind(user.get())
                    .bind(session.get())
                    .bind(promoted_params(session))
                    .bind(now.timestamp())
                    .execute(&mut *self.0)
                    .await?;
                Ok(())
            }

            async fn capacity_basis(
                &mut self,
                conference: ConferenceId,
                session: SessionId,
            ) -> Result<Option<(bool, Option<u32>, u32)>> {
                let row: Option<(String, Option<i64>, i64)> = sqlx::query_as(CAPACITY_BASIS)
                    .bind(session.get())
                    .bind(conference.get())
                    .fetch_optional(&mut *self.0)
                    .await?;
                basis_of(row)
            }

            async fn store_capacity(
                &mut self,
                session: SessionId,
                wanted: Option<u32>,
                effective: Option<u32>,
                kept_over: u32,
            ) -> Result<()> {
                sqlx::query(STORE_CAPACITY)
                    .bind(wanted.map(i64::from))
                    .bind(effective.map(i64::from))
                    .bind(i64::from(kept_over))
                    .bind(session.get())
                    .execute(&mut *self.0)
                    .await?;
                Ok(())
            }

            async fn record(
                &mut self,
                conference: ConferenceId,
                line: &AuditLine,
                now: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(RECORD)
                    .bind(conference.get())
                    .bind(line.user.get())
                    .bind(&line.actor)
                    .bind(&line.action)
                    .bind(&line.detail)
                    .bind(now.timestamp())
                    .execute(&mut *self.0)
                    .await?;
                Ok(())
            }

            async fn emit(&mut self, event: &Outgoing, now: DateTime<Utc>) -> Result<()> {
                let (conference, to, kind, version, params) = emit_row(event);
                sqlx::query(EMIT)
                    .bind(conference)
                    .bind(to)
                    .bind(kind)
                    .bind(version)
                    .bind(params)
                    .bind(now.timestamp())
                    .execute(&mut *self.0)
                    .await?;
                Ok(())
            }
        }
    };
}

sqlx_seat_tx!(sqlx::PgConnection, true);
sqlx_seat_tx!(sqlx::SqliteConnection, false);

/// SQLite's writer connection inside its batch transaction, as the engine's [`SeatTx`].
pub(crate) struct RusqliteTx<'a>(pub &'a rusqlite::Connection);

impl std::fmt::Debug for RusqliteTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RusqliteTx")
    }
}

impl RusqliteTx<'_> {
    /// The statement, prepared once per connection; `$n` read as `?n` (rusqlite binds
    /// by position, and `?n` is the n-th parameter wherever it appears).
    fn statement(&self, sql: &str) -> Result<rusqlite::CachedStatement<'_>> {
        Ok(self.0.prepare_cached(&sql.replace('$', "?"))?)
    }
}

impl SeatTx for RusqliteTx<'_> {
    async fn lock_attendee(&mut self, _user: UserId) -> Result<()> {
        Ok(())
    }

    async fn target(
        &mut self,
        conference: ConferenceId,
        session: SessionId,
        user: UserId,
    ) -> Result<Option<Target>> {
        use rusqlite::OptionalExtension;
        let row: Option<TargetRow> = self
            .statement(TARGET)?
            .query_row((session.get(), conference.get(), user.get()), |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })
            .optional()?;
        row.map(target_of).transpose()
    }

    async fn position(&mut self, session: SessionId, row: i64) -> Result<u32> {
        let n: i64 = self
            .statement(POSITION)?
            .query_row((session.get(), row), |r| r.get(0))?;
        to_u32(n, "waitlist position")
    }

    async fn enrol(&mut self, conference: ConferenceId, user: UserId) -> Result<()> {
        self.statement(ENROL)?
            .execute((conference.get(), user.get()))?;
        Ok(())
    }

    async fn insert_agenda(
        &mut self,
        conference: ConferenceId,
        user: UserId,
        session: SessionId,
        state: AgendaState,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(self.statement(INSERT_AGENDA)?.query_row(
            (
                conference.get(),
                user.get(),
                session.get(),
                state.as_str(),
                now.timestamp(),
            ),
            |r| r.get(0),
        )?)
    }

    async fn held(
        &mut self,
        conference: ConferenceId,
        user: UserId,
        session: SessionId,
    ) -> Result<Option<(i64, TimeSpan)>> {
        use rusqlite::OptionalExtension;
        let row: Option<(i64, i64, i64)> = self
            .statement(HELD)?
            .query_row((conference.get(), user.get(), session.get()), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        row.map(|(id, s, e)| Ok((id, span_of(s, e)?))).transpose()
    }

    async fn delete_agenda(&mut self, row: i64) -> Result<()> {
        self.statement(DELETE_AGENDA)?.execute([row])?;
        Ok(())
    }

    async fn release_seat(&mut self, session: SessionId) -> Result<Seats> {
        let (c, r): (Option<i64>, i64) = self
            .statement(RELEASE_SEAT)?
            .query_row([session.get()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        seats_of_row(c, r)
    }

    async fn reserved_spans(
        &mut self,
        conference: ConferenceId,
        user: UserId,
    ) -> Result<Vec<(SessionId, TimeSpan)>> {
        let rows: Vec<(i64, i64, i64)> = self
            .statement(RESERVED_SPANS)?
            .query_map((conference.get(), user.get()), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        spans_of(rows)
    }

    async fn take_seat(&mut self, session: SessionId) -> Result<Option<Seats>> {
        use rusqlite::OptionalExtension;
        let row: Option<(Option<i64>, i64)> = self
            .statement(TAKE_SEAT)?
            .query_row([session.get()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(c, r)| seats_of_row(c, r)).transpose()
    }

    async fn seats_and_span(&mut self, session: SessionId) -> Result<(Seats, TimeSpan)> {
        let (c, r, s, e): (Option<i64>, i64, i64, i64) = self
            .statement(SEATS_AND_SPAN)?
            .query_row([session.get()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
        Ok((seats_of_row(c, r)?, span_of(s, e)?))
    }

    async fn waiting(&mut self, session: SessionId) -> Result<Vec<(i64, UserId)>> {
        let rows: Vec<(i64, i64)> = self
            .statement(WAITING)?
            .query_map([session.get()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows
            .into_iter()
            .map(|(row, u)| (row, UserId::new(u)))
            .collect())
    }

    async fn seat_waiting(&mut self, row: i64) -> Result<()> {
        self.statement(SEAT_WAITING)?.execute([row])?;
        Ok(())
    }

    async fn notify_promoted(
        &mut self,
        conference: ConferenceId,
        user: UserId,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.statement(NOTIFY_PROMOTED)?.execute((
            conference.get(),
            user.get(),
            session.get(),
            promoted_params(session),
            now.timestamp(),
        ))?;
        Ok(())
    }

    async fn capacity_basis(
        &mut self,
        conference: ConferenceId,
        session: SessionId,
    ) -> Result<Option<(bool, Option<u32>, u32)>> {
        use rusqlite::OptionalExtension;
        let row: Option<(String, Option<i64>, i64)> = self
            .statement(CAPACITY_BASIS)?
            .query_row((session.get(), conference.get()), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        basis_of(row)
    }

    async fn store_capacity(
        &mut self,
        session: SessionId,
        wanted: Option<u32>,
        effective: Option<u32>,
        kept_over: u32,
    ) -> Result<()> {
        self.statement(STORE_CAPACITY)?.execute((
            wanted.map(i64::from),
            effective.map(i64::from),
            i64::from(kept_over),
            session.get(),
        ))?;
        Ok(())
    }

    async fn record(
        &mut self,
        conference: ConferenceId,
        line: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.statement(RECORD)?.execute((
            conference.get(),
            line.user.get(),
            &line.actor,
            &line.action,
            &line.detail,
            now.timestamp(),
        ))?;
        Ok(())
    }

    async fn emit(&mut self, event: &Outgoing, now: DateTime<Utc>) -> Result<()> {
        let (conference, to, kind, version, params) = emit_row(event);
        self.statement(EMIT)?
            .execute((conference, to, kind, version, params, now.timestamp()))?;
        Ok(())
    }
}
