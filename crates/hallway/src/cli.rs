//! The command line: flags and their environment variables, parsed by clap. Values are
//! checked here (a malformed URL or address is refused before anything starts).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use hallway_store::DatabaseUrl;

/// hallway: a self-hosted conference platform in one binary.
#[derive(Debug, Parser)]
#[command(name = "hallway", version, about, long_about = None)]
pub struct Cli {
    /// Log format.
    #[arg(long, global = true, env = "HALLWAY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub tuning: Tuning,
    #[command(subcommand)]
    pub command: Command,
}

/// How the server and the commands are tuned. Every flag has its environment variable;
/// the binary reads them once (`run::Config`) and passes what each part needs down.
#[derive(Debug, Args)]
pub struct Tuning {
    /// Argon2id memory per password hash, KiB (OWASP's 19,456 by default; at least 8).
    #[arg(long, global = true, env = "HALLWAY_ARGON2_MEMORY_KIB", default_value_t = 19 * 1024)]
    pub argon2_memory_kib: u32,
    /// Argon2id passes per password hash (at least 1).
    #[arg(
        long,
        global = true,
        env = "HALLWAY_ARGON2_PASSES",
        default_value_t = 2
    )]
    pub argon2_passes: u32,
    /// Password hashes computed at once (default: the number of cores). Each takes the
    /// Argon2 memory while it runs, so this bounds what a burst of sign-ups costs.
    #[arg(long, global = true, env = "HALLWAY_PASSWORD_HASHES_AT_ONCE")]
    pub password_hashes_at_once: Option<usize>,
    /// Password hashes that may wait for their turn (default: 1,024, or 64 x the number at
    /// once if more); waiting costs no Argon2 memory;
    /// beyond that, or after 10 s of waiting, a sign-up or log-in answers 503 with
    /// Retry-After.
    #[arg(long, global = true, env = "HALLWAY_PASSWORD_HASH_QUEUE")]
    pub password_hash_queue: Option<usize>,
    /// Log-in attempts allowed per client address and minute (a venue's attendees may share
    /// one NAT address).
    #[arg(
        long,
        global = true,
        env = "HALLWAY_LOGIN_PER_IP_PER_MINUTE",
        default_value_t = 6000
    )]
    pub login_per_ip_per_minute: u32,
    /// Sign-ups allowed per client address and minute (each costs a password hash; a
    /// venue's attendees may share one NAT address).
    #[arg(
        long,
        global = true,
        env = "HALLWAY_SIGNUPS_PER_IP_PER_MINUTE",
        default_value_t = 600
    )]
    pub signups_per_ip_per_minute: u32,
    /// The bearer token `/metrics` asks for (Prometheus: `authorization: {credentials: …}`);
    /// unset: `/metrics` is open to whoever reaches the server.
    #[arg(
        long,
        global = true,
        env = "HALLWAY_METRICS_TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// Addresses of reverse proxies in front of hallway (comma-separated), whose
    /// X-Forwarded-For names the client: the per-address limits then count clients, not
    /// the proxy.
    #[arg(
        long,
        global = true,
        env = "HALLWAY_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// Database connections per instance, 1 to 256 (default 8). Several instances on one
    /// PostgreSQL need max_connections >= instances x (pool + 2).
    #[arg(long, global = true, env = "HALLWAY_DB_POOL")]
    pub db_pool: Option<String>,
    /// How often the server looks for due reminders, in milliseconds (at least 50).
    #[arg(
        long,
        global = true,
        env = "HALLWAY_REMINDER_TICK_MS",
        default_value_t = 15_000
    )]
    pub reminder_tick_ms: u64,
}

/// How log lines look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event, for log collectors.
    Json,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web pages and the API.
    Serve(ServeArgs),
    /// Build the demo (directory and a generated conference) and serve it.
    Demo(DemoArgs),
    /// Manage the conference directory.
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Manage accounts and roles.
    #[command(subcommand)]
    User(UserCommand),
    /// Import a conference program from a schedule file (frab XML, c3voc JSON, iCalendar,
    /// CSV): creates the conference, or updates it keeping attendees' agendas.
    Import(ImportArgs),
    /// Export a conference program as frab XML, c3voc JSON, iCalendar or CSV.
    Export(ExportArgs),
    /// Create a database or bring its schema up to date, without serving.
    Migrate(MigrateArgs),
    /// Write a consistent copy of a SQLite database, also while a server is using it.
    Backup(BackupArgs),
    /// Copy a whole database into a new, empty one: SQLite to PostgreSQL, or back.
    Copy(CopyArgs),
}

/// `hallway migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Database URL: sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, env = "HALLWAY_DB", default_value = "sqlite://hallway.db")]
    pub db: Db,
}

/// `hallway backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The SQLite database to back up (PostgreSQL: use pg_dump).
    #[arg(long, env = "HALLWAY_DB", default_value = "sqlite://hallway.db")]
    pub db: Db,
    /// The file to write; it must not exist unless --force is given.
    #[arg(long)]
    pub to: PathBuf,
    /// Replace the file given with --to if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `hallway copy`.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The database to copy from (it is brought up to date first, and never changed otherwise).
    #[arg(long)]
    pub from: Db,
    /// The database to copy into: new or only migrated, with no rows in any table.
    #[arg(long)]
    pub to: Db,
}

/// `hallway import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Database URL.
    #[arg(long, env = "HALLWAY_DB", default_value = "sqlite://hallway.db")]
    pub db: Db,
    /// The conference's slug (default: the file's acronym, else its title).
    #[arg(long)]
    pub conference: Option<String>,
    /// The file's format; auto recognises it from the first bytes.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub format: FormatArg,
    /// The venue's IANA time zone (Europe/Berlin); wins over what the file says.
    #[arg(long)]
    pub time_zone: Option<String>,
    /// Print what would be added, changed and removed; store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// When the import creates the conference, publish it at once (otherwise it starts
    /// unpublished, as in the editor, and its organizers publish it in the workspace).
    #[arg(long)]
    pub publish: bool,
    /// The schedule file.
    pub file: PathBuf,
}

/// `hallway export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Database URL.
    #[arg(long, env = "HALLWAY_DB", default_value = "sqlite://hallway.db")]
    pub db: Db,
    /// The conference's slug.
    #[arg(long)]
    pub conference: String,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// Where to write (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The server's public address, for session links in the export.
    #[arg(
        long,
        env = "HALLWAY_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,
}

/// A schedule format on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Recognise the format from the file (import only).
    Auto,
    /// frab/pentabarf schedule.xml.
    #[value(alias = "frab")]
    Xml,
    /// c3voc schedule.json.
    Json,
    /// iCalendar.
    Ics,
    /// A spreadsheet as CSV.
    Csv,
}

impl FormatArg {
    /// The format, `None` for auto.
    pub fn format(self) -> Option<hallway_formats::schedule::Format> {
        use hallway_formats::schedule::Format;
        match self {
            Self::Auto => None,
            Self::Xml => Some(Format::Frab),
            Self::Json => Some(Format::Json),
            Self::Ics => Some(Format::Ics),
            Self::Csv => Some(Format::Csv),
        }
    }
}

/// `hallway user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (or reuse one) and give it a role. The password is read from
    /// standard input when that is not a terminal; otherwise one is generated and printed.
    Add {
        /// Database URL.
        #[arg(long, env = "HALLWAY_DB", default_value = "sqlite://hallway.db")]
        db: Db,
        /// The account's email address.
        #[arg(long)]
        email: String,
        /// admin, organizer, volunteer, speaker or attendee.
        #[arg(long)]
        role: String,
        /// The conference (slug) the role applies to; not for admin.
        #[arg(long)]
        conference: Option<String>,
        /// The name shown to others (default: the part of the email before the @).
        #[arg(long)]
        name: Option<String>,
    },
}

/// Where to store and where to listen.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Database URL: sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, env = "HALLWAY_DB", default_value = "sqlite://hallway.db")]
    pub db: Db,
    /// Address to listen on.
    #[arg(long, env = "HALLWAY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// This server's public address (`https://hallway.example`) for links in exports and
    /// badge QR codes; default: the request's Host.
    #[arg(long, env = "HALLWAY_PUBLIC_URL")]
    pub public_url: Option<String>,
}

/// `hallway serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The conference the home page features (its slug); default: the one nearest to today.
    #[arg(long, env = "HALLWAY_FEATURED")]
    pub featured: Option<String>,
}

/// `hallway demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Database URL for the demo; the demo conference and the directory in it are replaced.
    #[arg(long, env = "HALLWAY_DB", default_value = "sqlite://hallway-demo.db")]
    pub db: Db,
    /// Address to listen on.
    #[arg(long, env = "HALLWAY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// This server's public address for links in exports and badge QR codes; default:
    /// the request's Host.
    #[arg(long, env = "HALLWAY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seed of the generator: the same seed builds the same conference.
    #[arg(long, default_value_t = 2017)]
    pub seed: u64,
    /// Attendees to generate.
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u32).range(0..=200_000))]
    pub attendees: u32,
    /// Conference days.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=5))]
    pub days: u32,
    /// Build the demo data and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

/// `hallway directory …`.
#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Replace the directory with a directory file (default: the one shipped with hallway).
    Load {
        /// Database URL.
        #[arg(long, env = "HALLWAY_DB", default_value = "sqlite://hallway.db")]
        db: Db,
        /// A directory file in the format of data/container-events.json.
        file: Option<PathBuf>,
    },
}

/// A `--db` value as given. It is checked after parsing, not by clap, because clap repeats a
/// refused value in its message and a database URL may carry a password.
#[derive(Clone)]
pub struct Db(String);

impl Db {
    /// The checked URL; the error never shows the password.
    pub fn url(&self) -> Result<DatabaseUrl, hallway_store::UrlError> {
        DatabaseUrl::parse(&self.0)
    }
}

impl From<String> for Db {
    fn from(raw: String) -> Self {
        Self(raw)
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.url() {
            Ok(url) => url.fmt(f),
            Err(_) => f.write_str("Db(<invalid>)"),
        }
    }
}
