//! The outbox (DESIGN invariant 10) on both backends: a change writes its events in its own
//! transaction and a refusal writes none; readers follow positions in commit order, also
//! when a transaction that started first commits last (PostgreSQL); instances are woken by
//! LISTEN/NOTIFY.

use std::time::Duration;

use chrono::{Duration as Minutes, NaiveDate, NaiveTime, TimeZone as _, Utc};
use hallway_domain::events::{Cursor, Event};
use hallway_domain::points::{Action, ActionKind, PointsSettings};
use hallway_domain::program::{ConferenceInfo, RoomDraft, SessionInfo};
use hallway_domain::{
    Capacity, ConferenceDays, ConferenceId, Program, SessionDraft, SessionId, SessionKind, Slug,
    TimeSpan, TimeZone, UserId,
};
use hallway_store::events::FeedItem;
use hallway_store::testing::TestDb;
use hallway_store::{
    CancelOutcome, ReserveOutcome, ReserveRequest, Store, StoreError, StoredEvent, store_test,
};

/// What a reader sees after `after` once at least `want` events have settled. On PostgreSQL
/// a reader holds events back while any older writing transaction in the cluster is still
/// running, and the other tests write to the same cluster all the time: a commit's events
/// appear soon after it, not necessarily at once. Gives up after 30 s and returns what it saw,
/// so the assertion that follows says what was missing.
async fn settled(store: &Store, after: Cursor, want: usize) -> Vec<StoredEvent> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let seen = store.events_after(after, 100).await.unwrap();
        if seen.len() >= want || tokio::time::Instant::now() > deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A conference with two overlapping talks of one seat each.
fn program(slug: &str) -> Program {
    let days = ConferenceDays::new(
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
    )
    .unwrap();
    let info = ConferenceInfo::new(
        Slug::parse(slug).unwrap(),
        "Events Conf",
        TimeZone::parse("Europe/Berlin").unwrap(),
        days,
    )
    .unwrap();
    let rooms = ["A", "B"]
        .map(|name| RoomDraft {
            name: name.into(),
            capacity: Capacity::new(1).ok(),
        })
        .to_vec();
    let at = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
    let talk = |title: &str, room| SessionDraft {
        room,
        track: None,
        speakers: vec![],
        info: SessionInfo::new(
            title,
            SessionKind::Talk,
            TimeSpan::starting_at(at, Minutes::minutes(45)).unwrap(),
        )
        .unwrap(),
    };
    Program::new(
        info,
        rooms,
        vec![],
        vec![],
        vec![talk("First", 0), talk("Twin", 1)],
    )
    .unwrap()
}

async fn setup(store: &Store, slug: &str) -> (ConferenceId, [SessionId; 2], [UserId; 2]) {
    let conf = store
        .insert_program(&program(slug), Utc::now())
        .await
        .unwrap();
    // The release of the program is an event too: let it settle, so that a cursor taken
    // after the setup is past it.
    let released = settled(store, Cursor::START, 1).await;
    assert_eq!(released.len(), 1, "the program's release");
    let sessions = store.sessions(conf).await.unwrap();
    let mut users = Vec::new();
    for name in ["ada", "bo"] {
        let email = hallway_domain::Email::parse(&format!("{name}@{slug}.org")).unwrap();
        users.push(
            store
                .create_account(&email, name, "hash", Utc::now())
                .await
                .unwrap()
                .id,
        );
    }
    (conf, [sessions[0].id, sessions[1].id], [users[0], users[1]])
}

fn early() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

fn kinds(events: &[hallway_store::StoredEvent]) -> Vec<(Option<UserId>, Event)> {
    events
        .iter()
        .map(|e| (e.event.to, e.event.event.clone()))
        .collect()
}

store_test!(
    changes_write_their_events_and_refusals_none,
    |store| async move {
        // Arrange
        let (conf, [first, twin], [ada, bo]) = setup(&store, "outbox").await;
        let start = store.latest_event().await.unwrap();
        let request = |user, session, replace: &'static [SessionId], waitlist| ReserveRequest {
            conference: conf,
            user,
            session,
            replace,
            waitlist,
            now: early(),
        };
        let seats = |session, reserved| Event::Seats {
            session,
            capacity: Some(1),
            reserved,
        };

        // Act: a seat, a refusal (full), a waitlist place, a refused replace, a cancellation
        // that promotes.
        let got = store
            .reserve(&request(ada, first, &[], false))
            .await
            .unwrap();
        assert!(matches!(got, ReserveOutcome::Reserved { .. }), "{got:?}");
        let after_seat = settled(&store, start, 1).await;
        assert_eq!(
            store
                .reserve(&request(bo, first, &[], false))
                .await
                .unwrap(),
            ReserveOutcome::Full
        );
        let got = store.reserve(&request(bo, first, &[], true)).await.unwrap();
        assert!(
            matches!(got, ReserveOutcome::Waitlisted { position: 1, .. }),
            "{got:?}"
        );
        const MISSING: [SessionId; 1] = [SessionId::new(999_999)];
        let refused = store
            .reserve(&request(bo, twin, &MISSING, false))
            .await
            .unwrap();
        assert!(
            matches!(refused, ReserveOutcome::NotReserved(_)),
            "{refused:?}"
        );
        let before_cancel = settled(&store, start, 1).await;
        let cancelled = store.cancel(conf, ada, first, early()).await.unwrap();
        assert!(matches!(cancelled, CancelOutcome::Cancelled(ref p) if p.len() == 1));
        let all = settled(&store, start, 3).await;

        // Assert
        assert_eq!(kinds(&after_seat), vec![(None, seats(first, 1))]);
        assert_eq!(
            before_cancel, after_seat,
            "refusals and a waitlist place write no event"
        );
        assert_eq!(
            kinds(&all[1..]),
            vec![
                (Some(bo), Event::Promoted { session: first }),
                (None, seats(first, 1)),
            ],
            "the promotion and the settled count, in the cancelling transaction"
        );
        assert!(
            all.windows(2).all(|w| w[0].cursor < w[1].cursor),
            "in order"
        );
        let for_ada = store.events_for(conf, Some(ada), start, 100).await.unwrap();
        assert_eq!(for_ada.len(), 2, "ada sees the counts, not bo's promotion");
        let for_bo = store.events_for(conf, Some(bo), start, 100).await.unwrap();
        assert_eq!(for_bo.len(), 3);
        let anonymous = store
            .events_for(conf, None, all[0].cursor, 100)
            .await
            .unwrap();
        assert_eq!(
            kinds(&anonymous),
            vec![(None, seats(first, 1))],
            "after a cursor"
        );
        assert_eq!(store.latest_event().await.unwrap(), all[2].cursor);
    }
);

store_test!(capacity_changes_and_pruning, |store| async move {
    let (conf, [first, _], _) = setup(&store, "prune").await;
    let start = store.latest_event().await.unwrap();
    let cap = Capacity::new(5).ok();
    store
        .set_session_capacity(conf, first, cap, early())
        .await
        .unwrap()
        .unwrap();
    let events = settled(&store, start, 1).await;
    assert_eq!(
        kinds(&events),
        vec![(
            None,
            Event::Seats {
                session: first,
                capacity: Some(5),
                reserved: 0
            }
        )]
    );
    assert!(store.oldest_event().await.unwrap().is_some());
    // Everything written so far: the release of the setup's program and the capacity change.
    let kept = store.events_after(Cursor::START, 100).await.unwrap();
    assert_eq!(
        kept.iter()
            .map(|e| e.event.event.kind())
            .collect::<Vec<_>>(),
        ["released", "seats"]
    );
    let pruned = store
        .prune_events(Utc::now() + Minutes::minutes(1))
        .await
        .unwrap();
    assert_eq!(pruned, 2);
    assert_eq!(store.oldest_event().await.unwrap(), None);
    // Positions never go back after pruning: the next event comes after the old cursor.
    store
        .set_session_capacity(conf, first, None, early())
        .await
        .unwrap();
    let next = settled(&store, events[0].cursor, 1).await;
    assert_eq!(next.len(), 1);
    assert!(next[0].cursor > events[0].cursor);
});

/// The row ids of PostgreSQL's outbox are handed out before commit: a reader must not pass
/// an event whose transaction is still running, or it would never see it.
#[tokio::test]
async fn postgres_readers_wait_for_transactions_that_commit_late() {
    use sqlx::Connection as _;
    let Some(db) =
        TestDb::postgres("postgres_readers_wait_for_transactions_that_commit_late").await
    else {
        return;
    };
    let store = db.store().await;
    let (conf, [first, _], [ada, _]) = setup(&store, "late").await;
    let start = store.latest_event().await.unwrap();
    let mut slow = sqlx::PgConnection::connect(&db.url_string()).await.unwrap();
    sqlx::query("BEGIN").execute(&mut slow).await.unwrap();
    sqlx::query(
        "INSERT INTO events (conference_id, user_id, kind, version, params, created_at) \
         VALUES ($1, NULL, 'occupancy', 1, '{\"kind\":\"occupancy\",\"room\":1,\"occupancy\":1,\"capacity\":null}', 0)",
    )
    .bind(conf.get())
    .execute(&mut slow)
    .await
    .unwrap();

    // A later transaction commits first.
    let got = store
        .reserve(&ReserveRequest {
            conference: conf,
            user: ada,
            session: first,
            replace: &[],
            waitlist: false,
            now: early(),
        })
        .await
        .unwrap();
    assert!(matches!(got, ReserveOutcome::Reserved { .. }));
    assert_eq!(
        store.events_after(start, 10).await.unwrap(),
        vec![],
        "held back while an older transaction runs"
    );
    assert_eq!(store.latest_event().await.unwrap(), start);

    sqlx::query("COMMIT").execute(&mut slow).await.unwrap();
    let events = settled(&store, start, 2).await;
    assert_eq!(events.len(), 2, "both, the late one first");
    assert_eq!(events[0].event.event.kind(), "occupancy");
    assert_eq!(events[1].event.event.kind(), "seats");
    assert!(events[0].cursor < events[1].cursor);
}

#[tokio::test]
async fn sqlite_has_no_feed() {
    let db = TestDb::sqlite();
    let store = db.store().await;
    assert!(!store.shares_events());
    assert!(store.listen().await.expect("listen").is_none());
}

/// Two stores stand for two instances on one database: a commit on one wakes the other.
#[tokio::test]
async fn postgres_wakes_every_instance_at_commit() {
    let Some(db) = TestDb::postgres("postgres_wakes_every_instance_at_commit").await else {
        return;
    };
    let a = db.store().await;
    let b = db.store().await;
    assert!(a.shares_events());
    let mut feed = b.listen().await.expect("listen").expect("a feed");
    let (conf, [first, _], _) = setup(&a, "wake").await;
    a.set_session_capacity(conf, first, Capacity::new(3).ok(), early())
        .await
        .unwrap();
    let item = tokio::time::timeout(Duration::from_secs(10), feed.next())
        .await
        .expect("woken within 10 s")
        .expect("the feed");
    assert!(matches!(item, FeedItem::Message(_)), "{item:?}");
    let events = settled(&b, Cursor::START, 2).await;
    assert_eq!(
        events
            .iter()
            .map(|e| e.event.event.kind())
            .collect::<Vec<_>>(),
        ["released", "seats"],
        "the other instance reads what woke it"
    );
}

store_test!(
    a_capacity_change_writes_its_audit_line_and_event_or_neither,
    |store| async move {
        let (conf, [first, _], [ada, _]) = setup(&store, "audited").await;
        let start = store.latest_event().await.unwrap();
        let line = || hallway_store::AuditLine {
            user: ada,
            actor: "ada@example.org".into(),
            action: "changed a session's seats".into(),
            detail: "First: 5".into(),
        };
        let refused = store
            .set_session_capacity_recorded(
                conf,
                SessionId::new(999_999),
                Capacity::new(5).ok(),
                Some(line()),
                early(),
            )
            .await
            .unwrap();
        assert!(refused.is_none(), "no such session");
        assert!(
            store.audit_log(conf, 10).await.unwrap().is_empty(),
            "a refusal writes no audit line"
        );
        store
            .set_session_capacity_recorded(
                conf,
                first,
                Capacity::new(5).ok(),
                Some(line()),
                early(),
            )
            .await
            .unwrap()
            .expect("the session exists");
        let audit = store.audit_log(conf, 10).await.unwrap();
        assert_eq!(audit.len(), 1, "the change wrote its audit line");
        let events = settled(&store, start, 1).await;
        assert_eq!(
            kinds(&events),
            vec![(
                None,
                Event::Seats {
                    session: first,
                    capacity: Some(5),
                    reserved: 0
                }
            )],
            "one event, the change's; the refusal wrote none"
        );
    }
);

store_test!(points_earned_reach_the_outbox, |store| async move {
    // Arrange
    let (conf, [first, second], [ada, bo]) = setup(&store, "points-events").await;
    let start = store.latest_event().await.unwrap();
    let worth = PointsSettings::default().points;
    let (rating, lab) = (worth.of(ActionKind::Rating), worth.of(ActionKind::Lab));

    // Act: two awards for Ada, one repeated (counts once), one for Bo.
    for (user, action) in [
        (ada, Action::rating(first)),
        (ada, Action::rating(first)),
        (ada, Action::lab(second)),
        (bo, Action::rating(second)),
    ] {
        store.award(conf, user, &action, early()).await.unwrap();
    }

    // Assert: one event per award granted, for its earner, with the running total.
    let points = |action, points, total| Event::Points {
        action,
        points,
        total,
    };
    let events: Vec<_> = kinds(&settled(&store, start, 3).await)
        .into_iter()
        .filter(|(_, e)| e.kind() == "points")
        .collect();
    assert_eq!(
        events,
        [
            (
                Some(ada),
                points(ActionKind::Rating, rating, u64::from(rating))
            ),
            (
                Some(ada),
                points(ActionKind::Lab, lab, u64::from(rating + lab))
            ),
            (
                Some(bo),
                points(ActionKind::Rating, rating, u64::from(rating))
            ),
        ]
    );
});

store_test!(
    setup_edits_write_their_audit_line_or_nothing,
    |store| async move {
        let (conf, _, [ada, _]) = setup(&store, "setup-audit").await;
        let line = |action: &str| hallway_store::AuditLine {
            user: ada,
            actor: "ada@example.org".into(),
            action: action.into(),
            detail: String::new(),
        };
        let actions = || async {
            store
                .audit_log(conf, 20)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.action)
                .collect::<Vec<_>>()
        };
        let edit = |name| hallway_store::RoomEdit {
            name,
            capacity: Capacity::new(30).ok(),
            note: "",
        };
        let slug = Slug::parse("setup-audit").unwrap();
        let used = store.conference(&slug).await.unwrap().unwrap().rooms[0].id;

        // Refused: a taken name, a room that does not exist, a room sessions use.
        assert!(matches!(
            store
                .add_room(conf, "a", None, "", &line("added a room"), early())
                .await,
            Err(StoreError::Conflict(_))
        ));
        let missing = hallway_domain::RoomId::new(999_999);
        let none = store
            .update_room(conf, missing, edit("Z"), &line("changed a room"), early())
            .await
            .unwrap();
        assert!(none.is_none());
        assert!(matches!(
            store
                .delete_room(conf, used, &line("deleted a room"), early())
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(
            !store
                .delete_track(
                    conf,
                    hallway_domain::TrackId::new(999_999),
                    &line("deleted a track"),
                    early()
                )
                .await
                .unwrap()
        );
        assert_eq!(
            actions().await,
            Vec::<String>::new(),
            "refusals write no audit line"
        );

        // Done: each change its line.
        let room = store
            .add_room(conf, "C", None, "", &line("added a room"), early())
            .await
            .unwrap();
        store
            .update_room(conf, room, edit("C2"), &line("changed a room"), early())
            .await
            .unwrap()
            .expect("the room exists");
        assert!(
            store
                .delete_room(conf, room, &line("deleted a room"), early())
                .await
                .unwrap()
        );
        let mut done = actions().await;
        done.sort();
        assert_eq!(done, ["added a room", "changed a room", "deleted a room"]);
    }
);
