//! Re-imports merge a new schedule version into the stored one: agendas survive, attendees
//! hear about what changed, invariants 1-3 hold. Each runs on SQLite, and on PostgreSQL when
//! HALLWAY_TEST_DATABASE_URL is set.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone as _, Utc};
use hallway_domain::changes::Change;
use hallway_domain::program::{ConferenceInfo, RoomDraft, SessionInfo, SpeakerInfo};
use hallway_domain::{
    Capacity, ConferenceDays, ConferenceId, Program, SessionDraft, SessionId, SessionKind, Slug,
    TimeSpan, TimeZone, UserId,
};
use hallway_store::{ImportHow, NewAttendee, ReserveOutcome, ReserveRequest, Store, store_test};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
}

fn session(title: &str, room: usize, from: DateTime<Utc>, minutes: i64) -> SessionDraft {
    SessionDraft {
        room,
        track: None,
        speakers: vec![0],
        info: SessionInfo::new(
            title,
            SessionKind::Talk,
            TimeSpan::starting_at(from, Duration::minutes(minutes)).unwrap(),
        )
        .unwrap(),
    }
}

fn program(sessions: Vec<SessionDraft>) -> Program {
    let days = ConferenceDays::new(
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
    )
    .unwrap();
    let info = ConferenceInfo::new(
        Slug::parse("merge").unwrap(),
        "Merge Conf",
        TimeZone::parse("UTC").unwrap(),
        days,
    )
    .unwrap();
    let rooms = vec![
        RoomDraft {
            name: "Hall".into(),
            capacity: Capacity::new(100).ok(),
        },
        RoomDraft {
            name: "Lab".into(),
            capacity: Capacity::new(20).ok(),
        },
    ];
    Program::new(
        info,
        rooms,
        vec![],
        vec![SpeakerInfo::new("Ada").unwrap()],
        sessions,
    )
    .unwrap()
}

/// Version 1: A (full at 2 seats), B, C, D.
fn first() -> Program {
    let mut a = session("A", 0, at(9, 0), 60);
    a.info.capacity_override = Capacity::new(2).ok();
    program(vec![
        a,
        session("B", 0, at(10, 0), 60),
        session("C", 1, at(10, 0), 60),
        session("D", 1, at(12, 0), 60),
    ])
}

/// Version 2: A gets a third seat, B is retitled, C moves onto A's time, D is gone, E is new.
fn second() -> Program {
    let v1 = first();
    let s = v1.sessions();
    let mut a = s[0].clone();
    a.info.capacity_override = Capacity::new(3).ok();
    let mut b = s[1].clone();
    b.info.title = "B, revised".into();
    let mut c = s[2].clone();
    c.info.span = TimeSpan::starting_at(at(9, 30), Duration::minutes(60)).unwrap();
    program(vec![a, b, c, session("E", 1, at(14, 0), 30)])
}

async fn people(store: &Store, conf: ConferenceId, n: usize) -> Vec<UserId> {
    let list: Vec<NewAttendee> = (0..n)
        .map(|i| NewAttendee {
            email: format!("p{i}@example.org"),
            name: format!("P{i}"),
        })
        .collect();
    store
        .insert_attendees(conf, &list, at(0, 0) - Duration::days(1))
        .await
        .unwrap()
}

async fn add(
    store: &Store,
    conf: ConferenceId,
    user: UserId,
    session: SessionId,
    waitlist: bool,
) -> ReserveOutcome {
    store
        .reserve(&ReserveRequest {
            conference: conf,
            user,
            session,
            replace: &[],
            waitlist,
            now: at(0, 0) - Duration::days(1),
        })
        .await
        .unwrap()
}

store_test!(a_reimport_merges_and_keeps_agendas, |store| async move {
    let now = at(0, 0) - Duration::days(1);
    let report = store
        .import_program(
            &first(),
            "v1",
            "import of test.xml",
            now,
            ImportHow::default(),
        )
        .await
        .unwrap();
    assert!(report.created);
    let conf = report.conference;
    let ids: Vec<SessionId> = store
        .sessions(conf)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    let (a, b, c, d) = (ids[0], ids[1], ids[2], ids[3]);
    let u = people(&store, conf, 4).await;
    for (user, session) in [(u[0], a), (u[0], c), (u[1], a), (u[1], b), (u[3], d)] {
        assert!(matches!(
            add(&store, conf, user, session, false).await,
            ReserveOutcome::Reserved { .. }
        ));
    }
    assert!(matches!(
        add(&store, conf, u[2], a, true).await,
        ReserveOutcome::Waitlisted { .. }
    ));

    // A dry run says what would happen and changes nothing.
    let preview = store
        .import_program(
            &second(),
            "v2",
            "import of test.xml",
            now,
            ImportHow {
                dry_run: true,
                ..ImportHow::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            preview.version,
            preview.added,
            preview.changed,
            preview.removed
        ),
        (2, 1, 3, 1)
    );
    assert_eq!(preview.notified, 3, "D's, C's and B's holders");
    assert_eq!(store.schedule_versions(conf).await.unwrap().len(), 1);
    assert_eq!(store.sessions(conf).await.unwrap().len(), 4);

    let report = store
        .import_program(
            &second(),
            "v2",
            "import of test.xml",
            now,
            ImportHow::default(),
        )
        .await
        .unwrap();
    assert!(!report.created);
    assert_eq!(report.conference, conf);
    assert_eq!(
        (report.version, report.added, report.changed, report.removed),
        (2, 1, 3, 1)
    );
    let mut dropped = report.dropped.clone();
    dropped.sort();
    let mut expected = vec![(u[0], c), (u[3], d)];
    expected.sort();
    assert_eq!(
        dropped, expected,
        "D was removed; C moved onto A in u0's agenda"
    );
    assert_eq!(report.promotions.len(), 1);
    assert_eq!(
        (report.promotions[0].user, report.promotions[0].session),
        (u[2], a)
    );

    // Ids and agendas survive.
    let sessions = store.sessions(conf).await.unwrap();
    assert_eq!(sessions.len(), 4);
    assert!(
        sessions
            .iter()
            .any(|s| s.id == b && s.info.title == "B, revised")
    );
    let agenda = store.agenda(conf, u[1]).await.unwrap();
    let mine: Vec<SessionId> = agenda.reserved.clone();
    assert_eq!(mine, vec![a, b]);
    let agenda = store.agenda(conf, u[0]).await.unwrap();
    assert_eq!(agenda.reserved.clone(), vec![a]);
    assert!(store.agenda(conf, u[3]).await.unwrap().reserved.is_empty());

    // Everyone concerned was told, once.
    let kinds =
        |n: Vec<hallway_store::Notification>| n.into_iter().map(|n| n.kind).collect::<Vec<_>>();
    assert_eq!(
        kinds(store.notifications(conf, u[3], 50).await.unwrap()),
        vec!["removed"]
    );
    let mut u0 = kinds(store.notifications(conf, u[0], 50).await.unwrap());
    u0.sort();
    assert_eq!(u0, vec!["changed", "dropped"]);
    assert_eq!(
        kinds(store.notifications(conf, u[1], 50).await.unwrap()),
        vec!["changed"]
    );
    assert_eq!(
        kinds(store.notifications(conf, u[2], 50).await.unwrap()),
        vec!["promoted"]
    );

    // The versions and their changelog.
    let versions = store.schedule_versions(conf).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert_eq!(versions[0].export_label(), "v2 (hallway 2)");
    let entry = |t: &str| {
        versions[0]
            .entries
            .iter()
            .find(|e| e.title() == t)
            .unwrap()
            .changes
            .clone()
    };
    assert_eq!(entry("C"), vec![Change::Moved]);
    assert_eq!(entry("B, revised"), vec![Change::Retitled]);
    assert_eq!(entry("A"), vec![Change::CapacityChanged]);
    assert_eq!(entry("D"), vec![Change::Removed]);
    assert_eq!(entry("E"), vec![Change::Added]);
    let seq =
        hallway_store::ScheduleVersion::sequences(&store.schedule_versions(conf).await.unwrap());
    assert_eq!(seq.len(), 4, "A, B, C changed and D removed");

    assert!(store.seat_violations(conf).await.unwrap().is_empty());
    assert!(store.double_bookings(conf).await.unwrap().is_empty());

    // Importing the same file again changes nothing but records a version.
    let again = store
        .import_program(
            &second(),
            "v2",
            "import of test.xml",
            now,
            ImportHow::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            again.version,
            again.added,
            again.changed,
            again.removed,
            again.notified
        ),
        (3, 0, 0, 0, 0)
    );
});
