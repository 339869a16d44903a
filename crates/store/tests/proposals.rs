//! Proposed notices on both backends: the warning → proposal → notice path, dismissal with a
//! reason (and a new warning bringing the proposal back), a bulk issue that is all or nothing,
//! and the level one above a closed notice's.

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_core::Cadence;
use tuijin_core::event::{Entity, EventKind};
use tuijin_core::notice::{NoticeAction, NoticeSettings};
use tuijin_core::problem::Rule;
use tuijin_core::warning::{Severity, WarningKind};
use tuijin_export::read_plan;
use tuijin_store::testing::TestDb;
use tuijin_store::{
    EventStore, NewNotice, NoticeFilter, NoticeStore, PlanStore, ProposalStore, Stamp, StoreError,
    WarningStore,
};

const PLAN: &str = r#"
[plan]
code = "pro"
title = "督办建议测试"
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

[[unit]]
code = "ZDQ"
name = "郑东新区"

[[item]]
code = "E1"
kind = "project"
title = "地铁工程"
lead = "JTW"
start = 2020-01-01
due = 2020-12-31

[[item]]
code = "E2"
kind = "project"
title = "环城道路"
lead = "ZDQ"
start = 2020-01-01
due = 2020-12-31
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

fn notice(item: &str, unit: &str, prompted_by: Vec<i64>) -> NewNotice {
    NewNotice {
        plan: "pro".into(),
        items: vec![item.into()],
        units: vec![unit.into()],
        level: 0,
        title: format!("关于{item}的督办"),
        actions: "报送赶工方案".into(),
        reply_by: d("2020-07-15"),
        facts: vec![],
        prompted_by,
    }
}

#[tokio::test]
async fn a_lagging_item_is_proposed_dismissed_with_a_reason_and_issued_from_the_queue() {
    let settings = NoticeSettings::default();
    let today = d("2020-06-30");
    for db in TestDb::all().await {
        let s = &db.store;
        let on = |day: &str| stamp("office", day);
        s.import_plan(&read_plan("pro.toml", PLAN).unwrap(), &on("2020-01-01"))
            .await
            .unwrap();
        s.refresh_warnings("pro", &on("2020-06-30")).await.unwrap();
        let queue = s
            .notice_proposals("pro", today, Cadence::Monthly, &settings)
            .await
            .unwrap()
            .proposals;
        let items: Vec<&str> = queue.iter().map(|p| p.proposal.item.as_str()).collect();
        assert_eq!(items, ["E1", "E2"], "{}", db.label());
        let e1 = &queue[0];
        // No report in half a year: a yellow light for far longer than a period, a report
        // missing many times over.
        assert_eq!(e1.proposal.severity, Severity::Medium);
        assert_eq!(e1.warnings[0].kind, WarningKind::ReportMissing);
        assert!(
            e1.proposal.since <= d("2020-05-30"),
            "{:?}",
            e1.proposal.since
        );
        assert_eq!(e1.proposal.level, 0);
        assert_eq!(e1.proposal.reply_by, d("2020-07-15"));
        assert!(!e1.proposal.dismissed);

        // Dismissing needs a reason and the item's own open warnings; a refusal keeps nothing.
        let ids = e1.proposal.warnings.clone();
        let e = s
            .dismiss_proposal("pro", "E1", &ids, "  ", &on("2020-06-30"))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(ref ps) if ps[0].rule == Rule::Required));
        let other = queue[1].proposal.warnings[0];
        let e = s
            .dismiss_proposal("pro", "E1", &[other], "另有安排", &on("2020-06-30"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid(ref ps) if ps[0].rule == Rule::UnknownWarning && ps[0].field == "warnings[0]"),
            "{e:?}"
        );
        s.dismiss_proposal("pro", "E1", &ids, "市领导已专题调度", &on("2020-06-30"))
            .await
            .unwrap();
        let queue = s
            .notice_proposals("pro", today, Cadence::Monthly, &settings)
            .await
            .unwrap()
            .proposals;
        assert!(queue[0].proposal.dismissed);
        assert_eq!(queue[0].dismissals[0].reason, "市领导已专题调度");
        assert_eq!(queue[0].dismissals.len(), ids.len());
        let (waiting, partial) = s
            .waiting_proposals("pro", today, Cadence::Monthly, &settings)
            .await
            .unwrap();
        assert_eq!(
            (waiting, partial),
            (
                queue.iter().filter(|p| !p.proposal.dismissed).count(),
                false
            ),
            "a dismissed proposal does not wait ({})",
            db.label()
        );
        assert_eq!(waiting, queue.len() - 1);
        let trail = s.events_for(Entity::Item, "E1", 100).await.unwrap();
        assert!(
            trail.iter().any(|e| e.kind == EventKind::ProposalDismissed),
            "the dismissal is in the item's history"
        );

        // A bulk issue with one bad notice issues none and spends no number.
        let e = s
            .issue_notices(
                vec![
                    notice("E2", "ZDQ", queue[1].proposal.warnings.clone()),
                    notice("E1", "NOBODY", vec![]),
                ],
                &settings,
                &on("2020-06-30"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid(ref ps) if ps[0].field == "notices[1].units[0]"),
            "{e:?}"
        );
        let none = s.list_notices(&NoticeFilter::default(), 10).await.unwrap();
        assert!(none.is_empty());

        // Issued from the queue, the notice names the warnings it answers, and the item leaves
        // the queue while the notice is open.
        let issued = s
            .issue_notices(
                vec![notice("E2", "ZDQ", queue[1].proposal.warnings.clone())],
                &settings,
                &on("2020-06-30"),
            )
            .await
            .unwrap();
        assert_eq!(issued[0].number, "督办〔2020〕1号");
        assert_eq!(issued[0].prompted_by, queue[1].proposal.warnings);
        let queue = s
            .notice_proposals("pro", today, Cadence::Monthly, &settings)
            .await
            .unwrap()
            .proposals;
        assert!(queue.iter().all(|p| p.proposal.item != "E2"));

        // Closed while the item still lags (the June report is missing too), it is proposed
        // again one level up.
        let n = &issued[0];
        s.act_on_notice(
            n.id,
            n.version,
            NoticeAction::Close,
            None,
            "合并到专项督查",
            None,
            &on("2020-07-20"),
        )
        .await
        .unwrap();
        let queue = s
            .notice_proposals("pro", d("2020-07-20"), Cadence::Monthly, &settings)
            .await
            .unwrap()
            .proposals;
        let e2 = queue.iter().find(|p| p.proposal.item == "E2").unwrap();
        assert_eq!(
            e2.proposal.level,
            2,
            "the notice had risen to yellow, unanswered past 15 July, before it was closed: red now ({})",
            db.label()
        );
    }
}

/// A plan with more open warnings than the queue reads gets the queue of its worst ones,
/// marked partial, so that a count built on it says "at least"; a small plan's is whole.
#[tokio::test]
async fn a_queue_from_only_the_worst_warnings_says_so() {
    let settings = NoticeSettings::default();
    let doc = tuijin_core::generate::generated_plan("big", 6_000, 3, 20);
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&doc, &stamp("office", "2026-11-28"))
            .await
            .unwrap();
        let open = s
            .list_warnings(
                &tuijin_store::WarningFilter {
                    plan: Some("big".into()),
                    ..Default::default()
                },
                tuijin_store::QUEUE_SCAN + 1,
            )
            .await
            .unwrap();
        assert!(
            open.len() as u64 > tuijin_store::QUEUE_SCAN,
            "{}: the generated plan is all late",
            db.label()
        );
        let q = s
            .notice_proposals("big", d("2026-11-28"), Cadence::Monthly, &settings)
            .await
            .unwrap();
        assert!(q.partial, "{}", db.label());
        assert!(!q.proposals.is_empty(), "{}", db.label());
        let waiting = |q: &tuijin_store::Queue| {
            let n = q.proposals.iter().filter(|p| !p.proposal.dismissed).count();
            (n, q.partial)
        };
        assert_eq!(
            s.waiting_proposals("big", d("2026-11-28"), Cadence::Monthly, &settings)
                .await
                .unwrap(),
            waiting(&q),
            "{}: the count is the queue's",
            db.label()
        );
        s.import_plan(
            &read_plan("pro.toml", PLAN).unwrap(),
            &stamp("office", "2020-01-01"),
        )
        .await
        .unwrap();
        s.refresh_warnings("pro", &stamp("office", "2020-06-30"))
            .await
            .unwrap();
        let q = s
            .notice_proposals("pro", d("2020-06-30"), Cadence::Monthly, &settings)
            .await
            .unwrap();
        assert!(!q.partial, "{}", db.label());
        assert_eq!(
            s.waiting_proposals("pro", d("2020-06-30"), Cadence::Monthly, &settings)
                .await
                .unwrap(),
            waiting(&q),
            "{}",
            db.label()
        );
    }
}

#[tokio::test]
async fn a_plan_with_no_open_warning_waits_for_no_proposal() {
    // Before its start nothing in the plan is late: no open warning, no proposal — the read
    // of the worst open warnings answers an empty list on both databases.
    let small = read_plan(
        "small.toml",
        &std::fs::read_to_string(format!(
            "{}/../../tests/fixtures/small.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let settings = NoticeSettings::default();
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&small, &stamp("office", "2017-01-02"))
            .await
            .unwrap();
        let today = d("2017-01-02");
        let q = s
            .notice_proposals("demo-small", today, Cadence::Monthly, &settings)
            .await
            .unwrap();
        assert!(q.proposals.is_empty(), "{}", db.label());
        assert_eq!(
            s.waiting_proposals("demo-small", today, Cadence::Monthly, &settings)
                .await
                .unwrap(),
            (0, false),
            "{}",
            db.label()
        );
    }
}
