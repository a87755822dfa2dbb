//! Router tests without a socket (`oneshot`): status codes, content types, problem+json,
//! and what pages show at a pinned time.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone as _, Utc};
use hallway_domain::program::{ConferenceInfo, RoomDraft, SessionInfo, TrackDraft};
use hallway_domain::{
    Capacity, Colour, ConferenceDays, Program, SessionDraft, SessionKind, Slug, TimeSpan, TimeZone,
};
use hallway_store::testing::TestDb;
use hallway_web::{AppState, FixedClock, app};
use tower::ServiceExt;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    // 2026-11-22 in Europe/Lisbon is UTC+0, which keeps the arithmetic readable.
    Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
}

fn program() -> Program {
    let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let days = ConferenceDays::new(day, day, NaiveTime::MIN).unwrap();
    let info = ConferenceInfo::new(
        Slug::parse("mini").unwrap(),
        "Mini Conf",
        TimeZone::parse("Europe/Lisbon").unwrap(),
        days,
    )
    .unwrap();
    let rooms = vec![
        RoomDraft {
            name: "Big".into(),
            capacity: Capacity::new(100).ok(),
        },
        RoomDraft {
            name: "Small".into(),
            capacity: Capacity::new(4).ok(),
        },
    ];
    let tracks = vec![TrackDraft {
        name: "Ops".into(),
        colour: Colour::parse("#ffcc00").unwrap(),
    }];
    let s = |title: &str, kind, room, h, m, minutes| SessionDraft {
        room,
        track: Some(0),
        speakers: vec![],
        info: SessionInfo::new(
            title,
            kind,
            TimeSpan::starting_at(at(h, m), Duration::minutes(minutes)).unwrap(),
        )
        .unwrap(),
    };
    Program::new(
        info,
        rooms,
        tracks,
        vec![],
        vec![
            s("Morning keynote", SessionKind::Keynote, 0, 9, 0, 45),
            s("Packet capture lab", SessionKind::Lab, 1, 10, 0, 90),
            s("Talk after the lab", SessionKind::Talk, 1, 11, 30, 30),
        ],
    )
    .unwrap()
}

async fn router_at(now: DateTime<Utc>) -> (axum::Router, TestDb) {
    let db = TestDb::sqlite();
    let store = db.store().await;
    store.insert_program(&program(), now).await.unwrap();
    let state = AppState::new(store, Arc::new(FixedClock(now)), None);
    (app(state), db)
}

async fn get(router: &axum::Router, uri: &str) -> (StatusCode, String, String) {
    let response = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let ct = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, ct, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn api_errors_are_problem_documents() {
    let (router, _db) = router_at(at(10, 30)).await;
    let (status, ct, body) = get(&router, "/api/v1/conferences/nope/sessions").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(ct, "application/problem+json");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["type"], "/problems/not-found");
    assert_eq!(v["title"], "Not found");
    let (status, _, body) = get(&router, "/api/v1/conferences/mini/sessions?track=blue").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("\"field\":\"track\""), "{body}");
}

#[tokio::test]
async fn the_problem_types_are_documented_where_they_point() {
    let (router, _db) = router_at(at(10, 30)).await;
    let (status, ct, body) = get(&router, "/problems/not-found").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/html"));
    for slug in ["not-found", "invalid", "conflict", "full", "internal"] {
        assert!(body.contains(slug), "{slug}");
    }
}

#[tokio::test]
async fn the_home_page_shows_now_and_next_at_the_pinned_time() {
    let (router, _db) = router_at(at(10, 30)).await;
    let (status, _, home) = get(&router, "/").await;
    assert_eq!(status, StatusCode::OK);
    let now_section = &home[home.find("On now").unwrap()..home.find("Up next").unwrap()];
    assert!(now_section.contains("Packet capture lab"));
    assert!(
        !now_section.contains("Morning keynote"),
        "the keynote is over"
    );
    let next_section = &home[home.find("Up next").unwrap()..];
    assert!(next_section.contains("Talk after the lab"));
    assert!(next_section.contains("Up next at 11:30"));
}

#[tokio::test]
async fn the_grid_places_sessions_by_room_and_time() {
    let (router, _db) = router_at(at(8, 0)).await;
    let (_, _, page) = get(&router, "/c/mini/program").await;
    // The grid starts at 09:00; rows are 5 minutes after a header row: 10:00 is row 14.
    assert!(
        page.contains("grid-column: 3; grid-row: 14 / 32"),
        "the lab in the second room, 10:00-11:30"
    );
    assert!(
        page.contains("grid-column: 2; grid-row: 2 / 11"),
        "the keynote, 09:00-09:45"
    );
    assert!(page.contains(">09:00<") && page.contains(">11:00<"));
    // Seats: the small room holds four.
    assert!(page.contains("4 seats · 4 left"));
    // Readable text on a yellow track: black.
    assert!(page.contains("background: #ffcc00; color: #000000"));
}

#[tokio::test]
async fn html_404s_are_pages() {
    let (router, _db) = router_at(at(10, 30)).await;
    for uri in [
        "/c/other",
        "/c/mini/sessions/77",
        "/c/mini/speakers/1",
        "/nothing",
    ] {
        let (status, ct, body) = get(&router, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(ct.starts_with("text/html"), "{uri}");
        assert!(body.contains("<h1>Not found</h1>"), "{uri}");
    }
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let (router, _db) = router_at(at(10, 30)).await;
    let (status, _, body) = get(&router, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"database\":\"ok\""));
}

mod live {
    use super::*;
    use futures_util::StreamExt;
    use hallway_store::{NewAttendee, ReserveRequest};

    /// Reads SSE text from `body` until `needle` shows up (or fails after 10 s).
    async fn read_until(body: Body, needle: &str) -> String {
        let mut stream = body.into_data_stream();
        let mut seen = String::new();
        let found = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while let Some(chunk) = stream.next().await {
                seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
                if seen.contains(needle) {
                    return true;
                }
            }
            false
        })
        .await;
        assert!(
            matches!(found, Ok(true)),
            "never saw {needle:?} in {seen:?}"
        );
        seen
    }

    #[tokio::test]
    async fn reminders_and_seat_counts_arrive_on_the_live_stream() {
        let db = TestDb::sqlite();
        let store = db.store().await;
        let conference = store.insert_program(&program(), at(7, 0)).await.unwrap();
        let users = store
            .insert_attendees(
                conference,
                &[NewAttendee {
                    email: "live@x.org".into(),
                    name: "Live".into(),
                }],
                at(7, 0),
            )
            .await
            .unwrap();
        let token = hallway_web::auth::new_token();
        store
            .create_api_token(
                &hallway_store::NewToken {
                    user: users[0],
                    hash: &hallway_web::auth::digest(&token),
                    label: "test",
                    expires_at: None,
                },
                at(7, 0),
            )
            .await
            .unwrap();
        let keynote = store.sessions(conference).await.unwrap()[0].id;
        store
            .reserve(&ReserveRequest {
                conference,
                user: users[0],
                session: keynote,
                replace: &[],
                waitlist: false,
                now: at(7, 0),
            })
            .await
            .unwrap();
        // The clock says 08:52: the 09:00 keynote is eight minutes away, inside the default
        // ten-minute lead time. No test waits for real time.
        let state = AppState::new(store, Arc::new(FixedClock(at(8, 52))), None);
        let dispatcher = hallway_web::live::Dispatcher::start(state.clone()).await;
        tokio::spawn(dispatcher.run());
        let router = app(state.clone());
        let mine = router
            .clone()
            .oneshot(
                Request::get("/api/v1/conferences/mini/live")
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(mine.status(), StatusCode::OK);
        assert_eq!(mine.headers()["content-type"], "text/event-stream");
        let public = router
            .clone()
            .oneshot(
                Request::get("/api/v1/conferences/mini/live")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();

        assert_eq!(hallway_web::live::deliver_due_reminders(&state).await, 1);
        assert_eq!(
            hallway_web::live::deliver_due_reminders(&state).await,
            0,
            "once only"
        );
        let text = read_until(mine.into_body(), "event: reminder").await;
        assert!(
            text.contains("Morning keynote") && text.contains("starts in 8 min"),
            "{text}"
        );

        // A seat taken by someone shows on every stream, private or not.
        let r = router
            .clone()
            .oneshot(
                Request::delete(format!("/api/v1/conferences/mini/agenda/{keynote}"))
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let text = read_until(public.into_body(), "event: seats").await;
        assert!(text.contains("\"seats_left\":100"), "{text}");
        assert!(!text.contains("event: reminder"), "reminders are private");
    }

    #[tokio::test]
    async fn shutting_the_bus_down_ends_the_streams() {
        let db = TestDb::sqlite();
        let store = db.store().await;
        store.insert_program(&program(), at(7, 0)).await.unwrap();
        let state = AppState::new(store, Arc::new(FixedClock(at(7, 0))), None);
        let r = app(state.clone())
            .oneshot(
                Request::get("/api/v1/conferences/mini/live")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        state.live().shut_down();
        let mut stream = r.into_body().into_data_stream();
        let ended = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while stream.next().await.is_some() {}
        })
        .await;
        assert!(ended.is_ok(), "the stream kept going after shutdown");
    }
}

#[tokio::test]
async fn todays_grid_has_a_now_line() {
    let (router, _db) = router_at(at(10, 47)).await;
    let (_, _, page) = get(&router, "/c/mini/program").await;
    // 10:47 is row 2 + (107 min / 5) = 23, two minutes into it.
    assert!(
        page.contains("class=\"now-line\" style=\"grid-row: 23; --into: 2\""),
        "no now line"
    );
    assert!(page.contains("Now 10:47"));
    let (before, _db2) = router_at(at(8, 0)).await;
    let (_, _, page) = get(&before, "/c/mini/program").await;
    assert!(
        !page.contains("now-line"),
        "no line before the day's first session"
    );
}
