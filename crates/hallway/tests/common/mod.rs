//! Black-box test harness: runs the real `hallway` binary on port 0 with a fresh database
//! and talks to it over HTTP, like a client would.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report
#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use hallway_store::testing::TestDb;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running server and the database behind it; both go away when dropped.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    child: Child,
    _db: TestDb,
}

impl TestApp {
    /// `hallway demo --no-serve`-style start: builds the demo (without attendees, to be
    /// quick) into `db` and serves it on an ephemeral port.
    pub async fn demo(db: TestDb) -> Self {
        Self::start(db, &["demo", "--attendees", "0", "--listen", "127.0.0.1:0"]).await
    }

    /// Runs `hallway ARGS --db URL` and waits for the line that gives the address.
    pub async fn start(db: TestDb, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hallway"))
            .args(args)
            .arg("--db")
            .arg(db.url_string())
            .env("HALLWAY_LOG", "warn")
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
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self {
            base,
            client: reqwest::Client::new(),
            child,
            _db: db,
        }
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
