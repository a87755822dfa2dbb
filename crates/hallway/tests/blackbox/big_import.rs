//! The largest program a conference may hold, imported through the real server while
//! attendees keep writing: no request meets a busy database (on SQLite every write takes
//! its turn with the writer), the import stores every session, and one session more is
//! refused with a clear problem that changes nothing.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::Value;

/// A CSV program of `sessions` 20-minute talks in 200 rooms of 80 seats, back to back
/// from 08:00 UTC the day after tomorrow.
fn program_csv(sessions: usize) -> Vec<u8> {
    let first = (Utc::now() + Duration::days(2))
        .date_naive()
        .and_hms_opt(8, 0, 0)
        .unwrap();
    let mut csv = String::from("id,title,date,start,duration,room,room_capacity,kind,speakers\n");
    for i in 0..sessions {
        let at = first + Duration::minutes(20 * i64::try_from(i / 200).unwrap());
        csv.push_str(&format!(
            "big-{i},Talk {i},{},{},20,Room {},80,talk,Speaker {}\n",
            at.format("%Y-%m-%d"),
            at.format("%H:%M"),
            i % 200,
            i % 300
        ));
    }
    csv.into_bytes()
}

server_test!(
    the_largest_program_imports_beside_writers_and_one_more_is_refused,
    |app| async move {
        // Arrange: attendees who add and drop demo talks until the import is done.
        let organizer = app.organizer().await;
        let people = app.signup_many("busy", 12).await;
        let talks: Vec<i64> = app
            .json("/api/v1/conferences/demo/sessions")
            .await
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "talk")
            .map(|s| s["id"].as_i64().unwrap())
            .collect();
        let app = Arc::new(app);
        let done = Arc::new(AtomicBool::new(false));
        let mut writers = tokio::task::JoinSet::new();
        for (n, token) in people.into_iter().enumerate() {
            let (app, done, talks) = (Arc::clone(&app), Arc::clone(&done), talks.clone());
            writers.spawn(async move {
                let mut answers = Vec::new();
                let mut k = n;
                while !done.load(Ordering::Relaxed) {
                    let path =
                        format!("/api/v1/conferences/demo/agenda/{}", talks[k % talks.len()]);
                    answers.push(app.call(Method::PUT, &path, &token, None).await);
                    answers.push(app.call(Method::DELETE, &path, &token, None).await);
                    k += 7;
                }
                answers
            });
        }
        let upload = |body: Vec<u8>| {
            app.client
                .post(app.url("/api/v1/conferences/demo/schedule?format=csv&time_zone=UTC"))
                .bearer_auth(&organizer)
                .header("content-type", "text/csv")
                .body(body)
                .send()
        };

        // Act: the largest program replaces the demo's.
        let r = upload(program_csv(20_000)).await.unwrap();
        let status = r.status();
        let report: Value = r.json().await.unwrap();
        done.store(true, Ordering::Relaxed);
        let mut answers = Vec::new();
        while let Some(w) = writers.join_next().await {
            answers.extend(w.unwrap());
        }

        // Assert
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["added"], 20_000, "{report}");
        assert!(!answers.is_empty());
        let failed: Vec<&(u16, Value)> = answers.iter().filter(|(s, _)| *s >= 500).collect();
        assert!(
            failed.is_empty(),
            "{} of {} writes failed: {failed:?}",
            failed.len(),
            answers.len()
        );
        let sessions = app.json("/api/v1/conferences/demo/sessions").await;
        assert_eq!(sessions.as_array().unwrap().len(), 20_000);

        // One session more is refused, saying why, and changes nothing.
        let versions = app.json("/api/v1/conferences/demo/versions").await;
        let r = upload(program_csv(20_001)).await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(
            r.headers()["content-type"].to_str().unwrap(),
            "application/problem+json"
        );
        let problem: Value = r.json().await.unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("the program has 20001 sessions; a conference holds at most 20000"),
            "{problem}"
        );
        assert_eq!(
            app.json("/api/v1/conferences/demo/versions").await,
            versions
        );
    }
);
