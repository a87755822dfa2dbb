//! The organizer workspace through the real server: a conference built from nothing and
//! released, the editor's refusals and warnings, releases that notify once, invitations,
//! the audit log, and 403 for everyone without the role on every organizer route.

use crate::common;

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};

server_test!(
    an_admin_builds_a_conference_from_nothing,
    |app| async move {
        let admin = app.user("admin@test.invalid", "admin", None).await;
        macro_rules! call {
            ($m:expr, $p:expr, $b:expr $(,)?) => {
                app.call($m, $p, &admin, $b)
            };
        }
        let (status, conf) = call!(
        Method::POST,
        "/api/v1/conferences",
        Some(json!({"slug": "tiny-conf", "name": "Tiny Conf", "starts_on": "2031-05-04", "ends_on": "2031-05-05", "time_zone": "Europe/Lisbon", "city": "Lisbon"})),
    )
    .await;
        assert_eq!(status, 201, "{conf}");
        assert_eq!(conf["published"], false);
        // Unpublished: the public does not see it.
        assert_eq!(app.get("/api/v1/conferences/tiny-conf").await.status(), 404);
        assert_eq!(app.get("/c/tiny-conf/program").await.status(), 404);
        let (status, again) = call!(Method::POST, "/api/v1/conferences", Some(json!({"slug": "tiny-conf", "name": "X", "starts_on": "2031-05-04", "ends_on": "2031-05-05", "time_zone": "UTC"}))).await;
        assert_eq!(status, 409, "{again}");
        let (status, bad) = call!(Method::POST, "/api/v1/conferences", Some(json!({"slug": "x2", "name": "X", "starts_on": "2031-05-04", "ends_on": "2031-05-05", "time_zone": "Mars/Base"}))).await;
        assert_eq!((status, bad["field"].as_str()), (400, Some("time_zone")));

        let (status, hall) = call!(
            Method::POST,
            "/api/v1/conferences/tiny-conf/rooms",
            Some(json!({"name": "Hall", "capacity": 100, "note": "Ground floor"}))
        )
        .await;
        assert_eq!(status, 201);
        let (_, lab) = call!(
            Method::POST,
            "/api/v1/conferences/tiny-conf/rooms",
            Some(json!({"name": "Lab", "capacity": 12}))
        )
        .await;
        let (status, _) = call!(
            Method::POST,
            "/api/v1/conferences/tiny-conf/rooms",
            Some(json!({"name": "hall", "capacity": 5}))
        )
        .await;
        assert_eq!(status, 409, "room names are unique");
        let (status, track) = call!(
            Method::POST,
            "/api/v1/conferences/tiny-conf/tracks",
            Some(json!({"name": "Cloud", "colour": "#ffe066"}))
        )
        .await;
        assert_eq!(status, 201);
        assert_eq!(
            track["text_colour"], "#000000",
            "dark text on a light colour"
        );
        let (_, ada) = call!(Method::POST, "/api/v1/conferences/tiny-conf/speakers", Some(json!({"name": "Ada Lovelace", "bio": "Analyst", "photo_url": "https://example.org/ada.jpg", "links": [{"title": "Home", "url": "https://example.org/"}]}))).await;

        let at = |h: u32, m: u32| format!("2031-05-04T{h:02}:{m:02}:00Z");
        let session = |title: &str, room: &Value, from: String, to: String| json!({"title": title, "starts_at": from, "ends_at": to, "room_id": room["id"], "kind": "talk", "track_id": track["id"], "speaker_ids": [ada["id"]]});
        let (status, first) = call!(
            Method::POST,
            "/api/v1/conferences/tiny-conf/sessions",
            Some(session("Opening", &hall, at(9, 0), at(10, 0)))
        )
        .await;
        assert_eq!(status, 201, "{first}");
        assert!(first["warnings"].as_array().unwrap().is_empty());
        // The same room at the same time is refused, naming the session in the way.
        let (status, clash) = call!(
            Method::POST,
            "/api/v1/conferences/tiny-conf/sessions",
            Some(session("Clash", &hall, at(9, 30), at(10, 30)))
        )
        .await;
        assert_eq!(status, 409);
        assert!(clash["type"].as_str().unwrap().ends_with("/room-conflict"));
        assert_eq!(clash["conflicts"][0]["title"], "Opening");
        // Outside the conference days is refused too.
        let (status, outside) = call!(
            Method::POST,
            "/api/v1/conferences/tiny-conf/sessions",
            Some(session(
                "Late",
                &lab,
                "2031-05-09T10:00:00Z".into(),
                "2031-05-09T11:00:00Z".into()
            ))
        )
        .await;
        assert_eq!(status, 409, "{outside}");
        // The speaker in two places at once is only a warning.
        let (status, busy) = call!(
            Method::POST,
            "/api/v1/conferences/tiny-conf/sessions",
            Some(session("Workshop", &lab, at(9, 30), at(11, 0)))
        )
        .await;
        assert_eq!(status, 201);
        assert!(
            busy["warnings"][0]
                .as_str()
                .unwrap()
                .contains("Ada Lovelace also speaks"),
            "{busy}"
        );
        // Move it out of the way.
        let id = busy["session"]["id"].as_i64().unwrap();
        let (status, moved) = call!(
            Method::PATCH,
            &format!("/api/v1/conferences/tiny-conf/sessions/{id}"),
            Some(json!({"starts_at": at(11, 0), "ends_at": at(12, 0), "capacity": 10, "kind": "workshop", "label": "Hands-on hour"}))
        )
        .await;
        assert_eq!(status, 200, "{moved}");
        assert!(moved["warnings"].as_array().unwrap().is_empty());

        let (_, draft) = call!(Method::GET, "/api/v1/conferences/tiny-conf/draft", None).await;
        assert_eq!(draft["sessions"].as_array().unwrap().len(), 2);
        assert_eq!(draft["pending"]["added"], 2);
        let (status, release) =
            call!(Method::POST, "/api/v1/conferences/tiny-conf/releases", None).await;
        assert_eq!(status, 201, "{release}");
        assert_eq!(
            (release["version"].as_i64(), release["added"].as_i64()),
            (Some(2), Some(2))
        );
        // Unpublished, its program files and session calendars are its organizers' only.
        let opening = first["session"]["id"].as_i64().unwrap();
        let files = [
            "/c/tiny-conf/schedule.xml".to_owned(),
            "/c/tiny-conf/schedule.json".to_owned(),
            "/c/tiny-conf/schedule.ics".to_owned(),
            "/c/tiny-conf/schedule.csv".to_owned(),
            format!("/c/tiny-conf/sessions/{opening}/calendar.ics"),
        ];
        let stranger = app.signup("stranger@tiny.invalid").await;
        for path in &files {
            assert_eq!(app.get(path).await.status(), 404, "anonymous {path}");
            let r = app
                .client
                .get(app.url(path))
                .bearer_auth(&stranger)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404, "an attendee: {path}");
            let r = app
                .client
                .get(app.url(path))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "its organizer: {path}");
        }
        let (status, published) = call!(
            Method::PATCH,
            "/api/v1/conferences/tiny-conf",
            Some(json!({"published": true}))
        )
        .await;
        assert_eq!(status, 200, "{published}");
        for path in &files {
            assert_eq!(app.get(path).await.status(), 200, "published: {path}");
        }
        let public = app.json("/api/v1/conferences/tiny-conf/sessions").await;
        let titles: Vec<&str> = public
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, vec!["Opening", "Workshop"]);
        assert_eq!(public[1]["capacity"], 10);
        assert_eq!(
            (public[1]["kind"].as_str(), public[1]["kind_label"].as_str()),
            (Some("workshop"), Some("Hands-on hour"))
        );
        assert_eq!(public[0]["kind_label"], "Talk");
        assert!(app.html("/c/tiny-conf/program").await.contains("Workshop"));
        // Listed in the directory, with its program.
        let (status, entry) = call!(
        Method::PUT,
        "/api/v1/conferences/tiny-conf/directory",
        Some(json!({"create": {"series": "Tiny Series", "name": "Tiny Conf 2031", "region": "Europe", "city": "Lisbon", "country": "PT"}})),
    )
    .await;
        assert_eq!(status, 200, "{entry}");
        let events = app.json("/api/v1/events?q=tiny").await;
        assert_eq!(events[0]["name"], "Tiny Conf 2031");
        assert_eq!(events[0]["has_program"], true);
        assert_eq!(events[0]["starts_on"], "2031-05-04");
        let (status, bad) = call!(
            Method::PUT,
            "/api/v1/conferences/tiny-conf/directory",
            Some(json!({"edition": "no-such-edition"}))
        )
        .await;
        assert_eq!((status, bad["field"].as_str()), (400, Some("edition")));
        // Everything was written down.
        let (_, log) = call!(Method::GET, "/api/v1/conferences/tiny-conf/audit", None).await;
        let actions: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for a in [
            "created the conference",
            "added a room",
            "added a track",
            "added a speaker",
            "added a session to the draft",
            "changed a session in the draft",
            "released a schedule version",
            "published the conference",
        ] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }
        assert!(log[0]["actor"] == "admin@test.invalid");
    }
);

server_test!(
    a_release_that_moves_a_reserved_session_notifies_once,
    |app| async move {
        let organizer = app.organizer().await;
        let people = app.signup_many("moved", 2).await;
        let sessions = app.json("/api/v1/conferences/demo/sessions").await;
        let list = sessions.as_array().unwrap();
        let talk = list
            .iter()
            .rev()
            .find(|s| s["kind"] == "talk" && s["capacity"].is_number())
            .unwrap();
        let id = talk["id"].as_i64().unwrap();
        for p in &people {
            let (status, _) = app
                .call(
                    Method::PUT,
                    &format!("/api/v1/conferences/demo/agenda/{id}"),
                    p,
                    None,
                )
                .await;
            assert_eq!(status, 201);
        }
        let start = DateTime::parse_from_rfc3339(talk["starts_at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
            + Duration::minutes(5);
        let end = DateTime::parse_from_rfc3339(talk["ends_at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
            + Duration::minutes(5);
        let (status, saved) = app
            .call(
                Method::PATCH,
                &format!("/api/v1/conferences/demo/sessions/{id}"),
                &organizer,
                Some(json!({"starts_at": start, "ends_at": end})),
            )
            .await;
        assert_eq!(status, 200, "{saved}");
        // Drafts do not reach attendees.
        let public = app.json("/api/v1/conferences/demo/sessions").await;
        assert_eq!(
            public
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"] == id)
                .unwrap()["starts_at"],
            talk["starts_at"]
        );
        for _ in 0..2 {
            let (status, r) = app
                .call(
                    Method::POST,
                    "/api/v1/conferences/demo/releases",
                    &organizer,
                    None,
                )
                .await;
            assert_eq!(status, 201, "{r}");
        }
        let store = app.store().await;
        let conf = store
            .conference(&hallway_domain::Slug::parse("demo").unwrap())
            .await
            .unwrap()
            .unwrap()
            .conference
            .id;
        let (_, agenda) = app
            .call(
                Method::GET,
                "/api/v1/conferences/demo/agenda",
                &people[0],
                None,
            )
            .await;
        assert_eq!(agenda["reserved"][0]["id"], id, "the seat stays");
        let user = store
            .account_by_api_token(&hallway_web::auth::digest(&people[0]), chrono::Utc::now())
            .await
            .unwrap()
            .unwrap()
            .id;
        let notes = store.notifications(conf, user, 50).await.unwrap();
        let changed: Vec<_> = notes.iter().filter(|n| n.kind == "changed").collect();
        assert_eq!(changed.len(), 1, "{notes:?}");
        assert!(
            matches!(
                &changed[0].notice,
                Some(hallway_domain::notice::Notice::Changed { session, .. }) if session.get() == id
            ),
            "{:?}",
            changed[0]
        );
        let (status, _) = app
            .call(
                Method::PUT,
                &format!("/api/v1/conferences/demo/sessions/{id}/capacity"),
                &organizer,
                Some(json!({"capacity": 99})),
            )
            .await;
        assert_eq!(status, 200);
        let (_, log) = app
            .call(
                Method::GET,
                "/api/v1/conferences/demo/audit",
                &organizer,
                None,
            )
            .await;
        let actions: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions[..4],
            [
                "changed a session's seats",
                "released a schedule version",
                "released a schedule version",
                "changed a session in the draft"
            ]
        );
        let versions = app.json("/api/v1/conferences/demo/versions").await;
        assert_eq!(versions[0]["version"], 3);
        assert_eq!(versions[1]["changed"], 1);
        assert_eq!(versions[0]["changed"], 0);
        assert!(store.seat_violations(conf).await.unwrap().is_empty());
    }
);

server_test!(
    everyone_without_the_role_gets_403_on_every_organizer_route,
    |app| async move {
        let admin = app.user("root@test.invalid", "admin", None).await;
        let (status, _) = app
        .call(Method::POST, "/api/v1/conferences", &admin, Some(json!({"slug": "other", "name": "Other", "starts_on": "2031-01-01", "ends_on": "2031-01-02", "time_zone": "UTC"})))
        .await;
        assert_eq!(status, 201);
        let mut outsiders = vec![
            ("attendee", app.signup("plain@test.invalid").await),
            (
                "volunteer",
                app.user("vol@test.invalid", "volunteer", Some("demo"))
                    .await,
            ),
            (
                "speaker",
                app.user("spk@test.invalid", "speaker", Some("demo")).await,
            ),
            (
                "organizer of another conference",
                app.user("else@test.invalid", "organizer", Some("other"))
                    .await,
            ),
        ];
        let api: Vec<(Method, &str, Option<Value>)> = vec![
            (
                Method::PATCH,
                "/api/v1/conferences/demo",
                Some(json!({"name": "Mine"})),
            ),
            (
                Method::POST,
                "/api/v1/conferences/demo/rooms",
                Some(json!({"name": "R", "capacity": 1})),
            ),
            (
                Method::PUT,
                "/api/v1/conferences/demo/rooms/1",
                Some(json!({"name": "R", "capacity": 1})),
            ),
            (Method::DELETE, "/api/v1/conferences/demo/rooms/1", None),
            (
                Method::POST,
                "/api/v1/conferences/demo/tracks",
                Some(json!({"name": "T", "colour": "#112233"})),
            ),
            (
                Method::PUT,
                "/api/v1/conferences/demo/tracks/1",
                Some(json!({"name": "T", "colour": "#112233"})),
            ),
            (Method::DELETE, "/api/v1/conferences/demo/tracks/1", None),
            (
                Method::POST,
                "/api/v1/conferences/demo/speakers",
                Some(json!({"name": "S"})),
            ),
            (
                Method::PUT,
                "/api/v1/conferences/demo/speakers/1",
                Some(json!({"name": "S"})),
            ),
            (Method::DELETE, "/api/v1/conferences/demo/speakers/1", None),
            (Method::GET, "/api/v1/conferences/demo/draft", None),
            (
                Method::POST,
                "/api/v1/conferences/demo/sessions",
                Some(json!({"title": "X"})),
            ),
            (
                Method::PATCH,
                "/api/v1/conferences/demo/sessions/1",
                Some(json!({"title": "X"})),
            ),
            (Method::DELETE, "/api/v1/conferences/demo/sessions/1", None),
            (Method::POST, "/api/v1/conferences/demo/releases", None),
            (
                Method::POST,
                "/api/v1/conferences/demo/invitations",
                Some(json!({"email": "a@b.c", "role": "organizer"})),
            ),
            (Method::GET, "/api/v1/conferences/demo/members", None),
            (
                Method::DELETE,
                "/api/v1/conferences/demo/members/1/organizer",
                None,
            ),
            (Method::GET, "/api/v1/conferences/demo/audit", None),
            (
                Method::PUT,
                "/api/v1/conferences/demo/directory",
                Some(json!({"edition": null})),
            ),
            (
                Method::PUT,
                "/api/v1/conferences/demo/sessions/1/capacity",
                Some(json!({"capacity": 1})),
            ),
            (
                Method::PUT,
                "/api/v1/conferences/demo/settings",
                Some(json!({"agenda_grace_minutes": 1})),
            ),
            (
                Method::POST,
                "/api/v1/conferences",
                Some(
                    json!({"slug": "mine", "name": "Mine", "starts_on": "2031-01-01", "ends_on": "2031-01-02", "time_zone": "UTC"}),
                ),
            ),
        ];
        for (who, token) in &outsiders {
            for (method, path, body) in &api {
                let (status, problem) = app.call(method.clone(), path, token, body.clone()).await;
                assert_eq!(status, 403, "{who}: {method} {path}: {problem}");
                assert!(
                    problem["type"].as_str().unwrap().ends_with("/forbidden"),
                    "{problem}"
                );
            }
            let upload = app
                .client
                .post(app.url("/api/v1/conferences/demo/schedule"))
                .bearer_auth(token)
                .body("x")
                .send()
                .await
                .unwrap();
            assert_eq!(upload.status(), 403, "{who}: upload");
        }
        // Pages, with the log-in cookie.
        outsiders.remove(0);
        for (email, who) in [
            ("vol@test.invalid", "volunteer"),
            ("spk@test.invalid", "speaker"),
            ("else@test.invalid", "organizer of another conference"),
        ] {
            let browser = app.browser(email).await;
            for path in [
                "/c/demo/organize",
                "/c/demo/organize/sessions",
                "/c/demo/organize/sessions/new",
                "/c/demo/organize/team",
                "/c/demo/organize/audit",
                "/c/demo/import",
                "/organize/new",
            ] {
                let r = browser.get(app.url(path)).send().await.unwrap();
                assert_eq!(r.status(), 403, "{who}: GET {path}");
            }
            for path in [
                "/c/demo/organize/rooms",
                "/c/demo/organize/release",
                "/c/demo/organize/team/invite",
                "/c/demo/organize/conference",
            ] {
                let r = browser
                    .post(app.url(path))
                    .header("origin", app.base.clone())
                    .form(&[("name", "x"), ("email", "a@b.c"), ("role", "organizer")])
                    .send()
                    .await
                    .unwrap();
                // Refused: for the role, or (a form that does not fit the route) before it
                // is looked at; either way nothing changes (checked below).
                assert!(
                    [400, 403, 422].contains(&r.status().as_u16()),
                    "{who}: POST {path}: {}",
                    r.status()
                );
                assert_ne!(r.status(), 303);
            }
        }
        // Nothing changed.
        let store = app.store().await;
        let conf = store
            .conference(&hallway_domain::Slug::parse("demo").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(conf.conference.info.name, "Harbor Days 2026");
        assert!(
            store
                .audit_log(conf.conference.id, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

server_test!(an_invitation_makes_a_team_member, |app| async move {
    let organizer = app.organizer().await;
    let (status, inv) = app
        .call(
            Method::POST,
            "/api/v1/conferences/demo/invitations",
            &organizer,
            Some(json!({"email": "Helper@Test.invalid", "role": "organizer"})),
        )
        .await;
    assert_eq!(status, 201, "{inv}");
    let link = inv["link"].as_str().unwrap().to_owned();
    assert!(link.starts_with("/invite/"));
    // Someone else cannot take it up.
    app.user("intruder@test.invalid", "attendee", Some("demo"))
        .await;
    let intruder = app.browser("intruder@test.invalid").await;
    let r = intruder
        .post(app.url(&link))
        .header("origin", app.base.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The invited address can.
    let page = app.html(&link).await;
    assert!(page.contains("helper@test.invalid") && page.contains("organizer"));
    app.user("helper@test.invalid", "attendee", Some("demo"))
        .await;
    let helper = app.browser("helper@test.invalid").await;
    let r = helper
        .post(app.url(&link))
        .header("origin", app.base.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/c/demo/organize");
    let r = helper
        .get(app.url("/c/demo/organize"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = helper
        .post(app.url(&link))
        .header("origin", app.base.clone())
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 303, "an invitation is taken up once");
    let (_, members) = app
        .call(
            Method::GET,
            "/api/v1/conferences/demo/members",
            &organizer,
            None,
        )
        .await;
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["email"] == "helper@test.invalid" && m["role"] == "organizer")
    );
    let page = String::from_utf8(
        helper
            .get(app.url("/c/demo/organize/audit"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(
        page.contains("joined the team") && page.contains("invited"),
        "{page}"
    );
});

server_test!(
    organizers_editing_the_draft_at_once_lose_nothing,
    |app| async move {
        let organizer = app.organizer().await;
        let conf = app.json("/api/v1/conferences/demo").await;
        let sessions = app.json("/api/v1/conferences/demo/sessions").await;
        let after = sessions
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                DateTime::parse_from_rfc3339(s["ends_at"].as_str().unwrap())
                    .unwrap()
                    .with_timezone(&Utc)
            })
            .max()
            .unwrap();
        // Ten sessions in ten rooms after the last one ends, saved at the same moment.
        let mut set = tokio::task::JoinSet::new();
        for (i, room) in conf["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .take(10)
            .enumerate()
        {
            let (client, url, token) = (
                app.client.clone(),
                app.url("/api/v1/conferences/demo/sessions"),
                organizer.clone(),
            );
            let body = json!({"title": format!("Late session {i}"), "starts_at": after, "ends_at": after + Duration::minutes(30), "room_id": room["id"], "kind": "talk"});
            set.spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            });
        }
        while let Some(status) = set.join_next().await {
            assert_eq!(status.unwrap(), 201);
        }
        let (_, draft) = app
            .call(
                Method::GET,
                "/api/v1/conferences/demo/draft",
                &organizer,
                None,
            )
            .await;
        let titles: Vec<&str> = draft["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["title"].as_str())
            .filter(|t| t.starts_with("Late session"))
            .collect();
        assert_eq!(titles.len(), 10, "every concurrent save is in the draft");
        let ids: std::collections::HashSet<i64> = draft["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_i64().unwrap())
            .collect();
        assert_eq!(
            ids.len(),
            draft["sessions"].as_array().unwrap().len(),
            "no id given twice"
        );
    }
);

server_test!(
    the_program_list_shows_seats_and_room_names_as_they_are_now,
    |app| async move {
        let organizer = app.organizer().await;
        let attendee = app.signup("list@test.invalid").await;
        // Read once, so the list's pieces are kept in memory.
        let before = app.json("/api/v1/conferences/demo/sessions").await;
        let talk = before
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|s| s["kind"] == "talk" && s["capacity"].is_number())
            .unwrap()
            .clone();
        let id = talk["id"].as_i64().unwrap();
        let (status, _) = app
            .call(
                Method::PUT,
                &format!("/api/v1/conferences/demo/agenda/{id}"),
                &attendee,
                None,
            )
            .await;
        assert_eq!(status, 201);
        let room = talk["room"]["id"].as_i64().unwrap();
        let conf = app.json("/api/v1/conferences/demo").await;
        let capacity = conf["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == room)
            .unwrap()["capacity"]
            .clone();
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/conferences/demo/rooms/{room}"),
                &organizer,
                Some(json!({"name": "Renamed Hall", "capacity": capacity})),
            )
            .await;
        assert!((200..300).contains(&status), "{status} {body}");
        let after = app.json("/api/v1/conferences/demo/sessions").await;
        let now = after
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap();
        assert_eq!(
            now["seats_left"].as_i64().unwrap(),
            talk["seats_left"].as_i64().unwrap() - 1
        );
        assert_eq!(now["room"]["name"], "Renamed Hall");
        let one = app
            .json(&format!("/api/v1/conferences/demo/sessions/{id}"))
            .await;
        assert_eq!(&one, now);
    }
);
