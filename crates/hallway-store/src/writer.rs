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
//! the writer at ~2,300 adds/s). What a change does is the reservation engine's
//! ([`crate::seats`]), the same code the pool-backed stores (PostgreSQL, in-memory SQLite)
//! run; here it runs on [`RusqliteTx`], whose futures are ready at once, so the thread runs
//! each to completion in one poll. After a commit that wrote events the thread wakes the
//! event dispatcher.
//!
//! If the batch transaction itself fails (`BEGIN`, a savepoint, or `COMMIT`), each change
//! of the batch runs again alone in its own transaction, so each request gets its own
//! answer or its own error.
//!
//! Every other write of a store on a SQLite file (an import, an account, a door scan …) is
//! written with sqlx on the pool, but only in its turn: it asks the writer for the database
//! ([`Writer::turn`]), queued behind the changes asked for before it; the thread commits
//! what came before, hands the turn over and waits until the [`Turn`] is dropped. So one
//! write runs at a time, in the order asked, and no request ever meets SQLite's lock held
//! by another of this store's connections (the busy handler's sleeps and its "database is
//! locked" after the busy timeout are for other processes only). Seat changes that queue
//! meanwhile are committed together once the turn comes back.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::FutureExt as _;
use hallway_domain::{ConferenceId, SessionId, UserId};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex, Notify, mpsc, oneshot};

use crate::agenda::{Attempt, CancelOutcome, MAX_ATTEMPTS, Promotion, ReserveOutcome};
use crate::seats::{self, Reserve, sql::RusqliteTx};
use crate::{AuditLine, Result, StoreError};

/// Most changes committed together.
pub(crate) const MAX_BATCH: usize = 256;

/// Changes waiting for the writer before new ones wait to be queued.
const QUEUE: usize = 4096;

/// A change the writer runs.
enum Change {
    Reserve(Reserve),
    Cancel {
        conference: ConferenceId,
        user: UserId,
        session: SessionId,
        now: DateTime<Utc>,
    },
    Capacity {
        conference: ConferenceId,
        session: SessionId,
        wanted: Option<u32>,
        audit: Option<AuditLine>,
        now: DateTime<Utc>,
    },
}

impl Change {
    /// Whether the change may write and then be refused, so it runs inside a savepoint to
    /// roll back to (a reservation that drops the sessions it replaces first).
    fn guarded(&self) -> bool {
        matches!(self, Self::Reserve(r) if !r.replace.is_empty())
    }
}

/// What a change answered.
enum Answer {
    Reserve(ReserveOutcome),
    Cancel(CancelOutcome),
    Capacity(Option<Vec<Promotion>>),
}

impl Answer {
    /// Whether the change wrote anything (and so, events).
    fn changed(&self) -> bool {
        match self {
            Self::Reserve(o) => o.changed(),
            Self::Cancel(o) => matches!(o, CancelOutcome::Cancelled(_)),
            Self::Capacity(o) => o.is_some(),
        }
    }
}

struct Job {
    change: Change,
    reply: oneshot::Sender<Result<Answer>>,
}

enum Message {
    Change(Job),
    /// Commit what came before, tell `lent`, then wait until `back` is dropped (a
    /// [`Turn`]).
    Turn {
        lent: oneshot::Sender<()>,
        back: oneshot::Receiver<()>,
    },
    /// Finish what came before, then close the connection.
    Stop,
}

/// The database lent by the writer to one write on the pool; the writer goes on when this
/// is dropped.
#[derive(Debug)]
#[must_use = "the turn ends when it is dropped"]
pub(crate) struct Turn {
    _back: oneshot::Sender<()>,
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
    /// mode) with the pool's settings, and starts the writer thread on it; `events` is
    /// woken after each commit that wrote events.
    pub(crate) fn open(path: &Path, busy_timeout: Duration, events: Arc<Notify>) -> Result<Self> {
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
                let conn = run(conn, messages, &events);
                drop(conn.close());
                let _ = done.send(());
            })
            .map_err(|e| StoreError::Engine(Box::new(e)))?;
        Ok(Self {
            queue,
            stopped: Mutex::new(Some(stopped)),
        })
    }

    /// Runs `change` in the next batch and answers once the batch is committed.
    async fn run(&self, change: Change) -> Result<Answer> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Message::Change(Job { change, reply }))
            .await
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    /// Waits for this store's turn to write on the pool: until the changes asked for
    /// before are committed and the writer stands still; it goes on when the turn is
    /// dropped. A turn must not ask for another or for a change of the writer's (it would
    /// wait for itself).
    pub(crate) async fn turn(&self) -> Result<Turn> {
        let (lent, granted) = oneshot::channel();
        let (give_back, back) = oneshot::channel();
        self.queue
            .send(Message::Turn { lent, back })
            .await
            .map_err(|_| closed())?;
        granted.await.map_err(|_| closed())?;
        Ok(Turn { _back: give_back })
    }

    /// A reservation (see [`seats::reserve`]).
    pub(crate) async fn reserve(&self, req: Reserve) -> Result<ReserveOutcome> {
        match self.run(Change::Reserve(req)).await? {
            Answer::Reserve(o) => Ok(o),
            _ => Err(mismatch()),
        }
    }

    /// A cancellation (see [`seats::cancel`]).
    pub(crate) async fn cancel(
        &self,
        conference: ConferenceId,
        user: UserId,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> Result<CancelOutcome> {
        let change = Change::Cancel {
            conference,
            user,
            session,
            now,
        };
        match self.run(change).await? {
            Answer::Cancel(o) => Ok(o),
            _ => Err(mismatch()),
        }
    }

    /// A capacity change (see [`seats::set_capacity`]).
    pub(crate) async fn set_capacity(
        &self,
        conference: ConferenceId,
        session: SessionId,
        wanted: Option<u32>,
        audit: Option<AuditLine>,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<Promotion>>> {
        let change = Change::Capacity {
            conference,
            session,
            wanted,
            audit,
            now,
        };
        match self.run(change).await? {
            Answer::Capacity(o) => Ok(o),
            _ => Err(mismatch()),
        }
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

fn mismatch() -> StoreError {
    StoreError::Corrupt("the writer answered another kind of change".to_owned())
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Engine(Box::new(e))
    }
}

/// The thread: batches until told to stop or every handle is gone; gives the connection
/// back to be closed.
fn run(mut conn: Connection, mut messages: mpsc::Receiver<Message>, events: &Notify) -> Connection {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    let mut stop = false;
    while !stop {
        let Some(first) = messages.blocking_recv() else {
            break;
        };
        let mut next = Some(first);
        // A turn asked for after the changes of this batch: lent once they are committed.
        let mut turn = None;
        while let Some(message) = next.take() {
            match message {
                Message::Change(job) => batch.push(job),
                Message::Turn { lent, back } => {
                    turn = Some((lent, back));
                    break;
                }
                Message::Stop => {
                    stop = true;
                    break;
                }
            }
            if batch.len() < MAX_BATCH {
                next = messages.try_recv().ok();
            }
        }
        commit(&mut conn, &mut batch, events);
        if let Some((lent, back)) = turn {
            // Whoever asked may have gone already; then the turn is over at once.
            if lent.send(()).is_ok() {
                // `Err` once the turn is dropped: that is its end.
                let _ = back.blocking_recv();
            }
        }
    }
    // After a stop nothing more is taken: dropping the queued jobs fails their requests.
    messages.close();
    conn
}

/// Runs and commits `batch` (emptying it), answers each request, and wakes the event
/// dispatcher if anything changed.
fn commit(conn: &mut Connection, batch: &mut Vec<Job>, events: &Notify) {
    if batch.is_empty() {
        return;
    }
    let answers: Vec<Result<Answer>> = match in_one_transaction(conn, batch) {
        Ok(answers) => answers.into_iter().map(Ok).collect(),
        Err(_) => {
            let _ = conn.execute_batch("ROLLBACK");
            each_alone(conn, batch)
        }
    };
    if answers
        .iter()
        .any(|a| a.as_ref().is_ok_and(Answer::changed))
    {
        events.notify_one();
    }
    for (job, answer) in batch.drain(..).zip(answers) {
        // The requester may have gone (a closed connection); the change stands.
        let _ = job.reply.send(answer);
    }
}

/// The whole batch in one transaction, committed. `Err` when anything failed: nothing of
/// the batch is then kept (the caller rolls back).
///
/// A change that writes nothing before it knows it will succeed runs as it is; one that may
/// be refused after it changed something ([`Change::guarded`]) runs inside a savepoint to
/// roll back to.
fn in_one_transaction(conn: &mut Connection, batch: &[Job]) -> Result<Vec<Answer>> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        let guarded = job.change.guarded();
        if guarded {
            conn.execute_batch("SAVEPOINT change")?;
        }
        let answer = apply(conn, &job.change)?;
        if guarded {
            if !answer.changed() {
                conn.execute_batch("ROLLBACK TO change")?;
            }
            conn.execute_batch("RELEASE change")?;
        }
        answers.push(answer);
    }
    conn.execute_batch("COMMIT")?;
    Ok(answers)
}

/// Runs the engine's future for `change` on the writer's connection. The engine's
/// futures only wait on their [`crate::seats::SeatTx`], and [`RusqliteTx`] never waits, so
/// one poll finishes them.
fn apply(conn: &Connection, change: &Change) -> Result<Answer> {
    let mut tx = RusqliteTx(conn);
    let pending = || StoreError::Corrupt("a change on the writer thread did not finish".into());
    match change {
        Change::Reserve(req) => {
            // Losing the last seat on every attempt means it is full (as on PostgreSQL).
            for _ in 0..MAX_ATTEMPTS {
                let attempt = seats::reserve(&mut tx, req)
                    .now_or_never()
                    .ok_or_else(pending)??;
                if let Attempt::Done(outcome) = attempt {
                    return Ok(Answer::Reserve(outcome));
                }
            }
            Ok(Answer::Reserve(ReserveOutcome::Full))
        }
        Change::Cancel {
            conference,
            user,
            session,
            now,
        } => seats::cancel(&mut tx, *conference, *user, *session, *now)
            .now_or_never()
            .ok_or_else(pending)?
            .map(Answer::Cancel),
        Change::Capacity {
            conference,
            session,
            wanted,
            audit,
            now,
        } => seats::set_capacity(
            &mut tx,
            *conference,
            *session,
            *wanted,
            audit.as_ref(),
            *now,
        )
        .now_or_never()
        .ok_or_else(pending)?
        .map(Answer::Capacity),
    }
}

/// Each change in a transaction of its own (after a failed batch), so each request gets
/// its own answer or its own error.
fn each_alone(conn: &mut Connection, batch: &[Job]) -> Vec<Result<Answer>> {
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        answers.push(match in_one_transaction(conn, std::slice::from_ref(job)) {
            Ok(mut one) => one.pop().ok_or_else(mismatch),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e)
            }
        });
    }
    answers
}
