//! Networking and feedback against the real server (issue #9): card, exchange, contacts and
//! exports, feedback rules, points and the leaderboard through the API, and the race of
//! people scanning each other at the same moment over separate connections (DESIGN.md
//! invariant 5: one exchange and one award per person per pair; totals = ledger sums).

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

async fn card(app: &TestApp, token: &str) -> Value {
    let (status, body) = app
        .call(Method::GET, "/api/v1/conferences/demo/me/card", token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn exchange(app: &TestApp, token: &str, code: &str) -> (u16, Value) {
    app.call(
        Method::POST,
        "/api/v1/conferences/demo/contacts",
        token,
        Some(json!({ "code": code })),
    )
    .await
}

async fn points(app: &TestApp, token: &str) -> Value {
    let (status, body) = app
        .call(
            Method::GET,
            "/api/v1/conferences/demo/me/points",
            token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Checks invariant 5 for everyone in the demo conference.
async fn assert_points_match_ledger(app: &TestApp) {
    let store = app.store().await;
    assert_eq!(
        store.points_mismatches(demo_id(app).await).await.unwrap(),
        vec![],
        "invariant 5: every total is its ledger's sum"
    );
}

server_test!(cards_exchange_contacts_and_exports, |app| async move {
    let ada = app.signup("ada@test.invalid").await;
    let bob = app.signup("bob@test.invalid").await;
    // Ada's card, edited through PUT of what GET answered.
    let mut a = card(&app, &ada).await;
    let code = a["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 9, "ABCD-EFGH: {code}");
    assert!(
        a["qr_url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/c/demo/x/", app.base))
    );
    assert_eq!(a["share"]["email"], false, "email is not shared by default");
    a["company"] = json!("Analytical Engines");
    a["role"] = json!("Engineer");
    a["socials"] = json!(["@ada@hachyderm.io"]);
    a["share"]["email"] = json!(true);
    let (status, a2) = app
        .call(
            Method::PUT,
            "/api/v1/conferences/demo/me/card",
            &ada,
            Some(a.clone()),
        )
        .await;
    assert_eq!(status, 200, "{a2}");
    assert_eq!(a2["company"], "Analytical Engines");
    assert_eq!(a2["code"], a["code"], "editing keeps the code");
    // Bad input names the field and changes nothing.
    let (status, problem) = app
        .call(
            Method::PUT,
            "/api/v1/conferences/demo/me/card",
            &ada,
            Some(json!({ "company": "x".repeat(81) })),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(problem["field"], "company");
    let (status, problem) = app
        .call(
            Method::PUT,
            "/api/v1/conferences/demo/me/card",
            &ada,
            Some(json!({ "name": "" })),
        )
        .await;
    assert_eq!((status, problem["field"].as_str()), (400, Some("name")));
    assert_eq!(card(&app, &ada).await["company"], "Analytical Engines");
    // Exchange errors.
    let (status, p) = exchange(&app, &bob, "not a code").await;
    assert_eq!((status, p["field"].as_str()), (400, Some("code")));
    let (status, p) = exchange(&app, &bob, "ZZZZ-ZZZZ").await;
    assert_eq!(status, 404);
    assert!(p["type"].as_str().unwrap().ends_with("/unknown-code"));
    let (status, p) = exchange(&app, &ada, &code).await;
    assert_eq!(
        (status, p["field"].as_str()),
        (400, Some("code")),
        "own code: {p}"
    );
    let (status, _) = app
        .call(
            Method::GET,
            "/api/v1/conferences/demo/contacts",
            "bad-token",
            None,
        )
        .await;
    assert_eq!(status, 401);
    // Bob types Ada's code (lowercase, no hyphen): 201, mutual.
    let (status, x) = exchange(&app, &bob, &code.replace('-', "").to_lowercase()).await;
    assert_eq!(status, 201, "{x}");
    assert_eq!(x["contact"]["name"], "ada@test.invalid");
    assert_eq!(x["contact"]["email"], "ada@test.invalid");
    assert_eq!(x["contact"]["company"], "Analytical Engines");
    assert_eq!(x["points"], 5);
    let (status, x) = exchange(&app, &bob, &code).await;
    assert_eq!(
        (status, x["points"].as_i64()),
        (200, Some(0)),
        "already exchanged"
    );
    let (_, theirs) = app
        .call(Method::GET, "/api/v1/conferences/demo/contacts", &ada, None)
        .await;
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    assert_eq!(theirs[0]["name"], "bob@test.invalid");
    assert_eq!(theirs[0]["email"], "", "Bob does not share his email");
    let bob_id = theirs[0]["id"].as_i64().unwrap();
    // A private note; an overlong one is refused.
    let (status, c) = app
        .call(
            Method::PUT,
            &format!("/api/v1/conferences/demo/contacts/{bob_id}"),
            &ada,
            Some(json!({ "my_note": "Kubernetes, lunch, follow up" })),
        )
        .await;
    assert_eq!(
        (status, c["my_note"].as_str()),
        (200, Some("Kubernetes, lunch, follow up"))
    );
    let (status, p) = app
        .call(
            Method::PUT,
            &format!("/api/v1/conferences/demo/contacts/{bob_id}"),
            &ada,
            Some(json!({ "my_note": "x".repeat(1001) })),
        )
        .await;
    assert_eq!((status, p["field"].as_str()), (400, Some("my_note")));
    // Exports with the bearer token.
    let vcf = app
        .client
        .get(app.url("/c/demo/contacts.vcf"))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(vcf.status(), 200);
    assert!(
        vcf.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/vcard")
    );
    let text = vcf.text().await.unwrap();
    assert!(text.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"), "{text}");
    assert!(text.contains("\r\nORG:Analytical Engines\r\n"));
    assert!(text.contains("\r\nEMAIL:ada@test.invalid\r\n"));
    assert!(text.contains("\r\nX-SOCIALPROFILE:@ada@hachyderm.io\r\n"));
    let csv = app
        .client
        .get(app.url("/c/demo/contacts.csv"))
        .bearer_auth(&ada)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("name,company,role,email,socials,note,my_note,exchanged_at,conference")
    );
    assert!(csv.contains("Kubernetes, lunch, follow up"));
    let one = app
        .client
        .get(app.url(&format!("/c/demo/contacts/{bob_id}/vcard.vcf")))
        .bearer_auth(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(one.status(), 200);
    assert_eq!(one.text().await.unwrap().matches("BEGIN:VCARD").count(), 1);
    // Delete on Ada's side; exchanging again gives no new points.
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/conferences/demo/contacts/{bob_id}"),
            &ada,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let bob_code = card(&app, &bob).await["code"].as_str().unwrap().to_owned();
    let (status, x) = exchange(&app, &ada, &bob_code).await;
    assert_eq!((status, x["points"].as_i64()), (201, Some(0)));
    assert_eq!(points(&app, &ada).await["points"], 5);
    // Rotating retires the old code.
    let (status, rotated) = app
        .call(
            Method::POST,
            "/api/v1/conferences/demo/me/card/rotate",
            &ada,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_ne!(rotated["code"], code.as_str());
    assert_eq!(exchange(&app, &bob, &code).await.0, 404);
    // Blocking: Bob blocks Ada; Ada's scan is refused neutrally, the contact is gone.
    let ada_id = {
        let (_, list) = app
            .call(Method::GET, "/api/v1/conferences/demo/contacts", &bob, None)
            .await;
        list[0]["id"].as_i64().unwrap()
    };
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/conferences/demo/blocks/{ada_id}"),
            &bob,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, p) = exchange(&app, &ada, &bob_code).await;
    assert_eq!(status, 409);
    assert!(
        p["type"]
            .as_str()
            .unwrap()
            .ends_with("/exchange-unavailable"),
        "{p}"
    );
    let (status, p) = exchange(&app, &bob, rotated["code"].as_str().unwrap()).await;
    assert_eq!(status, 409);
    assert!(p["type"].as_str().unwrap().ends_with("/blocked"), "{p}");
    let (_, list) = app
        .call(Method::GET, "/api/v1/conferences/demo/contacts", &bob, None)
        .await;
    assert_eq!(list, json!([]));
    let (status, blocks) = app
        .call(Method::GET, "/api/v1/conferences/demo/blocks", &bob, None)
        .await;
    assert_eq!((status, blocks.as_array().unwrap().len()), (200, 1));
    assert_points_match_ledger(&app).await;
});

server_test!(feedback_rules_points_and_leaderboard, |app| async move {
    let ada = app.signup("ada@test.invalid").await;
    let eve = app.signup("eve@test.invalid").await;
    let organizer = app.organizer().await;
    let store = app.store().await;
    let demo = demo_id(&app).await;
    // A talk that has started and one still ahead, from the demo placed around now.
    let now = chrono::Utc::now();
    let sessions = store.sessions(demo).await.unwrap();
    let started = sessions
        .iter()
        .find(|s| {
            s.info.kind == hallway_domain::SessionKind::Talk
                && s.info.span.start() < now
                && !s.speakers.is_empty()
        })
        .unwrap();
    let ahead = sessions
        .iter()
        .find(|s| {
            s.info.kind == hallway_domain::SessionKind::Talk
                && s.info.span.start() > now + chrono::Duration::hours(1)
        })
        .unwrap();
    // Ada had seats in both (reserved before the conference, as the demo's attendees do).
    let ada_id = store
        .account_for_login(&hallway_domain::Email::parse("ada@test.invalid").unwrap())
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    for s in [started.id, ahead.id] {
        let outcome = store
            .reserve(&hallway_store::ReserveRequest {
                conference: demo,
                user: ada_id,
                session: s,
                replace: &[],
                waitlist: false,
                now: now - chrono::Duration::days(1),
            })
            .await
            .unwrap();
        assert!(
            matches!(outcome, hallway_store::ReserveOutcome::Reserved { .. }),
            "{outcome:?}"
        );
    }
    let path =
        |s: hallway_domain::SessionId| format!("/api/v1/conferences/demo/sessions/{s}/feedback");
    // Not started: 409. No seat: 403. Bad rating / comment: 400 naming the field.
    let (status, p) = app
        .call(
            Method::PUT,
            &path(ahead.id),
            &ada,
            Some(json!({ "rating": 5 })),
        )
        .await;
    assert_eq!(status, 409);
    assert!(p["type"].as_str().unwrap().ends_with("/not-started"));
    let (status, p) = app
        .call(
            Method::PUT,
            &path(started.id),
            &eve,
            Some(json!({ "rating": 5 })),
        )
        .await;
    assert_eq!(status, 403);
    assert!(p["type"].as_str().unwrap().ends_with("/not-attended"));
    for (body, field) in [
        (json!({ "rating": 6 }), "rating"),
        (json!({ "rating": 0 }), "rating"),
        (json!({ "rating": "five" }), "rating"),
        (
            json!({ "rating": 4, "comment": "x".repeat(2001) }),
            "comment",
        ),
    ] {
        let (status, p) = app
            .call(Method::PUT, &path(started.id), &ada, Some(body))
            .await;
        assert_eq!((status, p["field"].as_str()), (400, Some(field)), "{p}");
    }
    let (status, p) = app
        .call(
            Method::PUT,
            &path(hallway_domain::SessionId::new(999_999)),
            &ada,
            Some(json!({ "rating": 3 })),
        )
        .await;
    assert_eq!(status, 404, "{p}");
    // Rate, then edit with a comment: 2 + 3 points, each once.
    let (status, saved) = app
        .call(
            Method::PUT,
            &path(started.id),
            &ada,
            Some(json!({ "rating": 4 })),
        )
        .await;
    assert_eq!(
        (status, saved["points"].as_i64()),
        (200, Some(2)),
        "{saved}"
    );
    let (status, saved) = app
        .call(
            Method::PUT,
            &path(started.id),
            &ada,
            Some(json!({ "rating": 5, "comment": "Loved the live demo, thank you" })),
        )
        .await;
    assert_eq!((status, saved["points"].as_i64()), (200, Some(3)));
    assert_eq!(saved["feedback"]["rating"], 5);
    let (_, saved) = app
        .call(
            Method::PUT,
            &path(started.id),
            &ada,
            Some(json!({ "rating": 4 })),
        )
        .await;
    assert_eq!(
        saved["feedback"]["comment"], "Loved the live demo, thank you",
        "absent comment is kept"
    );
    assert_eq!(saved["points"], 0);
    // One rating is below the minimum: no average yet.
    let (_, f) = app.call(Method::GET, &path(started.id), &eve, None).await;
    assert_eq!(
        (f["count"].as_i64(), f["average"].clone()),
        (Some(1), Value::Null)
    );
    assert!(
        f.get("entries").is_none(),
        "attendees do not read others' comments"
    );
    // Organizers see everything and hide the comment; then the author sees it hidden.
    let (status, f) = app
        .call(Method::GET, &path(started.id), &organizer, None)
        .await;
    assert_eq!(status, 200);
    let entry = &f["entries"][0];
    assert_eq!(entry["author"], "ada@test.invalid");
    let fid = entry["id"].as_i64().unwrap();
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/conferences/demo/feedback/{fid}/hidden"),
            &ada,
            Some(json!({ "hidden": true })),
        )
        .await;
    assert_eq!(status, 403, "attendees cannot hide comments");
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/conferences/demo/feedback/{fid}/hidden"),
            &organizer,
            Some(json!({ "hidden": true })),
        )
        .await;
    assert_eq!(status, 200);
    // A speaker linked to an account reads the session's feedback without the hidden text.
    let speaker = started.speakers[0];
    app.signup("speaker@test.invalid").await;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/conferences/demo/speakers/{speaker}/accounts"),
            &organizer,
            Some(json!({ "email": "speaker@test.invalid" })),
        )
        .await;
    assert_eq!(status, 201);
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "speaker@test.invalid", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    let speaker_token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, f) = app
        .call(Method::GET, &path(started.id), &speaker_token, None)
        .await;
    assert_eq!(f["entries"][0]["rating"], 4);
    assert_eq!(f["entries"][0]["comment"], "", "hidden from speakers");
    assert!(
        f["entries"][0].get("author").is_none(),
        "speakers do not see authors"
    );
    // Points and level.
    let p = points(&app, &ada).await;
    assert_eq!(p["points"], 5);
    assert_eq!(p["level"], "Narwhal");
    assert_eq!(p["next_level_at"], 15);
    assert_eq!(p["recent"].as_array().unwrap().len(), 2);
    // Organizers configure: a lower minimum shows the average; a bad ladder names its field.
    let (status, mut settings) = app
        .call(
            Method::GET,
            "/api/v1/conferences/demo/networking",
            &organizer,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.call(
            Method::GET,
            "/api/v1/conferences/demo/networking",
            &ada,
            None
        )
        .await
        .0,
        403
    );
    settings["min_ratings"] = json!(1);
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/conferences/demo/networking",
            &organizer,
            Some(settings.clone()),
        )
        .await;
    assert_eq!(status, 200);
    let (_, f) = app.call(Method::GET, &path(started.id), &eve, None).await;
    assert_eq!(f["average"], 4.0);
    settings["levels"][0]["at"] = json!(5);
    let (status, p) = app
        .call(
            Method::PUT,
            "/api/v1/conferences/demo/networking",
            &organizer,
            Some(settings),
        )
        .await;
    assert_eq!((status, p["field"].as_str()), (400, Some("levels")));
    // Leaderboard: Ada first; opting out hides her.
    let (status, board) = app
        .call(
            Method::GET,
            "/api/v1/conferences/demo/leaderboard",
            &eve,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(board["entries"][0]["name"], "ada@test.invalid");
    assert_eq!(board["entries"][0]["level"], "Narwhal");
    assert_eq!(board["my_rank"], Value::Null);
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/conferences/demo/me/card",
            &ada,
            Some(json!({ "leaderboard": false })),
        )
        .await;
    assert_eq!(status, 200);
    let (_, board) = app
        .call(
            Method::GET,
            "/api/v1/conferences/demo/leaderboard",
            &eve,
            None,
        )
        .await;
    assert_eq!(board["entries"], json!([]));
    assert_eq!(points(&app, &ada).await["rank"], Value::Null);
    // The session page shows the average now that the minimum is 1.
    let page = app.html(&format!("/c/demo/sessions/{}", started.id)).await;
    assert!(
        page.contains("4.0 ★ from 1 rating"),
        "the average on the session page"
    );
    assert_points_match_ledger(&app).await;
});

server_test!(
    pages_of_networking_render_and_scan_urls_work,
    |app| async move {
        app.user("ann@test.invalid", "attendee", Some("demo")).await;
        app.user("ben@test.invalid", "attendee", Some("demo")).await;
        let ann = app.browser("ann@test.invalid").await;
        let ben = app.browser("ben@test.invalid").await;
        let get = |c: &reqwest::Client, p: &str| {
            let (c, u) = (c.clone(), app.url(p));
            async move {
                let r = c.get(u).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let (status, page) = get(&ann, "/c/demo/card").await;
        assert_eq!(status, 200);
        assert!(page.contains("<svg role=\"img\" aria-label=\"QR code of your badge\""));
        let (status, svg) = get(&ann, "/c/demo/card/qr.svg").await;
        assert_eq!(status, 200);
        assert!(svg.contains("<svg"));
        // The QR's URL opened by Ben: the scan page, then the exchange by POST.
        let store = app.store().await;
        let demo = demo_id(&app).await;
        let ann_id = store
            .account_for_login(&hallway_domain::Email::parse("ann@test.invalid").unwrap())
            .await
            .unwrap()
            .unwrap()
            .0
            .id;
        let token = store.card(demo, ann_id).await.unwrap().unwrap().token;
        let (status, scan) = get(&ben, &format!("/c/demo/x/{token}")).await;
        assert_eq!(status, 200);
        assert!(scan.contains("Exchange cards"));
        let r = ben
            .post(app.url(&format!("/c/demo/x/{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/c/demo/contacts?m=exchanged")
        );
        let (_, contacts) = get(&ben, "/c/demo/contacts").await;
        assert!(
            contacts.contains(&format!("id=\"contact-{ann_id}\"")),
            "{contacts}"
        );
        // Signed out, the scan URL asks to log in and comes back.
        let r = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(app.url(&format!("/c/demo/x/{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let location = r.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with("/login?next=")
                && location.ends_with(&format!("/c/demo/x/{token}")),
            "{location}"
        );
        // Unknown token, own token.
        assert_eq!(get(&ben, "/c/demo/x/nope").await.0, 404);
        assert!(
            get(&ann, &format!("/c/demo/x/{token}"))
                .await
                .1
                .contains("your own badge")
        );
        for p in ["/c/demo/points", "/c/demo/leaderboard"] {
            let (status, page) = get(&ann, p).await;
            assert_eq!(status, 200, "{p}");
            assert!(page.contains("Narwhal"), "{p}");
        }
        // Linked to a speaker, Ann finds the feedback of that speaker's sessions; Ben may not.
        let organizer = app.organizer().await;
        let session = store
            .sessions(demo)
            .await
            .unwrap()
            .into_iter()
            .find(|s| !s.speakers.is_empty())
            .unwrap();
        let (status, _) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/conferences/demo/speakers/{}/accounts",
                    session.speakers[0]
                ),
                &organizer,
                Some(json!({ "email": "ann@test.invalid" })),
            )
            .await;
        assert_eq!(status, 201);
        let feedback = format!("/c/demo/sessions/{}/feedback", session.id);
        let (_, points) = get(&ann, "/c/demo/points").await;
        assert!(points.contains("Feedback on your sessions") && points.contains(&feedback));
        assert_eq!(get(&ann, &feedback).await.0, 200);
        assert_eq!(get(&ben, &feedback).await.0, 403);
    }
);

server_test!(
    two_hundred_pairs_scan_each_other_at_the_same_moment,
    |app| async move {
        const PAIRS: usize = 200;
        let tokens = app.signup_many("pair", PAIRS * 2).await;
        // Every card first (codes), concurrently.
        let mut set = tokio::task::JoinSet::new();
        for (i, token) in tokens.iter().enumerate() {
            let (client, url, token) = (
                app.client.clone(),
                app.url("/api/v1/conferences/demo/me/card"),
                token.clone(),
            );
            set.spawn(async move {
                let v: Value = client
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                (i, v["code"].as_str().unwrap().to_owned())
            });
        }
        let mut codes = vec![String::new(); tokens.len()];
        while let Some(r) = set.join_next().await {
            let (i, code) = r.unwrap();
            codes[i] = code;
        }
        // Both sides of every pair POST each other's code at once, each on a connection of
        // its own, plus a repeated scan per pair.
        let mut set = tokio::task::JoinSet::new();
        for p in 0..PAIRS {
            let (a, b) = (2 * p, 2 * p + 1);
            for (scanner, target) in [(a, b), (b, a), (a, b)] {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(0)
                    .build()
                    .unwrap();
                let url = app.url("/api/v1/conferences/demo/contacts");
                let (token, code) = (tokens[scanner].clone(), codes[target].clone());
                set.spawn(async move {
                    let r = client
                        .post(url)
                        .bearer_auth(token)
                        .json(&json!({ "code": code }))
                        .send()
                        .await
                        .unwrap();
                    let status = r.status().as_u16();
                    let body: Value = r.json().await.unwrap();
                    (p, scanner, status, body)
                });
            }
        }
        let mut earned = vec![0i64; tokens.len()];
        while let Some(r) = set.join_next().await {
            let (_, scanner, status, body) = r.unwrap();
            assert!(status == 200 || status == 201, "{status} {body}");
            earned[scanner] += body["points"].as_i64().unwrap();
        }
        let store = app.store().await;
        let demo = demo_id(&app).await;
        assert_eq!(
            store.count_contact_pairs(demo).await.unwrap(),
            PAIRS as u64,
            "one exchange per pair"
        );
        // Each person: exactly one contact, one award of 5 in the ledger, whoever scanned.
        let mut set = tokio::task::JoinSet::new();
        for (i, token) in tokens.iter().enumerate() {
            let (client, base, token) = (app.client.clone(), app.base.clone(), token.clone());
            set.spawn(async move {
                let get = |p: &str| client.get(format!("{base}{p}")).bearer_auth(&token).send();
                let contacts: Value = get("/api/v1/conferences/demo/contacts")
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let points: Value = get("/api/v1/conferences/demo/me/points")
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                (i, contacts, points)
            });
        }
        while let Some(r) = set.join_next().await {
            let (i, contacts, points) = r.unwrap();
            assert_eq!(contacts.as_array().unwrap().len(), 1, "person {i}");
            assert_eq!(points["points"], 5, "person {i}: one award");
            let awards: Vec<&Value> = points["recent"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["kind"] == "contact")
                .collect();
            assert_eq!(awards.len(), 1, "person {i}: one ledger row");
        }
        // The scans answered at most one award per scanner per pair (the other side's award
        // happened in the same transaction, answered to nobody).
        assert!(earned.iter().all(|e| *e == 0 || *e == 5), "{earned:?}");
        assert_points_match_ledger(&app).await;
    }
);

server_test!(typing_unknown_codes_is_slowed_down, |app| async move {
    let ada = app.signup("ada@test.invalid").await;
    let bob = app.signup("bob@test.invalid").await;
    let ada_code = card(&app, &ada).await["code"].as_str().unwrap().to_owned();
    let bob_code = card(&app, &bob).await["code"].as_str().unwrap().to_owned();
    for _ in 0..20 {
        assert_eq!(exchange(&app, &bob, "ZZZZ-ZZZZ").await.0, 404);
    }
    // Even a right code waits now, and says how long.
    let r = app
        .client
        .post(app.url("/api/v1/conferences/demo/contacts"))
        .bearer_auth(&bob)
        .json(&json!({ "code": ada_code }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(
        r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    let p: Value = r.json().await.unwrap();
    assert!(p["type"].as_str().unwrap().ends_with("/too-many-codes"));
    // Others are not held back.
    assert_eq!(exchange(&app, &ada, &bob_code).await.0, 201);
});
