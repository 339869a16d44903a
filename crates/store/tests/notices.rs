//! Supervision notices on both backends: numbering without gaps (across a year boundary and
//! under concurrent issuing), every transition with its refusals, extensions, escalation as
//! of dates, and the trail.

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_core::event::Entity;
use tuijin_core::notice::{NoticeAction, NoticeSettings, NoticeState};
use tuijin_core::problem::Rule;
use tuijin_core::warning::{Severity, WarningKind};
use tuijin_export::read_plan;
use tuijin_store::testing::TestDb;
use tuijin_store::{
    EventStore, NewNotice, NoticeFilter, NoticeStore, PlanStore, Stamp, StoreError, WarningFilter,
    WarningStore,
};

const PLAN: &str = r#"
[plan]
code = "sup"
title = "督办测试"
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

[[person]]
code = "vm"
name = "副市长"

[[item]]
code = "E1"
kind = "project"
title = "地铁工程"
lead = "JTW"
leader_in_charge = "vm"
start = 2020-01-01
due = 2020-12-31

[[item]]
code = "E2"
kind = "project"
title = "工程2"
lead = "JTW"
start = 2020-01-01
due = 2020-12-31

[[item]]
code = "E3"
kind = "project"
title = "工程3"
lead = "JTW"
start = 2020-01-01
due = 2020-12-31

[[item]]
code = "E4"
kind = "project"
title = "工程4"
lead = "JTW"
start = 2020-01-01
due = 2020-12-31

[[item]]
code = "E5"
kind = "project"
title = "工程5"
lead = "JTW"
start = 2020-01-01
due = 2020-12-31

[[item]]
code = "E6"
kind = "project"
title = "工程6"
lead = "JTW"
start = 2020-01-01
due = 2020-12-31

[[item]]
code = "E7"
kind = "project"
title = "工程7"
lead = "JTW"
start = 2020-01-01
due = 2020-12-31

[[item]]
code = "E8"
kind = "project"
title = "工程8"
lead = "JTW"
start = 2020-01-01
due = 2020-12-31

[[item]]
code = "E9"
kind = "project"
title = "工程9"
lead = "JTW"
start = 2020-01-01
due = 2020-12-31

[[item]]
code = "E10"
kind = "project"
title = "工程10"
lead = "JTW"
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

fn new(reply_by: &str) -> NewNotice {
    NewNotice {
        plan: "sup".into(),
        items: vec!["E1".into()],
        units: vec!["JTW".into()],
        level: 0,
        title: "地铁工程进度滞后".into(),
        actions: "7月10日前报送赶工方案".into(),
        reply_by: d(reply_by),
        facts: vec![],
        prompted_by: Vec::new(),
    }
}

async fn setup() -> Vec<TestDb> {
    let dbs = TestDb::all().await;
    for db in &dbs {
        db.store
            .import_plan(
                &read_plan("sup.toml", PLAN).unwrap(),
                &stamp("office", "2020-01-01"),
            )
            .await
            .unwrap();
    }
    dbs
}

fn rule(e: StoreError) -> Rule {
    match e {
        StoreError::Invalid(ps) => ps[0].rule,
        StoreError::Conflict(p) | StoreError::Forbidden(p) => p.rule,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn numbers_run_per_year_without_gaps_even_when_issued_at_once() {
    let settings = NoticeSettings::default();
    for db in setup().await {
        let s = &db.store;
        let a = s
            .issue_notice(new("2020-07-10"), &settings, &stamp("office", "2020-06-30"))
            .await
            .unwrap();
        assert_eq!(a.number, "督办〔2020〕1号", "{}", db.label());
        assert_eq!(
            a.leader.as_deref(),
            Some("vm"),
            "the leader in charge is copied"
        );
        // A refused notice takes no number.
        let mut bad = new("2020-06-01");
        bad.units = vec!["NOBODY".into()];
        let e = s
            .issue_notice(bad, &settings, &stamp("office", "2020-06-30"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid(ref ps) if ps.len() == 2),
            "{e:?}"
        );
        // Eight at once: 2 to 9, each once.
        // (Each on its own item: one item has one open notice.)
        let mut tasks = Vec::new();
        for k in 0..8 {
            let s = s.clone();
            let settings = settings.clone();
            tasks.push(tokio::spawn(async move {
                let mut n = new("2020-07-10");
                n.items = vec![format!("E{}", k + 2)];
                s.issue_notice(n, &settings, &stamp("office", "2020-06-30"))
                    .await
                    .unwrap()
                    .number
            }));
        }
        let mut numbers = Vec::new();
        for t in tasks {
            numbers.push(t.await.unwrap());
        }
        numbers.sort();
        let mut want: Vec<String> = (2..=9).map(|n| format!("督办〔2020〕{n}号")).collect();
        want.sort();
        assert_eq!(numbers, want, "{}", db.label());
        // A second open notice on an item is refused, and takes no number.
        let e = s
            .issue_notice(new("2020-07-10"), &settings, &stamp("office", "2020-06-30"))
            .await
            .unwrap_err();
        assert_eq!(rule(e), Rule::NoticeOpen);
        // A new year starts again at 1.
        let mut n = new("2021-01-20");
        n.items = vec!["E10".into()];
        let b = s
            .issue_notice(n, &settings, &stamp("office", "2021-01-04"))
            .await
            .unwrap();
        assert_eq!(b.number, "督办〔2021〕1号");
        let all = s
            .list_notices(
                &NoticeFilter {
                    plan: Some("sup".into()),
                    ..Default::default()
                },
                100,
            )
            .await
            .unwrap();
        assert_eq!(all.len(), 10);
    }
}

#[tokio::test]
async fn the_loop_from_issue_to_close_and_its_refusals() {
    let settings = NoticeSettings::default();
    for db in setup().await {
        let s = &db.store;
        let n = s
            .issue_notice(new("2020-07-10"), &settings, &stamp("office", "2020-06-30"))
            .await
            .unwrap();
        let act = |id: i64,
                   v: i64,
                   a: NoticeAction,
                   unit: Option<&'static str>,
                   text: &'static str,
                   until: Option<NaiveDate>,
                   today: &'static str| {
            let s = s.clone();
            async move {
                s.act_on_notice(id, v, a, unit, text, until, &stamp("x", today))
                    .await
            }
        };
        // Another unit may not sign it.
        let e = act(
            n.id,
            n.version,
            NoticeAction::Sign,
            Some("ZDQ"),
            "",
            None,
            "2020-07-01",
        )
        .await
        .unwrap_err();
        assert_eq!(rule(e), Rule::NotAddressed, "{}", db.label());
        let n = act(
            n.id,
            n.version,
            NoticeAction::Sign,
            Some("JTW"),
            "",
            None,
            "2020-07-01",
        )
        .await
        .unwrap();
        assert_eq!(n.state, NoticeState::Signed);
        assert_eq!(n.units[0].signed_on, Some(d("2020-07-01")));
        // A stale version is refused.
        let e = act(
            n.id,
            n.version - 1,
            NoticeAction::Reply,
            Some("JTW"),
            "x",
            None,
            "2020-07-02",
        )
        .await
        .unwrap_err();
        assert!(matches!(e, StoreError::Stale { .. }), "{e:?}");
        // An extension: asked with a reason and a later date, granted by the office.
        let e = act(
            n.id,
            n.version,
            NoticeAction::GrantExtension,
            None,
            "",
            None,
            "2020-07-02",
        )
        .await
        .unwrap_err();
        assert_eq!(rule(e), Rule::NoExtensionAsked);
        let n = act(
            n.id,
            n.version,
            NoticeAction::AskExtension,
            Some("JTW"),
            "征迁未完成",
            Some(d("2020-07-20")),
            "2020-07-02",
        )
        .await
        .unwrap();
        assert_eq!(n.extension_until, Some(d("2020-07-20")));
        // Not granted once the date asked for has passed: it would be late the moment it was.
        let e = act(
            n.id,
            n.version,
            NoticeAction::GrantExtension,
            None,
            "",
            None,
            "2020-07-21",
        )
        .await
        .unwrap_err();
        assert_eq!(rule(e), Rule::ReplyByPast);
        let n = act(
            n.id,
            n.version,
            NoticeAction::GrantExtension,
            None,
            "",
            None,
            "2020-07-03",
        )
        .await
        .unwrap();
        assert_eq!(
            (n.reply_by, n.first_reply_by),
            (d("2020-07-20"), d("2020-07-10"))
        );
        assert_eq!(n.extension_until, None);
        // A reply needs words; then the office returns it, and it is answered again.
        let e = act(
            n.id,
            n.version,
            NoticeAction::Reply,
            Some("JTW"),
            "  ",
            None,
            "2020-07-15",
        )
        .await
        .unwrap_err();
        assert_eq!(rule(e), Rule::NoticeNeedsText);
        let n = act(
            n.id,
            n.version,
            NoticeAction::Reply,
            Some("JTW"),
            "已报送赶工方案",
            None,
            "2020-07-15",
        )
        .await
        .unwrap();
        assert_eq!(
            (n.state, n.replied_on),
            (NoticeState::Replied, Some(d("2020-07-15")))
        );
        // A return names when the better reply is due; the reply's round is kept.
        let e = act(
            n.id,
            n.version,
            NoticeAction::Return,
            None,
            "方案缺少节点",
            None,
            "2020-07-16",
        )
        .await
        .unwrap_err();
        assert_eq!(rule(e), Rule::Required);
        let n = act(
            n.id,
            n.version,
            NoticeAction::Return,
            None,
            "方案缺少节点",
            Some(d("2020-07-23")),
            "2020-07-16",
        )
        .await
        .unwrap();
        assert_eq!(n.state, NoticeState::Returned);
        assert_eq!((n.reply_by, n.replied_on), (d("2020-07-23"), None));
        assert_eq!(n.rounds.len(), 1);
        let n = act(
            n.id,
            n.version,
            NoticeAction::Reply,
            Some("JTW"),
            "已补充节点",
            None,
            "2020-07-17",
        )
        .await
        .unwrap();
        let n = act(
            n.id,
            n.version,
            NoticeAction::Close,
            None,
            "",
            None,
            "2020-07-18",
        )
        .await
        .unwrap();
        assert_eq!(
            (n.state, n.closed_on),
            (NoticeState::Closed, Some(d("2020-07-18")))
        );
        // Nothing more happens to a closed notice.
        let e = act(
            n.id,
            n.version,
            NoticeAction::Reply,
            Some("JTW"),
            "再次反馈",
            None,
            "2020-07-19",
        )
        .await
        .unwrap_err();
        assert_eq!(rule(e), Rule::NoticeWorkflow);
        // The trail holds every step, in order.
        let trail = s
            .events_for(Entity::Notice, &n.id.to_string(), 100)
            .await
            .unwrap();
        let kinds: Vec<&str> = trail.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "notice.issued",
                "notice.signed",
                "notice.extension_asked",
                "notice.extension_granted",
                "notice.replied",
                "notice.returned",
                "notice.replied",
                "notice.closed"
            ],
            "{}",
            db.label()
        );
        // Closing one never replied to needs a reason.
        let m = s
            .issue_notice(new("2020-07-10"), &settings, &stamp("office", "2020-06-30"))
            .await
            .unwrap();
        let e = act(
            m.id,
            m.version,
            NoticeAction::Close,
            None,
            "",
            None,
            "2020-07-01",
        )
        .await
        .unwrap_err();
        assert_eq!(rule(e), Rule::NoticeNeedsText);
        act(
            m.id,
            m.version,
            NoticeAction::Close,
            None,
            "已在专题会上解决",
            None,
            "2020-07-01",
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn escalation_is_read_as_of_any_date() {
    let settings = NoticeSettings::default();
    for db in setup().await {
        let s = &db.store;
        let n = s
            .issue_notice(new("2020-07-10"), &settings, &stamp("office", "2020-06-30"))
            .await
            .unwrap();
        assert_eq!(n.level_on(d("2020-07-10"), &settings), 0);
        assert_eq!(
            n.level_on(d("2020-07-13"), &settings),
            1,
            "yellow after the deadline"
        );
        assert_eq!(
            n.level_on(d("2020-07-17"), &settings),
            2,
            "red five working days on"
        );
        // The late notice warns on its item, as severe as its level that day.
        let warning = |today: &'static str| {
            let s = s.clone();
            async move {
                s.refresh_warnings("sup", &stamp("job", today))
                    .await
                    .unwrap();
                s.list_warnings(
                    &WarningFilter {
                        plan: Some("sup".into()),
                        kind: Some(WarningKind::NoticeOverdue),
                        ..Default::default()
                    },
                    100,
                )
                .await
                .unwrap()
            }
        };
        assert!(
            warning("2020-07-10").await.is_empty(),
            "not late on its day"
        );
        let w = warning("2020-07-13").await;
        assert_eq!(w.len(), 1, "{}", db.label());
        assert_eq!(
            (w[0].item.as_str(), w[0].severity),
            ("E1", Severity::Medium)
        );
        assert_eq!(w[0].raised_on, d("2020-07-11"));
        assert_eq!(warning("2020-07-17").await[0].severity, Severity::High);
        // Replied on the 14th: it stays yellow from then on.
        let n = s
            .act_on_notice(
                n.id,
                n.version,
                NoticeAction::Reply,
                Some("JTW"),
                "已报送",
                None,
                &stamp("jtw", "2020-07-14"),
            )
            .await
            .unwrap();
        assert_eq!(n.level_on(d("2020-08-30"), &settings), 1, "{}", db.label());
        // The reply ended its warning.
        let open = s
            .list_warnings(
                &WarningFilter {
                    plan: Some("sup".into()),
                    kind: Some(WarningKind::NoticeOverdue),
                    ..Default::default()
                },
                100,
            )
            .await
            .unwrap();
        assert!(open.is_empty(), "{open:?}");
        // Asked again later, the same answer.
        let again = s.get_notice(n.id).await.unwrap();
        assert_eq!(
            again.rises(d("2020-08-30"), &settings),
            n.rises(d("2020-08-30"), &settings)
        );
    }
}

/// A notice's act judges again the warnings of its items and their ancestors only: the
/// reply ends the notice's warning at once, while an item outside the notice keeps what the
/// last whole-plan refresh said until the next one (at a million items a whole-plan judgement
/// per act held every other write back for half a minute).
#[tokio::test]
async fn a_notice_act_judges_its_own_items_only() {
    let settings = NoticeSettings::default();
    for db in setup().await {
        let s = &db.store;
        let label = db.label();
        let n = s
            .issue_notice(new("2020-07-10"), &settings, &stamp("office", "2020-06-30"))
            .await
            .unwrap();
        s.refresh_warnings("sup", &stamp("job", "2020-07-13"))
            .await
            .unwrap();
        let open = |item: &'static str| {
            let s = s.clone();
            async move {
                let mut w = s
                    .list_warnings(
                        &WarningFilter {
                            plan: Some("sup".into()),
                            item: Some(item.into()),
                            ..Default::default()
                        },
                        100,
                    )
                    .await
                    .unwrap();
                w.sort_by_key(|w| w.id);
                w.into_iter()
                    .map(|w| (w.id, w.kind, w.severity, w.details, w.raised_on))
                    .collect::<Vec<_>>()
            }
        };
        let e1 = open("E1").await;
        assert!(
            e1.iter().any(|w| w.1 == WarningKind::NoticeOverdue),
            "{label}: {e1:?}"
        );
        let e2 = open("E2").await;
        // Replied three months on: judged that day, E2's warnings would read differently.
        s.act_on_notice(
            n.id,
            n.version,
            NoticeAction::Reply,
            Some("JTW"),
            "已报送",
            None,
            &stamp("jtw", "2020-10-14"),
        )
        .await
        .unwrap();
        let after = open("E1").await;
        assert!(
            !after.iter().any(|w| w.1 == WarningKind::NoticeOverdue),
            "{label}: the reply ended the notice's warning: {after:?}"
        );
        assert_eq!(open("E2").await, e2, "{label}: E2 is not the notice's");
        s.refresh_warnings("sup", &stamp("job", "2020-10-14"))
            .await
            .unwrap();
        assert_ne!(
            open("E2").await,
            e2,
            "{label}: a whole-plan refresh that day changes E2's warnings"
        );
    }
}

/// A plan sets its own notices: number format, levels and escalation step, kept with the plan
/// and used for the numbers and the levels.
#[tokio::test]
async fn a_plan_sets_its_own_number_format_and_levels() {
    let src = PLAN.replace(
        "[plan.source]",
        "[plan.notices]\nnumber_format = \"郑发改督〔{year}〕第{n}号\"\nlevels = [\"yellow\", \"red\"]\nescalate_every = 3\n\n[plan.source]",
    );
    let doc = read_plan("sup.toml", &src).unwrap();
    assert_eq!(doc.plan.notices.levels, ["yellow", "red"]);
    // The plan file keeps them.
    let again = read_plan("sup.toml", &tuijin_export::write_plan(&doc)).unwrap();
    assert_eq!(again.plan.notices, doc.plan.notices);
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&doc, &stamp("office", "2020-01-01"))
            .await
            .unwrap();
        let settings = s.get_plan("sup").await.unwrap().plan.notices;
        assert_eq!(settings, doc.plan.notices, "{}", db.label());
        let n = s
            .issue_notice(new("2020-07-10"), &settings, &stamp("office", "2020-06-30"))
            .await
            .unwrap();
        assert_eq!(n.number, "郑发改督〔2020〕第1号");
        assert_eq!(
            n.level_on(d("2020-07-11"), &settings),
            1,
            "red, the top of two"
        );
    }
    // A format without the number is refused where it is written.
    let bad = PLAN.replace(
        "[plan.source]",
        "[plan.notices]\nnumber_format = \"督办〔{year}〕\"\n\n[plan.source]",
    );
    let e = read_plan("sup.toml", &bad).unwrap_err().to_string();
    assert!(
        e.contains("notices.number_format") || e.contains("{n}"),
        "{e}"
    );
}

/// What the first independent test of notices found: a returned reply keeps the levels its
/// round reached and waits for its new date; a notice to two units is signed by each and
/// answered by the lead; a reply and its files are one write; a proposal is issued once even
/// when asked twice at once.
#[tokio::test]
async fn rounds_lead_units_atomic_replies_and_proposals_issued_once() {
    use tuijin_store::{EvidenceOn, EvidenceStore, NewEvidence};
    let settings = NoticeSettings::default();
    for db in setup().await {
        let s = &db.store;
        // Replied on time (10 July), returned on 20 July with a new date of 27 July: no rise
        // while that date is ahead; red the working days after, and it stays when closed.
        let n = s
            .issue_notice(new("2020-07-10"), &settings, &stamp("office", "2020-06-30"))
            .await
            .unwrap();
        let n = s
            .act_on_notice(
                n.id,
                n.version,
                NoticeAction::Reply,
                Some("JTW"),
                "已报",
                None,
                &stamp("jtw", "2020-07-10"),
            )
            .await
            .unwrap();
        let n = s
            .act_on_notice(
                n.id,
                n.version,
                NoticeAction::Return,
                None,
                "请补充",
                Some(d("2020-07-27")),
                &stamp("office", "2020-07-20"),
            )
            .await
            .unwrap();
        assert!(
            n.rises(d("2020-07-27"), &settings).is_empty(),
            "{}",
            db.label()
        );
        assert_eq!(n.level_on(d("2020-07-28"), &settings), 1);
        let n = s
            .act_on_notice(
                n.id,
                n.version,
                NoticeAction::Close,
                None,
                "另行处理",
                None,
                &stamp("office", "2020-08-10"),
            )
            .await
            .unwrap();
        assert_eq!(
            n.level_on(d("2020-09-30"), &settings),
            2,
            "closed at red, red it stays"
        );

        // Two units: each signs once; only the lead (listed first) replies.
        let mut two = new("2020-07-10");
        two.units = vec!["JTW".into(), "ZDQ".into()];
        let m = s
            .issue_notice(two, &settings, &stamp("office", "2020-06-30"))
            .await
            .unwrap();
        let m = s
            .act_on_notice(
                m.id,
                m.version,
                NoticeAction::Sign,
                Some("JTW"),
                "",
                None,
                &stamp("jtw", "2020-07-01"),
            )
            .await
            .unwrap();
        let e = s
            .act_on_notice(
                m.id,
                m.version,
                NoticeAction::Sign,
                Some("JTW"),
                "",
                None,
                &stamp("jtw", "2020-07-01"),
            )
            .await
            .unwrap_err();
        assert_eq!(rule(e), Rule::AlreadySigned);
        let m = s
            .act_on_notice(
                m.id,
                m.version,
                NoticeAction::Sign,
                Some("ZDQ"),
                "",
                None,
                &stamp("zdq", "2020-07-01"),
            )
            .await
            .unwrap();
        assert!(m.units.iter().all(|u| u.signed_on.is_some()));
        // Signed, the co-operating unit has nothing left to do; the lead is still to answer.
        assert_eq!(s.count_awaiting_reply(&["ZDQ".into()]).await.unwrap(), 0);
        assert_eq!(s.count_awaiting_reply(&["JTW".into()]).await.unwrap(), 1);
        let e = s
            .act_on_notice(
                m.id,
                m.version,
                NoticeAction::Reply,
                Some("ZDQ"),
                "协办意见",
                None,
                &stamp("zdq", "2020-07-02"),
            )
            .await
            .unwrap_err();
        assert_eq!(rule(e), Rule::NotLeadUnit);

        // A reply refused (stale) keeps none of its files; an accepted one keeps them.
        let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
        let file = || {
            vec![NewEvidence {
                name: "方案.pdf".into(),
                bytes: pdf.clone(),
            }]
        };
        let e = s
            .act_with_files(
                m.id,
                m.version - 1,
                NoticeAction::Reply,
                Some("JTW"),
                "已报",
                None,
                file(),
                1 << 20,
                &stamp("jtw", "2020-07-02"),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Stale { .. }), "{e:?}");
        assert!(
            s.list_evidence(EvidenceOn::Notice(m.id))
                .await
                .unwrap()
                .is_empty()
        );
        let e = s
            .act_with_files(
                m.id,
                m.version,
                NoticeAction::Sign,
                Some("JTW"),
                "",
                None,
                file(),
                1 << 20,
                &stamp("jtw", "2020-07-02"),
            )
            .await
            .unwrap_err();
        assert_eq!(rule(e), Rule::AlreadySigned);
        s.act_with_files(
            m.id,
            m.version,
            NoticeAction::Reply,
            Some("JTW"),
            "已报",
            None,
            file(),
            1 << 20,
            &stamp("jtw", "2020-07-02"),
        )
        .await
        .unwrap();
        assert_eq!(
            s.list_evidence(EvidenceOn::Notice(m.id))
                .await
                .unwrap()
                .len(),
            1
        );

        let m = s.get_notice(m.id).await.unwrap();
        s.act_on_notice(
            m.id,
            m.version,
            NoticeAction::Close,
            None,
            "",
            None,
            &stamp("office", "2020-07-03"),
        )
        .await
        .unwrap();
        // The same proposal issued by eight at once: one notice.
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let s = s.clone();
            let settings = settings.clone();
            tasks.push(tokio::spawn(async move {
                let mut p = new("2020-07-20");
                p.prompted_by = vec![1];
                s.issue_notice(p, &settings, &stamp("office", "2020-07-01"))
                    .await
            }));
        }
        let mut issued = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => issued += 1,
                Err(e) => assert_eq!(rule(e), Rule::NoticeOpen),
            }
        }
        assert_eq!(issued, 1, "{}", db.label());
    }
}
