//! The execution engine on both backends: the report workflow with every refused transition,
//! incremental rollups that always equal a full recompute (random operations, and many clients
//! accepting reports on sibling leaves at once), supersession and as-of progress.

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_core::event::Entity;
use tuijin_core::report::{Period, ReportContent, ReportState};
use tuijin_core::{Percent, PlanDocument};
use tuijin_export::read_plan;
use tuijin_store::testing::TestDb;
use tuijin_store::{
    DirectoryStore, NewReport, PlanStore, ProgressStore, ReportEdit, ReportFilter, ReportStore,
    Stamp, StoreError, WarningFilter, WarningStore,
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
        content: ReportContent {
            percent: percent.map(|p| Percent::new(p).unwrap()),
            narrative: "完成了本月计划".into(),
            ..Default::default()
        },
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
            (r.percent.map(|p| p.value()), r.problems.as_str()),
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
        let accept = |percent: f64, why: &'static str| async move {
            let mut n = new("demo-small", "E1.1", "2018-06", "JTW", Some(percent));
            n.content.problems = why.into();
            let r = s.create_report(n, st).await.unwrap();
            let r = s.submit_report(r.id, r.version, st).await.unwrap();
            s.accept_report(r.id, r.version, "", st).await.unwrap().0
        };
        let first = accept(40.0, "").await;
        // A correction downwards says why.
        let second = accept(35.0, "上月数字有误，已更正").await;
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
        let old = accept(20.0, "补报六月：较七月低，属正常").await;
        assert_eq!(old.period.to_string(), "2018-06");
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

/// A small deterministic generator, so a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn ops() -> usize {
    std::env::var("TUIJIN_TEST_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// Random operations on a generated plan — create, submit, accept, return, edit, correct — then
/// incremental rollups must equal a full recompute.
#[tokio::test]
async fn incremental_rollups_equal_full_recompute_after_random_operations() {
    let doc = tuijin_core::generate::generated_plan("rand", 400, 5, 12);
    let items: Vec<(String, String)> = doc
        .items
        .iter()
        .map(|i| (i.code.to_string(), i.lead.as_ref().unwrap().to_string()))
        .collect();
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&doc, &stamp("office", "2020-01-01"))
            .await
            .unwrap();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut open: Vec<(i64, i64)> = Vec::new();
        let st = stamp("fuzz", "2020-06-01");
        let mut done = 0;
        // A reader's copy kept current by deltas (`progress_since`) must equal a full read.
        let mut copy = s.plan_progress("rand", None).await.unwrap();
        let mut copy_version = s.versions("rand").await.unwrap().1;
        while done < ops() {
            done += 1;
            if done % 500 == 0 {
                let now = s.versions("rand").await.unwrap().1;
                copy.extend(s.progress_since("rand", copy_version).await.unwrap());
                copy_version = now;
                let full = s.plan_progress("rand", None).await.unwrap();
                assert_eq!(
                    copy,
                    full,
                    "{}: delta copy after {done} operations",
                    db.label()
                );
            }
            let choice = rng.below(10);
            if open.is_empty() || choice < 4 {
                let (code, unit) = &items[rng.below(items.len())];
                let period = format!("2020-{:02}", 1 + rng.below(6));
                let percent = (rng.below(1001) as f64) / 10.0;
                let kind_ok = !code.is_empty();
                let percent =
                    if doc.items.iter().any(|i| {
                        i.code.as_str() == code && i.kind == tuijin_core::ItemKind::Milestone
                    }) {
                        if rng.below(2) == 0 { 0.0 } else { 100.0 }
                    } else {
                        percent
                    };
                // A parent's figure is its children's: its reports carry words only.
                let parent = doc
                    .items
                    .iter()
                    .any(|i| i.parent.as_ref().is_some_and(|p| p.as_str() == code));
                let mut n = new("rand", code, &period, unit, (!parent).then_some(percent));
                // Random figures fall as often as they rise: each report says why.
                n.content.problems = "随机操作".into();
                match s.create_report(n, &st).await {
                    Ok(r) => open.push((r.id, r.version)),
                    Err(StoreError::Conflict(_)) if kind_ok => {}
                    Err(e) => panic!("{e:?}"),
                }
                continue;
            }
            let k = rng.below(open.len());
            let (id, version) = open[k];
            let r = s.get_report(id).await.unwrap();
            assert_eq!(r.version, version);
            let result = match (r.state, choice) {
                (ReportState::Draft | ReportState::Returned, 4..=5) => {
                    let edit = ReportEdit {
                        percent: Some(r.percent),
                        ..Default::default()
                    };
                    s.edit_report(id, version, edit, &st).await.map(Some)
                }
                (ReportState::Draft | ReportState::Returned, _) => {
                    s.submit_report(id, version, &st).await.map(Some)
                }
                (ReportState::Submitted, 4) => s
                    .return_report(id, version, "补充材料", &st)
                    .await
                    .map(Some),
                (ReportState::Submitted, _) => {
                    s.accept_report(id, version, "", &st).await.map(|_| None)
                }
                _ => unreachable!("closed reports leave the open list"),
            };
            match result.unwrap() {
                Some(r) => open[k] = (r.id, r.version),
                None => {
                    open.swap_remove(k);
                }
            }
            if done % 2500 == 0 {
                assert!(
                    s.check_rollups("rand").await.unwrap().is_empty(),
                    "{} after {done} operations",
                    db.label()
                );
            }
        }
        let mismatches = s.check_rollups("rand").await.unwrap();
        assert!(mismatches.is_empty(), "{}: {mismatches:?}", db.label());
        let accepted = s
            .list_reports(
                &ReportFilter {
                    state: Some(ReportState::Accepted),
                    ..Default::default()
                },
                1000,
            )
            .await
            .unwrap();
        assert!(
            accepted.len() > 100,
            "the run accepted reports: {}",
            accepted.len()
        );
    }
}

/// Many clients accepting reports on sibling leaves at the same moment: each parent must end
/// with the value its children give, never a stale one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_acceptances_on_siblings_keep_parents_right() {
    let doc = tuijin_core::generate::generated_plan("conc", 200, 3, 4);
    for db in TestDb::all().await {
        let s = db.store.clone();
        s.import_plan(&doc, &stamp("office", "2020-01-01"))
            .await
            .unwrap();
        // Siblings: the children of the first few items of the second level.
        let leaves: Vec<(String, String)> = doc
            .items
            .iter()
            .filter(|i| i.kind == tuijin_core::ItemKind::Task)
            .take(48)
            .map(|i| (i.code.to_string(), i.lead.as_ref().unwrap().to_string()))
            .collect();
        let mut submitted = Vec::new();
        for (n, (code, unit)) in leaves.iter().enumerate() {
            let st = stamp("unit", "2020-03-05");
            let r = s
                .create_report(
                    new("conc", code, "2020-02", unit, Some((n * 2) as f64)),
                    &st,
                )
                .await
                .unwrap();
            submitted.push(s.submit_report(r.id, r.version, &st).await.unwrap());
        }
        let mut tasks = Vec::new();
        for r in submitted {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let st = stamp("office", "2020-03-06");
                loop {
                    match s.accept_report(r.id, r.version, "", &st).await {
                        Ok(_) => break,
                        // Writers wait for each other; busy only after a long wait: retry.
                        Err(StoreError::Unavailable(tuijin_store::Unavailable::Busy)) => {
                            tokio::time::sleep(std::time::Duration::from_millis(5)).await
                        }
                        Err(e) => panic!("{e:?}"),
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let mismatches = s.check_rollups("conc").await.unwrap();
        assert!(mismatches.is_empty(), "{}: {mismatches:?}", db.label());
    }
}

#[tokio::test]
async fn warnings_appear_stay_single_and_clear_themselves() {
    use tuijin_core::warning::{Severity, WarningKind};
    use tuijin_store::{WarningFilter, WarningStore};
    for db in setup().await {
        let s = &db.store;
        let open = |plan: &str| WarningFilter {
            plan: Some(plan.into()),
            ..Default::default()
        };
        // 2018-01-20: the milestone E1.2 (due 2017-12-31) is overdue; the December reports of
        // E1.1 and E1.2 are missing (due 4 and 3 January plus 5 days' grace).
        let st = stamp("job", "2018-01-20");
        // (The import already judged the plan on its own day; what holds on this day is open.)
        let r = s.refresh_warnings("demo-small", &st).await.unwrap();
        assert!(r.open >= 3, "{r:?}");
        let list = s.list_warnings(&open("demo-small"), 100).await.unwrap();
        let has =
            |item: &str, kind: WarningKind| list.iter().any(|w| w.item == item && w.kind == kind);
        assert!(has("E1.2", WarningKind::Overdue), "{list:?}");
        assert!(has("E1.1", WarningKind::ReportMissing), "{list:?}");
        assert_eq!(list[0].severity, Severity::High, "highest severity first");
        // Idempotent: the same condition never gives a second open warning.
        let again = s.refresh_warnings("demo-small", &st).await.unwrap();
        assert_eq!((again.raised, again.cleared), (0, 0), "{}", db.label());
        assert_eq!(
            s.list_warnings(&open("demo-small"), 100)
                .await
                .unwrap()
                .len(),
            list.len()
        );

        // The milestone is reported reached and E1.1's December report comes in: those
        // warnings clear, and stay in the history as cleared.
        let st = stamp("jtw", "2018-01-22");
        for (item, p) in [("E1.2", 100.0), ("E1.1", 10.0)] {
            let r = s
                .create_report(new("demo-small", item, "2017-12", "JTW", Some(p)), &st)
                .await
                .unwrap();
            let r = s.submit_report(r.id, r.version, &st).await.unwrap();
            s.accept_report(r.id, r.version, "", &st).await.unwrap();
        }
        let now = s.list_warnings(&open("demo-small"), 100).await.unwrap();
        assert!(
            !now.iter()
                .any(|w| w.item == "E1.2" && w.kind == WarningKind::Overdue),
            "cleared on accept: {now:?}"
        );
        s.refresh_warnings("demo-small", &st).await.unwrap();
        let now = s.list_warnings(&open("demo-small"), 100).await.unwrap();
        assert!(
            !now.iter()
                .any(|w| w.item == "E1.1" && w.kind == WarningKind::ReportMissing),
            "{now:?}"
        );
        let all = s
            .list_warnings(
                &WarningFilter {
                    include_cleared: true,
                    ..open("demo-small")
                },
                100,
            )
            .await
            .unwrap();
        let cleared = all.iter().filter(|w| w.cleared_on.is_some()).count();
        assert!(cleared >= 2, "{all:?}");
        // Filters.
        let by_unit = s
            .list_warnings(
                &WarningFilter {
                    unit: Some("JTW".into()),
                    ..open("demo-small")
                },
                100,
            )
            .await
            .unwrap();
        assert!(by_unit.iter().all(|w| w.lead.as_deref() == Some("JTW")));
        let branch = s
            .list_warnings(
                &WarningFilter {
                    branch: Some("E1".into()),
                    include_cleared: true,
                    ..open("demo-small")
                },
                100,
            )
            .await
            .unwrap();
        assert!(branch.iter().all(|w| w.item.starts_with("E1")));
        let events = tuijin_store::EventStore::events_for(s, Entity::Item, "E1.2", 20)
            .await
            .unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert!(
            kinds.contains(&"warning.raised") && kinds.contains(&"warning.cleared"),
            "{kinds:?}"
        );
    }
}

#[tokio::test]
async fn a_batch_of_reports_is_submitted_whole_or_not_at_all() {
    use tuijin_core::sample::HistoricReport;
    for db in setup().await {
        let s = &db.store;
        let st = stamp("excel", "2018-07-03");
        let report = |item: &str, unit: &str| HistoricReport {
            item: tuijin_core::Code::parse(item).unwrap(),
            unit: tuijin_core::Code::parse(unit).unwrap(),
            period: Period::parse("2018-06").unwrap(),
            percent: Some(30.0),
            narrative: "批量导入".into(),
            problems: String::new(),
            next_steps: String::new(),
            submitted_on: NaiveDate::from_ymd_opt(2018, 7, 3).unwrap(),
            accepted_on: NaiveDate::from_ymd_opt(2018, 7, 3).unwrap(),
            figures: Vec::new(),
        };
        let err = s
            .submit_batch(
                "demo-small",
                &[report("E1.1", "JTW"), report("E1.1", "ZDQ")],
                &st,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Forbidden(_)), "{err:?}");
        assert!(
            s.list_reports(&ReportFilter::default(), 10)
                .await
                .unwrap()
                .is_empty(),
            "nothing written"
        );
        // The rules of a report typed into the form: a parent's figure is its children's, a
        // milestone is 0 or 100, one report per item, unit and period.
        let err = s
            .submit_batch(
                "demo-small",
                &[
                    report("E1", "FGW"),
                    report("E1.2", "JTW"),
                    report("E1.1", "JTW"),
                    report("E1.1", "JTW"),
                ],
                &st,
            )
            .await
            .unwrap_err();
        let StoreError::Invalid(problems) = &err else {
            panic!("{err:?}")
        };
        let found: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.rule.code()))
            .collect();
        assert_eq!(
            found,
            [
                ("reports[3].period", "report_twice"),
                ("reports[0].percent", "percent_rolled_up"),
                ("reports[1].percent", "milestone_binary"),
            ]
        );
        let ids = s
            .submit_batch(
                "demo-small",
                &[
                    report("E1.1", "JTW"),
                    HistoricReport {
                        percent: Some(100.0),
                        ..report("E1.2", "JTW")
                    },
                ],
                &st,
            )
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        let first = s.get_report(ids[0]).await.unwrap();
        assert_eq!(
            (first.item.as_str(), first.state),
            ("E1.1", ReportState::Submitted)
        );
        let (r, _) = s
            .accept_report(first.id, first.version, "", &st)
            .await
            .unwrap();
        assert_eq!(r.state, ReportState::Accepted);
        assert!(
            s.check_rollups("demo-small").await.unwrap().is_empty(),
            "{}",
            db.label()
        );
    }
}

#[tokio::test]
async fn a_batch_of_acceptances_commits_once_and_refuses_each_on_its_own() {
    use tuijin_store::Acceptance;
    for db in setup().await {
        let s = &db.store;
        let st = stamp("clerk", "2018-07-03");
        let a = s
            .create_report(new("demo-small", "E1.1", "2018-06", "JTW", Some(20.0)), &st)
            .await
            .unwrap();
        let a = s.submit_report(a.id, a.version, &st).await.unwrap();
        let b = s
            .create_report(
                new("demo-small", "E1.2", "2018-06", "JTW", Some(100.0)),
                &st,
            )
            .await
            .unwrap();
        let b = s.submit_report(b.id, b.version, &st).await.unwrap();
        let draft = s
            .create_report(new("demo-small", "E1", "2018-06", "FGW", None), &st)
            .await
            .unwrap();
        let acc = |id: i64, version: i64| Acceptance {
            id,
            version,
            comment: String::new(),
            stamp: stamp("office", "2018-07-04"),
        };
        let out = s
            .accept_batch(&[
                acc(a.id, a.version),
                acc(b.id, b.version + 3),
                acc(draft.id, draft.version),
            ])
            .await
            .unwrap();
        assert!(out[0].is_ok());
        assert!(
            matches!(out[1], Err(StoreError::Stale { .. })),
            "{:?}",
            out[1]
        );
        assert!(
            matches!(out[2], Err(StoreError::Conflict(_))),
            "{:?}",
            out[2]
        );
        assert_eq!(
            s.get_report(a.id).await.unwrap().state,
            ReportState::Accepted
        );
        assert_eq!(
            s.get_report(b.id).await.unwrap().state,
            ReportState::Submitted,
            "the refused one is untouched"
        );
        let out = s.accept_batch(&[acc(b.id, b.version)]).await.unwrap();
        assert!(out[0].is_ok());
        let p = s.plan_progress("demo-small", None).await.unwrap();
        assert!(
            (p["E1"].percent.unwrap() - 140.0 / 3.0).abs() < 1e-9,
            "{:?}",
            p["E1"]
        );
        assert!(
            s.check_rollups("demo-small").await.unwrap().is_empty(),
            "{}",
            db.label()
        );
    }
}

#[tokio::test]
async fn indicator_figures_come_from_the_owning_unit_and_travel_with_the_report() {
    use tuijin_core::report::Figure;
    let fig = |code: &str, value: f64| Figure {
        indicator: tuijin_core::Code::parse(code).unwrap(),
        value: tuijin_core::report::FigureValue::new(value).unwrap(),
    };
    for db in setup().await {
        let s = &db.store;
        let st = stamp("jtw-clerk", "2020-07-03");
        // JTW owns metro_km: its figure is kept with the report, through review.
        let mut n = new("demo-small", "E1.1", "2020-06", "JTW", Some(70.0));
        n.content.figures = vec![fig("metro_km", 219.5)];
        let r = s.create_report(n, &st).await.unwrap();
        assert_eq!(r.figures, vec![fig("metro_km", 219.5)]);
        let r = s
            .edit_report(
                r.id,
                r.version,
                ReportEdit {
                    figures: Some(vec![fig("metro_km", 220.0)]),
                    ..Default::default()
                },
                &st,
            )
            .await
            .unwrap();
        let r = s.submit_report(r.id, r.version, &st).await.unwrap();
        let (r, _) = s.accept_report(r.id, r.version, "", &st).await.unwrap();
        assert_eq!(
            s.get_report(r.id).await.unwrap().figures,
            vec![fig("metro_km", 220.0)]
        );
        // 220 km at the end of June 2020, when the path from 93.7 (2017) to 300 (2020) stood
        // near 265: over 20 % of the way behind, so E1.1 (whose target is metro_km) is warned.
        let off = || async {
            s.list_warnings(
                &WarningFilter {
                    plan: Some("demo-small".into()),
                    kind: Some(tuijin_core::warning::WarningKind::IndicatorOffPath),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap()
        };
        let w = off().await;
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].item, "E1.1");
        assert_eq!(w[0].severity, tuijin_core::warning::Severity::High);
        // A correction on the path clears it.
        let mut fix = new("demo-small", "E1.1", "2020-06", "JTW", Some(70.0));
        fix.content.figures = vec![fig("metro_km", 264.0)];
        let c2 = s.create_report(fix, &st).await.unwrap();
        let c2 = s.submit_report(c2.id, c2.version, &st).await.unwrap();
        s.accept_report(c2.id, c2.version, "", &st).await.unwrap();
        assert!(off().await.is_empty(), "the warning cleared itself");
        // Both accepted figures are actuals, each naming the report it came from.
        let actuals = s.indicator_actuals("demo-small", "metro_km").await.unwrap();
        assert_eq!(actuals.len(), 2);
        assert!(actuals.iter().all(|a| a.report.is_some()
            && a.source == format!("report #{}", a.report.unwrap())), "{actuals:?}");
        // Refused, and nothing written: an unknown indicator, a figure twice, another unit's.
        let before = s
            .list_reports(&ReportFilter::default(), 100)
            .await
            .unwrap()
            .len();
        let mut bad = new("demo-small", "E1.1", "2020-05", "JTW", Some(60.0));
        bad.content.figures = vec![fig("nope", 1.0)];
        let e = s.create_report(bad, &st).await.unwrap_err();
        assert!(e.to_string().contains("figures[0].indicator"), "{e}");
        let mut twice = new("demo-small", "E1.1", "2020-05", "JTW", Some(60.0));
        twice.content.figures = vec![fig("metro_km", 1.0), fig("metro_km", 2.0)];
        assert!(matches!(
            s.create_report(twice, &st).await,
            Err(StoreError::Invalid(_))
        ));
        let mut theirs = new("demo-small", "E1", "2020-05", "FGW", Some(60.0));
        theirs.content.figures = vec![fig("metro_km", 1.0)];
        assert!(matches!(
            s.create_report(theirs, &st).await,
            Err(StoreError::Forbidden(_))
        ));
        assert_eq!(
            s.list_reports(&ReportFilter::default(), 100)
                .await
                .unwrap()
                .len(),
            before
        );
    }
}

#[tokio::test]
async fn published_outcomes_load_whole_or_not_at_all() {
    use tuijin_store::{Actual, DirectoryStore};
    let a = |code: &str, period: &str, end: &str, value: f64| Actual {
        indicator: tuijin_core::Code::parse(code).unwrap(),
        period: period.into(),
        period_end: NaiveDate::parse_from_str(end, "%Y-%m-%d").unwrap(),
        value: tuijin_core::report::FigureValue::new(value).unwrap(),
        source: "a published bulletin".into(),
        report: None,
        entry: Default::default(),
    };
    for db in setup().await {
        let s = &db.store;
        let bad = [
            a("metro_km", "2019-09", "2019-09-30", 151.8),
            a("nope", "2019", "2019-12-31", 1.0),
        ];
        let e = s
            .record_actuals("demo-small", &bad, &stamp("test", "2020-06-30"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("actuals[1].indicator"), "{e}");
        assert!(
            s.indicator_actuals("demo-small", "metro_km")
                .await
                .unwrap()
                .is_empty()
        );
        let good = [
            a("metro_km", "2019-09", "2019-09-30", 151.8),
            a("metro_km", "2017-01", "2017-01-31", 93.7),
        ];
        assert_eq!(
            s.record_actuals("demo-small", &good, &stamp("test", "2020-06-30"))
                .await
                .unwrap(),
            2
        );
        let got: Vec<f64> = s
            .indicator_actuals("demo-small", "metro_km")
            .await
            .unwrap()
            .iter()
            .map(|x| x.value.value())
            .collect();
        assert_eq!(got, [93.7, 151.8], "oldest first");
    }
}

#[tokio::test]
async fn a_closed_period_is_locked() {
    for db in setup().await {
        let s = &db.store;
        let st = stamp("office", "2020-07-10");
        let may = Period::parse("2020-05").unwrap();
        // A submitted report awaits review: the period cannot close yet.
        let r = s
            .create_report(new("demo-small", "E1.1", "2020-05", "JTW", Some(40.0)), &st)
            .await
            .unwrap();
        let r = s.submit_report(r.id, r.version, &st).await.unwrap();
        let draft = s
            .create_report(new("demo-small", "E1.2", "2020-05", "JTW", Some(0.0)), &st)
            .await
            .unwrap();
        let e = s.close_period("demo-small", may, &st).await.unwrap_err();
        assert!(e.to_string().contains("await review"), "{e}");
        s.accept_report(r.id, r.version, "", &st).await.unwrap();
        s.close_period("demo-small", may, &st).await.unwrap();
        let closed: Vec<String> = s
            .closed_periods("demo-small")
            .await
            .unwrap()
            .iter()
            .map(|c| c.period.to_string())
            .collect();
        assert_eq!(closed, ["2020-05"]);
        assert!(matches!(
            s.close_period("demo-small", may, &st).await,
            Err(StoreError::Conflict(_))
        ));
        // Nothing of May can change now: no new report, no correction, no edit, no submission.
        for (item, unit) in [("E1.1", "JTW"), ("E1", "FGW")] {
            let e = s
                .create_report(new("demo-small", item, "2020-05", unit, Some(50.0)), &st)
                .await
                .unwrap_err();
            assert!(e.to_string().contains("closed"), "{e}");
        }
        let e = s
            .edit_report(draft.id, draft.version, ReportEdit::default(), &st)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("closed"), "{e}");
        assert!(matches!(
            s.submit_report(draft.id, draft.version, &st).await,
            Err(StoreError::Conflict(_))
        ));
        // June is still open.
        s.create_report(new("demo-small", "E1.1", "2020-06", "JTW", Some(50.0)), &st)
            .await
            .unwrap();
    }
}

/// The deepest tree the validator allows: a report on its deepest item is accepted and moves
/// every level, on both backends.
#[tokio::test]
async fn the_deepest_allowed_tree_takes_reports_at_its_bottom() {
    use tuijin_core::{Code, Item, ItemKind};
    let max = tuijin_core::validate::MAX_DEPTH;
    let mut doc = small();
    doc.items.clear();
    for n in 0..max {
        let mut it = Item::new(Code::parse(&format!("D{n}")).unwrap(), ItemKind::Task, "层");
        it.parent = (n > 0).then(|| Code::parse(&format!("D{}", n - 1)).unwrap());
        it.lead = Some(Code::parse("JTW").unwrap());
        doc.items.push(it);
    }
    assert!(tuijin_core::validate(&doc).is_empty());
    for db in TestDb::all().await {
        let s = &db.store;
        let st = stamp("office", "2020-07-03");
        s.import_plan(&doc, &st).await.unwrap();
        let bottom = format!("D{}", max - 1);
        let r = s
            .create_report(
                new("demo-small", &bottom, "2020-06", "JTW", Some(30.0)),
                &st,
            )
            .await
            .unwrap();
        let r = s.submit_report(r.id, r.version, &st).await.unwrap();
        let (_, moved) = s.accept_report(r.id, r.version, "", &st).await.unwrap();
        assert_eq!(moved.len(), max, "{}", db.label());
        assert_eq!(
            s.plan_progress("demo-small", None).await.unwrap()["D0"].percent,
            Some(30.0)
        );
        assert!(s.check_rollups("demo-small").await.unwrap().is_empty());
    }
}

/// A re-import that only puts the items in another order is a change of the plan: it is
/// recorded with the order before (what a document of an earlier day lists them in), the plan's
/// version moves so every server reloads, and the same order again changes nothing.
#[tokio::test]
async fn a_reordering_is_recorded_with_the_order_before() {
    use tuijin_store::EventStore;
    for db in setup().await {
        let s = &db.store;
        let before: Vec<String> = small().items.iter().map(|i| i.code.to_string()).collect();
        let mut doc = small();
        let first = doc.items.remove(0);
        doc.items.push(first);
        let version = s.get_plan("demo-small").await.unwrap().version;
        let summary = s
            .import_plan(&doc, &stamp("office", "2019-03-01"))
            .await
            .unwrap();
        assert!(summary.items_reordered, "{}", db.label());
        assert_eq!(summary.items.updated, 0);
        assert!(s.get_plan("demo-small").await.unwrap().version > version);
        let day = Utc.from_utc_datetime(
            &NaiveDate::from_ymd_opt(2019, 2, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        );
        assert_eq!(
            s.order_after("demo-small", day).await.unwrap(),
            Some(before.clone()),
            "{}",
            db.label()
        );
        let later = Utc.from_utc_datetime(
            &NaiveDate::from_ymd_opt(2019, 3, 2)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        );
        assert_eq!(s.order_after("demo-small", later).await.unwrap(), None);
        let again = s
            .import_plan(&doc, &stamp("office", "2019-04-01"))
            .await
            .unwrap();
        assert!(!again.items_reordered, "{}", db.label());
    }
}
