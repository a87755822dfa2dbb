//! hallway-load: the keynote-rush benchmark's load generator (issue 8). `schedule` writes
//! the benchmark conference as CSV for `hallway import`; `run` drives one or more running
//! instances over HTTP — attendees sign up, the `/healthz` ceiling is measured, every
//! attendee reads the program and adds sessions, then a read mix — and reports rates as
//! absolutes and as shares of the ceiling, latencies, outcomes, the servers' memory and
//! CPU, and invariants 1-3 checked in the database. `bench/keynote.sh` sets everything up.
//!
//! Exits 1 when any request failed unexpectedly or an invariant is broken.

mod checks;
mod drive;
mod plan;
mod report;
mod schedule;
mod stats;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{NaiveDate, TimeDelta, Utc};
use clap::{Args, Parser, Subcommand};
use serde_json::Value;

use crate::drive::{Target, plain_sample, run_phase, send};
use crate::plan::{Plan, PlannedSession};
use crate::report::{Phase, Report, ServerUse};
use crate::stats::{Sample, snapshot};

/// The keynote-rush load generator.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the benchmark conference's program as CSV on standard output.
    Schedule(ScheduleArgs),
    /// Drive running hallway instances and report.
    Run(RunArgs),
}

#[derive(Debug, Args)]
struct ScheduleArgs {
    /// Sessions in all (a keynote and a lunch break per day included).
    #[arg(long, default_value_t = 300)]
    sessions: usize,
    /// Rooms, 3 to 500 (the first is a 5,000-seat main hall, the last two a workshop room
    /// and a lab; past the eleventh they are numbered rooms of 120 seats).
    #[arg(long, default_value_t = 10)]
    rooms: usize,
    /// Conference days.
    #[arg(long, default_value_t = 3)]
    days: usize,
    /// First day, YYYY-MM-DD (default: tomorrow in UTC, so every session is still open).
    #[arg(long)]
    start: Option<NaiveDate>,
    /// Seed of titles, tracks and workshop sizes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// A running instance's base URL; repeat for several instances (requests alternate).
    #[arg(long = "base", required = true)]
    bases: Vec<String>,
    /// The conference's slug.
    #[arg(long, default_value = "keynote")]
    conference: String,
    /// Attendees (each signs up before the timed part).
    #[arg(long, default_value_t = 12_000)]
    attendees: usize,
    /// Sessions each attendee adds in the rush.
    #[arg(long, default_value_t = 6)]
    adds: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Requests per endpoint in the read mix (default: one per attendee).
    #[arg(long)]
    reads: Option<usize>,
    /// Seed of the plan.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A server process to watch (peak RSS, CPU); repeatable.
    #[arg(long = "server-pid")]
    server_pids: Vec<u32>,
    /// The servers' database, for the invariant checks after the run.
    #[arg(long)]
    db: Option<String>,
    /// Write the Markdown report here and the SVG histogram beside it (same name, .svg).
    #[arg(long)]
    out: Option<PathBuf>,
    /// A label for the report's heading.
    #[arg(long)]
    label: Option<String>,
    /// The command line to show in the report (default: this process's own).
    #[arg(long)]
    command: Option<String>,
    /// What serves (for the report): backend and instances, e.g. "SQLite, 1 instance".
    #[arg(long, default_value = "")]
    serving: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Schedule(args) => schedule(&args).map(|()| ExitCode::SUCCESS),
        Command::Run(args) => run(args).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "hallway-load: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn schedule(args: &ScheduleArgs) -> anyhow::Result<()> {
    let spec = schedule::ScheduleSpec {
        sessions: args.sessions,
        rooms: args.rooms,
        days: args.days,
        start: args
            .start
            .unwrap_or_else(|| Utc::now().date_naive() + TimeDelta::days(1)),
        seed: args.seed,
    };
    schedule::write_csv(&spec, std::io::stdout().lock())?;
    Ok(())
}

/// Progress on standard error, so that standard output carries only the table.
fn note(text: &str) {
    let _ = writeln!(std::io::stderr(), "hallway-load: {text}");
}

async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let concurrency = args.concurrency.max(1);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(120))
        .build()
        .context("building the HTTP client")?;
    let target = Target {
        client: client.clone(),
        bases: Arc::new(
            args.bases
                .iter()
                .map(|b| b.trim_end_matches('/').to_owned())
                .collect(),
        ),
        slug: Arc::from(args.conference.as_str()),
    };

    // The program, for the plan.
    let url = format!(
        "{}/api/v1/conferences/{}/sessions",
        target.base(0, 0),
        target.slug
    );
    let program: Value = client
        .get(&url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("GET {url}"))?
        .json()
        .await
        .with_context(|| format!("reading {url}"))?;
    let sessions: Vec<PlannedSession> = program
        .as_array()
        .context("the program is not a JSON array")?
        .iter()
        .filter(|s| s["kind"] != "break")
        .filter_map(|s| {
            Some(PlannedSession {
                id: s["id"].as_i64()?,
                kind: s["kind"].as_str()?.to_owned(),
            })
        })
        .collect();
    let plan = Arc::new(Plan::new(&sessions, args.attendees, args.adds, args.seed)?);
    note(&format!(
        "{} attendees x {} adds over {} reservable sessions, {concurrency} connections, {} instance(s)",
        args.attendees,
        args.adds,
        sessions.len(),
        target.bases.len()
    ));

    // Sign-ups (not timed in the table).
    let run_id = std::process::id();
    let signups = {
        let target = target.clone();
        move |i: usize| {
            let target = target.clone();
            async move {
                let url = format!("{}/api/v1/auth/signup", target.base(i, 0));
                let body = serde_json::json!({
                    "email": format!("rush{run_id}-{i}@load.invalid"),
                    "password": "keynote rush password",
                    "name": format!("Attendee {i}"),
                });
                let answer = send(target.client.post(url).json(&body)).await;
                let v: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
                let who = v["token"]
                    .as_str()
                    .zip(v["user"]["id"].as_i64())
                    .map(|(t, id)| (t.to_owned(), id));
                (vec![plain_sample("signup", &answer, 201)], who)
            }
        }
    };
    let (signed, who, signup_wall) = run_phase(args.attendees, concurrency, signups).await?;
    let who: Vec<(String, i64)> = who.into_iter().flatten().collect();
    anyhow::ensure!(
        who.len() == args.attendees,
        "only {} of {} sign-ups succeeded: {:?}",
        who.len(),
        args.attendees,
        signed.endpoints.get("signup").map(|e| &e.outcomes)
    );
    note(&format!(
        "signed up {} attendees in {:.1} s",
        who.len(),
        signup_wall.as_secs_f64()
    ));
    let tokens: Arc<Vec<String>> = Arc::new(who.iter().map(|(t, _)| t.clone()).collect());
    let users: Vec<i64> = who.iter().map(|(_, id)| *id).collect();

    // The ceiling: as many /healthz requests as the rush is expected to send.
    let rush_requests = args.attendees * (1 + args.adds);
    let healthz = {
        let target = target.clone();
        move |i: usize| {
            let target = target.clone();
            async move {
                let answer =
                    send(target.client.get(format!("{}/healthz", target.base(i, 0)))).await;
                (vec![plain_sample("/healthz", &answer, 200)], ())
            }
        }
    };
    let (recorder, _, wall) = run_phase(rush_requests, concurrency, healthz).await?;
    let ceiling = Phase {
        name: "ceiling".to_owned(),
        recorder,
        wall,
    };
    note(&format!(
        "ceiling: {rush_requests} /healthz in {:.1} s",
        wall.as_secs_f64()
    ));

    // The rush.
    let before: Vec<_> = args
        .server_pids
        .iter()
        .map(|p| snapshot(*p).unwrap_or_default())
        .collect();
    let client_before = stats::own_snapshot().unwrap_or_default();
    let rush = {
        let target = target.clone();
        let tokens = Arc::clone(&tokens);
        let plan = Arc::clone(&plan);
        move |i: usize| {
            let target = target.clone();
            let tokens = Arc::clone(&tokens);
            let plan = Arc::clone(&plan);
            async move {
                let samples = drive::rush(&target, i, &tokens[i], &plan.journeys[i]).await;
                (samples, ())
            }
        }
    };
    let (recorder, _, rush_wall) = run_phase(args.attendees, concurrency, rush).await?;
    let after_rush: Vec<_> = args
        .server_pids
        .iter()
        .map(|p| snapshot(*p).unwrap_or_default())
        .collect();
    let client_rush_cpu =
        stats::own_snapshot().unwrap_or_default().cpu_seconds - client_before.cpu_seconds;
    note(&format!("rush done in {:.1} s", rush_wall.as_secs_f64()));
    let mut phases = vec![Phase {
        name: "rush".to_owned(),
        recorder,
        wall: rush_wall,
    }];

    // The read mix, one endpoint at a time.
    let reads = args.reads.unwrap_or(args.attendees).min(args.attendees);
    let program_reads = {
        let target = target.clone();
        move |i: usize| {
            let target = target.clone();
            async move {
                let url = format!(
                    "{}/api/v1/conferences/{}/sessions",
                    target.base(i, 0),
                    target.slug
                );
                let answer = send(target.client.get(url)).await;
                (vec![plain_sample("read: program JSON", &answer, 200)], ())
            }
        }
    };
    let (recorder, _, wall) = run_phase(reads, concurrency, program_reads).await?;
    phases.push(Phase {
        name: "read: program JSON".to_owned(),
        recorder,
        wall,
    });

    let agenda_reads = {
        let target = target.clone();
        let tokens = Arc::clone(&tokens);
        move |i: usize| {
            let target = target.clone();
            let tokens = Arc::clone(&tokens);
            async move {
                let url = format!(
                    "{}/api/v1/conferences/{}/agenda",
                    target.base(i, 0),
                    target.slug
                );
                let answer = send(target.client.get(url).bearer_auth(&tokens[i])).await;
                let v: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
                let feed = v["calendar_url"].as_str().map(str::to_owned);
                (vec![plain_sample("read: my agenda", &answer, 200)], feed)
            }
        }
    };
    let (recorder, feeds, wall) = run_phase(reads, concurrency, agenda_reads).await?;
    phases.push(Phase {
        name: "read: my agenda".to_owned(),
        recorder,
        wall,
    });

    let page_reads = {
        let target = target.clone();
        let plan = Arc::clone(&plan);
        move |i: usize| {
            let target = target.clone();
            let plan = Arc::clone(&plan);
            async move {
                let url = format!(
                    "{}/c/{}/sessions/{}",
                    target.base(i, 0),
                    target.slug,
                    plan.journeys[i].page
                );
                let answer = send(target.client.get(url)).await;
                (vec![plain_sample("read: session page", &answer, 200)], ())
            }
        }
    };
    let (recorder, _, wall) = run_phase(reads, concurrency, page_reads).await?;
    phases.push(Phase {
        name: "read: session page".to_owned(),
        recorder,
        wall,
    });

    let feeds: Arc<Vec<Option<String>>> = Arc::new(feeds);
    let ics_reads = {
        let target = target.clone();
        let feeds = Arc::clone(&feeds);
        move |i: usize| {
            let target = target.clone();
            let feeds = Arc::clone(&feeds);
            async move {
                let Some(path) = feeds[i].as_deref() else {
                    let sample = Sample {
                        endpoint: "read: agenda.ics",
                        latency: Duration::ZERO,
                        outcome: "no calendar_url in the agenda".to_owned(),
                        error: true,
                    };
                    return (vec![sample], ());
                };
                let answer = send(target.client.get(format!("{}{path}", target.base(i, 0)))).await;
                (vec![plain_sample("read: agenda.ics", &answer, 200)], ())
            }
        }
    };
    let (recorder, _, wall) = run_phase(reads, concurrency, ics_reads).await?;
    phases.push(Phase {
        name: "read: agenda.ics".to_owned(),
        recorder,
        wall,
    });
    note("read mix done");

    let servers: Vec<ServerUse> = args
        .server_pids
        .iter()
        .zip(before.into_iter().zip(after_rush))
        .map(|(pid, (before, after_rush))| ServerUse {
            pid: *pid,
            before,
            after_rush,
            end: snapshot(*pid).unwrap_or(after_rush),
        })
        .collect();

    let invariants = match &args.db {
        None => None,
        Some(db) => Some(
            checks::check(db, &args.conference, &users)
                .await
                .context("checking the invariants")?,
        ),
    };

    let today = Utc::now().date_naive();
    let title = match &args.label {
        Some(l) => format!("{today} ({l})"),
        None => today.to_string(),
    };
    let command = args
        .command
        .clone()
        .unwrap_or_else(|| std::env::args().collect::<Vec<_>>().join(" "));
    let mut setup = vec![
        format!(
            "{} attendees (signed up before the timed part in {:.1} s), {} adds each, {concurrency} concurrent clients, seed {}",
            args.attendees,
            signup_wall.as_secs_f64(),
            args.adds,
            args.seed
        ),
        format!(
            "program: {} reservable sessions; an add refused as full asks for the waitlist in {:.0} % of cases, a clash is replaced in {:.0} %",
            sessions.len(),
            100.0 * plan::WAITLIST_SHARE,
            100.0 * plan::REPLACE_SHARE
        ),
        format!("read mix: {reads} requests per endpoint"),
    ];
    if !args.serving.is_empty() {
        setup.push(format!("serving: {}", args.serving));
    }
    let report = Report {
        title,
        command,
        setup,
        ceiling,
        phases,
        servers,
        rush_wall,
        client_rush_cpu,
        invariants,
    };

    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", report.table())?;
    let errors = report.errors();
    let violations = report.invariants.as_ref().map_or(0, |i| i.violations());
    match &report.invariants {
        Some(inv) => writeln!(
            out,
            "invariants: {} seat, {} double-booking, {} waitlist violations ({} sessions, {} reserved seats, {} waitlist places)",
            inv.seat_violations.len(),
            inv.double_bookings.len(),
            inv.waitlist_violations.len(),
            inv.sessions,
            inv.reserved_seats,
            inv.waitlist_places
        )?,
        None => writeln!(out, "invariants: not checked (no --db)")?,
    }
    for s in &report.servers {
        writeln!(
            out,
            "server {}: peak RSS {:.0} MiB, {:.1} CPU s during the rush",
            s.pid,
            s.end.peak_rss as f64 / 1048576.0,
            s.after_rush.cpu_seconds - s.before.cpu_seconds
        )?;
    }
    if let Some(path) = &args.out {
        let svg_path = path.with_extension("svg");
        let svg_name = svg_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        std::fs::write(&svg_path, report.svg())
            .with_context(|| format!("writing {}", svg_path.display()))?;
        std::fs::write(
            path,
            report.markdown(&report::machine(), svg_name.as_deref()),
        )
        .with_context(|| format!("writing {}", path.display()))?;
        writeln!(out, "report: {} and {}", path.display(), svg_path.display())?;
    }
    writeln!(out, "errors: {errors}, invariant violations: {violations}")?;
    Ok(if errors == 0 && violations == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
