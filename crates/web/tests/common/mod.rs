//! What the web tests share: fresh databases (SQLite, and PostgreSQL when configured) holding
//! the small test plan, and the simulated today they run on.

use std::sync::Arc;

use chrono::NaiveDate;
use tuijin_core::clock::{Clock, FixedClock};
use tuijin_store::PlanStore;
use tuijin_store::testing::TestDb;

/// The day the tests run on: mid-2020, inside the plan; its hours pass as the real ones do,
/// so sessions can expire.
pub fn today() -> Arc<dyn Clock> {
    Arc::new(tuijin_store::clock::SimulatedClock {
        date: NaiveDate::from_ymd_opt(2020, 6, 30).unwrap(),
    })
}

/// The stamp of a change by `actor` on the tests' today.
#[allow(dead_code)] // not every test file changes accounts
pub fn stamp(actor: &str) -> tuijin_core::clock::Stamp {
    today().stamp(actor, tuijin_core::clock::DEFAULT_TZ)
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
                &FixedClock::on(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap())
                    .stamp("test", tuijin_core::clock::DEFAULT_TZ),
            )
            .await
            .unwrap();
    }
    dbs
}

/// The test accounts: admin, office, leader, jtw (unit JTW) and zdq (unit ZDQ), all with
/// `password` (or none). Returns their names.
#[allow(dead_code)] // not every test file makes accounts
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
            .add_user(name, role, &units, password, &stamp("test"))
            .await
            .unwrap();
    }
    users.map(|u| u.0)
}
pub mod site;
