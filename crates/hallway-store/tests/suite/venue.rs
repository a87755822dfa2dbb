//! Doors, lab machine pools and announcements in the store (issue #10), on both backends:
//! reserved-first admission, capacity at the door (DESIGN.md invariant 7), the reset between
//! sessions, attendance for points and feedback, and lab machines handed out once each
//! (invariant 6), also under concurrency.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone as _, Utc};
use hallway_domain::networking::{Rating, ShortCode};
use hallway_domain::program::{ConferenceInfo, RoomDraft, SessionInfo};
use hallway_domain::venue::{Audience, Direction, DoorReason, Machine, VenueSettings};
use hallway_domain::{
    Capacity, ConferenceDays, ConferenceId, Program, RoomId, SessionDraft, SessionId, SessionKind,
    Slug, TimeSpan, TimeZone, UserId,
};
use hallway_store::{
    CardSecrets, DoorScan, FeedbackOutcome, FeedbackRequest, LabOutcome, NewAttendee,
    ReserveOutcome, ReserveRequest, Store, Target, store_test,
};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
}

/// A 5-seat theater with two talks (10:00, 11:00), and a lab room with a lab at 10:00.
fn program() -> Program {
    let days = ConferenceDays::new(
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
    )
    .unwrap();
    let info = ConferenceInfo::new(
        Slug::parse("venue").unwrap(),
        "Venue Conf",
        TimeZone::parse("Europe/Copenhagen").unwrap(),
        days,
    )
    .unwrap();
    let rooms = vec![
        RoomDraft {
            name: "Theater".into(),
            capacity: Capacity::new(5).ok(),
        },
        RoomDraft {
            name: "Lab room".into(),
            capacity: Capacity::new(100).ok(),
        },
    ];
    let session = |room, title: &str, kind, h| SessionDraft {
        room,
        track: None,
        speakers: vec![],
        info: SessionInfo::new(
            title,
            kind,
            TimeSpan::starting_at(at(h, 0), Duration::minutes(50)).unwrap(),
        )
        .unwrap(),
    };
    Program::new(
        info,
        rooms,
        vec![],
        vec![],
        vec![
            session(0, "First talk", SessionKind::Theater, 10),
            session(0, "Second talk", SessionKind::Theater, 11),
            session(1, "Kubernetes lab", SessionKind::Lab, 10),
        ],
    )
    .unwrap()
}

struct World {
    conf: ConferenceId,
    users: Vec<UserId>,
    codes: Vec<ShortCode>,
    theater: RoomId,
    first: SessionId,
    second: SessionId,
    lab: SessionId,
}

async fn world(store: &Store, people: usize) -> World {
    let now = at(6, 0);
    let conf = store.insert_program(&program(), now).await.unwrap();
    let attendees: Vec<NewAttendee> = (0..people)
        .map(|i| NewAttendee {
            email: format!("p{i}@test.invalid"),
            name: format!("Person {i}"),
        })
        .collect();
    let users = store.insert_attendees(conf, &attendees, now).await.unwrap();
    let mut codes = Vec::new();
    for (i, u) in users.iter().enumerate() {
        let mut n = 0u64;
        let card = store
            .ensure_card(
                conf,
                *u,
                &mut move || {
                    n += 1;
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&((i as u64 * 1000 + n) * 7_919 + 13).to_le_bytes());
                    CardSecrets {
                        token: format!("token-{i}-{n}-0123456789abcdef0123456789"),
                        code: ShortCode::from_random(&b),
                    }
                },
                now,
            )
            .await
            .unwrap();
        codes.push(card.code);
    }
    let sessions = store.sessions(conf).await.unwrap();
    let id = |t: &str| sessions.iter().find(|s| s.info.title == t).unwrap();
    World {
        conf,
        users,
        codes,
        theater: id("First talk").room,
        first: id("First talk").id,
        second: id("Second talk").id,
        lab: id("Kubernetes lab").id,
    }
}

async fn reserve(store: &Store, w: &World, i: usize, session: SessionId) {
    let outcome = store
        .reserve(&ReserveRequest {
            conference: w.conf,
            user: w.users[i],
            session,
            replace: &[],
            waitlist: false,
            now: at(6, 0),
        })
        .await
        .unwrap();
    assert!(
        matches!(outcome, ReserveOutcome::Reserved { .. }),
        "{outcome:?}"
    );
}

async fn scan(
    store: &Store,
    w: &World,
    i: usize,
    direction: Direction,
    now: DateTime<Utc>,
) -> hallway_store::DoorOutcome {
    store
        .door(&DoorScan {
            conference: w.conf,
            room: w.theater,
            badge: Target::Code(w.codes[i].clone()),
            direction,
            now,
        })
        .await
        .unwrap()
        .unwrap()
}

store_test!(
    reserved_seats_are_held_then_walk_ins_fill_the_room,
    |store| async move {
        let store: Store = store;
        let w = world(&store, 10).await;
        for i in 0..3 {
            reserve(&store, &w, i, w.first).await;
        }
        // Two walk-ins fit beside the three held seats; the third is refused with the reason.
        let early = at(9, 50);
        assert_eq!(
            scan(&store, &w, 5, Direction::In, early).await.reason,
            DoorReason::WalkIn
        );
        assert_eq!(
            scan(&store, &w, 6, Direction::In, early).await.reason,
            DoorReason::WalkIn
        );
        let refused = scan(&store, &w, 7, Direction::In, early).await;
        assert_eq!(refused.reason, DoorReason::HeldForReservations);
        assert_eq!((refused.occupancy, refused.capacity), (2, Some(5)));
        // A reserved attendee passes; scanning again does not count twice.
        let ok = scan(&store, &w, 0, Direction::In, early).await;
        assert_eq!((ok.reason, ok.occupancy), (DoorReason::Reserved, 3));
        assert_eq!(ok.session, Some(w.first));
        assert_eq!(
            scan(&store, &w, 0, Direction::In, early).await.reason,
            DoorReason::AlreadyInside
        );
        // After the window (10 minutes past the start) the held seats go to walk-ins.
        let late = at(10, 10);
        assert_eq!(
            scan(&store, &w, 7, Direction::In, late).await.reason,
            DoorReason::WalkIn
        );
        assert_eq!(
            scan(&store, &w, 8, Direction::In, late).await.reason,
            DoorReason::WalkIn
        );
        let full = scan(&store, &w, 1, Direction::In, late).await;
        assert_eq!((full.reason, full.occupancy), (DoorReason::Full, 5));
        // Out at an exit frees a seat; out twice changes nothing.
        let out = scan(&store, &w, 7, Direction::Out, late).await;
        assert_eq!((out.reason, out.occupancy), (DoorReason::CheckedOut, 4));
        assert_eq!(
            scan(&store, &w, 7, Direction::Out, late).await.reason,
            DoorReason::NotInside
        );
        assert_eq!(
            scan(&store, &w, 1, Direction::In, late).await.reason,
            DoorReason::Reserved
        );
        // Unknown badges are refused.
        let unknown = store
            .door(&DoorScan {
                conference: w.conf,
                room: w.theater,
                badge: Target::Token("nope".into()),
                direction: Direction::In,
                now: late,
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(unknown.reason, DoorReason::UnknownBadge);
        assert!(
            store
                .venue_violations(w.conf, late)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

store_test!(
    check_ins_count_as_attendance_and_reset_between_sessions,
    |store| async move {
        let store: Store = store;
        let w = world(&store, 3).await;
        // Attendee 0 walked in without a seat: the check-in earns points once and lets them rate.
        let first = scan(&store, &w, 0, Direction::In, at(10, 5)).await;
        assert_eq!(first.reason, DoorReason::WalkIn);
        assert_eq!(first.points, 2);
        assert_eq!(store.points(w.conf, w.users[0]).await.unwrap(), 2);
        let rated = store
            .put_feedback(&FeedbackRequest {
                conference: w.conf,
                session: w.first,
                user: w.users[0],
                rating: Rating::new(5).unwrap(),
                comment: None,
                now: at(10, 30),
            })
            .await
            .unwrap();
        assert!(matches!(rated, FeedbackOutcome::Saved { .. }), "{rated:?}");
        // The second talk's doors open at 10:45: the count starts again.
        let rooms = store.occupancy(w.conf, at(10, 44)).await.unwrap();
        let theater = rooms.iter().find(|r| r.room == w.theater).unwrap();
        assert_eq!((theater.occupancy, theater.session), (1, Some(w.first)));
        let rooms = store.occupancy(w.conf, at(10, 46)).await.unwrap();
        let theater = rooms.iter().find(|r| r.room == w.theater).unwrap();
        assert_eq!((theater.occupancy, theater.session), (0, Some(w.second)));
        let next = scan(&store, &w, 0, Direction::In, at(10, 46)).await;
        assert_eq!((next.reason, next.occupancy), (DoorReason::WalkIn, 1));
        assert_eq!(next.session, Some(w.second));
        // Without the reset, the count carries over.
        store
            .set_venue_settings(
                w.conf,
                &VenueSettings {
                    reset_between: false,
                    ..VenueSettings::default()
                },
                None,
                at(10, 46),
            )
            .await
            .unwrap();
        scan(&store, &w, 1, Direction::In, at(11, 10)).await;
        let after = scan(&store, &w, 2, Direction::In, at(11, 55)).await;
        assert_eq!((after.session, after.occupancy), (None, 3));
        assert_eq!(store.points_mismatches(w.conf).await.unwrap(), vec![]);
        assert!(
            store
                .venue_violations(w.conf, at(11, 55))
                .await
                .unwrap()
                .is_empty()
        );
    }
);

fn machines(n: usize) -> Vec<Machine> {
    (0..n)
        .map(|i| {
            Machine::new(
                &format!("lab-{i:02}"),
                &format!("10.0.0.{i}"),
                "dev",
                &format!("pw{i}"),
            )
            .unwrap()
        })
        .collect()
}

store_test!(
    labs_hand_out_each_machine_once_and_take_them_back,
    |store| async move {
        let store: Store = store;
        let w = world(&store, 4).await;
        assert_eq!(
            store
                .import_machines(w.conf, w.lab, &machines(2), None, chrono::Utc::now())
                .await
                .unwrap(),
            Some(2)
        );
        assert_eq!(
            store
                .import_machines(w.conf, w.first, &machines(2), None, chrono::Utc::now())
                .await
                .unwrap(),
            None
        );
        for i in 0..3 {
            reserve(&store, &w, i, w.lab).await;
        }
        let now = at(10, 5);
        let LabOutcome::Started { machine, new: true } = store
            .start_lab(w.conf, w.lab, w.users[0], now)
            .await
            .unwrap()
        else {
            panic!("no machine");
        };
        // Asking again gives the same machine.
        assert_eq!(
            store
                .start_lab(w.conf, w.lab, w.users[0], now)
                .await
                .unwrap(),
            LabOutcome::Started {
                machine: machine.clone(),
                new: false
            }
        );
        assert!(matches!(
            store
                .start_lab(w.conf, w.lab, w.users[1], now)
                .await
                .unwrap(),
            LabOutcome::Started { new: true, .. }
        ));
        assert_eq!(
            store
                .start_lab(w.conf, w.lab, w.users[2], now)
                .await
                .unwrap(),
            LabOutcome::NoneFree
        );
        assert_eq!(
            store
                .start_lab(w.conf, w.lab, w.users[3], now)
                .await
                .unwrap(),
            LabOutcome::NotAttending
        );
        assert_eq!(
            store
                .start_lab(w.conf, w.first, w.users[0], now)
                .await
                .unwrap(),
            LabOutcome::NotALab
        );
        assert_eq!(
            store
                .start_lab(w.conf, w.lab, w.users[0], at(9, 0))
                .await
                .unwrap(),
            LabOutcome::NotOpen
        );
        // Finishing returns the machine and earns the lab's points once.
        assert_eq!(
            store
                .finish_lab(w.conf, w.lab, w.users[0], now)
                .await
                .unwrap(),
            Some(10)
        );
        assert_eq!(
            store
                .finish_lab(w.conf, w.lab, w.users[0], now)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .lab_machine(w.conf, w.lab, w.users[0], now)
                .await
                .unwrap(),
            None
        );
        let LabOutcome::Started { machine: got, .. } = store
            .start_lab(w.conf, w.lab, w.users[2], now)
            .await
            .unwrap()
        else {
            panic!("the returned machine was not free");
        };
        assert_eq!(got, machine);
        let pool = store.lab_pool(w.conf, w.lab, now).await.unwrap();
        assert_eq!(pool.iter().filter(|m| m.holder.is_some()).count(), 2);
        // When the lab is over every machine comes back.
        let over = at(10, 50);
        assert_eq!(
            store
                .start_lab(w.conf, w.lab, w.users[0], over)
                .await
                .unwrap(),
            LabOutcome::Over
        );
        let pool = store.lab_pool(w.conf, w.lab, over).await.unwrap();
        assert!(pool.iter().all(|m| m.holder.is_none()));
        assert!(
            store
                .venue_violations(w.conf, over)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

store_test!(
    concurrent_lab_starts_never_share_a_machine,
    |store| async move {
        let store: Store = store;
        let w = std::sync::Arc::new(world(&store, 30).await);
        store
            .import_machines(w.conf, w.lab, &machines(20), None, chrono::Utc::now())
            .await
            .unwrap();
        for i in 0..30 {
            reserve(&store, &w, i, w.lab).await;
        }
        // Thirty attendees, each starting twice at once, for twenty machines.
        let mut tasks = Vec::new();
        for i in 0..60 {
            let (store, w) = (store.clone(), std::sync::Arc::clone(&w));
            tasks.push(tokio::spawn(async move {
                let user = w.users[i % 30];
                (
                    user,
                    store
                        .start_lab(w.conf, w.lab, user, at(10, 5))
                        .await
                        .unwrap(),
                )
            }));
        }
        let mut by_user: std::collections::HashMap<UserId, Vec<Option<String>>> =
            Default::default();
        for t in tasks {
            let (user, outcome) = t.await.unwrap();
            let name = match outcome {
                LabOutcome::Started { machine, .. } => Some(machine.name().to_owned()),
                LabOutcome::NoneFree => None,
                other => panic!("{other:?}"),
            };
            by_user.entry(user).or_default().push(name);
        }
        let pool = store.lab_pool(w.conf, w.lab, at(10, 5)).await.unwrap();
        assert_eq!(pool.iter().filter(|m| m.holder.is_some()).count(), 20);
        let mut holders: Vec<UserId> = pool
            .iter()
            .filter_map(|m| m.holder.as_ref().map(|h| h.0))
            .collect();
        holders.sort();
        holders.dedup();
        assert_eq!(holders.len(), 20, "an attendee holds two machines");
        for (user, names) in by_user {
            let held = pool
                .iter()
                .find(|m| m.holder.as_ref().map(|h| h.0) == Some(user));
            for name in names.into_iter().flatten() {
                assert_eq!(
                    Some(name.as_str()),
                    held.map(|m| m.machine.name()),
                    "{user} was told of a machine it does not hold"
                );
            }
        }
        assert!(
            store
                .venue_violations(w.conf, at(10, 5))
                .await
                .unwrap()
                .is_empty()
        );
    }
);

store_test!(
    concurrent_door_scans_never_pass_capacity,
    |store| async move {
        let store: Store = store;
        let w = std::sync::Arc::new(world(&store, 40).await);
        let mut tasks = Vec::new();
        for i in 0..40 {
            let (store, w) = (store.clone(), std::sync::Arc::clone(&w));
            tasks.push(tokio::spawn(async move {
                scan(&store, &w, i, Direction::In, at(10, 20)).await.reason
            }));
        }
        let mut admitted = 0;
        for t in tasks {
            if t.await.unwrap() == DoorReason::WalkIn {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 5);
        let rooms = store.occupancy(w.conf, at(10, 20)).await.unwrap();
        assert_eq!(
            rooms
                .iter()
                .find(|r| r.room == w.theater)
                .unwrap()
                .occupancy,
            5
        );
        assert!(
            store
                .venue_violations(w.conf, at(10, 20))
                .await
                .unwrap()
                .is_empty()
        );
    }
);

store_test!(announcements_name_their_audience, |store| async move {
    let store: Store = store;
    let w = world(&store, 1).await;
    let a = store
        .post_announcement(
            w.conf,
            w.users[0],
            "Lunch is served",
            Audience::Everyone,
            at(12, 0),
        )
        .await
        .unwrap()
        .unwrap();
    store
        .post_announcement(
            w.conf,
            w.users[0],
            "Starts late",
            Audience::Session(w.second),
            at(12, 1),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .post_announcement(
                w.conf,
                w.users[0],
                "x",
                Audience::Room(RoomId::new(999_999)),
                at(12, 2)
            )
            .await
            .unwrap()
            .is_none()
    );
    let feed = store.announcements(w.conf, 10).await.unwrap();
    assert_eq!(feed.len(), 2);
    assert_eq!(feed[1], a);
    assert_eq!(feed[0].audience, Audience::Session(w.second));
});
