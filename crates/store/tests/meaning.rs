//! Figures that mean what their labels say, at the edges, each from a tiny plan and on both
//! backends: a co-operating unit's report does not move the lead's item nor stand in for its
//! missing report; a parent with unreported weight is never done; progress before the start
//! date is under way; a cancelled item takes its branch out of the summary, the warnings and
//! the explanation.

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_core::report::{Period, ReportContent};
use tuijin_core::summary::{Scope, summarise};
use tuijin_core::warning::WarningKind;
use tuijin_core::{Percent, PlanDocument, Status};
use tuijin_export::read_plan;
use tuijin_store::testing::TestDb;
use tuijin_store::{
    ItemStore, NewReport, PlanStore, ProgressStore, ReportStore, Stamp, WarningFilter, WarningStore,
};

const TINY: &str = r#"
[plan]
code = "tiny"
title = "极小规划"
timezone = "Asia/Shanghai"
cadence = "monthly"
start = 2020-01-01
end = 2021-12-31

[plan.source]
title = "测试"
date = 2020-01-01

[[unit]]
code = "LEAD"
name = "牵头单位"

[[unit]]
code = "CO"
name = "配合单位"

# A positioning, served by the work below: measured by it, never judged or counted itself.
[[item]]
code = "P"
kind = "positioning"
title = "定位"

# Four equal centres: three will be reported complete, the fourth never.
[[item]]
code = "C"
kind = "task"
title = "四个中心"
lead = "LEAD"
start = 2020-01-01
due = 2020-12-31
supports = ["P"]

[[item]]
code = "C.1"
kind = "project"
parent = "C"
title = "中心一"
lead = "LEAD"
co = ["CO"]
start = 2020-01-01
due = 2020-06-30

[[item]]
code = "C.2"
kind = "project"
parent = "C"
title = "中心二"
lead = "LEAD"
start = 2020-01-01
due = 2020-06-30

[[item]]
code = "C.3"
kind = "project"
parent = "C"
title = "中心三"
lead = "LEAD"
start = 2020-01-01
due = 2020-06-30

[[item]]
code = "C.4"
kind = "project"
parent = "C"
title = "中心四"
lead = "LEAD"
start = 2020-01-01
due = 2020-06-30

# Starts later; its unit is early.
[[item]]
code = "L"
kind = "project"
title = "后启动项目"
lead = "LEAD"
start = 2020-09-01
due = 2021-06-30

# Dropped from the plan: its child, overdue and unreported, must not count anywhere.
[[item]]
code = "X"
kind = "task"
title = "已撤销任务"
lead = "LEAD"
start = 2020-01-01
due = 2020-12-31
cancelled = true

[[item]]
code = "X.1"
kind = "project"
parent = "X"
title = "撤销任务下的项目"
lead = "LEAD"
start = 2020-01-01
due = 2020-03-31
"#;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn stamp(actor: &str, today: &str) -> Stamp {
    let today = d(today);
    Stamp {
        at: Utc.from_utc_datetime(&today.and_hms_opt(2, 0, 0).unwrap()),
        today,
        actor: actor.into(),
    }
}

fn plan() -> PlanDocument {
    read_plan("tiny.toml", TINY).unwrap()
}

async fn setup() -> Vec<TestDb> {
    let dbs = TestDb::all().await;
    for db in &dbs {
        db.store
            .import_plan(&plan(), &stamp("office", "2020-01-01"))
            .await
            .unwrap();
    }
    dbs
}

/// Files, submits and (unless `accept` is false) accepts a report.
async fn report(
    db: &TestDb,
    item: &str,
    period: &str,
    unit: &str,
    percent: f64,
    today: &str,
    accept: bool,
) {
    report_in(db, "tiny", item, period, unit, percent, today, accept).await
}

/// `report`, on any plan.
#[allow(clippy::too_many_arguments)] // each argument is one fact of the report
async fn report_in(
    db: &TestDb,
    plan: &str,
    item: &str,
    period: &str,
    unit: &str,
    percent: f64,
    today: &str,
    accept: bool,
) {
    let s = &db.store;
    let st = stamp(unit, today);
    let r = s
        .create_report(
            NewReport {
                plan: plan.into(),
                item: item.into(),
                period: Period::parse(period).unwrap(),
                unit: unit.into(),
                content: ReportContent {
                    percent: Some(Percent::new(percent).unwrap()),
                    narrative: "进展".into(),
                    ..Default::default()
                },
            },
            &st,
        )
        .await
        .unwrap();
    let r = s.submit_report(r.id, r.version, &st).await.unwrap();
    if accept {
        s.accept_report(r.id, r.version, "", &stamp("office", today))
            .await
            .unwrap();
    }
}

/// Refreshes the tiny plan's warnings on `today` and lists the open ones.
async fn open_warnings(db: &TestDb, today: &str) -> Vec<tuijin_store::WarningRecord> {
    let s = &db.store;
    s.refresh_warnings("tiny", &stamp("job", today))
        .await
        .unwrap();
    s.list_warnings(
        &WarningFilter {
            plan: Some("tiny".into()),
            ..Default::default()
        },
        1000,
    )
    .await
    .unwrap()
}

/// The tiny plan's board on `date`, from the stored progress.
async fn board_on(db: &TestDb, date: &str) -> tuijin_core::board::Board {
    let items = db.store.plan_items("tiny").await.unwrap();
    let progress = db.store.plan_progress("tiny", None).await.unwrap();
    tuijin_core::board::Board::build(
        &items,
        &progress,
        d(date),
        Default::default(),
        &Default::default(),
    )
}

#[tokio::test]
async fn a_co_operating_units_report_neither_moves_the_item_nor_stands_in_for_the_lead() {
    for db in setup().await {
        let s = &db.store;
        report(&db, "C.1", "2020-02", "LEAD", 30.0, "2020-03-02", true).await;
        report(&db, "C.1", "2020-03", "CO", 95.0, "2020-04-01", true).await;
        let now = s.plan_progress("tiny", None).await.unwrap();
        assert_eq!(now["C.1"].percent, Some(30.0), "{}", db.label());
        // March: only the co-operating unit has reported; the lead's report is missing.
        let open = open_warnings(&db, "2020-04-20").await;
        assert!(
            open.iter()
                .any(|w| w.item == "C.1" && w.kind == WarningKind::ReportMissing),
            "{}: {open:?}",
            db.label()
        );
    }
}

#[tokio::test]
async fn a_parent_with_unreported_weight_is_never_done() {
    for db in setup().await {
        let s = &db.store;
        for c in ["C.1", "C.2", "C.3"] {
            report(&db, c, "2020-06", "LEAD", 100.0, "2020-07-02", true).await;
        }
        let items = s.plan_items("tiny").await.unwrap();
        let progress = s.plan_progress("tiny", None).await.unwrap();
        assert_eq!(progress["C"].percent, Some(100.0));
        assert_eq!(progress["C"].unknown_share, 0.25);
        assert_eq!(progress["C"].vouched(), Some(75.0));
        let board = tuijin_core::board::Board::build(
            &items,
            &progress,
            d("2020-07-10"),
            Default::default(),
            &Default::default(),
        );
        let c = board.row("C").unwrap();
        assert_ne!(c.status, Status::Done, "{}: {c:?}", db.label());
        let summary = summarise(
            &items,
            &progress,
            Scope::Plan,
            d("2020-07-10"),
            Default::default(),
            &Default::default(),
        );
        assert_eq!(summary.by_status["done"], 3, "{}: {summary:?}", db.label());
        assert_eq!(
            summary.by_status["overdue"], 1,
            "C.4 is overdue: {summary:?}"
        );
        // In November C is well behind (75 % vouched for, about 91 % expected), but because
        // C.4 is overdue: the warning is on C.4, where someone must act, not on C.
        let open = open_warnings(&db, "2020-11-30").await;
        assert!(
            open.iter()
                .any(|w| w.item == "C.4" && w.kind == WarningKind::Overdue),
            "{open:?}"
        );
        assert!(
            !open
                .iter()
                .any(|w| w.item == "C" && w.kind.family() == tuijin_core::warning::Family::Lag),
            "{}: the parent's lag is explained below: {open:?}",
            db.label()
        );
        let on_c4 = open.iter().find(|w| w.item == "C.4").unwrap();
        assert_eq!(
            on_c4.raised_on,
            d("2020-07-01"),
            "overdue since the day after its due date"
        );
        // Once the fourth is in, the parent is done.
        report(&db, "C.4", "2020-07", "LEAD", 100.0, "2020-08-03", true).await;
        let board = board_on(&db, "2020-08-10").await;
        assert_eq!(board.row("C").unwrap().status, Status::Done);
    }
}

#[tokio::test]
async fn progress_before_the_start_date_is_under_way() {
    for db in setup().await {
        let s = &db.store;
        report(&db, "L", "2020-07", "LEAD", 50.0, "2020-08-03", true).await;
        let board = board_on(&db, "2020-08-10").await;
        assert_eq!(
            board.row("L").unwrap().status,
            Status::OnTrack,
            "{}",
            db.label()
        );
        s.refresh_warnings("tiny", &stamp("job", "2020-08-10"))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_cancelled_item_takes_its_branch_out_of_every_figure() {
    for db in setup().await {
        let s = &db.store;
        let today = "2020-07-10";
        report(&db, "C.1", "2020-06", "LEAD", 50.0, "2020-07-02", true).await;
        let open = open_warnings(&db, today).await;
        assert!(
            !open.iter().any(|w| w.item.starts_with('X')),
            "{}: {open:?}",
            db.label()
        );
        let items = s.plan_items("tiny").await.unwrap();
        let progress = s.plan_progress("tiny", None).await.unwrap();
        let summary = summarise(
            &items,
            &progress,
            Scope::Plan,
            d(today),
            Default::default(),
            &Default::default(),
        );
        // C, its four children and L; not X nor its child (which would be overdue), nor the
        // positioning P, measured by C.
        assert_eq!(summary.items, 6, "{summary:?}");
        assert_eq!(summary.by_status["unreported"], 0, "{summary:?}");
        assert_eq!(
            summary.by_status["overdue"], 4,
            "C.1 to C.4 only: {summary:?}"
        );
        let board = tuijin_core::board::Board::build(
            &items,
            &progress,
            d(today),
            Default::default(),
            &Default::default(),
        );
        let x1 = board.position("X.1").unwrap();
        assert!(board.is_out(x1));
        assert_eq!(board.status(x1), Status::Cancelled);
        let totals: u32 = board.totals().iter().sum();
        assert_eq!(totals, 6);
        // The plan's figure leaves P out: its weight is not unknown forever.
        let (overall, _) = board.overall(&items);
        assert_eq!(overall.unknown_share, summary.progress.unknown_share);
        let p = board.position("P").unwrap();
        assert_ne!(board.status(p), Status::Unreported, "P is as far as C");
    }
}

/// E4 of the demo in small: a year's work and a milestone due at its end. Mid-year the
/// milestone is not expected to be done, so the parent is expected where its children are.
const STAGED: &str = r#"
[plan]
code = "staged"
title = "分期规划"
timezone = "Asia/Shanghai"
cadence = "monthly"
start = 2020-01-01
end = 2021-12-31

[plan.source]
title = "测试"
date = 2020-01-01

[[unit]]
code = "LEAD"
name = "牵头单位"

[[item]]
code = "M"
kind = "task"
title = "年度任务"
lead = "LEAD"
start = 2020-01-01
due = 2020-12-31

[[item]]
code = "M.1"
kind = "project"
parent = "M"
title = "全年工程"
lead = "LEAD"
weight = 3
start = 2020-01-01
due = 2020-12-31

[[item]]
code = "M.2"
kind = "milestone"
parent = "M"
title = "年底验收"
lead = "LEAD"
due = MILESTONE_DUE
"#;

fn staged(milestone_due: &str) -> PlanDocument {
    read_plan(
        "staged.toml",
        &STAGED.replace("MILESTONE_DUE", milestone_due),
    )
    .unwrap()
}

#[tokio::test]
async fn a_parent_is_expected_where_its_children_are_not_by_its_own_dates() {
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&staged("2020-12-31"), &stamp("office", "2020-01-01"))
            .await
            .unwrap();
        // The year's work is on its path at the end of June; the milestone is not due.
        report_in(
            &db,
            "staged",
            "M.1",
            "2020-06",
            "LEAD",
            50.0,
            "2020-07-02",
            true,
        )
        .await;
        report_in(
            &db,
            "staged",
            "M.2",
            "2020-06",
            "LEAD",
            0.0,
            "2020-07-02",
            true,
        )
        .await;

        let items = s.plan_items("staged").await.unwrap();
        let progress = s.plan_progress("staged", None).await.unwrap();
        let day = d("2020-07-10");
        let board = tuijin_core::board::Board::build(
            &items,
            &progress,
            day,
            Default::default(),
            &Default::default(),
        );
        let (m, m1) = (board.row("M").unwrap(), board.row("M.1").unwrap());
        assert_eq!(m1.status, Status::OnTrack, "{}", db.label());
        // Expected: three quarters of the year's work's expected figure, nothing of the
        // milestone's; its own dates would say the year's linear figure, 14 points more.
        let want = 0.75 * m1.expected.unwrap();
        assert!((m.expected.unwrap() - want).abs() < 1e-9, "{m:?}");
        assert_eq!(m.status, Status::OnTrack, "{}: {m:?}", db.label());
        let own = tuijin_core::progress::expected(items[0].start, items[0].due, &[], day).unwrap();
        assert!(
            own - m.progress.vouched().unwrap() > 5.0,
            "own dates would warn"
        );
        // The stored path is the one computed from the plan, and the warnings use it: no lag
        // is raised on M.
        let paths = tuijin_core::path::paths(&items);
        for (i, p) in items.iter().zip(&paths) {
            let rec = s.get_item("staged", i.code.as_str()).await.unwrap();
            assert_eq!(&rec.expected_path, p, "{}: {}", db.label(), i.code);
        }
        s.refresh_warnings("staged", &stamp("job", "2020-07-10"))
            .await
            .unwrap();
        let open = s
            .list_warnings(
                &WarningFilter {
                    plan: Some("staged".into()),
                    ..Default::default()
                },
                100,
            )
            .await
            .unwrap();
        assert!(
            !open
                .iter()
                .any(|w| w.kind.family() == tuijin_core::warning::Family::Lag),
            "{}: {open:?}",
            db.label()
        );

        // The milestone moved forward to June by a re-import: now it is overdue and the
        // parent is expected to have it; the stored paths follow the import.
        s.import_plan(&staged("2020-06-30"), &stamp("office", "2020-07-03"))
            .await
            .unwrap();
        let items = s.plan_items("staged").await.unwrap();
        let paths = tuijin_core::path::paths(&items);
        let rec = s.get_item("staged", "M").await.unwrap();
        assert_eq!(rec.expected_path, paths[0], "{}", db.label());
        let m_now = paths[0].as_ref().unwrap().at(day);
        assert!((m_now - (want + 25.0)).abs() < 1e-9, "{m_now} vs {want}");

        // A database from before paths were kept gets them when it is opened.
        db.execute("UPDATE items SET expected_path = NULL")
            .await
            .unwrap();
        s.upgrade().await.unwrap();
        let rec = s.get_item("staged", "M").await.unwrap();
        assert_eq!(rec.expected_path, paths[0], "{}", db.label());
    }
}

/// An item whose plan gives its units explicit shares: each unit's latest accepted report
/// counts for its share; a unit that has not reported is unknown weight, not 0 %. The
/// incremental path, a full recompute, the history replay and the plan file agree.
const SHARED: &str = r#"
[plan]
code = "shared"
title = "份额规划"
timezone = "Asia/Shanghai"
cadence = "monthly"
start = 2020-01-01
end = 2021-12-31

[plan.source]
title = "测试"
date = 2020-01-01

[[unit]]
code = "LEAD"
name = "牵头单位"

[[unit]]
code = "CO"
name = "配合单位"

[[item]]
code = "S"
kind = "project"
title = "共建项目"
lead = "LEAD"
co = ["CO"]
start = 2020-01-01
due = 2020-12-31
shares = [{ unit = "LEAD", share = 60 }, { unit = "CO", share = 40 }]
"#;

#[tokio::test]
async fn units_with_shares_each_move_the_item_by_their_share() {
    use tuijin_store::ReportStore;
    let doc = read_plan("shared.toml", SHARED).unwrap();
    assert_eq!(doc.items[0].extra.shares.len(), 2);
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&doc, &stamp("office", "2020-01-01"))
            .await
            .unwrap();
        // The lead alone: its 60 % share known at 50 %, the co-operating 40 % unknown.
        report_in(
            &db,
            "shared",
            "S",
            "2020-03",
            "LEAD",
            50.0,
            "2020-04-02",
            true,
        )
        .await;
        let p = s.plan_progress("shared", None).await.unwrap()["S"];
        assert_eq!(
            (p.percent, p.unknown_share),
            (Some(50.0), 0.4),
            "{}",
            db.label()
        );
        assert!((p.vouched().unwrap() - 30.0).abs() < 1e-9);
        // The co-operating unit's report counts for its share.
        report_in(
            &db,
            "shared",
            "S",
            "2020-03",
            "CO",
            100.0,
            "2020-04-03",
            true,
        )
        .await;
        let p = s.plan_progress("shared", None).await.unwrap()["S"];
        assert!((p.percent.unwrap() - 70.0).abs() < 1e-9, "{p:?}");
        assert_eq!(p.unknown_share, 0.0);
        // A full recompute (a re-import) finds the same; the checker finds nothing amiss.
        s.import_plan(&doc, &stamp("office", "2020-04-04"))
            .await
            .unwrap();
        let again = s.plan_progress("shared", None).await.unwrap()["S"];
        assert!((again.percent.unwrap() - 70.0).abs() < 1e-9, "{again:?}");
        assert!(s.check_rollups("shared").await.unwrap().is_empty());
        // The plan file keeps the shares.
        let back = s.export_plan("shared").await.unwrap();
        assert_eq!(back.items[0].extra.shares, doc.items[0].extra.shares);
    }
    // A history loaded from another system replays the same way.
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&doc, &stamp("office", "2020-01-01"))
            .await
            .unwrap();
        let h = |unit: &str, period: &str, percent: f64, on: &str| {
            tuijin_core::sample::HistoricReport {
                item: tuijin_core::Code::parse("S").unwrap(),
                unit: tuijin_core::Code::parse(unit).unwrap(),
                period: Period::parse(period).unwrap(),
                percent: Some(percent),
                narrative: "进展".into(),
                problems: String::new(),
                next_steps: String::new(),
                submitted_on: d(on),
                accepted_on: d(on),
                figures: Vec::new(),
            }
        };
        s.load_history(
            "shared",
            &[
                h("LEAD", "2020-03", 50.0, "2020-04-02"),
                h("CO", "2020-03", 100.0, "2020-04-03"),
            ],
            &stamp("office", "2020-04-05"),
        )
        .await
        .unwrap();
        let p = s.plan_progress("shared", None).await.unwrap()["S"];
        assert!(
            (p.percent.unwrap() - 70.0).abs() < 1e-9,
            "{}: {p:?}",
            db.label()
        );
        assert!(s.check_rollups("shared").await.unwrap().is_empty());
    }
}

/// The latest report is the one whose period ends last, never the one whose name sorts last:
/// `2020-Q1` (to March) is older than `2020-04`, though it sorts after it as text. Reports of
/// both kinds meet when a plan changes its cadence.
#[tokio::test]
async fn the_latest_report_is_chosen_by_time_not_by_the_periods_name() {
    for db in setup().await {
        let s = &db.store;
        report(&db, "C.1", "2020-04", "LEAD", 50.0, "2020-05-02", true).await;
        // The plan turns quarterly; a report for the first quarter is accepted afterwards.
        let quarterly = read_plan(
            "tiny.toml",
            &TINY.replace("cadence = \"monthly\"", "cadence = \"quarterly\""),
        )
        .unwrap();
        s.import_plan(&quarterly, &stamp("office", "2020-05-03"))
            .await
            .unwrap();
        report(&db, "C.1", "2020-Q1", "LEAD", 60.0, "2020-05-04", true).await;
        let now = s.plan_progress("tiny", None).await.unwrap();
        assert_eq!(now["C.1"].percent, Some(50.0), "{}", db.label());
        // A full recompute agrees.
        assert!(
            s.check_rollups("tiny").await.unwrap().is_empty(),
            "{}",
            db.label()
        );
    }
}

/// A plan import re-judges the plan's warnings in the same transaction: an item dropped from
/// the file (archived) no longer warns, and a moved due date no longer makes an item overdue.
#[tokio::test]
async fn an_import_re_judges_the_warnings() {
    for db in setup().await {
        let s = &db.store;
        let open = open_warnings(&db, "2020-07-10").await;
        assert!(open.iter().any(|w| w.item == "C.4"), "{open:?}");
        assert!(open.iter().any(|w| w.item == "C.3"), "{open:?}");
        // C.4 dropped from the file, C.3 due at the end of the year.
        let src = TINY
            .replace(
                "[[item]]\ncode = \"C.4\"\nkind = \"project\"\nparent = \"C\"\ntitle = \"中心四\"\nlead = \"LEAD\"\nstart = 2020-01-01\ndue = 2020-06-30\n",
                "",
            )
            .replace(
                "title = \"中心三\"\nlead = \"LEAD\"\nstart = 2020-01-01\ndue = 2020-06-30",
                "title = \"中心三\"\nlead = \"LEAD\"\nstart = 2020-01-01\ndue = 2020-12-31",
            );
        let doc = read_plan("tiny.toml", &src).unwrap();
        assert_eq!(doc.items.len(), plan().items.len() - 1);
        s.import_plan(&doc, &stamp("office", "2020-07-10"))
            .await
            .unwrap();
        let now = s
            .list_warnings(
                &WarningFilter {
                    plan: Some("tiny".into()),
                    ..Default::default()
                },
                1000,
            )
            .await
            .unwrap();
        assert!(
            !now.iter().any(|w| w.item == "C.4"),
            "{}: {now:?}",
            db.label()
        );
        assert!(
            !now.iter()
                .any(|w| w.item == "C.3" && w.kind == WarningKind::Overdue),
            "{now:?}"
        );
    }
}
