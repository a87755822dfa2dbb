//! SQLite's agenda writer: one task, one connection, group commit.
//!
//! SQLite lets one transaction write at a time. With a pool of connections each wanting
//! `BEGIN IMMEDIATE`, the losers sleep in SQLite's busy handler (1, 2, 5, 10 … 100 ms), which
//! is where the tail latency of a keynote rush came from, and every add paid for its own
//! commit (the same few pages written to the WAL again and again). Here seat changes queue
//! for one task that owns one connection: it takes whatever has queued (up to
//! [`MAX_BATCH`]), runs each change inside a `SAVEPOINT` of one `BEGIN IMMEDIATE`
//! transaction (a refusal rolls back to its savepoint and leaves the others alone), commits
//! once, and only then answers every request of the batch. So an answer still means "on
//! disk" (DESIGN.md invariant 8), and the invariants hold exactly as before: the changes run
//! one after the other inside the database's write lock, by the same code as on PostgreSQL.
//!
//! If the batch transaction itself fails (`BEGIN`, a savepoint, or `COMMIT`), each change
//! of the batch runs again alone in its own transaction, so each request gets its own
//! answer or its own error.

use sqlx::{Connection, SqliteConnection};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::agenda::{
    Attempt, MAX_ATTEMPTS, ReserveOutcome, ReserveRequest, attempt_changed, reserve_on_sqlite,
};
use crate::{Result, StoreError};

/// Most changes committed together.
pub(crate) const MAX_BATCH: usize = 256;

/// Changes waiting for the writer before new ones wait to be queued.
const QUEUE: usize = 4096;

/// A reservation request that owns its data, to travel to the writer task.
struct OwnedReserve {
    conference: hallway_domain::ConferenceId,
    user: hallway_domain::UserId,
    session: hallway_domain::SessionId,
    replace: Vec<hallway_domain::SessionId>,
    waitlist: bool,
    now: chrono::DateTime<chrono::Utc>,
}

impl OwnedReserve {
    fn request(&self) -> ReserveRequest<'_> {
        ReserveRequest {
            conference: self.conference,
            user: self.user,
            session: self.session,
            replace: &self.replace,
            waitlist: self.waitlist,
            now: self.now,
        }
    }
}

struct Job {
    reserve: OwnedReserve,
    reply: oneshot::Sender<Result<ReserveOutcome>>,
}

enum Message {
    Change(Job),
    /// Finish what came before, then give the connection back.
    Stop,
}

/// The handle a [`crate::Store`] on SQLite keeps; cloned with it.
#[derive(Debug)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Message>,
    /// The connection, given back by the task when it stops (so `close` can close it).
    stopped: Mutex<Option<oneshot::Receiver<SqliteConnection>>>,
}

impl Writer {
    /// Starts the writer task on `conn` (a connection of its own, with the store's pragmas).
    pub(crate) fn start(conn: SqliteConnection) -> Self {
        let (queue, messages) = mpsc::channel(QUEUE);
        let (done, stopped) = oneshot::channel();
        tokio::spawn(async move {
            let conn = run(conn, messages).await;
            let _ = done.send(conn);
        });
        Self {
            queue,
            stopped: Mutex::new(Some(stopped)),
        }
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
        if self.queue.send(Message::Stop).await.is_ok()
            && let Ok(conn) = stopped.await
        {
            let _ = conn.close().await;
        }
    }
}

fn closed() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

/// The task: batches until told to stop or every handle is gone.
async fn run(
    mut conn: SqliteConnection,
    mut messages: mpsc::Receiver<Message>,
) -> SqliteConnection {
    let mut received = Vec::with_capacity(MAX_BATCH);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut stop = false;
    while !stop && messages.recv_many(&mut received, MAX_BATCH).await > 0 {
        for message in received.drain(..) {
            match message {
                Message::Change(job) if !stop => batch.push(job),
                // After a stop nothing more is taken: dropping the job fails its request.
                Message::Change(_) => {}
                Message::Stop => stop = true,
            }
        }
        if batch.is_empty() {
            continue;
        }
        let answers = match in_one_transaction(&mut conn, &batch).await {
            Ok(answers) => answers.into_iter().map(Ok).collect(),
            Err(_) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
                each_alone(&mut conn, &batch).await
            }
        };
        for (job, answer) in batch.drain(..).zip(answers) {
            // The requester may have gone (a closed connection); the change stands.
            let _ = job.reply.send(answer);
        }
    }
    conn
}

/// The whole batch in one transaction, committed. `Err` when anything failed: nothing of
/// the batch is then kept (the caller rolls back).
///
/// A change without `replace` writes nothing before it knows it will succeed, so only
/// changes with `replace` (which drop seats first and may then be refused) run inside a
/// savepoint to roll back to.
async fn in_one_transaction(
    conn: &mut SqliteConnection,
    batch: &[Job],
) -> Result<Vec<ReserveOutcome>> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        let guarded = !job.reserve.replace.is_empty();
        // Losing the last seat on every attempt means it is full (as on PostgreSQL).
        let mut answer = ReserveOutcome::Full;
        for _ in 0..MAX_ATTEMPTS {
            if guarded {
                sqlx::query("SAVEPOINT change").execute(&mut *conn).await?;
            }
            let attempt = reserve_on_sqlite(conn, &job.reserve.request()).await?;
            if guarded {
                if !attempt_changed(&attempt) {
                    sqlx::query("ROLLBACK TO change")
                        .execute(&mut *conn)
                        .await?;
                }
                sqlx::query("RELEASE change").execute(&mut *conn).await?;
            }
            if let Attempt::Done(outcome) = attempt {
                answer = outcome;
                break;
            }
        }
        answers.push(answer);
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(answers)
}

/// Each change in a transaction of its own (after a failed batch), so each request gets
/// its own answer or its own error.
async fn each_alone(conn: &mut SqliteConnection, batch: &[Job]) -> Vec<Result<ReserveOutcome>> {
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        answers.push(
            match in_one_transaction(conn, std::slice::from_ref(job)).await {
                Ok(mut one) => Ok(one.pop().unwrap_or(ReserveOutcome::Full)),
                Err(e) => {
                    let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                    Err(e)
                }
            },
        );
    }
    answers
}
