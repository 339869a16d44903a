//! Accounts on both backends: users, passwords, tokens.

use chrono::{Duration, Utc};
use tuijin_core::Code;
use tuijin_core::policy::Role;
use tuijin_store::testing::TestDb;
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
        let st = Stamp {
            at: Utc::now(),
            today: Utc::now().date_naive(),
            actor: "test".into(),
        };
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
                "admin",
            )
            .await
            .unwrap();
        assert_eq!(u.units, ["JTW"]);
        s.add_user(
            "office",
            Role::Office,
            &[],
            Some("another long pass"),
            "admin",
        )
        .await
        .unwrap();
        // Refused: duplicates, unit users without units, units on other roles, short passwords.
        assert!(matches!(
            s.add_user("office", Role::Office, &[], None, "admin").await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.add_user("x", Role::Unit, &[], None, "admin").await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.add_user("y", Role::Leader, &jtw, None, "admin").await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.add_user("z", Role::Leader, &[], Some("short"), "admin")
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.add_user(
                "w",
                Role::Unit,
                &[Code::parse("NOPE").unwrap()],
                None,
                "admin"
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
            .create_token("office", "script", Some(30), "admin")
            .await
            .unwrap();
        assert!(token.starts_with("tj_") && token.starts_with(&rec.prefix));
        let now = Utc::now();
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
        s.set_disabled("office", true, "admin").await.unwrap();
        assert!(s.principal_for_token(&token, now).await.unwrap().is_none());
        assert!(
            s.verify_password("office", "another long pass")
                .await
                .unwrap()
                .is_none()
        );
        s.set_disabled("office", false, "admin").await.unwrap();
        // Revoked.
        s.revoke_token(rec.id, "admin").await.unwrap();
        assert!(s.principal_for_token(&token, now).await.unwrap().is_none());
        // A new password works, the old one not.
        s.set_password("jtw-clerk", "the new long pass", "admin")
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
        let events = tuijin_store::EventStore::events_for(s, "user", "jtw-clerk", 10)
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
