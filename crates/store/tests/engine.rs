//! The execution engine on both backends: the report workflow with every refused transition,
//! incremental rollups that always equal a full recompute (random operations, and many clients
//! accepting reports on sibling leaves at once), supersession and as-of progress.

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_core::report::{Period, ReportState};
use tuijin_core::{Percent, PlanDocument};
use tuijin_export::read_plan;
use tuijin_store::testing::TestDb;
use tuijin_store::{
    NewReport, PlanStore, ProgressStore, ReportEdit, ReportFilter, ReportStore, Stamp, StoreError,
};

fn small() -> PlanDocument {
    let path = format!(
        "{}/../../tests/fixtures/small.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    read_plan("small.toml", &std::fs::read_to_string(path).unwrap()).unwrap()
}

fn stamp(actor: &str, today: &str) -> Stamp {
    let today = NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap();
    Stamp {
        at: Utc.from_utc_datetime(&today.and_hms_opt(2, 0, 0).unwrap()),
        today,
        actor: actor.into(),
    }
}

fn new(plan: &str, item: &str, period: &str, unit: &str, percent: Option<f64>) -> NewReport {
    NewReport {
        plan: plan.into(),
        item: item.into(),
        period: Period::parse(period).unwrap(),
        unit: unit.into(),
        percent: percent.map(|p| Percent::new(p).unwrap()),
        narrative: "完成了本月计划".into(),
        problems: String::new(),
        next_steps: String::new(),
    }
}

async fn setup() -> Vec<TestDb> {
    let dbs = TestDb::all().await;
    for db in &dbs {
        db.store
            .import_plan(&small(), &stamp("office", "2018-01-01"))
            .await
            .unwrap();
    }
    dbs
}

#[tokio::test]
async fn a_report_goes_through_review_and_moves_the_tree() {
    for db in setup().await {
        let s = &db.store;
        let st = stamp("jtw-clerk", "2018-07-03");
        let r = s
            .create_report(new("demo-small", "E1.1", "2018-06", "JTW", Some(40.0)), &st)
            .await
            .unwrap();
        assert_eq!((r.state, r.version), (ReportState::Draft, 1));
        let r = s.submit_report(r.id, r.version, &st).await.unwrap();
        assert_eq!(r.state, ReportState::Submitted);
        // Nothing moves before acceptance: no report yet is unknown, not 0 %.
        let before = s.plan_progress("demo-small", None).await.unwrap();
        assert_eq!(before["E1"].percent, None, "{}", db.label());
        let (r, changes) = s
            .accept_report(r.id, r.version, "同意", &stamp("office", "2018-07-04"))
            .await
            .unwrap();
        assert_eq!(r.state, ReportState::Accepted);
        assert_eq!(r.reviewer, "office");
        assert!(!changes.is_empty());
        let now = s.plan_progress("demo-small", None).await.unwrap();
        assert_eq!(now["E1.1"].percent, Some(40.0));
        // E1 = E1.1 (weight 2, 40 %) and E1.2 (weight 1, unreported): 40 % over 2/3 known.
        assert_eq!(now["E1"].percent, Some(40.0));
        assert!(
            (now["E1"].unknown_share - 1.0 / 3.0).abs() < 1e-9,
            "{:?}",
            now["E1"]
        );
        // The milestone reached: E1 = (2×40 + 1×100) / 3 = 60 %, fully known.
        let m = s
            .create_report(
                new("demo-small", "E1.2", "2018-06", "JTW", Some(100.0)),
                &st,
            )
            .await
            .unwrap();
        let m = s.submit_report(m.id, m.version, &st).await.unwrap();
        s.accept_report(m.id, m.version, "", &st).await.unwrap();
        let now = s.plan_progress("demo-small", None).await.unwrap();
        assert!((now["E1"].percent.unwrap() - 60.0).abs() < 1e-9);
        assert_eq!(now["E1"].unknown_share, 0.0);
        assert!(s.check_rollups("demo-small").await.unwrap().is_empty());
        // As of a day before the acceptance, nothing was known.
        let past = s
            .plan_progress("demo-small", NaiveDate::from_ymd_opt(2018, 7, 2))
            .await
            .unwrap();
        assert!(past.get("E1.1").is_none_or(|p| p.percent.is_none()));
        let then = s
            .plan_progress("demo-small", NaiveDate::from_ymd_opt(2018, 7, 4))
            .await
            .unwrap();
        assert_eq!(then["E1.1"].percent, Some(40.0));
    }
}

#[tokio::test]
async fn refused_transitions_and_writes_change_nothing() {
    for db in setup().await {
        let s = &db.store;
        let st = stamp("clerk", "2018-07-03");
        // Only the lead or a co-operating unit may report.
        let err = s
            .create_report(new("demo-small", "E1.1", "2018-06", "FGW", Some(10.0)), &st)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Forbidden(_)), "{err:?}");
        assert!(
            s.list_reports(&ReportFilter::default(), 100)
                .await
                .unwrap()
                .is_empty()
        );
        // A co-operating unit may (FGW co-operates on E1).
        s.create_report(new("demo-small", "E1", "2018-06", "FGW", None), &st)
            .await
            .unwrap();
        // A milestone is 0 or 100.
        let err = s
            .create_report(new("demo-small", "E1.2", "2018-06", "JTW", Some(50.0)), &st)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");

        let r = s
            .create_report(new("demo-small", "E1.1", "2018-06", "JTW", Some(10.0)), &st)
            .await
            .unwrap();
        // One open report per item, period and unit.
        let err = s
            .create_report(new("demo-small", "E1.1", "2018-06", "JTW", Some(10.0)), &st)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        // Accepting or returning a draft is refused.
        assert!(matches!(
            s.accept_report(r.id, r.version, "", &st).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.return_report(r.id, r.version, "no", &st).await,
            Err(StoreError::Conflict(_))
        ));
        // A stale version is refused before anything else.
        let err = s.submit_report(r.id, r.version + 5, &st).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Stale { current: 1, .. }),
            "{err:?}"
        );
        let r = s.submit_report(r.id, r.version, &st).await.unwrap();
        assert!(matches!(
            s.edit_report(r.id, r.version, ReportEdit::default(), &st)
                .await,
            Err(StoreError::Conflict(_))
        ));
        // Returning needs a reason; a returned report is edited and submitted again.
        assert!(matches!(
            s.return_report(r.id, r.version, "  ", &st).await,
            Err(StoreError::Invalid(_))
        ));
        let r = s
            .return_report(r.id, r.version, "请补充问题说明", &st)
            .await
            .unwrap();
        assert_eq!(
            (r.state, r.review_comment.as_str()),
            (ReportState::Returned, "请补充问题说明")
        );
        let edit = ReportEdit {
            problems: Some("拆迁进度滞后".into()),
            percent: Some(Some(Percent::new(12.0).unwrap())),
            ..Default::default()
        };
        let r = s.edit_report(r.id, r.version, edit, &st).await.unwrap();
        assert_eq!(
            (r.percent, r.problems.as_str()),
            (Some(12.0), "拆迁进度滞后")
        );
        let r = s.submit_report(r.id, r.version, &st).await.unwrap();
        let (r, _) = s.accept_report(r.id, r.version, "", &st).await.unwrap();
        // Accepted is final.
        for res in [
            s.submit_report(r.id, r.version, &st).await.err(),
            s.accept_report(r.id, r.version, "", &st).await.err(),
            s.edit_report(r.id, r.version, ReportEdit::default(), &st)
                .await
                .err(),
        ] {
            assert!(matches!(res, Some(StoreError::Conflict(_))), "{res:?}");
        }
        assert!(
            s.check_rollups("demo-small").await.unwrap().is_empty(),
            "{}",
            db.label()
        );
    }
}

#[tokio::test]
async fn a_correction_supersedes_and_both_stay() {
    for db in setup().await {
        let s = &db.store;
        let st = &stamp("clerk", "2018-07-03");
        let accept = |percent: f64| async move {
            let r = s
                .create_report(
                    new("demo-small", "E1.1", "2018-06", "JTW", Some(percent)),
                    st,
                )
                .await
                .unwrap();
            let r = s.submit_report(r.id, r.version, st).await.unwrap();
            s.accept_report(r.id, r.version, "", st).await.unwrap().0
        };
        let first = accept(40.0).await;
        let second = accept(35.0).await;
        assert_eq!(second.supersedes, Some(first.id));
        assert_eq!(
            s.get_report(first.id).await.unwrap().state,
            ReportState::Superseded
        );
        assert_eq!(
            s.plan_progress("demo-small", None).await.unwrap()["E1.1"].percent,
            Some(35.0)
        );
        // A correction of an older period does not override a newer period's figure.
        let r = s
            .create_report(new("demo-small", "E1.1", "2018-07", "JTW", Some(50.0)), st)
            .await
            .unwrap();
        let r = s.submit_report(r.id, r.version, st).await.unwrap();
        s.accept_report(r.id, r.version, "", st).await.unwrap();
        let old = accept(20.0).await;
        assert_eq!(old.period, "2018-06");
        assert_eq!(
            s.plan_progress("demo-small", None).await.unwrap()["E1.1"].percent,
            Some(50.0),
            "{}",
            db.label()
        );
        let all = s
            .list_reports(
                &ReportFilter {
                    item: Some("E1.1".into()),
                    ..Default::default()
                },
                100,
            )
            .await
            .unwrap();
        assert_eq!(all.len(), 4);
        assert!(s.check_rollups("demo-small").await.unwrap().is_empty());
    }
}
