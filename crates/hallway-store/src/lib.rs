//! The only crate with SQL. A [`Store`] holds a pool for SQLite (the default: one file, no
//! setup) or PostgreSQL (several `hallway serve` instances on one database), chosen at run
//! time from the URL scheme. Callers see domain types and [`StoreError`], never a driver.
//!
//! SQL is written once where both dialects accept it (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`); the [`on_pool!`] macro compiles each such body once per backend. Every
//! table with per-conference data carries `conference_id` and every query on it filters by
//! it, so a hosted deployment can shard by conference (DESIGN.md, "Scale past one database").

mod accounts;
#[macro_use]
mod agenda;
mod bulk;
mod directory;
pub mod events;
mod maintenance;
mod outbox;
#[macro_use]
mod points;
mod feedback;
mod networking;
mod people;
#[macro_use]
mod program;
mod organize;
mod reminders;
mod schedule;
mod seats;
mod setup;
mod tokens;
mod url;
mod venue;
mod writer;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use accounts::{Account, Failures, Keep, NewAccount, NewLogin, NewUser};
pub use agenda::{Agenda, CancelOutcome, Notification, Promotion, ReserveOutcome, ReserveRequest};
pub use directory::{EditionAdded, Relinked};
pub use feedback::{Feedback, FeedbackOutcome, FeedbackRequest, RatingSummary};
pub use maintenance::{
    AppliedMigration, ColumnInfo, CopyProgress, CopyReport, DoubleBooking, InvariantReport,
    MaintenanceError, MigrateReport, PointsMismatch, SeatViolation, TableCount, TableInfo,
};
pub use networking::{Card, CardSecrets, CardUpdate, Contact, ExchangeOutcome, Target};
pub use organize::{AuditEntry, AuditLine, Invitation, Member};
pub use outbox::StoredEvent;
pub use people::NewAttendee;
pub use points::{LeaderRow, LedgerEntry};
pub use program::{ConferenceDetail, SharedProgram};
pub use reminders::{MAX_REMINDER_MINUTES, Reminder};
pub use schedule::{ImportBy, ImportHow, ImportReport, ScheduleVersion};
pub use setup::RoomEdit;
pub use tokens::{NewToken, TokenInfo};
pub use url::{Backend, DatabaseUrl, UrlError};
pub use venue::{
    Announcement, DoorOutcome, DoorScan, LabOutcome, PoolMachine, RoomOccupancy, SessionActivity,
};

/// What went wrong in the store, reduced to what callers branch on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Occurs when a write would break a uniqueness rule (a slug that is taken, say); the
    /// message says which, in words fit for the user.
    #[error("{0}")]
    Conflict(String),
    /// Occurs when stored data no longer passes the domain's checks (a row written by a
    /// newer or broken version).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Occurs when the database cannot be reached or answers with an error.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// Occurs when SQLite's agenda writer, which drives SQLite directly, gets an error from
    /// it (or cannot start its thread).
    #[error("database error")]
    Engine(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Occurs when the schema cannot be brought up to date.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Shorthand for results of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the backend's pool; the body is compiled once per
/// backend, so SQL text that both dialects accept is written once.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// [`on_pool!`] for a write: on a SQLite file, `$body` runs in this store's turn to write
/// (see [`writer`]: one write at a time, in the order asked, never SQLite's busy lock);
/// elsewhere at once. `$body` must not write through another `on_write!` or ask the
/// writer for a seat change (it would wait for itself).
macro_rules! on_write {
    ($store:expr, $pool:ident => $body:expr) => {{
        let _turn = $store.turn().await?;
        $crate::on_pool!($store, $pool => $body)
    }};
}
pub(crate) use on_write;

/// A handle on the database; cheap to clone (it is a pool, and a shared program cache).
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    programs: Arc<ProgramCache>,
    /// SQLite's agenda writer (see [`writer`]); `None` on PostgreSQL and on stores opened
    /// for maintenance, which write through the pool.
    writer: Option<Arc<writer::Writer>>,
    /// Accounts of API tokens looked up lately (see [`Recent`]).
    token_accounts: Arc<Recent<String, tokens::KnownToken>>,
    /// When each API token was last used, by id, until [`Store::flush_token_uses`] writes
    /// it (a busy token does not write per request).
    token_uses: Arc<Mutex<HashMap<i64, i64>>>,
    /// Ids of published conferences looked up lately, by slug (see [`Recent`]).
    conference_ids: Arc<Recent<String, hallway_domain::ConferenceId>>,
    /// Wakes this process's event dispatcher after a commit that wrote events
    /// ([`outbox`]); shared with the writer thread.
    events_wake: Arc<tokio::sync::Notify>,
}

/// How long an answer kept in a [`Recent`] is used before the database is asked again.
const RECENT_FOR: std::time::Duration = std::time::Duration::from_secs(2);

/// Lookups that every API request makes (the account of a bearer token, the id of a
/// conference by slug), kept for [`RECENT_FOR`], so that a keynote rush does not pay a
/// database round trip for each of them on every request. Only found answers are kept (a
/// token made a moment ago works at once). Writes through this store forget what they
/// change at once (revoking a token, publishing or deleting a conference); a write made by
/// *another* instance on the same PostgreSQL is seen here at most [`RECENT_FOR`] later.
#[derive(Debug)]
struct Recent<K, V> {
    entries: Mutex<HashMap<K, (V, std::time::Instant)>>,
}

impl<K, V> Default for Recent<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: std::hash::Hash + Eq, V: Clone> Recent<K, V> {
    /// Most entries before they are all forgotten (tokens of 12,000 attendees fit).
    const BOUND: usize = 50_000;

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (V, std::time::Instant)>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.lock()
            .get(key)
            .filter(|(_, at)| at.elapsed() < RECENT_FOR)
            .map(|(v, _)| v.clone())
    }

    fn put(&self, key: K, value: V) {
        let mut entries = self.lock();
        if entries.len() >= Self::BOUND {
            entries.clear();
        }
        entries.insert(key, (value, std::time::Instant::now()));
    }

    fn clear(&self) {
        self.lock().clear();
    }
}

/// Sessions and speakers of one conference as read at one program revision.
type CachedProgram = (
    Arc<Vec<hallway_domain::Session>>,
    Arc<Vec<hallway_domain::Speaker>>,
);

/// The programs read lately, by conference, each with the revision it was read at
/// (see [`Store::program_of`]).
#[derive(Debug, Default)]
struct ProgramCache {
    by_conference: Mutex<HashMap<hallway_domain::ConferenceId, (i64, CachedProgram)>>,
}

impl ProgramCache {
    fn get(&self, id: hallway_domain::ConferenceId, revision: i64) -> Option<CachedProgram> {
        let map = self
            .by_conference
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&id)
            .filter(|(r, _)| *r == revision)
            .map(|(_, p)| (Arc::clone(&p.0), Arc::clone(&p.1)))
    }

    fn put(&self, id: hallway_domain::ConferenceId, revision: i64, program: CachedProgram) {
        let mut map = self
            .by_conference
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A server hosts a handful of conferences; forget them all rather than grow past
        // a bound if it hosts many.
        if map.len() >= 64 && !map.contains_key(&id) {
            map.clear();
        }
        map.insert(id, (revision, program));
    }
}

impl Store {
    fn over(pool: Pool) -> Self {
        Self {
            pool,
            programs: Arc::default(),
            writer: None,
            token_accounts: Arc::default(),
            token_uses: Arc::default(),
            conference_ids: Arc::default(),
            events_wake: Arc::default(),
        }
    }
}

/// How a store connects; the defaults suit a server.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Most connections in the pool.
    pub max_connections: u32,
    /// How long a writer waits for SQLite's lock before giving up.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

impl Store {
    /// Connects to `url` and brings the schema up to date.
    ///
    /// SQLite: the file is created if missing; WAL journal, `synchronous=NORMAL` (a commit
    /// survives a crash of the process, DESIGN.md invariant 8), foreign keys on, and a busy
    /// timeout so concurrent writers wait instead of failing.
    pub async fn connect(url: &DatabaseUrl, options: &StoreOptions) -> Result<Self> {
        let pool = match url.backend() {
            Backend::Sqlite => {
                let connect = SqliteConnectOptions::from_str(url.expose())?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(options.busy_timeout);
                let pool = SqlitePoolOptions::new()
                    .max_connections(options.max_connections)
                    .connect_with(connect.clone())
                    .await?;
                sqlx::migrate!("migrations/sqlite").run(&pool).await?;
                // An in-memory database exists only inside the pool's connections: its
                // reservations go through the pool instead of the writer.
                let store = Self::over(Pool::Sqlite(pool));
                let writer = match url.sqlite_path() {
                    Some(_) => Some(Arc::new(writer::Writer::open(
                        connect.get_filename(),
                        options.busy_timeout,
                        Arc::clone(&store.events_wake),
                    )?)),
                    None => None,
                };
                return Ok(Self { writer, ..store });
            }
            Backend::Postgres => {
                let connect = PgConnectOptions::from_str(url.expose())?;
                // One more than asked: the live-event listener keeps one connection.
                let pool = PgPoolOptions::new()
                    .max_connections(options.max_connections + 1)
                    .connect_with(connect)
                    .await?;
                sqlx::migrate!("migrations/postgres").run(&pool).await?;
                Pool::Postgres(pool)
            }
        };
        Ok(Self::over(pool))
    }

    /// This store's turn to write on the pool: `None` where there is no writer thread
    /// (PostgreSQL, in-memory SQLite, maintenance), which is then not needed.
    pub(crate) async fn turn(&self) -> Result<Option<writer::Turn>> {
        match &self.writer {
            Some(writer) => writer.turn().await.map(Some),
            None => Ok(None),
        }
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Checks that the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Closes every connection; waits for those in use to come back.
    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        on_pool!(self, pool => pool.close().await)
    }

    /// The migration versions each backend knows, for the check that they match.
    pub fn migration_versions() -> (Vec<i64>, Vec<i64>) {
        let versions = |m: sqlx::migrate::Migrator| m.iter().map(|m| m.version).collect();
        (
            versions(sqlx::migrate!("migrations/sqlite")),
            versions(sqlx::migrate!("migrations/postgres")),
        )
    }
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`] with `message`.
pub(crate) fn conflict_on_unique(e: sqlx::Error, message: impl FnOnce() -> String) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(message()),
        _ => StoreError::Database(e),
    }
}

/// Converts a stored count or number back into the domain's `u32`.
/// An agenda row's `state` column.
pub(crate) fn agenda_state(raw: &str) -> Result<hallway_domain::agenda::AgendaState> {
    hallway_domain::agenda::AgendaState::parse(raw)
        .ok_or_else(|| StoreError::Corrupt(format!("agenda state {raw:?}")))
}

pub(crate) fn to_u32(n: i64, what: &str) -> Result<u32> {
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} = {n} is out of range")))
}

/// Parses a stored JSON list (tags, links).
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(raw: &str, what: &str) -> Result<T> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Serialises a list for a JSON text column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising plain lists of strings and structs of strings cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(feature = "testing")]
pub mod testing;
