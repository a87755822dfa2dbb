//! Repository tests. Each runs on SQLite, and on PostgreSQL when HALLWAY_TEST_DATABASE_URL
//! is set (`store_test!`).

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone as _, Utc};
use hallway_domain::directory::EditionFields;
use hallway_domain::program::{
    ConferenceInfo, Link, RoomDraft, SessionInfo, SpeakerInfo, TrackDraft,
};
use hallway_domain::{
    Capacity, Colour, ConferenceDays, Edition, Program, SeatState, Series, SessionDraft, SessionId,
    SessionKind, Slug, SpeakerId, TimeSpan, TimeZone,
};
use hallway_store::{NewAttendee, Store, StoreError, store_test};

pub(crate) fn program(slug: &str) -> Program {
    let days = ConferenceDays::new(
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
    )
    .unwrap();
    let mut info = ConferenceInfo::new(
        Slug::parse(slug).unwrap(),
        "Test Conf",
        TimeZone::parse("Europe/Copenhagen").unwrap(),
        days,
    )
    .unwrap();
    info.venue = "Bella Center".into();
    let rooms = vec![
        RoomDraft {
            name: "Hall".into(),
            capacity: Capacity::new(500).ok(),
        },
        RoomDraft {
            name: "Lab".into(),
            capacity: Capacity::new(40).ok(),
        },
    ];
    let tracks = vec![TrackDraft {
        name: "Runtime".into(),
        colour: Colour::parse("#1d63ed").unwrap(),
    }];
    let mut ada = SpeakerInfo::new("Ada Lovelace").unwrap();
    ada.company = "Analytical".into();
    ada.links = vec![Link::new("Home", "https://example.org/ada").unwrap()];
    let speakers = vec![ada, SpeakerInfo::new("Grace Hopper").unwrap()];
    let at = |h| Utc.with_ymd_and_hms(2026, 11, 22, h, 0, 0).unwrap();
    let session = |title: &str, kind, room, h, mins, speakers: Vec<usize>| SessionDraft {
        room,
        track: Some(0),
        speakers,
        info: SessionInfo::new(
            title,
            kind,
            TimeSpan::starting_at(at(h), Duration::minutes(mins)).unwrap(),
        )
        .unwrap(),
    };
    let mut lab = session("Build a runtime", SessionKind::Lab, 1, 9, 120, vec![1]);
    lab.info.capacity_override = Capacity::new(30).ok();
    lab.info.abstract_text = "Hands on.".into();
    let sessions = vec![
        session(
            "Opening keynote",
            SessionKind::Keynote,
            0,
            8,
            60,
            vec![0, 1],
        ),
        lab,
        session("Lunch", SessionKind::Break, 0, 11, 60, vec![]),
    ];
    Program::new(info, rooms, tracks, speakers, sessions).unwrap()
}

fn directory() -> Vec<(Series, Vec<Edition>)> {
    let series = Series::new("DockerCon", &["docker".into(), "Containers".into()]).unwrap();
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
    let edition = |name, starts_on, ends_on| {
        let mut e = Edition::new(EditionFields {
            name,
            series: "DockerCon",
            starts_on,
            ends_on,
            city: "Copenhagen",
            country: "DK",
            region: "Europe",
            url: Some("https://example.org/"),
            attendance: Some(5000),
            tracks: Some(8),
        })
        .unwrap();
        e.tags = series.tags.clone();
        e
    };
    let editions = vec![
        edition("DockerCon Europe 2017", d(2017, 10, 16), d(2017, 10, 19)),
        edition("DockerCon Someday", None, None),
    ];
    vec![(series, editions)]
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let (sqlite, postgres) = Store::migration_versions();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

store_test!(directory_round_trips, |store| async move {
    store.replace_directory(&directory()).await.unwrap();
    let editions = store.editions().await.unwrap();
    assert_eq!(editions.len(), 2);
    let first = &editions[0];
    assert_eq!(first.name, "DockerCon Europe 2017");
    assert_eq!(first.series, "DockerCon");
    assert_eq!(first.tags, vec!["docker", "containers"]);
    assert_eq!(first.attendance, Some(5000));
    assert_eq!(first.starts_on(), NaiveDate::from_ymd_opt(2017, 10, 16));
    assert_eq!(editions[1].dates, None, "undated editions come last");
    // Replacing is idempotent.
    store.replace_directory(&directory()).await.unwrap();
    assert_eq!(store.editions().await.unwrap().len(), 2);
    assert_eq!(store.series().await.unwrap()[0].name, "DockerCon");
});

store_test!(
    links_to_conferences_survive_a_directory_reload,
    |store| async move {
        store.replace_directory(&directory()).await.unwrap();
        let id = store
            .insert_program(&program("dceu"), Utc::now())
            .await
            .unwrap();
        let slug = Slug::parse("dockercon-europe-2017").unwrap();
        assert!(store.link_edition(&slug, id).await.unwrap());
        assert!(
            !store
                .link_edition(&Slug::parse("nope").unwrap(), id)
                .await
                .unwrap()
        );
        store.replace_directory(&directory()).await.unwrap();
        assert_eq!(
            store.edition(&slug).await.unwrap().unwrap().conference,
            Some(id)
        );
    }
);

store_test!(a_program_round_trips, |store| async move {
    let p = program("tc");
    let id = store.insert_program(&p, Utc::now()).await.unwrap();
    let detail = store
        .conference(&Slug::parse("tc").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.conference.id, id);
    assert_eq!(detail.conference.info, *p.conference());
    assert_eq!(
        detail
            .rooms
            .iter()
            .map(|r| (r.name.as_str(), r.capacity.map(Capacity::get)))
            .collect::<Vec<_>>(),
        vec![("Hall", Some(500)), ("Lab", Some(40))]
    );
    assert_eq!(detail.tracks[0].colour.hex(), "#1d63ed");

    let sessions = store.sessions(id).await.unwrap();
    assert_eq!(sessions.len(), 3);
    let titles: Vec<&str> = sessions.iter().map(|s| s.info.title.as_str()).collect();
    assert_eq!(titles, ["Opening keynote", "Build a runtime", "Lunch"]);
    let keynote = &sessions[0];
    assert_eq!(keynote.seats.capacity().map(Capacity::get), Some(500));
    assert_eq!(keynote.seats.left(), Some(500));
    assert_eq!(keynote.speakers.len(), 2);
    let lab = &sessions[1];
    assert_eq!(
        lab.seats.capacity().map(Capacity::get),
        Some(30),
        "the override wins"
    );
    assert_eq!(lab.info, p.sessions()[1].info);
    assert_eq!(
        sessions[2].seats.state(),
        SeatState::Unlimited,
        "breaks are unlimited"
    );

    let one = store.session(id, lab.id).await.unwrap().unwrap();
    assert_eq!(&one, lab);

    let speakers = store.speakers(id).await.unwrap();
    assert_eq!(speakers.len(), 2);
    assert_eq!(speakers[0].info, p.speakers()[0]);
    let (ada, ada_sessions) = store.speaker(id, speakers[0].id).await.unwrap().unwrap();
    assert_eq!(ada.info.name, "Ada Lovelace");
    assert_eq!(ada_sessions, vec![keynote.id]);
});

store_test!(lookups_stay_inside_their_conference, |store| async move {
    let a = store
        .insert_program(&program("a"), Utc::now())
        .await
        .unwrap();
    let b = store
        .insert_program(&program("b"), Utc::now())
        .await
        .unwrap();
    let b_session = store.sessions(b).await.unwrap()[0].id;
    let b_speaker = store.speakers(b).await.unwrap()[0].id;
    assert_eq!(store.session(a, b_session).await.unwrap(), None);
    assert_eq!(store.speaker(a, b_speaker).await.unwrap(), None);
    assert_eq!(
        store.session(a, SessionId::new(999_999)).await.unwrap(),
        None
    );
    assert_eq!(
        store.speaker(a, SpeakerId::new(999_999)).await.unwrap(),
        None
    );
    assert!(
        store
            .conference(&Slug::parse("zzz").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.conferences().await.unwrap().len(), 2);
});

store_test!(
    a_taken_slug_is_a_conflict_and_writes_nothing,
    |store| async move {
        store
            .insert_program(&program("dup"), Utc::now())
            .await
            .unwrap();
        let err = store
            .insert_program(&program("dup"), Utc::now())
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(ref m) if m.contains("dup")),
            "{err:?}"
        );
        assert_eq!(store.conferences().await.unwrap().len(), 1);
        assert!(
            store
                .delete_conference(&Slug::parse("dup").unwrap())
                .await
                .unwrap()
        );
        assert!(store.conferences().await.unwrap().is_empty());
    }
);

store_test!(enrolling_attendees_reuses_accounts, |store| async move {
    let one = store
        .insert_program(&program("p"), Utc::now())
        .await
        .unwrap();
    let two = store
        .insert_program(&program("q"), Utc::now())
        .await
        .unwrap();
    let people = |emails: &[&str]| -> Vec<NewAttendee> {
        emails
            .iter()
            .map(|e| NewAttendee {
                email: (*e).into(),
                name: "N".into(),
            })
            .collect()
    };
    let first = store
        .insert_attendees(one, &people(&["a@x.org", "b@x.org"]), Utc::now())
        .await
        .unwrap();
    let again = store
        .insert_attendees(one, &people(&["c@x.org", "A@X.org"]), Utc::now())
        .await
        .unwrap();
    assert_eq!(
        again[1], first[0],
        "the same email, in another case, is the same account"
    );
    assert_eq!(store.count_members(one).await.unwrap(), 3);
    let other = store
        .insert_attendees(two, &people(&["b@x.org"]), Utc::now())
        .await
        .unwrap();
    assert_eq!(other[0], first[1]);
    assert_eq!(store.count_members(two).await.unwrap(), 1);
});

store_test!(
    the_database_refuses_overbooking_itself,
    |store| async move {
        // The CHECK backstop of invariant 1 holds even for a write that skips the code path.
        store
            .insert_program(&program("cap"), Utc::now())
            .await
            .unwrap();
        let err = store
            .debug_force_reserved_for_test("Build a runtime", 31)
            .await;
        assert!(err.is_err(), "reserved above capacity was stored");
        store
            .debug_force_reserved_for_test("Build a runtime", 30)
            .await
            .unwrap();
    }
);

store_test!(
    each_reminder_is_claimed_once_however_many_race,
    |store| async move {
        use hallway_store::{ReserveOutcome, ReserveRequest};
        let conf = store
            .insert_program(&program("rem"), Utc::now())
            .await
            .unwrap();
        let sessions = store.sessions(conf).await.unwrap();
        let keynote = sessions[0].id; // 08:00-09:00 UTC on 2026-11-22
        let people: Vec<NewAttendee> = (0..30)
            .map(|i| NewAttendee {
                email: format!("r{i}@x.org"),
                name: "R".into(),
            })
            .collect();
        let users = store
            .insert_attendees(conf, &people, Utc::now())
            .await
            .unwrap();
        let early = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        for u in &users {
            let out = store
                .reserve(&ReserveRequest {
                    conference: conf,
                    user: *u,
                    session: keynote,
                    replace: &[],
                    waitlist: false,
                    now: early,
                })
                .await
                .unwrap();
            assert!(matches!(out, ReserveOutcome::Reserved { .. }), "{out:?}");
        }
        // One attendee turned reminders off; one wants them 30 minutes ahead.
        store.set_reminder_minutes(users[0], None).await.unwrap();
        store
            .set_reminder_minutes(users[1], Some(30))
            .await
            .unwrap();
        let at = |h, m| Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap();
        // 07:40: only the 30-minute one is due.
        let first = store.claim_due_reminders(at(7, 40), "live").await.unwrap();
        assert_eq!(
            first.iter().map(|r| r.user).collect::<Vec<_>>(),
            vec![users[1]]
        );
        // 07:52: everyone else with reminders on is due; four claimers race for them.
        let (a, b, c, d) = tokio::join!(
            store.claim_due_reminders(at(7, 52), "live"),
            store.claim_due_reminders(at(7, 52), "live"),
            store.claim_due_reminders(at(7, 52), "live"),
            store.claim_due_reminders(at(7, 52), "live"),
        );
        let mut all: Vec<_> = [a.unwrap(), b.unwrap(), c.unwrap(), d.unwrap()].concat();
        all.sort_by_key(|r| r.user);
        assert_eq!(
            all.len(),
            28,
            "every due reminder once: 30 minus the one off and the one sent"
        );
        all.dedup_by_key(|r| r.user);
        assert_eq!(all.len(), 28, "no reminder twice");
        assert!(all.iter().all(|r| r.user != users[0] && r.user != users[1]));
        // Nothing is due twice, and nothing after the start.
        assert!(
            store
                .claim_due_reminders(at(7, 55), "live")
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .claim_due_reminders(at(8, 0), "live")
                .await
                .unwrap()
                .is_empty()
        );
        let notes = store.notifications(conf, users[5], 10).await.unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].kind, "reminder");
        assert!(
            matches!(
                notes[0].notice,
                Some(hallway_domain::notice::Notice::Reminder { starts_at, .. }) if starts_at == at(8, 0)
            ),
            "{:?}",
            notes[0]
        );
    }
);

store_test!(
    calendar_keys_are_stable_until_regenerated,
    |store| async move {
        let conf = store
            .insert_program(&program("cal"), Utc::now())
            .await
            .unwrap();
        let ids = store
            .insert_attendees(
                conf,
                &[NewAttendee {
                    email: "k@x.org".into(),
                    name: "K".into(),
                }],
                Utc::now(),
            )
            .await
            .unwrap();
        let key = store.calendar_key(ids[0], "first").await.unwrap();
        assert_eq!(key, "first");
        assert_eq!(
            store.calendar_key(ids[0], "second").await.unwrap(),
            "first",
            "kept"
        );
        assert_eq!(
            store
                .user_by_calendar_key("first")
                .await
                .unwrap()
                .map(|u| u.0),
            Some(ids[0])
        );
        store
            .regenerate_calendar_key(ids[0], "third")
            .await
            .unwrap();
        assert!(store.user_by_calendar_key("first").await.unwrap().is_none());
        assert_eq!(
            store
                .user_by_calendar_key("third")
                .await
                .unwrap()
                .map(|u| u.1),
            Some(Some(10))
        );
    }
);

store_test!(reserving_makes_an_attendee, |store| async move {
    use hallway_domain::account::Role;
    use hallway_store::ReserveRequest;
    let conf = store
        .insert_program(&program("role"), Utc::now())
        .await
        .unwrap();
    let email = hallway_domain::Email::parse("new@x.org").unwrap();
    let account = store
        .create_account(&email, "New", "hash", Utc::now())
        .await
        .unwrap();
    assert!(store.roles(conf, account.id).await.unwrap().is_empty());
    let keynote = store.sessions(conf).await.unwrap()[0].id;
    let early = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    store
        .reserve(&ReserveRequest {
            conference: conf,
            user: account.id,
            session: keynote,
            replace: &[],
            waitlist: false,
            now: early,
        })
        .await
        .unwrap();
    assert_eq!(
        store.roles(conf, account.id).await.unwrap(),
        vec![Role::Attendee]
    );
});

/// A file-backed SQLite store reserves on its writer thread; an in-memory one (which exists
/// only inside its pool's connections) through the pool. Both answer the same.
#[tokio::test]
async fn an_in_memory_sqlite_store_reserves_through_its_pool() {
    use hallway_store::{DatabaseUrl, ReserveOutcome, ReserveRequest, StoreOptions};
    let url = DatabaseUrl::parse("sqlite::memory:").unwrap();
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .unwrap();
    let conf = store
        .insert_program(&program("memory"), Utc::now())
        .await
        .unwrap();
    let email = hallway_domain::Email::parse("mem@x.org").unwrap();
    let account = store
        .create_account(&email, "Mem", "hash", Utc::now())
        .await
        .unwrap();
    let keynote = store.sessions(conf).await.unwrap()[0].id;
    let early = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let request = ReserveRequest {
        conference: conf,
        user: account.id,
        session: keynote,
        replace: &[],
        waitlist: false,
        now: early,
    };
    let first = store.reserve(&request).await.unwrap();
    assert!(
        matches!(first, ReserveOutcome::Reserved { already: false, .. }),
        "{first:?}"
    );
    let again = store.reserve(&request).await.unwrap();
    assert!(
        matches!(again, ReserveOutcome::Reserved { already: true, .. }),
        "{again:?}"
    );
    assert_eq!(
        store.agenda(conf, account.id).await.unwrap().reserved,
        vec![keynote]
    );
    store.close().await;
}

// Token accounts and conference ids are kept for a moment; what this store changes is
// forgotten at once, and a token made a moment ago works at once.
store_test!(
    failed_log_ins_count_per_window_and_are_forgotten,
    |store| async move {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
        let window = Duration::minutes(15);
        assert_eq!(
            store.login_failures("a@x.org", t0 - window).await.unwrap(),
            None
        );
        for i in 0..3 {
            let now = t0 + Duration::minutes(i);
            store
                .record_login_failure("a@x.org", now, now - window)
                .await
                .unwrap();
        }
        store
            .record_login_failure("b@x.org", t0, t0 - window)
            .await
            .unwrap();
        let now = t0 + Duration::minutes(5);
        assert_eq!(
            store.login_failures("a@x.org", now - window).await.unwrap(),
            Some(hallway_store::Failures {
                count: 3,
                first: t0,
                last: t0 + Duration::minutes(2)
            }),
            "three in the window opened by the first"
        );
        // Once the window is over, the next failure opens a new one, and the old rows go.
        let later = t0 + Duration::minutes(20);
        assert_eq!(
            store
                .login_failures("a@x.org", later - window)
                .await
                .unwrap(),
            None
        );
        store
            .record_login_failure("a@x.org", later, later - window)
            .await
            .unwrap();
        assert_eq!(
            store
                .login_failures("a@x.org", later - window)
                .await
                .unwrap(),
            Some(hallway_store::Failures {
                count: 1,
                first: later,
                last: later
            })
        );
        assert_eq!(
            store.login_failures("b@x.org", t0 - window).await.unwrap(),
            None,
            "windows that are over are deleted"
        );
        store.clear_login_failures("a@x.org").await.unwrap();
        assert_eq!(
            store
                .login_failures("a@x.org", later - window)
                .await
                .unwrap(),
            None
        );
    }
);

store_test!(
    refused_changes_undo_themselves_inside_a_batch_of_others,
    |store| async move {
        use hallway_store::{ReserveOutcome, ReserveRequest};
        let conf = store
            .insert_program(&program("batch"), Utc::now())
            .await
            .unwrap();
        let sessions = store.sessions(conf).await.unwrap();
        let (keynote, lab, lunch) = (sessions[0].id, sessions[1].id, sessions[2].id);
        let early = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let mut users = Vec::new();
        for i in 0..100 {
            let email = hallway_domain::Email::parse(&format!("u{i}@x.org")).unwrap();
            let user = store
                .create_account(&email, "U", "hash", early)
                .await
                .unwrap()
                .id;
            let held = store
                .reserve(&ReserveRequest {
                    conference: conf,
                    user,
                    session: keynote,
                    replace: &[],
                    waitlist: false,
                    now: early,
                })
                .await
                .unwrap();
            assert!(matches!(held, ReserveOutcome::Reserved { .. }));
            users.push(user);
        }
        // All at once, so that SQLite's writer commits them in groups: half drop the
        // keynote and then name a session they do not hold (refused after a write, which
        // must be undone), half simply want the 30-seat lab.
        let mut tasks = Vec::new();
        for (i, user) in users.iter().copied().enumerate() {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let replace = if i % 2 == 0 {
                    vec![keynote, lunch]
                } else {
                    vec![]
                };
                store
                    .reserve(&ReserveRequest {
                        conference: conf,
                        user,
                        session: lab,
                        replace: &replace,
                        waitlist: false,
                        now: early,
                    })
                    .await
                    .unwrap()
            }));
        }
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap());
        }
        for (i, outcome) in outcomes.iter().enumerate() {
            if i % 2 == 0 {
                // Full is answered before anything is dropped, once the lab is full.
                assert!(
                    matches!(
                        outcome,
                        ReserveOutcome::NotReserved(s) if *s == lunch
                    ) || outcome == &ReserveOutcome::Full,
                    "user {i}: {outcome:?}"
                );
            } else {
                assert!(
                    matches!(
                        outcome,
                        ReserveOutcome::Reserved { already: false, .. } | ReserveOutcome::Full
                    ),
                    "user {i}: {outcome:?}"
                );
            }
        }
        assert!(
            outcomes
                .iter()
                .any(|o| matches!(o, ReserveOutcome::NotReserved(_))),
            "some replacements were refused after dropping the keynote"
        );
        let got_lab = outcomes
            .iter()
            .filter(|o| matches!(o, ReserveOutcome::Reserved { .. }))
            .count();
        assert_eq!(got_lab, 30, "the lab has 30 seats and 50 wanted one");
        for user in &users {
            let agenda = store.agenda(conf, *user).await.unwrap();
            assert!(
                agenda.reserved.contains(&keynote),
                "every keynote seat survived its refused replacement"
            );
        }
        let seats = store.seats_of(conf, &[keynote, lab]).await.unwrap();
        assert_eq!(
            seats.iter().map(|(_, s)| s.reserved()).collect::<Vec<_>>(),
            vec![100, 30]
        );
        assert!(store.seat_violations(conf).await.unwrap().is_empty());
        assert!(store.double_bookings(conf).await.unwrap().is_empty());
    }
);

store_test!(
    a_closed_store_refuses_reservations_instead_of_hanging,
    |store| async move {
        use hallway_store::ReserveRequest;
        let conf = store
            .insert_program(&program("closed"), Utc::now())
            .await
            .unwrap();
        let keynote = store.sessions(conf).await.unwrap()[0].id;
        let email = hallway_domain::Email::parse("late@x.org").unwrap();
        let user = store
            .create_account(&email, "Late", "hash", Utc::now())
            .await
            .unwrap()
            .id;
        store.close().await;
        let early = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let answer = store
            .reserve(&ReserveRequest {
                conference: conf,
                user,
                session: keynote,
                replace: &[],
                waitlist: false,
                now: early,
            })
            .await;
        assert!(matches!(answer, Err(StoreError::Database(_))), "{answer:?}");
    }
);
