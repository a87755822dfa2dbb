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
    #[command(subcommand)]
    pub command: Command,
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
