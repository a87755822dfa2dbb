//! Times schedule import (parse + checks, no database) of every fixture and export of each
//! in every format: `cargo run --release -p hallway-formats --example schedule_timing`.
//! Prints the median and the fastest of 15 runs per line.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use chrono::Utc;
use hallway_domain::changes::StoredProgram;
use hallway_formats::schedule::{ExportOptions, Format, ImportOptions, export, import};

fn time(mut f: impl FnMut()) -> (Duration, Duration) {
    let mut runs: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    runs.sort();
    (runs[runs.len() / 2], runs[0])
}

fn main() {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let options = ExportOptions {
        version: "1".into(),
        public_url: "http://127.0.0.1:8080".into(),
        generated_at: Utc::now(),
        sequences: Default::default(),
    };
    println!("| file | bytes | sessions | step | median ms | fastest ms |");
    println!("|---|---|---|---|---|---|");
    for name in [
        "eventfahrplan-schedule-38c3-20251206.xml",
        "fosdem-2026.xml",
        "33c3-frab-schedule.xml",
        "35c3-frab-schedule.json",
        "33c3-frab-schedule.ics",
    ] {
        let bytes = std::fs::read(format!("{dir}/{name}")).unwrap();
        let opts = ImportOptions {
            slug: Some(hallway_domain::Slug::parse("t").unwrap()),
            ..ImportOptions::default()
        };
        let imported = import(&bytes, None, &opts).unwrap();
        let n = imported.program.sessions().len();
        let (median, fastest) = time(|| {
            import(&bytes, None, &opts).unwrap();
        });
        println!(
            "| {name} | {} | {n} | import | {:.1} | {:.1} |",
            bytes.len(),
            median.as_secs_f64() * 1e3,
            fastest.as_secs_f64() * 1e3
        );
        let stored = StoredProgram::numbered(&imported.program);
        for format in Format::ALL {
            let mut len = 0;
            let (median, fastest) = time(|| len = export(&stored, format, &options).len());
            println!(
                "| {name} | {len} | {n} | export {format} | {:.1} | {:.1} |",
                median.as_secs_f64() * 1e3,
                fastest.as_secs_f64() * 1e3
            );
        }
    }
}
