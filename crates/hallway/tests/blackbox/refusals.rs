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

server_test!(
    what_axum_refuses_under_the_api_is_a_problem_too,
    |app| async move {
        let token = app
            .user("org@test.invalid", "organizer", Some("demo"))
            .await;
        // A method the route does not have: 405, with what it does have.
        let r = app
            .client
            .delete(app.url("/api/v1/conferences"))
            .send()
            .await
            .unwrap();
        let allow = r.headers().get("allow").cloned();
        let (status, body) = problem(r).await;
        assert_eq!(status, 405, "{body}");
        assert!(allow.is_some(), "Allow is kept");
        // A query string that does not parse.
        let r = app
            .client
            .post(app.url("/api/v1/conferences/demo/schedule?dry_run=maybe"))
            .bearer_auth(&token)
            .body("x")
            .send()
            .await
            .unwrap();
        let (status, body) = problem(r).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["detail"].as_str().unwrap().contains("dry_run"),
            "{body}"
        );
        // A body over the limit (32 MiB and a little).
        let r = app
            .client
            .post(app.url("/api/v1/conferences/demo/schedule?dry_run=true"))
            .bearer_auth(&token)
            .body(vec![b' '; 33 * 1024 * 1024])
            .send()
            .await
            .unwrap();
        let (status, body) = problem(r).await;
        assert_eq!(status, 413, "{body}");
    }
);

server_test!(
    a_form_field_that_is_not_utf8_is_refused_by_name,
    |app| async move {
        let r = app
            .client
            .post(app.url("/signup"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("email=ren%40test.invalid&password=correct+horse+battery&name=Ren%E9")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400);
        let page = r.text().await.unwrap();
        assert!(page.contains("name: is not valid text"), "{page}");
        // Nothing was made: there is no such account.
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                "",
                Some(json!({"email": "ren@test.invalid", "password": "correct horse battery"})),
            )
            .await;
        assert_eq!(status, 401);
        // The same name, as UTF-8, is fine.
        let r = app
            .client
            .post(app.url("/signup"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("email=ren%40test.invalid&password=correct+horse+battery&name=Ren%C3%A9")
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success() || r.status().is_redirection(),
            "{}",
            r.status()
        );
    }
);
