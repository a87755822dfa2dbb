//! The results: a Markdown report (machine, command, the table with every rate also as a
//! share of the `/healthz` ceiling, outcomes, server resources, invariants) and an SVG of
//! the latency distributions on a logarithmic axis, written by hand (no plotting crate).

use std::fmt::Write as _;
use std::time::Duration;

use crate::checks::InvariantSummary;
use crate::stats::{EndpointStats, ProcSnapshot, Recorder};

/// One timed phase: its rows and how long it took.
#[derive(Debug)]
pub struct Phase {
    /// What it was ("ceiling", "rush", "read: my agenda", …).
    pub name: String,
    /// Its samples.
    pub recorder: Recorder,
    /// Its wall time.
    pub wall: Duration,
}

/// A server process's resources.
#[derive(Debug)]
pub struct ServerUse {
    /// Its process id.
    pub pid: u32,
    /// At the start of the rush.
    pub before: ProcSnapshot,
    /// At the end of the rush.
    pub after_rush: ProcSnapshot,
    /// At the end of the run.
    pub end: ProcSnapshot,
}

/// Everything the report shows.
#[derive(Debug)]
pub struct Report {
    /// The heading's label (date and optional run label).
    pub title: String,
    /// How the run was started.
    pub command: String,
    /// What was run: attendees, adds, concurrency, backend, instances, seed.
    pub setup: Vec<String>,
    /// The `/healthz` ceiling phase.
    pub ceiling: Phase,
    /// The timed phases after it, in order.
    pub phases: Vec<Phase>,
    /// Server processes.
    pub servers: Vec<ServerUse>,
    /// Wall time of the rush (for CPU shares).
    pub rush_wall: Duration,
    /// This process over the rush.
    pub client_rush_cpu: f64,
    /// The invariant checks, when a database was given.
    pub invariants: Option<InvariantSummary>,
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1e3;
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

fn rate(e: &EndpointStats, wall: Duration) -> f64 {
    e.requests() as f64 / wall.as_secs_f64().max(1e-9)
}

impl Report {
    /// The `/healthz` rate, the denominator of every ratio.
    pub fn ceiling_rate(&self) -> f64 {
        self.ceiling
            .recorder
            .endpoints
            .values()
            .map(|e| rate(e, self.ceiling.wall))
            .sum()
    }

    /// Errors over every phase (the ceiling's included).
    pub fn errors(&self) -> u64 {
        std::iter::once(&self.ceiling)
            .chain(&self.phases)
            .flat_map(|p| p.recorder.endpoints.values())
            .map(|e| e.errors)
            .sum()
    }

    /// The main table alone (also printed on standard output).
    pub fn table(&self) -> String {
        let ceiling = self.ceiling_rate();
        let mut t = String::new();
        t.push_str("| phase: endpoint | requests | req/s | vs /healthz | p50 ms | p95 ms | p99 ms | max ms | errors |\n");
        t.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        let mut row = |name: &str, e: &EndpointStats, wall: Duration| {
            let r = rate(e, wall);
            let _ = writeln!(
                t,
                "| {name} | {} | {r:.0} | {:.1} % | {} | {} | {} | {} | {} |",
                e.requests(),
                100.0 * r / ceiling.max(1e-9),
                ms(e.at(0.50)),
                ms(e.at(0.95)),
                ms(e.at(0.99)),
                ms(e.max()),
                e.errors
            );
        };
        for (name, e) in &self.ceiling.recorder.endpoints {
            row(&format!("ceiling: {name}"), e, self.ceiling.wall);
        }
        for p in &self.phases {
            let mut all: Option<EndpointStats> = None;
            for (name, e) in &p.recorder.endpoints {
                row(name, e, p.wall);
                match &mut all {
                    None => all = Some(e.clone()),
                    Some(a) => {
                        let _ = a.latencies.add(&e.latencies);
                        a.errors += e.errors;
                    }
                }
            }
            if p.recorder.endpoints.len() > 1
                && let Some(a) = &all
            {
                row(&format!("**{} (all requests)**", p.name), a, p.wall);
            }
        }
        t
    }

    /// The whole Markdown document; `svg_name` is the histogram's file name beside it.
    pub fn markdown(&self, machine: &str, svg_name: Option<&str>) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Keynote rush: {}\n", self.title);
        let _ = writeln!(md, "Machine: {machine}.\n");
        let _ = writeln!(md, "Command: `{}`\n", self.command);
        for line in &self.setup {
            let _ = writeln!(md, "- {line}");
        }
        let _ = writeln!(
            md,
            "\nThe load generator runs on the same machine as the server(s), so every rate is also \
             given as a share of `/healthz` answered by the same client at the same concurrency in \
             the same run ({:.0} req/s). Rush rows share one wall clock (the requests are \
             interleaved, one attendee after another per connection); read rows are each timed \
             alone. Latency is from sending to the last byte of the body.\n",
            self.ceiling_rate()
        );
        md.push_str(&self.table());
        md.push_str(
            "\n## Answers by outcome\n\n| phase: endpoint | outcome | requests |\n|---|---|---:|\n",
        );
        for p in std::iter::once(&self.ceiling).chain(&self.phases) {
            for (name, e) in &p.recorder.endpoints {
                for (outcome, n) in &e.outcomes {
                    let _ = writeln!(md, "| {name} | {outcome} | {n} |");
                }
            }
        }
        md.push_str("\n## Server processes\n\n| pid | peak RSS MiB | CPU s during the rush | CPU during the rush (100 % = one core) | CPU s whole run |\n|---:|---:|---:|---:|---:|\n");
        let rush = self.rush_wall.as_secs_f64().max(1e-9);
        for s in &self.servers {
            let cpu = s.after_rush.cpu_seconds - s.before.cpu_seconds;
            let _ = writeln!(
                md,
                "| {} | {:.0} | {cpu:.1} | {:.0} % | {:.1} |",
                s.pid,
                s.end.peak_rss as f64 / 1048576.0,
                100.0 * cpu / rush,
                s.end.cpu_seconds
            );
        }
        let _ = writeln!(
            md,
            "\nThe load generator itself used {:.1} CPU s during the rush ({:.0} % of one core).",
            self.client_rush_cpu,
            100.0 * self.client_rush_cpu / rush
        );
        md.push_str("\n## Invariants (DESIGN.md 1-3, checked in the database after the run)\n\n");
        match &self.invariants {
            None => md.push_str("Not checked (no `--db` given).\n"),
            Some(inv) => {
                let _ = writeln!(
                    md,
                    "| invariant | checked | violations |\n|---|---|---:|\n\
                     | 1 seats: reserved = reserved rows <= capacity | {} sessions, {} reserved seats | {} |\n\
                     | 2 no double-booking | every attendee | {} |\n\
                     | 3 waitlist: positions 1..n, no one waits for a seat they could have | {} waitlists, {} places | {} |",
                    inv.sessions,
                    inv.reserved_seats,
                    inv.seat_violations.len(),
                    inv.double_bookings.len(),
                    inv.waitlisted_sessions,
                    inv.waitlist_places,
                    inv.waitlist_violations.len()
                );
                for v in inv
                    .seat_violations
                    .iter()
                    .chain(&inv.double_bookings)
                    .chain(&inv.waitlist_violations)
                    .take(20)
                {
                    let _ = writeln!(md, "- {v}");
                }
            }
        }
        if let Some(svg) = svg_name {
            let _ = writeln!(
                md,
                "\n## Latency distribution\n\n![latency histogram]({svg})"
            );
        }
        md
    }

    /// The latency histogram: one line per row, share of that row's requests per
    /// logarithmic bucket (ten per decade).
    pub fn svg(&self) -> String {
        const W: f64 = 900.0;
        const H: f64 = 420.0;
        const LEFT: f64 = 60.0;
        const RIGHT: f64 = 250.0;
        const TOP: f64 = 30.0;
        const BOTTOM: f64 = 50.0;
        const PER_DECADE: f64 = 10.0;
        const COLOURS: [&str; 10] = [
            "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf",
        ];
        let rows: Vec<(String, &EndpointStats)> = std::iter::once(&self.ceiling)
            .chain(&self.phases)
            .flat_map(|p| p.recorder.endpoints.iter())
            .filter(|(_, e)| e.requests() > 0)
            .map(|(n, e)| ((*n).to_owned(), e))
            .collect();
        // Buckets: log10 of microseconds, from the decade of the fastest request (10 µs at
        // the least) to that of the slowest.
        let lo = rows
            .iter()
            .map(|(_, e)| (e.latencies.min().max(10) as f64).log10())
            .fold(f64::INFINITY, f64::min)
            .floor()
            .min(6.0);
        let hi = rows
            .iter()
            .map(|(_, e)| (e.latencies.max().max(10) as f64).log10())
            .fold(lo + 1.0, f64::max)
            .ceil();
        let buckets = ((hi - lo) * PER_DECADE) as usize;
        let mut series: Vec<(String, Vec<f64>)> = Vec::new();
        let mut top = 0.0_f64;
        for (name, e) in &rows {
            let mut counts = vec![0.0; buckets.max(1)];
            for v in e.latencies.iter_recorded() {
                let x = (v.value_iterated_to().max(1) as f64).log10();
                let b = (((x - lo) * PER_DECADE).floor().max(0.0) as usize).min(counts.len() - 1);
                counts[b] += v.count_at_value() as f64;
            }
            let total = e.requests().max(1) as f64;
            for c in &mut counts {
                *c = 100.0 * *c / total;
                top = top.max(*c);
            }
            series.push((name.clone(), counts));
        }
        // A multiple of 20, so the four grid steps are whole multiples of 5 %.
        let top = (top / 20.0).ceil().max(1.0) * 20.0;
        let plot_w = W - LEFT - RIGHT;
        let plot_h = H - TOP - BOTTOM;
        let x_of = |decades: f64| LEFT + plot_w * (decades - lo) / (hi - lo);
        let y_of = |share: f64| TOP + plot_h * (1.0 - share / top);
        let mut s = String::new();
        let _ = writeln!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"##
        );
        let _ = writeln!(s, r##"<rect width="{W}" height="{H}" fill="#fff"/>"##);
        let _ = writeln!(
            s,
            r##"<text x="{LEFT}" y="18" font-size="14">Latency distribution: {} (share of each row's requests per bucket, 10 buckets per decade)</text>"##,
            escape(&self.title)
        );
        // Axes, decade grid lines and labels.
        for d in (lo as i64)..=(hi as i64) {
            let x = x_of(d as f64);
            let label = match d {
                1 => "10 µs".to_owned(),
                2 => "100 µs".to_owned(),
                3 => "1 ms".to_owned(),
                4 => "10 ms".to_owned(),
                5 => "100 ms".to_owned(),
                6 => "1 s".to_owned(),
                7 => "10 s".to_owned(),
                _ => "100 s".to_owned(),
            };
            let _ = writeln!(
                s,
                r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{label}</text>"##,
                TOP + plot_h,
                TOP + plot_h + 18.0
            );
        }
        for i in 0..=4 {
            let share = top * f64::from(i) / 4.0;
            let y = y_of(share);
            let _ = writeln!(
                s,
                r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="end">{share:.0} %</text>"##,
                LEFT + plot_w,
                LEFT - 6.0,
                y + 4.0
            );
        }
        let _ = writeln!(
            s,
            r##"<rect x="{LEFT}" y="{TOP}" width="{plot_w:.1}" height="{plot_h:.1}" fill="none" stroke="#333"/>"##
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">latency (log scale)</text>"##,
            LEFT + plot_w / 2.0,
            H - 8.0
        );
        for (i, (name, counts)) in series.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let points: Vec<String> = counts
                .iter()
                .enumerate()
                .map(|(b, c)| {
                    let x = x_of(lo + (b as f64 + 0.5) / PER_DECADE);
                    format!("{x:.1},{:.1}", y_of(*c))
                })
                .collect();
            let _ = writeln!(
                s,
                r##"<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{}"/>"##,
                points.join(" ")
            );
            let ly = TOP + 14.0 + 18.0 * i as f64;
            let lx = LEFT + plot_w + 14.0;
            let _ = writeln!(
                s,
                r##"<line x1="{lx:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="3"/><text x="{:.1}" y="{ly:.1}">{}</text>"##,
                ly - 4.0,
                lx + 18.0,
                ly - 4.0,
                lx + 24.0,
                escape(name)
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The machine in one line: cores, CPU model, memory.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1048576.0);
    format!("{cores} cores (nproc), {model}, {mem_gib:.1} GiB memory")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Sample;

    fn phase(name: &'static str, ms: u64) -> Phase {
        let mut recorder = Recorder::default();
        for i in 0..100 {
            recorder.record(Sample {
                endpoint: name,
                latency: Duration::from_micros(ms * 1000 + i),
                outcome: "200".to_owned(),
                error: false,
            });
        }
        Phase {
            name: name.to_owned(),
            recorder,
            wall: Duration::from_secs(1),
        }
    }

    #[test]
    fn rates_are_given_against_the_ceiling_and_the_svg_has_a_line_per_row() {
        let report = Report {
            title: "test".to_owned(),
            command: "x".to_owned(),
            setup: vec![],
            ceiling: phase("/healthz", 1),
            phases: vec![phase("read: a", 5), phase("read: b", 50)],
            servers: vec![],
            rush_wall: Duration::from_secs(1),
            client_rush_cpu: 0.0,
            invariants: None,
        };
        assert!((report.ceiling_rate() - 100.0).abs() < 1e-6);
        let table = report.table();
        assert!(
            table.contains("| read: a | 100 | 100 | 100.0 % |"),
            "{table}"
        );
        let svg = report.svg();
        assert_eq!(svg.matches("<polyline").count(), 3);
    }
}
