//! The personal agenda against the real server, with many real clients at once: seats are
//! never overbooked, nobody is double-booked, waitlists promote in order, and acknowledged
//! writes survive `kill -9` (DESIGN.md invariants 1, 2, 3 and 8).

use crate::common;

use std::collections::BTreeSet;

use common::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

/// Two talks of the second day that start at the same time in different rooms (they
/// overlap), and a third later that day that overlaps neither.
async fn day_two_talks(app: &TestApp) -> (i64, i64, i64) {
    let (first, twin) = common::twin_talks(app, 1).await;
    let conf = app.json("/api/v1/conferences/demo").await;
    let day = conf["days"][1].as_str().unwrap();
    let talks = app
        .json(&format!(
            "/api/v1/conferences/demo/sessions?day={day}&kind=talk"
        ))
        .await;
    let ends = talks
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == first)
        .unwrap()["ends_at"]
        .clone();
    let later = talks
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["starts_at"].as_str() > ends.as_str())
        .unwrap();
    (first, twin, later["id"].as_i64().unwrap())
}

async fn set_capacity(app: &TestApp, organizer: &str, session: i64, capacity: Value) -> Value {
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/conferences/demo/sessions/{session}/capacity"),
            organizer,
            Some(json!({ "capacity": capacity })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn put(app: &TestApp, token: &str, session: i64, body: Value) -> (u16, Value) {
    app.call(
        Method::PUT,
        &format!("/api/v1/conferences/demo/agenda/{session}"),
        token,
        Some(body),
    )
    .await
}

async fn agenda(app: &TestApp, token: &str) -> Value {
    let (status, body) = app
        .call(Method::GET, "/api/v1/conferences/demo/agenda", token, None)
        .await;
    assert_eq!(status, 200);
    body
}

async fn race(app: &TestApp, tokens: &[String], session: i64, body: Value) -> Vec<(u16, Value)> {
    let mut set = tokio::task::JoinSet::new();
    for (i, token) in tokens.iter().enumerate() {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/conferences/demo/agenda/{session}"));
        let (token, body) = (token.clone(), body.clone());
        set.spawn(async move {
            let r = client
                .put(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (i, status, r.json::<Value>().await.unwrap())
        });
    }
    let mut out = vec![(0, Value::Null); tokens.len()];
    while let Some(done) = set.join_next().await {
        let (i, status, body) = done.unwrap();
        out[i] = (status, body);
    }
    out
}

server_test!(
    five_hundred_attendees_race_for_fifty_seats,
    |app| async move {
        let organizer = app.organizer().await;
        let (session, _, _) = day_two_talks(&app).await;
        set_capacity(&app, &organizer, session, json!(50)).await;
        let tokens = app.signup_many("race", 500).await;

        let results = race(&app, &tokens, session, json!({ "waitlist": true })).await;
        let reserved = results.iter().filter(|(s, _)| *s == 201).count();
        let waitlisted: Vec<u64> = results
            .iter()
            .filter(|(s, _)| *s == 202)
            .map(|(_, b)| b["position"].as_u64().unwrap())
            .collect();
        assert_eq!(reserved, 50, "exactly the capacity is reserved");
        assert_eq!(waitlisted.len(), 450, "everyone else waits");
        let positions: BTreeSet<u64> = waitlisted.iter().copied().collect();
        assert_eq!(
            positions,
            (1..=450).collect::<BTreeSet<u64>>(),
            "positions 1..N, each once"
        );
        // The positions answered are the ones the agenda shows.
        for (i, (status, body)) in results
            .iter()
            .enumerate()
            .filter(|(_, (s, _))| *s == 202)
            .take(25)
        {
            let mine = agenda(&app, &tokens[i]).await;
            assert_eq!(
                mine["waitlisted"][0]["position"], body["position"],
                "attendee {i} ({status})"
            );
        }
        let s = app
            .json(&format!("/api/v1/conferences/demo/sessions/{session}"))
            .await;
        assert_eq!(s["seats_left"], 0);
        assert_eq!(s["seat_state"], "full");

        // Without the waitlist flag, latecomers are refused and nothing changes.
        let late = app.signup_many("late", 40).await;
        let refused = race(&app, &late, session, json!({})).await;
        for (status, body) in &refused {
            assert_eq!(*status, 409);
            assert!(body["type"].as_str().unwrap().ends_with("/full"));
            assert_eq!(body["seats_left"], 0);
        }
        app.assert_invariants().await;
    }
);

server_test!(
    two_devices_cannot_double_book_one_attendee,
    |app| async move {
        let (a, b, _) = day_two_talks(&app).await;
        let tokens = app.signup_many("twodev", 30).await;
        let mut set = tokio::task::JoinSet::new();
        for token in tokens {
            // Two clients: two connections, like a phone and a laptop.
            let (phone, laptop) = (reqwest::Client::new(), reqwest::Client::new());
            let url = |s: i64| app.url(&format!("/api/v1/conferences/demo/agenda/{s}"));
            let (ua, ub) = (url(a), url(b));
            set.spawn(async move {
                let (ra, rb) = tokio::join!(
                    phone.put(ua).bearer_auth(&token).send(),
                    laptop.put(ub).bearer_auth(&token).send()
                );
                let (ra, rb) = (ra.unwrap(), rb.unwrap());
                let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
                let bodies: Vec<Value> = vec![ra.json().await.unwrap(), rb.json().await.unwrap()];
                statuses.sort_unstable();
                (statuses, bodies)
            });
        }
        while let Some(done) = set.join_next().await {
            let (statuses, bodies) = done.unwrap();
            assert_eq!(
                statuses,
                [201, 409],
                "exactly one of two overlapping sessions: {bodies:?}"
            );
            let refusal = bodies.iter().find(|b| b["type"].is_string()).unwrap();
            assert!(refusal["type"].as_str().unwrap().ends_with("/conflict"));
            assert_eq!(
                refusal["conflicts"].as_array().unwrap().len(),
                1,
                "the clash is named"
            );
        }
        app.assert_invariants().await;
    }
);

server_test!(
    replace_swaps_atomically_or_changes_nothing,
    |app| async move {
        let (a, b, later) = day_two_talks(&app).await;
        let token = app.signup("swap@test.invalid").await;
        assert_eq!(put(&app, &token, a, json!({})).await.0, 201);
        assert_eq!(
            put(&app, &token, a, json!({})).await.0,
            200,
            "again: already reserved"
        );
        let (status, body) = put(&app, &token, b, json!({})).await;
        assert_eq!(status, 409);
        assert_eq!(body["conflicts"][0]["id"], a);
        assert!(body["detail"].as_str().unwrap().contains("replace"));
        // A replace that names a session not held changes nothing.
        let (status, body) = put(&app, &token, b, json!({ "replace": [later] })).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["field"], "replace");
        assert_eq!(agenda(&app, &token).await["reserved"][0]["id"], a);
        // The real swap.
        let before = app
            .json(&format!("/api/v1/conferences/demo/sessions/{a}"))
            .await["seats_left"]
            .as_i64()
            .unwrap();
        let (status, _) = put(&app, &token, b, json!({ "replace": [a] })).await;
        assert_eq!(status, 201);
        let mine = agenda(&app, &token).await;
        let ids: Vec<i64> = mine["reserved"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![b]);
        let after = app
            .json(&format!("/api/v1/conferences/demo/sessions/{a}"))
            .await["seats_left"]
            .as_i64()
            .unwrap();
        assert_eq!(after, before + 1, "the dropped seat is free again");
        // Deleting frees the seat; deleting again is a 404.
        let (status, _) = app
            .call(
                Method::DELETE,
                &format!("/api/v1/conferences/demo/agenda/{b}"),
                &token,
                None,
            )
            .await;
        assert_eq!(status, 204);
        let (status, body) = app
            .call(
                Method::DELETE,
                &format!("/api/v1/conferences/demo/agenda/{b}"),
                &token,
                None,
            )
            .await;
        assert_eq!(status, 404, "{body}");
        app.assert_invariants().await;
    }
);

server_test!(
    cancel_storms_promote_the_waitlist_in_order,
    |app| async move {
        let organizer = app.organizer().await;
        let (session, twin, _) = day_two_talks(&app).await;
        set_capacity(&app, &organizer, session, json!(20)).await;
        let holders = app.signup_many("hold", 20).await;
        for t in &holders {
            assert_eq!(put(&app, t, session, json!({})).await.0, 201);
        }
        let waiters = app.signup_many("wait", 40).await;
        // Waiters 2 and 6 (0-based) hold an overlapping session: they must be skipped, and
        // keep their place.
        for i in [2, 6] {
            assert_eq!(put(&app, &waiters[i], twin, json!({})).await.0, 201);
        }
        for (i, t) in waiters.iter().enumerate() {
            let (status, body) = put(&app, t, session, json!({ "waitlist": true })).await;
            assert_eq!(status, 202, "{body}");
            assert_eq!(body["position"], i + 1, "arrival order");
        }
        // All twenty holders cancel at once.
        let mut set = tokio::task::JoinSet::new();
        for t in holders {
            let client = app.client.clone();
            let url = app.url(&format!("/api/v1/conferences/demo/agenda/{session}"));
            set.spawn(async move {
                client
                    .delete(url)
                    .bearer_auth(t)
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
        // The first twenty without an overlap got the seats, in order.
        let expected: Vec<usize> = (0..40).filter(|i| ![2, 6].contains(i)).take(20).collect();
        let mut still_waiting = Vec::new();
        for (i, t) in waiters.iter().enumerate() {
            let mine = agenda(&app, t).await;
            let has = |list: &str| {
                mine[list]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["id"] == session || s["session"]["id"] == session)
            };
            if expected.contains(&i) {
                assert!(has("reserved"), "waiter {i} should have been promoted");
                let page = app
                    .client
                    .get(app.url("/c/demo/agenda"))
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                assert!(page.contains("A seat freed up"), "waiter {i} is notified");
            } else {
                assert!(has("waitlisted"), "waiter {i} should still wait");
                let position = mine["waitlisted"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|w| w["session"]["id"] == session)
                    .unwrap()["position"]
                    .as_u64()
                    .unwrap();
                still_waiting.push((i, position));
            }
        }
        let order: Vec<usize> = {
            let mut v = still_waiting.clone();
            v.sort_by_key(|(_, p)| *p);
            v.into_iter().map(|(i, _)| i).collect()
        };
        assert_eq!(
            &order[..2],
            &[2, 6],
            "the skipped keep the head of the queue"
        );
        assert_eq!(
            still_waiting
                .iter()
                .map(|(_, p)| *p)
                .collect::<BTreeSet<_>>(),
            (1..=20).collect()
        );
        app.assert_invariants().await;
    }
);

server_test!(
    capacity_changes_keep_people_in_and_promote_on_raise,
    |app| async move {
        let organizer = app.organizer().await;
        let (session, _, _) = day_two_talks(&app).await;
        set_capacity(&app, &organizer, session, json!(5)).await;
        let people = app.signup_many("cap", 9).await;
        for t in &people[..5] {
            assert_eq!(put(&app, t, session, json!({})).await.0, 201);
        }
        // Lowering below the seats taken keeps everyone.
        set_capacity(&app, &organizer, session, json!(3)).await;
        assert_eq!(
            agenda(&app, &people[0]).await["reserved"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            put(&app, &people[5], session, json!({ "waitlist": true }))
                .await
                .0,
            202
        );
        // One leaves: still 4 > 3, nobody new gets in.
        assert_eq!(
            app.call(
                Method::DELETE,
                &format!("/api/v1/conferences/demo/agenda/{session}"),
                &people[0],
                None
            )
            .await
            .0,
            204
        );
        assert_eq!(
            agenda(&app, &people[5]).await["waitlisted"][0]["position"],
            1
        );
        app.assert_invariants().await;
        // Two more leave: 2 < 3, the waiting one is promoted in the same transaction.
        for t in &people[1..3] {
            assert_eq!(
                app.call(
                    Method::DELETE,
                    &format!("/api/v1/conferences/demo/agenda/{session}"),
                    t,
                    None
                )
                .await
                .0,
                204
            );
        }
        assert_eq!(agenda(&app, &people[5]).await["reserved"][0]["id"], session);
        // Raising promotes at once.
        for t in &people[6..9] {
            assert_eq!(
                put(&app, t, session, json!({ "waitlist": true })).await.0,
                202
            );
        }
        let body = set_capacity(&app, &organizer, session, json!(10)).await;
        assert_eq!(body["promoted"], 3);
        assert_eq!(body["capacity"], 10);
        // Only organizers may.
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/conferences/demo/sessions/{session}/capacity"),
                &people[8],
                Some(json!({"capacity": 1})),
            )
            .await;
        assert_eq!(status, 403, "{body}");
        app.assert_invariants().await;
    }
);

server_test!(
    started_sessions_and_breaks_refuse_changes,
    |app| async move {
        let token = app.signup("late@test.invalid").await;
        let now = chrono::Utc::now();
        let sessions = app.json("/api/v1/conferences/demo/sessions").await;
        let started = sessions
            .as_array()
            .unwrap()
            .iter()
            .find(|s| {
                s["kind"] != "break"
                    && chrono::DateTime::parse_from_rfc3339(s["starts_at"].as_str().unwrap())
                        .unwrap()
                        < now - chrono::Duration::minutes(10)
            })
            .unwrap();
        let (status, body) = put(&app, &token, started["id"].as_i64().unwrap(), json!({})).await;
        assert_eq!(status, 409);
        assert!(
            body["type"].as_str().unwrap().ends_with("/closed"),
            "{body}"
        );
        let lunch = sessions
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == "break")
            .unwrap();
        let (status, body) = put(&app, &token, lunch["id"].as_i64().unwrap(), json!({})).await;
        assert_eq!(status, 409);
        assert!(body["type"].as_str().unwrap().ends_with("/not-reservable"));
        let (status, body) = put(&app, &token, 999_999, json!({})).await;
        assert_eq!(status, 404, "{body}");
        let (status, body) = app
            .call(
                Method::PUT,
                "/api/v1/conferences/demo/agenda/1",
                &token,
                Some(json!({"waitlist": "yes"})),
            )
            .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["field"], "body");
    }
);

#[tokio::test]
async fn acknowledged_reservations_survive_kill_9() {
    acknowledged_reservations_survive(hallway_store::testing::TestDb::sqlite()).await;
}

#[tokio::test]
async fn acknowledged_reservations_survive_kill_9_on_postgres() {
    if let Some(db) = hallway_store::testing::TestDb::postgres("agenda::kill_9").await {
        acknowledged_reservations_survive(db).await;
    }
}

async fn acknowledged_reservations_survive(db: hallway_store::testing::TestDb) {
    let app = TestApp::demo(db).await;
    let (a, b, later) = day_two_talks(&app).await;
    let tokens = app.signup_many("durable", 120).await;
    let mut set = tokio::task::JoinSet::new();
    for (i, t) in tokens.iter().enumerate() {
        let client = app.client.clone();
        let session = [a, b, later][i % 3];
        let url = app.url(&format!("/api/v1/conferences/demo/agenda/{session}"));
        let t = t.clone();
        set.spawn(async move {
            let status = client
                .put(url)
                .bearer_auth(&t)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            (t, session, status)
        });
    }
    let mut acknowledged = Vec::new();
    while let Some(done) = set.join_next().await {
        let (t, session, status) = done.unwrap();
        if status == 201 {
            acknowledged.push((t, session));
        }
    }
    assert_eq!(acknowledged.len(), 120);
    // No shutdown, no flush: SIGKILL right after the acknowledgements.
    let db = app.kill9().await;
    let app = TestApp::start(db, &["serve", "--listen", "127.0.0.1:0"]).await;
    for (t, session) in &acknowledged {
        let mine = agenda(&app, t).await;
        assert_eq!(
            mine["reserved"][0]["id"], *session,
            "an acknowledged reservation was lost"
        );
    }
    app.assert_invariants().await;
}

server_test!(
    accounts_refuse_bad_input_and_wrong_passwords,
    |app| async move {
        let signup = |body: Value| {
            let client = app.client.clone();
            let url = app.url("/api/v1/auth/signup");
            async move {
                let r = client.post(url).json(&body).send().await.unwrap();
                (r.status().as_u16(), r.json::<Value>().await.unwrap())
            }
        };
        let (s, b) =
            signup(json!({"email": "not-an-email", "password": "long enough", "name": "X"})).await;
        assert_eq!((s, b["field"].as_str()), (400, Some("email")));
        let (s, b) =
            signup(json!({"email": "x@test.invalid", "password": "short", "name": "X"})).await;
        assert_eq!((s, b["field"].as_str()), (400, Some("password")));
        let token = app.signup("dup@test.invalid").await;
        let (s, _) =
            signup(json!({"email": "DUP@test.invalid", "password": "long enough", "name": "X"}))
                .await;
        assert_eq!(s, 409, "the same email in other case is taken");

        let login = |password: &str| {
            let client = app.client.clone();
            let url = app.url("/api/v1/auth/login");
            let body = json!({"email": "dup@test.invalid", "password": password});
            async move {
                client
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        };
        assert_eq!(login("correct horse battery").await, 200);
        for _ in 0..5 {
            assert_eq!(login("wrong password").await, 401);
        }
        assert_eq!(
            login("correct horse battery").await,
            429,
            "this address waits before trying the account again"
        );

        // Unauthenticated and revoked.
        let r = app.get("/api/v1/conferences/demo/agenda").await;
        assert_eq!(r.status(), 401);
        assert_eq!(
            app.call(Method::GET, "/api/v1/me", &token, None).await.0,
            200
        );
        assert_eq!(
            app.call(Method::POST, "/api/v1/auth/logout", &token, None)
                .await
                .0,
            204
        );
        assert_eq!(
            app.call(Method::GET, "/api/v1/me", &token, None).await.0,
            401
        );
    }
);

server_test!(
    the_pages_reserve_resolve_conflicts_and_refuse_cross_site_posts,
    |app| async move {
        let (a, b, _) = day_two_talks(&app).await;
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = browser
            .post(app.url("/signup"))
            .form(&[
                ("email", "page@test.invalid"),
                ("password", "correct horse battery"),
                ("name", "Page User"),
                ("next", "/c/demo/agenda"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/c/demo/agenda");
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );

        let form = |session: i64, action: &'static str, replace: String| {
            let browser = browser.clone();
            let url = app.url(&format!("/c/demo/agenda/{session}"));
            async move {
                browser
                    .post(url)
                    .form(&[
                        ("action", action),
                        ("replace", replace.as_str()),
                        ("next", "/c/demo/agenda"),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
        };
        assert_eq!(form(a, "add", String::new()).await.status(), 303);
        let page = browser
            .get(app.url(&format!("/c/demo/sessions/{a}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("In your agenda") && page.contains("Remove from my agenda"));

        let clash = form(b, "add", String::new()).await;
        assert_eq!(clash.status(), 409);
        let page = clash.text().await.unwrap();
        assert!(
            page.contains("It overlaps your agenda") && page.contains("Replace with this session")
        );
        assert_eq!(form(b, "replace", a.to_string()).await.status(), 303);
        let mine = browser
            .get(app.url("/c/demo/agenda"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            mine.contains(&format!("data-session=\"{b}\""))
                && !mine.contains(&format!("data-session=\"{a}\""))
        );

        // A cross-site form post is refused (CSRF), and changes nothing.
        let r = browser
            .post(app.url(&format!("/c/demo/agenda/{b}")))
            .header("sec-fetch-site", "cross-site")
            .form(&[("action", "remove")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let mine = browser
            .get(app.url("/c/demo/agenda"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(mine.contains(&format!("data-session=\"{b}\"")));

        // Logged out, agenda pages send you to log in.
        let anon = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = anon.get(app.url("/c/demo/agenda")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/login?next=/c/demo/agenda");
    }
);

server_test!(
    the_calendar_feed_carries_the_agenda_with_alarms,
    |app| async move {
        let (a, _, later) = day_two_talks(&app).await;
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = browser
            .post(app.url("/signup"))
            .form(&[
                ("email", "cal@test.invalid"),
                ("password", "correct horse battery"),
                ("name", "Cal"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        for s in [a, later] {
            let r = browser
                .post(app.url(&format!("/c/demo/agenda/{s}")))
                .form(&[("action", "add")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 303);
        }
        // Twenty minutes ahead instead of ten.
        let r = browser
            .post(app.url("/c/demo/agenda/reminders"))
            .form(&[("minutes", "20")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let page = browser
            .get(app.url("/c/demo/agenda"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let start = page.find("/c/demo/agenda.ics?key=").unwrap();
        let url = page[start..].split('"').next().unwrap().to_owned();

        // The feed needs no log-in: the key is the credential.
        let feed = app.get(&url).await;
        assert_eq!(feed.status(), 200);
        assert!(
            feed.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/calendar")
        );
        let ics = feed.text().await.unwrap();
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
        assert_eq!(ics.matches("BEGIN:VALARM").count(), 2);
        assert!(
            ics.contains("TRIGGER:-PT1200S") || ics.contains("TRIGGER:-PT20M"),
            "{ics}"
        );
        assert!(ics.contains(&format!("UID:session-{a}@")));

        // Reminders off: no alarms. A new link: the old one stops working.
        browser
            .post(app.url("/c/demo/agenda/reminders"))
            .form(&[("minutes", "")])
            .send()
            .await
            .unwrap();
        assert!(!app.get(&url).await.text().await.unwrap().contains("VALARM"));
        browser
            .post(app.url("/c/demo/agenda/calendar-key"))
            .send()
            .await
            .unwrap();
        assert_eq!(app.get(&url).await.status(), 404);
        assert_eq!(
            app.get("/c/demo/agenda.ics?key=nonsense").await.status(),
            404
        );
    }
);

server_test!(organizers_set_the_grace_period, |app| async move {
    let organizer = app.organizer().await;
    let attendee = app.signup("grace@test.invalid").await;
    let path = "/api/v1/conferences/demo/settings";
    let (s, b) = app
        .call(
            Method::PUT,
            path,
            &organizer,
            Some(json!({"agenda_grace_minutes": 15})),
        )
        .await;
    assert_eq!((s, b["agenda_grace_minutes"].as_u64()), (200, Some(15)));
    let (s, b) = app
        .call(
            Method::PUT,
            path,
            &organizer,
            Some(json!({"agenda_grace_minutes": 999})),
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (400, Some("agenda_grace_minutes"))
    );
    let (s, _) = app
        .call(
            Method::PUT,
            path,
            &attendee,
            Some(json!({"agenda_grace_minutes": 0})),
        )
        .await;
    assert_eq!(s, 403);
});

#[tokio::test]
async fn the_demo_agendas_keep_the_invariants_and_fill_some_labs() {
    let app = TestApp::start(
        hallway_store::testing::TestDb::sqlite(),
        &["demo", "--attendees", "400", "--listen", "127.0.0.1:0"],
    )
    .await;
    let labs = app.json("/api/v1/conferences/demo/sessions?kind=lab").await;
    let full = labs
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["seat_state"] == "full")
        .count();
    assert!(full >= 1, "the demo shows full labs with waitlists");
    app.assert_invariants().await;
}
