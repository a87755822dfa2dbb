//! Schedules through the real server and the real command line: exports with validators and
//! caching, organizer uploads that keep agendas and notify attendees, refusals that change
//! nothing, the changelog page, `hallway import --dry-run` and `hallway export`.

use crate::common;

use std::process::Command;

use chrono::{DateTime, Duration};
use reqwest::Method;
use serde_json::Value;

fn tool(name: &str, args: &[&std::ffi::OsStr]) -> Option<std::process::Output> {
    match Command::new(name).args(args).output() {
        Ok(out) => Some(out),
        Err(_) => {
            eprintln!("{name} is not installed: schema check skipped (.ci/run installs it)");
            None
        }
    }
}

fn schemas() -> String {
    format!(
        "{}/../hallway-formats/tests/schemas",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn fixture(name: &str) -> String {
    format!(
        "{}/../hallway-formats/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

server_test!(exports_validate_and_revalidate_cheaply, |app| async move {
    let dir = tempfile::tempdir().unwrap();
    for (path, media) in [
        ("/c/demo/schedule.xml", "application/xml"),
        ("/c/demo/schedule.json", "application/json"),
        ("/c/demo/schedule.ics", "text/calendar"),
        ("/c/demo/schedule.csv", "text/csv"),
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(media),
            "{path}"
        );
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        let modified = r.headers()["last-modified"].to_str().unwrap().to_owned();
        let body = r.bytes().await.unwrap();
        assert!(body.len() > 10_000, "{path} is whole");
        std::fs::write(dir.path().join(path.rsplit('/').next().unwrap()), &body).unwrap();
        let again = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path} with its ETag");
        let again = app
            .client
            .get(app.url(path))
            .header("if-modified-since", &modified)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path} since its Last-Modified");
        let stale = app
            .client
            .get(app.url(path))
            .header("if-none-match", "\"old\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 200);
    }
    let xml = dir.path().join("schedule.xml");
    let xsd = format!("{}/voc-schedule.xml.xsd", schemas());
    if let Some(out) = tool(
        "xmllint",
        &[
            "--noout".as_ref(),
            "--schema".as_ref(),
            xsd.as_ref(),
            xml.as_os_str(),
        ],
    ) {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let json = dir.path().join("schedule.json");
    let schema = format!("{}/voc-schedule-json-schema.json", schemas());
    if let Some(out) = tool(
        "check-jsonschema",
        &["--schemafile".as_ref(), schema.as_ref(), json.as_os_str()],
    ) {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let ics = std::fs::read_to_string(dir.path().join("schedule.ics")).unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 306);
    assert!(ics.contains("BEGIN:VTIMEZONE"));
    let one = app.get("/c/demo/sessions/12/calendar.ics").await;
    assert_eq!(one.status(), 200);
    assert_eq!(one.text().await.unwrap().matches("BEGIN:VEVENT").count(), 1);
    assert_eq!(
        app.get("/c/demo/sessions/99999/calendar.ics")
            .await
            .status(),
        404
    );
    assert_eq!(app.get("/c/nope/schedule.xml").await.status(), 404);
});

/// The demo's JSON export with one session removed and one moved 30 minutes later.
fn edited(mut doc: Value, remove: &str, shift: &str) -> Vec<u8> {
    for day in doc["schedule"]["conference"]["days"]
        .as_array_mut()
        .unwrap()
    {
        for (_, events) in day["rooms"].as_object_mut().unwrap() {
            let events = events.as_array_mut().unwrap();
            events.retain(|e| e["guid"] != remove);
            for e in events.iter_mut().filter(|e| e["guid"] == shift) {
                let t = DateTime::parse_from_rfc3339(e["date"].as_str().unwrap()).unwrap()
                    + Duration::minutes(30);
                e["date"] = t.to_rfc3339().into();
            }
        }
    }
    serde_json::to_vec(&doc).unwrap()
}

server_test!(
    an_upload_updates_the_program_and_keeps_agendas,
    |app| async move {
        let organizer = app.organizer().await;
        let people = app.signup_many("imp", 2).await;
        // Two sessions on the last day, far from now, that take reservations.
        let sessions = app.json("/api/v1/conferences/demo/sessions").await;
        let talks: Vec<&Value> = sessions
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "talk" && s["capacity"].is_number())
            .collect();
        let (gone, moved) = (talks[talks.len() - 1], talks[talks.len() - 2]);
        for (token, s) in [(&people[0], gone), (&people[1], moved)] {
            let (status, _) = app
                .call(
                    Method::PUT,
                    &format!("/api/v1/conferences/demo/agenda/{}", s["id"]),
                    token,
                    None,
                )
                .await;
            assert_eq!(status, 201);
        }
        let export: Value = app.json("/c/demo/schedule.json").await;
        let guid = |s: &Value| {
            let id = s["id"].as_i64().unwrap();
            export["schedule"]["conference"]["days"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|d| d["rooms"].as_object().unwrap().values())
                .flat_map(|events| events.as_array().unwrap())
                .find(|e| e["id"].as_i64() == Some(id))
                .unwrap()["guid"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let body = edited(export.clone(), &guid(gone), &guid(moved));
        let upload = |token: &str, query: &str, body: Vec<u8>| {
            app.client
                .post(app.url(&format!("/api/v1/conferences/demo/schedule{query}")))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
        };

        // Attendees may not; a broken file is refused with its place and changes nothing.
        assert_eq!(
            upload(&people[0], "", body.clone()).await.unwrap().status(),
            403
        );
        let mut broken = body.clone();
        broken.truncate(broken.len() / 2);
        let r = upload(&organizer, "", broken).await.unwrap();
        assert_eq!(r.status(), 400);
        let problem: Value = r.json().await.unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("line 1, column"),
            "{problem}"
        );
        let r = upload(&organizer, "?format=xml", body.clone())
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(
            app.json("/api/v1/conferences/demo/versions")
                .await
                .as_array()
                .unwrap()
                .len(),
            1
        );

        // A dry run reports and stores nothing.
        let r = upload(&organizer, "?dry_run=true", body.clone())
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let dry: Value = r.json().await.unwrap();
        assert_eq!(
            (
                dry["removed"].as_u64(),
                dry["changed"].as_u64(),
                dry["added"].as_u64()
            ),
            (Some(1), Some(1), Some(0))
        );
        assert_eq!(dry["notified"], 2);
        assert_eq!(
            app.json("/api/v1/conferences/demo/sessions")
                .await
                .as_array()
                .unwrap()
                .len(),
            306
        );

        // Everybody hears of the release; each attendee hears what it did to theirs.
        let (anyone, anyone_task) = common::listen(&app.client, &app.url(""), None, None).await;
        let (first, first_task) =
            common::listen(&app.client, &app.url(""), Some(&people[0]), None).await;
        let (second, second_task) =
            common::listen(&app.client, &app.url(""), Some(&people[1]), None).await;
        let r = upload(&organizer, "", body).await.unwrap();
        assert_eq!(r.status(), 200);
        let done: Value = r.json().await.unwrap();
        assert_eq!(done["version"], 2);
        anyone
            .wait_for("the release", |e| {
                e.iter()
                    .any(|(_, k, d)| k == "released" && d["version"] == 2)
            })
            .await;
        for (events, session, change) in [
            (&first, &gone["id"], "removed"),
            (&second, &moved["id"], "changed"),
        ] {
            events
                .wait_for("what the release did to my session", |e| {
                    e.iter().any(|(_, k, d)| {
                        k == "session_changed" && d["session"] == *session && d["change"] == change
                    })
                })
                .await;
        }
        assert!(
            !anyone.all().iter().any(|(k, _)| k == "session_changed"),
            "per-attendee changes reach only their attendee"
        );
        for t in [anyone_task, first_task, second_task] {
            t.abort();
        }
        assert_eq!(done["dropped"], 1, "the removed session's reservation");
        let after = app.json("/api/v1/conferences/demo/sessions").await;
        assert_eq!(after.as_array().unwrap().len(), 305);
        let (_, agenda) = app
            .call(
                Method::GET,
                "/api/v1/conferences/demo/agenda",
                &people[1],
                None,
            )
            .await;
        assert_eq!(
            agenda["reserved"][0]["id"], moved["id"],
            "the moved session kept its id and its seat"
        );
        let (_, agenda) = app
            .call(
                Method::GET,
                "/api/v1/conferences/demo/agenda",
                &people[0],
                None,
            )
            .await;
        assert!(agenda["reserved"].as_array().unwrap().is_empty());

        let (_, log) = app
            .call(
                Method::GET,
                "/api/v1/conferences/demo/audit",
                &organizer,
                None,
            )
            .await;
        assert_eq!(log[0]["action"], "imported the schedule", "{log}");
        assert!(log[0]["detail"].as_str().unwrap().contains("version 2"));
        let page = app.html("/c/demo/changes").await;
        assert!(
            page.contains("Version 2") && page.contains("moved") && page.contains("removed"),
            "{page}"
        );
        let store = app.store().await;
        let conf = store
            .conference(&hallway_domain::Slug::parse("demo").unwrap())
            .await
            .unwrap()
            .unwrap()
            .conference
            .id;
        assert!(store.seat_violations(conf).await.unwrap().is_empty());
        assert!(store.double_bookings(conf).await.unwrap().is_empty());
        let versions = app.json("/api/v1/conferences/demo/versions").await;
        assert_eq!(versions[0]["version"], 2);
        // The export carries the new version.
        let xml = app.get("/c/demo/schedule.xml").await.text().await.unwrap();
        assert!(
            xml.contains("<version>2</version>") || xml.contains("(hallway 2)</version>"),
            "{}",
            &xml[..400]
        );
    }
);

#[test]
fn the_command_line_imports_dry_runs_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_hallway"))
            .args(args)
            .args(["--db", &db])
            .env("HALLWAY_LOG", "warn")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let file = fixture("33c3-frab-schedule.xml");
    let (ok, out, err) = run(&["import", "--dry-run", &file]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Would import 33. Chaos Communication Congress (33c3"),
        "{out}"
    );
    assert!(
        out.contains("4 days")
            && out.contains("5 rooms")
            && out.contains("150 sessions")
            && out.contains("208 speakers"),
        "{out}"
    );
    let (ok, _, err) = run(&["export", "--conference", "33c3", "--format", "xml"]);
    assert!(
        !ok && err.contains("no conference 33c3"),
        "a dry run stores nothing: {err}"
    );

    let (ok, out, err) = run(&["import", "--time-zone", "Europe/Berlin", &file]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Europe/Berlin") && out.contains("schedule version 1"),
        "{out}"
    );
    let ics = dir.path().join("33c3.ics");
    let (ok, _, err) = run(&[
        "export",
        "--conference",
        "33c3",
        "--format",
        "ics",
        "-o",
        ics.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read_to_string(&ics)
            .unwrap()
            .matches("BEGIN:VEVENT")
            .count(),
        150
    );
    // Re-importing the same program from another format changes no session.
    let (ok, out, err) = run(&[
        "import",
        "--conference",
        "33c3",
        &fixture("33c3-frab-schedule.json"),
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("schedule version 2: 0 added, 0 changed, 0 removed"),
        "{out}"
    );
    // The command line imports through the same use case as the web: an audit line (by the
    // operator) and a `released` event, written with the version.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (log, events) = rt.block_on(async {
        let url: hallway_store::DatabaseUrl = db.parse().unwrap();
        let store = hallway_store::Store::connect(&url, &hallway_store::StoreOptions::default())
            .await
            .unwrap();
        let slug = hallway_domain::Slug::parse("33c3").unwrap();
        let id = store
            .conference(&slug)
            .await
            .unwrap()
            .unwrap()
            .conference
            .id;
        let log = store.audit_log(id, 10).await.unwrap();
        let events = store
            .events_after(hallway_domain::events::Cursor::START, 100)
            .await
            .unwrap();
        (log, events)
    });
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(
        log.iter()
            .all(|l| l.action == "imported the schedule"
                && l.actor == "hallway import (command line)"),
        "{log:?}"
    );
    assert!(log[0].detail.contains("version 2"), "{log:?}");
    let released: Vec<i64> = events
        .iter()
        .filter_map(|e| match e.event.event {
            hallway_domain::events::Event::Released { version, .. } => Some(version),
            _ => None,
        })
        .collect();
    assert_eq!(released, [1, 2]);

    let (ok, _, err) = run(&["import", "--format", "json", &file]);
    assert!(!ok);
    assert!(
        err.contains("was not imported (nothing changed)") && err.contains("line 1, column 1"),
        "{err}"
    );
}

/// The demo's JSON export with every session in `ids` moved by `minutes`.
fn shifted(mut doc: Value, ids: &[i64], minutes: i64) -> Vec<u8> {
    for day in doc["schedule"]["conference"]["days"]
        .as_array_mut()
        .unwrap()
    {
        for (_, events) in day["rooms"].as_object_mut().unwrap() {
            for e in events.as_array_mut().unwrap() {
                if ids.contains(&e["id"].as_i64().unwrap()) {
                    let t = DateTime::parse_from_rfc3339(e["date"].as_str().unwrap()).unwrap()
                        + Duration::minutes(minutes);
                    e["date"] = t.to_rfc3339().into();
                }
            }
        }
    }
    serde_json::to_vec(&doc).unwrap()
}

server_test!(
    imports_racing_agenda_edits_keep_every_invariant,
    |app| async move {
        let organizer = app.organizer().await;
        let sessions = app.json("/api/v1/conferences/demo/sessions").await;
        let list = sessions.as_array().unwrap();
        // The last twelve talks of the program (late on its last day, days ahead whatever
        // the hour the demo was built), made small so seats run out and waitlists form.
        // Not "the talks of the last UTC date": the evening of the conference's last day
        // can fall on the next UTC date, with only a few talks on it.
        let picked: Vec<i64> = list
            .iter()
            .rev()
            .filter(|s| s["kind"] == "talk")
            .take(12)
            .map(|s| s["id"].as_i64().unwrap())
            .collect();
        assert_eq!(picked.len(), 12);
        for id in &picked {
            let (status, _) = app
                .call(
                    Method::PUT,
                    &format!("/api/v1/conferences/demo/sessions/{id}/capacity"),
                    &organizer,
                    Some(serde_json::json!({"capacity": 3})),
                )
                .await;
            assert_eq!(status, 200);
        }
        let export: Value = app.json("/c/demo/schedule.json").await;
        let people = app.signup_many("race", 40).await;

        let mut set = tokio::task::JoinSet::new();
        for (i, token) in people.iter().enumerate() {
            let (client, base, token, picked) = (
                app.client.clone(),
                app.base.clone(),
                token.clone(),
                picked.clone(),
            );
            set.spawn(async move {
                for k in 0..6 {
                    let id = picked[(i * 5 + k * 7) % picked.len()];
                    let r = client
                        .put(format!("{base}/api/v1/conferences/demo/agenda/{id}"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"waitlist": k % 2 == 0}))
                        .send()
                        .await
                        .unwrap();
                    assert!(
                        [201, 202, 409].contains(&r.status().as_u16()),
                        "{}",
                        r.status()
                    );
                }
            });
        }
        // Meanwhile three versions move half of the talks back and forth.
        let half: Vec<i64> = picked.iter().copied().step_by(2).collect();
        for minutes in [30, -30, 45] {
            let body = shifted(export.clone(), &half, minutes);
            let r = app
                .client
                .post(app.url("/api/v1/conferences/demo/schedule"))
                .bearer_auth(&organizer)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        }
        while let Some(done) = set.join_next().await {
            done.unwrap();
        }
        let store = app.store().await;
        let conf = store
            .conference(&hallway_domain::Slug::parse("demo").unwrap())
            .await
            .unwrap()
            .unwrap()
            .conference
            .id;
        assert!(
            store.seat_violations(conf).await.unwrap().is_empty(),
            "invariant 1"
        );
        assert!(
            store.double_bookings(conf).await.unwrap().is_empty(),
            "invariant 2"
        );
        assert_eq!(
            app.json("/api/v1/conferences/demo/versions")
                .await
                .as_array()
                .unwrap()
                .len(),
            4
        );
    }
);

server_test!(
    a_conference_an_import_creates_starts_unpublished,
    |app| async move {
        let (ok, out, err) = app.cli(&["import", &fixture("33c3-frab-schedule.xml")]);
        assert!(ok, "{err}");
        assert!(out.contains("unpublished"), "{out}");
        assert_eq!(app.get("/c/33c3/program").await.status(), 404);
        assert_eq!(app.get("/api/v1/conferences/33c3").await.status(), 404);
        assert_eq!(app.get("/c/33c3/schedule.xml").await.status(), 404);
        // An organizer sees it and publishes it; then everyone does.
        let org = app
            .user("org33@test.invalid", "organizer", Some("33c3"))
            .await;
        let (status, conf) = app
            .call(
                reqwest::Method::PATCH,
                "/api/v1/conferences/33c3",
                &org,
                Some(serde_json::json!({"published": true})),
            )
            .await;
        assert_eq!(status, 200, "{conf}");
        assert_eq!(app.get("/c/33c3/program").await.status(), 200);
        // With --publish, the public sees it at once.
        let (ok, _, err) = app.cli(&["import", "--publish", &fixture("fosdem-2026.xml")]);
        assert!(ok, "{err}");
        assert_eq!(app.get("/c/fosdem-2026/program").await.status(), 200);
    }
);
