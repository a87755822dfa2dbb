//! Carrying out a command: logging, the runtime, the store, and the server's lifecycle.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::Utc;
use hallway_domain::Slug;
use hallway_formats::directory::parse_directory;
use hallway_store::{DatabaseUrl, Store, StoreOptions};
use hallway_web::{AppState, SystemClock};
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command, Db, DemoArgs, DirectoryCommand, LogFormat, ServeArgs};
use crate::demo;

/// Runs `cli` to completion.
pub fn main(cli: Cli) -> anyhow::Result<()> {
    init_logging(cli.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Demo(args) => run_demo(args).await,
            Command::Directory(DirectoryCommand::Load { db, file }) => {
                let store = connect(&db).await?;
                let n = load_directory(&store, file.as_deref()).await?;
                tracing::info!(editions = n, "directory loaded");
                Ok(())
            }
        }
    })
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_env("HALLWAY_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    // A second initialisation (tests calling `main` twice) is harmless: keep the first.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

async fn connect(db: &Db) -> anyhow::Result<Store> {
    let db: DatabaseUrl = db.url().context("--db")?;
    Store::connect(&db, &StoreOptions::default())
        .await
        .with_context(|| format!("opening the database {db}"))
}

/// Replaces the directory with `file`, or with the shipped one; answers the edition count.
async fn load_directory(store: &Store, file: Option<&std::path::Path>) -> anyhow::Result<usize> {
    let (bytes, name) = match file {
        Some(path) => (
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
            path.display().to_string(),
        ),
        None => (
            demo::DIRECTORY.to_vec(),
            "the built-in directory".to_owned(),
        ),
    };
    let entries = parse_directory(&bytes).with_context(|| format!("reading {name}"))?;
    let entries: Vec<_> = entries
        .into_iter()
        .map(|mut e| {
            if e.series.description.is_empty()
                && let Some((_, note)) =
                    demo::SERIES_NOTES.iter().find(|(n, _)| *n == e.series.name)
            {
                e.series.description = (*note).to_owned();
            }
            (e.series, e.editions)
        })
        .collect();
    store
        .replace_directory(&entries)
        .await
        .context("storing the directory")?;
    Ok(entries.iter().map(|(_, e)| e.len()).sum())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = connect(&args.server.db).await?;
    if store.editions().await?.is_empty() {
        let n = load_directory(&store, None).await?;
        tracing::info!(
            editions = n,
            "the directory was empty: loaded the built-in one"
        );
    }
    let featured = args
        .featured
        .as_deref()
        .map(Slug::parse)
        .transpose()
        .context("--featured must be a conference slug")?;
    run_server(store, &args.server.listen, featured).await
}

async fn run_demo(args: DemoArgs) -> anyhow::Result<()> {
    let store = connect(&args.db).await?;
    let now = Utc::now();
    let size = demo::DemoSize {
        attendees: args.attendees,
        days: args.days,
    };
    let n = load_directory(&store, None).await?;
    let program = demo::program(now, args.seed, &size).context("generating the demo conference")?;
    let slug = program.conference().slug.clone();
    store.delete_conference(&slug).await?;
    let id = store
        .insert_program(&program, now)
        .await
        .context("storing the demo conference")?;
    let people = demo::attendees(args.seed, args.attendees);
    store
        .insert_attendees(id, &people, now)
        .await
        .context("storing the demo attendees")?;
    tracing::info!(
        editions = n,
        sessions = program.sessions().len(),
        speakers = program.speakers().len(),
        attendees = people.len(),
        time_zone = program.conference().time_zone.name(),
        "demo built"
    );
    if args.no_serve {
        return Ok(());
    }
    run_server(store, &args.listen, Some(slug)).await
}

async fn run_server(
    store: Store,
    listen: &std::net::SocketAddr,
    featured: Option<Slug>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let state = AppState::new(store.clone(), Arc::new(SystemClock), featured);
    let app = hallway_web::app(state);
    tracing::info!(%address, backend = ?store.backend(), "serving");
    // The address on stdout, alone on its line, so scripts and tests can read it.
    #[allow(clippy::print_stdout)]
    {
        println!("hallway is serving at http://{address}/");
    }
    hallway_web::serve(listener, app, shutdown_signal())
        .await
        .context("serving")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
