//! The personal agenda: what the store offers for reserving seats, waitlists that promote
//! themselves, and the notifications that tell attendees about it (DESIGN invariants 1-3).
//! The steps and their concurrency argument are the reservation engine's ([`crate::seats`]);
//! here each change gets its transaction: on a SQLite file the writer thread's batch
//! ([`crate::writer`]), elsewhere one of the pool's, retried from the start when PostgreSQL
//! aborts it for a deadlock (two transactions locking each other's attendees, 40P01).

use chrono::{DateTime, Utc};
use hallway_domain::agenda::AgendaState;
use hallway_domain::{ConferenceId, Seats, SessionId, TimeSpan, UserId};

use crate::{Backend, Result, Store, StoreError, on_pool, on_write, seats, to_u32};

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

impl ReserveOutcome {
    /// Whether the request changed anything (a new seat or a new place in a waitlist).
    pub fn changed(&self) -> bool {
        matches!(
            self,
            Self::Reserved { already: false, .. } | Self::Waitlisted { already: false, .. }
        )
    }
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
    /// What it says, as its kind and parameters (`None` for rows written before
    /// notifications were kept that way: those have only `message`).
    pub notice: Option<hallway_domain::notice::Notice>,
    /// The words of a notification written before `notice` was kept ("" since).
    pub message: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Whether the attendee has seen it.
    pub read: bool,
}

/// id, kind, session, message, params, created_at, read_at.
type NotificationRow = (i64, String, Option<i64>, String, String, i64, Option<i64>);

pub(crate) use crate::seats::Attempt;

pub(crate) const MAX_ATTEMPTS: u32 = 20;

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

/// The SQL that starts a write transaction, per backend (SQLite: take the write lock at
/// once, so the transaction never fails half-way for want of it).
pub(crate) fn begin_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

/// Runs `$change` (an engine function taking the transaction as a [`seats::SeatTx`]) in a
/// write transaction of the store's pool, committing when `$commit` holds of its answer
/// and rolling back otherwise; evaluates to the answer. On PostgreSQL a deadlock or
/// serialisation failure is retried from the start.
macro_rules! on_engine {
    ($store:expr, |$tx:ident| $change:expr, $commit:expr) => {{
        let begin = begin_sql($store.backend());
        let mut attempts = 0;
        loop {
            attempts += 1;
            let result: Result<_> = on_write!($store, pool => async {
                let mut t = pool.begin_with(begin).await?;
                let answer = {
                    let mut $tx = seats::sql::SqlxTx(&mut *t);
                    $change.await?
                };
                if $commit(&answer) {
                    t.commit().await?;
                }
                Ok(answer)
            }.await);
            match result {
                Err(StoreError::Database(e)) if retryable(&e) && attempts < MAX_ATTEMPTS => continue,
                other => {
                    if matches!(&other, Ok(a) if $commit(a)) {
                        $store.events_written();
                    }
                    break other;
                }
            }
        }
    }};
}

impl Store {
    /// Puts a session in an attendee's agenda, or on its waitlist, or says why not. See
    /// [`ReserveOutcome`]; anything but `Reserved` and `Waitlisted` changed nothing.
    pub async fn reserve(&self, req: &ReserveRequest<'_>) -> Result<ReserveOutcome> {
        let req = seats::Reserve {
            conference: req.conference,
            user: req.user,
            session: req.session,
            replace: req.replace.to_vec(),
            waitlist: req.waitlist,
            now: req.now,
        };
        if let Some(writer) = &self.writer {
            return writer.reserve(req).await;
        }
        for _ in 0..MAX_ATTEMPTS {
            let attempt = on_engine!(self, |tx| seats::reserve(&mut tx, &req), seats::changed)?;
            if let Attempt::Done(outcome) = attempt {
                return Ok(outcome);
            }
        }
        // Lost the race for the last seat every time: the session is full.
        Ok(ReserveOutcome::Full)
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
        self.set_session_capacity_recorded(conference, session, capacity, None, now)
            .await
    }

    /// [`Store::set_session_capacity`], writing `audit` to the conference's audit log in
    /// the same transaction (when the session exists).
    pub async fn set_session_capacity_recorded(
        &self,
        conference: ConferenceId,
        session: SessionId,
        capacity: Option<hallway_domain::Capacity>,
        audit: Option<crate::AuditLine>,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<Promotion>>> {
        let wanted = capacity.map(|c| c.get());
        if let Some(writer) = &self.writer {
            return writer
                .set_capacity(conference, session, wanted, audit, now)
                .await;
        }
        on_engine!(
            self,
            |tx| seats::set_capacity(&mut tx, conference, session, wanted, audit.as_ref(), now),
            |a: &Option<Vec<Promotion>>| a.is_some()
        )
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
        if let Some(writer) = &self.writer {
            return writer.cancel(conference, user, session, now).await;
        }
        on_engine!(
            self,
            |tx| seats::cancel(&mut tx, conference, user, session, now),
            |a: &CancelOutcome| matches!(a, CancelOutcome::Cancelled(_))
        )
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
            if crate::agenda_state(&state)? == AgendaState::Reserved {
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
                "SELECT id, kind, session_id, message, params, created_at, read_at FROM notifications \
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
            .map(
                |(id, kind, session, message, params, created, read)| Notification {
                    id,
                    kind,
                    session: session.map(SessionId::new),
                    // A row this version cannot read keeps its kind and shows its message.
                    notice: serde_json::from_str(&params).ok(),
                    message,
                    created_at: DateTime::from_timestamp(created, 0).unwrap_or_default(),
                    read: read.is_some(),
                },
            )
            .collect())
    }

    /// Marks all of an attendee's notifications in a conference as read.
    pub async fn mark_notifications_read(
        &self,
        conference: ConferenceId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_write!(self, pool => {
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
