//! SQLite's agenda writer: one thread, one connection, group commit.
//!
//! SQLite lets one transaction write at a time. With a pool of connections each wanting
//! `BEGIN IMMEDIATE`, the losers sleep in SQLite's busy handler (1, 2, 5, 10 … 100 ms), which
//! is where the tail latency of a keynote rush came from, and every add paid for its own
//! commit (the same few pages written to the WAL again and again). Here seat changes queue
//! for one thread that owns one connection: it takes whatever has queued (up to
//! [`MAX_BATCH`]), runs each change in one `BEGIN IMMEDIATE` transaction (a change that may
//! be refused after it changed something runs inside a `SAVEPOINT` it rolls back to), commits
//! once, and only then answers every request of the batch. So an answer still means "on
//! disk" (DESIGN.md invariant 8), and the invariants hold exactly as before: the changes run
//! one after the other inside the database's write lock.
//!
//! The thread drives SQLite directly (rusqlite, on the same SQLite library sqlx links) with
//! cached prepared statements: a statement costs a few microseconds instead of a message to
//! sqlx's connection thread and a wake-up back (about 60 µs each under load, which capped
//! the writer at ~2,300 adds/s). The steps are those of [`crate::agenda`]'s `reserve_on!`,
//! which the pool-backed stores (PostgreSQL, maintenance, in-memory SQLite) run; the rules
//! they apply (overlap, the grace period, who is promoted) are the domain's, shared by both.
//!
//! If the batch transaction itself fails (`BEGIN`, a savepoint, or `COMMIT`), each change
//! of the batch runs again alone in its own transaction, so each request gets its own
//! answer or its own error.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hallway_domain::agenda::{conflicts, open_for_changes, promotion_candidate};
use hallway_domain::{ConferenceId, SessionId, TimeSpan, UserId};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::agenda::{
    Attempt, MAX_ATTEMPTS, Promotion, ReserveOutcome, ReserveRequest, attempt_changed,
    seats_of_row, span_of,
};
use crate::{Result, StoreError, to_u32};

/// Most changes committed together.
pub(crate) const MAX_BATCH: usize = 256;

/// Changes waiting for the writer before new ones wait to be queued.
const QUEUE: usize = 4096;

/// A reservation request that owns its data, to travel to the writer thread.
struct OwnedReserve {
    conference: ConferenceId,
    user: UserId,
    session: SessionId,
    replace: Vec<SessionId>,
    waitlist: bool,
    now: DateTime<Utc>,
}

struct Job {
    reserve: OwnedReserve,
    reply: oneshot::Sender<Result<ReserveOutcome>>,
}

enum Message {
    Change(Job),
    /// Finish what came before, then close the connection.
    Stop,
}

/// The handle a [`crate::Store`] on a SQLite file keeps; cloned with it.
#[derive(Debug)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Message>,
    /// Told when the thread has closed its connection.
    stopped: Mutex<Option<oneshot::Receiver<()>>>,
}

impl Writer {
    /// Opens a connection of its own on the SQLite file `path` (already migrated, in WAL
    /// mode) with the pool's settings, and starts the writer thread on it.
    pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(busy_timeout)?;
        // `journal_mode = WAL` belongs to the file (the pool set it); these two belong to
        // the connection. NORMAL in WAL mode: a commit survives a crash of the process.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.set_prepared_statement_cache_capacity(64);
        let (queue, messages) = mpsc::channel(QUEUE);
        let (done, stopped) = oneshot::channel();
        std::thread::Builder::new()
            .name("hallway-sqlite-writer".to_owned())
            .spawn(move || {
                let conn = run(conn, messages);
                drop(conn.close());
                let _ = done.send(());
            })
            .map_err(|e| StoreError::Engine(Box::new(e)))?;
        Ok(Self {
            queue,
            stopped: Mutex::new(Some(stopped)),
        })
    }

    /// Runs one reservation in the next batch and answers once the batch is committed.
    pub(crate) async fn reserve(&self, req: &ReserveRequest<'_>) -> Result<ReserveOutcome> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            reserve: OwnedReserve {
                conference: req.conference,
                user: req.user,
                session: req.session,
                replace: req.replace.to_vec(),
                waitlist: req.waitlist,
                now: req.now,
            },
            reply,
        };
        self.queue
            .send(Message::Change(job))
            .await
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    /// Lets the queued changes finish, then closes the connection; later changes fail.
    pub(crate) async fn close(&self) {
        let Some(stopped) = self.stopped.lock().await.take() else {
            return;
        };
        if self.queue.send(Message::Stop).await.is_ok() {
            let _ = stopped.await;
        }
    }
}

fn closed() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Engine(Box::new(e))
    }
}

/// The thread: batches until told to stop or every handle is gone; gives the connection
/// back to be closed.
fn run(mut conn: Connection, mut messages: mpsc::Receiver<Message>) -> Connection {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    let mut stop = false;
    while !stop {
        let Some(first) = messages.blocking_recv() else {
            break;
        };
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Change(job) => batch.push(job),
                Message::Stop => {
                    stop = true;
                    break;
                }
            }
            if batch.len() < MAX_BATCH {
                next = messages.try_recv().ok();
            }
        }
        if batch.is_empty() {
            continue;
        }
        let answers = match in_one_transaction(&mut conn, &batch) {
            Ok(answers) => answers.into_iter().map(Ok).collect(),
            Err(_) => {
                let _ = conn.execute_batch("ROLLBACK");
                each_alone(&mut conn, &batch)
            }
        };
        for (job, answer) in batch.drain(..).zip(answers) {
            // The requester may have gone (a closed connection); the change stands.
            let _ = job.reply.send(answer);
        }
    }
    // After a stop nothing more is taken: dropping the queued jobs fails their requests.
    messages.close();
    conn
}

/// The whole batch in one transaction, committed. `Err` when anything failed: nothing of
/// the batch is then kept (the caller rolls back).
///
/// A change without `replace` writes nothing before it knows it will succeed, so only
/// changes with `replace` (which drop seats first and may then be refused) run inside a
/// savepoint to roll back to.
fn in_one_transaction(conn: &mut Connection, batch: &[Job]) -> Result<Vec<ReserveOutcome>> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        let guarded = !job.reserve.replace.is_empty();
        // Losing the last seat on every attempt means it is full (as on PostgreSQL).
        let mut answer = ReserveOutcome::Full;
        for _ in 0..MAX_ATTEMPTS {
            if guarded {
                conn.execute_batch("SAVEPOINT change")?;
            }
            let attempt = reserve(conn, &job.reserve)?;
            if guarded {
                if !attempt_changed(&attempt) {
                    conn.execute_batch("ROLLBACK TO change")?;
                }
                conn.execute_batch("RELEASE change")?;
            }
            if let Attempt::Done(outcome) = attempt {
                answer = outcome;
                break;
            }
        }
        answers.push(answer);
    }
    conn.execute_batch("COMMIT")?;
    Ok(answers)
}

/// Each change in a transaction of its own (after a failed batch), so each request gets
/// its own answer or its own error.
fn each_alone(conn: &mut Connection, batch: &[Job]) -> Vec<Result<ReserveOutcome>> {
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        answers.push(match in_one_transaction(conn, std::slice::from_ref(job)) {
            Ok(mut one) => Ok(one.pop().unwrap_or(ReserveOutcome::Full)),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e)
            }
        });
    }
    answers
}

/// The reserved sessions of `user` in `conference` as (session id, span).
fn reserved_spans(conn: &Connection, conference: i64, user: i64) -> Result<Vec<(i64, TimeSpan)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.session_id, s.starts_at, s.ends_at FROM agenda a JOIN sessions s ON s.id = a.session_id \
         WHERE a.conference_id = ?1 AND a.user_id = ?2 AND a.state = 'reserved'",
    )?;
    let rows = stmt.query_map((conference, user), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut spans = Vec::new();
    for row in rows {
        let (id, starts, ends) = row?;
        spans.push((id, span_of(starts, ends)?));
    }
    Ok(spans)
}

/// The waitlist position of agenda row `row` of `session`.
fn position(conn: &Connection, session: i64, row: i64) -> Result<u32> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM agenda WHERE session_id = ?1 AND state = 'waitlisted' AND id <= ?2",
        )?
        .query_row((session, row), |r| r.get(0))?;
    to_u32(n, "waitlist position")
}

/// Keeping an agenda (or waiting) makes one an attendee of the conference.
fn enrol(conn: &Connection, conference: i64, user: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO conference_members (conference_id, user_id, role) \
         VALUES (?1, ?2, 'attendee') ON CONFLICT DO NOTHING",
    )?
    .execute((conference, user))?;
    Ok(())
}

/// Takes a seat of `session` if one is free: (capacity, reserved) after, or `None`.
fn take_seat(conn: &Connection, session: i64) -> Result<Option<(Option<i64>, i64)>> {
    Ok(conn
        .prepare_cached(
            "UPDATE sessions SET reserved = reserved + 1 \
             WHERE id = ?1 AND (capacity IS NULL OR reserved < capacity) RETURNING capacity, reserved",
        )?
        .query_row([session], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// One attempt at a reservation inside the batch's transaction; the same steps as
/// `reserve_on!` in [`crate::agenda`] (see there for why each is needed).
fn reserve(conn: &Connection, req: &OwnedReserve) -> Result<Attempt<ReserveOutcome>> {
    let conference = req.conference.get();
    let user = req.user.get();
    let session = req.session.get();
    #[allow(clippy::type_complexity)]
    let target: Option<(
        i64,
        i64,
        String,
        Option<i64>,
        i64,
        i64,
        Option<i64>,
        Option<String>,
    )> = conn
        .prepare_cached(
            "SELECT s.starts_at, s.ends_at, s.kind, s.capacity, s.reserved, \
             c.agenda_grace_minutes, a.id, a.state FROM sessions s \
             JOIN conferences c ON c.id = s.conference_id \
             LEFT JOIN agenda a ON a.session_id = s.id AND a.user_id = ?3 \
             WHERE s.id = ?1 AND s.conference_id = ?2",
        )?
        .query_row((session, conference, user), |r| {
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
            return Ok(Attempt::Done(ReserveOutcome::Reserved {
                seats: seats_of_row(capacity, reserved)?,
                already: true,
                promoted: vec![],
            }));
        }
        Some((row, _)) => {
            let position = position(conn, session, row)?;
            return Ok(Attempt::Done(ReserveOutcome::Waitlisted {
                position,
                already: true,
            }));
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
        enrol(conn, conference, user)?;
        let row: i64 = conn
            .prepare_cached(
                "INSERT INTO agenda (conference_id, user_id, session_id, state, created_at) \
                 VALUES (?1, ?2, ?3, 'waitlisted', ?4) RETURNING id",
            )?
            .query_row((conference, user, session, req.now.timestamp()), |r| {
                r.get(0)
            })?;
        let position = position(conn, session, row)?;
        return Ok(Attempt::Done(ReserveOutcome::Waitlisted {
            position,
            already: false,
        }));
    }
    // Drop the sessions to replace (still in this transaction, inside the savepoint).
    let mut dropped: Vec<i64> = Vec::new();
    for r in req
        .replace
        .iter()
        .map(|r| r.get())
        .filter(|r| *r != session)
    {
        let held: Option<(i64, i64, i64)> = conn
            .prepare_cached(
                "SELECT a.id, s.starts_at, s.ends_at FROM agenda a JOIN sessions s ON s.id = a.session_id \
                 WHERE a.user_id = ?1 AND a.session_id = ?2 AND a.conference_id = ?3 AND a.state = 'reserved'",
            )?
            .query_row((user, r, conference), |x| {
                Ok((x.get(0)?, x.get(1)?, x.get(2)?))
            })
            .optional()?;
        let Some((row, s, e)) = held else {
            return Ok(Attempt::Done(ReserveOutcome::NotReserved(SessionId::new(
                r,
            ))));
        };
        if !open_for_changes(&span_of(s, e)?, req.now, grace) {
            return Ok(Attempt::Done(ReserveOutcome::Closed(SessionId::new(r))));
        }
        conn.prepare_cached("DELETE FROM agenda WHERE id = ?1")?
            .execute([row])?;
        conn.prepare_cached(
            "UPDATE sessions SET reserved = reserved - 1, \
             kept_over = CASE WHEN kept_over > 0 THEN kept_over - 1 ELSE 0 END WHERE id = ?1",
        )?
        .execute([r])?;
        dropped.push(r);
    }
    let mine = reserved_spans(conn, conference, user)?;
    let clashes = conflicts(&span, mine.iter().map(|(id, s)| (SessionId::new(*id), s)));
    if !clashes.is_empty() {
        return Ok(Attempt::Done(ReserveOutcome::Conflict(clashes)));
    }
    let Some((capacity, reserved)) = take_seat(conn, session)? else {
        // The last seat went since we looked (cannot happen under the write lock, but the
        // answer stays right if it ever does): start again.
        return Ok(Attempt::Retry);
    };
    enrol(conn, conference, user)?;
    conn.prepare_cached(
        "INSERT INTO agenda (conference_id, user_id, session_id, state, created_at) \
         VALUES (?1, ?2, ?3, 'reserved', ?4)",
    )?
    .execute((conference, user, session, req.now.timestamp()))?;
    let mut promoted = Vec::new();
    for r in dropped {
        promoted.extend(promote(conn, conference, r, req.now)?);
    }
    Ok(Attempt::Done(ReserveOutcome::Reserved {
        seats: seats_of_row(capacity, reserved)?,
        already: false,
        promoted,
    }))
}

/// Gives free seats of `session` to waiting attendees in FIFO order, skipping those with an
/// overlap, and notifies each (the steps of `promote!` in [`crate::agenda`]).
fn promote(
    conn: &Connection,
    conference: i64,
    session: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Promotion>> {
    let mut promoted = Vec::new();
    loop {
        let (capacity, reserved, starts, ends, title): (Option<i64>, i64, i64, i64, String) = conn
            .prepare_cached(
                "SELECT capacity, reserved, starts_at, ends_at, title FROM sessions WHERE id = ?1",
            )?
            .query_row([session], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
        if capacity.is_some_and(|c| reserved >= c) {
            break;
        }
        let span = span_of(starts, ends)?;
        let waiting: Vec<(i64, i64)> = conn
            .prepare_cached(
                "SELECT id, user_id FROM agenda WHERE session_id = ?1 AND state = 'waitlisted' ORDER BY id",
            )?
            .query_map([session], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut chosen = None;
        for (row, user) in waiting {
            let theirs: Vec<TimeSpan> = reserved_spans(conn, conference, user)?
                .into_iter()
                .map(|(_, s)| s)
                .collect();
            if promotion_candidate(&span, [theirs.as_slice()]).is_some() {
                chosen = Some((row, user));
                break;
            }
        }
        let Some((row, user)) = chosen else { break };
        if take_seat(conn, session)?.is_none() {
            break;
        }
        conn.prepare_cached("UPDATE agenda SET state = 'reserved' WHERE id = ?1")?
            .execute([row])?;
        conn.prepare_cached(
            "INSERT INTO notifications (conference_id, user_id, kind, session_id, message, created_at) \
             VALUES (?1, ?2, 'promoted', ?3, ?4, ?5)",
        )?
        .execute((
            conference,
            user,
            session,
            format!("A seat freed up: you are now in \u{201c}{title}\u{201d}."),
            now.timestamp(),
        ))?;
        promoted.push(Promotion {
            user: UserId::new(user),
            session: SessionId::new(session),
        });
    }
    Ok(promoted)
}
