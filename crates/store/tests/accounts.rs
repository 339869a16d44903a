//! Accounts on both backends: users, passwords, tokens.

use chrono::Duration;
use tuijin_core::Code;
use tuijin_core::event::Entity;
use tuijin_core::policy::Role;
use tuijin_store::testing::{TestDb, now, stamp};

fn by(actor: &str) -> Stamp {
    stamp(actor)
}
use tuijin_store::{AccountStore, PlanStore, Stamp, StoreError};

async fn setup() -> Vec<TestDb> {
    let path = format!(
        "{}/../../tests/fixtures/small.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc =
        tuijin_export::read_plan("small.toml", &std::fs::read_to_string(path).unwrap()).unwrap();
    let dbs = TestDb::all().await;
    for db in &dbs {
        let st = stamp("test");
        db.store.import_plan(&doc, &st).await.unwrap();
    }
    dbs
}

#[tokio::test]
async fn users_passwords_and_tokens() {
    for db in setup().await {
        let s = &db.store;
        let jtw = [Code::parse("JTW").unwrap()];
        let u = s
            .add_user(
                "jtw-clerk",
                Role::Unit,
                &jtw,
                Some("a long enough pass"),
                &by("admin"),
            )
            .await
            .unwrap();
        assert_eq!(u.units, ["JTW"]);
        s.add_user(
            "office",
            Role::Office,
            &[],
            Some("another long pass"),
            &by("admin"),
        )
        .await
        .unwrap();
        // Refused: duplicates, unit users without units, units on other roles, short passwords.
        assert!(matches!(
            s.add_user("office", Role::Office, &[], None, &by("admin"))
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.add_user("x", Role::Unit, &[], None, &by("admin")).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.add_user("y", Role::Leader, &jtw, None, &by("admin"))
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.add_user("z", Role::Leader, &[], Some("short"), &by("admin"))
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.add_user(
                "w",
                Role::Unit,
                &[Code::parse("NOPE").unwrap()],
                None,
                &by("admin")
            )
            .await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(s.list_users().await.unwrap().len(), 2, "{}", db.label());

        let p = s
            .verify_password("jtw-clerk", "a long enough pass")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((p.role, p.units.len()), (Role::Unit, 1));
        assert!(
            s.verify_password("jtw-clerk", "wrong password!!")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            s.verify_password("nobody", "a long enough pass")
                .await
                .unwrap()
                .is_none()
        );

        let (token, rec) = s
            .create_token("office", "script", Some(30), &by("admin"))
            .await
            .unwrap();
        assert!(token.starts_with("tj_") && token.starts_with(&rec.prefix));
        let now = now();
        let p = s.principal_for_token(&token, now).await.unwrap().unwrap();
        assert_eq!(p.role, Role::Office);
        assert!(
            s.list_tokens(Some("office")).await.unwrap()[0]
                .last_used_at
                .is_some()
        );
        assert!(
            s.principal_for_token("tj_not-a-token", now)
                .await
                .unwrap()
                .is_none()
        );
        // Expired.
        assert!(
            s.principal_for_token(&token, now + Duration::days(31))
                .await
                .unwrap()
                .is_none()
        );
        // Disabled user.
        s.set_disabled("office", true, &by("admin")).await.unwrap();
        assert!(s.principal_for_token(&token, now).await.unwrap().is_none());
        assert!(
            s.verify_password("office", "another long pass")
                .await
                .unwrap()
                .is_none()
        );
        s.set_disabled("office", false, &by("admin")).await.unwrap();
        // Revoked.
        s.revoke_token(rec.id, &by("admin")).await.unwrap();
        assert!(s.principal_for_token(&token, now).await.unwrap().is_none());
        // A new password works, the old one not.
        s.set_password("jtw-clerk", "the new long pass", &by("admin"))
            .await
            .unwrap();
        assert!(
            s.verify_password("jtw-clerk", "a long enough pass")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            s.verify_password("jtw-clerk", "the new long pass")
                .await
                .unwrap()
                .is_some()
        );
        let events = tuijin_store::EventStore::events_for(s, Entity::User, "jtw-clerk", 10)
            .await
            .unwrap();
        assert!(
            events
                .iter()
                .all(|e| !format!("{:?}", e.after).contains("argon2")),
            "no hash in events"
        );
    }
}

#[tokio::test]
async fn sessions_expire_end_and_logins_throttle() {
    use tuijin_core::policy::SessionRules;
    use tuijin_store::{EventStore, LoginOutcome, SessionStore};
    for db in setup().await {
        let s = &db.store;
        let rules = SessionRules::default();
        s.add_user(
            "office",
            Role::Office,
            &[],
            Some("correct horse battery"),
            &by("admin"),
        )
        .await
        .unwrap();
        let t0 = now();
        // A good log-in opens a session with its own anti-forgery token.
        let LoginOutcome::LoggedIn { secret, session } = s
            .log_in("office", "correct horse battery", "10.0.0.1", &rules, t0)
            .await
            .unwrap()
        else {
            panic!("log-in refused")
        };
        assert_eq!(session.principal.role, Role::Office);
        assert_eq!(session.lang, "zh");
        assert_ne!(session.csrf, secret);
        let live = s.session(&secret, &rules, t0).await.unwrap().unwrap();
        assert_eq!(live.csrf, session.csrf);
        // Idle expiry: 29 minutes is fine and renews; 31 minutes after the last use is not.
        let t1 = t0 + Duration::minutes(29);
        assert!(s.session(&secret, &rules, t1).await.unwrap().is_some());
        assert!(
            s.session(&secret, &rules, t1 + Duration::minutes(29))
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            s.session(&secret, &rules, t1 + Duration::minutes(60))
                .await
                .unwrap()
                .is_none()
        );
        // Absolute expiry: used every 20 minutes, it still ends 12 hours after log-in.
        let LoginOutcome::LoggedIn { secret: busy, .. } = s
            .log_in("office", "correct horse battery", "10.0.0.1", &rules, t0)
            .await
            .unwrap()
        else {
            panic!()
        };
        let mut t = t0;
        while t < t0 + Duration::hours(12) - Duration::minutes(20) {
            t += Duration::minutes(20);
            assert!(s.session(&busy, &rules, t).await.unwrap().is_some(), "{t}");
        }
        assert!(
            s.session(&busy, &rules, t0 + Duration::hours(12))
                .await
                .unwrap()
                .is_none()
        );
        // Log-out ends it; an unknown secret is nobody.
        let LoginOutcome::LoggedIn { secret: third, .. } = s
            .log_in("office", "correct horse battery", "10.0.0.1", &rules, t0)
            .await
            .unwrap()
        else {
            panic!()
        };
        s.log_out(&third, t0).await.unwrap();
        assert!(s.session(&third, &rules, t0).await.unwrap().is_none());
        assert!(s.session("forged", &rules, t0).await.unwrap().is_none());
        // A password reset ends every session of the user.
        let LoginOutcome::LoggedIn { secret: fourth, .. } = s
            .log_in("office", "correct horse battery", "10.0.0.1", &rules, t0)
            .await
            .unwrap()
        else {
            panic!()
        };
        s.set_password("office", "correct horse battery", &by("admin"))
            .await
            .unwrap();
        assert!(s.session(&fourth, &rules, t0).await.unwrap().is_none());
        // Wrong password and unknown name: the same refusal.
        for name in ["office", "nobody"] {
            assert_eq!(
                s.log_in(name, "wrong password!!", "10.0.0.2", &rules, t0)
                    .await
                    .unwrap(),
                LoginOutcome::Refused
            );
        }
        // Five failures for the account: even the right password is refused for a while…
        for _ in 0..4 {
            s.log_in("office", "wrong password!!", "10.0.0.3", &rules, t0)
                .await
                .unwrap();
        }
        assert_eq!(
            s.log_in("office", "correct horse battery", "10.0.0.4", &rules, t0)
                .await
                .unwrap(),
            LoginOutcome::Throttled
        );
        // …and lets it in again once the window has passed.
        let later = t0 + rules.window + Duration::seconds(1);
        assert!(matches!(
            s.log_in("office", "correct horse battery", "10.0.0.4", &rules, later)
                .await
                .unwrap(),
            LoginOutcome::LoggedIn { .. }
        ));
        // Twenty failures from one address throttle it for every account.
        for n in 0..20 {
            s.log_in(
                &format!("guess{n}"),
                "wrong password!!",
                "10.9.9.9",
                &rules,
                later,
            )
            .await
            .unwrap();
        }
        assert_eq!(
            s.log_in("office", "correct horse battery", "10.9.9.9", &rules, later)
                .await
                .unwrap(),
            LoginOutcome::Throttled
        );
        // Recorded when the caller chooses to (once a minute per address, in the web layer).
        s.record_throttled("office", "10.9.9.9", later)
            .await
            .unwrap();
        // A name that cannot be a user's is neither looked up nor recorded as typed.
        let long = "A".repeat(100_000);
        assert_eq!(
            s.log_in(&long, "wrong password!!", "10.7.7.7", &rules, later)
                .await
                .unwrap(),
            LoginOutcome::Refused
        );
        assert!(
            s.events_for(Entity::User, &long, 10)
                .await
                .unwrap()
                .is_empty()
                && !s
                    .events_for(Entity::User, "?", 10)
                    .await
                    .unwrap()
                    .is_empty()
        );
        // Languages are remembered per user; only zh and en exist.
        s.set_language("office", "en").await.unwrap();
        assert!(matches!(
            s.set_language("office", "fr").await,
            Err(StoreError::Invalid(_))
        ));
        // Every log-in, failure, refusal and log-out is an event.
        let kinds: Vec<String> = s
            .events_for(Entity::User, "office", 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind.as_str().to_string())
            .collect();
        for k in [
            "login.succeeded",
            "login.failed",
            "login.throttled",
            "logout",
        ] {
            assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
        }
    }
}
