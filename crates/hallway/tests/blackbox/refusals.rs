//! How the server says no: every refusal of the API is a problem+json document that names
//! what is wrong (a path parameter too), and a page that cannot exist is the HTML 404 page.

use crate::common;

use reqwest::Method;
use serde_json::{Value, json};

async fn problem(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(kind, "application/problem+json", "status {status}");
    (status, r.json().await.unwrap())
}

server_test!(a_path_id_that_is_not_a_number_is_named, |app| async move {
    let token = app
        .user("org@test.invalid", "organizer", Some("demo"))
        .await;
    let r = app
        .client
        .request(
            Method::PATCH,
            app.url("/api/v1/conferences/demo/sessions/abc"),
        )
        .bearer_auth(&token)
        .json(&json!({"title": "Renamed"}))
        .send()
        .await
        .unwrap();
    let (status, body) = problem(r).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "id", "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("\"abc\""),
        "{body}"
    );
    let r = app
        .client
        .delete(app.url("/api/v1/me/tokens/1e3"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, body) = problem(r).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("id")),
        "{body}"
    );
    // Nothing was renamed.
    let (_, draft) = app
        .call(Method::GET, "/api/v1/conferences/demo/draft", &token, None)
        .await;
    assert!(
        draft["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["title"] != "Renamed")
    );
    // A page for such an id does not exist.
    let browser = app.browser("org@test.invalid").await;
    let r = browser
        .get(app.url("/c/demo/organize/sessions/abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("Not found"), "{html}");
});
