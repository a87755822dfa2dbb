//! `hallway migrate`, `hallway backup` and `hallway copy`: looking after a database from the
//! shell. Each prints what it did on standard output and checks its result (integrity, row
//! counts, DESIGN.md invariants 1 and 2), exiting non-zero when a check fails.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use hallway_store::{Backend, DatabaseUrl, InvariantReport, Store, TableCount};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{BackupArgs, CopyArgs, MigrateArgs};
use crate::run::Config;

/// What `hallway backup` says about PostgreSQL: its own tools make consistent dumps while
/// servers keep running (the same commands are in docs/deploy.md).
const PG_DUMP_HINT: &str = concat!(
    "Back up PostgreSQL with pg_dump, which reads one consistent snapshot while the ",
    "servers keep running:\n",
    "  pg_dump --format=custom --file=hallway.dump postgres://USER@HOST/DB\n",
    "and restore into a new, empty database with:\n",
    "  createdb -h HOST -U USER NEWDB\n",
    "  pg_restore --no-owner --single-transaction --dbname=postgres://USER@HOST/NEWDB hallway.dump",
);

/// `hallway migrate`.
pub async fn migrate(args: MigrateArgs, config: &Config) -> anyhow::Result<()> {
    let url = args.db.url().context("--db")?;
    let (store, report) = Store::migrate(&url, &config.store)
        .await
        .with_context(|| format!("migrating {url}"))?;
    store.close().await;
    let mut out = std::io::stdout().lock();
    if report.applied.is_empty() {
        writeln!(out, "{url} is already at version {}", report.version)?;
        return Ok(());
    }
    for m in &report.applied {
        writeln!(out, "applied {:04} {}", m.version, m.description)?;
    }
    writeln!(out, "{url} is now at version {}", report.version)?;
    Ok(())
}

/// `hallway backup`.
pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let url = args.db.url().context("--db")?;
    if url.backend() == Backend::Postgres {
        anyhow::bail!(
            "{url} is a PostgreSQL database; hallway backup copies SQLite files only. {PG_DUMP_HINT}"
        );
    }
    let source = url
        .sqlite_path()
        .with_context(|| format!("{url} is not a file"))?;
    let target = args.to.as_path();
    check_target(Path::new(source), target, args.force)?;
    let partial = partial_path(target)?;
    remove_if_there(&partial)?;

    let started = Instant::now();
    let written = async {
        Store::backup_sqlite(&url, &partial)
            .await
            .with_context(|| format!("backing up {url}"))?;
        inspect_backup(&partial).await
    }
    .await;
    let inspection = match written {
        Ok(i) => i,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    if args.force {
        for side in [wal_of(target, "-wal"), wal_of(target, "-shm")] {
            remove_if_there(&side)?;
        }
    }
    std::fs::rename(&partial, target)
        .with_context(|| format!("moving the backup to {}", target.display()))?;
    let elapsed = started.elapsed();
    let bytes = std::fs::metadata(target)
        .with_context(|| format!("reading {}", target.display()))?
        .len();

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "backed up {url} to {} ({}) in {:.2} s",
        target.display(),
        human_bytes(bytes),
        elapsed.as_secs_f64()
    )?;
    writeln!(out, "integrity check: ok")?;
    let count = |name: &str| {
        inspection
            .counts
            .iter()
            .find(|c| c.table == name)
            .map_or(0, |c| c.rows)
    };
    let all: u64 = inspection.counts.iter().map(|c| c.rows).sum();
    writeln!(
        out,
        "rows: {}, {}, {}, {} ({} rows in {} tables)",
        counted(count("users"), "user", "users"),
        counted(count("conferences"), "conference", "conferences"),
        counted(count("sessions"), "session", "sessions"),
        counted(count("agenda"), "agenda row", "agenda rows"),
        thousands(all),
        inspection.counts.len()
    )?;
    write_invariants(&mut out, &inspection.invariants)?;
    if !inspection.invariants.holds() {
        anyhow::bail!(
            "the backup {} was written, but the database breaks the invariants above",
            target.display()
        );
    }
    Ok(())
}

/// What the checks of a fresh backup found.
struct Inspection {
    counts: Vec<TableCount>,
    invariants: InvariantReport,
}

/// Opens the backup read-only (writing nothing next to it) and checks it.
async fn inspect_backup(path: &Path) -> anyhow::Result<Inspection> {
    let copy = Store::open_sqlite_read_only(path)
        .await
        .with_context(|| format!("opening the backup {}", path.display()))?;
    let problems = copy
        .integrity_check()
        .await
        .context("checking the backup's integrity")?;
    if !problems.is_empty() {
        copy.close().await;
        anyhow::bail!(
            "the backup failed SQLite's integrity check (it was removed): {}",
            problems.join("; ")
        );
    }
    let counts = copy
        .row_counts()
        .await
        .context("counting the backup's rows")?;
    let invariants = copy
        .check_invariants()
        .await
        .context("checking the backup's invariants")?;
    copy.close().await;
    Ok(Inspection { counts, invariants })
}

/// Refuses to overwrite a file (or a SQLite WAL beside it, which would be replayed onto the
/// backup) unless `force`, and refuses the source itself always.
fn check_target(source: &Path, target: &Path, force: bool) -> anyhow::Result<()> {
    if let (Ok(a), Ok(b)) = (source.canonicalize(), target.canonicalize())
        && a == b
    {
        anyhow::bail!("--to {} is the database being backed up", target.display());
    }
    if force {
        return Ok(());
    }
    for path in [
        target.to_path_buf(),
        wal_of(target, "-wal"),
        wal_of(target, "-shm"),
    ] {
        if path.exists() {
            anyhow::bail!(
                "{} exists: refusing to overwrite it (pass --force to replace it)",
                path.display()
            );
        }
    }
    Ok(())
}

/// `target` with `suffix` appended to its file name (`x.db` -> `x.db-wal`).
fn wal_of(target: &Path, suffix: &str) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Where the backup is written before it is checked and moved into place: beside the target
/// (same file system, so the move is atomic), named after this process.
fn partial_path(target: &Path) -> anyhow::Result<PathBuf> {
    let name = target
        .file_name()
        .with_context(|| format!("--to {} names no file", target.display()))?;
    let mut partial = std::ffi::OsString::from(".");
    partial.push(name);
    partial.push(format!(".partial-{}", std::process::id()));
    Ok(target.with_file_name(partial))
}

fn remove_if_there(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

/// `hallway copy`.
pub async fn copy(args: CopyArgs, config: &Config) -> anyhow::Result<()> {
    let from = args.from.url().context("--from")?;
    let to = args.to.url().context("--to")?;
    // Connecting creates a missing SQLite file: a mistyped source must not become an empty
    // database that is then "copied".
    if let Some(path) = from.sqlite_path()
        && !Path::new(path).is_file()
    {
        anyhow::bail!("--from: there is no database at {path}");
    }
    let source = open(&from, config).await?;
    let target = open(&to, config).await?;
    if let Some(table) = target
        .first_nonempty_table()
        .await
        .with_context(|| format!("reading {to}"))?
    {
        anyhow::bail!(
            "{to} is not empty (table {table} has rows): copy only into a new database; \
             nothing was copied"
        );
    }

    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:22} {bar:30} {human_pos}/{human_len} rows, {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let copied = source
        .copy_into(&target, |p| {
            bar.set_length(p.total);
            bar.set_position(p.done);
            if p.table_done == 0 {
                bar.set_message(p.table.to_owned());
            }
        })
        .await;
    bar.finish_and_clear();
    let report = copied.with_context(|| format!("copying {from} to {to}"))?;
    let elapsed = started.elapsed();

    // Counted again after the commit, from outside the copy's transaction.
    let after = target
        .row_counts()
        .await
        .with_context(|| format!("counting the rows of {to}"))?;
    let invariants = target
        .check_invariants()
        .await
        .with_context(|| format!("checking the invariants of {to}"))?;
    source.close().await;
    target.close().await;

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "copied {from} to {to} (schema version {})",
        report.version
    )?;
    let width = report
        .tables
        .iter()
        .map(|t| t.table.len())
        .max()
        .unwrap_or(5)
        .max(5);
    writeln!(
        out,
        "{:width$}  {:>12}  {:>12}",
        "table", "source", "target"
    )?;
    let mut differ = Vec::new();
    for t in &report.tables {
        let now = after.iter().find(|a| a.table == t.table).map(|a| a.rows);
        let shown = now.map_or_else(|| "missing".to_owned(), thousands);
        let mark = if now == Some(t.rows) {
            ""
        } else {
            "  <- differs"
        };
        writeln!(
            out,
            "{:width$}  {:>12}  {:>12}{mark}",
            t.table,
            thousands(t.rows),
            shown
        )?;
        if now != Some(t.rows) {
            differ.push(t.table.clone());
        }
    }
    let rows = report.rows();
    let target_rows: u64 = after.iter().map(|a| a.rows).sum();
    writeln!(
        out,
        "{:width$}  {:>12}  {:>12}",
        "total",
        thousands(rows),
        thousands(target_rows)
    )?;
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        rows as f64 / seconds
    } else {
        0.0
    };
    writeln!(
        out,
        "{} rows in {} tables in {seconds:.2} s ({} rows/s); {} identity sequences reset",
        thousands(rows),
        report.tables.len(),
        thousands(rate.round() as u64),
        report.sequences_reset
    )?;
    write_invariants(&mut out, &invariants)?;
    if !differ.is_empty() {
        anyhow::bail!(
            "row counts differ between the source and {to}: {}",
            differ.join(", ")
        );
    }
    if !invariants.holds() {
        anyhow::bail!("{to} breaks the invariants above (so does the source: the copy is exact)");
    }
    Ok(())
}

async fn open(url: &DatabaseUrl, config: &Config) -> anyhow::Result<Store> {
    Store::connect(url, &config.store)
        .await
        .with_context(|| format!("opening the database {url}"))
}

/// Prints the invariant check: one line when all is well, every violation otherwise.
fn write_invariants(out: &mut impl std::io::Write, report: &InvariantReport) -> anyhow::Result<()> {
    let summary = format!(
        "{}, {}, {}",
        counted(report.conferences, "conference", "conferences"),
        counted(report.sessions, "session", "sessions"),
        counted(report.reserved_seats, "reserved seat", "reserved seats")
    );
    if report.holds() {
        writeln!(
            out,
            "invariants: ok ({summary}; no session over capacity, nobody double-booked, points totals = ledger sums, rooms within capacity, one lab machine each)"
        )?;
        return Ok(());
    }
    writeln!(out, "invariants: BROKEN ({summary})")?;
    for v in &report.seat_violations {
        writeln!(out, "  seats: {v}")?;
    }
    for d in &report.double_bookings {
        writeln!(out, "  double-booked: {d}")?;
    }
    for p in &report.points_mismatches {
        writeln!(out, "  points: {p}")?;
    }
    for v in &report.venue_violations {
        writeln!(out, "  venue: {v}")?;
    }
    Ok(())
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 user`, `2,380 users`.
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// A file size for people: `679.9 kB`, `1.2 MB`.
fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(679_936), "679.9 kB");
        assert_eq!(human_bytes(12_500_000), "12.5 MB");
    }

    #[test]
    fn side_files_are_named_after_the_target() {
        let t = Path::new("/var/backups/hallway.db");
        assert_eq!(
            wal_of(t, "-wal"),
            PathBuf::from("/var/backups/hallway.db-wal")
        );
        let partial = partial_path(t).unwrap();
        assert_eq!(partial.parent(), Some(Path::new("/var/backups")));
        assert!(
            partial
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".hallway.db.partial-")
        );
    }

    #[test]
    fn an_existing_target_is_refused_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("live.db");
        let target = dir.path().join("backup.db");
        std::fs::write(&source, b"x").unwrap();
        assert!(check_target(&source, &target, false).is_ok());
        std::fs::write(wal_of(&target, "-wal"), b"").unwrap();
        let err = check_target(&source, &target, false).unwrap_err();
        assert!(err.to_string().contains("backup.db-wal exists"), "{err}");
        assert!(check_target(&source, &target, true).is_ok());
        let err = check_target(&source, &source, true).unwrap_err();
        assert!(err.to_string().contains("being backed up"), "{err}");
    }
}
