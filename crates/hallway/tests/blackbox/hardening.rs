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
