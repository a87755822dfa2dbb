//! What a run measures: latencies per endpoint in HDR histograms, answers by outcome, and
//! the server processes' peak memory and CPU time read from `/proc`.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

/// Slowest latency a histogram holds, in microseconds (longer ones are clamped to it).
const MAX_MICROS: u64 = 120_000_000;

/// One answered (or failed) request.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The table row it belongs to ("rush: add", "read: my agenda", …).
    pub endpoint: &'static str,
    /// From sending to the last byte of the body.
    pub latency: Duration,
    /// The outcome as the status breakdown shows it ("201 reserved", "409 full", …).
    pub outcome: String,
    /// Whether the outcome was not one the endpoint may answer (a transport error, a 5xx, an
    /// unexpected status).
    pub error: bool,
}

/// The measurements of one table row.
#[derive(Clone, Debug)]
pub struct EndpointStats {
    /// Latencies in microseconds.
    pub latencies: Histogram<u64>,
    /// Requests by outcome.
    pub outcomes: BTreeMap<String, u64>,
    /// Requests whose outcome counts as an error.
    pub errors: u64,
}

impl EndpointStats {
    fn new() -> Self {
        Self {
            // Three significant figures from 1 µs to two minutes: a few hundred KiB.
            latencies: Histogram::new_with_bounds(1, MAX_MICROS, 3)
                .expect("constant bounds within hdrhistogram's limits"),
            outcomes: BTreeMap::new(),
            errors: 0,
        }
    }

    /// Requests recorded.
    pub fn requests(&self) -> u64 {
        self.latencies.len()
    }

    /// The latency at `quantile` (0..=1).
    pub fn at(&self, quantile: f64) -> Duration {
        Duration::from_micros(self.latencies.value_at_quantile(quantile))
    }

    /// The slowest latency.
    pub fn max(&self) -> Duration {
        Duration::from_micros(self.latencies.max())
    }
}

/// Samples gathered by one worker, or all of them merged.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    /// Per table row, by name.
    pub endpoints: BTreeMap<&'static str, EndpointStats>,
}

impl Recorder {
    /// Adds one sample.
    pub fn record(&mut self, s: Sample) {
        let e = self
            .endpoints
            .entry(s.endpoint)
            .or_insert_with(EndpointStats::new);
        let micros = u64::try_from(s.latency.as_micros())
            .unwrap_or(MAX_MICROS)
            .clamp(1, MAX_MICROS);
        e.latencies.saturating_record(micros);
        *e.outcomes.entry(s.outcome).or_insert(0) += 1;
        if s.error {
            e.errors += 1;
        }
    }

    /// Adds everything `other` recorded.
    pub fn merge(&mut self, other: Self) {
        for (name, o) in other.endpoints {
            let e = self
                .endpoints
                .entry(name)
                .or_insert_with(EndpointStats::new);
            // Same bounds on both sides, so adding cannot fail.
            let _ = e.latencies.add(&o.latencies);
            for (k, n) in o.outcomes {
                *e.outcomes.entry(k).or_insert(0) += n;
            }
            e.errors += o.errors;
        }
    }
}

/// CPU time and memory of one process, from `/proc`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProcSnapshot {
    /// User plus system CPU time of all its threads, seconds.
    pub cpu_seconds: f64,
    /// Peak resident set size (VmHWM), bytes.
    pub peak_rss: u64,
}

/// Clock ticks per second of `/proc/PID/stat` (USER_HZ, 100 on every Linux build we run on).
const USER_HZ: f64 = 100.0;

/// Reads `pid`'s CPU time and peak RSS; `None` when the process is gone or not Linux.
pub fn snapshot(pid: u32) -> Option<ProcSnapshot> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    // Field 3 (state) is the first after it; utime and stime are fields 14 and 15.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    Some(ProcSnapshot {
        cpu_seconds: (utime + stime) / USER_HZ,
        peak_rss: peak_kib * 1024,
    })
}

/// Reads this process's own CPU time and peak RSS.
pub fn own_snapshot() -> Option<ProcSnapshot> {
    snapshot(std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_has_memory_and_cpu() {
        let s = own_snapshot().unwrap();
        assert!(s.peak_rss > 0);
        assert!(s.cpu_seconds >= 0.0);
    }

    #[test]
    fn merged_recorders_add_up() {
        let sample = |ms, error| Sample {
            endpoint: "x",
            latency: Duration::from_millis(ms),
            outcome: "200".to_owned(),
            error,
        };
        let mut a = Recorder::default();
        a.record(sample(1, false));
        let mut b = Recorder::default();
        b.record(sample(10, true));
        a.merge(b);
        let x = &a.endpoints["x"];
        assert_eq!(x.requests(), 2);
        assert_eq!(x.errors, 1);
        assert_eq!(x.outcomes["200"], 2);
        assert!(x.max() >= Duration::from_millis(10));
    }
}
