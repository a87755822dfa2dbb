//! The personal agenda: reserving seats, waitlists that promote themselves, and the
//! notifications that tell attendees about it. This is the write path of DESIGN.md's
//! invariants 1-3; every change is one transaction.
//!
//! How the invariants hold under concurrency:
//! - Seats (1): a seat is taken by one conditional statement, `UPDATE sessions SET reserved =
//!   reserved + 1 WHERE … AND (capacity IS NULL OR reserved < capacity)`, so two writers can
//!   never both take the last seat; `CHECK (reserved <= capacity)` is the backstop.
//! - Double-booking (2): a transaction first locks the attendee (SQLite: `BEGIN IMMEDIATE`
//!   serialises writers; PostgreSQL: `SELECT … FOR UPDATE` on the user row), so two devices
//!   of one attendee cannot both pass the overlap check.
//! - Waitlist (3): the transaction that frees a seat promotes the earliest waiting attendee
//!   without an overlap (hallway_domain::agenda::promotion_candidate) before it commits.
//!
//! PostgreSQL may abort one of two transactions that lock each other's attendees
//! (deadlock, 40P01); such a transaction is retried from the start.

use chrono::{DateTime, Utc};
use hallway_domain::agenda::{conflicts, open_for_changes, promotion_candidate};
use hallway_domain::{ConferenceId, Seats, SessionId, TimeSpan, UserId};

use crate::{Backend, Result, Store, StoreError, on_pool, to_u32};

/// A request to put a session in an attendee's agenda.
#[derive(Clone, Debug)]
pub struct ReserveRequest<'a> {
    /// The conference.
    pub conference: ConferenceId,
    /// The attendee.
    pub user: UserId,
    /// The session wanted.
    pub session: SessionId,
    /// Reserved sessions to drop in the same transaction (to resolve a conflict).
    pub replace: &'a [SessionId],
    /// Whether to join the waitlist when the session is full.
    pub waitlist: bool,
    /// The time of the request.
    pub now: DateTime<Utc>,
}

/// A waiting attendee who got a seat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Promotion {
    /// Who.
    pub user: UserId,
    /// Which session.
    pub session: SessionId,
}

/// What became of a reservation request. Only `Reserved` and `Waitlisted` changed anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// The seat is the attendee's (`already`: it was before this request).
    Reserved {
        /// The session's seats right after this change (for the answer and for the live
        /// seat counts, which then need no second read).
        seats: Seats,
        /// Whether the attendee held the seat before.
        already: bool,
        /// Waiting attendees who got seats freed by `replace`.
        promoted: Vec<Promotion>,
    },
    /// The attendee waits for a seat at `position` (1 = next).
    Waitlisted {
        /// Place in the queue, 1-based.
        position: u32,
        /// Whether the attendee was waiting before.
        already: bool,
    },
    /// The session overlaps these reserved sessions; nothing changed.
    Conflict(Vec<SessionId>),
    /// No seats left and no waitlist asked for; nothing changed.
    Full,
    /// The session takes no reservations (a break).
    NotReservable,
    /// The session (or one to replace) has started; agendas no longer change for it.
    Closed(SessionId),
    /// `replace` names a session the attendee has not reserved; nothing changed.
    NotReserved(SessionId),
    /// The conference has no such session.
    NoSuchSession,
}

/// What became of a cancellation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    /// Removed; these waiting attendees got the freed seat.
    Cancelled(Vec<Promotion>),
    /// The session was not in the attendee's agenda.
    NotInAgenda,
    /// The session has started; agendas no longer change for it.
    Closed,
    /// The conference has no such session.
    NoSuchSession,
}

/// An attendee's agenda in one conference.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Agenda {
    /// Reserved sessions, by start time.
    pub reserved: Vec<SessionId>,
    /// Sessions waited for, with the 1-based position, by start time.
    pub waitlisted: Vec<(SessionId, u32)>,
}

/// A message for an attendee, shown until read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// Its id.
    pub id: i64,
    /// `promoted`, `reminder`, …
    pub kind: String,
    /// The session it is about.
    pub session: Option<SessionId>,
    /// The text.
    pub message: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Whether the attendee has seen it.
    pub read: bool,
}

/// id, kind, session, message, created_at, read_at.
type NotificationRow = (i64, String, Option<i64>, String, i64, Option<i64>);

/// Internal result of one attempt: `Retry` restarts the transaction.
pub(crate) enum Attempt<T> {
    Done(T),
    Retry,
}

pub(crate) const MAX_ATTEMPTS: u32 = 20;

/// Keeping an agenda (or waiting) makes one an attendee of the conference.
const ENROL_ATTENDEE: &str = "INSERT INTO conference_members (conference_id, user_id, role) \
     VALUES ($1, $2, 'attendee') ON CONFLICT DO NOTHING";

/// Frees one seat; a seat kept above a lowered capacity is given up first.
pub(crate) const RELEASE_SEAT: &str = "UPDATE sessions SET reserved = reserved - 1, \
     kept_over = CASE WHEN kept_over > 0 THEN kept_over - 1 ELSE 0 END WHERE id = $1";

pub(crate) fn retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("40P01" | "40001")),
        _ => false,
    }
}

/// A session's seats from its stored `capacity` and `reserved` columns.
pub(crate) fn seats_of_row(capacity: Option<i64>, reserved: i64) -> Result<Seats> {
    Ok(Seats::new(
        crate::program::capacity(capacity)?,
        to_u32(reserved, "reserved seats")?,
    ))
}

pub(crate) fn span_of(starts: i64, ends: i64) -> Result<TimeSpan> {
    let t = |s| {
        DateTime::from_timestamp(s, 0).ok_or_else(|| StoreError::Corrupt(format!("instant {s}")))
    };
    TimeSpan::new(t(starts)?, t(ends)?).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The SQL that starts a write transaction and the one that locks an attendee, per backend.
pub(crate) fn write_sql(backend: Backend) -> (&'static str, &'static str) {
    match backend {
        Backend::Sqlite => ("BEGIN IMMEDIATE", "SELECT id FROM users WHERE id = $1"),
        Backend::Postgres => ("BEGIN", "SELECT id FROM users WHERE id = $1 FOR UPDATE"),
    }
}

/// The reserved sessions of `$user` in `$conference` as (session id, span), inside `$tx`.
macro_rules! reserved_spans {
    ($tx:expr, $conference:expr, $user:expr) => {{
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT a.session_id, s.starts_at, s.ends_at FROM agenda a JOIN sessions s ON s.id = a.session_id \
             WHERE a.conference_id = $1 AND a.user_id = $2 AND a.state = 'reserved'",
        )
        .bind($conference)
        .bind($user)
        .fetch_all(&mut *$tx)
        .await?;
        let mut spans = Vec::with_capacity(rows.len());
        for (id, starts, ends) in rows {
            spans.push((id, span_of(starts, ends)?));
        }
        spans
    }};
}

/// The waitlist position of agenda row `$row` of session `$session`.
macro_rules! position {
    ($tx:expr, $session:expr, $row:expr) => {{
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM agenda WHERE session_id = $1 AND state = 'waitlisted' AND id <= $2",
        )
        .bind($session)
        .bind($row)
        .fetch_one(&mut *$tx)
        .await?;
        to_u32(n, "waitlist position")?
    }};
}

/// Gives free seats of `$session` to waiting attendees in FIFO order, skipping those with
/// an overlap; notifies each. Evaluates to the promotions made.
macro_rules! promote {
    ($tx:expr, $lock:expr, $conference:expr, $session:expr, $now:expr) => {{
        let mut promoted: Vec<Promotion> = Vec::new();
        loop {
            let (capacity, reserved, starts, ends, title): (Option<i64>, i64, i64, i64, String) =
                sqlx::query_as("SELECT capacity, reserved, starts_at, ends_at, title FROM sessions WHERE id = $1")
                    .bind($session)
                    .fetch_one(&mut *$tx)
                    .await?;
            if capacity.is_some_and(|c| reserved >= c) {
                break;
            }
            let span = span_of(starts, ends)?;
            let waiting: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT id, user_id FROM agenda WHERE session_id = $1 AND state = 'waitlisted' ORDER BY id",
            )
            .bind($session)
            .fetch_all(&mut *$tx)
            .await?;
            let mut chosen = None;
            for (row, user) in waiting {
                sqlx::query($lock).bind(user).fetch_optional(&mut *$tx).await?;
                let theirs: Vec<TimeSpan> =
                    reserved_spans!($tx, $conference, user).into_iter().map(|(_, s)| s).collect();
                if promotion_candidate(&span, [theirs.as_slice()]).is_some() {
                    chosen = Some((row, user));
                    break;
                }
            }
            let Some((row, user)) = chosen else { break };
            let took = sqlx::query(
                "UPDATE sessions SET reserved = reserved + 1 WHERE id = $1 AND (capacity IS NULL OR reserved < capacity)",
            )
            .bind($session)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if took == 0 {
                break;
            }
            sqlx::query("UPDATE agenda SET state = 'reserved' WHERE id = $1")
                .bind(row)
                .execute(&mut *$tx)
                .await?;
            sqlx::query(
                "INSERT INTO notifications (conference_id, user_id, kind, session_id, message, created_at) \
                 VALUES ($1, $2, 'promoted', $3, $4, $5)",
            )
            .bind($conference)
            .bind(user)
            .bind($session)
            .bind(format!("A seat freed up: you are now in \u{201c}{title}\u{201d}."))
            .bind($now.timestamp())
            .execute(&mut *$tx)
            .await?;
            promoted.push(Promotion { user: UserId::new(user), session: SessionId::new($session) });
        }
        promoted
    }};
}

/// Whether an attempt changed the database (so its transaction is to be committed).
pub(crate) fn attempt_changed(attempt: &Attempt<ReserveOutcome>) -> bool {
    matches!(
        attempt,
        Attempt::Done(
            ReserveOutcome::Reserved { already: false, .. }
                | ReserveOutcome::Waitlisted { already: false, .. }
        )
    )
}

/// Defines `$name`, one reservation attempt on a connection of one backend inside a write
/// transaction the caller began (and commits only when [`attempt_changed`]). Refusals may
/// leave changes behind (a dropped `replace` before a conflict): the caller rolls back.
macro_rules! reserve_on {
    ($name:ident, $conn:ty, $backend:expr) => {
        pub(crate) async fn $name(tx: &mut $conn, req: &ReserveRequest<'_>) -> Result<Attempt<ReserveOutcome>> {
            let (_, lock) = write_sql($backend);
            // The session, the conference's grace period and the attendee's row for the
            // session in one statement (this is the hot path of a keynote rush). On
            // PostgreSQL the attendee and the session row are locked for the whole
            // transaction: the attendee against two devices passing the overlap check at
            // once, the session so that joins of one waitlist are serialised (the id order is
            // the commit order and the position answered is final). SQLite's
            // `BEGIN IMMEDIATE` serialises all writers already.
            const TARGET: &str = "SELECT s.starts_at, s.ends_at, s.kind, s.capacity, s.reserved, \
                 c.agenda_grace_minutes, a.id, a.state FROM sessions s \
                 JOIN conferences c ON c.id = s.conference_id \
                 LEFT JOIN agenda a ON a.session_id = s.id AND a.user_id = $3 \
                 WHERE s.id = $1 AND s.conference_id = $2";
            let target_sql = match $backend {
                Backend::Sqlite => TARGET,
                Backend::Postgres => concat!(
                    "SELECT s.starts_at, s.ends_at, s.kind, s.capacity, s.reserved, ",
                    "c.agenda_grace_minutes, a.id, a.state FROM sessions s ",
                    "JOIN conferences c ON c.id = s.conference_id ",
                    "LEFT JOIN agenda a ON a.session_id = s.id AND a.user_id = $3 ",
                    "WHERE s.id = $1 AND s.conference_id = $2 FOR UPDATE OF s"
                ),
            };
            let conference = req.conference.get();
            let user = req.user.get();
            let session = req.session.get();
            if matches!($backend, Backend::Postgres) {
                sqlx::query(lock).bind(user).fetch_optional(&mut *tx).await?;
            }
            #[allow(clippy::type_complexity)]
            let target: Option<(i64, i64, String, Option<i64>, i64, i64, Option<i64>, Option<String>)> =
                sqlx::query_as(target_sql)
                    .bind(session)
                    .bind(conference)
                    .bind(user)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((starts, ends, kind, capacity, reserved, grace, row, state)) = target else {
                return Ok(Attempt::Done(ReserveOutcome::NoSuchSession));
            };
            let grace = u32::try_from(grace).unwrap_or(0);
            if kind == "break" {
                return Ok(Attempt::Done(ReserveOutcome::NotReservable));
            }
            let span = span_of(starts, ends)?;
            match row.zip(state) {
                Some((_, state)) if state == "reserved" => {
                    let seats = seats_of_row(capacity, reserved)?;
                    return Ok(Attempt::Done(ReserveOutcome::Reserved { seats, already: true, promoted: vec![] }));
                }
                Some((row, _)) => {
                    let position = position!(tx, session, row);
                    return Ok(Attempt::Done(ReserveOutcome::Waitlisted { position, already: true }));
                }
                None => {}
            }
            if !open_for_changes(&span, req.now, grace) {
                return Ok(Attempt::Done(ReserveOutcome::Closed(req.session)));
            }
            if capacity.is_some_and(|c| reserved >= c) {
                if !req.waitlist {
                    return Ok(Attempt::Done(ReserveOutcome::Full));
                }
                sqlx::query(ENROL_ATTENDEE)
                    .bind(conference)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                let row: i64 = sqlx::query_scalar(
                    "INSERT INTO agenda (conference_id, user_id, session_id, state, created_at) \
                     VALUES ($1, $2, $3, 'waitlisted', $4) RETURNING id",
                )
                .bind(conference)
                .bind(user)
                .bind(session)
                .bind(req.now.timestamp())
                .fetch_one(&mut *tx)
                .await?;
                let position = position!(tx, session, row);
                                return Ok(Attempt::Done(ReserveOutcome::Waitlisted { position, already: false }));
            }
            // Drop the sessions to replace (still in this transaction).
            let mut dropped: Vec<i64> = Vec::new();
            for r in req.replace.iter().map(|r| r.get()).filter(|r| *r != session) {
                let held: Option<(i64, i64, i64)> = sqlx::query_as(
                    "SELECT a.id, s.starts_at, s.ends_at FROM agenda a JOIN sessions s ON s.id = a.session_id \
                     WHERE a.user_id = $1 AND a.session_id = $2 AND a.conference_id = $3 AND a.state = 'reserved'",
                )
                .bind(user)
                .bind(r)
                .bind(conference)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((row, s, e)) = held else {
                    return Ok(Attempt::Done(ReserveOutcome::NotReserved(SessionId::new(r))));
                };
                if !open_for_changes(&span_of(s, e)?, req.now, grace) {
                    return Ok(Attempt::Done(ReserveOutcome::Closed(SessionId::new(r))));
                }
                sqlx::query("DELETE FROM agenda WHERE id = $1").bind(row).execute(&mut *tx).await?;
                sqlx::query(RELEASE_SEAT)
                    .bind(r)
                    .execute(&mut *tx)
                    .await?;
                dropped.push(r);
            }
            let mine = reserved_spans!(tx, conference, user);
            let clashes = conflicts(&span, mine.iter().map(|(id, s)| (SessionId::new(*id), s)));
            if !clashes.is_empty() {
                return Ok(Attempt::Done(ReserveOutcome::Conflict(clashes)));
            }
            let took: Option<(Option<i64>, i64)> = sqlx::query_as(
                "UPDATE sessions SET reserved = reserved + 1 WHERE id = $1 AND (capacity IS NULL OR reserved < capacity) \
                 RETURNING capacity, reserved",
            )
            .bind(session)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((capacity, reserved)) = took else {
                // Another transaction took the last seat since we looked: start again.
                return Ok(Attempt::Retry);
            };
            sqlx::query(ENROL_ATTENDEE)
            .bind(conference)
            .bind(user)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO agenda (conference_id, user_id, session_id, state, created_at) \
                 VALUES ($1, $2, $3, 'reserved', $4)",
            )
            .bind(conference)
            .bind(user)
            .bind(session)
            .bind(req.now.timestamp())
            .execute(&mut *tx)
            .await?;
            let mut promoted = Vec::new();
            for r in dropped {
                promoted.extend(promote!(tx, lock, conference, r, req.now));
            }
            let seats = seats_of_row(capacity, reserved)?;
            Ok(Attempt::Done(ReserveOutcome::Reserved { seats, already: false, promoted }))
        }
    };
}

reserve_on!(reserve_on_sqlite, sqlx::SqliteConnection, Backend::Sqlite);
reserve_on!(reserve_on_postgres, sqlx::PgConnection, Backend::Postgres);

impl Store {
    /// Puts a session in an attendee's agenda, or on its waitlist, or says why not. See
    /// [`ReserveOutcome`]; anything but `Reserved` and `Waitlisted` changed nothing.
    pub async fn reserve(&self, req: &ReserveRequest<'_>) -> Result<ReserveOutcome> {
        for _ in 0..MAX_ATTEMPTS {
            match self.reserve_once(req).await {
                Ok(Attempt::Done(outcome)) => return Ok(outcome),
                Ok(Attempt::Retry) => continue,
                Err(StoreError::Database(e)) if retryable(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        // Lost the race for the last seat every time: the session is full.
        Ok(ReserveOutcome::Full)
    }

    async fn reserve_once(&self, req: &ReserveRequest<'_>) -> Result<Attempt<ReserveOutcome>> {
        match &self.pool {
            crate::Pool::Sqlite(pool) => match &self.writer {
                Some(writer) => writer.reserve(req).await.map(Attempt::Done),
                None => {
                    let mut tx = pool.begin_with(write_sql(Backend::Sqlite).0).await?;
                    let attempt = reserve_on_sqlite(&mut tx, req).await?;
                    if attempt_changed(&attempt) {
                        tx.commit().await?;
                    }
                    Ok(attempt)
                }
            },
            crate::Pool::Postgres(pool) => {
                let mut tx = pool.begin_with(write_sql(Backend::Postgres).0).await?;
                let attempt = reserve_on_postgres(&mut tx, req).await?;
                if attempt_changed(&attempt) {
                    tx.commit().await?;
                }
                Ok(attempt)
            }
        }
    }

    /// Sets a session's capacity (`None`: back to the room's). Raising it promotes waiting
    /// attendees at once; lowering it below the seats taken keeps everyone in and admits
    /// nobody new until the count is below the new capacity. Answers the promotions, or
    /// `None` when the conference has no such session.
    pub async fn set_session_capacity(
        &self,
        conference: ConferenceId,
        session: SessionId,
        capacity: Option<hallway_domain::Capacity>,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<Promotion>>> {
        for _ in 0..MAX_ATTEMPTS {
            match self
                .set_capacity_once(conference, session, capacity, now)
                .await
            {
                Err(StoreError::Database(e)) if retryable(&e) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict(
            "the session is too busy right now; try again".to_owned(),
        ))
    }

    async fn set_capacity_once(
        &self,
        conference: ConferenceId,
        session: SessionId,
        capacity: Option<hallway_domain::Capacity>,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<Promotion>>> {
        let (begin, lock) = write_sql(self.backend());
        let (conference, session) = (conference.get(), session.get());
        let wanted = capacity.map(|c| i64::from(c.get()));
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(begin).await?;
            let row: Option<(String, Option<i64>, i64)> = sqlx::query_as(
                "SELECT s.kind, r.capacity, s.reserved FROM sessions s JOIN rooms r ON r.id = s.room_id \
                 WHERE s.id = $1 AND s.conference_id = $2",
            )
            .bind(session)
            .bind(conference)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((kind, room_capacity, reserved)) = row else {
                return Ok(None);
            };
            let effective = if kind == "break" { None } else { wanted.or(room_capacity) };
            let kept_over = effective.map(|c| (reserved - c).max(0)).unwrap_or(0);
            sqlx::query("UPDATE sessions SET capacity_override = $1, capacity = $2, kept_over = $3 WHERE id = $4")
                .bind(wanted)
                .bind(effective)
                .bind(kept_over)
                .bind(session)
                .execute(&mut *tx)
                .await?;
            let promoted = promote!(tx, lock, conference, session, now);
            tx.commit().await?;
            Ok(Some(promoted))
        })
    }

    /// Takes a session out of an attendee's agenda (or off its waitlist); a freed seat goes
    /// to the waitlist in the same transaction.
    pub async fn cancel(
        &self,
        conference: ConferenceId,
        user: UserId,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> Result<CancelOutcome> {
        for _ in 0..MAX_ATTEMPTS {
            match self.cancel_once(conference, user, session, now).await {
                Err(StoreError::Database(e)) if retryable(&e) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict(
            "the agenda is too busy right now; try again".to_owned(),
        ))
    }

    async fn cancel_once(
        &self,
        conference: ConferenceId,
        user: UserId,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> Result<CancelOutcome> {
        let (begin, lock) = write_sql(self.backend());
        let (conference, user, session) = (conference.get(), user.get(), session.get());
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(begin).await?;
            sqlx::query(lock).bind(user).fetch_optional(&mut *tx).await?;
            let target: Option<(i64, i64, i64)> = sqlx::query_as(
                "SELECT s.starts_at, s.ends_at, c.agenda_grace_minutes FROM sessions s \
                 JOIN conferences c ON c.id = s.conference_id WHERE s.id = $1 AND s.conference_id = $2",
            )
            .bind(session)
            .bind(conference)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((starts, ends, grace)) = target else {
                return Ok(CancelOutcome::NoSuchSession);
            };
            let row: Option<(i64, String)> =
                sqlx::query_as("SELECT id, state FROM agenda WHERE user_id = $1 AND session_id = $2")
                    .bind(user)
                    .bind(session)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((row, state)) = row else {
                return Ok(CancelOutcome::NotInAgenda);
            };
            if !open_for_changes(&span_of(starts, ends)?, now, u32::try_from(grace).unwrap_or(0)) {
                return Ok(CancelOutcome::Closed);
            }
            sqlx::query("DELETE FROM agenda WHERE id = $1").bind(row).execute(&mut *tx).await?;
            let mut promoted = Vec::new();
            if state == "reserved" {
                sqlx::query(RELEASE_SEAT)
                    .bind(session)
                    .execute(&mut *tx)
                    .await?;
                promoted = promote!(tx, lock, conference, session, now);
            }
            tx.commit().await?;
            Ok(CancelOutcome::Cancelled(promoted))
        })
    }

    /// An attendee's agenda in a conference.
    pub async fn agenda(&self, conference: ConferenceId, user: UserId) -> Result<Agenda> {
        let rows: Vec<(i64, String, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.session_id, a.state, \
                 (SELECT COUNT(*) FROM agenda b WHERE b.session_id = a.session_id AND b.state = 'waitlisted' AND b.id <= a.id) \
                 FROM agenda a JOIN sessions s ON s.id = a.session_id \
                 WHERE a.conference_id = $1 AND a.user_id = $2 ORDER BY s.starts_at, s.id",
            )
            .bind(conference.get())
            .bind(user.get())
            .fetch_all(pool)
            .await?
        });
        let mut agenda = Agenda::default();
        for (session, state, position) in rows {
            if state == "reserved" {
                agenda.reserved.push(SessionId::new(session));
            } else {
                agenda
                    .waitlisted
                    .push((SessionId::new(session), to_u32(position, "position")?));
            }
        }
        Ok(agenda)
    }

    /// An attendee's notifications in a conference, newest first.
    pub async fn notifications(
        &self,
        conference: ConferenceId,
        user: UserId,
        limit: u32,
    ) -> Result<Vec<Notification>> {
        let rows: Vec<NotificationRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, kind, session_id, message, created_at, read_at FROM notifications \
                 WHERE conference_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3",
            )
            .bind(conference.get())
            .bind(user.get())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, kind, session, message, created, read)| Notification {
                id,
                kind,
                session: session.map(SessionId::new),
                message,
                created_at: DateTime::from_timestamp(created, 0).unwrap_or_default(),
                read: read.is_some(),
            })
            .collect())
    }

    /// Marks all of an attendee's notifications in a conference as read.
    pub async fn mark_notifications_read(
        &self,
        conference: ConferenceId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE notifications SET read_at = $1 WHERE conference_id = $2 AND user_id = $3 AND read_at IS NULL")
                .bind(now.timestamp())
                .bind(conference.get())
                .bind(user.get())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Checks invariant 1 for every session of a conference: the stored count equals the
    /// reserved agenda rows and stays within capacity. Answers the sessions that break it
    /// (empty when all is well); tests and `hallway check` call it after races.
    pub async fn seat_violations(&self, conference: ConferenceId) -> Result<Vec<SessionId>> {
        let ids: Vec<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT s.id FROM sessions s WHERE s.conference_id = $1 AND ( \
                   s.reserved <> (SELECT COUNT(*) FROM agenda a WHERE a.session_id = s.id AND a.state = 'reserved') \
                   OR (s.capacity IS NOT NULL AND s.reserved > s.capacity + s.kept_over))",
            )
            .bind(conference.get())
            .fetch_all(pool)
            .await?
        });
        Ok(ids.into_iter().map(SessionId::new).collect())
    }

    /// Checks invariant 2 for a conference: answers the attendees holding two reserved
    /// sessions that overlap (empty when all is well).
    pub async fn double_bookings(&self, conference: ConferenceId) -> Result<Vec<UserId>> {
        let rows: Vec<(i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.user_id, s.starts_at, s.ends_at FROM agenda a JOIN sessions s ON s.id = a.session_id \
                 WHERE a.conference_id = $1 AND a.state = 'reserved' ORDER BY a.user_id, s.starts_at",
            )
            .bind(conference.get())
            .fetch_all(pool)
            .await?
        });
        let mut bad = Vec::new();
        let mut i = 0;
        while i < rows.len() {
            let user = rows[i].0;
            let mut spans = Vec::new();
            while i < rows.len() && rows[i].0 == user {
                spans.push(span_of(rows[i].1, rows[i].2)?);
                i += 1;
            }
            let clash = spans
                .iter()
                .enumerate()
                .any(|(k, a)| spans[k + 1..].iter().any(|b| a.overlaps(b)));
            if clash {
                bad.push(UserId::new(user));
            }
        }
        Ok(bad)
    }
}
