//! A quick load run against a running hallway: signs up attendees, then every attendee adds
//! sessions to their agenda at once (the keynote rush), and the same number of `/healthz`
//! requests is timed at the same concurrency as the machine's ceiling for this client.
//! Reports numbers only; it checks nothing (tests do that).
//!
//! ```sh
//! HALLWAY_ARGON2_MEMORY_KIB=64 HALLWAY_ARGON2_PASSES=1 \
//!   cargo run --release -- demo --db sqlite:///tmp/load.db --attendees 0 --listen 127.0.0.1:8090 &
//! cargo run --release -p hallway --example quick_load -- http://127.0.0.1:8090 2000 6 64
//! ```
//!
//! Several instances of one deployment: give their addresses separated by commas; requests
//! alternate between them.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // a measuring script, not product code

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Semaphore;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn run<F, Fut>(n: usize, concurrency: usize, make: F) -> (Duration, Vec<Duration>, Vec<u16>)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = u16> + Send + 'static,
{
    let gate = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        let permit = gate.clone().acquire_owned().await.unwrap();
        let fut = make(i);
        set.spawn(async move {
            let t = Instant::now();
            let status = fut.await;
            drop(permit);
            (t.elapsed(), status)
        });
    }
    let mut latencies = Vec::with_capacity(n);
    let mut statuses = Vec::with_capacity(n);
    while let Some(r) = set.join_next().await {
        let (d, s) = r.unwrap();
        latencies.push(d);
        statuses.push(s);
    }
    latencies.sort();
    (started.elapsed(), latencies, statuses)
}

fn report(
    name: &str,
    wall: Duration,
    lat: &[Duration],
    statuses: &[u16],
    ceiling: Option<f64>,
) -> f64 {
    let rate = lat.len() as f64 / wall.as_secs_f64();
    let mut counts = std::collections::BTreeMap::new();
    for s in statuses {
        *counts.entry(*s).or_insert(0) += 1;
    }
    let ratio = ceiling
        .map(|c| format!(" ({:.0} % of /healthz)", 100.0 * rate / c))
        .unwrap_or_default();
    println!(
        "{name:<14} {:>7} req in {:>6.2} s = {:>8.0} req/s{ratio}; p50 {:>6.2} ms, p95 {:>6.2} ms, p99 {:>6.2} ms; statuses {counts:?}",
        lat.len(),
        wall.as_secs_f64(),
        rate,
        percentile(lat, 0.50).as_secs_f64() * 1e3,
        percentile(lat, 0.95).as_secs_f64() * 1e3,
        percentile(lat, 0.99).as_secs_f64() * 1e3,
    );
    rate
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Several instances: comma-separated; request i goes to instance i mod n.
    let bases: Arc<Vec<String>> = Arc::new(
        args.get(1)
            .map_or("http://127.0.0.1:8090", String::as_str)
            .split(',')
            .map(|b| b.trim_end_matches('/').to_owned())
            .collect(),
    );
    let base = bases[0].clone();
    let at = {
        let bases = Arc::clone(&bases);
        move |i: usize| bases[i % bases.len()].clone()
    };
    let attendees: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let adds: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(6);
    let concurrency: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(64);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();

    // Sessions still ahead (days two and three), breaks left out.
    let conf: Value = client
        .get(format!("{base}/api/v1/conferences/demo"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut ahead: Vec<i64> = Vec::new();
    for day in conf["days"].as_array().unwrap().iter().skip(1) {
        let list: Value = client
            .get(format!(
                "{base}/api/v1/conferences/demo/sessions?day={}",
                day.as_str().unwrap()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ahead.extend(
            list.as_array()
                .unwrap()
                .iter()
                .filter(|s| s["kind"] != "break")
                .map(|s| s["id"].as_i64().unwrap()),
        );
    }
    println!(
        "{attendees} attendees x {adds} adds over {} sessions, {concurrency} connections, {} instance(s)",
        ahead.len(),
        bases.len()
    );

    let run_id = std::process::id();
    let tokens = Arc::new(std::sync::Mutex::new(vec![String::new(); attendees]));
    let (wall, lat, st) = run(attendees, concurrency, |i| {
        let client = client.clone();
        let url = format!("{}/api/v1/auth/signup", at(i));
        let tokens = Arc::clone(&tokens);
        async move {
            let Ok(r) = client
                .post(url)
                .json(&serde_json::json!({"email": format!("load{run_id}-{i}@load.invalid"), "password": "load test password", "name": format!("Load {i}")}))
                .send()
                .await
            else {
                return 0;
            };
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            tokens.lock().unwrap()[i] = v["token"].as_str().unwrap_or_default().to_owned();
            status
        }
    })
    .await;
    report("signup", wall, &lat, &st, None);
    let tokens: Arc<Vec<String>> = Arc::new(tokens.lock().unwrap().clone());

    let n = attendees * adds;
    let (wall, lat, st) = run(n, concurrency, |j| {
        let client = client.clone();
        let url = format!("{}/healthz", at(j));
        async move {
            client
                .get(url)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    })
    .await;
    let ceiling = report("/healthz", wall, &lat, &st, None);

    // Attendee i adds sessions i*7+k*13 (mod the pool): a spread with some overlaps.
    let ahead = Arc::new(ahead);
    let (wall, lat, st) = run(n, concurrency, |j| {
        let client = client.clone();
        let (i, k) = (j % attendees, j / attendees);
        let session = ahead[(i * 7 + k * 13) % ahead.len()];
        let url = format!("{}/api/v1/conferences/demo/agenda/{session}", at(j));
        let token = tokens[i].clone();
        async move {
            client
                .put(url)
                .bearer_auth(token)
                .json(&serde_json::json!({"waitlist": true}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    })
    .await;
    report("agenda PUT", wall, &lat, &st, Some(ceiling));

    let (wall, lat, st) = run(attendees, concurrency, |i| {
        let client = client.clone();
        let url = format!("{}/api/v1/conferences/demo/agenda", at(i));
        let token = tokens[i].clone();
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    })
    .await;
    report("agenda GET", wall, &lat, &st, Some(ceiling));

    let (wall, lat, st) = run(attendees.min(2000), concurrency, |i| {
        let client = client.clone();
        let url = format!("{}/api/v1/conferences/demo/sessions", at(i));
        async move {
            client
                .get(url)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    })
    .await;
    report("program GET", wall, &lat, &st, Some(ceiling));
}
