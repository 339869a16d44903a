//! Editing a plan's units, people and settings from the web and the API, on both backends:
//! each edit and its refusals (nothing written), the content version guard, one history line
//! with the reason per edit, an edited plan that exports and re-imports unchanged, and status
//! judged against the baseline when the plan says so.

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_core::edit::{DirectoryEdit, ItemEdit, content_version};
use tuijin_core::event::{Entity, EventKind};
use tuijin_core::validate::ProblemClass;
use tuijin_core::warning::WarningKind;
use tuijin_core::{Code, Person, PlanDocument, StatusAgainst, Text, Unit, UnitKind};
use tuijin_export::read_plan;
use tuijin_store::testing::TestDb;
use tuijin_store::{
    BaselineStore, EditStore, EventStore, ItemStore, PlanStore, Stamp, StoreError, WarningFilter,
    WarningStore,
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

fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn classes(e: StoreError) -> Vec<(Option<String>, String, ProblemClass)> {
    match e {
        StoreError::PlanInvalid(ps) => ps
            .into_iter()
            .map(|p| (p.entry, p.path.field, ProblemClass::from(&p.kind)))
            .collect(),
        other => panic!("not refused as invalid: {other:?}"),
    }
}

#[tokio::test]
async fn units_people_and_settings_are_edited_with_a_reason_or_refused_whole() {
    for db in TestDb::all().await {
        let s = &db.store;
        let plan = "demo-small";
        s.import_plan(&small(), &stamp("office", "2018-01-01"))
            .await
            .unwrap();
        let office = stamp("office", "2020-06-30");
        let doc = s.export_plan(plan).await.unwrap();
        let jtw = doc.units.iter().find(|u| u.code.as_str() == "JTW").unwrap();
        let v = content_version(jtw);

        // A unit renamed, with its version: one history line, with the reason and before.
        let mut renamed = jtw.clone();
        renamed.name = Text::new("市交通运输局", "Municipal Transport Bureau");
        renamed.assumed = false;
        let out = s
            .edit_directory(
                plan,
                &DirectoryEdit::Unit(renamed.clone()),
                Some(v),
                "机构改革更名",
                &office,
            )
            .await
            .unwrap();
        assert!(out.units.contains(&renamed), "{}", db.label());
        let trail = s.events_for(Entity::Unit, "JTW", 10).await.unwrap();
        let edits: Vec<_> = trail
            .iter()
            .filter(|e| e.at == office.at)
            .map(|e| e.kind)
            .collect();
        assert_eq!(edits, [EventKind::UnitEdited], "{}", db.label());
        let last = trail
            .iter()
            .find(|e| e.kind == EventKind::UnitEdited)
            .unwrap();
        assert_eq!(last.after.as_ref().unwrap()["text"], "机构改革更名");
        assert_eq!(
            last.before.as_ref().unwrap()["name"]["zh"],
            "市交通运输委员会"
        );

        // The old version is stale now; nothing is written.
        let mut again = jtw.clone();
        again.kind = UnitKind::District;
        let e = s
            .edit_directory(plan, &DirectoryEdit::Unit(again), Some(v), "再改", &office)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Stale { .. }), "{e:?}");
        // A new unit with a code the plan has: refused; without a reason: refused.
        let e = s
            .edit_directory(
                plan,
                &DirectoryEdit::Unit(renamed.clone()),
                None,
                "新增",
                &office,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
        let new = Unit {
            code: code("ZZJ"),
            name: Text::new("市自然资源和规划局", ""),
            kind: UnitKind::Department,
            parent: None,
            assumed: false,
        };
        let e = s
            .edit_directory(plan, &DirectoryEdit::Unit(new.clone()), None, " ", &office)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
        // A unit under a parent the plan does not have: refused, named by its code.
        let orphan = Unit {
            parent: Some(code("NOPE")),
            ..new.clone()
        };
        let e = s
            .edit_directory(plan, &DirectoryEdit::Unit(orphan), None, "新增", &office)
            .await
            .unwrap_err();
        assert_eq!(
            classes(e),
            [(
                Some("ZZJ".into()),
                "parent".into(),
                ProblemClass::UnknownParent
            )]
        );
        s.edit_directory(
            plan,
            &DirectoryEdit::Unit(new.clone()),
            None,
            "新增单位",
            &office,
        )
        .await
        .unwrap();

        // People: a phone that is not one, a name too long, each named; then a good one.
        let mut p = doc.people[0].clone();
        let pv = content_version(&p);
        p.phone = Some("call me".into());
        p.name = Text::new("长".repeat(201), "");
        let e = s
            .edit_directory(
                plan,
                &DirectoryEdit::Person(p.clone()),
                Some(pv),
                "补电话",
                &office,
            )
            .await
            .unwrap_err();
        let mut got = classes(e);
        got.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            got,
            [
                (
                    Some("vm-transport".into()),
                    "name".into(),
                    ProblemClass::TooLong
                ),
                (
                    Some("vm-transport".into()),
                    "phone".into(),
                    ProblemClass::BadPhone
                ),
            ]
        );
        p.name = doc.people[0].name.clone();
        p.phone = Some("0371-67188000 转 8001".into());
        s.edit_directory(
            plan,
            &DirectoryEdit::Person(p.clone()),
            Some(pv),
            "补电话",
            &office,
        )
        .await
        .unwrap();
        let added = Person {
            code: code("dir-jtw"),
            name: Text::new("王五", ""),
            post: Text::new("局长", "Director"),
            unit: Some(code("JTW")),
            phone: Some("13800000000".into()),
            assumed: false,
        };
        s.edit_directory(
            plan,
            &DirectoryEdit::Person(added.clone()),
            None,
            "新增责任人",
            &office,
        )
        .await
        .unwrap();

        // Settings: thresholds out of order refused; a good change applied.
        let mut settings = s.get_plan(plan).await.unwrap().plan;
        let sv = content_version(&settings);
        settings.thresholds.at_risk = 30.0;
        let e = s
            .edit_directory(
                plan,
                &DirectoryEdit::Settings(Box::new(settings.clone())),
                Some(sv),
                "调整阈值",
                &office,
            )
            .await
            .unwrap_err();
        assert_eq!(
            classes(e),
            [(None, "thresholds".into(), ProblemClass::ThresholdsOrder)]
        );
        settings.thresholds.at_risk = 8.0;
        settings.reporting.due_day = 10;
        s.edit_directory(
            plan,
            &DirectoryEdit::Settings(Box::new(settings.clone())),
            Some(sv),
            "调整阈值和报送日",
            &office,
        )
        .await
        .unwrap();
        let now = s.get_plan(plan).await.unwrap().plan;
        assert_eq!(now, settings, "{}", db.label());

        // The plan as edited exports and re-imports unchanged.
        let edited = s.export_plan(plan).await.unwrap();
        assert!(edited.people.contains(&added) && edited.people.contains(&p));
        assert!(edited.units.contains(&new));
        let text = tuijin_export::write_plan(&edited);
        let back = read_plan("edited.toml", &text).unwrap();
        assert_eq!(back, edited);
        let summary = s
            .import_plan(&back, &stamp("office", "2020-07-01"))
            .await
            .unwrap();
        assert!(!summary.plan_updated, "{summary:?}");
        assert_eq!(
            summary.units.changed() + summary.people.changed() + summary.items.changed(),
            0,
            "{summary:?}"
        );
    }
}

#[tokio::test]
async fn status_is_judged_against_the_baseline_when_the_plan_says_so() {
    for db in TestDb::all().await {
        let s = &db.store;
        let plan = "demo-small";
        s.import_plan(&small(), &stamp("office", "2018-01-01"))
            .await
            .unwrap();
        let office = stamp("office", "2020-06-30");
        // The milestone due 2017-12-31 moves to 2020-09-30: against the current plan it is not
        // late on 2020-06-30.
        let r = s.get_item(plan, "E1.2").await.unwrap();
        let mut m = r.item.clone();
        m.due = Some(NaiveDate::from_ymd_opt(2020, 9, 30).unwrap());
        s.edit_item(plan, &ItemEdit::Update(m), Some(r.version), "延期", &office)
            .await
            .unwrap();
        let overdue = |kind: WarningKind| WarningFilter {
            plan: Some(plan.into()),
            kind: Some(kind),
            ..Default::default()
        };
        let late = s
            .list_warnings(&overdue(WarningKind::Overdue), 50)
            .await
            .unwrap();
        assert!(
            !late.iter().any(|w| w.item == "E1.2"),
            "{}: {late:?}",
            db.label()
        );
        assert_eq!(s.judged_dates(plan).await.unwrap(), None);
        // Judged against the baseline, it is overdue since 2017-12-31.
        let mut settings = s.get_plan(plan).await.unwrap().plan;
        let sv = content_version(&settings);
        settings.status_against = StatusAgainst::Baseline;
        s.edit_directory(
            plan,
            &DirectoryEdit::Settings(Box::new(settings.clone())),
            Some(sv),
            "按印发版考核",
            &office,
        )
        .await
        .unwrap();
        let dates = s.judged_dates(plan).await.unwrap().unwrap();
        assert_eq!(
            dates["E1.2"].1,
            Some(NaiveDate::from_ymd_opt(2017, 12, 31).unwrap())
        );
        let late = s
            .list_warnings(&overdue(WarningKind::Overdue), 50)
            .await
            .unwrap();
        assert!(
            late.iter().any(|w| w.item == "E1.2"),
            "{}: {late:?}",
            db.label()
        );
        // A new baseline takes the moved date: not late any more.
        s.set_baseline(plan, "2020年调整版", "市政府常务会议批准调整", &office)
            .await
            .unwrap();
        let late = s
            .list_warnings(&overdue(WarningKind::Overdue), 50)
            .await
            .unwrap();
        assert!(
            !late.iter().any(|w| w.item == "E1.2"),
            "{}: {late:?}",
            db.label()
        );
    }
}

#[tokio::test]
async fn a_branch_with_open_work_is_not_archived() {
    use tuijin_core::report::{Period, ReportContent};
    use tuijin_store::{NewReport, ReportStore};
    for db in TestDb::all().await {
        let s = &db.store;
        let plan = "demo-small";
        s.import_plan(&small(), &stamp("office", "2018-01-01"))
            .await
            .unwrap();
        let jtw = stamp("jtw", "2020-06-10");
        let r = s
            .create_report(
                NewReport {
                    plan: plan.into(),
                    item: "E1.1".into(),
                    period: Period::parse("2020-05").unwrap(),
                    unit: "JTW".into(),
                    content: ReportContent {
                        percent: Some(tuijin_core::Percent::new(40.0).unwrap()),
                        narrative: "本月进展".into(),
                        ..Default::default()
                    },
                },
                &jtw,
            )
            .await
            .unwrap();
        let r = s.submit_report(r.id, r.version, &jtw).await.unwrap();
        // E1 holds E1.1, whose report awaits review: archiving E1 is refused, nothing moves.
        let office = stamp("office", "2020-06-30");
        let e1 = s.get_item(plan, "E1").await.unwrap();
        let e = s
            .edit_item(
                plan,
                &ItemEdit::Archive { code: code("E1") },
                Some(e1.version),
                "撤并",
                &office,
            )
            .await
            .unwrap_err();
        match e {
            StoreError::Conflict(p) => {
                assert_eq!(p.rule, tuijin_core::problem::Rule::ArchiveOpenWork);
                assert!(format!("{p:?}").contains("reports"), "{p:?}");
            }
            other => panic!("{}: {other:?}", db.label()),
        }
        assert!(!s.get_item(plan, "E1.1").await.unwrap().archived);
        // Reviewed, the branch can go; a sibling's version does not move with it.
        s.accept_report(r.id, r.version, "", &office).await.unwrap();
        let before = s.get_item(plan, "E1.2").await.unwrap().version;
        let e11 = s.get_item(plan, "E1.1").await.unwrap();
        s.edit_item(
            plan,
            &ItemEdit::Archive { code: code("E1.1") },
            Some(e11.version),
            "撤并",
            &office,
        )
        .await
        .unwrap();
        assert_eq!(s.get_item(plan, "E1.2").await.unwrap().version, before);
    }
}
