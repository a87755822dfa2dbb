//! Networking, feedback and points in the store (issue #9), on both backends: mutual
//! exchanges and their refusals, awards that count once (DESIGN.md invariant 5), the hourly
//! cap, and who may rate a session when.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone as _, Utc};
use hallway_domain::networking::{CardFields, Rating, Sharing, ShortCode};
use hallway_domain::points::{Action, ActionKind, PointsSettings};
use hallway_domain::program::{ConferenceInfo, RoomDraft, SessionInfo, SpeakerInfo};
use hallway_domain::{
    Capacity, ConferenceDays, ConferenceId, Program, SessionDraft, SessionId, SessionKind, Slug,
    TimeSpan, TimeZone, UserId,
};
use hallway_store::{
    CardSecrets, CardUpdate, ExchangeOutcome, FeedbackOutcome, FeedbackRequest, NewAttendee,
    ReserveOutcome, ReserveRequest, Store, Target, store_test,
};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
}

fn program() -> Program {
    let days = ConferenceDays::new(
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
    )
    .unwrap();
    let info = ConferenceInfo::new(
        Slug::parse("net").unwrap(),
        "Net Conf",
        TimeZone::parse("Europe/Copenhagen").unwrap(),
        days,
    )
    .unwrap();
    let rooms = vec![RoomDraft {
        name: "Hall".into(),
        capacity: Capacity::new(500).ok(),
    }];
    let session = |title: &str, kind, h, speakers: Vec<usize>| SessionDraft {
        room: 0,
        track: None,
        speakers,
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
        vec![SpeakerInfo::new("Ada Lovelace").unwrap()],
        vec![
            session("Morning talk", SessionKind::Talk, 9, vec![0]),
            session("Afternoon talk", SessionKind::Talk, 14, vec![]),
        ],
    )
    .unwrap()
}

struct World {
    conf: ConferenceId,
    users: Vec<UserId>,
    morning: SessionId,
    afternoon: SessionId,
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
    let sessions = store.sessions(conf).await.unwrap();
    let id = |t: &str| sessions.iter().find(|s| s.info.title == t).unwrap().id;
    World {
        conf,
        users,
        morning: id("Morning talk"),
        afternoon: id("Afternoon talk"),
    }
}

fn secrets(n: u64) -> CardSecrets {
    let mut b = [0u8; 8];
    b.copy_from_slice(&(n * 7_919 + 13).to_le_bytes());
    CardSecrets {
        token: format!("token-{n}-0123456789abcdef0123456789"),
        code: ShortCode::from_random(&b),
    }
}

async fn card(store: &Store, w: &World, i: usize) -> hallway_store::Card {
    let mut n = 0;
    let base = i as u64 * 1000;
    store
        .ensure_card(
            w.conf,
            w.users[i],
            &mut move || {
                n += 1;
                secrets(base + n)
            },
            at(7, 0),
        )
        .await
        .unwrap()
}

async fn exchange_code(
    store: &Store,
    w: &World,
    scanner: usize,
    code: &ShortCode,
) -> ExchangeOutcome {
    store
        .exchange(
            w.conf,
            w.users[scanner],
            &Target::Code(code.clone()),
            at(10, 0),
        )
        .await
        .unwrap()
}

async fn assert_ledger_matches(store: &Store, w: &World) {
    assert_eq!(store.points_mismatches(w.conf).await.unwrap(), vec![]);
    for u in &w.users {
        assert_eq!(
            store.points(w.conf, *u).await.unwrap(),
            store.ledger_sum(w.conf, *u).await.unwrap()
        );
    }
}

store_test!(
    an_exchange_is_mutual_and_earns_once_per_pair,
    |store| async move {
        let w = world(&store, 3).await;
        let b = card(&store, &w, 1).await;
        let ExchangeOutcome::Exchanged {
            contact,
            new,
            points,
        } = exchange_code(&store, &w, 0, &b.code).await
        else {
            panic!("exchanged")
        };
        assert!(new);
        assert_eq!(points, 5);
        assert_eq!(contact.user, w.users[1]);
        assert_eq!(contact.name, "Person 1");
        // Both sides have each other, and both earned.
        let theirs = store.contacts(w.conf, w.users[1]).await.unwrap();
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0].user, w.users[0]);
        assert_eq!(store.points(w.conf, w.users[0]).await.unwrap(), 5);
        assert_eq!(store.points(w.conf, w.users[1]).await.unwrap(), 5);
        // Again: already exchanged, nothing more earned.
        let ExchangeOutcome::Exchanged { new, points, .. } =
            exchange_code(&store, &w, 0, &b.code).await
        else {
            panic!("exchanged again")
        };
        assert!(!new);
        assert_eq!(points, 0);
        // Delete on one side, exchange again: the pair earns no more.
        assert!(
            store
                .delete_contact(w.conf, w.users[0], w.users[1])
                .await
                .unwrap()
        );
        assert!(store.contacts(w.conf, w.users[0]).await.unwrap().is_empty());
        assert_eq!(
            store.contacts(w.conf, w.users[1]).await.unwrap().len(),
            1,
            "the other side keeps theirs"
        );
        let a = card(&store, &w, 0).await;
        let ExchangeOutcome::Exchanged { new, points, .. } =
            exchange_code(&store, &w, 1, &a.code).await
        else {
            panic!("re-exchanged")
        };
        assert!(!new, "B still had A");
        assert_eq!(points, 0);
        assert_eq!(
            store.contacts(w.conf, w.users[0]).await.unwrap().len(),
            1,
            "A has B again"
        );
        assert_eq!(store.points(w.conf, w.users[0]).await.unwrap(), 5);
        assert_eq!(store.points(w.conf, w.users[1]).await.unwrap(), 5);
        assert_eq!(store.count_contact_pairs(w.conf).await.unwrap(), 1);
        assert_eq!(
            store.ledger(w.conf, w.users[0], 10).await.unwrap()[0].kind,
            ActionKind::Contact
        );
        assert_ledger_matches(&store, &w).await;
    }
);

store_test!(refusals_change_nothing, |store| async move {
    let w = world(&store, 3).await;
    let a = card(&store, &w, 0).await;
    let b = card(&store, &w, 1).await;
    // Oneself.
    assert_eq!(
        exchange_code(&store, &w, 0, &a.code).await,
        ExchangeOutcome::Yourself
    );
    // Unknown code.
    assert_eq!(
        exchange_code(&store, &w, 0, &ShortCode::parse("ZZZZ-ZZZZ").unwrap()).await,
        ExchangeOutcome::Unknown
    );
    // B turns exchange off: A gets the neutral answer.
    let mut off = CardUpdate {
        fields: b.fields.clone(),
        sharing: b.sharing,
        exchange: false,
        leaderboard: true,
    };
    store
        .update_card(w.conf, w.users[1], &off, at(8, 0))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        exchange_code(&store, &w, 0, &b.code).await,
        ExchangeOutcome::Unavailable
    );
    // B, with exchange off, scanning A is told it is their own setting.
    assert_eq!(
        exchange_code(&store, &w, 1, &a.code).await,
        ExchangeOutcome::ScannerOff
    );
    off.exchange = true;
    store
        .update_card(w.conf, w.users[1], &off, at(8, 0))
        .await
        .unwrap()
        .unwrap();
    // B blocks A: A cannot tell a block from a switched-off card; B is told.
    store
        .block(w.conf, w.users[1], w.users[0], at(8, 0))
        .await
        .unwrap();
    assert_eq!(
        exchange_code(&store, &w, 0, &b.code).await,
        ExchangeOutcome::Unavailable
    );
    assert_eq!(
        exchange_code(&store, &w, 1, &a.code).await,
        ExchangeOutcome::YouBlocked
    );
    assert!(
        store
            .block(w.conf, w.users[1], w.users[1], at(8, 0))
            .await
            .is_err()
    );
    assert_eq!(store.count_contact_pairs(w.conf).await.unwrap(), 0);
    assert_eq!(store.points(w.conf, w.users[0]).await.unwrap(), 0);
    assert_eq!(store.blocked(w.conf, w.users[1]).await.unwrap().len(), 1);
    // Unblocked, it works.
    assert!(store.unblock(w.conf, w.users[1], w.users[0]).await.unwrap());
    assert!(matches!(
        exchange_code(&store, &w, 0, &b.code).await,
        ExchangeOutcome::Exchanged { new: true, .. }
    ));
    // A later block removes the contact on both sides.
    store
        .block(w.conf, w.users[0], w.users[1], at(11, 0))
        .await
        .unwrap();
    assert!(store.contacts(w.conf, w.users[0]).await.unwrap().is_empty());
    assert!(store.contacts(w.conf, w.users[1]).await.unwrap().is_empty());
    assert_ledger_matches(&store, &w).await;
});

store_test!(
    rotating_retires_the_old_token_and_code,
    |store| async move {
        let w = world(&store, 2).await;
        let old = card(&store, &w, 1).await;
        let rotated = store
            .rotate_card(w.conf, w.users[1], &secrets(999_999), at(8, 0))
            .await
            .unwrap()
            .unwrap();
        assert_ne!(rotated.code, old.code);
        assert_ne!(rotated.token, old.token);
        assert_eq!(
            exchange_code(&store, &w, 0, &old.code).await,
            ExchangeOutcome::Unknown
        );
        assert!(
            store
                .card_by_token(w.conf, &old.token)
                .await
                .unwrap()
                .is_none()
        );
        let by_token = store
            .exchange(
                w.conf,
                w.users[0],
                &Target::Token(rotated.token.clone()),
                at(10, 0),
            )
            .await
            .unwrap();
        assert!(matches!(
            by_token,
            ExchangeOutcome::Exchanged { new: true, .. }
        ));
    }
);

store_test!(contacts_show_only_what_is_shared, |store| async move {
    let w = world(&store, 2).await;
    let b = card(&store, &w, 1).await;
    assert_eq!(b.sharing, Sharing::default());
    let fields =
        CardFields::parse("Bea", "ACME", "SRE", &["@bea".into()], "Ask me about eBPF").unwrap();
    store
        .update_card(
            w.conf,
            w.users[1],
            &CardUpdate {
                fields,
                sharing: Sharing {
                    role: false,
                    ..Sharing::default()
                },
                exchange: true,
                leaderboard: true,
            },
            at(8, 0),
        )
        .await
        .unwrap();
    exchange_code(&store, &w, 0, &b.code).await;
    let c = store
        .contact_of(w.conf, w.users[0], w.users[1])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.name.as_str(), c.company.as_str(), c.role.as_str()),
        ("Bea", "ACME", "")
    );
    assert_eq!(c.email, "", "email is not shared by default");
    assert_eq!(c.socials, vec!["@bea".to_owned()]);
    assert!(
        store
            .set_contact_note(w.conf, w.users[0], w.users[1], "ask about the lab")
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_contact_note(w.conf, w.users[1], w.users[1], "x")
            .await
            .unwrap()
    );
    let c = store
        .contact_of(w.conf, w.users[0], w.users[1])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.private_note, "ask about the lab");
    // A (no card edits) shows to B with the account name.
    let a_for_b = store
        .contact_of(w.conf, w.users[1], w.users[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a_for_b.name, "Person 0");
});

store_test!(
    awards_are_idempotent_and_capped_per_hour,
    |store| async move {
        let w = world(&store, 1).await;
        let u = w.users[0];
        let settings = PointsSettings {
            hourly_cap: 25,
            ..PointsSettings::default()
        };
        store
            .set_points_settings(w.conf, &settings, None, at(8, 0))
            .await
            .unwrap();
        assert_eq!(store.points_settings(w.conf).await.unwrap(), settings);
        let lab = Action::lab(w.morning);
        assert_eq!(
            store.award(w.conf, u, &lab, at(10, 0)).await.unwrap(),
            Some(10)
        );
        assert_eq!(
            store.award(w.conf, u, &lab, at(10, 1)).await.unwrap(),
            None,
            "once per key"
        );
        assert_eq!(
            store
                .award(w.conf, u, &Action::lab(w.afternoon), at(10, 2))
                .await
                .unwrap(),
            Some(10)
        );
        assert_eq!(
            store
                .award(w.conf, u, &Action::attended(w.morning), at(10, 3))
                .await
                .unwrap(),
            Some(2)
        );
        // 22 earned this hour; a lab worth 10 gets the 3 that fit, the next 0, and both count as done.
        let third = SessionId::new(w.afternoon.get() + 1_000);
        assert_eq!(
            store
                .award(w.conf, u, &Action::lab(third), at(10, 4))
                .await
                .unwrap(),
            Some(3)
        );
        assert_eq!(
            store
                .award(w.conf, u, &Action::attended(w.afternoon), at(10, 5))
                .await
                .unwrap(),
            Some(0)
        );
        assert_eq!(
            store
                .award(w.conf, u, &Action::attended(w.afternoon), at(12, 0))
                .await
                .unwrap(),
            None
        );
        // An hour later there is room again.
        assert_eq!(
            store
                .award(w.conf, u, &Action::attended(third), at(11, 5))
                .await
                .unwrap(),
            Some(2)
        );
        assert_eq!(store.points(w.conf, u).await.unwrap(), 27);
        let ledger = store.ledger(w.conf, u, 10).await.unwrap();
        assert_eq!(ledger.len(), 6);
        assert_eq!((ledger[1].points, ledger[1].worth), (0, 2));
        assert_ledger_matches(&store, &w).await;
    }
);

store_test!(
    concurrent_awards_of_one_key_count_once,
    |store| async move {
        let w = world(&store, 1).await;
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (store, conf, u, s) = (store.clone(), w.conf, w.users[0], w.morning);
            set.spawn(async move {
                store
                    .award(conf, u, &Action::attended(s), at(10, 0))
                    .await
                    .unwrap()
            });
        }
        let mut granted = Vec::new();
        while let Some(r) = set.join_next().await {
            granted.push(r.unwrap());
        }
        assert_eq!(granted.iter().filter(|g| g.is_some()).count(), 1);
        assert_eq!(store.points(w.conf, w.users[0]).await.unwrap(), 2);
        assert_ledger_matches(&store, &w).await;
    }
);

store_test!(
    concurrent_mutual_scans_make_one_exchange,
    |store| async move {
        let w = world(&store, 20).await;
        let mut cards = Vec::new();
        for i in 0..20 {
            cards.push(card(&store, &w, i).await);
        }
        let mut set = tokio::task::JoinSet::new();
        for pair in 0..10 {
            let (a, b) = (pair * 2, pair * 2 + 1);
            for (scanner, code) in [
                (a, cards[b].code.clone()),
                (b, cards[a].code.clone()),
                (a, cards[b].code.clone()),
            ] {
                let (store, conf, u) = (store.clone(), w.conf, w.users[scanner]);
                set.spawn(async move {
                    store
                        .exchange(conf, u, &Target::Code(code), at(10, 0))
                        .await
                        .unwrap()
                });
            }
        }
        while let Some(r) = set.join_next().await {
            assert!(matches!(r.unwrap(), ExchangeOutcome::Exchanged { .. }));
        }
        assert_eq!(store.count_contact_pairs(w.conf).await.unwrap(), 10);
        for u in &w.users {
            assert_eq!(store.points(w.conf, *u).await.unwrap(), 5, "one award each");
            assert_eq!(store.contacts(w.conf, *u).await.unwrap().len(), 1);
        }
        assert_ledger_matches(&store, &w).await;
    }
);

async fn reserve(store: &Store, w: &World, user: usize, session: SessionId) {
    let outcome = store
        .reserve(&ReserveRequest {
            conference: w.conf,
            user: w.users[user],
            session,
            replace: &[],
            waitlist: false,
            now: at(6, 0),
        })
        .await
        .unwrap();
    assert!(matches!(outcome, ReserveOutcome::Reserved { .. }));
}

fn rate(
    w: &World,
    user: usize,
    session: SessionId,
    stars: i64,
    comment: Option<&str>,
    now: DateTime<Utc>,
) -> FeedbackRequest {
    FeedbackRequest {
        conference: w.conf,
        session,
        user: w.users[user],
        rating: Rating::new(stars).unwrap(),
        comment: comment.map(str::to_owned),
        now,
    }
}

store_test!(
    feedback_needs_a_seat_and_a_started_session,
    |store| async move {
        let w = world(&store, 4).await;
        reserve(&store, &w, 0, w.morning).await;
        reserve(&store, &w, 0, w.afternoon).await;
        // Before the start: refused.
        assert_eq!(
            store
                .put_feedback(&rate(&w, 0, w.morning, 5, None, at(8, 59)))
                .await
                .unwrap(),
            FeedbackOutcome::NotStarted
        );
        // Without a seat: refused.
        assert_eq!(
            store
                .put_feedback(&rate(&w, 1, w.morning, 5, None, at(9, 30)))
                .await
                .unwrap(),
            FeedbackOutcome::NotInAgenda
        );
        assert_eq!(
            store
                .put_feedback(&rate(&w, 0, SessionId::new(999_999), 5, None, at(9, 30)))
                .await
                .unwrap(),
            FeedbackOutcome::NoSuchSession
        );
        assert_eq!(
            store.rating_summary(w.conf, w.morning).await.unwrap().count,
            0
        );
        assert_eq!(store.points(w.conf, w.users[0]).await.unwrap(), 0);
        // Rated: 2 points. Edited with a comment: 3 more, once.
        let FeedbackOutcome::Saved { feedback, points } = store
            .put_feedback(&rate(&w, 0, w.morning, 4, None, at(9, 30)))
            .await
            .unwrap()
        else {
            panic!("saved")
        };
        assert_eq!((feedback.rating, points), (4, 2));
        let FeedbackOutcome::Saved { feedback, points } = store
            .put_feedback(&rate(
                &w,
                0,
                w.morning,
                5,
                Some("Clear and well paced, thanks"),
                at(9, 40),
            ))
            .await
            .unwrap()
        else {
            panic!("saved")
        };
        assert_eq!((feedback.rating, points), (5, 3));
        assert_eq!(feedback.comment, "Clear and well paced, thanks");
        // Rating alone again keeps the comment; no more points.
        let FeedbackOutcome::Saved { feedback, points } = store
            .put_feedback(&rate(&w, 0, w.morning, 3, None, at(9, 45)))
            .await
            .unwrap()
        else {
            panic!("saved")
        };
        assert_eq!(
            (feedback.rating, points, feedback.comment.as_str()),
            (3, 0, "Clear and well paced, thanks")
        );
        // A short comment earns nothing (on another session).
        let FeedbackOutcome::Saved { points, .. } = store
            .put_feedback(&rate(&w, 0, w.afternoon, 2, Some("meh"), at(15, 0)))
            .await
            .unwrap()
        else {
            panic!("saved")
        };
        assert_eq!(points, 2);
        let summary = store.rating_summary(w.conf, w.morning).await.unwrap();
        assert_eq!((summary.count, summary.sum), (1, 3));
        assert_eq!(
            store.points(w.conf, w.users[0]).await.unwrap(),
            7,
            "2 + 3 + 2"
        );
        assert_ledger_matches(&store, &w).await;
    }
);

store_test!(hidden_comments_and_speaker_links, |store| async move {
    let w = world(&store, 2).await;
    reserve(&store, &w, 0, w.morning).await;
    let FeedbackOutcome::Saved { feedback, .. } = store
        .put_feedback(&rate(
            &w,
            0,
            w.morning,
            1,
            Some("rude words here"),
            at(9, 30),
        ))
        .await
        .unwrap()
    else {
        panic!("saved")
    };
    assert_eq!(
        store
            .set_feedback_hidden(w.conf, feedback.id, true, None, at(8, 0))
            .await
            .unwrap(),
        Some(w.morning)
    );
    assert_eq!(
        store
            .set_feedback_hidden(w.conf, 999_999, true, None, at(8, 0))
            .await
            .unwrap(),
        None
    );
    let public = store
        .session_feedback(w.conf, w.morning, false)
        .await
        .unwrap();
    assert_eq!((public[0].rating, public[0].comment.as_str()), (1, ""));
    let all = store
        .session_feedback(w.conf, w.morning, true)
        .await
        .unwrap();
    assert!(all[0].hidden && all[0].comment == "rude words here");
    // Speakers.
    let ada = store.speakers(w.conf).await.unwrap()[0].id;
    assert!(
        !store
            .speaks_in(w.conf, w.morning, w.users[1])
            .await
            .unwrap()
    );
    assert!(
        store
            .link_speaker(w.conf, ada, w.users[1], None, at(8, 0))
            .await
            .unwrap()
    );
    assert!(
        store
            .speaks_in(w.conf, w.morning, w.users[1])
            .await
            .unwrap()
    );
    assert!(
        !store
            .speaks_in(w.conf, w.afternoon, w.users[1])
            .await
            .unwrap()
    );
    assert_eq!(
        store.sessions_spoken_by(w.conf, w.users[1]).await.unwrap(),
        vec![w.morning]
    );
    assert!(
        store
            .unlink_speaker(w.conf, ada, w.users[1], None, at(8, 0))
            .await
            .unwrap()
    );
    assert!(
        !store
            .speaks_in(w.conf, w.morning, w.users[1])
            .await
            .unwrap()
    );
});

store_test!(
    the_leaderboard_ranks_and_respects_opt_out,
    |store| async move {
        let w = world(&store, 3).await;
        store
            .award(w.conf, w.users[0], &Action::lab(w.morning), at(10, 0))
            .await
            .unwrap();
        store
            .award(w.conf, w.users[1], &Action::lab(w.morning), at(10, 0))
            .await
            .unwrap();
        store
            .award(w.conf, w.users[2], &Action::attended(w.morning), at(10, 0))
            .await
            .unwrap();
        let board = store.leaderboard(w.conf, 10).await.unwrap();
        assert_eq!(
            board.iter().map(|r| r.rank).collect::<Vec<_>>(),
            vec![1, 1, 3]
        );
        assert_eq!(store.rank_of(w.conf, w.users[2]).await.unwrap(), Some(3));
        let c = card(&store, &w, 0).await;
        store
            .update_card(
                w.conf,
                w.users[0],
                &CardUpdate {
                    fields: c.fields,
                    sharing: c.sharing,
                    exchange: true,
                    leaderboard: false,
                },
                at(10, 0),
            )
            .await
            .unwrap();
        let board = store.leaderboard(w.conf, 10).await.unwrap();
        assert_eq!(board.len(), 2);
        assert!(board.iter().all(|r| r.user != w.users[0]));
        assert_eq!(store.rank_of(w.conf, w.users[0]).await.unwrap(), None);
        assert_eq!(store.rank_of(w.conf, w.users[2]).await.unwrap(), Some(2));
    }
);

store_test!(
    a_total_that_is_not_the_ledger_sum_is_reported,
    |store| async move {
        let w = world(&store, 2).await;
        store
            .award(w.conf, w.users[0], &Action::lab(w.morning), at(10, 0))
            .await
            .unwrap();
        assert!(store.check_invariants().await.unwrap().holds());
        store
            .debug_force_points_total_for_test(w.conf, w.users[0], 99)
            .await
            .unwrap();
        assert_eq!(
            store.points_mismatches(w.conf).await.unwrap(),
            vec![w.users[0]]
        );
        let report = store.check_invariants().await.unwrap();
        assert!(!report.holds());
        assert_eq!(report.points_mismatches.len(), 1);
        assert!(
            report.points_mismatches[0]
                .to_string()
                .contains("not the sum of their ledger")
        );
    }
);

store_test!(a_card_loads_whatever_name_was_stored, |store| async move {
    // An account whose name is longer than a card allows (written before the one
    // limit, or by a path that did not check it).
    let w = world(&store, 1).await;
    let long = "N".repeat(100);
    let email = hallway_domain::Email::parse("long@name.invalid").unwrap();
    let account = store
        .create_account(&email, &format!("{long}\u{7}"), "hash", at(6, 0))
        .await
        .unwrap();
    let mut n = 0;
    let card = store
        .ensure_card(
            w.conf,
            account.id,
            &mut move || {
                n += 1;
                secrets(90_000 + n)
            },
            at(7, 0),
        )
        .await
        .expect("the card loads");
    assert_eq!(card.fields.name(), "N".repeat(80));
    assert!(store.card(w.conf, account.id).await.unwrap().is_some());
});
