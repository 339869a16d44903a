//! Assessment runs on both backends: a run is computed on the facts as of its period's end,
//! repeats to the last digit, and once locked never changes — not through any action, and not
//! when late reports are accepted afterwards (a re-run is a new run, blind to them as well).

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_core::Percent;
use tuijin_core::assess::{AssessPeriod, CriterionKind, Points, RunAction, RunState};
use tuijin_core::period::Period;
use tuijin_core::report::ReportContent;
use tuijin_export::{read_plan, read_scheme};
use tuijin_store::testing::TestDb;
use tuijin_store::{AssessStore, NewReport, PlanStore, ReportStore, Stamp, StoreError};

const PLAN: &str = r#"
[plan]
code = "ass"
title = "考核测试"
timezone = "Asia/Shanghai"
cadence = "monthly"
start = 2020-01-01
end = 2021-12-31

[plan.source]
title = "测试"
date = 2020-01-01

[[unit]]
code = "JTW"
name = "交通委"
kind = "department"

[[unit]]
code = "GHJ"
name = "规划局"
kind = "department"

[[item]]
code = "E1"
kind = "project"
title = "地铁工程"
lead = "JTW"
start = 2020-01-01
due = 2020-03-31

[[item]]
code = "E2"
kind = "project"
title = "环城道路"
lead = "GHJ"
start = 2020-01-01
due = 2020-03-31
"#;

const SCHEME: &str = r#"
[scheme]
code = "t"
title = "测试方案"

[[category]]
code = "deps"
name = "市直部门"
total = 100
kinds = ["department"]

[[category.criterion]]
kind = "completion"
weight = 60

[[category.criterion]]
kind = "reports"
weight = 40
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

/// A report submitted on `submitted` and accepted on `accepted`.
async fn report(
    db: &TestDb,
    item: &str,
    unit: &str,
    period: &str,
    pct: f64,
    submitted: &str,
    accepted: &str,
) {
    let s = &db.store;
    let r = s
        .create_report(
            NewReport {
                plan: "ass".into(),
                item: item.into(),
                period: Period::parse(period).unwrap(),
                unit: unit.into(),
                content: ReportContent {
                    percent: Some(Percent::new(pct).unwrap()),
                    narrative: "按计划推进".into(),
                    problems: String::new(),
                    next_steps: String::new(),
                    figures: vec![],
                },
            },
            &stamp(unit, submitted),
        )
        .await
        .unwrap();
    let r = s
        .submit_report(r.id, r.version, &stamp(unit, submitted))
        .await
        .unwrap();
    s.accept_report(r.id, r.version, "", &stamp("office", accepted))
        .await
        .unwrap();
}

async fn setup(db: &TestDb) {
    let doc = read_plan("ass.toml", PLAN).unwrap();
    db.store
        .import_plan(&doc, &stamp("office", "2020-01-01"))
        .await
        .unwrap();
    let scheme = read_scheme("s.toml", SCHEME, &doc.units, &doc.plan.notices.levels).unwrap();
    db.store
        .load_scheme("ass", SCHEME, &scheme, &stamp("office", "2020-01-01"))
        .await
        .unwrap();
    // JTW: January in on time (a root item is due on the 10th of the next month),
    // finished in March; GHJ: January late, at 60 %.
    report(db, "E1", "JTW", "2020-01", 40.0, "2020-02-05", "2020-02-06").await;
    report(
        db,
        "E1",
        "JTW",
        "2020-02",
        100.0,
        "2020-03-05",
        "2020-03-20",
    )
    .await;
    report(db, "E2", "GHJ", "2020-01", 60.0, "2020-02-20", "2020-02-21").await;
}

#[tokio::test]
async fn a_locked_run_never_changes_and_a_rerun_is_blind_to_late_facts() {
    for db in TestDb::all().await {
        setup(&db).await;
        let s = &db.store;
        let q1 = AssessPeriod::parse("2020-Q1").unwrap();
        let a = s
            .create_assessment("ass", q1, None, &stamp("office", "2020-04-15"))
            .await
            .unwrap();
        let score = |unit: &str| a.outcome.unit(unit).unwrap().1.score;
        // JTW: E1 done (60) + reports for January and February in by their due dates (40).
        assert_eq!(score("JTW"), Points(10_000), "{}", db.label());
        // GHJ: E2 at 60 % is not done (0); January's report late, February's missing (0).
        assert_eq!(score("GHJ"), Points(0), "{}", db.label());
        let (_, jtw) = a.outcome.unit("JTW").unwrap();
        let reports = jtw
            .criteria
            .iter()
            .find(|c| c.kind == CriterionKind::Reports)
            .unwrap();
        assert_eq!(reports.lines.len(), 2, "{:?}", reports.lines);

        // The same facts give the same result to the last digit.
        let again = s
            .create_assessment("ass", q1, None, &stamp("office", "2020-04-15"))
            .await
            .unwrap();
        assert_eq!(again.digest, a.digest, "{}", db.label());
        s.act_on_assessment(
            again.id,
            RunAction::Discard,
            None,
            &stamp("office", "2020-04-15"),
        )
        .await
        .unwrap();
        assert!(matches!(
            s.get_assessment(again.id).await,
            Err(StoreError::NotFound(_))
        ));

        let locked = s
            .act_on_assessment(
                a.id,
                RunAction::Lock,
                Some(a.version),
                &stamp("office", "2020-04-16"),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(locked.state, RunState::Locked);
        // Nothing moves a locked run back or away.
        for action in [RunAction::Lock, RunAction::Discard] {
            let e = s
                .act_on_assessment(a.id, action, None, &stamp("office", "2020-04-17"))
                .await;
            assert!(
                matches!(e, Err(StoreError::Conflict(_))),
                "{action:?}: {e:?}"
            );
        }
        // An objection waits for publication.
        let e = s
            .file_objection(a.id, "GHJ", "二月报告已报送", &stamp("GHJ", "2020-04-17"))
            .await;
        assert!(matches!(e, Err(StoreError::Conflict(_))), "{e:?}");

        // GHJ's late reports come in and are accepted after the period's end.
        report(
            &db,
            "E2",
            "GHJ",
            "2020-02",
            100.0,
            "2020-04-18",
            "2020-04-20",
        )
        .await;
        let after = s.get_assessment(a.id).await.unwrap();
        assert_eq!(
            (after.digest.as_str(), &after.outcome),
            (locked.digest.as_str(), &locked.outcome)
        );
        // A re-run of the period is a new run, and as of 31 March it knows nothing new either.
        let rerun = s
            .create_assessment("ass", q1, Some(a.id), &stamp("office", "2020-04-21"))
            .await
            .unwrap();
        assert_ne!(rerun.id, a.id);
        assert_eq!(rerun.supersedes, Some(a.id));
        assert_eq!(rerun.digest, a.digest, "{}", db.label());

        // Published, GHJ objects; the office answers with a corrected run; all stays.
        s.act_on_assessment(
            a.id,
            RunAction::Publish,
            None,
            &stamp("office", "2020-04-22"),
        )
        .await
        .unwrap();
        let o = s
            .file_objection(a.id, "GHJ", "二月报告已报送", &stamp("GHJ", "2020-04-23"))
            .await
            .unwrap();
        let e = s
            .file_objection(a.id, "NOBODY", "x", &stamp("GHJ", "2020-04-23"))
            .await;
        assert!(matches!(e, Err(StoreError::Forbidden(_))), "{e:?}");
        let answered = s
            .answer_objection(
                o.id,
                "经核实，二月报告逾期报送，维持原结果",
                true,
                &stamp("office", "2020-04-24"),
            )
            .await
            .unwrap();
        assert!(answered.rerun.is_some());
        let e = s
            .answer_objection(o.id, "again", false, &stamp("office", "2020-04-24"))
            .await;
        assert!(matches!(e, Err(StoreError::Conflict(_))), "{e:?}");
        let published = s.get_assessment(a.id).await.unwrap();
        assert_eq!(published.digest, a.digest);
        assert_eq!(published.objections.len(), 1);
        // The rankings that stand: the published run, until its correction is published too.
        let latest = |s: &tuijin_store::Store| {
            let s = s.clone();
            async move { s.latest_published("ass").await.unwrap().map(|x| x.id) }
        };
        assert_eq!(latest(s).await, Some(a.id));
        let fix = answered.rerun.unwrap();
        for act in [RunAction::Lock, RunAction::Publish] {
            s.act_on_assessment(fix, act, None, &stamp("office", "2020-04-24"))
                .await
                .unwrap();
        }
        assert_eq!(latest(s).await, Some(fix));
        // A period that has not ended cannot be run.
        let e = s
            .create_assessment(
                "ass",
                AssessPeriod::parse("2020-Q2").unwrap(),
                None,
                &stamp("office", "2020-04-25"),
            )
            .await;
        assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_answers_leave_one_answer_and_one_correction() {
    for db in TestDb::all().await {
        setup(&db).await;
        let s = &db.store;
        let q1 = AssessPeriod::parse("2020-Q1").unwrap();
        // On its last day a period is still open.
        let e = s
            .create_assessment("ass", q1, None, &stamp("office", "2020-03-31"))
            .await;
        assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");
        let a = s
            .create_assessment("ass", q1, None, &stamp("office", "2020-04-15"))
            .await
            .unwrap();
        for act in [RunAction::Lock, RunAction::Publish] {
            s.act_on_assessment(a.id, act, None, &stamp("office", "2020-04-16"))
                .await
                .unwrap();
        }
        let o = s
            .file_objection(a.id, "GHJ", "二月报告已报送", &stamp("GHJ", "2020-04-17"))
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.answer_objection(o.id, "重新计算", true, &stamp("office", "2020-04-18"))
                    .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("{}: {e:?}", db.label()),
            }
        }
        assert_eq!(ok, 1, "{}", db.label());
        let corrections: Vec<_> = s
            .list_assessments("ass", false)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.supersedes == Some(a.id))
            .collect();
        assert_eq!(corrections.len(), 1, "{}: one re-run", db.label());
        // A new run of the period corrects the result standing; only one of the two
        // corrections can then be published.
        let other = s
            .create_assessment("ass", q1, None, &stamp("office", "2020-04-19"))
            .await
            .unwrap();
        assert_eq!(other.supersedes, Some(a.id));
        let fix = corrections[0].id;
        for r in [fix, other.id] {
            s.act_on_assessment(r, RunAction::Lock, None, &stamp("office", "2020-04-19"))
                .await
                .unwrap();
        }
        s.act_on_assessment(
            fix,
            RunAction::Publish,
            None,
            &stamp("office", "2020-04-19"),
        )
        .await
        .unwrap();
        let e = s
            .act_on_assessment(
                other.id,
                RunAction::Publish,
                None,
                &stamp("office", "2020-04-19"),
            )
            .await;
        assert!(matches!(e, Err(StoreError::Conflict(_))), "{e:?}");
        assert_eq!(
            s.latest_published("ass").await.unwrap().map(|r| r.id),
            Some(fix)
        );
    }
}
