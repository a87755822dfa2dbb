//! What a store keeps in memory (programs, token and conference lookups) and how it follows
//! writes: its own at once, another instance's through the conference row's revision.

use chrono::{TimeZone as _, Utc};
use hallway_domain::Slug;
use hallway_store::{NewAttendee, store_test};

use super::store::program;

store_test!(
    kept_lookups_follow_this_stores_own_writes_at_once,
    |store| async move {
        let conf = store
            .insert_program(&program("kept"), Utc::now())
            .await
            .unwrap();
        let slug = Slug::parse("kept").unwrap();
        let email = hallway_domain::Email::parse("kept@x.org").unwrap();
        let account = store
            .create_account(&email, "Kept", "hash", Utc::now())
            .await
            .unwrap();
        assert_eq!(
            store
                .account_by_api_token("t1", chrono::Utc::now())
                .await
                .unwrap(),
            None
        );
        store
            .create_api_token(
                &hallway_store::NewToken {
                    user: account.id,
                    hash: "t1",
                    label: "test",
                    expires_at: None,
                },
                Utc::now(),
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .account_by_api_token("t1", chrono::Utc::now())
                .await
                .unwrap(),
            Some(account.clone()),
            "a new token works at once, though it was just looked up in vain"
        );
        store.set_admin(account.id, true).await.unwrap();
        assert!(
            store
                .account_by_api_token("t1", chrono::Utc::now())
                .await
                .unwrap()
                .unwrap()
                .is_admin
        );
        assert!(
            store
                .revoke_api_token(account.id, None, Some("t1"), Utc::now())
                .await
                .unwrap()
        );
        assert_eq!(
            store
                .account_by_api_token("t1", chrono::Utc::now())
                .await
                .unwrap(),
            None
        );

        assert_eq!(
            store.published_conference_id(&slug).await.unwrap(),
            Some(conf)
        );
        store.set_published(conf, false).await.unwrap();
        assert_eq!(store.published_conference_id(&slug).await.unwrap(), None);
        store.set_published(conf, true).await.unwrap();
        assert_eq!(
            store.published_conference_id(&slug).await.unwrap(),
            Some(conf)
        );
        assert!(store.delete_conference(&slug).await.unwrap());
        assert_eq!(store.published_conference_id(&slug).await.unwrap(), None);
    }
);

/// Two handles on one database stand for two instances: each keeps its own program in
/// memory, and sees the other's program writes at once (the revision in the conference row),
/// while seat counts are always current.
async fn programs_in_memory_follow_every_write(db: hallway_store::testing::TestDb) {
    let (a, b) = (db.store().await, db.store().await);
    let id = a
        .insert_program(&program("cached"), Utc::now())
        .await
        .unwrap();
    let slug = Slug::parse("cached").unwrap();
    let detail = a.conference(&slug).await.unwrap().unwrap();
    let (sessions, speakers) = a.program_of(&detail).await.unwrap();
    assert_eq!(sessions, a.sessions(id).await.unwrap());
    assert_eq!(speakers, a.speakers(id).await.unwrap());
    let keynote = sessions[0].id;
    let left = sessions[0].seats.left();

    // A seat taken through the other instance: same revision, fresh count.
    let people = vec![NewAttendee {
        email: "cache@test.invalid".into(),
        name: "Cache".into(),
    }];
    let users = b.insert_attendees(id, &people, Utc::now()).await.unwrap();
    let before = Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap();
    b.reserve(&hallway_store::ReserveRequest {
        conference: id,
        user: users[0],
        session: keynote,
        replace: &[],
        waitlist: false,
        now: before,
    })
    .await
    .unwrap();
    let seated = a.conference(&slug).await.unwrap().unwrap();
    assert_eq!(
        seated.program_revision, detail.program_revision,
        "taking a seat is not a program change"
    );
    let (sessions, _) = a.program_of(&seated).await.unwrap();
    assert_eq!(
        sessions[0].seats.left(),
        left.map(|n| n - 1),
        "seats are current"
    );

    // A speaker renamed on the other instance: a new revision, and the new name here.
    let ada = speakers[0].id;
    let mut info = speakers[0].info.clone();
    info.name = "Ada King".into();
    let audit = hallway_store::AuditLine {
        user: users[0],
        actor: "organizer".into(),
        action: "changed a speaker".into(),
        detail: "Ada King".into(),
    };
    assert!(
        b.update_speaker(id, ada, &info, &audit, Utc::now())
            .await
            .unwrap()
    );
    let renamed = a.conference(&slug).await.unwrap().unwrap();
    assert_ne!(renamed.program_revision, seated.program_revision);
    let (_, speakers) = a.program_of(&renamed).await.unwrap();
    assert_eq!(speakers[0].info.name, "Ada King");

    // Every column of sessions but the seat counts moves the revision, so that no code path,
    // present or future, can change a session behind the in-memory copy.
    let tables = a.tables().await.unwrap();
    let columns = &tables
        .iter()
        .find(|t| t.name == "sessions")
        .unwrap()
        .columns;
    let mut checked = 0;
    for column in columns {
        let name = column.name.as_str();
        let rev = |d: hallway_store::ConferenceDetail| d.program_revision;
        let was = rev(a.conference(&slug).await.unwrap().unwrap());
        a.debug_touch_session_column(keynote, name).await.unwrap();
        let now = rev(a.conference(&slug).await.unwrap().unwrap());
        if ["id", "capacity", "reserved", "kept_over"].contains(&name) {
            assert_eq!(
                now, was,
                "writing sessions.{name} is a seat change, not a program change"
            );
        } else {
            assert_ne!(
                now, was,
                "writing sessions.{name} must change the program revision"
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} columns checked");

    // A conference deleted and made again never matches an old copy.
    assert!(a.delete_conference(&slug).await.unwrap());
    a.insert_program(&program("cached"), Utc::now())
        .await
        .unwrap();
    let again = a.conference(&slug).await.unwrap().unwrap();
    let (sessions, _) = a.program_of(&again).await.unwrap();
    assert_eq!(
        sessions[0].seats.left(),
        left,
        "a new conference, no old seat counts"
    );
    assert_eq!(
        a.speakers(again.conference.id).await.unwrap()[0].info.name,
        "Ada Lovelace"
    );
}

#[tokio::test]
async fn programs_in_memory_follow_every_write_on_sqlite() {
    programs_in_memory_follow_every_write(hallway_store::testing::TestDb::sqlite()).await;
}

#[tokio::test]
async fn programs_in_memory_follow_every_write_on_postgres() {
    if let Some(db) =
        hallway_store::testing::TestDb::postgres("programs_in_memory_follow_every_write").await
    {
        programs_in_memory_follow_every_write(db).await;
    }
}
