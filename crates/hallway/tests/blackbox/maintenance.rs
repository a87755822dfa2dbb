//! `hallway migrate`, `hallway backup` and `hallway copy` run as the real binary: what they
//! print, what they refuse, and that what they write serves again (DESIGN.md invariants 1, 2
//! and 8: a backup or a copy holds every acknowledged write and breaks no invariant).

use crate::common;

use std::collections::BTreeMap;
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use common::TestApp;
use hallway_domain::{Email, SessionId, SessionKind, Slug};
use hallway_store::testing::TestDb;
use hallway_store::{Backend, ReserveOutcome, ReserveRequest, Store, TableCount};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;

/// Runs `hallway ARGS` to completion, with no `HALLWAY_DB` from the environment.
async fn hallway(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_hallway"))
        .args(args)
        .env("HALLWAY_LOG", "warn")
        .env_remove("HALLWAY_DB")
        .output()
        .await
        .expect("running the hallway binary")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts success and answers standard output.
fn succeeded(what: &str, out: &Output) -> String {
    assert!(
        out.status.success(),
        "{what} failed\nstdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

// --- migrate ---------------------------------------------------------------------------

async fn migrate_reports(db: TestDb) {
    let url = db.url_string();
    let latest = Store::latest_migration(db.url().backend());

    let first = succeeded("migrate", &hallway(&["migrate", "--db", &url]).await);
    let second = succeeded("migrate again", &hallway(&["migrate", "--db", &url]).await);

    assert!(
        first.contains("applied 0001 directory and program\n"),
        "{first}"
    );
    assert!(first.contains("applied 0005 session labels\n"), "{first}");
    assert_eq!(
        first.lines().filter(|l| l.starts_with("applied ")).count(),
        usize::try_from(latest).unwrap(),
        "{first}"
    );
    assert!(
        first.ends_with(&format!("is now at version {latest}\n")),
        "{first}"
    );
    assert_eq!(
        second,
        format!("{} is already at version {latest}\n", db.url())
    );
}

#[tokio::test]
async fn migrate_creates_a_sqlite_database_then_has_nothing_to_do() {
    let db = TestDb::sqlite();
    let path = db.url().sqlite_path().unwrap().to_owned();
    assert!(!std::path::Path::new(&path).exists());
    migrate_reports(db).await;
}

#[tokio::test]
async fn migrate_sets_up_a_postgres_database_then_has_nothing_to_do() {
    let Some(db) = TestDb::postgres("maintenance::migrate_postgres").await else {
        return;
    };
    migrate_reports(db).await;
}

#[tokio::test]
async fn a_bad_pool_size_is_refused_before_anything_is_created() {
    let db = TestDb::sqlite();
    let path = db.url().sqlite_path().unwrap().to_owned();
    for bad in ["0", "many", "100000"] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_hallway"))
            .args(["migrate", "--db", &db.url_string()])
            .env("HALLWAY_LOG", "warn")
            .env("HALLWAY_DB_POOL", bad)
            .output()
            .await
            .expect("running the hallway binary");
        assert!(!out.status.success(), "HALLWAY_DB_POOL={bad} accepted");
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "HALLWAY_DB_POOL=\"{bad}\": a number from 1 to 256"
            )),
            "{err}"
        );
        assert!(!std::path::Path::new(&path).exists(), "nothing created");
    }
}

#[tokio::test]
async fn database_passwords_never_show_in_errors() {
    // Nothing listens on port 1: refused at once.
    let nowhere = "postgres://hallway:s3cret-pw@127.0.0.1:1/nothing";
    let mut runs = vec![
        vec!["migrate", "--db", nowhere],
        vec!["backup", "--db", nowhere, "--to", "/nonexistent/b.db"],
    ];
    // A server that answers, for a database it does not have (a pool would retry a refused
    // connection for half a minute).
    let missing = std::env::var(hallway_store::testing::PG_ENV)
        .ok()
        .map(|admin| {
            let (scheme, rest) = admin.split_once("://").unwrap();
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            let host = host.split('/').next().unwrap();
            format!("{scheme}://hallway:s3cret-pw@{host}/no_such_database")
        });
    if let Some(url) = &missing {
        runs.push(vec!["copy", "--from", url, "--to", "sqlite::memory:"]);
        runs.push(vec!["copy", "--from", "sqlite::memory:", "--to", url]);
    }
    for args in runs {
        let out = hallway(&args).await;
        assert!(!out.status.success(), "{args:?}");
        let shown = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!shown.contains("s3cret"), "{args:?}: {shown}");
        assert!(shown.contains("hallway:***@"), "{args:?}: {shown}");
    }
}

// --- backup ----------------------------------------------------------------------------

/// Row counts by table.
fn by_table(counts: Vec<TableCount>) -> BTreeMap<String, u64> {
    counts.into_iter().map(|c| (c.table, c.rows)).collect()
}

/// Sessions attendees can reserve on the demo's second and third day (none has started).
async fn bookable(app: &TestApp) -> Vec<i64> {
    let conf = app.json("/api/v1/conferences/demo").await;
    let mut ids = Vec::new();
    for day in [&conf["days"][1], &conf["days"][2]] {
        let day = day.as_str().unwrap();
        for kind in ["talk", "workshop", "lab"] {
            let sessions = app
                .json(&format!(
                    "/api/v1/conferences/demo/sessions?day={day}&kind={kind}"
                ))
                .await;
            ids.extend(
                sessions
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["id"].as_i64().unwrap()),
            );
        }
    }
    assert!(ids.len() > 40, "{ids:?}");
    ids
}

#[tokio::test]
async fn backups_taken_while_attendees_book_are_consistent() {
    // Arrange: a demo server, attendees booking and cancelling for as long as backups run.
    let db = TestDb::sqlite();
    let url = db.url_string();
    let app = TestApp::demo(db).await;
    let tokens = app.signup_many("booker", 30).await;
    let sessions = Arc::new(bookable(&app).await);
    let stop = Arc::new(AtomicBool::new(false));
    // Requests answered so far; the test waits on it (never on the clock).
    let done = Arc::new(tokio::sync::watch::Sender::new(0usize));
    let mut clients = tokio::task::JoinSet::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let (client, base) = (
            app.client.clone(),
            app.url("/api/v1/conferences/demo/agenda"),
        );
        let (sessions, stop, done) = (sessions.clone(), stop.clone(), done.clone());
        clients.spawn(async move {
            let mut k = i;
            while !stop.load(Ordering::Relaxed) {
                let session = sessions[k % sessions.len()];
                k += 7;
                let r = client
                    .put(format!("{base}/{session}"))
                    .bearer_auth(&token)
                    .json(&json!({ "waitlist": true }))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                assert!([200, 201, 202, 409].contains(&status), "PUT: {status}");
                // Every third seat is given back again: seats, waitlists and promotions move.
                if k % 3 == 0 {
                    let r = client
                        .delete(format!("{base}/{session}"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap();
                    let status = r.status().as_u16();
                    assert!([204, 404, 409].contains(&status), "DELETE: {status}");
                }
                done.send_modify(|n| *n += 1);
            }
        });
    }

    // Act: three backups while the writes go on, each after 30 more requests were answered.
    let dir = tempfile::tempdir().unwrap();
    let mut backups = Vec::new();
    let mut answered = done.subscribe();
    for n in 0..3 {
        let goal = *answered.borrow() + 30;
        answered.wait_for(|&n| n >= goal).await.unwrap();
        let to = dir.path().join(format!("backup-{n}.db"));
        let out = hallway(&["backup", "--db", &url, "--to", to.to_str().unwrap()]).await;
        let printed = succeeded("backup", &out);
        assert!(printed.contains("integrity check: ok"), "{printed}");
        assert!(printed.contains("invariants: ok"), "{printed}");
        assert!(
            // 30 attendees and the demo's door volunteer.
            printed.contains("rows: 31 users, 1 conference, "),
            "{printed}"
        );
        backups.push(to);
    }
    let during = *done.borrow();
    stop.store(true, Ordering::Relaxed);
    while let Some(client) = clients.join_next().await {
        client.unwrap();
    }
    let last = dir.path().join("after.db");
    succeeded(
        "backup after the writes",
        &hallway(&["backup", "--db", &url, "--to", last.to_str().unwrap()]).await,
    );

    // Assert: every backup is sound and consistent; the last one holds exactly what the
    // server acknowledged.
    let live = app.store().await;
    for path in backups.iter().chain([&last]) {
        let copy = Store::open_sqlite_read_only(path).await.unwrap();
        assert!(copy.integrity_check().await.unwrap().is_empty());
        let invariants = copy.check_invariants().await.unwrap();
        assert!(invariants.holds(), "{}: {invariants:?}", path.display());
        assert!(invariants.sessions > 250, "{invariants:?}");
        copy.close().await;
    }
    let copy = Store::open_sqlite_read_only(&last).await.unwrap();
    assert_eq!(
        by_table(copy.row_counts().await.unwrap()),
        by_table(live.row_counts().await.unwrap())
    );
    for table in live.tables().await.unwrap() {
        assert_eq!(
            copy.table_fingerprint(&table).await.unwrap(),
            live.table_fingerprint(&table).await.unwrap(),
            "contents of {}",
            table.name
        );
    }
    assert!(copy.check_invariants().await.unwrap().reserved_seats > 0);
    eprintln!(
        "backups ran while {during} of {} agenda requests were made",
        *done.borrow()
    );
}

#[tokio::test]
async fn backup_refuses_postgres_and_existing_files() {
    let out = hallway(&[
        "backup",
        "--db",
        "postgres://u@127.0.0.1/hallway",
        "--to",
        "/tmp/never-written.db",
    ])
    .await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("is a PostgreSQL database"), "{err}");
    assert!(
        err.contains("pg_dump --format=custom --file=hallway.dump"),
        "{err}"
    );
    assert!(err.contains("pg_restore --no-owner"), "{err}");
    assert!(!std::path::Path::new("/tmp/never-written.db").exists());

    let db = TestDb::sqlite();
    drop(db.store().await);
    let url = db.url_string();
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("backup.db");
    std::fs::write(&to, b"precious").unwrap();
    let out = hallway(&["backup", "--db", &url, "--to", to.to_str().unwrap()]).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("exists: refusing to overwrite it (pass --force"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&to).unwrap(), b"precious", "left alone");

    let printed = succeeded(
        "backup --force",
        &hallway(&[
            "backup",
            "--db",
            &url,
            "--to",
            to.to_str().unwrap(),
            "--force",
        ])
        .await,
    );
    assert!(printed.contains("integrity check: ok"), "{printed}");
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["backup.db"], "no partial file is left behind");

    let missing = dir.path().join("missing.db");
    let out = hallway(&[
        "backup",
        "--db",
        &format!("sqlite://{}", missing.display()),
        "--to",
        dir.path().join("b2.db").to_str().unwrap(),
    ])
    .await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("there is no database"),
        "{}",
        stderr(&out)
    );
    assert!(!missing.exists(), "a missing source is not created");
}

// --- copy ------------------------------------------------------------------------------

const PASSWORD: &str = "correct horse battery";

/// A demo database (400 attendees with agendas) plus Ada, who can log in and holds a seat
/// in a talk of the second day. Answers the session.
async fn demo_with_ada(db: &TestDb) -> SessionId {
    let url = db.url_string();
    succeeded(
        "demo",
        &hallway(&["demo", "--no-serve", "--db", &url]).await,
    );
    let mut add = tokio::process::Command::new(env!("CARGO_BIN_EXE_hallway"))
        .args([
            "user",
            "add",
            "--email",
            "ada@test.invalid",
            "--role",
            "attendee",
            "--conference",
            "demo",
            "--db",
            &url,
        ])
        .env("HALLWAY_ARGON2_MEMORY_KIB", "64")
        .env("HALLWAY_ARGON2_PASSES", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = add.stdin.take().unwrap();
    stdin
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    assert!(add.wait_with_output().await.unwrap().status.success());

    let store = db.store().await;
    let demo = store
        .conference(&Slug::parse("demo").unwrap())
        .await
        .unwrap()
        .unwrap()
        .conference
        .id;
    let (ada, _) = store
        .account_for_login(&Email::parse("ada@test.invalid").unwrap())
        .await
        .unwrap()
        .unwrap();
    let tomorrow = Utc::now() + chrono::Duration::days(1);
    let talk = store
        .sessions(demo)
        .await
        .unwrap()
        .into_iter()
        .find(|s| {
            s.info.kind == SessionKind::Talk
                && s.info.span.start() > tomorrow
                && s.info.span.start() < tomorrow + chrono::Duration::hours(20)
        })
        .unwrap()
        .id;
    let outcome = store
        .reserve(&ReserveRequest {
            conference: demo,
            user: ada.id,
            session: talk,
            replace: &[],
            waitlist: false,
            now: Utc::now(),
        })
        .await
        .unwrap();
    assert!(
        matches!(outcome, ReserveOutcome::Reserved { .. }),
        "{outcome:?}"
    );
    store.close().await;
    talk
}

/// The table `hallway copy` prints, as table -> (source rows, target rows).
fn printed_counts(printed: &str) -> BTreeMap<String, (u64, u64)> {
    let number = |s: &str| s.replace(',', "").parse::<u64>().unwrap();
    printed
        .lines()
        .skip_while(|l| !l.starts_with("table "))
        .skip(1)
        .take_while(|l| !l.starts_with("total "))
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0].to_owned(), (number(cells[1]), number(cells[2])))
        })
        .collect()
}

/// Runs `hallway copy` from `from` to `to`; checks what it printed against both databases.
async fn copy_and_check(from: &TestDb, to: &TestDb) {
    let source = from.store().await;
    let before = by_table(source.row_counts().await.unwrap());
    assert!(
        before["agenda"] > 2000 && before["users"] == 402,
        "{before:?}"
    );

    let out = hallway(&[
        "copy",
        "--from",
        &from.url_string(),
        "--to",
        &to.url_string(),
    ])
    .await;
    let printed = succeeded("copy", &out);

    let target = to.store().await;
    let tables = target.tables().await.unwrap();
    let shown = printed_counts(&printed);
    assert_eq!(shown.len(), tables.len(), "{printed}");
    for table in &tables {
        let rows = before[&table.name];
        assert_eq!(
            shown[&table.name],
            (rows, rows),
            "{}: {printed}",
            table.name
        );
    }
    assert_eq!(by_table(target.row_counts().await.unwrap()), before);
    assert_eq!(
        by_table(source.row_counts().await.unwrap()),
        before,
        "the source is unchanged"
    );
    for table in &tables {
        assert_eq!(
            source.table_fingerprint(table).await.unwrap(),
            target.table_fingerprint(table).await.unwrap(),
            "contents of {}",
            table.name
        );
    }
    assert!(printed.contains("rows/s"), "{printed}");
    assert!(
        printed.contains("invariants: ok (1 conference, "),
        "{printed}"
    );
    let invariants = target.check_invariants().await.unwrap();
    assert!(invariants.holds(), "{invariants:?}");
    assert!(invariants.reserved_seats > 2000, "{invariants:?}");
    source.close().await;
    target.close().await;
}

/// Serves the copy `db`: Ada logs in, finds her seat, adds a session; a newcomer signs up
/// and books (new rows get fresh ids).
async fn serves_the_copy(db: TestDb, ada_talk: SessionId) {
    let app = TestApp::start(db, &["serve", "--listen", "127.0.0.1:0"]).await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "ada@test.invalid", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "Ada logs in on the copy");
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, agenda) = app
        .call(Method::GET, "/api/v1/conferences/demo/agenda", &token, None)
        .await;
    assert_eq!(status, 200);
    let reserved: Vec<i64> = agenda["reserved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(reserved, [ada_talk.get()], "{agenda}");

    let conf = app.json("/api/v1/conferences/demo").await;
    let day = conf["days"][2].as_str().unwrap();
    let talks = app
        .json(&format!(
            "/api/v1/conferences/demo/sessions?day={day}&kind=talk"
        ))
        .await;
    let open: Vec<i64> = talks
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["seats_left"].as_i64().is_none_or(|n| n > 0))
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/conferences/demo/agenda/{}", open[0]),
            &token,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 201, "a new agenda row in the copy: {body}");
    let newcomer = app.signup("newcomer@test.invalid").await;
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/conferences/demo/agenda/{}", open[0]),
            &newcomer,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let store = app.store().await;
    assert!(store.check_invariants().await.unwrap().holds());
}

#[tokio::test]
async fn the_demo_moves_to_postgres_and_back() {
    let Some(postgres) = TestDb::postgres("maintenance::the_demo_moves_to_postgres_and_back").await
    else {
        return;
    };
    let sqlite = TestDb::sqlite();
    let ada_talk = demo_with_ada(&sqlite).await;

    copy_and_check(&sqlite, &postgres).await;
    let back = TestDb::sqlite();
    copy_and_check(&postgres, &back).await;

    serves_the_copy(postgres, ada_talk).await;
    serves_the_copy(back, ada_talk).await;
}

#[tokio::test]
async fn the_demo_moves_to_another_sqlite_file() {
    let from = TestDb::sqlite();
    let ada_talk = demo_with_ada(&from).await;
    let to = TestDb::sqlite();

    copy_and_check(&from, &to).await;

    serves_the_copy(to, ada_talk).await;
}

async fn refuses_a_nonempty_target(target: TestDb) {
    let source = TestDb::sqlite();
    succeeded(
        "demo",
        &hallway(&[
            "demo",
            "--no-serve",
            "--attendees",
            "20",
            "--db",
            &source.url_string(),
        ])
        .await,
    );
    succeeded(
        "directory load",
        &hallway(&["directory", "load", "--db", &target.url_string()]).await,
    );
    let store = target.store().await;
    let before = store.row_counts().await.unwrap();

    let out = hallway(&[
        "copy",
        "--from",
        &source.url_string(),
        "--to",
        &target.url_string(),
    ])
    .await;

    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("is not empty (table series has rows)") && err.contains("nothing was copied"),
        "{err}"
    );
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert_eq!(store.row_counts().await.unwrap(), before, "nothing changed");
    assert_eq!(store.backend(), target.url().backend());
}

#[tokio::test]
async fn copy_into_a_nonempty_sqlite_database_is_refused() {
    refuses_a_nonempty_target(TestDb::sqlite()).await;
}

#[tokio::test]
async fn copy_into_a_nonempty_postgres_database_is_refused() {
    let Some(db) = TestDb::postgres("maintenance::copy_into_a_nonempty_postgres").await else {
        return;
    };
    assert_eq!(db.url().backend(), Backend::Postgres);
    refuses_a_nonempty_target(db).await;
}
