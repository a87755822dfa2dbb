//! Carrying out a command: logging, the runtime, the store, and the server's lifecycle.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::Utc;
use hallway_domain::Slug;
use hallway_formats::directory::parse_directory;
use hallway_store::{DatabaseUrl, Store, StoreOptions};
use hallway_web::{AppState, SystemClock};
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command, Db, DemoArgs, DirectoryCommand, LogFormat, ServeArgs, UserCommand};
use crate::demo;

/// Runs `cli` to completion.
/// What the commands need from the flags and the environment, read once at start.
#[derive(Clone, Debug)]
pub struct Config {
    /// How stores connect.
    pub store: StoreOptions,
    /// How the web layer is tuned.
    pub web: hallway_web::WebConfig,
    /// How often the server looks for due reminders.
    pub reminder_tick: std::time::Duration,
}

impl Config {
    /// Checks the tuning flags (a pool size out of range is refused before anything opens).
    pub fn from_tuning(t: &crate::cli::Tuning) -> anyhow::Result<Self> {
        let mut store = StoreOptions::default();
        if let Some(raw) = &t.db_pool {
            store.max_connections = raw
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=256).contains(n))
                .with_context(|| format!("HALLWAY_DB_POOL={raw:?}: a number from 1 to 256"))
                .context("--db-pool")?;
        }
        Ok(Self {
            store,
            web: hallway_web::WebConfig {
                hash_cost: {
                    let cores = std::thread::available_parallelism().map_or(2, usize::from);
                    let at_once = t.password_hashes_at_once.unwrap_or(cores).max(1);
                    hallway_web::auth::HashCost::gated(
                        t.argon2_memory_kib,
                        t.argon2_passes,
                        at_once,
                        t.password_hash_queue.unwrap_or((64 * at_once).max(1024)),
                    )
                },
                login_per_ip_per_minute: t.login_per_ip_per_minute,
                signups_per_ip_per_minute: t.signups_per_ip_per_minute,
                public_url: None,
                metrics_token: t.metrics_token.clone(),
                trusted_proxies: t.trusted_proxy.clone(),
            },
            reminder_tick: std::time::Duration::from_millis(t.reminder_tick_ms.max(50)),
        })
    }
}

pub fn main(cli: Cli) -> anyhow::Result<()> {
    init_logging(cli.log_format);
    let config = Config::from_tuning(&cli.tuning)?;
    let config = &config;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve(args, config).await,
            Command::Demo(args) => run_demo(args, config).await,
            Command::User(UserCommand::Add {
                db,
                email,
                role,
                conference,
                name,
            }) => {
                let who = (
                    email.as_str(),
                    role.as_str(),
                    conference.as_deref(),
                    name.as_deref(),
                );
                user_add(&db, who, config).await
            }
            Command::Import(args) => crate::schedule::import(args, config).await,
            Command::Export(args) => crate::schedule::export(args, config).await,
            Command::Migrate(args) => crate::maintenance::migrate(args, config).await,
            Command::Backup(args) => crate::maintenance::backup(args).await,
            Command::Copy(args) => crate::maintenance::copy(args, config).await,
            Command::Directory(DirectoryCommand::Load { db, file }) => {
                let store = connect(&db, config).await?;
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

pub(crate) async fn connect(db: &Db, config: &Config) -> anyhow::Result<Store> {
    let db: DatabaseUrl = db.url().context("--db")?;
    Store::connect(&db, &config.store)
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

/// `hallway user add`.
/// Who `hallway user add` makes: email, role, conference, name.
type NewUser<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>);

async fn user_add(db: &Db, who: NewUser<'_>, config: &Config) -> anyhow::Result<()> {
    let (email, role, conference, name) = who;
    use std::io::{IsTerminal, Read, Write};

    let email = hallway_domain::Email::parse(email).context("--email")?;
    let role = hallway_domain::account::Role::parse(role).context("--role")?;
    let conference = match (role, conference) {
        (hallway_domain::account::Role::Admin, _) => None,
        (_, None) => anyhow::bail!(
            "--conference SLUG is required for the {} role",
            role.as_str()
        ),
        (_, Some(slug)) => Some(Slug::parse(slug).context("--conference must be a slug")?),
    };
    // The password: from a pipe, else generated (and shown once).
    let (password, generated) = if std::io::stdin().is_terminal() {
        (hallway_web::auth::new_token()[..20].to_owned(), true)
    } else {
        let mut raw = String::new();
        std::io::stdin()
            .read_to_string(&mut raw)
            .context("reading the password from standard input")?;
        (raw.trim_end_matches(['\r', '\n']).to_owned(), false)
    };
    let store = connect(db, config).await?;
    let conference_id = match &conference {
        Some(slug) => Some(
            store
                .conference(slug)
                .await?
                .with_context(|| format!("there is no conference {slug}"))?
                .conference
                .id,
        ),
        None => None,
    };
    let ctx = hallway_app::Context {
        store: &store,
        now: Utc::now(),
    };
    // One transaction: the account (made, claimed or found), its password, its role.
    let (_, password_set) = hallway_app::accounts::add_user(
        ctx,
        hallway_app::accounts::Operator,
        &config.web.hash_cost,
        &hallway_app::accounts::AddUser {
            email: email.as_str(),
            name,
            password: &password,
            chosen: !generated,
            role: conference_id.map(|c| (c, role)),
        },
    )
    .await
    .map_err(|e| match e {
        hallway_app::AppError::Invalid { field, message } => {
            anyhow::anyhow!(
                "{}: {message}",
                if field == "password" {
                    "the password"
                } else {
                    field
                }
            )
        }
        e => anyhow::Error::new(e).context("adding the account"),
    })?;
    let mut out = std::io::stdout().lock();
    let place = conference.map(|c| format!(" of {c}")).unwrap_or_default();
    writeln!(out, "{} is {}{place}", email.as_str(), role.as_str()).context("writing to stdout")?;
    if generated && password_set {
        writeln!(out, "password: {password}").context("writing to stdout")?;
    } else if !password_set {
        writeln!(out, "the account existed; its password is unchanged")
            .context("writing to stdout")?;
    }
    Ok(())
}

async fn serve(args: ServeArgs, config: &Config) -> anyhow::Result<()> {
    let store = connect(&args.server.db, config).await?;
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
    let config = Config {
        web: hallway_web::WebConfig {
            public_url: args.server.public_url.clone(),
            ..config.web.clone()
        },
        ..config.clone()
    };
    run_server(store, &args.server.listen, featured, &config).await
}

async fn run_demo(args: DemoArgs, config: &Config) -> anyhow::Result<()> {
    let store = connect(&args.db, config).await?;
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
    let users = store
        .insert_attendees(id, &people, now)
        .await
        .context("storing the demo attendees")?;
    // Their agendas, made the way a person makes one (overlaps refused, full sessions
    // waitlisted), as of the day before the conference so that no session has started.
    let sessions = store.sessions(id).await?;
    let before = now - chrono::Duration::days(1);
    let mut reserved = 0;
    let mut seats = Vec::new();
    for (attendee, session) in demo::agenda_plan(args.seed, &sessions, users.len()) {
        let outcome = store
            .reserve(&hallway_store::ReserveRequest {
                conference: id,
                user: users[attendee],
                session,
                replace: &[],
                waitlist: true,
                now: before,
            })
            .await
            .context("building the demo agendas")?;
        if matches!(outcome, hallway_store::ReserveOutcome::Reserved { .. }) {
            reserved += 1;
            seats.push((attendee, session));
        }
    }
    let (exchanges, ratings) =
        demo_networking(&store, id, &users, &sessions, &seats, args.seed, now)
            .await
            .context("building the demo's contacts and ratings")?;
    let venue = demo_venue(&store, id, &users, &sessions, &seats, args.seed, now)
        .await
        .context("building the demo's doors and labs")?;
    demo_volunteer(&store, id, now, config)
        .await
        .context("building the demo's volunteer and announcements")?;
    tracing::info!(
        check_ins = venue.0,
        machines_in_use = venue.1,
        "demo venue built"
    );
    tracing::info!(
        editions = n,
        sessions = program.sessions().len(),
        speakers = program.speakers().len(),
        attendees = people.len(),
        reserved_seats = reserved,
        exchanges,
        ratings,
        time_zone = program.conference().time_zone.name(),
        "demo built"
    );
    if args.no_serve {
        return Ok(());
    }
    let config = Config {
        web: hallway_web::WebConfig {
            public_url: args.public_url.clone(),
            ..config.web.clone()
        },
        ..config.clone()
    };
    run_server(store, &args.listen, Some(slug), &config).await
}

/// The demo's contacts and ratings, made through the same store functions as people's (so
/// the points ledger fills the same way): cards for everyone, about three scans each, and
/// ratings of the sessions that have started. Answers the counts.
async fn demo_networking(
    store: &Store,
    conference: hallway_domain::ConferenceId,
    users: &[hallway_domain::UserId],
    sessions: &[hallway_domain::Session],
    seats: &[(usize, hallway_domain::SessionId)],
    seed: u64,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<(usize, usize)> {
    let mut codes = Vec::with_capacity(users.len());
    for user in users {
        let card = store
            .ensure_card(
                conference,
                *user,
                &mut hallway_web::auth::new_card_secrets,
                now,
            )
            .await?;
        codes.push(card.code);
    }
    let mut exchanges = 0;
    for (a, b, minutes_ago) in demo::contact_plan(seed, users.len()) {
        let outcome = store
            .exchange(
                conference,
                users[a],
                &hallway_store::Target::Code(codes[b].clone()),
                now - chrono::Duration::minutes(minutes_ago),
            )
            .await?;
        if matches!(
            outcome,
            hallway_store::ExchangeOutcome::Exchanged { new: true, .. }
        ) {
            exchanges += 1;
        }
    }
    let started: std::collections::HashSet<hallway_domain::SessionId> = sessions
        .iter()
        .filter(|s| s.info.span.start() <= now)
        .map(|s| s.id)
        .collect();
    let rated_seats: Vec<_> = seats
        .iter()
        .filter(|(_, s)| started.contains(s))
        .copied()
        .collect();
    let mut ratings = 0;
    for (a, session, stars, comment) in demo::rating_plan(seed, &rated_seats) {
        let outcome = store
            .put_feedback(&hallway_store::FeedbackRequest {
                conference,
                session,
                user: users[a],
                rating: hallway_domain::networking::Rating::new(stars)?,
                comment: comment.map(str::to_owned),
                now,
            })
            .await?;
        if matches!(outcome, hallway_store::FeedbackOutcome::Saved { .. }) {
            ratings += 1;
        }
    }
    Ok((exchanges, ratings))
}

/// The demo's venue: every lab gets a machine pool, seat holders of the sessions running now
/// are checked in at their doors (and half of those in a running lab have started it); the
/// volunteer and the announcements are [`demo_volunteer`]'s.
/// Answers (check-ins, machines in use).
async fn demo_venue(
    store: &Store,
    conference: hallway_domain::ConferenceId,
    users: &[hallway_domain::UserId],
    sessions: &[hallway_domain::Session],
    seats: &[(usize, hallway_domain::SessionId)],
    seed: u64,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<(usize, usize)> {
    use hallway_domain::SessionKind;
    let mut labs: Vec<&hallway_domain::Session> = sessions
        .iter()
        .filter(|s| s.info.kind == SessionKind::Lab)
        .collect();
    labs.sort_by_key(|s| (s.info.span.start(), s.id));
    for (i, lab) in labs.iter().enumerate() {
        let n = lab.seats.capacity().map_or(30, |c| c.get()).min(500);
        store
            .import_machines(
                conference,
                lab.id,
                &demo::machine_pool(seed, i, n),
                None,
                chrono::Utc::now(),
            )
            .await?;
    }
    let open = chrono::Duration::minutes(15);
    let running: Vec<&hallway_domain::Session> = sessions
        .iter()
        .filter(|s| s.info.span.start() - open <= now && now < s.info.span.end())
        .filter(|s| s.info.kind != SessionKind::Break)
        .collect();
    let (mut check_ins, mut in_use) = (0, 0);
    for session in running {
        let holders: Vec<usize> = seats
            .iter()
            .filter(|(_, s)| *s == session.id)
            .map(|(a, _)| *a)
            .collect();
        for (k, a) in demo::checked_in(seed, &holders).into_iter().enumerate() {
            let Some(card) = store.card(conference, users[a]).await? else {
                continue;
            };
            let door = store
                .door(&hallway_store::DoorScan {
                    conference,
                    room: session.room,
                    badge: hallway_store::Target::Code(card.code),
                    direction: hallway_domain::venue::Direction::In,
                    now,
                })
                .await?;
            if door.is_some_and(|d| d.reason.admitted()) {
                check_ins += 1;
            }
            if session.info.kind == SessionKind::Lab && k % 2 == 0 {
                let started = store
                    .start_lab(conference, session.id, users[a], now)
                    .await?;
                if matches!(
                    started,
                    hallway_store::LabOutcome::Started { new: true, .. }
                ) {
                    in_use += 1;
                }
            }
        }
    }
    Ok((check_ins, in_use))
}

/// The demo's door volunteer (whose password is printed) and the announcements they posted.
async fn demo_volunteer(
    store: &Store,
    conference: hallway_domain::ConferenceId,
    now: chrono::DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<()> {
    // The volunteer staffs the doors; organizers are made with `hallway user add`.
    let email = hallway_domain::Email::parse("volunteer@harbor-days.invalid")?;
    let password = hallway_web::auth::new_token()[..16].to_owned();
    // Made the way `hallway user add` makes an account (a new password each run).
    let (volunteer, _) = hallway_app::accounts::add_user(
        hallway_app::Context { store, now },
        hallway_app::accounts::Operator,
        &config.web.hash_cost,
        &hallway_app::accounts::AddUser {
            email: email.as_str(),
            name: Some("Door volunteer"),
            password: &password,
            chosen: true,
            role: Some((conference, hallway_domain::account::Role::Volunteer)),
        },
    )
    .await
    .context("creating the volunteer account")?;
    #[allow(clippy::print_stdout)]
    {
        println!(
            "demo volunteer (door pages): {} / {password}",
            email.as_str()
        );
    }
    for (minutes_ago, text) in demo::ANNOUNCEMENTS {
        store
            .post_announcement(
                conference,
                volunteer.id,
                text,
                hallway_domain::venue::Audience::Everyone,
                now - chrono::Duration::minutes(minutes_ago),
            )
            .await?;
    }
    Ok(())
}

async fn run_server(
    store: Store,
    listen: &std::net::SocketAddr,
    featured: Option<Slug>,
    config: &Config,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let state = AppState::with_config(
        store.clone(),
        Arc::new(SystemClock),
        featured,
        config.web.clone(),
    );
    let bus = state.live().clone();
    // How often due reminders are looked for; browser tests shorten it.
    let scheduler = tokio::spawn(hallway_web::live::run_reminders(
        state.clone(),
        config.reminder_tick,
    ));
    // Committed events (of every instance, on PostgreSQL) reach this one's live streams;
    // the dispatcher starts after what is committed before the first request.
    let dispatcher = hallway_web::live::Dispatcher::start(state.clone()).await;
    let relay = tokio::spawn(dispatcher.run());
    let app = hallway_web::app(state);
    tracing::info!(%address, backend = ?store.backend(), "serving");
    // The address on stdout, alone on its line, so scripts and tests can read it.
    #[allow(clippy::print_stdout)]
    {
        println!("hallway is serving at http://{address}/");
    }
    // On Ctrl-C or SIGTERM: end the live streams (they would hold the shutdown open) and
    // the reminder scheduler, then let requests in flight finish.
    let shutdown = async move {
        shutdown_signal().await;
        bus.shut_down();
    };
    hallway_web::serve(listener, app, shutdown)
        .await
        .context("serving")?;
    let _ = scheduler.await;
    let _ = relay.await;
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
