//! Black-box tests of the real server: directory filters, the program JSON, pages, errors
//! and operations endpoints, over HTTP against the `hallway` binary.

use crate::common;

use serde_json::Value;

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|e| e["name"].as_str().expect("a name").to_owned())
        .collect()
}

async fn assert_problem(app: &common::TestApp, path: &str, status: u16, slug: &str) -> Value {
    let r = app.get(path).await;
    assert_eq!(r.status(), status, "GET {path}");
    assert_eq!(
        r.headers()["content-type"],
        "application/problem+json",
        "GET {path}"
    );
    let body: Value = r.json().await.expect("a problem document");
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.ends_with(&format!("/{slug}"))),
        "GET {path}: {body}"
    );
    assert_eq!(body["status"], status);
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

server_test!(
    the_directory_lists_all_23_editions_with_their_fields,
    |app| async move {
        let events = app.json("/api/v1/events").await;
        let list = events.as_array().unwrap();
        assert_eq!(list.len(), 23);
        for e in list {
            for field in [
                "slug",
                "name",
                "series",
                "starts_on",
                "ends_on",
                "city",
                "country",
                "region",
                "url",
                "has_program",
            ] {
                assert!(e.get(field).is_some(), "{field} missing in {e}");
            }
        }
        let dceu = list
            .iter()
            .find(|e| e["name"] == "DockerCon Europe 2017")
            .unwrap();
        assert_eq!(dceu["starts_on"], "2017-10-16");
        assert_eq!(dceu["ends_on"], "2017-10-19");
        assert_eq!(dceu["city"], "Copenhagen");
        assert_eq!(dceu["country"], "DK");
        assert_eq!(dceu["region"], "Europe");
        assert_eq!(dceu["url"], "https://europe-2017.dockercon.com/");
        assert_eq!(dceu["has_program"], false);
        assert_eq!(dceu["status"], "past");
        let undated = list.iter().filter(|e| e["starts_on"].is_null()).count();
        assert_eq!(undated, 4);
        assert!(
            list.iter()
                .filter(|e| e["starts_on"].is_null())
                .all(|e| e["status"] == "announced")
        );
    }
);

server_test!(directory_filters_combine, |app| async move {
    let na = app.json("/api/v1/events?region=north%20america").await;
    assert!(names(&na).iter().all(|n| !n.contains("Europe")));
    assert_eq!(na.as_array().unwrap().len(), 11);

    let y2018 = app.json("/api/v1/events?year=2018").await;
    assert_eq!(names(&y2018), ["KubeCon + CloudNativeCon Europe 2018"]);

    let k8s = names(
        &app.json("/api/v1/events?tag=Kubernetes&region=Europe")
            .await,
    );
    assert!(k8s.contains(&"Container Days 2017".to_owned()), "{k8s:?}");
    assert!(!k8s.iter().any(|n| n.contains("North America")));

    let austin = names(&app.json("/api/v1/events?q=austin").await);
    assert_eq!(austin.len(), 3, "{austin:?}");

    let window = names(
        &app.json("/api/v1/events?from=2017-10-01&to=2017-10-31")
            .await,
    );
    assert_eq!(
        window,
        [
            "DockerCon Europe 2017",
            "Open Source Summit Europe 2017",
            "MesosCon Europe 2017",
            "Open Container Days Austin",
            "Open Container Days Boston",
            "Open Container Days New York",
            "Open Container Days Portland"
        ],
        "dated editions in October 2017, then the undated ones"
    );
});

server_test!(
    bad_filters_are_refused_with_the_field_named,
    |app| async move {
        let p = assert_problem(&app, "/api/v1/events?from=yesterday", 400, "invalid").await;
        assert_eq!(p["field"], "from");
        let p = assert_problem(&app, "/api/v1/events?year=20x7", 400, "invalid").await;
        assert_eq!(p["field"], "year");
        let p = assert_problem(
            &app,
            "/api/v1/conferences/demo/sessions?kind=party",
            400,
            "invalid",
        )
        .await;
        assert_eq!(p["field"], "kind");
        let p = assert_problem(
            &app,
            "/api/v1/conferences/demo/sessions?day=22-11-2026",
            400,
            "invalid",
        )
        .await;
        assert_eq!(p["field"], "day");
        // The page shows the problem instead of failing.
        let page = app.html("/events?year=20x7").await;
        assert!(
            page.contains("Filter ignored"),
            "the page explains the ignored filter"
        );
    }
);

server_test!(
    the_program_json_has_the_documented_shape,
    |app| async move {
        let conf = app.json("/api/v1/conferences/demo").await;
        assert_eq!(conf["slug"], "demo");
        assert_eq!(conf["days"].as_array().unwrap().len(), 3);
        assert!(conf["time_zone"].as_str().unwrap().contains('/'));
        let rooms = conf["rooms"].as_array().unwrap();
        assert!(rooms.len() >= 8);
        let caps: Vec<i64> = rooms
            .iter()
            .filter_map(|r| r["capacity"].as_i64())
            .collect();
        assert_eq!(caps.iter().min(), Some(&40));
        assert_eq!(caps.iter().max(), Some(&5000));
        assert!(!conf["tracks"].as_array().unwrap().is_empty());

        let sessions = app.json("/api/v1/conferences/demo/sessions").await;
        let sessions = sessions.as_array().unwrap();
        assert!(sessions.len() >= 300);
        let kinds = ["talk", "keynote", "workshop", "lab", "theater", "break"];
        for s in sessions {
            for field in [
                "id",
                "title",
                "starts_at",
                "ends_at",
                "room",
                "track",
                "kind",
                "capacity",
                "seats_left",
                "speakers",
            ] {
                assert!(s.get(field).is_some(), "{field} missing in {s}");
            }
            assert!(kinds.contains(&s["kind"].as_str().unwrap()));
            let start =
                chrono::DateTime::parse_from_rfc3339(s["starts_at"].as_str().unwrap()).unwrap();
            let end = chrono::DateTime::parse_from_rfc3339(s["ends_at"].as_str().unwrap()).unwrap();
            assert!(start < end);
            if s["kind"] == "break" {
                assert!(s["capacity"].is_null(), "breaks are unlimited");
            } else {
                assert_eq!(s["seats_left"], s["capacity"], "nobody has reserved yet");
            }
        }
        let labs = app.json("/api/v1/conferences/demo/sessions?kind=lab").await;
        assert!(labs.as_array().unwrap().iter().all(|s| s["kind"] == "lab"));
        assert!(!labs.as_array().unwrap().is_empty());

        let day = conf["days"][1].as_str().unwrap();
        let second = app
            .json(&format!("/api/v1/conferences/demo/sessions?day={day}"))
            .await;
        assert!(second.as_array().unwrap().iter().all(|s| s["day"] == day));

        // The list is written from pieces kept per program revision; every object must be
        // the one the single-session route builds.
        for s in sessions {
            let id = s["id"].as_i64().unwrap();
            let one = app
                .json(&format!("/api/v1/conferences/demo/sessions/{id}"))
                .await;
            assert_eq!(&one, s);
        }
        let id = sessions[5]["id"].as_i64().unwrap();

        let speaker = sessions[5]["speakers"][0]["id"].as_i64().unwrap();
        let p = app
            .json(&format!("/api/v1/conferences/demo/speakers/{speaker}"))
            .await;
        assert!(p["sessions"].as_array().unwrap().contains(&Value::from(id)));
    }
);

server_test!(unknown_things_are_404, |app| async move {
    assert_problem(&app, "/api/v1/conferences/nope", 404, "not-found").await;
    assert_problem(
        &app,
        "/api/v1/conferences/Not_A_Slug/sessions",
        404,
        "not-found",
    )
    .await;
    assert_problem(
        &app,
        "/api/v1/conferences/demo/sessions/999999",
        404,
        "not-found",
    )
    .await;
    assert_problem(
        &app,
        "/api/v1/conferences/demo/sessions/abc",
        404,
        "not-found",
    )
    .await;
    assert_problem(
        &app,
        "/api/v1/conferences/demo/speakers/999999",
        404,
        "not-found",
    )
    .await;
    assert_problem(&app, "/api/v1/no-such-route", 404, "not-found").await;
    for path in [
        "/c/nope",
        "/c/nope/program",
        "/c/demo/sessions/999999",
        "/c/demo/speakers/x",
        "/no/such/page",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 404, "GET {path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(r.text().await.unwrap().contains("Not found"));
    }
});

server_test!(pages_list_the_sessions_with_capacity, |app| async move {
    let conf = app.json("/api/v1/conferences/demo").await;
    let day = conf["days"][0].as_str().unwrap();
    let sessions = app
        .json(&format!("/api/v1/conferences/demo/sessions?day={day}"))
        .await;
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('\'', "&#39;")
            .replace('"', "&quot;")
    };
    for view in ["grid", "list"] {
        let page = app
            .html(&format!("/c/demo/program?day={day}&view={view}"))
            .await;
        for s in sessions.as_array().unwrap() {
            let title = esc(s["title"].as_str().unwrap());
            assert!(page.contains(&title), "{view} view lacks {title}");
            assert!(
                page.contains(&format!("data-session=\"{}\"", s["id"])),
                "{view}"
            );
        }
        assert!(page.contains("5,000 seats"), "{view} view shows capacities");
    }
    let lab = &app.json("/api/v1/conferences/demo/sessions?kind=lab").await[0];
    let page = app.html(&format!("/c/demo/sessions/{}", lab["id"])).await;
    assert!(page.contains(&esc(lab["title"].as_str().unwrap())));
    assert!(
        page.contains("40 seats · 40 left"),
        "the session page shows seats left"
    );
    let filtered = app
        .html(&format!("/c/demo/program?day={day}&kind=lab&view=list"))
        .await;
    assert!(filtered.contains(&esc(lab["title"].as_str().unwrap())));
    assert!(
        !filtered.contains("Opening keynote"),
        "the kind filter applies"
    );

    let speaker = lab["speakers"][0]["id"].as_i64().unwrap();
    let page = app.html(&format!("/c/demo/speakers/{speaker}")).await;
    assert!(page.contains(&esc(lab["speakers"][0]["name"].as_str().unwrap())));

    let overview = app.html("/c/demo").await;
    assert!(overview.contains("Main Hall") && overview.contains("Hands-on Lab A"));

    let home = app.html("/").await;
    assert!(home.contains("On now") && home.contains("Up next"));
    assert!(
        home.contains("Hands-on lab"),
        "a lab is running whenever the demo starts"
    );

    let events = app.html("/events").await;
    for e in app.json("/api/v1/events").await.as_array().unwrap() {
        assert!(events.contains(&esc(e["name"].as_str().unwrap())), "{e}");
    }
    let europe = app.html("/events?region=Europe").await;
    assert!(!europe.contains("Open Container Days Austin"));
});

server_test!(operations_endpoints_answer, |app| async move {
    let health = app.json("/healthz").await;
    assert_eq!(health["status"], "ok");
    app.json("/api/v1/events").await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.contains(
            "hallway_http_requests_total{method=\"GET\",route=\"/api/v1/events\",status=\"200\"}"
        ),
        "{text}"
    );
    let doc = app.json("/api/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/events",
        "/api/v1/conferences/{slug}",
        "/api/v1/conferences/{slug}/sessions",
        "/healthz",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is not documented");
    }
    let docs = app.html("/api/docs").await;
    assert!(docs.contains("/api/v1/conferences/{slug}/sessions"));
    assert!(docs.contains("seats_left"));
    let css = app.get("/static/style.css").await;
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
});

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let app = common::TestApp::demo(hallway_store::testing::TestDb::sqlite()).await;
    app.json("/healthz").await;
    // An open live stream must not hold the shutdown up.
    let live = app.get("/api/v1/conferences/demo/live").await;
    assert_eq!(live.status(), 200);
    let status = app.terminate().await;
    drop(live);
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn a_bad_database_url_is_refused_with_a_clear_message() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hallway"))
        .args(["serve", "--db", "mysql://u:secret@h/db"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a database URL"), "{err}");
    assert!(!err.contains("secret"), "the password leaked: {err}");
}

server_test!(
    a_log_in_goes_back_only_to_a_path_of_this_site,
    |app| async move {
        app.signup("going@back.invalid").await;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let log_in = |next: &str| {
            client
                .post(app.url("/login"))
                .header("origin", app.base.clone())
                .form(&[
                    ("email", "going@back.invalid"),
                    ("password", "correct horse battery"),
                    ("next", next),
                ])
                .send()
        };
        for (next, to) in [
            ("/c/demo/agenda", "/c/demo/agenda"),
            // A browser drops the tab and goes to //evil.example/.
            ("/\t/evil.example/", "/"),
            ("/\n/evil.example/", "/"),
            // A line break cannot go into Location at all (it was a 500).
            ("/c/demo\r\nSet-Cookie: x=1", "/"),
            ("//evil.example/", "/"),
            ("/\\evil.example/", "/"),
            ("https://evil.example/", "/"),
        ] {
            let r = log_in(next).await.unwrap();
            assert_eq!(r.status(), 303, "next = {next:?}");
            assert_eq!(r.headers()["location"], to, "next = {next:?}");
        }
    }
);

server_test!(
    a_name_longer_than_a_card_allows_is_refused_at_sign_up,
    |app| async move {
        let sign_up = |name: String| {
            app.client
            .post(app.url("/api/v1/auth/signup"))
            .json(&serde_json::json!({"email": format!("n{}@long.invalid", name.len()), "password": "correct horse battery", "name": name}))
            .send()
        };
        let r = sign_up("N".repeat(81)).await.unwrap();
        assert_eq!(r.status(), 400);
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["field"], "name", "{problem}");
        // The longest allowed name makes a card that shows it whole.
        let r = sign_up("N".repeat(80)).await.unwrap();
        assert_eq!(r.status(), 201);
        let token = r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, card) = app
            .call(
                reqwest::Method::GET,
                "/api/v1/conferences/demo/me/card",
                &token,
                None,
            )
            .await;
        assert_eq!(status, 200, "{card}");
        assert_eq!(card["name"], "N".repeat(80));
    }
);

server_test!(blocking_nobody_is_not_found, |app| async move {
    let token = app.signup("blocker@nobody.invalid").await;
    let (status, problem) = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/conferences/demo/blocks/999999",
            &token,
            None,
        )
        .await;
    assert_eq!(status, 404, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("999999"),
        "{problem}"
    );
    let (status, blocks) = app
        .call(
            reqwest::Method::GET,
            "/api/v1/conferences/demo/blocks",
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(blocks, serde_json::json!([]), "nothing was blocked");
});
