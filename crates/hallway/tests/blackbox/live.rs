//! The live stream against the real server: every event has an `id:`, and a client that
//! reconnects with it as `Last-Event-ID` first gets what it missed, in commit order and
//! once (DESIGN invariant 10: the events come from the outbox, written with each change).

use crate::common;

use reqwest::Method;
use serde_json::{Value, json};

/// An event id as (transaction, row), so ids of both backends compare in commit order.
fn position(id: &str) -> (i64, i64) {
    match id.split_once('-') {
        Some((tx, row)) => (tx.parse().unwrap(), row.parse().unwrap()),
        None => (0, id.parse().unwrap()),
    }
}

fn is_seats(name: &str, data: &Value, session: i64) -> bool {
    name == "seats" && data["session"] == session
}

server_test!(
    a_stream_that_reconnects_gets_what_it_missed_in_order,
    |app| async move {
        // Arrange: an attendee, two overlapping talks, and a stream that sees a seat taken.
        let token = app.signup("replay@x.org").await;
        let (first, twin) = common::twin_talks(&app, 1).await;
        let (live, task) = common::listen(&app.client, &app.base, None, None).await;
        let path = |s: i64| format!("/api/v1/conferences/demo/agenda/{s}");
        let (status, body) = app
            .call(Method::PUT, &path(first), &token, Some(json!({})))
            .await;
        assert_eq!(status, 201, "{body}");
        live.wait_for("the first talk's seat count", |e| {
            e.iter().any(|(_, n, d)| is_seats(n, d, first))
        })
        .await;
        let seen = live.with_ids();
        let (last, _, _) = seen.iter().find(|(_, n, d)| is_seats(n, d, first)).unwrap();
        assert!(!last.is_empty(), "every event has an id");
        task.abort();

        // Act: while the stream is away, the attendee swaps the talk for its twin (one
        // transaction: a seat taken, a seat freed); then the stream comes back.
        let (status, body) = app
            .call(
                Method::PUT,
                &path(twin),
                &token,
                Some(json!({ "replace": [first] })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let (again, task) = common::listen(&app.client, &app.base, None, Some(last)).await;
        again
            .wait_for("both counts of the swap", |e| {
                e.iter().any(|(_, n, d)| is_seats(n, d, first))
                    && e.iter().any(|(_, n, d)| is_seats(n, d, twin))
            })
            .await;
        task.abort();

        // Assert: what was missed, in order, after the id sent, and nothing twice.
        let got = again.with_ids();
        let ours: Vec<&(String, String, Value)> = got
            .iter()
            .filter(|(_, n, d)| is_seats(n, d, first) || is_seats(n, d, twin))
            .collect();
        assert_eq!(ours.len(), 2, "each count once: {got:?}");
        assert_eq!(ours[0].2["session"], twin, "the seat taken comes first");
        assert_eq!(ours[1].2["session"], first);
        assert!(
            got.windows(2)
                .all(|w| position(&w[0].0) < position(&w[1].0)),
            "in commit order: {got:?}"
        );
        assert!(
            got.iter().all(|(id, _, _)| position(id) > position(last)),
            "only what came after {last}: {got:?}"
        );
        let taken = ours[0].2["seats_left"].as_u64().unwrap();
        let agenda = app.json("/api/v1/conferences/demo/sessions").await;
        let now = agenda
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == twin)
            .unwrap()["seats_left"]
            .as_u64()
            .unwrap();
        assert_eq!(taken, now, "the replayed count is the count");
    }
);

server_test!(event_ids_that_are_not_ids_are_refused, |app| async move {
    for (header, query) in [(Some("tomorrow"), ""), (None, "?after=-3")] {
        let mut req = app
            .client
            .get(app.url(&format!("/api/v1/conferences/demo/live{query}")));
        if let Some(h) = header {
            req = req.header("Last-Event-ID", h);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let problem: Value = r.json().await.unwrap();
        let field = if header.is_some() {
            "Last-Event-ID"
        } else {
            "after"
        };
        assert!(
            problem.to_string().contains(field),
            "names {field}: {problem}"
        );
    }
});

/// The position a page says its stream starts at (`data-live-after` on its body).
fn live_after(html: &str) -> String {
    let start = html
        .find("data-live-after=\"")
        .expect("the page names a position")
        + 17;
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

server_test!(
    a_page_that_loads_between_two_events_gets_what_came_after_it,
    |app| async move {
        // Arrange: the stream has handed out an event, so positions are set.
        let token = app.signup("between@x.org").await;
        let (first, twin) = common::twin_talks(&app, 1).await;
        let (warm, task) = common::listen(&app.client, &app.base, None, None).await;
        let path = |s: i64| format!("/api/v1/conferences/demo/agenda/{s}");
        let (status, body) = app
            .call(Method::PUT, &path(twin), &token, Some(json!({})))
            .await;
        assert_eq!(status, 201, "{body}");
        warm.wait_for("the twin's seat count", |e| {
            e.iter().any(|(_, n, d)| is_seats(n, d, twin))
        })
        .await;
        task.abort();

        // Act: the page is made; the talk's seat goes before the page's script connects.
        let page = app.html(&format!("/c/demo/sessions/{first}")).await;
        let after = live_after(&page);
        assert!(
            !after.is_empty(),
            "the page names where it stood: {}",
            &page[page.find("<body").unwrap()..][..200]
        );
        let (status, body) = app.call(Method::DELETE, &path(twin), &token, None).await;
        assert_eq!(status, 204, "{body}");
        let (status, body) = app
            .call(Method::PUT, &path(first), &token, Some(json!({})))
            .await;
        assert_eq!(status, 201, "{body}");
        let url = format!("/api/v1/conferences/demo/live?after={after}");
        let (late, task) = common::collect(app.client.get(app.url(&url))).await;

        // Assert: the stream starts where the page stood: both changes, and nothing older.
        late.wait_for("the changes made after the page", |e| {
            e.iter().any(|(_, n, d)| is_seats(n, d, first))
                && e.iter().any(|(_, n, d)| is_seats(n, d, twin))
        })
        .await;
        task.abort();
        let got = late.with_ids();
        assert!(
            got.iter().all(|(id, _, _)| position(id) > position(&after)),
            "only what came after {after}: {got:?}"
        );
        assert_eq!(
            got.iter().filter(|(_, n, d)| is_seats(n, d, twin)).count(),
            1,
            "the seat taken before the page is not replayed: {got:?}"
        );
    }
);
