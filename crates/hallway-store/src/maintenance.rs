//! Work on a whole database rather than on one conference: which migrations a database has
//! (`hallway migrate`), consistent SQLite backups (`hallway backup`), copying every table from
//! one backend to another (`hallway copy`), and the checks run afterwards — row counts, SQLite's
//! integrity check and DESIGN.md invariants 1 and 2 over every conference.
//!
//! The copy reads the list of tables, their columns and their foreign keys from the database
//! itself, so tables added by later migrations are carried over without a change here.

use std::collections::BTreeSet;
use std::hash::{Hash as _, Hasher as _};
use std::path::Path;
use std::str::FromStr;

use hallway_domain::{ConferenceId, SessionId, UserId};
use sqlx::postgres::{PgConnectOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteRow};
use sqlx::{AssertSqlSafe, Connection as _, Row as _, TypeInfo as _, ValueRef as _};

use crate::{Backend, DatabaseUrl, Pool, Result, Store, StoreError, StoreOptions, on_pool};

/// Rows per multi-row `INSERT` (fewer for wide tables, to stay below the bind limits).
const BATCH_ROWS: usize = 500;
/// Most bound values in one statement: below SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_BINDS: usize = 30_000;
/// sqlx's own bookkeeping table: written by migrations, never copied.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// Why a maintenance command refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MaintenanceError {
    /// Occurs when the target of a copy already holds rows; names the first such table.
    #[error(
        "the target database is not empty: table {table} has rows (copy only into a new, empty database)"
    )]
    TargetNotEmpty {
        /// The first table (in copy order) that has rows.
        table: String,
    },
    /// Occurs when the two databases of a copy are at different migration versions or their
    /// tables or columns differ.
    #[error("the two databases' schemas differ: {0}")]
    SchemaMismatch(String),
    /// Occurs when a column's type or a stored value cannot be carried over faithfully.
    #[error("cannot copy {table}.{column}: {reason}")]
    Unsupported {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Occurs when the target would not hold what was read from the source; the copy was
    /// rolled back, so the target is as empty as before.
    #[error(
        "table {table} differs after copying ({detail}); the copy was rolled back and the target is unchanged"
    )]
    Mismatch {
        /// The table.
        table: String,
        /// Rows read and written, or that their contents differ.
        detail: String,
    },
    /// Occurs when an operation is asked of a backend that does not offer it (a `VACUUM INTO`
    /// backup of PostgreSQL, say) or of a database that does not exist.
    #[error("{0}")]
    Refused(String),
    /// Occurs when the database fails or cannot be reached.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for MaintenanceError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

/// A migration recorded as applied in the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedMigration {
    /// Its version (the number its file name starts with).
    pub version: i64,
    /// Its description (the rest of the file name, in words).
    pub description: String,
}

/// What [`Store::migrate`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrateReport {
    /// The migrations this run applied, oldest first; empty when the schema was up to date.
    pub applied: Vec<AppliedMigration>,
    /// The version the database is at now.
    pub version: i64,
}

/// A table as the database describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableInfo {
    /// Its name.
    pub name: String,
    /// Its columns in declaration order.
    pub columns: Vec<ColumnInfo>,
    /// The other tables it refers to by foreign key.
    pub references: Vec<String>,
}

/// A column as the database describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnInfo {
    /// Its name.
    pub name: String,
    /// Its type as declared (SQLite) or as `information_schema` names it (PostgreSQL).
    pub declared_type: String,
}

/// How many rows a table has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableCount {
    /// The table.
    pub table: String,
    /// Its rows.
    pub rows: u64,
}

/// Where a copy is, for a progress display.
#[derive(Clone, Copy, Debug)]
pub struct CopyProgress<'a> {
    /// The table being copied.
    pub table: &'a str,
    /// Its rows.
    pub table_rows: u64,
    /// Its rows copied so far.
    pub table_done: u64,
    /// Rows copied so far, all tables.
    pub done: u64,
    /// Rows to copy, all tables.
    pub total: u64,
}

/// What [`Store::copy_into`] copied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyReport {
    /// The migration version of both databases.
    pub version: i64,
    /// Every table copied, in copy order, with the rows read from the source's snapshot (the
    /// target holds the same number and the same contents: both were checked before commit).
    pub tables: Vec<TableCount>,
    /// Identity sequences set past the copied ids (PostgreSQL targets; 0 for SQLite, whose
    /// row ids continue from the largest one by themselves).
    pub sequences_reset: usize,
}

impl CopyReport {
    /// Rows copied, all tables.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// DESIGN.md invariants 1 (seats), 2 (no double-booking) and 5 (points totals = ledger
/// sums) over every conference.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvariantReport {
    /// Conferences checked.
    pub conferences: u64,
    /// Sessions checked.
    pub sessions: u64,
    /// Reserved seats (agenda rows in state `reserved`).
    pub reserved_seats: u64,
    /// Sessions whose seat count is wrong or above capacity.
    pub seat_violations: Vec<SeatViolation>,
    /// Attendees holding two reserved sessions that overlap.
    pub double_bookings: Vec<DoubleBooking>,
    /// Attendees whose points total is not the sum of their ledger (invariant 5).
    pub points_mismatches: Vec<PointsMismatch>,
    /// Rooms counted above capacity or off their check-ins (invariant 7) and attendees
    /// holding two machines of one lab (invariant 6), as `slug: what`.
    pub venue_violations: Vec<String>,
}

impl InvariantReport {
    /// Whether the invariants hold everywhere.
    pub fn holds(&self) -> bool {
        self.seat_violations.is_empty()
            && self.double_bookings.is_empty()
            && self.points_mismatches.is_empty()
            && self.venue_violations.is_empty()
    }
}

/// A session that breaks invariant 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeatViolation {
    /// The conference's slug.
    pub conference: String,
    /// The session.
    pub session: SessionId,
    /// Its title.
    pub title: String,
    /// Its capacity (`None`: unlimited).
    pub capacity: Option<i64>,
    /// Seats kept above a capacity an organizer lowered.
    pub kept_over: i64,
    /// The stored seat count.
    pub reserved: i64,
    /// The agenda rows in state `reserved`.
    pub reserved_rows: i64,
}

impl std::fmt::Display for SeatViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let capacity = self
            .capacity
            .map_or_else(|| "unlimited".to_owned(), |c| c.to_string());
        write!(
            f,
            "{} session {} \"{}\": {} seats counted, {} reserved agenda rows, capacity {} (+{} kept over)",
            self.conference,
            self.session,
            self.title,
            self.reserved,
            self.reserved_rows,
            capacity,
            self.kept_over
        )
    }
}

/// An attendee that breaks invariant 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoubleBooking {
    /// The conference's slug.
    pub conference: String,
    /// The attendee.
    pub user: UserId,
}

/// An attendee whose points total differs from their ledger's sum (breaks invariant 5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointsMismatch {
    /// The conference's slug.
    pub conference: String,
    /// The attendee.
    pub user: UserId,
}

impl std::fmt::Display for PointsMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: user {}'s points total is not the sum of their ledger",
            self.conference, self.user
        )
    }
}

impl std::fmt::Display for DoubleBooking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: user {} holds overlapping sessions",
            self.conference, self.user
        )
    }
}

impl Store {
    /// Connects to `url` like [`Store::connect`] (creating the SQLite file if missing) and
    /// reports which migrations that applied and the version the database is at now.
    pub async fn migrate(
        url: &DatabaseUrl,
        options: &StoreOptions,
    ) -> Result<(Self, MigrateReport)> {
        let before = applied_before_connecting(url).await?;
        let store = Self::connect(url, options).await?;
        let after = store.applied_migrations().await?;
        let known: BTreeSet<i64> = before.iter().map(|m| m.version).collect();
        let version = after.last().map_or(0, |m| m.version);
        let applied = after
            .into_iter()
            .filter(|m| !known.contains(&m.version))
            .collect();
        Ok((store, MigrateReport { applied, version }))
    }

    /// The migrations recorded as applied, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<AppliedMigration>> {
        let rows: Vec<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as(APPLIED_SQL).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(version, description)| AppliedMigration {
                version,
                description,
            })
            .collect())
    }

    /// The version of the newest migration this build knows for `backend`.
    pub fn latest_migration(backend: Backend) -> i64 {
        let (sqlite, postgres) = Self::migration_versions();
        let versions = match backend {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        };
        versions.last().copied().unwrap_or(0)
    }

    /// Writes a transactionally consistent copy of the SQLite database at `url` to `into`
    /// with `VACUUM INTO`, while other connections (a running server) keep writing: the copy
    /// is the database as of one moment. `into` must not exist. The source is neither
    /// created nor migrated.
    ///
    /// Refused for PostgreSQL (use `pg_dump`), in-memory databases and a missing file.
    pub async fn backup_sqlite(url: &DatabaseUrl, into: &Path) -> Result<(), MaintenanceError> {
        let path = match (url.backend(), url.sqlite_path()) {
            (Backend::Postgres, _) => {
                return Err(MaintenanceError::Refused(
                    "backups of PostgreSQL are made with pg_dump".to_owned(),
                ));
            }
            (Backend::Sqlite, None) => {
                return Err(MaintenanceError::Refused(
                    "an in-memory database cannot be backed up".to_owned(),
                ));
            }
            (Backend::Sqlite, Some(path)) => path,
        };
        if !Path::new(path).is_file() {
            return Err(MaintenanceError::Refused(format!(
                "there is no database at {path}"
            )));
        }
        let Some(into) = into.to_str() else {
            return Err(MaintenanceError::Refused(format!(
                "{} is not a UTF-8 path",
                into.display()
            )));
        };
        let options = SqliteConnectOptions::from_str(url.expose())?
            .create_if_missing(false)
            .busy_timeout(std::time::Duration::from_secs(30));
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
        sqlx::query("VACUUM INTO $1")
            .bind(into)
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        Ok(())
    }

    /// Opens the SQLite file at `path` read-only and immutable: nothing is written next to it
    /// (no journal, no `-wal` or `-shm` file). For checking a backup.
    pub async fn open_sqlite_read_only(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .immutable(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(Self::over(Pool::Sqlite(pool)))
    }

    /// SQLite's `PRAGMA integrity_check`: answers the problems it finds, none when the file
    /// is sound. Refused on PostgreSQL, which has no equivalent.
    pub async fn integrity_check(&self) -> Result<Vec<String>, MaintenanceError> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Err(MaintenanceError::Refused(
                "the integrity check is SQLite's".to_owned(),
            ));
        };
        let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(pool)
            .await?;
        Ok(lines.into_iter().filter(|l| l != "ok").collect())
    }

    /// Every table of the schema except sqlx's and SQLite's own, ordered so that a table
    /// comes after the tables its foreign keys refer to (ties by name).
    pub async fn tables(&self) -> Result<Vec<TableInfo>, MaintenanceError> {
        let mut tables = Vec::new();
        match &self.pool {
            Pool::Sqlite(pool) => {
                let names: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite!_%' ESCAPE '!' AND name <> $1",
                )
                .bind(MIGRATIONS_TABLE)
                .fetch_all(pool)
                .await?;
                for name in names {
                    let columns: Vec<(String, String)> =
                        sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                            .bind(&name)
                            .fetch_all(pool)
                            .await?;
                    let references: Vec<String> = sqlx::query_scalar(
                        "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)",
                    )
                    .bind(&name)
                    .fetch_all(pool)
                    .await?;
                    tables.push(table_info(name, columns, references));
                }
            }
            Pool::Postgres(pool) => {
                let names: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                     AND table_name::text <> $1",
                )
                .bind(MIGRATIONS_TABLE)
                .fetch_all(pool)
                .await?;
                for name in names {
                    let columns: Vec<(String, String)> = sqlx::query_as(
                        "SELECT column_name::text, data_type::text FROM information_schema.columns \
                         WHERE table_schema = current_schema() AND table_name::text = $1 \
                         ORDER BY ordinal_position",
                    )
                    .bind(&name)
                    .fetch_all(pool)
                    .await?;
                    let references: Vec<String> = sqlx::query_scalar(
                        "SELECT DISTINCT p.relname::text FROM pg_constraint k \
                         JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid \
                         WHERE k.contype = 'f' AND c.relname::text = $1 \
                         AND c.relnamespace = current_schema()::regnamespace",
                    )
                    .bind(&name)
                    .fetch_all(pool)
                    .await?;
                    tables.push(table_info(name, columns, references));
                }
            }
        }
        dependency_order(tables)
    }

    /// The rows of every table, in [`Store::tables`] order.
    pub async fn row_counts(&self) -> Result<Vec<TableCount>, MaintenanceError> {
        let mut counts = Vec::new();
        for table in self.tables().await? {
            let sql = count_sql(&table.name);
            let rows: i64 = on_pool!(self, pool => {
                sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(pool).await?
            });
            counts.push(TableCount {
                table: table.name,
                rows: u64::try_from(rows).unwrap_or(0),
            });
        }
        Ok(counts)
    }

    /// The first table, in [`Store::tables`] order, that has a row; `None` when every table
    /// is empty (a database that was only migrated).
    pub async fn first_nonempty_table(&self) -> Result<Option<String>, MaintenanceError> {
        for table in self.tables().await? {
            let sql = any_row_sql(&table.name);
            let rows: i64 = on_pool!(self, pool => {
                sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(pool).await?
            });
            if rows > 0 {
                return Ok(Some(table.name));
            }
        }
        Ok(None)
    }

    /// Checks DESIGN.md invariants 1, 2, 5, 6 and 7 for every conference, with the same checks as
    /// [`Store::seat_violations`], [`Store::double_bookings`], [`Store::points_mismatches`] and
    /// [`Store::venue_violations`] (without the machines of ended labs, which a stopped server
    /// has not returned yet and the next one returns); `holds()` on the report
    /// says whether all is well.
    pub async fn check_invariants(&self) -> Result<InvariantReport> {
        let conferences: Vec<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, slug FROM conferences ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        let (sessions, reserved): (i64, i64) = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM sessions), \
                 (SELECT COUNT(*) FROM agenda WHERE state = 'reserved')",
            )
            .fetch_one(pool)
            .await?
        });
        let mut report = InvariantReport {
            conferences: u64::try_from(conferences.len()).unwrap_or(u64::MAX),
            sessions: u64::try_from(sessions).unwrap_or(0),
            reserved_seats: u64::try_from(reserved).unwrap_or(0),
            ..InvariantReport::default()
        };
        for (id, slug) in conferences {
            let conference = ConferenceId::new(id);
            for session in self.seat_violations(conference).await? {
                let row: (String, Option<i64>, i64, i64, i64) = on_pool!(self, pool => {
                    sqlx::query_as(
                        "SELECT s.title, s.capacity, s.kept_over, s.reserved, \
                         (SELECT COUNT(*) FROM agenda a WHERE a.session_id = s.id AND a.state = 'reserved') \
                         FROM sessions s WHERE s.id = $1",
                    )
                    .bind(session.get())
                    .fetch_one(pool)
                    .await?
                });
                report.seat_violations.push(SeatViolation {
                    conference: slug.clone(),
                    session,
                    title: row.0,
                    capacity: row.1,
                    kept_over: row.2,
                    reserved: row.3,
                    reserved_rows: row.4,
                });
            }
            for user in self.double_bookings(conference).await? {
                report.double_bookings.push(DoubleBooking {
                    conference: slug.clone(),
                    user,
                });
            }
            for user in self.points_mismatches(conference).await? {
                report.points_mismatches.push(PointsMismatch {
                    conference: slug.clone(),
                    user,
                });
            }
            for v in self
                .venue_violations(conference, chrono::DateTime::<chrono::Utc>::MIN_UTC)
                .await?
            {
                report.venue_violations.push(format!("{slug}: {v}"));
            }
        }
        Ok(report)
    }

    /// A digest of a table's contents that does not depend on row order or backend: equal
    /// for two tables holding the same rows. For checking a copy.
    pub async fn table_fingerprint(&self, table: &TableInfo) -> Result<u64, MaintenanceError> {
        let plan = TablePlan::new(table, self.backend())?;
        let mut tx = Tx::read_snapshot(self).await?;
        let (_, fingerprint) = tx.digest(&plan).await?;
        tx.finish().await?;
        Ok(fingerprint)
    }

    /// Copies every row of every table of this database into `target`, which must be empty
    /// (only migrated) and at the same migration version. Both backends may be either.
    ///
    /// The source is read in one consistent snapshot (SQLite: one read transaction;
    /// PostgreSQL: `REPEATABLE READ READ ONLY`), so a server may keep writing to it; the
    /// target is written in one transaction, in multi-row `INSERT`s, tables in foreign-key
    /// order. Before that transaction commits, each table's row count and contents in the
    /// target are compared with what was read: on any difference, or any error, nothing is
    /// committed and the target stays empty. On PostgreSQL targets the identity sequences
    /// are then set past the copied ids, so new rows get fresh ones.
    ///
    /// `progress` is called when a table starts and after each batch.
    pub async fn copy_into(
        &self,
        target: &Store,
        mut progress: impl FnMut(CopyProgress<'_>) + Send,
    ) -> Result<CopyReport, MaintenanceError> {
        let version = same_version(self, target).await?;
        let tables = target.tables().await?;
        same_tables(&self.tables().await?, &tables)?;
        let plans = tables
            .iter()
            .map(|t| TablePlan::new(t, target.backend()))
            .collect::<Result<Vec<_>, _>>()?;

        let mut source = Tx::read_snapshot(self).await?;
        let mut counts = Vec::with_capacity(plans.len());
        for plan in &plans {
            counts.push(source.count(&plan.name).await?);
        }
        let total = counts.iter().sum();

        let mut sink = Tx::write(target).await?;
        for plan in &plans {
            if sink.has_rows(&plan.name).await? {
                return Err(MaintenanceError::TargetNotEmpty {
                    table: plan.name.clone(),
                });
            }
        }

        let mut done = 0;
        let mut copied = Vec::with_capacity(plans.len());
        for (plan, &rows) in plans.iter().zip(&counts) {
            let mut step = CopyProgress {
                table: &plan.name,
                table_rows: rows,
                table_done: 0,
                done,
                total,
            };
            progress(step);
            let mut digest = Digest::default();
            let mut read = 0;
            let mut cursor = source.open(plan).await?;
            loop {
                let page = source.page(plan, &mut cursor).await?;
                if page.is_empty() {
                    break;
                }
                let n = page.len() as u64;
                let mut batch = Vec::with_capacity(page.len());
                for row in page {
                    let row = plan.coerce(row)?;
                    digest.add(&row, &plan.derived);
                    batch.push(row);
                }
                sink.insert(plan, batch).await?;
                read += n;
                done += n;
                step.table_done = read;
                step.done = done;
                progress(step);
            }
            source.close(&cursor).await?;
            copied.push((read, digest.value()));
        }

        for ((plan, &rows), &(read, fingerprint)) in plans.iter().zip(&counts).zip(&copied) {
            let (written, written_fingerprint) = sink.digest(plan).await?;
            if read != rows || written != rows {
                return Err(MaintenanceError::Mismatch {
                    table: plan.name.clone(),
                    detail: format!(
                        "{rows} rows in the source, {read} read, {written} in the target"
                    ),
                });
            }
            if written_fingerprint != fingerprint {
                return Err(MaintenanceError::Mismatch {
                    table: plan.name.clone(),
                    detail: "the rows in the target are not the rows read".to_owned(),
                });
            }
        }
        let sequences_reset = sink.reset_sequences().await?;
        sink.finish().await?;
        source.finish().await?;
        Ok(CopyReport {
            version,
            tables: plans
                .iter()
                .zip(counts)
                .map(|(p, rows)| TableCount {
                    table: p.name.clone(),
                    rows,
                })
                .collect(),
            sequences_reset,
        })
    }
}

const APPLIED_SQL: &str =
    "SELECT version, description FROM _sqlx_migrations WHERE success ORDER BY version";

/// The migrations recorded before [`Store::connect`] runs them; none for a database (or a
/// SQLite file) that does not exist yet, which is not created here.
async fn applied_before_connecting(url: &DatabaseUrl) -> Result<Vec<AppliedMigration>> {
    let rows: Vec<(i64, String)> = match url.backend() {
        Backend::Sqlite => {
            let Some(path) = url.sqlite_path() else {
                return Ok(Vec::new());
            };
            if !Path::new(path).exists() {
                return Ok(Vec::new());
            }
            let options = SqliteConnectOptions::from_str(url.expose())?.create_if_missing(false);
            let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
            let exists: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(MIGRATIONS_TABLE)
            .fetch_one(&mut conn)
            .await?;
            let rows = if exists > 0 {
                sqlx::query_as(APPLIED_SQL).fetch_all(&mut conn).await?
            } else {
                Vec::new()
            };
            conn.close().await?;
            rows
        }
        Backend::Postgres => {
            let options = PgConnectOptions::from_str(url.expose())?;
            let mut conn = sqlx::PgConnection::connect_with(&options).await?;
            let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
                .bind(MIGRATIONS_TABLE)
                .fetch_one(&mut conn)
                .await?;
            let rows = if exists {
                sqlx::query_as(APPLIED_SQL).fetch_all(&mut conn).await?
            } else {
                Vec::new()
            };
            conn.close().await?;
            rows
        }
    };
    Ok(rows
        .into_iter()
        .map(|(version, description)| AppliedMigration {
            version,
            description,
        })
        .collect())
}

/// Both databases' migration version, refused when they differ.
async fn same_version(source: &Store, target: &Store) -> Result<i64, MaintenanceError> {
    let version = |m: Vec<AppliedMigration>| m.last().map_or(0, |m| m.version);
    let (from, to) = (
        version(source.applied_migrations().await?),
        version(target.applied_migrations().await?),
    );
    if from != to {
        return Err(MaintenanceError::SchemaMismatch(format!(
            "the source is at migration {from}, the target at {to}"
        )));
    }
    Ok(to)
}

/// Refuses a copy between schemas whose tables or columns (by name) differ.
fn same_tables(source: &[TableInfo], target: &[TableInfo]) -> Result<(), MaintenanceError> {
    let names = |ts: &[TableInfo]| ts.iter().map(|t| t.name.clone()).collect::<BTreeSet<_>>();
    let (from, to) = (names(source), names(target));
    if let Some(t) = from.difference(&to).next() {
        return Err(MaintenanceError::SchemaMismatch(format!(
            "table {t} is missing in the target"
        )));
    }
    if let Some(t) = to.difference(&from).next() {
        return Err(MaintenanceError::SchemaMismatch(format!(
            "table {t} is missing in the source"
        )));
    }
    for t in target {
        let Some(s) = source.iter().find(|s| s.name == t.name) else {
            continue;
        };
        let columns = |t: &TableInfo| {
            t.columns
                .iter()
                .map(|c| c.name.clone())
                .collect::<BTreeSet<_>>()
        };
        let (from, to) = (columns(s), columns(t));
        if from != to {
            let odd: Vec<_> = from.symmetric_difference(&to).cloned().collect();
            return Err(MaintenanceError::SchemaMismatch(format!(
                "the columns of {} differ: {}",
                t.name,
                odd.join(", ")
            )));
        }
    }
    Ok(())
}

fn table_info(name: String, columns: Vec<(String, String)>, references: Vec<String>) -> TableInfo {
    TableInfo {
        columns: columns
            .into_iter()
            .map(|(name, declared_type)| ColumnInfo {
                name,
                declared_type,
            })
            .collect(),
        references: references.into_iter().filter(|r| *r != name).collect(),
        name,
    }
}

/// Orders `tables` so that each comes after those it refers to, ties by name; refuses a
/// cycle of foreign keys (none of our migrations makes one).
fn dependency_order(mut tables: Vec<TableInfo>) -> Result<Vec<TableInfo>, MaintenanceError> {
    let all: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    let mut placed = BTreeSet::new();
    let mut ordered = Vec::with_capacity(tables.len());
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    while !tables.is_empty() {
        let (ready, waiting): (Vec<_>, Vec<_>) = tables.into_iter().partition(|t| {
            t.references
                .iter()
                .all(|r| placed.contains(r) || !all.contains(r))
        });
        if ready.is_empty() {
            let names: Vec<_> = waiting.iter().map(|t| t.name.as_str()).collect();
            return Err(MaintenanceError::SchemaMismatch(format!(
                "the foreign keys of {} form a cycle",
                names.join(", ")
            )));
        }
        placed.extend(ready.iter().map(|t| t.name.clone()));
        ordered.extend(ready);
        tables = waiting;
    }
    Ok(ordered)
}

/// `name` as a quoted identifier (both dialects).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn count_sql(table: &str) -> String {
    format!("SELECT COUNT(*) FROM {}", quote(table))
}

fn any_row_sql(table: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {} LIMIT 1) AS any_row",
        quote(table)
    )
}

/// A stored value, carried between backends.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    Bool(bool),
}

impl Value {
    fn kind_name(&self) -> &'static str {
        match self {
            Self::Null => "NULL",
            Self::Int(_) => "an integer",
            Self::Real(_) => "a floating-point number",
            Self::Text(_) => "text",
            Self::Blob(_) => "a blob",
            Self::Bool(_) => "a boolean",
        }
    }
}

/// What a target column accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Real,
    Text,
    Blob,
    Bool,
    /// SQLite columns without a type or of NUMERIC affinity: the value is kept as it is.
    Any,
}

impl Kind {
    /// The kind of a column declared with `declared` on `backend`; `None` for a type the copy
    /// does not know (it refuses rather than guess).
    fn of(backend: Backend, declared: &str) -> Option<Self> {
        let t = declared.to_ascii_uppercase();
        match backend {
            // SQLite's type affinity rules, in its order (https://sqlite.org/datatype3.html).
            Backend::Sqlite => Some(if t.contains("INT") {
                Self::Int
            } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
                Self::Text
            } else if t.contains("BLOB") {
                Self::Blob
            } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
                Self::Real
            } else {
                Self::Any
            }),
            Backend::Postgres => match t.as_str() {
                "BIGINT" | "INTEGER" | "SMALLINT" => Some(Self::Int),
                "DOUBLE PRECISION" | "REAL" => Some(Self::Real),
                "TEXT" | "CHARACTER VARYING" | "CHARACTER" => Some(Self::Text),
                "BYTEA" => Some(Self::Blob),
                "BOOLEAN" => Some(Self::Bool),
                _ => None,
            },
        }
    }
}

/// How one table is read and written.
#[derive(Debug)]
struct TablePlan {
    name: String,
    columns: Vec<String>,
    /// Columns the target's triggers maintain (left out of the content comparison).
    derived: Vec<bool>,
    kinds: Vec<Kind>,
    /// The quoted column list.
    column_list: String,
    /// Rows per `INSERT`.
    batch: usize,
}

impl TablePlan {
    /// The plan for `table` as the target (on `backend`) declares it.
    fn new(table: &TableInfo, backend: Backend) -> Result<Self, MaintenanceError> {
        let kinds = table
            .columns
            .iter()
            .map(|c| {
                Kind::of(backend, &c.declared_type).ok_or_else(|| MaintenanceError::Unsupported {
                    table: table.name.clone(),
                    column: c.name.clone(),
                    reason: format!("its type {} is not one copy knows", c.declared_type),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let columns: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        let column_list = columns
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", ");
        let batch = (MAX_BINDS / columns.len().max(1)).clamp(1, BATCH_ROWS);
        let derived = columns
            .iter()
            .map(|c| DERIVED_COLUMNS.contains(&(table.name.as_str(), c.as_str())))
            .collect();
        Ok(Self {
            name: table.name.clone(),
            columns,
            derived,
            kinds,
            column_list,
            batch,
        })
    }

    /// Converts a row read from either backend to what the target's columns take, refusing
    /// anything that would change a value.
    fn coerce(&self, row: Vec<Value>) -> Result<Vec<Value>, MaintenanceError> {
        row.into_iter()
            .zip(self.kinds.iter().zip(&self.columns))
            .map(|(value, (&kind, column))| {
                let shown = value.kind_name();
                coerce(value, kind).ok_or_else(|| MaintenanceError::Unsupported {
                    table: self.name.clone(),
                    column: column.clone(),
                    reason: format!("it holds {shown}, which does not fit its type"),
                })
            })
            .collect()
    }
}

fn coerce(value: Value, kind: Kind) -> Option<Value> {
    use Value as V;
    Some(match (value, kind) {
        (value, Kind::Any) | (value @ V::Null, _) => value,
        (V::Int(i), Kind::Int) => V::Int(i),
        (V::Int(i), Kind::Real) => {
            // Exact in a double only up to 2^53.
            if i.unsigned_abs() > 1 << 53 {
                return None;
            }
            V::Real(i as f64)
        }
        (V::Int(i @ (0 | 1)), Kind::Bool) => V::Bool(i == 1),
        (V::Bool(b), Kind::Int) => V::Int(i64::from(b)),
        (V::Bool(b), Kind::Bool) => V::Bool(b),
        (V::Real(r), Kind::Real) => V::Real(r),
        (V::Real(r), Kind::Int) => {
            let i = r as i64;
            if i as f64 != r {
                return None;
            }
            V::Int(i)
        }
        (V::Text(s), Kind::Text) => V::Text(s),
        (V::Blob(b), Kind::Blob) => V::Blob(b),
        _ => return None,
    })
}

/// Columns that triggers of the target maintain while rows are inserted: copied, but not
/// compared (`conferences.program_revision` changes with every session written after it).
const DERIVED_COLUMNS: &[(&str, &str)] = &[("conferences", "program_revision")];

/// An order-independent digest of rows: the wrapping sum of each row's hash. Booleans count
/// as 0 and 1 so that a SQLite integer and a PostgreSQL boolean agree.
#[derive(Debug, Default)]
struct Digest(u64);

impl Digest {
    fn add(&mut self, row: &[Value], skip: &[bool]) {
        // SipHash with fixed keys: the same in both halves of one process, which is all a
        // comparison made within one copy needs.
        let mut h = std::hash::DefaultHasher::new();
        for (i, value) in row.iter().enumerate() {
            if skip.get(i).copied().unwrap_or(false) {
                continue;
            }
            match value {
                Value::Null => 0u8.hash(&mut h),
                Value::Int(i) => (1u8, i).hash(&mut h),
                Value::Bool(b) => (1u8, i64::from(*b)).hash(&mut h),
                Value::Real(r) => (2u8, r.to_bits()).hash(&mut h),
                Value::Text(s) => (3u8, s).hash(&mut h),
                Value::Blob(b) => (4u8, b).hash(&mut h),
            }
        }
        self.0 = self.0.wrapping_add(h.finish());
    }

    fn value(&self) -> u64 {
        self.0
    }
}

fn sqlite_value(row: &SqliteRow, i: usize, plan: &TablePlan) -> Result<Value, MaintenanceError> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    // A non-null value reports its own storage class, whatever the column declares.
    let class = raw.type_info().name().to_owned();
    Ok(match class.as_str() {
        "INTEGER" => Value::Int(row.try_get_unchecked(i)?),
        "REAL" => Value::Real(row.try_get_unchecked(i)?),
        "TEXT" => Value::Text(row.try_get_unchecked(i)?),
        "BLOB" => Value::Blob(row.try_get_unchecked(i)?),
        other => return Err(unsupported_value(plan, i, other)),
    })
}

fn pg_value(row: &PgRow, i: usize, plan: &TablePlan) -> Result<Value, MaintenanceError> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let ty = raw.type_info().name().to_owned();
    Ok(match ty.as_str() {
        "INT8" => Value::Int(row.try_get(i)?),
        "INT4" => Value::Int(i64::from(row.try_get::<i32, _>(i)?)),
        "INT2" => Value::Int(i64::from(row.try_get::<i16, _>(i)?)),
        "FLOAT8" => Value::Real(row.try_get(i)?),
        "FLOAT4" => Value::Real(f64::from(row.try_get::<f32, _>(i)?)),
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Value::Text(row.try_get(i)?),
        "BYTEA" => Value::Blob(row.try_get(i)?),
        "BOOL" => Value::Bool(row.try_get(i)?),
        other => return Err(unsupported_value(plan, i, other)),
    })
}

fn unsupported_value(plan: &TablePlan, i: usize, ty: &str) -> MaintenanceError {
    MaintenanceError::Unsupported {
        table: plan.name.clone(),
        column: plan.columns.get(i).cloned().unwrap_or_default(),
        reason: format!("values of type {ty} are not copied"),
    }
}

/// Binds `$value` into a `Separated` of a `QueryBuilder`; a NULL is bound with the Rust type
/// of the column's kind, which PostgreSQL needs to accept it.
macro_rules! bind_value {
    ($tuple:ident, $value:expr, $kind:expr) => {
        match $value {
            Value::Null => match $kind {
                Kind::Int | Kind::Any => {
                    $tuple.push_bind(None::<i64>);
                }
                Kind::Real => {
                    $tuple.push_bind(None::<f64>);
                }
                Kind::Text => {
                    $tuple.push_bind(None::<String>);
                }
                Kind::Blob => {
                    $tuple.push_bind(None::<Vec<u8>>);
                }
                Kind::Bool => {
                    $tuple.push_bind(None::<bool>);
                }
            },
            Value::Int(v) => {
                $tuple.push_bind(v);
            }
            Value::Real(v) => {
                $tuple.push_bind(v);
            }
            Value::Text(v) => {
                $tuple.push_bind(v);
            }
            Value::Blob(v) => {
                $tuple.push_bind(v);
            }
            Value::Bool(v) => {
                $tuple.push_bind(v);
            }
        }
    };
}

/// One transaction on either backend: the source's snapshot or the target's write.
enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Where a table's read has got to: SQLite pages by rowid, PostgreSQL through a cursor.
#[derive(Debug)]
struct Cursor {
    after_rowid: i64,
}

/// The PostgreSQL cursor a copy reads through (one table at a time).
const PG_CURSOR: &str = "hallway_copy";

impl Tx {
    /// A read transaction that sees the database as of its first read.
    async fn read_snapshot(store: &Store) -> Result<Self, MaintenanceError> {
        Ok(match &store.pool {
            // Deferred: the snapshot starts at the first read and lasts until the end, while
            // writers go on appending to the WAL.
            Pool::Sqlite(pool) => Self::Sqlite(pool.begin().await?),
            Pool::Postgres(pool) => Self::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        })
    }

    /// A write transaction (on SQLite, holding the write lock from the start).
    async fn write(store: &Store) -> Result<Self, MaintenanceError> {
        Ok(match &store.pool {
            Pool::Sqlite(pool) => Self::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => Self::Postgres(pool.begin().await?),
        })
    }

    async fn finish(self) -> Result<(), MaintenanceError> {
        match self {
            Self::Sqlite(tx) => tx.commit().await?,
            Self::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    async fn count(&mut self, table: &str) -> Result<u64, MaintenanceError> {
        let sql = count_sql(table);
        let n: i64 = match self {
            Self::Sqlite(tx) => {
                sqlx::query_scalar(AssertSqlSafe(sql))
                    .fetch_one(&mut **tx)
                    .await?
            }
            Self::Postgres(tx) => {
                sqlx::query_scalar(AssertSqlSafe(sql))
                    .fetch_one(&mut **tx)
                    .await?
            }
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn has_rows(&mut self, table: &str) -> Result<bool, MaintenanceError> {
        let sql = any_row_sql(table);
        let n: i64 = match self {
            Self::Sqlite(tx) => {
                sqlx::query_scalar(AssertSqlSafe(sql))
                    .fetch_one(&mut **tx)
                    .await?
            }
            Self::Postgres(tx) => {
                sqlx::query_scalar(AssertSqlSafe(sql))
                    .fetch_one(&mut **tx)
                    .await?
            }
        };
        Ok(n > 0)
    }

    /// Starts reading `plan`'s table.
    async fn open(&mut self, plan: &TablePlan) -> Result<Cursor, MaintenanceError> {
        if let Self::Postgres(tx) = self {
            let sql = format!(
                "DECLARE {PG_CURSOR} NO SCROLL CURSOR FOR SELECT {} FROM {}",
                plan.column_list,
                quote(&plan.name)
            );
            sqlx::query(AssertSqlSafe(sql)).execute(&mut **tx).await?;
        }
        Ok(Cursor {
            after_rowid: i64::MIN,
        })
    }

    /// The next rows of `plan`'s table (up to its batch size); empty at the end.
    async fn page(
        &mut self,
        plan: &TablePlan,
        cursor: &mut Cursor,
    ) -> Result<Vec<Vec<Value>>, MaintenanceError> {
        let width = plan.columns.len();
        match self {
            Self::Sqlite(tx) => {
                let sql = format!(
                    "SELECT rowid, {} FROM {} WHERE rowid > $1 ORDER BY rowid LIMIT $2",
                    plan.column_list,
                    quote(&plan.name)
                );
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .bind(cursor.after_rowid)
                    .bind(i64::try_from(plan.batch).unwrap_or(1))
                    .fetch_all(&mut **tx)
                    .await?;
                let mut page = Vec::with_capacity(rows.len());
                for row in &rows {
                    cursor.after_rowid = row.try_get(0)?;
                    let values = (1..=width)
                        .map(|i| sqlite_value(row, i, plan))
                        .collect::<Result<Vec<_>, _>>()?;
                    page.push(values);
                }
                Ok(page)
            }
            Self::Postgres(tx) => {
                let sql = format!("FETCH FORWARD {} FROM {PG_CURSOR}", plan.batch);
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .persistent(false)
                    .fetch_all(&mut **tx)
                    .await?;
                rows.iter()
                    .map(|row| (0..width).map(|i| pg_value(row, i, plan)).collect())
                    .collect()
            }
        }
    }

    /// Ends reading a table.
    async fn close(&mut self, _cursor: &Cursor) -> Result<(), MaintenanceError> {
        if let Self::Postgres(tx) = self {
            sqlx::query(AssertSqlSafe(format!("CLOSE {PG_CURSOR}")))
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Reads `plan`'s whole table as this transaction sees it: rows and their [`Digest`].
    async fn digest(&mut self, plan: &TablePlan) -> Result<(u64, u64), MaintenanceError> {
        let mut digest = Digest::default();
        let mut rows = 0;
        let mut cursor = self.open(plan).await?;
        loop {
            let page = self.page(plan, &mut cursor).await?;
            if page.is_empty() {
                break;
            }
            for row in page {
                digest.add(&plan.coerce(row)?, &plan.derived);
                rows += 1;
            }
        }
        self.close(&cursor).await?;
        Ok((rows, digest.value()))
    }

    /// Writes `rows` (already coerced to `plan`'s kinds) in one multi-row `INSERT`.
    async fn insert(
        &mut self,
        plan: &TablePlan,
        rows: Vec<Vec<Value>>,
    ) -> Result<(), MaintenanceError> {
        if rows.is_empty() {
            return Ok(());
        }
        let head = format!("INSERT INTO {} ({}) ", quote(&plan.name), plan.column_list);
        match self {
            Self::Sqlite(tx) => {
                let mut sql = sqlx::QueryBuilder::<sqlx::Sqlite>::new(head);
                sql.push_values(rows, |mut tuple, row| {
                    for (value, &kind) in row.into_iter().zip(&plan.kinds) {
                        bind_value!(tuple, value, kind);
                    }
                });
                sql.build().execute(&mut **tx).await?;
            }
            Self::Postgres(tx) => {
                let mut sql = sqlx::QueryBuilder::<sqlx::Postgres>::new(head);
                sql.push_values(rows, |mut tuple, row| {
                    for (value, &kind) in row.into_iter().zip(&plan.kinds) {
                        bind_value!(tuple, value, kind);
                    }
                });
                sql.build().execute(&mut **tx).await?;
            }
        }
        Ok(())
    }

    /// PostgreSQL: sets every identity (or serial) sequence past the largest id in its
    /// column, so rows added later do not collide with copied ones. Answers how many.
    async fn reset_sequences(&mut self) -> Result<usize, MaintenanceError> {
        let Self::Postgres(tx) = self else {
            return Ok(0);
        };
        let sequences: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text, seq FROM ( \
               SELECT table_name, column_name, \
                 pg_get_serial_sequence(quote_ident(table_name::text), column_name::text) AS seq \
               FROM information_schema.columns WHERE table_schema = current_schema()) c \
             WHERE seq IS NOT NULL ORDER BY table_name, column_name",
        )
        .fetch_all(&mut **tx)
        .await?;
        for (table, column, sequence) in &sequences {
            // Session ids reserved for a draft come from the sessions' sequence too.
            let reserved = if table == "sessions" {
                ", (SELECT COALESCE(MAX(id), 0) FROM session_id_reservations)"
            } else {
                ""
            };
            let sql = format!(
                "SELECT setval($1::regclass, GREATEST(COALESCE((SELECT MAX({}) FROM {}), 0){reserved}) + 1, false)",
                quote(column),
                quote(table)
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(sequence)
                .execute(&mut **tx)
                .await?;
        }
        Ok(sequences.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, references: &[&str]) -> TableInfo {
        TableInfo {
            name: name.to_owned(),
            columns: Vec::new(),
            references: references.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    #[test]
    fn referenced_tables_come_first() {
        let ordered = dependency_order(vec![
            table("agenda", &["users", "sessions", "conferences"]),
            table("sessions", &["rooms", "conferences"]),
            table("users", &[]),
            table("rooms", &["conferences"]),
            table("conferences", &[]),
            table("elsewhere", &["not_copied"]),
        ])
        .unwrap();
        let names: Vec<_> = ordered.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "conferences",
                "elsewhere",
                "users",
                "rooms",
                "sessions",
                "agenda"
            ]
        );
    }

    #[test]
    fn a_cycle_is_refused() {
        let err = dependency_order(vec![table("a", &["b"]), table("b", &["a"])]).unwrap_err();
        assert!(err.to_string().contains("cycle"), "{err}");
    }

    #[test]
    fn values_keep_their_meaning_or_are_refused() {
        assert_eq!(coerce(Value::Int(7), Kind::Int), Some(Value::Int(7)));
        assert_eq!(coerce(Value::Null, Kind::Text), Some(Value::Null));
        assert_eq!(coerce(Value::Int(1), Kind::Bool), Some(Value::Bool(true)));
        assert_eq!(coerce(Value::Int(2), Kind::Bool), None);
        assert_eq!(coerce(Value::Bool(true), Kind::Int), Some(Value::Int(1)));
        assert_eq!(coerce(Value::Real(3.0), Kind::Int), Some(Value::Int(3)));
        assert_eq!(coerce(Value::Real(3.5), Kind::Int), None);
        assert_eq!(coerce(Value::Text("7".into()), Kind::Int), None);
        assert_eq!(coerce(Value::Int(i64::MAX), Kind::Real), None);
        assert_eq!(
            coerce(Value::Text("x".into()), Kind::Any),
            Some(Value::Text("x".into()))
        );
    }

    #[test]
    fn column_types_map_to_kinds() {
        assert_eq!(Kind::of(Backend::Sqlite, "INTEGER"), Some(Kind::Int));
        assert_eq!(Kind::of(Backend::Sqlite, "BIGINT"), Some(Kind::Int));
        assert_eq!(Kind::of(Backend::Sqlite, "varchar(20)"), Some(Kind::Text));
        assert_eq!(Kind::of(Backend::Sqlite, "DOUBLE"), Some(Kind::Real));
        assert_eq!(Kind::of(Backend::Sqlite, ""), Some(Kind::Any));
        assert_eq!(Kind::of(Backend::Postgres, "bigint"), Some(Kind::Int));
        assert_eq!(Kind::of(Backend::Postgres, "text"), Some(Kind::Text));
        assert_eq!(
            Kind::of(Backend::Postgres, "double precision"),
            Some(Kind::Real)
        );
        assert_eq!(Kind::of(Backend::Postgres, "numeric"), None);
        assert_eq!(Kind::of(Backend::Postgres, "jsonb"), None);
    }

    #[test]
    fn digests_ignore_row_order_and_see_every_value() {
        let rows = [
            vec![Value::Int(1), Value::Text("a".into())],
            vec![Value::Int(2), Value::Null],
        ];
        let (mut a, mut b, mut c) = (Digest::default(), Digest::default(), Digest::default());
        a.add(&rows[0], &[]);
        a.add(&rows[1], &[]);
        b.add(&rows[1], &[]);
        b.add(&rows[0], &[]);
        c.add(&rows[0], &[]);
        c.add(&[Value::Int(2), Value::Text(String::new())], &[]);
        assert_eq!(a.value(), b.value());
        assert_ne!(a.value(), c.value());
        let (mut t, mut f) = (Digest::default(), Digest::default());
        t.add(&[Value::Bool(true)], &[]);
        f.add(&[Value::Int(1)], &[]);
        assert_eq!(t.value(), f.value());
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote("agenda"), "\"agenda\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
