//! Log-ins and accounts the operator adds, each one transaction.

use chrono::{Duration, TimeZone as _, Utc};
use hallway_domain::Email;
use hallway_domain::account::Role;
use hallway_store::{NewLogin, NewUser, store_test};

use crate::store::program;

store_test!(
    a_log_in_starts_a_session_and_a_token_and_forgets_the_failures,
    |store| async move {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
        let email = Email::parse("ada@x.org").unwrap();
        let ada = store
            .create_account(&email, "Ada", "hash", now)
            .await
            .unwrap();
        let window = Duration::minutes(15);
        for _ in 0..2 {
            store
                .record_login_failure("ada@x.org", now, now - window)
                .await
                .unwrap();
        }
        store
            .log_in(
                &NewLogin {
                    user: ada.id,
                    login_hash: "session-hash",
                    login_expires: now + Duration::days(30),
                    token_hash: Some("token-hash"),
                    token_label: "log-in",
                    forget_failures: Some("ada@x.org"),
                },
                now,
            )
            .await
            .unwrap();
        assert_eq!(
            store.account_by_login("session-hash", now).await.unwrap(),
            Some(ada.clone())
        );
        assert_eq!(
            store
                .account_by_api_token("token-hash", chrono::Utc::now())
                .await
                .unwrap(),
            Some(ada.clone())
        );
        let tokens = store.api_tokens(ada.id).await.unwrap();
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].label, "log-in");
        assert_eq!(
            store
                .login_failures("ada@x.org", now - window)
                .await
                .unwrap(),
            None,
            "a log-in forgets the failures before it"
        );
        // A second log-in with a secret in use already changes nothing: neither row is
        // written.
        let again = store
            .log_in(
                &NewLogin {
                    user: ada.id,
                    login_hash: "another-session",
                    login_expires: now + Duration::days(30),
                    token_hash: Some("token-hash"),
                    token_label: "log-in",
                    forget_failures: None,
                },
                now,
            )
            .await;
        assert!(again.is_err(), "a token hash is unique");
        assert_eq!(
            store
                .account_by_login("another-session", now)
                .await
                .unwrap(),
            None,
            "the session of the refused log-in was not kept"
        );
    }
);

store_test!(
    an_added_user_is_made_or_keeps_its_password_unless_told,
    |store| async move {
        let now = Utc::now();
        let conf = store.insert_program(&program("team"), now).await.unwrap();
        let email = Email::parse("org@x.org").unwrap();
        let user = |hash: &'static str, replace: bool, role: Option<(_, Role)>| NewUser {
            email: &email,
            name: "Org",
            password_hash: hash,
            replace_password: replace,
            role,
        };
        let (org, set) = store
            .add_user(&user("first", false, Some((conf, Role::Organizer))), now)
            .await
            .unwrap();
        assert!(set);
        assert!(!org.is_admin);
        assert_eq!(
            store.roles(conf, org.id).await.unwrap(),
            vec![Role::Organizer]
        );
        assert_eq!(
            store.password_hash(org.id).await.unwrap().as_deref(),
            Some("first")
        );
        // Again, with a made-up password: the account keeps its own and gains the role.
        store
            .create_login(org.id, "live-session", now, now + Duration::days(1))
            .await
            .unwrap();
        let (same, set) = store
            .add_user(&user("made-up", false, Some((conf, Role::Volunteer))), now)
            .await
            .unwrap();
        assert_eq!(same.id, org.id);
        assert!(!set);
        assert_eq!(
            store.password_hash(org.id).await.unwrap().as_deref(),
            Some("first")
        );
        let mut roles = store.roles(conf, org.id).await.unwrap();
        roles.sort_by_key(|r| r.as_str());
        assert_eq!(roles, vec![Role::Organizer, Role::Volunteer]);
        assert!(
            store
                .account_by_login("live-session", now)
                .await
                .unwrap()
                .is_some()
        );
        // With a password the operator chose: it replaces the old one and log-ins end.
        let (admin, set) = store
            .add_user(&user("chosen", true, None), now)
            .await
            .unwrap();
        assert!(set);
        assert!(admin.is_admin, "no conference: a site admin");
        assert_eq!(
            store.password_hash(org.id).await.unwrap().as_deref(),
            Some("chosen")
        );
        assert_eq!(
            store.account_by_login("live-session", now).await.unwrap(),
            None
        );
    }
);

store_test!(
    an_expired_token_stops_working_and_uses_are_written_once_flushed,
    |store| async move {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
        let email = Email::parse("dee@x.org").unwrap();
        let dee = store
            .create_account(&email, "Dee", "hash", now)
            .await
            .unwrap();
        let id = store
            .create_api_token(
                &hallway_store::NewToken {
                    user: dee.id,
                    hash: "short-lived",
                    label: "phone",
                    expires_at: Some(now + Duration::hours(1)),
                },
                now,
            )
            .await
            .unwrap();
        let used = now + Duration::minutes(10);
        assert_eq!(
            store
                .account_by_api_token("short-lived", used)
                .await
                .unwrap(),
            Some(dee.clone())
        );
        let listed = store.api_tokens(dee.id).await.unwrap();
        assert_eq!(listed[0].last_used_at, None, "not written before a flush");
        assert_eq!(store.flush_token_uses().await.unwrap(), 1);
        assert_eq!(store.flush_token_uses().await.unwrap(), 0, "once");
        let listed = store.api_tokens(dee.id).await.unwrap();
        assert_eq!((listed[0].id, listed[0].last_used_at), (id, Some(used)));
        assert_eq!(listed[0].expires_at, Some(now + Duration::hours(1)));
        // Past its expiry it is refused, though it was looked up a moment ago.
        assert_eq!(
            store
                .account_by_api_token("short-lived", now + Duration::hours(2))
                .await
                .unwrap(),
            None
        );
    }
);

store_test!(
    an_invitation_older_than_its_limit_is_not_taken_up,
    |store| async move {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let conf = store.insert_program(&program("invites"), t0).await.unwrap();
        let email = Email::parse("eve@x.org").unwrap();
        let eve = store
            .create_account(&email, "Eve", "hash", t0)
            .await
            .unwrap();
        let audit = hallway_store::AuditLine {
            user: eve.id,
            actor: "org@x.org".into(),
            action: "invited".into(),
            detail: "eve@x.org as volunteer".into(),
        };
        store
            .create_invitation(conf, "eve@x.org", Role::Volunteer, "link", &audit, t0)
            .await
            .unwrap();
        let later = t0 + Duration::days(15);
        // Made before the cut-off (14 days before `later`): refused, nothing granted.
        let taken = store
            .accept_invitation(
                "link",
                eve.id,
                "eve@x.org",
                later - Duration::days(14),
                later,
            )
            .await
            .unwrap();
        assert!(!taken);
        assert_eq!(store.roles(conf, eve.id).await.unwrap(), vec![]);
        // Within its days it is taken up, once.
        let soon = t0 + Duration::days(2);
        let cut = soon - Duration::days(14);
        assert!(
            store
                .accept_invitation("link", eve.id, "eve@x.org", cut, soon)
                .await
                .unwrap()
        );
        assert!(
            !store
                .accept_invitation("link", eve.id, "eve@x.org", cut, soon)
                .await
                .unwrap()
        );
        assert_eq!(
            store.roles(conf, eve.id).await.unwrap(),
            vec![Role::Volunteer]
        );
    }
);
