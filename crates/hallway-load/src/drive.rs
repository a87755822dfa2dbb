//! The HTTP side of a run: a fixed number of concurrent workers (one connection each, as
//! far as the client's pool goes) take jobs from a shared counter until all are done. A
//! job is one request, or one attendee's whole rush (read the program, then add sessions
//! one after another), and answers its samples and an optional value (a token, say).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::Value;

use crate::plan::Journey;
use crate::stats::{Recorder, Sample};

/// Where requests go: the instances' base URLs, taken in turn.
#[derive(Clone, Debug)]
pub struct Target {
    /// The HTTP client (one pool for all workers).
    pub client: reqwest::Client,
    /// Base URLs without a trailing slash; request `k` of attendee `i` goes to
    /// `bases[(i + k) % len]`.
    pub bases: Arc<Vec<String>>,
    /// The conference's slug.
    pub slug: Arc<str>,
}

impl Target {
    /// The base URL for request `k` of job `i`.
    pub fn base(&self, i: usize, k: usize) -> &str {
        &self.bases[(i + k) % self.bases.len()]
    }
}

/// A response as far as the measurements need it.
#[derive(Debug)]
pub struct Answer {
    /// The status code; 0 for a transport error.
    pub status: u16,
    /// The body (empty after a transport error).
    pub body: Vec<u8>,
    /// From sending to the last byte of the body.
    pub latency: Duration,
}

/// Sends `request` and reads the whole body, timing both.
pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let started = Instant::now();
    let result = async {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let body = response.bytes().await?;
        Ok::<_, reqwest::Error>((status, body.to_vec()))
    }
    .await;
    let latency = started.elapsed();
    match result {
        Ok((status, body)) => Answer {
            status,
            body,
            latency,
        },
        Err(_) => Answer {
            status: 0,
            body: Vec::new(),
            latency,
        },
    }
}

/// A sample of `answer` for `endpoint`: its status is its outcome, and any status but
/// `expected` is an error.
pub fn plain_sample(endpoint: &'static str, answer: &Answer, expected: u16) -> Sample {
    Sample {
        endpoint,
        latency: answer.latency,
        outcome: status_label(answer.status),
        error: answer.status != expected,
    }
}

fn status_label(status: u16) -> String {
    if status == 0 {
        "transport error".to_owned()
    } else {
        status.to_string()
    }
}

/// Runs `jobs` jobs on `concurrency` workers; answers the merged samples, each job's value
/// (by job index) and the wall time.
pub async fn run_phase<F, Fut, T>(
    jobs: usize,
    concurrency: usize,
    job: F,
) -> anyhow::Result<(Recorder, Vec<T>, Duration)>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = (Vec<Sample>, T)> + Send + 'static,
    T: Send + Default + 'static,
{
    let job = Arc::new(job);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let job = Arc::clone(&job);
        let next = Arc::clone(&next);
        workers.spawn(async move {
            let mut recorder = Recorder::default();
            let mut values = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= jobs {
                    break;
                }
                let (samples, value) = job(i).await;
                for s in samples {
                    recorder.record(s);
                }
                values.push((i, value));
            }
            (recorder, values)
        });
    }
    let mut recorder = Recorder::default();
    let mut values: Vec<T> = std::iter::repeat_with(T::default).take(jobs).collect();
    while let Some(done) = workers.join_next().await {
        let (r, v) = done.context("a load worker panicked")?;
        recorder.merge(r);
        for (i, value) in v {
            values[i] = value;
        }
    }
    Ok((recorder, values, started.elapsed()))
}

/// The row names of the rush.
pub mod rows {
    /// The program JSON each attendee reads first.
    pub const RUSH_PROGRAM: &str = "rush: program JSON";
    /// First attempts of `PUT …/agenda/{id}`.
    pub const RUSH_ADD: &str = "rush: add (PUT agenda)";
    /// `{"waitlist":true}` after a full session.
    pub const RUSH_WAITLIST: &str = "rush: add, waitlist retry";
    /// `{"replace":[…]}` after a clash.
    pub const RUSH_REPLACE: &str = "rush: add, replace retry";
}

/// How an add was answered.
#[derive(Debug, PartialEq, Eq)]
enum AddOutcome {
    Done,
    Full,
    Conflict(Vec<i64>),
    Other,
}

fn classify_add(endpoint: &'static str, answer: &Answer) -> (Sample, AddOutcome) {
    let (label, outcome) = match answer.status {
        201 => ("201 reserved".to_owned(), AddOutcome::Done),
        200 => ("200 already reserved".to_owned(), AddOutcome::Done),
        202 => ("202 waitlisted".to_owned(), AddOutcome::Done),
        409 => {
            let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
            let kind = body["type"]
                .as_str()
                .and_then(|t| t.rsplit('/').next())
                .unwrap_or("?")
                .to_owned();
            match kind.as_str() {
                "full" => ("409 full".to_owned(), AddOutcome::Full),
                "conflict" => {
                    let ids = body["conflicts"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|s| s["id"].as_i64()).collect())
                        .unwrap_or_default();
                    ("409 conflict".to_owned(), AddOutcome::Conflict(ids))
                }
                _ => (format!("409 {kind}"), AddOutcome::Other),
            }
        }
        s => (status_label(s), AddOutcome::Other),
    };
    let error = outcome == AddOutcome::Other;
    (
        Sample {
            endpoint,
            latency: answer.latency,
            outcome: label,
            error,
        },
        outcome,
    )
}

/// One attendee's rush: read the program, then each add in turn, with at most one retry
/// (waitlist after full, replace after a clash — and after a replace found the session
/// full, the waitlist if this attendee queues).
pub async fn rush(target: &Target, i: usize, token: &str, journey: &Journey) -> Vec<Sample> {
    let mut samples = Vec::with_capacity(1 + 2 * journey.adds.len());
    let mut k = 0usize;
    let program = format!(
        "{}/api/v1/conferences/{}/sessions",
        target.base(i, k),
        target.slug
    );
    let answer = send(target.client.get(program)).await;
    samples.push(plain_sample(rows::RUSH_PROGRAM, &answer, 200));
    for add in &journey.adds {
        let put = |k: usize, body: Value| {
            let url = format!(
                "{}/api/v1/conferences/{}/agenda/{}",
                target.base(i, k),
                target.slug,
                add.session
            );
            target.client.put(url).bearer_auth(token).json(&body)
        };
        k += 1;
        let (sample, outcome) =
            classify_add(rows::RUSH_ADD, &send(put(k, serde_json::json!({}))).await);
        samples.push(sample);
        let outcome = match outcome {
            AddOutcome::Conflict(ids) if add.replace_if_conflict => {
                k += 1;
                let (sample, outcome) = classify_add(
                    rows::RUSH_REPLACE,
                    &send(put(k, serde_json::json!({ "replace": ids }))).await,
                );
                samples.push(sample);
                outcome
            }
            other => other,
        };
        if outcome == AddOutcome::Full && add.waitlist_if_full {
            k += 1;
            let (sample, _) = classify_add(
                rows::RUSH_WAITLIST,
                &send(put(k, serde_json::json!({ "waitlist": true }))).await,
            );
            samples.push(sample);
        }
    }
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
            latency: Duration::from_millis(1),
        }
    }

    #[test]
    fn refusals_are_told_apart_by_their_problem_type() {
        let (s, o) = classify_add(
            "x",
            &answer(
                409,
                r#"{"type":"/problems/conflict","conflicts":[{"id":4},{"id":9}]}"#,
            ),
        );
        assert_eq!(o, AddOutcome::Conflict(vec![4, 9]));
        assert!(!s.error);
        let (s, o) = classify_add("x", &answer(409, r#"{"type":"/problems/full"}"#));
        assert_eq!((o, s.outcome.as_str()), (AddOutcome::Full, "409 full"));
        let (s, _) = classify_add("x", &answer(409, r#"{"type":"/problems/closed"}"#));
        assert!(s.error);
        let (s, _) = classify_add("x", &answer(0, ""));
        assert!(s.error);
    }

    #[tokio::test]
    async fn every_job_runs_once() {
        let (rec, values, _) = run_phase(100, 7, |i| async move {
            let s = Sample {
                endpoint: "x",
                latency: Duration::from_micros(5),
                outcome: "ok".to_owned(),
                error: false,
            };
            (vec![s], i * 2)
        })
        .await
        .unwrap();
        assert_eq!(rec.endpoints["x"].requests(), 100);
        assert_eq!(values, (0..100).map(|i| i * 2).collect::<Vec<_>>());
    }
}
