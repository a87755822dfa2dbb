//! Accounts through the real server: what a password change ends, that pages log in with
//! a cookie and mint no API token, and tokens that expire and show when they were used.

use crate::common;

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

/// A client that keeps cookies and does not follow redirects, as a browser tab.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page_log_in(app: &common::TestApp, tab: &reqwest::Client, email: &str) {
    let r = tab
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "logging in {email} on the page");
}

async fn tokens_of(app: &common::TestApp, token: &str) -> Vec<Value> {
    let (status, list) = app
        .call(Method::GET, "/api/v1/me/tokens", token, None)
        .await;
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

server_test!(
    a_password_change_ends_every_other_log_in_and_token,
    |app| async move {
        let first = app.signup("ada@test.invalid").await;
        let (status, second) = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                "",
                Some(json!({"email": "ada@test.invalid", "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, 200, "{second}");
        let second = second["token"].as_str().unwrap().to_owned();
        let tab = browser();
        page_log_in(&app, &tab, "ada@test.invalid").await;
        assert_eq!(
            tab.get(app.url("/account")).send().await.unwrap().status(),
            200
        );

        let (status, done) = app
            .call(
                Method::PUT,
                "/api/v1/me/password",
                &first,
                Some(json!({"current": PASSWORD, "new": "a new long password"})),
            )
            .await;
        assert_eq!(status, 200, "{done}");
        // The sign-up's session, the API log-in's and the page's; the API log-in's token.
        assert_eq!(done, json!({"sessions_ended": 3, "tokens_revoked": 1}));
        let (status, _) = app.call(Method::GET, "/api/v1/me", &second, None).await;
        assert_eq!(status, 401, "the other token is revoked");
        let (status, me) = app.call(Method::GET, "/api/v1/me", &first, None).await;
        assert_eq!(status, 200, "the token that made the change stays: {me}");
        let r = tab.get(app.url("/account")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "the page's log-in has ended");
        let live: Vec<_> = tokens_of(&app, &first)
            .await
            .into_iter()
            .filter(|t| t["revoked_at"].is_null())
            .collect();
        assert_eq!(live.len(), 1);
        assert_eq!(live[0]["label"], "sign-up");
    }
);

server_test!(a_page_log_in_mints_no_api_token, |app| async move {
    let tab = browser();
    let r = tab
        .post(app.url("/signup"))
        .form(&[
            ("email", "bo@test.invalid"),
            ("password", PASSWORD),
            ("name", "Bo"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "signing up on the page");
    page_log_in(&app, &tab, "bo@test.invalid").await;
    // The cookie's own view of the tokens: none were made for it.
    let r = tab.get(app.url("/api/v1/me/tokens")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let list: Value = r.json().await.unwrap();
    assert_eq!(list, json!([]), "a page log-in has its cookie and no token");
});

async fn tokens_expire_and_show_their_last_use(db: hallway_store::testing::TestDb) {
    // A short timer, so the server writes the uses it noted soon.
    let app = common::TestApp::start_with_env(
        db,
        &["demo", "--attendees", "0", "--listen", "127.0.0.1:0"],
        &[("HALLWAY_REMINDER_TICK_MS", "100")],
    )
    .await;
    let first = app.signup("cy@test.invalid").await;
    let past = Utc::now() - Duration::minutes(1);
    let (status, refused) = app
        .call(
            Method::POST,
            "/api/v1/me/tokens",
            &first,
            Some(json!({"label": "old", "expires_at": past})),
        )
        .await;
    assert_eq!(
        (status, refused["field"].as_str()),
        (400, Some("expires_at"))
    );
    let until = Utc::now() + Duration::days(30);
    let (status, made) = app
        .call(
            Method::POST,
            "/api/v1/me/tokens",
            &first,
            Some(json!({"label": "phone", "expires_at": until})),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let phone = made["token"].as_str().unwrap().to_owned();
    let (status, _) = app.call(Method::GET, "/api/v1/me", &phone, None).await;
    assert_eq!(status, 200);
    let listed = tokens_of(&app, &first).await;
    let entry = listed.iter().find(|t| t["label"] == "phone").unwrap();
    let expires: chrono::DateTime<Utc> = entry["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires.timestamp(), until.timestamp());
    // The use is written by the server's timer; wait for it (not for a duration).
    let mut used = Value::Null;
    for _ in 0..200 {
        let listed = tokens_of(&app, &first).await;
        used = listed.iter().find(|t| t["label"] == "phone").unwrap()["last_used_at"].clone();
        if !used.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(!used.is_null(), "the phone token's use is recorded");
    let page = {
        let tab = browser();
        page_log_in(&app, &tab, "cy@test.invalid").await;
        tab.get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert!(page.contains("Last used"), "the account page shows it");
    assert!(
        page.contains(&until.format("%Y-%m-%d").to_string()),
        "and when the token expires"
    );
}

#[tokio::test]
async fn tokens_expire_and_show_their_last_use_sqlite() {
    tokens_expire_and_show_their_last_use(hallway_store::testing::TestDb::sqlite()).await;
}

#[tokio::test]
async fn tokens_expire_and_show_their_last_use_postgres() {
    if let Some(db) =
        hallway_store::testing::TestDb::postgres("accounts::tokens_expire_and_show").await
    {
        tokens_expire_and_show_their_last_use(db).await;
    }
}

/// A client whose connections come from `address` (any of 127.0.0.0/8 reaches the server).
fn from(address: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(address))
        .build()
        .unwrap()
}

async fn log_in_from(
    app: &common::TestApp,
    client: &reqwest::Client,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "dora@test.invalid", "password": password}))
        .send()
        .await
        .unwrap()
}

server_test!(
    wrong_passwords_from_one_address_do_not_lock_the_owner_out,
    |app| async move {
        app.signup("dora@test.invalid").await;
        let (attacker, owner) = (from([127, 0, 0, 2]), from([127, 0, 0, 3]));
        for attempt in 0..5 {
            let r = log_in_from(&app, &attacker, "guess guess guess").await;
            assert_eq!(r.status(), 401, "attempt {attempt} costs nothing yet");
        }
        // The sixth comes too soon after the fifth: it waits, whatever the password.
        let r = log_in_from(&app, &attacker, PASSWORD).await;
        assert_eq!(r.status(), 429);
        let wait: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=30).contains(&wait), "{wait}");
        let (_, problem) = (r.status(), r.json::<Value>().await.unwrap());
        assert_eq!(problem["status"], 429, "{problem}");
        // The owner, elsewhere, is not slowed down at all.
        let r = log_in_from(&app, &owner, PASSWORD).await;
        assert_eq!(
            r.status(),
            200,
            "the owner logs in from an address that has not failed"
        );
        // And a log-in from the attacker's address is still refused while it waits.
        let r = log_in_from(&app, &attacker, PASSWORD).await;
        assert_eq!(r.status(), 429);
    }
);

async fn password_checks(app: &common::TestApp) -> u64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("hallway_password_checks_total "))
        .map_or(0, |n| n.trim().parse().unwrap())
}

server_test!(
    an_unknown_address_costs_a_log_in_as_much_as_a_known_one,
    |app| async move {
        app.signup("fay@test.invalid").await;
        let log_in = |email: &'static str| {
            let app = &app;
            async move {
                app.call(
                    Method::POST,
                    "/api/v1/auth/login",
                    "",
                    Some(json!({"email": email, "password": "not the password"})),
                )
                .await
            }
        };
        let before = password_checks(&app).await;
        let (known, known_body) = log_in("fay@test.invalid").await;
        let after_known = password_checks(&app).await;
        let (unknown, unknown_body) = log_in("nobody@test.invalid").await;
        let after_unknown = password_checks(&app).await;
        // The same answer, and a password check for each (against a decoy hash when there
        // is no account), so neither the words nor the time tell them apart.
        assert_eq!((known, unknown), (401, 401));
        assert_eq!(known_body["detail"], unknown_body["detail"]);
        assert_eq!(after_known - before, 1);
        assert_eq!(after_unknown - after_known, 1);
    }
);

/// Behind a trusted proxy, the slowdown counts the clients the proxy names, not the proxy.
async fn behind_a_proxy_the_clients_are_told_apart(db: hallway_store::testing::TestDb) {
    let app = common::TestApp::start_with_env(
        db,
        &["demo", "--attendees", "0", "--listen", "127.0.0.1:0"],
        &[("HALLWAY_TRUSTED_PROXIES", "127.0.0.1")],
    )
    .await;
    app.signup("gil@test.invalid").await;
    let via_proxy = |client: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/auth/login"))
                .header("x-forwarded-for", client)
                .json(&json!({"email": "gil@test.invalid", "password": password}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for _ in 0..5 {
        assert_eq!(via_proxy("203.0.113.5", "guess guess guess").await, 401);
    }
    assert_eq!(via_proxy("203.0.113.5", PASSWORD).await, 429);
    assert_eq!(
        via_proxy("198.51.100.9", PASSWORD).await,
        200,
        "another client behind the same proxy is not slowed"
    );
}

#[tokio::test]
async fn behind_a_proxy_the_clients_are_told_apart_sqlite() {
    behind_a_proxy_the_clients_are_told_apart(hallway_store::testing::TestDb::sqlite()).await;
}
