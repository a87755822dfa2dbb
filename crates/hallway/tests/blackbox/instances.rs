//! Several `hallway serve` processes on one PostgreSQL database, as behind a load balancer:
//! races of real clients spread over two instances keep every invariant (DESIGN.md 1–4),
//! live events reach clients of any instance exactly once, and log-ins, tokens and the
//! log-in limits hold on every instance.
//!
//! PostgreSQL only (SQLite serves one process): without `HALLWAY_TEST_DATABASE_URL` each
//! test says it was skipped.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{Events, Instance, TestApp};
use hallway_store::testing::TestDb;
use serde_json::{Value, json};

/// The two instances of one deployment, as a client sees them.
struct Pair {
    a: TestApp,
    b: Instance,
}

impl Pair {
    /// A demo server (instance A) and a second `serve` process (B) on the same PostgreSQL
    /// database, both sharing live events; `None` (skipped) without PostgreSQL.
    async fn start(test: &str) -> Option<Self> {
        let db = TestDb::postgres(test).await?;
        let env = [("HALLWAY_REMINDER_TICK_MS", "200")];
        let a = TestApp::start_with_env(
            db,
            &["demo", "--attendees", "0", "--listen", "127.0.0.1:0"],
            &env,
        )
        .await;
        let b = a.another_instance(&env).await;
        let pair = Self { a, b };
        pair.wait_until_shared().await;
        Some(pair)
    }

    /// Waits until both instances say they share live events (`/healthz`).
    async fn wait_until_shared(&self) {
        for base in [self.base(0), self.base(1)] {
            wait_for(&format!("{base} shares live events"), || async {
                let health: Value = reqwest::get(format!("{base}/healthz"))
                    .await
                    .ok()?
                    .json()
                    .await
                    .ok()?;
                (health["live"] == "shared").then_some(())
            })
            .await;
        }
    }

    fn base(&self, instance: usize) -> &str {
        if instance.is_multiple_of(2) {
            &self.a.base
        } else {
            &self.b.base
        }
    }

    fn url(&self, instance: usize, path: &str) -> String {
        format!("{}{path}", self.base(instance))
    }

    fn client(&self, instance: usize) -> reqwest::Client {
        if instance.is_multiple_of(2) {
            self.a.client.clone()
        } else {
            self.b.client.clone()
        }
    }

    /// `METHOD path` on `instance` with a bearer token; answers status and JSON body.
    async fn call(
        &self,
        instance: usize,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .client(instance)
            .request(method, self.url(instance, path))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Signs up `n` attendees, alternating instances; answers their tokens.
    async fn signup_many(&self, prefix: &str, n: usize) -> Vec<String> {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..n {
            let (client, url) = (self.client(i), self.url(i, "/api/v1/auth/signup"));
            let email = format!("{prefix}{i}@test.invalid");
            set.spawn(async move {
                let r = client
                    .post(url)
                    .json(&json!({"email": email, "password": "correct horse battery", "name": email}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201, "signing up {email}");
                let v: Value = r.json().await.unwrap();
                (i, v["token"].as_str().unwrap().to_owned())
            });
        }
        let mut tokens = vec![String::new(); n];
        while let Some(done) = set.join_next().await {
            let (i, t) = done.unwrap();
            tokens[i] = t;
        }
        tokens
    }
}

/// Polls `check` every 50 ms until it answers `Some`, for at most 60 s (then fails naming
/// `what`). A deadline for a test that would otherwise hang, not a timing assertion.
async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited 60 s for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The live events one client has received, in order: `(event name, data)`.
async fn listen(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
) -> (Events, tokio::task::JoinHandle<()>) {
    common::listen(client, base, token, None).await
}

/// A talk on day `day` other than `not`, for marking the end of a phase.
async fn another_talk(app: &TestApp, day: usize, not: &[i64]) -> i64 {
    let conf = app.json("/api/v1/conferences/demo").await;
    let day = conf["days"][day].as_str().unwrap();
    let talks = app
        .json(&format!(
            "/api/v1/conferences/demo/sessions?day={day}&kind=talk"
        ))
        .await;
    talks
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .find(|id| !not.contains(id))
        .unwrap()
}

async fn set_capacity(pair: &Pair, organizer: &str, session: i64, capacity: u32) {
    let (status, body) = pair
        .call(
            0,
            reqwest::Method::PUT,
            &format!("/api/v1/conferences/demo/sessions/{session}/capacity"),
            organizer,
            Some(json!({ "capacity": capacity })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// The user id behind `token` (read from `/api/v1/me` on `instance`).
async fn user_id(pair: &Pair, instance: usize, token: &str) -> i64 {
    let (status, me) = pair
        .call(instance, reqwest::Method::GET, "/api/v1/me", token, None)
        .await;
    assert_eq!(status, 200);
    me["id"].as_i64().unwrap()
}

/// After everything each instance published before now has reached `clients`: marks on
/// both instances (an attendee adds `marker`, then removes it, on each) and waits until
/// every client saw the seat counts of both marks. Events of one instance arrive in the
/// order it published them, so anything published earlier has arrived too.
async fn settle(pair: &Pair, clients: &[Events], marker: i64, token: &str) {
    for instance in 0..2 {
        let before: Vec<usize> = clients.iter().map(|c| c.count("seats", marker)).collect();
        let path = format!("/api/v1/conferences/demo/agenda/{marker}");
        let (status, body) = pair
            .call(
                instance,
                reqwest::Method::PUT,
                &path,
                token,
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        wait_for("every client sees the marker", || {
            let ok = clients
                .iter()
                .zip(&before)
                .all(|(c, n)| c.count("seats", marker) > *n);
            async move { ok.then_some(()) }
        })
        .await;
        let (status, _) = pair
            .call(instance, reqwest::Method::DELETE, &path, token, None)
            .await;
        assert_eq!(status, 204);
    }
}

/// DESIGN.md invariants 1–3 with 1,000 clients spread over two instances: 900 race for a
/// 100-seat session (waitlist on), 100 race two overlapping sessions, one on each instance;
/// then 50 holders cancel at once and the first 50 waiting are promoted in order, each told
/// exactly once on the live stream of the *other* instance and once in their notifications.
#[tokio::test]
async fn two_instances_race_a_thousand_clients() {
    let Some(pair) = Pair::start("two_instances_race_a_thousand_clients").await else {
        return;
    };
    let organizer = pair.a.organizer().await;
    let (session, _) = common::twin_talks(&pair.a, 1).await;
    let (left, right) = common::twin_talks(&pair.a, 2).await;
    set_capacity(&pair, &organizer, session, 100).await;
    set_capacity(&pair, &organizer, left, 1000).await;
    set_capacity(&pair, &organizer, right, 1000).await;
    let tokens = pair.signup_many("multi", 1000).await;
    let (waiters, doubles) = tokens.split_at(900);

    // Everybody at once: 900 PUTs on `session`, and 2 × 100 PUTs on the overlapping pair.
    let mut set = tokio::task::JoinSet::new();
    for (i, token) in waiters.iter().enumerate() {
        let (client, url) = (
            pair.client(i),
            pair.url(i, &format!("/api/v1/conferences/demo/agenda/{session}")),
        );
        let token = token.clone();
        set.spawn(async move {
            let r = client
                .put(url)
                .bearer_auth(token)
                .json(&json!({ "waitlist": true }))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            ("wait", i, status, r.json::<Value>().await.unwrap())
        });
    }
    for (i, token) in doubles.iter().enumerate() {
        for (instance, target) in [(i, left), (i + 1, right)] {
            let (client, url) = (
                pair.client(instance),
                pair.url(
                    instance,
                    &format!("/api/v1/conferences/demo/agenda/{target}"),
                ),
            );
            let token = token.clone();
            set.spawn(async move {
                let r = client
                    .put(url)
                    .bearer_auth(token)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                ("double", i, status, r.json::<Value>().await.unwrap())
            });
        }
    }
    let mut reserved = BTreeSet::new();
    let mut positions = BTreeMap::new();
    let mut doubles_seen: BTreeMap<usize, Vec<u16>> = BTreeMap::new();
    while let Some(done) = set.join_next().await {
        let (group, i, status, body) = done.unwrap();
        match (group, status) {
            ("wait", 201) => {
                reserved.insert(i);
            }
            ("wait", 202) => {
                let p = body["position"].as_u64().unwrap();
                assert!(positions.insert(p, i).is_none(), "position {p} given twice");
            }
            ("double", 201 | 409) => doubles_seen.entry(i).or_default().push(status),
            _ => panic!("{group} {i}: unexpected {status} {body}"),
        }
    }
    assert_eq!(reserved.len(), 100, "exactly the capacity is reserved");
    assert_eq!(
        positions.keys().copied().collect::<Vec<_>>(),
        (1..=800).collect::<Vec<_>>(),
        "waitlist positions 1..800, each once"
    );
    for (i, mut statuses) in doubles_seen.clone() {
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [201, 409],
            "client {i}: one of the overlapping pair"
        );
    }
    assert_eq!(doubles_seen.len(), 100);
    pair.a.assert_invariants().await;

    // The first 60 waiting listen on the instance they did not queue on.
    let mut streams = Vec::new();
    let mut tasks = Vec::new();
    for p in 1..=60u64 {
        let i = positions[&p];
        let (events, task) = listen(&pair.client(i + 1), pair.base(i + 1), Some(&waiters[i])).await;
        streams.push((p, i, events));
        tasks.push(task);
    }
    // 50 holders cancel at once, half on each instance.
    let holders: Vec<usize> = reserved.iter().copied().take(50).collect();
    let mut set = tokio::task::JoinSet::new();
    for (n, &i) in holders.iter().enumerate() {
        let (client, url) = (
            pair.client(n),
            pair.url(n, &format!("/api/v1/conferences/demo/agenda/{session}")),
        );
        let token = waiters[i].clone();
        set.spawn(async move {
            client
                .delete(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    while let Some(s) = set.join_next().await {
        assert_eq!(s.unwrap(), 204);
    }
    let clients: Vec<Events> = streams.iter().map(|(_, _, e)| e.clone()).collect();
    let marker = another_talk(&pair.a, 2, &[left, right]).await;
    let marking = pair.signup_many("mark", 1).await.remove(0);
    settle(&pair, &clients, marker, &marking).await;

    let store = pair.a.store().await;
    let demo = store
        .conference(&hallway_domain::Slug::parse("demo").unwrap())
        .await
        .unwrap()
        .unwrap()
        .conference
        .id;
    for (p, i, events) in &streams {
        let promoted = *p <= 50;
        let want = usize::from(promoted);
        assert_eq!(
            events.count("promoted", session),
            want,
            "waiter at position {p}: promoted events on the live stream"
        );
        let id = user_id(&pair, *i, &waiters[*i]).await;
        let notes = store
            .notifications(demo, hallway_domain::UserId::new(id), 20)
            .await
            .unwrap();
        let told = notes
            .iter()
            .filter(|n| n.kind == "promoted" && n.session.map(|s| s.get()) == Some(session))
            .count();
        assert_eq!(
            told, want,
            "waiter at position {p}: promotion notifications"
        );
        let (_, mine) = pair
            .call(
                *i,
                reqwest::Method::GET,
                "/api/v1/conferences/demo/agenda",
                &waiters[*i],
                None,
            )
            .await;
        if promoted {
            assert!(
                mine["reserved"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["id"] == session),
                "position {p} has the seat"
            );
        } else {
            let now = mine["waitlisted"]
                .as_array()
                .unwrap()
                .iter()
                .find(|w| w["session"]["id"] == session)
                .unwrap()["position"]
                .as_u64()
                .unwrap();
            assert_eq!(now, p - 50, "the queue moved up in order");
        }
    }
    for task in tasks {
        task.abort();
    }
    pair.a.assert_invariants().await;
}

/// Invariant 4 across instances: both instances run the reminder scheduler; every reminder
/// is delivered once, whichever instance the attendee is connected to.
#[tokio::test]
async fn each_reminder_reaches_its_attendee_once_across_instances() {
    let Some(pair) = Pair::start("each_reminder_reaches_its_attendee_once_across_instances").await
    else {
        return;
    };
    let organizer = pair.a.organizer().await;
    // The next session that has not started (the demo always has one within the hour).
    let now = chrono::Utc::now();
    let sessions = pair.a.json("/api/v1/conferences/demo/sessions").await;
    let next = sessions
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] != "break")
        .filter(|s| {
            chrono::DateTime::parse_from_rfc3339(s["starts_at"].as_str().unwrap()).unwrap()
                > now + chrono::Duration::minutes(2)
        })
        .min_by_key(|s| s["starts_at"].as_str().unwrap().to_owned())
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    set_capacity(&pair, &organizer, next, 1000).await;
    let tokens = pair.signup_many("remind", 40).await;
    let mut clients = Vec::new();
    let mut tasks = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let (status, _) = pair
            .call(
                i,
                reqwest::Method::PUT,
                "/api/v1/me/reminders",
                t,
                Some(json!({ "minutes": null })),
            )
            .await;
        assert_eq!(status, 200);
        let (events, task) = listen(&pair.client(i + 1), pair.base(i + 1), Some(t)).await;
        clients.push(events);
        tasks.push(task);
        let path = format!("/api/v1/conferences/demo/agenda/{next}");
        let (status, body) = pair
            .call(i, reqwest::Method::PUT, &path, t, Some(json!({})))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    // A lead time of a day makes every reminder due at once, on both schedulers.
    for (i, t) in tokens.iter().enumerate() {
        let (status, _) = pair
            .call(
                i,
                reqwest::Method::PUT,
                "/api/v1/me/reminders",
                t,
                Some(json!({ "minutes": 1440 })),
            )
            .await;
        assert_eq!(status, 200);
    }
    wait_for("every attendee has a reminder", || {
        let ok = clients.iter().all(|c| c.count("reminder", next) >= 1);
        async move { ok.then_some(()) }
    })
    .await;
    // Both schedulers have ticked many times since the reminders were due; any second
    // delivery would have been published before these marks.
    let marking = pair.signup_many("mark", 1).await.remove(0);
    let marker = another_talk(&pair.a, 2, &[next]).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    settle(&pair, &clients, marker, &marking).await;
    for (i, c) in clients.iter().enumerate() {
        assert_eq!(c.count("reminder", next), 1, "attendee {i}: one reminder");
    }
    for task in tasks {
        task.abort();
    }
}

/// Seat counts changed on one instance reach anonymous viewers of the other, and a client
/// that stays connected while a seat count changes gets it once.
#[tokio::test]
async fn seat_counts_reach_viewers_of_every_instance() {
    let Some(pair) = Pair::start("seat_counts_reach_viewers_of_every_instance").await else {
        return;
    };
    let (session, _) = common::twin_talks(&pair.a, 1).await;
    let (on_a, task_a) = listen(&pair.client(0), pair.base(0), None).await;
    let (on_b, task_b) = listen(&pair.client(1), pair.base(1), None).await;
    let tokens = pair.signup_many("seat", 6).await;
    for (i, t) in tokens.iter().enumerate() {
        let path = format!("/api/v1/conferences/demo/agenda/{session}");
        let (status, _) = pair
            .call(i, reqwest::Method::PUT, &path, t, Some(json!({})))
            .await;
        assert_eq!(status, 201);
    }
    let seen = |e: &Events| {
        e.all()
            .iter()
            .filter(|(k, d)| k == "seats" && d["session"] == session)
            .map(|(_, d)| d["seats_left"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    wait_for("both viewers see six changes", || {
        let ok = seen(&on_a).len() >= 6 && seen(&on_b).len() >= 6;
        async move { ok.then_some(()) }
    })
    .await;
    let (a, b) = (seen(&on_a), seen(&on_b));
    assert_eq!(a.len(), 6, "viewer on A: each change once: {a:?}");
    assert_eq!(b.len(), 6, "viewer on B: each change once: {b:?}");
    let last = pair
        .a
        .json(&format!("/api/v1/conferences/demo/sessions/{session}"))
        .await["seats_left"]
        .as_i64()
        .unwrap();
    assert_eq!(a.iter().min(), Some(&last), "the final count arrives");
    assert_eq!(b.iter().min(), Some(&last));
    task_a.abort();
    task_b.abort();
}

/// A log-in made on one instance is good on the other, a log-out on the other ends it, API
/// tokens work everywhere, and ten failed log-ins lock the account on both instances.
#[tokio::test]
async fn log_ins_tokens_and_limits_hold_on_every_instance() {
    let Some(pair) = Pair::start("log_ins_tokens_and_limits_hold_on_every_instance").await else {
        return;
    };
    let token = pair.signup_many("acct", 1).await.remove(0);
    let email = "acct0@test.invalid";
    // Cookie log-in through A, used on B.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = browser
        .post(pair.url(0, "/api/v1/auth/login"))
        .json(&json!({"email": email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me = browser.get(pair.url(1, "/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 200, "the log-in of A is good on B");
    let r = browser
        .post(pair.url(1, "/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let me = browser.get(pair.url(0, "/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 401, "logged out on B is logged out on A");
    // The token from signing up (on instance 0) works on both.
    for instance in 0..2 {
        let (status, me) = pair
            .call(instance, reqwest::Method::GET, "/api/v1/me", &token, None)
            .await;
        assert_eq!(status, 200);
        assert_eq!(me["email"], email);
    }
    // Five wrong passwords, alternating instances, slow this address down on both.
    for attempt in 0..5 {
        let r = pair
            .client(attempt)
            .post(pair.url(attempt, "/api/v1/auth/login"))
            .json(&json!({"email": email, "password": "wrong wrong wrong"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "attempt {attempt}");
    }
    for instance in 0..2 {
        let r = pair
            .client(instance)
            .post(pair.url(instance, "/api/v1/auth/login"))
            .json(&json!({"email": email, "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429, "slowed down on instance {instance}");
        assert!(r.headers().contains_key("retry-after"));
    }
}

/// An instance whose listening connection drops still delivers every event of the other
/// instance (they are in the outbox; the connection only wakes it sooner), listens again,
/// and its clients have nothing to reload.
#[tokio::test]
async fn a_dropped_listener_loses_no_event() {
    let Some(pair) = Pair::start("a_dropped_listener_loses_no_event").await else {
        return;
    };
    let (session, _) = common::twin_talks(&pair.a, 1).await;
    let token = pair.signup_many("again", 1).await.remove(0);
    let (on_b, task) = listen(&pair.client(1), pair.base(1), None).await;
    let dropped = pair.a.store().await.debug_drop_listeners().await.unwrap();
    assert_eq!(dropped, 2, "one listener per instance");
    // A change made on A while B's wake-up connection is down: the outbox has it.
    let path = format!("/api/v1/conferences/demo/agenda/{session}");
    let (status, _) = pair
        .call(0, reqwest::Method::PUT, &path, &token, Some(json!({})))
        .await;
    assert_eq!(status, 201);
    wait_for("the seat change made on A reaches B", || {
        let ok = on_b.count("seats", session) == 1;
        async move { ok.then_some(()) }
    })
    .await;
    pair.wait_until_shared().await;
    let (status, _) = pair
        .call(0, reqwest::Method::DELETE, &path, &token, None)
        .await;
    assert_eq!(status, 204);
    wait_for("the next change reaches B too", || {
        let ok = on_b.count("seats", session) == 2;
        async move { ok.then_some(()) }
    })
    .await;
    assert!(
        !on_b.all().iter().any(|(k, _)| k == "resync"),
        "nothing was missed, so nothing to reload"
    );
    task.abort();
}
