//! What the web tests share: fresh databases (SQLite, and PostgreSQL when configured) holding
//! the small test plan, and the simulated today they run on.

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_store::PlanStore;
use tuijin_store::testing::TestDb;

/// The day the tests run on: mid-2020, inside the plan.
pub fn today() -> tuijin_web::Clock {
    tuijin_web::Clock::Fixed(NaiveDate::from_ymd_opt(2020, 6, 30).unwrap())
}

/// One database per backend, each with `tests/fixtures/small.toml` imported.
pub async fn with_small_plan() -> Vec<TestDb> {
    let path = format!(
        "{}/../../tests/fixtures/small.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc =
        tuijin_export::read_plan("small.toml", &std::fs::read_to_string(path).unwrap()).unwrap();
    let dbs = TestDb::all().await;
    for db in &dbs {
        db.store
            .import_plan(
                &doc,
                &tuijin_store::Stamp {
                    at: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
                    today: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                    actor: "test".into(),
                },
            )
            .await
            .unwrap();
    }
    dbs
}

/// The test accounts: admin, office, leader, jtw (unit JTW) and zdq (unit ZDQ), all with
/// `password` (or none). Returns their names.
pub async fn add_users(store: &tuijin_store::Store, password: Option<&str>) -> [&'static str; 5] {
    use tuijin_core::policy::Role;
    use tuijin_store::AccountStore;
    let users = [
        ("admin", Role::Admin, None),
        ("office", Role::Office, None),
        ("leader", Role::Leader, None),
        ("jtw", Role::Unit, Some("JTW")),
        ("zdq", Role::Unit, Some("ZDQ")),
    ];
    for (name, role, unit) in users {
        let units: Vec<tuijin_core::Code> = unit
            .map(|u| tuijin_core::Code::parse(u).unwrap())
            .into_iter()
            .collect();
        store
            .add_user(name, role, &units, password, "test")
            .await
            .unwrap();
    }
    users.map(|u| u.0)
}
