//! Whole-database maintenance on both backends: migration reports, copies between any two
//! backends (every table, every row, fresh ids afterwards), refusals that change nothing,
//! SQLite backups and the invariant check.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone as _, Utc};
use hallway_domain::account::Role;
use hallway_domain::directory::EditionFields;
use hallway_domain::editor::Draft;
use hallway_domain::program::{ConferenceInfo, RoomDraft, SessionInfo, SpeakerInfo, TrackDraft};
use hallway_domain::{
    Capacity, Colour, ConferenceDays, ConferenceId, Edition, Program, Series, SessionDraft,
    SessionId, SessionKind, Slug, TimeSpan, TimeZone, UserId,
};
use hallway_store::testing::TestDb;
use hallway_store::{
    Backend, MaintenanceError, NewAttendee, ReserveOutcome, ReserveRequest, Store, StoreOptions,
    store_test,
};

fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .unwrap()
}

fn program() -> Program {
    let days = ConferenceDays::new(
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
    )
    .unwrap();
    let mut info = ConferenceInfo::new(
        Slug::parse("moving-day").unwrap(),
        "Moving Day — \"quotes\", ünïcode and 'apostrophes'",
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
        RoomDraft {
            name: "Lawn".into(),
            capacity: None,
        },
    ];
    let tracks = vec![TrackDraft {
        name: "Runtime".into(),
        colour: Colour::parse("#1d63ed").unwrap(),
    }];
    let speakers = vec![
        SpeakerInfo::new("Ada Lovelace").unwrap(),
        SpeakerInfo::new("Grace Hopper").unwrap(),
    ];
    let session = |title: &str, kind, room, hour, minutes, speakers: Vec<usize>| SessionDraft {
        room,
        track: Some(0),
        speakers,
        info: SessionInfo::new(
            title,
            kind,
            TimeSpan::starting_at(at(22, hour, 0), Duration::minutes(minutes)).unwrap(),
        )
        .unwrap(),
    };
    let sessions = vec![
        session("Keynote", SessionKind::Keynote, 0, 8, 60, vec![0, 1]),
        session("Build a runtime", SessionKind::Lab, 1, 9, 120, vec![1]),
        session("Picnic", SessionKind::Break, 2, 11, 60, vec![]),
    ];
    Program::new(info, rooms, tracks, speakers, sessions).unwrap()
}

fn directory() -> Vec<(Series, Vec<Edition>)> {
    let series = Series::new("DockerCon", &["docker".into()]).unwrap();
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
    let edition = |name, starts_on, ends_on, attendance| {
        Edition::new(EditionFields {
            name,
            series: "DockerCon",
            starts_on,
            ends_on,
            city: "Copenhagen",
            country: "DK",
            region: "Europe",
            url: None,
            attendance,
            tracks: None,
        })
        .unwrap()
    };
    vec![(
        series,
        vec![
            edition(
                "DockerCon Europe 2017",
                d(2017, 10, 16),
                d(2017, 10, 19),
                Some(5000),
            ),
            edition("DockerCon Someday", None, None, None),
        ],
    )]
}

async fn session_titled(store: &Store, conference: ConferenceId, title: &str) -> SessionId {
    store
        .sessions(conference)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.info.title == title)
        .unwrap()
        .id
}

async fn reserve(
    store: &Store,
    conference: ConferenceId,
    user: UserId,
    session: SessionId,
) -> ReserveOutcome {
    store
        .reserve(&ReserveRequest {
            conference,
            user,
            session,
            replace: &[],
            waitlist: true,
            now: at(21, 12, 0),
        })
        .await
        .unwrap()
}

/// A database with rows in every table, made through the store's own functions.
async fn fill(store: &Store) -> ConferenceId {
    let now = at(21, 12, 0);
    store.replace_directory(&directory()).await.unwrap();
    let conference = store.insert_program(&program(), now).await.unwrap();
    assert!(
        store
            .link_edition(&Slug::parse("dockercon-europe-2017").unwrap(), conference)
            .await
            .unwrap()
    );
    let people: Vec<NewAttendee> = (0..30)
        .map(|i| NewAttendee {
            email: format!("attendee{i}@example.org"),
            name: format!("Attendee {i}"),
        })
        .collect();
    let users = store
        .insert_attendees(conference, &people, now)
        .await
        .unwrap();
    let keynote = session_titled(store, conference, "Keynote").await;
    let lab = session_titled(store, conference, "Build a runtime").await;
    store
        .set_session_capacity(conference, lab, Capacity::new(3).ok(), now)
        .await
        .unwrap();
    for &user in &users {
        reserve(store, conference, user, keynote).await;
        reserve(store, conference, user, lab).await;
    }
    // A seat freed: the first waiting attendee is promoted and notified.
    store.cancel(conference, users[0], lab, now).await.unwrap();
    assert_eq!(
        store
            .claim_due_reminders(at(22, 8, 55), "test")
            .await
            .unwrap()
            .len(),
        3,
        "the lab's three seat holders are reminded"
    );
    let admin = users[1];
    store.set_admin(admin, true).await.unwrap();
    store
        .grant_role(conference, admin, Role::Organizer)
        .await
        .unwrap();
    store
        .create_login(admin, "login-hash", now, now + Duration::days(30))
        .await
        .unwrap();
    store
        .create_api_token(
            &hallway_store::NewToken {
                user: admin,
                hash: "token-hash",
                label: "laptop",
                expires_at: None,
            },
            now,
        )
        .await
        .unwrap();
    store
        .record(conference, admin, "Attendee 1", "capacity", "lab: 3", now)
        .await
        .unwrap();
    store
        .create_invitation(
            conference,
            "speaker@example.org",
            Role::Speaker,
            "invite-hash",
            &hallway_store::AuditLine {
                user: admin,
                actor: "Attendee 1".into(),
                action: "invited".into(),
                detail: "speaker@example.org as speaker".into(),
            },
            now,
        )
        .await
        .unwrap();
    let stored = store
        .stored_program(&Slug::parse("moving-day").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .save_draft(conference, &Draft::of(&stored), 0, None, now)
            .await
            .unwrap()
    );
    store.reserve_session_id(conference).await.unwrap();
    store
        .record_login_failure("mallory@example.org", now, now - Duration::minutes(15))
        .await
        .unwrap();
    // Networking and feedback: cards, an exchange (pair, contacts, ledger, totals), a block,
    // settings, a speaker link and a rating.
    let mut n = 0u8;
    let mut secrets = move || {
        n += 1;
        hallway_store::CardSecrets {
            token: format!("copy-test-token-{n}-0123456789abcdefghijklmnop"),
            code: hallway_domain::networking::ShortCode::from_random(&[n; 8]),
        }
    };
    let mut codes = Vec::new();
    for &user in &users[..3] {
        codes.push(
            store
                .ensure_card(conference, user, &mut secrets, now)
                .await
                .unwrap()
                .code,
        );
    }
    let exchanged = store
        .exchange(
            conference,
            users[0],
            &hallway_store::Target::Code(codes[1].clone()),
            now,
        )
        .await
        .unwrap();
    assert!(matches!(
        exchanged,
        hallway_store::ExchangeOutcome::Exchanged { .. }
    ));
    store
        .block(conference, users[2], users[0], now)
        .await
        .unwrap();
    store
        .set_points_settings(
            conference,
            &hallway_domain::points::PointsSettings::default(),
            None,
            now,
        )
        .await
        .unwrap();
    let ada = store.speakers(conference).await.unwrap()[0].id;
    assert!(
        store
            .link_speaker(conference, ada, users[3], None, now)
            .await
            .unwrap()
    );
    let rated = store
        .put_feedback(&hallway_store::FeedbackRequest {
            conference,
            session: keynote,
            user: users[0],
            rating: hallway_domain::networking::Rating::new(4).unwrap(),
            comment: Some("A keynote worth getting up for".into()),
            now: at(22, 8, 30),
        })
        .await
        .unwrap();
    assert!(matches!(
        rated,
        hallway_store::FeedbackOutcome::Saved { .. }
    ));
    // The venue: settings, a check-in at the keynote's door (presence, check-in, attendance),
    // a lab pool with a machine in use, an announcement.
    store
        .set_venue_settings(
            conference,
            &hallway_domain::venue::VenueSettings::default(),
            None,
            now,
        )
        .await
        .unwrap();
    let keynote_room = store
        .session(conference, keynote)
        .await
        .unwrap()
        .unwrap()
        .room;
    let door = store
        .door(&hallway_store::DoorScan {
            conference,
            room: keynote_room,
            badge: hallway_store::Target::Code(codes[2].clone()),
            direction: hallway_domain::venue::Direction::In,
            now: at(22, 8, 5),
        })
        .await
        .unwrap()
        .unwrap();
    assert!(door.reason.admitted());
    let machines = vec![
        hallway_domain::venue::Machine::new("lab-1", "10.0.0.1", "dev", "pw").unwrap(),
        hallway_domain::venue::Machine::new("lab-2", "10.0.0.2", "dev", "pw").unwrap(),
    ];
    store
        .import_machines(conference, lab, &machines, None, chrono::Utc::now())
        .await
        .unwrap();
    let started = store
        .start_lab(conference, lab, users[1], at(22, 9, 5))
        .await
        .unwrap();
    assert!(matches!(started, hallway_store::LabOutcome::Started { .. }));
    store
        .post_announcement(
            conference,
            admin,
            "Coffee in the foyer",
            hallway_domain::venue::Audience::Everyone,
            now,
        )
        .await
        .unwrap()
        .unwrap();
    conference
}

/// The tables the migrations of `backend` create, read from the migration files themselves.
fn tables_in_migrations(backend: Backend) -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        });
    let mut tables = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let sql = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let words: Vec<&str> = sql.split_whitespace().collect();
        for w in words.windows(3) {
            if w[0].eq_ignore_ascii_case("CREATE") && w[1].eq_ignore_ascii_case("TABLE") {
                tables.insert(w[2].trim_end_matches('(').to_owned());
            }
        }
    }
    tables
}

async fn sqlite_db() -> Option<TestDb> {
    Some(TestDb::sqlite())
}

async fn postgres_db(test: &str) -> Option<TestDb> {
    TestDb::postgres(test).await
}

/// Copies a filled `source` into an empty `target` and checks that nothing was lost.
async fn copies_everything(source: TestDb, target: TestDb) {
    // Arrange
    let from = source.store().await;
    let to = target.store().await;
    let conference = fill(&from).await;
    let tables = from.tables().await.unwrap();
    let names: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    assert_eq!(
        names,
        tables_in_migrations(from.backend()),
        "tables() lists exactly the tables the migrations create"
    );
    let before = from.row_counts().await.unwrap();
    for count in &before {
        assert!(
            count.rows > 0,
            "table {} has no rows in this fixture: add some in fill() so the copy test covers it",
            count.table
        );
    }

    // Act
    let mut calls = 0;
    let mut last_done = 0;
    let report = from
        .copy_into(&to, |p| {
            calls += 1;
            assert!(p.done >= last_done && p.done <= p.total);
            last_done = p.done;
        })
        .await
        .unwrap();

    // Assert: every table, same rows, same contents.
    assert_eq!(report.tables, before, "the report lists every table");
    assert_eq!(to.row_counts().await.unwrap(), before);
    assert!(calls > report.tables.len(), "progress is reported");
    assert_eq!(last_done, report.rows());
    for table in &to.tables().await.unwrap() {
        assert_eq!(
            from.table_fingerprint(table).await.unwrap(),
            to.table_fingerprint(table).await.unwrap(),
            "contents of {}",
            table.name
        );
    }
    assert_eq!(
        from.sessions(conference).await.unwrap(),
        to.sessions(conference).await.unwrap()
    );
    assert_eq!(from.editions().await.unwrap(), to.editions().await.unwrap());
    let admin = UserId::new(2);
    assert_eq!(
        from.notifications(conference, UserId::new(4), 100)
            .await
            .unwrap(),
        to.notifications(conference, UserId::new(4), 100)
            .await
            .unwrap()
    );
    assert_eq!(
        from.roles(conference, admin).await.unwrap(),
        to.roles(conference, admin).await.unwrap()
    );
    let invariants = to.check_invariants().await.unwrap();
    assert!(invariants.holds(), "{invariants:?}");
    assert_eq!(invariants.conferences, 1);
    assert_eq!(invariants.reserved_seats, 33);
    match to.backend() {
        Backend::Postgres => assert!(report.sequences_reset >= 10, "{report:?}"),
        Backend::Sqlite => assert_eq!(report.sequences_reset, 0),
    }

    // New rows in the copy get fresh ids (PostgreSQL: the identity sequences were reset).
    let now = at(21, 13, 0);
    let newcomer = to
        .insert_attendees(
            conference,
            &[NewAttendee {
                email: "newcomer@example.org".into(),
                name: "Newcomer".into(),
            }],
            now,
        )
        .await
        .unwrap()[0];
    assert_eq!(newcomer, UserId::new(31));
    let keynote = session_titled(&to, conference, "Keynote").await;
    assert!(matches!(
        reserve(&to, conference, newcomer, keynote).await,
        ReserveOutcome::Reserved { .. }
    ));
    to.create_api_token(
        &hallway_store::NewToken {
            user: newcomer,
            hash: "another-hash",
            label: "phone",
            expires_at: None,
        },
        now,
    )
    .await
    .unwrap();
    // The draft's reserved session id stays its own.
    let copied = from.reserve_session_id(conference).await.unwrap();
    let fresh = to.reserve_session_id(conference).await.unwrap();
    assert_eq!(
        fresh, copied,
        "the copy hands out the id after the copied reservation"
    );
    assert!(to.check_invariants().await.unwrap().holds());
}

#[tokio::test]
async fn sqlite_to_sqlite_copies_everything() {
    copies_everything(TestDb::sqlite(), TestDb::sqlite()).await;
}

#[tokio::test]
async fn sqlite_to_postgres_copies_everything() {
    let Some(target) = postgres_db("maintenance::sqlite_to_postgres").await else {
        return;
    };
    copies_everything(TestDb::sqlite(), target).await;
}

#[tokio::test]
async fn postgres_to_sqlite_copies_everything() {
    let Some(source) = postgres_db("maintenance::postgres_to_sqlite").await else {
        return;
    };
    copies_everything(source, TestDb::sqlite()).await;
}

#[tokio::test]
async fn postgres_to_postgres_copies_everything() {
    let Some(source) = postgres_db("maintenance::postgres_to_postgres").await else {
        return;
    };
    let Some(target) = postgres_db("maintenance::postgres_to_postgres").await else {
        return;
    };
    copies_everything(source, target).await;
}

/// A copy into a database with rows is refused, names the table and changes nothing.
async fn refuses_a_nonempty_target(source: Option<TestDb>, target: Option<TestDb>) {
    let (Some(source), Some(target)) = (source, target) else {
        return;
    };
    let from = source.store().await;
    let to = target.store().await;
    fill(&from).await;
    to.replace_directory(&directory()).await.unwrap();
    let before = to.row_counts().await.unwrap();
    assert_eq!(
        to.first_nonempty_table().await.unwrap().as_deref(),
        Some("series")
    );

    let err = from.copy_into(&to, |_| {}).await.unwrap_err();

    assert!(
        matches!(&err, MaintenanceError::TargetNotEmpty { table } if table == "series"),
        "{err:?}"
    );
    assert!(err.to_string().contains("table series has rows"), "{err}");
    assert_eq!(to.row_counts().await.unwrap(), before, "nothing changed");
}

#[tokio::test]
async fn a_nonempty_sqlite_target_is_refused() {
    refuses_a_nonempty_target(sqlite_db().await, sqlite_db().await).await;
}

#[tokio::test]
async fn a_nonempty_postgres_target_is_refused() {
    refuses_a_nonempty_target(
        sqlite_db().await,
        postgres_db("maintenance::a_nonempty_postgres_target_is_refused").await,
    )
    .await;
}

/// `Store::migrate` reports every migration on a new database, then none.
async fn reports_migrations(db: Option<TestDb>) {
    let Some(db) = db else {
        return;
    };
    let (sqlite, postgres) = Store::migration_versions();
    let known = match db.url().backend() {
        Backend::Sqlite => sqlite,
        Backend::Postgres => postgres,
    };

    let (store, first) = Store::migrate(db.url(), &StoreOptions::default())
        .await
        .unwrap();
    store.close().await;
    let (store, second) = Store::migrate(db.url(), &StoreOptions::default())
        .await
        .unwrap();

    let applied: Vec<i64> = first.applied.iter().map(|m| m.version).collect();
    assert_eq!(applied, known);
    assert_eq!(first.applied[0].description, "directory and program");
    assert_eq!(first.version, *known.last().unwrap());
    assert_eq!(first.version, Store::latest_migration(db.url().backend()));
    assert!(second.applied.is_empty(), "{second:?}");
    assert_eq!(second.version, first.version);
    assert_eq!(
        store
            .applied_migrations()
            .await
            .unwrap()
            .iter()
            .map(|m| m.version)
            .collect::<Vec<_>>(),
        known
    );
}

#[tokio::test]
async fn migrate_reports_what_it_applied_on_sqlite() {
    reports_migrations(sqlite_db().await).await;
}

#[tokio::test]
async fn migrate_reports_what_it_applied_on_postgres() {
    reports_migrations(postgres_db("maintenance::migrate_reports").await).await;
}

store_test!(tables_come_after_those_they_refer_to, |store| async move {
    let tables = store.tables().await.unwrap();
    let position = |name: &str| tables.iter().position(|t| t.name == name).unwrap();
    for (i, table) in tables.iter().enumerate() {
        for r in &table.references {
            assert!(
                position(r) < i,
                "{} refers to {r}, copied later",
                table.name
            );
        }
    }
    assert!(position("conferences") < position("sessions"));
    assert!(position("sessions") < position("agenda"));
    assert!(position("users") < position("agenda"));
    let sessions = &tables[position("sessions")];
    assert!(sessions.columns.iter().any(|c| c.name == "kept_over"));
    assert!(!tables.iter().any(|t| t.name.starts_with("_sqlx")));
});

store_test!(broken_invariants_are_reported, |store| async move {
    let conference = fill(&store).await;
    assert!(store.check_invariants().await.unwrap().holds());
    store
        .debug_force_reserved_for_test("Keynote", 1)
        .await
        .unwrap();

    let report = store.check_invariants().await.unwrap();

    assert!(!report.holds());
    assert_eq!(report.seat_violations.len(), 1, "{report:?}");
    let v = &report.seat_violations[0];
    assert_eq!(v.conference, "moving-day");
    assert_eq!(
        v.session,
        session_titled(&store, conference, "Keynote").await
    );
    assert_eq!((v.reserved, v.reserved_rows), (1, 30));
    assert!(
        v.to_string()
            .contains("1 seats counted, 30 reserved agenda rows")
    );
    assert!(report.double_bookings.is_empty());
});

#[tokio::test]
async fn a_sqlite_backup_is_a_checked_copy() {
    let db = TestDb::sqlite();
    let store = db.store().await;
    fill(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("backup.db");

    Store::backup_sqlite(db.url(), &into).await.unwrap();

    let copy = Store::open_sqlite_read_only(&into).await.unwrap();
    assert_eq!(copy.integrity_check().await.unwrap(), Vec::<String>::new());
    assert_eq!(
        copy.row_counts().await.unwrap(),
        store.row_counts().await.unwrap()
    );
    assert!(copy.check_invariants().await.unwrap().holds());
    copy.close().await;
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        beside,
        ["backup.db"],
        "checking wrote nothing beside the copy"
    );
    // VACUUM INTO never writes over an existing database.
    assert!(Store::backup_sqlite(db.url(), &into).await.is_err());
}

#[tokio::test]
async fn backups_of_postgres_and_missing_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pg = hallway_store::DatabaseUrl::parse("postgres://u:secret@localhost/db").unwrap();
    let err = Store::backup_sqlite(&pg, &dir.path().join("b.db"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("pg_dump"), "{err}");
    let missing = hallway_store::DatabaseUrl::parse(&format!(
        "sqlite://{}",
        dir.path().join("nothing.db").display()
    ))
    .unwrap();
    let err = Store::backup_sqlite(&missing, &dir.path().join("b.db"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("there is no database"), "{err}");
    assert!(
        !dir.path().join("nothing.db").exists(),
        "nothing was created"
    );
}
