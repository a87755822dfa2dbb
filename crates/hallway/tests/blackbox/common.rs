//! Black-box test harness: runs the real `hallway` binary on port 0 with a fresh database
//! and talks to it over HTTP, like a client would.

#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use hallway_store::testing::TestDb;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Runs `hallway ARGS --db URL` with `env`, waits for the line that gives the address;
/// answers the base URL and the process (killed when dropped).
async fn spawn(url: &str, args: &[&str], env: &[(&str, &str)]) -> (String, Child) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hallway"))
        .args(args)
        .arg("--db")
        .arg(url)
        .env("HALLWAY_LOG", "warn")
        // Cheap password hashing: tests sign up hundreds of attendees.
        .env("HALLWAY_ARGON2_MEMORY_KIB", "64")
        .env("HALLWAY_ARGON2_PASSES", "1")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("starting the hallway binary");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("reading stdout") {
            if let Some(rest) = line.strip_prefix("hallway is serving at ") {
                return rest.trim_end_matches('/').to_owned();
            }
        }
        panic!("hallway exited before serving");
    })
    .await
    .expect("hallway did not start serving within 60 s");
    // Keep draining stdout so the server never blocks on a full pipe; with
    // HALLWAY_TEST_SERVER_LOG set, what the server logs is shown on stderr.
    let show = std::env::var_os("HALLWAY_TEST_SERVER_LOG").is_some();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            if show {
                eprintln!("[server] {line}");
            }
        }
    });
    (base, child)
}

/// One more server process on a [`TestApp`]'s database; killed when dropped.
pub struct Instance {
    pub base: String,
    pub client: reqwest::Client,
    _child: Child,
}

impl Instance {
    /// The absolute URL of `path` on this instance.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A running server and the database behind it; both go away when dropped.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    child: Child,
    db: TestDb,
}

impl TestApp {
    /// `hallway demo --no-serve`-style start: builds the demo (without attendees, to be
    /// quick) into `db` and serves it on an ephemeral port.
    pub async fn demo(db: TestDb) -> Self {
        Self::start(db, &["demo", "--attendees", "0", "--listen", "127.0.0.1:0"]).await
    }

    /// Runs `hallway ARGS --db URL` and waits for the line that gives the address.
    pub async fn start(db: TestDb, args: &[&str]) -> Self {
        Self::start_with_env(db, args, &[]).await
    }

    /// [`Self::start`] with extra environment variables.
    pub async fn start_with_env(db: TestDb, args: &[&str], env: &[(&str, &str)]) -> Self {
        let (base, child) = spawn(&db.url_string(), args, env).await;
        Self {
            base,
            client: reqwest::Client::new(),
            child,
            db,
        }
    }

    /// Another `hallway serve` process on the same database, as a second instance behind a
    /// load balancer would be.
    pub async fn another_instance(&self, env: &[(&str, &str)]) -> Instance {
        let (base, child) = spawn(
            &self.db.url_string(),
            &["serve", "--listen", "127.0.0.1:0"],
            env,
        )
        .await;
        Instance {
            base,
            client: reqwest::Client::new(),
            _child: child,
        }
    }

    /// The database behind the server, to check invariants directly.
    pub async fn store(&self) -> hallway_store::Store {
        self.db.store().await
    }

    /// Kills the server with SIGKILL (no chance to clean up) and answers its database.
    pub async fn kill9(mut self) -> TestDb {
        self.child.start_kill().expect("sending SIGKILL");
        self.child
            .wait()
            .await
            .expect("waiting for the killed server");
        self.db
    }

    /// Signs up a new attendee; answers their bearer token.
    pub async fn signup(&self, email: &str) -> String {
        let r = self
            .client
            .post(self.url("/api/v1/auth/signup"))
            .json(&serde_json::json!({"email": email, "password": "correct horse battery", "name": email}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "signing up {email}");
        let v: serde_json::Value = r.json().await.unwrap();
        v["token"].as_str().unwrap().to_owned()
    }

    /// Signs up `n` attendees concurrently; answers their tokens in order.
    pub async fn signup_many(&self, prefix: &str, n: usize) -> Vec<String> {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..n {
            let client = self.client.clone();
            let url = self.url("/api/v1/auth/signup");
            let prefix = prefix.to_owned();
            set.spawn(async move {
                let r = client
                    .post(url)
                    .json(&serde_json::json!({"email": format!("{prefix}{i}@test.invalid"), "password": "correct horse battery", "name": format!("Attendee {i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                let v: serde_json::Value = r.json().await.unwrap();
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

    /// Runs `hallway ARGS --db <this server's database>`; answers success, stdout, stderr.
    pub fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hallway"))
            .args(args)
            .arg("--db")
            .arg(self.db.url_string())
            .env("HALLWAY_LOG", "warn")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// An account made with `hallway user add --role ROLE [--conference SLUG]` (password
    /// "role password"); answers a bearer token from logging in.
    pub async fn user(&self, email: &str, role: &str, conference: Option<&str>) -> String {
        use std::io::Write;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hallway"));
        cmd.args(["user", "add", "--email", email, "--role", role]);
        if let Some(c) = conference {
            cmd.args(["--conference", c]);
        }
        let mut child = cmd
            .arg("--db")
            .arg(self.db.url_string())
            .env("HALLWAY_ARGON2_MEMORY_KIB", "64")
            .env("HALLWAY_ARGON2_PASSES", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"role password\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "user add {email} {role} failed");
        let r = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": "role password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        v["token"].as_str().unwrap().to_owned()
    }

    /// A client holding the log-in cookie of `email` (made by [`TestApp::user`]), for pages.
    pub async fn browser(&self, email: &str) -> reqwest::Client {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": "role password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        client
    }

    /// An organizer of the demo conference, made with `hallway user add`; answers a token.
    pub async fn organizer(&self) -> String {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hallway"))
            .args([
                "user",
                "add",
                "--email",
                "org@test.invalid",
                "--role",
                "organizer",
                "--conference",
                "demo",
                "--db",
            ])
            .arg(self.db.url_string())
            .env("HALLWAY_ARGON2_MEMORY_KIB", "64")
            .env("HALLWAY_ARGON2_PASSES", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"organizer password\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "user add failed");
        assert!(String::from_utf8_lossy(&out.stdout).contains("is organizer of demo"));
        let r = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(
                &serde_json::json!({"email": "org@test.invalid", "password": "organizer password"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        v["token"].as_str().unwrap().to_owned()
    }

    /// `PUT` (or `DELETE` with `body: None` and `delete: true`) with a bearer token;
    /// answers the status and the JSON body (Null when empty).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let json = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        };
        (status, json)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the request reaches the server")
    }

    pub async fn json(&self, path: &str) -> serde_json::Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.expect("a JSON body")
    }

    pub async fn html(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        let ct = r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        assert!(ct.starts_with("text/html"), "GET {path}: {ct}");
        r.text().await.expect("a text body")
    }

    /// Sends SIGTERM and waits for the process to exit; answers its exit status.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("a running child");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("running kill");
        assert!(status.success());
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("hallway did not stop within 30 s of SIGTERM")
            .expect("waiting for hallway")
    }
}

/// Two talks of the demo's day `day` (0-based) that start at the same time in different
/// rooms (they overlap), as ids.
pub async fn twin_talks(app: &TestApp, day: usize) -> (i64, i64) {
    let conf = app.json("/api/v1/conferences/demo").await;
    let day = conf["days"][day].as_str().unwrap();
    let talks = app
        .json(&format!(
            "/api/v1/conferences/demo/sessions?day={day}&kind=talk"
        ))
        .await;
    let talks = talks.as_array().unwrap();
    let first = &talks[0];
    let twin = talks
        .iter()
        .find(|s| s["starts_at"] == first["starts_at"] && s["id"] != first["id"])
        .unwrap();
    (first["id"].as_i64().unwrap(), twin["id"].as_i64().unwrap())
}

impl TestApp {
    /// Checks DESIGN.md invariants 1 and 2 in the demo conference's database.
    pub async fn assert_invariants(&self) {
        let store = self.store().await;
        let demo = store
            .conference(&hallway_domain::Slug::parse("demo").unwrap())
            .await
            .unwrap()
            .unwrap()
            .conference
            .id;
        assert_eq!(
            store.seat_violations(demo).await.unwrap(),
            vec![],
            "invariant 1: seats"
        );
        assert_eq!(
            store.double_bookings(demo).await.unwrap(),
            vec![],
            "invariant 2: double-booking"
        );
    }
}

/// Runs a black-box test body against a demo server on SQLite, and on PostgreSQL when
/// HALLWAY_TEST_DATABASE_URL is set.
#[macro_export]
macro_rules! server_test {
    ($name:ident, |$app:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let $app = common::TestApp::demo(hallway_store::testing::TestDb::sqlite()).await;
                $body.await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(db) = hallway_store::testing::TestDb::postgres(concat!(
                    module_path!(),
                    "::",
                    stringify!($name)
                ))
                .await
                else {
                    return;
                };
                let $app = common::TestApp::demo(db).await;
                $body.await;
            }
        }
    };
}

/// The events a live stream received: (`id:`, `event:`, parsed `data:`), in order.
#[derive(Clone, Default)]
pub struct Events(std::sync::Arc<std::sync::Mutex<Vec<(String, String, serde_json::Value)>>>);

impl Events {
    /// Every event so far as (name, data).
    pub fn all(&self) -> Vec<(String, serde_json::Value)> {
        self.with_ids()
            .into_iter()
            .map(|(_, n, d)| (n, d))
            .collect()
    }

    /// Every event so far as (id, name, data).
    pub fn with_ids(&self) -> Vec<(String, String, serde_json::Value)> {
        self.0.lock().unwrap().clone()
    }

    /// How many `kind` events about `session` arrived.
    pub fn count(&self, kind: &str, session: i64) -> usize {
        self.all()
            .iter()
            .filter(|(k, d)| k == kind && d["session"] == session)
            .count()
    }

    /// Waits (at most 30 s, then fails) until `done` holds of the events.
    pub async fn wait_for(
        &self,
        what: &str,
        done: impl Fn(&[(String, String, serde_json::Value)]) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while !done(&self.with_ids()) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited 30 s for {what}; got {:?}",
                self.with_ids()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Opens the live stream of the demo conference on `base` as `token` (or anonymously),
/// with `Last-Event-ID: last` when given; answers once the server has subscribed it (the
/// response headers are sent after that) and a task that collects what arrives.
pub async fn listen(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    last: Option<&str>,
) -> (Events, tokio::task::JoinHandle<()>) {
    let mut req = client.get(format!("{base}/api/v1/conferences/demo/live"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(last) = last {
        req = req.header("Last-Event-ID", last);
    }
    collect(req).await
}

/// Sends `req` (a request for a live stream) and collects what arrives, as [`listen`].
pub async fn collect(req: reqwest::RequestBuilder) -> (Events, tokio::task::JoinHandle<()>) {
    let mut response = req.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let events = Events::default();
    let sink = events.clone();
    let task = tokio::spawn(async move {
        let mut buffer = String::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let (mut id, mut name, mut data) = (String::new(), String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if !name.is_empty() {
                    let data = serde_json::from_str(&data).unwrap_or(serde_json::Value::Null);
                    sink.0.lock().unwrap().push((id, name, data));
                }
            }
        }
    });
    (events, task)
}
