//! `hallway import` and `hallway export`: schedule files in and out from the shell, with a
//! progress bar for big files and a summary an organizer can check before and after.

use std::io::{Read as _, Write as _};

use anyhow::Context as _;
use chrono::Utc;
use hallway_domain::{Slug, TimeZone};
use hallway_formats::schedule::{self, ExportOptions, ImportOptions};
use hallway_store::ScheduleVersion;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{ExportArgs, ImportArgs};
use crate::run::{Config, connect};

/// Files above this size get a progress bar while they are read.
const BAR_FROM_BYTES: u64 = 256 * 1024;

fn read_with_progress(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > schedule::MAX_BYTES as u64 {
        anyhow::bail!(
            "{} has {len} bytes; at most {} are accepted",
            path.display(),
            schedule::MAX_BYTES
        );
    }
    let bar = if len >= BAR_FROM_BYTES {
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template("reading {bar:30} {bytes}/{total_bytes}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = file
            .read(&mut chunk)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    Ok(bytes)
}

fn spinner(message: &'static str) -> ProgressBar {
    let s = ProgressBar::new_spinner();
    s.set_message(message);
    s.enable_steady_tick(std::time::Duration::from_millis(100));
    s
}

/// `hallway import`.
pub async fn import(args: ImportArgs, config: &Config) -> anyhow::Result<()> {
    let store = connect(&args.db, config).await?;
    let bytes = read_with_progress(&args.file)?;
    let options = ImportOptions {
        slug: args
            .conference
            .as_deref()
            .map(Slug::parse)
            .transpose()
            .context("--conference must be a slug")?,
        time_zone: args
            .time_zone
            .as_deref()
            .map(TimeZone::parse)
            .transpose()
            .context("--time-zone")?,
    };
    let format = args.format.format();
    let parsing = spinner("reading the schedule");
    let started = std::time::Instant::now();
    let imported = tokio::task::spawn_blocking(move || schedule::import(&bytes, format, &options))
        .await
        .context("reading the schedule")?
        .with_context(|| format!("{} was not imported (nothing changed)", args.file.display()))?;
    let parsed_in = started.elapsed();
    parsing.set_message("storing");
    let source = format!(
        "import of {}",
        args.file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    );
    // The same use case as the web upload: the audit line (by the operator), the
    // attendees told and the events, in the import's transaction.
    let cmd = hallway_app::schedule::Import {
        program: &imported.program,
        label: &imported.version,
        source: &source,
        dry_run: args.dry_run,
        states_session_capacities: imported.format.states_session_capacities(),
        publish: args.publish,
    };
    let ctx = hallway_app::Context {
        store: &store,
        now: Utc::now(),
    };
    let report =
        hallway_app::schedule::import(ctx, &hallway_app::schedule::Importer::Operator, cmd)
            .await
            .context("storing the program")?;
    parsing.finish_and_clear();
    let total = started.elapsed();

    let p = &imported.program;
    let c = p.conference();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} {} ({}, {}) from {} {}",
        if args.dry_run {
            "Would import"
        } else {
            "Imported"
        },
        c.name,
        c.slug,
        c.time_zone.name(),
        imported.format.name(),
        if imported.version.is_empty() {
            String::new()
        } else {
            format!("version {:?}", imported.version)
        },
    )?;
    writeln!(
        out,
        "  {} days ({} to {}, day change {}), {} rooms, {} tracks, {} sessions, {} speakers",
        c.days.dates().len(),
        c.days.first(),
        c.days.last(),
        c.days.day_change().format("%H:%M"),
        p.rooms().len(),
        p.tracks().len(),
        p.sessions().len(),
        p.speakers().len(),
    )?;
    if report.created {
        writeln!(out, "  new conference: schedule version 1")?;
        if !args.publish && !args.dry_run {
            writeln!(
                out,
                "  unpublished: the public sees it once an organizer publishes it in the workspace (or import with --publish)"
            )?;
        }
    } else {
        writeln!(
            out,
            "  schedule version {}: {} added, {} changed, {} removed; {} attendees {}notified, {} reservations {}taken out, {} waiting attendees promoted",
            report.version,
            report.added,
            report.changed,
            report.removed,
            report.notified,
            if args.dry_run { "would be " } else { "" },
            report.dropped.len(),
            if args.dry_run { "would be " } else { "" },
            report.promotions.len(),
        )?;
        for e in report.entries.iter().take(50) {
            let what: Vec<&str> = e.changes.iter().map(|c| c.label()).collect();
            writeln!(out, "    {}: {}", e.title(), what.join(", "))?;
        }
        if report.entries.len() > 50 {
            writeln!(out, "    … and {} more", report.entries.len() - 50)?;
        }
    }
    for w in &imported.warnings {
        writeln!(out, "  note: {w}")?;
    }
    tracing::info!(
        parse_ms = parsed_in.as_millis(),
        total_ms = total.as_millis(),
        sessions = p.sessions().len(),
        "import timing"
    );
    Ok(())
}

/// `hallway export`.
pub async fn export(args: ExportArgs, config: &Config) -> anyhow::Result<()> {
    let Some(format) = args.format.format() else {
        anyhow::bail!("--format: name one of xml, json, ics, csv");
    };
    let store = connect(&args.db, config).await?;
    let slug = Slug::parse(&args.conference).context("--conference must be a slug")?;
    let program = store
        .stored_program(&slug)
        .await?
        .with_context(|| format!("there is no conference {slug}"))?;
    let versions = store.schedule_versions(program.conference.id).await?;
    let latest = versions.first();
    let options = ExportOptions {
        version: latest
            .as_ref()
            .map_or_else(|| "1".to_owned(), |v| v.export_label()),
        public_url: args.public_url.trim_end_matches('/').to_owned(),
        generated_at: latest.map_or_else(Utc::now, |v| v.created_at),
        sequences: ScheduleVersion::sequences(&versions),
    };
    let started = std::time::Instant::now();
    let bytes = schedule::export(&program, format, &options);
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        bytes = bytes.len(),
        "export timing"
    );
    match &args.output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?
        }
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(())
}
