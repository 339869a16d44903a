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

/// A scheme for the small plan: departments and zones, reports and notices.
#[allow(dead_code)] // not every test file assesses
pub const ASSESS_SCHEME: &str = r#"
[scheme]
code = "small"
title = "测试考核方案"

[[grade]]
name = "优秀"
min = 90

[[category]]
code = "all"
name = "全部单位"
total = 100
kinds = ["department", "zone"]

[[category.criterion]]
kind = "completion"
weight = 50

[[category.criterion]]
kind = "reports"
weight = 30

[[category.criterion]]
kind = "notices"
weight = 20
deduct = { red = 3 }
"#;

/// Loads `ASSESS_SCHEME`, runs it over 2019-Q4, locks and publishes the run, and files JTW's
/// objection to it. Returns the run's and the objection's ids.
#[allow(dead_code)] // not every test file assesses
pub async fn published_run(store: &tuijin_store::Store) -> (i64, i64) {
    use tuijin_core::assess::{AssessPeriod, RunAction};
    use tuijin_store::AssessStore;
    let doc = PlanStore::export_plan(store, "demo-small").await.unwrap();
    let scheme = tuijin_export::read_scheme(
        "s.toml",
        ASSESS_SCHEME,
        &doc.units,
        &doc.plan.notices.levels,
    )
    .unwrap();
    let office = stamp("office");
    store
        .load_scheme("demo-small", ASSESS_SCHEME, &scheme, &office)
        .await
        .unwrap();
    let q4 = AssessPeriod::parse("2019-Q4").unwrap();
    let run = store
        .create_assessment("demo-small", q4, None, &office)
        .await
        .unwrap()
        .id;
    for a in [RunAction::Lock, RunAction::Publish] {
        store
            .act_on_assessment(run, a, None, &office)
            .await
            .unwrap();
    }
    let objection = store
        .file_objection(run, "JTW", "第二季度报告已按时报送", &stamp("jtw"))
        .await
        .unwrap()
        .id;
    (run, objection)
}
