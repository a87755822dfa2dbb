//! The venue against the real server (issue #10): doors, labs and announcements through the
//! API, and the races the issue names — many concurrent door scans on a nearly full room
//! through several doors (and, on PostgreSQL, two server instances) never pass its capacity
//! (DESIGN.md invariant 7); many concurrent lab starts, each attendee twice at once, never
//! share a machine and never give one attendee two (invariant 6).

use crate::common;

use common::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

async fn demo_id(app: &TestApp) -> hallway_domain::ConferenceId {
    app.store()
        .await
        .conference(&hallway_domain::Slug::parse("demo").unwrap())
        .await
        .unwrap()
        .unwrap()
        .conference
        .id
}

/// The badge code of each attendee.
async fn codes(app: &TestApp, tokens: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for t in tokens {
        let (status, card) = app
            .call(Method::GET, "/api/v1/conferences/demo/me/card", t, None)
            .await;
        assert_eq!(status, 200, "{card}");
        out.push(card["code"].as_str().unwrap().to_owned());
    }
    out
}

async fn door(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    room: i64,
    code: &str,
    direction: &str,
) -> (u16, Value) {
    let r = client
        .post(format!("{base}/api/v1/conferences/demo/rooms/{room}/door"))
        .bearer_auth(token)
        .json(&json!({ "code": code, "direction": direction }))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

async fn assert_venue_holds(app: &TestApp) {
    let store = app.store().await;
    let c = demo_id(app).await;
    assert_eq!(
        store.venue_violations(c, chrono::Utc::now()).await.unwrap(),
        Vec::<String>::new(),
        "invariants 6 and 7"
    );
    assert_eq!(store.points_mismatches(c).await.unwrap(), vec![]);
}

server_test!(
    concurrent_door_scans_never_pass_capacity,
    |app| async move {
        let organizer = app.organizer().await;
        let volunteer = app
            .user("door@test.invalid", "volunteer", Some("demo"))
            .await;
        let (status, room) = app
            .call(
                Method::POST,
                "/api/v1/conferences/demo/rooms",
                &organizer,
                Some(json!({"name": "Overflow Theater", "capacity": 10})),
            )
            .await;
        assert_eq!(status, 201, "{room}");
        let room = room["id"].as_i64().unwrap();
        let people = app.signup_many("door", 48).await;
        let codes = codes(&app, &people).await;
        // Attendees may not staff a door; bad codes name the field.
        let (status, p) = door(&app.client, &app.base, &people[0], room, &codes[0], "in").await;
        assert_eq!(status, 403, "{p}");
        let (status, p) = door(&app.client, &app.base, &volunteer, room, "hello", "in").await;
        assert_eq!((status, p["field"].as_str()), (400, Some("code")));
        let (status, p) = door(
            &app.client,
            &app.base,
            &volunteer,
            room,
            &codes[0],
            "sideways",
        )
        .await;
        assert_eq!((status, p["field"].as_str()), (400, Some("direction")));
        // Nearly full: seven in.
        for code in &codes[..7] {
            let (status, d) = door(&app.client, &app.base, &volunteer, room, code, "in").await;
            assert_eq!((status, d["admitted"].as_bool()), (200, Some(true)), "{d}");
        }
        // Forty people at three doors at once; on PostgreSQL one door talks to another instance.
        let other = if app.store().await.shares_events() {
            Some(app.another_instance(&[]).await)
        } else {
            None
        };
        let doors: Vec<(reqwest::Client, String)> = vec![
            (reqwest::Client::new(), app.base.clone()),
            (reqwest::Client::new(), app.base.clone()),
            match &other {
                Some(i) => (i.client.clone(), i.base.clone()),
                None => (reqwest::Client::new(), app.base.clone()),
            },
        ];
        let mut set = tokio::task::JoinSet::new();
        for (i, code) in codes[7..47].iter().enumerate() {
            let (client, base) = doors[i % doors.len()].clone();
            let (volunteer, code) = (volunteer.clone(), code.clone());
            set.spawn(async move { door(&client, &base, &volunteer, room, &code, "in").await });
        }
        let mut admitted = 0;
        let mut refused = 0;
        while let Some(done) = set.join_next().await {
            let (status, d) = done.unwrap();
            assert_eq!(status, 200, "{d}");
            assert!(d["occupancy"].as_u64().unwrap() <= 10, "{d}");
            if d["admitted"] == true {
                admitted += 1;
            } else {
                assert_eq!(d["reason"], "full", "{d}");
                refused += 1;
            }
        }
        assert_eq!((admitted, refused), (3, 37));
        // One out at an exit, one more in; the count is the same at every door.
        let (_, d) = door(&app.client, &app.base, &volunteer, room, &codes[0], "out").await;
        assert_eq!(
            (d["reason"].as_str(), d["occupancy"].as_u64()),
            (Some("checked_out"), Some(9))
        );
        let (_, d) = door(&app.client, &app.base, &volunteer, room, &codes[47], "in").await;
        assert_eq!(d["occupancy"], 10, "{d}");
        let (status, rooms) = app
            .call(
                Method::GET,
                "/api/v1/conferences/demo/occupancy",
                &volunteer,
                None,
            )
            .await;
        assert_eq!(status, 200);
        let here = rooms
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == room || r["room"] == room)
            .unwrap();
        assert_eq!(
            (here["occupancy"].as_u64(), here["capacity"].as_u64()),
            (Some(10), Some(10))
        );
        assert_venue_holds(&app).await;
    }
);

/// The demo's lab whose doors are open now and that runs longest.
async fn running_lab(app: &TestApp) -> (i64, i64) {
    let now = chrono::Utc::now();
    let sessions = app.json("/api/v1/conferences/demo/sessions?kind=lab").await;
    let t =
        |s: &Value, f: &str| chrono::DateTime::parse_from_rfc3339(s[f].as_str().unwrap()).unwrap();
    let lab = sessions
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            t(s, "starts_at") - chrono::Duration::minutes(15) <= now
                && now + chrono::Duration::minutes(5) < t(s, "ends_at")
        })
        .max_by_key(|s| t(s, "ends_at"))
        .expect("the demo has a lab running");
    let room = lab["room"]["id"].as_i64().unwrap();
    (lab["id"].as_i64().unwrap(), room)
}

server_test!(
    concurrent_lab_starts_never_share_a_machine,
    |app| async move {
        let organizer = app.organizer().await;
        let (lab, room) = running_lab(&app).await;
        // A mistake in the pool's CSV names its line and column and imports nothing.
        let pool_url = format!("/api/v1/conferences/demo/sessions/{lab}/machines");
        let r = app
            .client
            .post(app.url(&pool_url))
            .bearer_auth(&organizer)
            .header("content-type", "text/csv")
            .body("name,address,username,secret\nm-1,10.0.0.1,dev,pw\nm-2,,dev,pw\n")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let p: Value = r.json().await.unwrap();
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("line 3, column 2: address is empty"),
            "{p}"
        );
        let csv: String = std::iter::once("name,address,username,secret\n".to_owned())
            .chain((0..12).map(|i| format!("m-{i:02},10.0.1.{i},dev,pw-{i}\n")))
            .collect();
        let r = app
            .client
            .post(app.url(&pool_url))
            .bearer_auth(&organizer)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // The demo gave the lab a pool already; with ours, this many are free.
        let (_, pool) = app.call(Method::GET, &pool_url, &organizer, None).await;
        let free = pool
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["holder"].is_null())
            .count();
        assert!(free >= 12, "{pool}");
        let expected = free.min(20);
        // Twenty attendees checked in at the lab's door (no reservations: the demo has none
        // here), each starting the lab twice at the same moment (scarcer pools: the store
        // test races 60 starts for 20 machines).
        let people = app.signup_many("lab", 20).await;
        let codes = codes(&app, &people).await;
        let (status, p) = app
            .call(
                Method::POST,
                &format!("/api/v1/conferences/demo/sessions/{lab}/lab"),
                &people[0],
                None,
            )
            .await;
        assert_eq!(
            (
                status,
                p["type"].as_str().map(|t| t.ends_with("not-attending"))
            ),
            (403, Some(true)),
            "{p}"
        );
        for code in &codes {
            let (status, d) = door(&app.client, &app.base, &organizer, room, code, "in").await;
            assert_eq!((status, d["admitted"].as_bool()), (200, Some(true)), "{d}");
        }
        let mut set = tokio::task::JoinSet::new();
        for i in 0..40 {
            let client = reqwest::Client::new();
            let url = app.url(&format!("/api/v1/conferences/demo/sessions/{lab}/lab"));
            let token = people[i % 20].clone();
            set.spawn(async move {
                let r = client.post(url).bearer_auth(token).send().await.unwrap();
                let status = r.status().as_u16();
                (i % 20, status, r.json::<Value>().await.unwrap())
            });
        }
        let mut got: Vec<Vec<String>> = vec![Vec::new(); 20];
        while let Some(done) = set.join_next().await {
            let (who, status, body) = done.unwrap();
            match status {
                200 | 201 => got[who].push(body["machine"]["name"].as_str().unwrap().to_owned()),
                409 => assert!(
                    body["type"].as_str().unwrap().ends_with("no-machine-free"),
                    "{body}"
                ),
                other => panic!("{other}: {body}"),
            }
        }
        let mut handed: Vec<String> = Vec::new();
        for names in &got {
            if let Some(first) = names.first() {
                assert!(
                    names.iter().all(|n| n == first),
                    "one attendee was told of two machines: {names:?}"
                );
                handed.push(first.clone());
            }
        }
        handed.sort();
        let before = handed.len();
        handed.dedup();
        assert_eq!(
            (before, handed.len()),
            (expected, expected),
            "one machine per person while they last, none shared"
        );
        // The pool agrees; finishing returns the machine (and earns the lab's points).
        let (status, pool) = app.call(Method::GET, &pool_url, &organizer, None).await;
        assert_eq!(status, 200);
        assert_eq!(
            pool.as_array()
                .unwrap()
                .iter()
                .filter(|m| !m["holder"].is_null())
                .count(),
            expected
        );
        let holder = got.iter().position(|n| !n.is_empty()).unwrap();
        let (status, mine) = app
            .call(
                Method::GET,
                &format!("/api/v1/conferences/demo/sessions/{lab}/lab"),
                &people[holder],
                None,
            )
            .await;
        assert_eq!(
            (status, mine["machine"]["name"].as_str()),
            (200, Some(got[holder][0].as_str()))
        );
        let (status, _) = app
            .call(
                Method::DELETE,
                &format!("/api/v1/conferences/demo/sessions/{lab}/lab"),
                &people[holder],
                None,
            )
            .await;
        assert_eq!(status, 204);
        let (_, pool) = app.call(Method::GET, &pool_url, &organizer, None).await;
        assert_eq!(
            pool.as_array()
                .unwrap()
                .iter()
                .filter(|m| !m["holder"].is_null())
                .count(),
            expected - 1
        );
        assert_venue_holds(&app).await;
    }
);

server_test!(announcements_reach_the_feed, |app| async move {
    let organizer = app.organizer().await;
    let attendee = app.signup("reader@test.invalid").await;
    let (status, p) = app
        .call(
            Method::POST,
            "/api/v1/conferences/demo/announcements",
            &attendee,
            Some(json!({"text": "hi", "audience": "everyone"})),
        )
        .await;
    assert_eq!(status, 403, "{p}");
    let (status, p) = app
        .call(
            Method::POST,
            "/api/v1/conferences/demo/announcements",
            &organizer,
            Some(json!({"text": "hi", "audience": "room:x"})),
        )
        .await;
    assert_eq!((status, p["field"].as_str()), (400, Some("audience")));
    let (status, a) = app
        .call(
            Method::POST,
            "/api/v1/conferences/demo/announcements",
            &organizer,
            Some(json!({"text": "Lunch is served in the foyer", "audience": "everyone"})),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    let feed = app.json("/api/v1/conferences/demo/announcements").await;
    assert_eq!(feed[0]["text"], "Lunch is served in the foyer");
    // The door settings: organizers only, checked field by field.
    let path = "/api/v1/conferences/demo/venue";
    let (status, s) = app.call(Method::GET, path, &organizer, None).await;
    assert_eq!((status, s["reserved_minutes"].as_u64()), (200, Some(10)));
    let (status, _) = app.call(Method::GET, path, &attendee, None).await;
    assert_eq!(status, 403);
    let (status, p) = app
        .call(
            Method::PUT,
            path,
            &organizer,
            Some(json!({"reserved_minutes": 500, "doors_open_minutes": 15, "reset_between": true})),
        )
        .await;
    assert_eq!(
        (status, p["field"].as_str()),
        (400, Some("reserved_minutes")),
        "{p}"
    );
    let (status, s) = app
        .call(
            Method::PUT,
            path,
            &organizer,
            Some(json!({"reserved_minutes": 5, "doors_open_minutes": 20, "reset_between": false})),
        )
        .await;
    assert_eq!((status, s["reset_between"].as_bool()), (200, Some(false)));
});

server_test!(venue_pages_answer_by_role, |app| async move {
    let _ = app
        .user("boss@test.invalid", "organizer", Some("demo"))
        .await;
    let _ = app
        .user("vol@test.invalid", "volunteer", Some("demo"))
        .await;
    let _ = app
        .user("guest@test.invalid", "attendee", Some("demo"))
        .await;
    let (boss, vol, guest) = (
        app.browser("boss@test.invalid").await,
        app.browser("vol@test.invalid").await,
        app.browser("guest@test.invalid").await,
    );
    let (lab, room) = running_lab(&app).await;
    let get = |client: &reqwest::Client, path: &str| {
        let (client, url) = (client.clone(), app.url(path));
        async move {
            let r = client.get(url).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    let door = format!("/c/demo/rooms/{room}/door");
    let (status, page) = get(&vol, &door).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-occupancy-for"), "{page}");
    assert_eq!(get(&guest, &door).await.0, 403);
    // The door works without JavaScript: the form posts and the page answers.
    let r = vol
        .post(app.url(&door))
        .form(&[("code", "ZZZZ-ZZZZ"), ("direction", "in")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Unknown badge"));
    let (status, page) = get(&guest, &format!("/c/demo/sessions/{lab}/lab")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Start the lab"));
    let machines = format!("/c/demo/sessions/{lab}/machines");
    assert_eq!(get(&boss, &machines).await.0, 200);
    assert_eq!(get(&vol, &machines).await.0, 403);
    let (status, page) = get(&boss, "/c/demo/dashboard").await;
    assert_eq!(status, 200);
    assert!(page.contains("<svg class=\"chart\""), "{page}");
    assert_eq!(get(&guest, "/c/demo/dashboard").await.0, 403);
    for table in ["sessions", "rooms", "labs", "points"] {
        let (status, csv) = get(&boss, &format!("/c/demo/dashboard/{table}.csv")).await;
        assert_eq!(status, 200, "{table}");
        assert!(csv.lines().count() >= 1, "{table}: {csv}");
    }
    // Announcements: organizers post with the form; everyone reads the feed.
    let r = boss
        .post(app.url("/c/demo/announcements"))
        .form(&[
            ("text", "Doors open in five minutes"),
            ("audience", "everyone"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (status, page) = get(&boss, "/c/demo/announcements").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("value=\"session:"),
        "a running session is offered: {page}"
    );
    let (status, page) = get(&guest, "/c/demo/announcements").await;
    assert_eq!(status, 200);
    assert!(page.contains("Doors open in five minutes"));
});

server_test!(door_rules_are_set_on_the_dashboard, |app| async move {
    let organizer = app.organizer().await;
    let _ = app
        .user("rules@test.invalid", "organizer", Some("demo"))
        .await;
    let _ = app
        .user("walkin@test.invalid", "attendee", Some("demo"))
        .await;
    let (boss, guest) = (
        app.browser("rules@test.invalid").await,
        app.browser("walkin@test.invalid").await,
    );
    let settings = || async {
        app.call(
            Method::GET,
            "/api/v1/conferences/demo/venue",
            &organizer,
            None,
        )
        .await
        .1
    };
    let before = settings().await;
    let post = |client: &reqwest::Client, form: Vec<(&'static str, &'static str)>| {
        let (client, url) = (client.clone(), app.url("/c/demo/dashboard"));
        async move {
            let r = client.post(url).form(&form).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    // A refusal names the field, shows what was typed, and changes nothing.
    let (status, page) = post(
        &boss,
        vec![("reserved_minutes", "ten"), ("doors_open_minutes", "20")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("Seats held for reservations"), "{page}");
    assert!(page.contains("value=\"ten\""), "{page}");
    let (status, page) = post(
        &boss,
        vec![("reserved_minutes", "5"), ("doors_open_minutes", "999")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        page.contains("Doors open before the start: at most"),
        "{page}"
    );
    assert_eq!(settings().await, before);
    // Attendees cannot.
    let (status, _) = post(
        &guest,
        vec![("reserved_minutes", "1"), ("doors_open_minutes", "1")],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(settings().await, before);
    // An organizer sets them; the unticked box turns the reset off.
    let (status, _) = post(
        &boss,
        vec![("reserved_minutes", "7"), ("doors_open_minutes", "25")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        settings().await,
        json!({"reserved_minutes": 7, "doors_open_minutes": 25, "reset_between": false})
    );
    let (status, page) = {
        let r = boss.get(app.url("/c/demo/dashboard")).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert_eq!(status, 200);
    assert!(
        page.contains("name=\"reserved_minutes\" value=\"7\""),
        "{page}"
    );
});
