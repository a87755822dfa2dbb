//! What a public conference site needs against the open internet: security headers on
//! every answer (no framing, no sniffing, the camera only at a door) and CSV exports that a
//! spreadsheet cannot run.

use crate::common;

use reqwest::Method;
use serde_json::json;

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

server_test!(
    every_answer_carries_the_security_headers,
    |app| async move {
        for path in [
            "/",
            "/c/demo/program",
            "/c/demo/card",
            "/api/v1/conferences/demo",
            "/api/v1/conferences/demo/sessions/abc",
            "/no/such/page",
            "/static/icon.svg",
        ] {
            let r = app.get(path).await;
            let csp = header(&r, "content-security-policy");
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
            assert!(
                !csp.contains("script-src 'self' 'unsafe-inline'"),
                "{path}: {csp}"
            );
            assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
            assert_eq!(header(&r, "x-frame-options"), "DENY", "{path}");
            assert_eq!(header(&r, "referrer-policy"), "same-origin", "{path}");
            assert!(
                header(&r, "permissions-policy").contains("camera=()"),
                "{path}: no camera"
            );
            assert_eq!(
                header(&r, "strict-transport-security"),
                "",
                "{path}: plain http"
            );
        }
        // The door page scans badges with the camera (its answer asking to log in too).
        let r = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(app.url("/c/demo/rooms/1/door"))
            .send()
            .await
            .unwrap();
        let door = header(&r, "permissions-policy");
        assert!(door.contains("camera=(self)"), "{} {door}", r.status());
        // Behind a proxy that terminates https, browsers are told to stay on https.
        let r = app
            .client
            .get(app.url("/"))
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap();
        assert!(header(&r, "strict-transport-security").starts_with("max-age="));
    }
);

server_test!(the_schedule_csv_defuses_formulas, |app| async move {
    let token = app
        .user("org@test.invalid", "organizer", Some("demo"))
        .await;
    let (_, draft) = app
        .call(Method::GET, "/api/v1/conferences/demo/draft", &token, None)
        .await;
    let id = draft["sessions"][0]["id"].as_i64().unwrap();
    let (status, saved) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/conferences/demo/sessions/{id}"),
            &token,
            Some(json!({"title": "=HYPERLINK(\"http://evil.example\",\"Slides\")"})),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    let (status, released) = app
        .call(
            Method::POST,
            "/api/v1/conferences/demo/releases",
            &token,
            None,
        )
        .await;
    assert_eq!(status, 201, "{released}");
    let csv = app.get("/c/demo/schedule.csv").await.text().await.unwrap();
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Slides\"\")\""),
        "{csv}"
    );
    assert!(!csv.lines().any(|l| l.starts_with('=')), "{csv}");
});

async fn demo_with(db: hallway_store::testing::TestDb, env: &[(&str, &str)]) -> common::TestApp {
    common::TestApp::start_with_env(
        db,
        &["demo", "--attendees", "0", "--listen", "127.0.0.1:0"],
        env,
    )
    .await
}

fn sign_up_body(email: &str) -> serde_json::Value {
    json!({"email": email, "password": "correct horse battery", "name": "Someone"})
}

async fn sign_ups_are_limited_per_address(db: hallway_store::testing::TestDb) {
    let app = demo_with(db, &[("HALLWAY_SIGNUPS_PER_IP_PER_MINUTE", "3")]).await;
    let here = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 4]))
        .build()
        .unwrap();
    for i in 0..3 {
        let r = here
            .post(app.url("/api/v1/auth/signup"))
            .json(&sign_up_body(&format!("nat{i}@test.invalid")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "sign-up {i}");
    }
    let r = here
        .post(app.url("/api/v1/auth/signup"))
        .json(&sign_up_body("nat3@test.invalid"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(header(&r, "retry-after").parse::<u64>().unwrap() >= 1);
    assert_eq!(header(&r, "content-type"), "application/problem+json");
    // The page says so too, on its form.
    let r = here
        .post(app.url("/signup"))
        .form(&[
            ("email", "nat4@test.invalid"),
            ("password", "correct horse battery"),
            ("name", "Page"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Too many attempts; try again in")
    );
    // Another address is not affected, and the refused sign-ups made no account.
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 5]))
        .build()
        .unwrap();
    for email in ["nat3@test.invalid", "nat4@test.invalid"] {
        let r = elsewhere
            .post(app.url("/api/v1/auth/signup"))
            .json(&sign_up_body(email))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{email}");
    }
}

#[tokio::test]
async fn sign_ups_are_limited_per_address_sqlite() {
    sign_ups_are_limited_per_address(hallway_store::testing::TestDb::sqlite()).await;
}

#[tokio::test]
async fn sign_ups_are_limited_per_address_postgres() {
    if let Some(db) = hallway_store::testing::TestDb::postgres("hardening::sign_ups_limited").await
    {
        sign_ups_are_limited_per_address(db).await;
    }
}

/// With one hash at a time and no queue, a burst of sign-ups is answered at once: each
/// either made its account or was refused with 503 and `Retry-After` and made nothing (the
/// refused try again and succeed). Never a 500, never a second account.
async fn a_burst_of_sign_ups_is_refused_cleanly_beyond_the_gate(
    db: hallway_store::testing::TestDb,
) {
    let app = demo_with(
        db,
        &[
            ("HALLWAY_PASSWORD_HASHES_AT_ONCE", "1"),
            ("HALLWAY_PASSWORD_HASH_QUEUE", "0"),
            ("HALLWAY_ARGON2_MEMORY_KIB", "4096"),
        ],
    )
    .await;
    let mut burst = tokio::task::JoinSet::new();
    for i in 0..24 {
        let (client, url) = (app.client.clone(), app.url("/api/v1/auth/signup"));
        burst.spawn(async move {
            let r = client
                .post(url)
                .json(&sign_up_body(&format!("burst{i}@test.invalid")))
                .send()
                .await
                .unwrap();
            let (status, wait) = (r.status().as_u16(), header(&r, "retry-after"));
            (i, status, wait)
        });
    }
    let mut refused = Vec::new();
    while let Some(done) = burst.join_next().await {
        let (i, status, wait) = done.unwrap();
        match status {
            201 => {}
            503 => {
                assert!(wait.parse::<u64>().unwrap() >= 1, "Retry-After");
                refused.push(i);
            }
            other => panic!("sign-up {i}: {other}"),
        }
    }
    for i in refused {
        let r = app
            .client
            .post(app.url("/api/v1/auth/signup"))
            .json(&sign_up_body(&format!("burst{i}@test.invalid")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "a refused sign-up made nothing: {i}");
    }
}

#[tokio::test]
async fn a_burst_of_sign_ups_is_refused_cleanly_beyond_the_gate_sqlite() {
    a_burst_of_sign_ups_is_refused_cleanly_beyond_the_gate(
        hallway_store::testing::TestDb::sqlite(),
    )
    .await;
}

#[tokio::test]
async fn a_burst_of_sign_ups_is_refused_cleanly_beyond_the_gate_postgres() {
    if let Some(db) = hallway_store::testing::TestDb::postgres("hardening::burst").await {
        a_burst_of_sign_ups_is_refused_cleanly_beyond_the_gate(db).await;
    }
}

async fn metrics_can_ask_for_a_token(db: hallway_store::testing::TestDb) {
    let app = demo_with(db, &[("HALLWAY_METRICS_TOKEN", "scrape-me")]).await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), 401);
    assert_eq!(header(&r, "content-type"), "application/problem+json");
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("not-it")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-me")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("hallway_"));
}

#[tokio::test]
async fn metrics_can_ask_for_a_token_sqlite() {
    metrics_can_ask_for_a_token(hallway_store::testing::TestDb::sqlite()).await;
}

server_test!(
    an_organizer_cannot_take_another_conferences_directory_entry,
    |app| async move {
        let admin = app.user("admin@test.invalid", "admin", None).await;
        let (status, made) = app
            .call(
                Method::POST,
                "/api/v1/conferences",
                &admin,
                Some(json!({"slug": "rival", "name": "Rival Con", "starts_on": "2031-05-04", "ends_on": "2031-05-05", "time_zone": "UTC"})),
            )
            .await;
        assert_eq!(status, 201, "{made}");
        let ours = app
            .user("ours@test.invalid", "organizer", Some("demo"))
            .await;
        let rival = app
            .user("rival@test.invalid", "organizer", Some("rival"))
            .await;
        let put = |token: &str, body: serde_json::Value, slug: &str| {
            let path = format!("/api/v1/conferences/{slug}/directory");
            let token = token.to_owned();
            let app = &app;
            async move { app.call(Method::PUT, &path, &token, Some(body)).await }
        };
        // Our conference gets an entry of its own, in a series of its own.
        let (status, entry) = put(
            &ours,
            json!({"create": {"series": "Harbor Days", "name": "Harbor Days 2026", "region": "Europe", "city": "Lisbon", "country": "PT"}}),
            "demo",
        )
        .await;
        assert_eq!(status, 200, "{entry}");
        let edition = entry["edition"].as_str().unwrap().to_owned();
        // The rival can neither point it at their conference ...
        let (status, refused) = put(&rival, json!({ "edition": edition }), "rival").await;
        assert_eq!(status, 403, "{refused}");
        // ... nor add editions to our series, nor to the built-in directory's.
        let (status, refused) = put(
            &rival,
            json!({"create": {"series": "Harbor Days", "name": "Harbor Days 2032", "region": "Europe", "city": "Porto", "country": "PT"}}),
            "rival",
        )
        .await;
        assert_eq!(status, 403, "{refused}");
        let dockercon = app.json("/api/v1/events?q=dockercon").await[0]["series"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, refused) = put(
            &rival,
            json!({"create": {"series": dockercon, "name": "DockerCon Rival", "region": "Europe", "city": "Porto", "country": "PT"}}),
            "rival",
        )
        .await;
        assert_eq!(status, 403, "{refused}");
        // The entry still shows our conference; a series of the rival's own is fine.
        let found = app.json(&format!("/api/v1/events?q={}", "harbor")).await;
        assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
        assert_eq!(found[0]["slug"], edition.as_str());
        let (status, mine) = put(
            &rival,
            json!({"create": {"series": "Rival Series", "name": "Rival Con 2031", "region": "Europe", "city": "Porto", "country": "PT"}}),
            "rival",
        )
        .await;
        assert_eq!(status, 200, "{mine}");
        // A site admin may move an entry.
        let (status, moved) = put(&admin, json!({ "edition": edition }), "rival").await;
        assert_eq!(status, 200, "{moved}");
    }
);
