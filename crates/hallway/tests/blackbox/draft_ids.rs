//! A session made in the draft keeps its id when it is released, so an API client that made
//! one finds it again under the same id, even when another conference's import took new
//! session ids in between.

use crate::common;

use reqwest::Method;
use serde_json::{Value, json};

/// The ids and titles of `slug`'s public sessions.
async fn public_sessions(app: &common::TestApp, slug: &str) -> Vec<(i64, String)> {
    app.json(&format!("/api/v1/conferences/{slug}/sessions"))
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_i64().unwrap(),
                s["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

server_test!(
    a_session_made_in_the_draft_keeps_its_id_when_released,
    |app| async move {
        let admin = app.user("admin@test.invalid", "admin", None).await;
        let organizer = app.organizer().await;
        macro_rules! call {
            ($m:expr, $p:expr, $b:expr $(,)?) => {
                app.call($m, $p, &admin, $b)
            };
        }
        let (status, conf) = call!(
            Method::POST,
            "/api/v1/conferences",
            Some(json!({"slug": "keep-ids", "name": "Keep Ids", "starts_on": "2031-05-04", "ends_on": "2031-05-04", "time_zone": "UTC"})),
        )
        .await;
        assert_eq!(status, 201, "{conf}");
        let (_, hall) = call!(
            Method::POST,
            "/api/v1/conferences/keep-ids/rooms",
            Some(json!({"name": "Hall", "capacity": 50}))
        )
        .await;
        let session = |title: &str, hour: u32| {
            json!({"title": title, "starts_at": format!("2031-05-04T{hour:02}:00:00Z"),
                   "ends_at": format!("2031-05-04T{hour:02}:45:00Z"), "room_id": hall["id"], "kind": "talk"})
        };
        let add = |body: Value| {
            app.call(
                Method::POST,
                "/api/v1/conferences/keep-ids/sessions",
                &admin,
                Some(body),
            )
        };
        let (status, first) = add(session("Made in the draft", 9)).await;
        assert_eq!(status, 201, "{first}");
        let first_id = first["session"]["id"].as_i64().unwrap();

        // Another conference's import takes new session ids meanwhile.
        let mut csv = String::from("id,title,date,start,duration,room,room_capacity,kind\n");
        for i in 0..30 {
            csv.push_str(&format!(
                "n-{i},Imported {i},2031-06-01,{:02}:00,30,Room {},40,talk\n",
                8 + i / 3,
                i % 3
            ));
        }
        let r = app
            .client
            .post(app.url("/api/v1/conferences/demo/schedule?format=csv&time_zone=UTC"))
            .bearer_auth(&organizer)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let demo: Vec<i64> = public_sessions(&app, "demo")
            .await
            .iter()
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(demo.len(), 30);
        assert!(
            !demo.contains(&first_id),
            "the import took the draft's id {first_id}"
        );

        // Editing it keeps the id; a second new session gets another.
        let (status, renamed) = call!(
            Method::PATCH,
            &format!("/api/v1/conferences/keep-ids/sessions/{first_id}"),
            Some(json!({"title": "Renamed in the draft"}))
        )
        .await;
        assert_eq!(status, 200, "{renamed}");
        assert_eq!(renamed["session"]["id"], first_id);
        let (status, second) = add(session("Second", 10)).await;
        assert_eq!(status, 201, "{second}");
        let second_id = second["session"]["id"].as_i64().unwrap();
        assert!(second_id != first_id && !demo.contains(&second_id));

        // Released and published: both are there under the draft's ids.
        let (status, release) =
            call!(Method::POST, "/api/v1/conferences/keep-ids/releases", None).await;
        assert_eq!(
            (status, release["added"].as_i64()),
            (201, Some(2)),
            "{release}"
        );
        let (status, _) = call!(
            Method::PATCH,
            "/api/v1/conferences/keep-ids",
            Some(json!({"published": true}))
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            public_sessions(&app, "keep-ids").await,
            vec![
                (first_id, "Renamed in the draft".to_owned()),
                (second_id, "Second".to_owned())
            ]
        );

        // The next draft works the same way on top of the released program.
        let (status, third) = add(session("Third", 11)).await;
        assert_eq!(status, 201, "{third}");
        let third_id = third["session"]["id"].as_i64().unwrap();
        let (status, _) = call!(Method::POST, "/api/v1/conferences/keep-ids/releases", None).await;
        assert_eq!(status, 201);
        let ids: Vec<i64> = public_sessions(&app, "keep-ids")
            .await
            .iter()
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(ids, vec![first_id, second_id, third_id]);
    }
);
