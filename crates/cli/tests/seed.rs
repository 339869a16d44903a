//! The embedded seed plan against the speech it comes from: structure, counts, dated targets,
//! bilingual titles, and provenance quotes that occur verbatim in the source text.

use chrono::NaiveDate;
use tuijin_core::{ItemKind, PlanDocument};

const SEED: &str = include_str!("../../../plans/zhengzhou-ncc-2017.toml");
const SPEECH: &str = include_str!("../../../plans/sources/zhengzhou-2017-08-14-speech.txt");

fn seed() -> PlanDocument {
    tuijin_export::read_plan("zhengzhou-ncc-2017.toml", SEED).expect("the seed plan is valid")
}

/// The speech was typeset in newspaper columns, so line breaks and spaces fall inside words;
/// quotes are compared with all whitespace removed.
fn flat(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn structure_of_the_speech() {
    let doc = seed();
    let roots = |kind: ItemKind, prefix: &str| -> Vec<String> {
        doc.items
            .iter()
            .filter(|i| i.kind == kind && i.parent.is_none() && i.code.as_str().starts_with(prefix))
            .map(|i| i.code.to_string())
            .collect()
    };
    assert_eq!(
        roots(ItemKind::Positioning, "P"),
        ["P1", "P2", "P3", "P4", "P5", "P6"]
    );
    assert_eq!(roots(ItemKind::Goal, "G"), ["G2020", "G2030", "G2049"]);
    assert_eq!(roots(ItemKind::Task, "T").len(), 10, "ten major tasks");
    assert_eq!(
        roots(ItemKind::Project, "E").len(),
        9,
        "nine supporting projects"
    );
    assert_eq!(
        roots(ItemKind::Work, "W").len(),
        6,
        "six foundational works"
    );
    assert_eq!(doc.plan.stages.len(), 3);
    let titles: Vec<&str> = doc
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Positioning)
        .map(|i| i.title.zh())
        .collect();
    assert_eq!(
        titles,
        [
            "国际综合枢纽",
            "国际物流中心",
            "国家重要的经济增长中心",
            "国家极具活力的创新创业中心",
            "国家内陆地区对外开放门户",
            "华夏历史文明传承创新中心"
        ]
    );
    // Every major task has the sub-tasks the speech names.
    for t in 1..=10 {
        let code = format!("T{t}");
        let subs = doc
            .items
            .iter()
            .filter(|i| i.parent.as_ref().is_some_and(|p| p.as_str() == code))
            .count();
        assert!(subs >= 3, "{code} has {subs} sub-tasks");
    }
    // The delivery mechanism: the leading body and its office at the DRC.
    let office = doc.units.iter().find(|u| u.code.as_str() == "TJB").unwrap();
    assert!(office.name.zh().contains("市发改委"));
    assert!(
        doc.items
            .iter()
            .filter(|i| i.kind == ItemKind::Project && i.parent.is_none())
            .all(|i| i.three_ones)
    );
}

#[test]
fn dated_targets_of_the_speech() {
    let doc = seed();
    let item = |c: &str| {
        doc.items
            .iter()
            .find(|i| i.code.as_str() == c)
            .unwrap_or_else(|| panic!("{c} missing"))
    };
    let target = |c: &str| {
        item(c)
            .extra
            .target
            .clone()
            .unwrap_or_else(|| panic!("{c} has no target"))
    };
    // Metro over 300 km in operation by 2020.
    let t = target("E1.1");
    assert_eq!(
        (t.value, t.unit.as_str(), t.by),
        (300.0, "km", Some(date("2020-12-31")))
    );
    // GDP over one trillion yuan by 2020.
    let t = target("G2020.3");
    assert_eq!(
        (t.value, t.unit.as_str(), t.by),
        (10000.0, "亿元", Some(date("2020-12-31")))
    );
    // The 4th ring expressway works start in 2017.
    assert_eq!(item("E1.2").kind, ItemKind::Milestone);
    assert_eq!(item("E1.2").due, Some(date("2017-12-31")));
    // Resettlement housing mostly delivered within three years; 193 connecting roads.
    assert_eq!(item("E5.1").due, Some(date("2020-08-14")));
    assert_eq!(
        (target("E5.2").value, target("E5.2").unit.as_str()),
        (193.0, "条")
    );
    // 96 km of the Jialu River.
    assert_eq!(
        (target("E6.1").value, target("E6.1").unit.as_str()),
        (96.0, "km")
    );
    // The four cultural districts really started within 2017.
    for i in 1..=4 {
        let m = item(&format!("E7.1.{i}.M"));
        assert_eq!(
            (m.kind, m.due),
            (ItemKind::Milestone, Some(date("2017-12-31")))
        );
    }
    // The four centres completed by the end of 2018.
    for i in 1..=4 {
        assert_eq!(item(&format!("E7.2.{i}")).due, Some(date("2018-12-31")));
    }
    // The free trade zone's five systems by the end of 2017.
    assert_eq!(item("E8.1").due, Some(date("2017-12-31")));
    assert_eq!(
        doc.items
            .iter()
            .filter(|i| i.parent.as_ref().is_some_and(|p| p.as_str() == "E8.1"))
            .count(),
        5
    );
}

#[test]
fn every_item_is_bilingual_and_quotes_the_speech_verbatim() {
    let doc = seed();
    let speech = flat(SPEECH);
    for i in &doc.items {
        assert!(
            !i.title.zh().is_empty() && !i.title.en().is_empty(),
            "{} needs both titles",
            i.code
        );
        let quote = i
            .extra
            .source
            .as_deref()
            .unwrap_or_else(|| panic!("{} has no source quote", i.code));
        assert!(
            speech.contains(&flat(quote)),
            "{}: quote not in the speech: {quote}",
            i.code
        );
    }
    for u in &doc.units {
        assert!(
            !u.name.zh().is_empty() && !u.name.en().is_empty(),
            "unit {}",
            u.code
        );
    }
}

#[test]
fn every_task_project_and_work_is_aligned() {
    let doc = seed();
    for i in doc.items.iter().filter(|i| {
        i.parent.is_none()
            && matches!(i.kind, ItemKind::Task | ItemKind::Project | ItemKind::Work)
            && i.code.as_str() != "M"
    }) {
        assert!(!i.extra.supports.is_empty(), "{} supports nothing", i.code);
    }
}

#[tokio::test]
async fn export_of_the_imported_seed_reproduces_the_file() {
    use tuijin_store::PlanStore;
    for db in tuijin_store::testing::TestDb::all().await {
        db.store
            .import_plan(&seed(), &tuijin_store::testing::stamp("test"))
            .await
            .unwrap();
        let exported = db.store.export_plan("zz-ncc-2017").await.unwrap();
        assert_eq!(exported, seed(), "{}", db.label());
        assert_eq!(
            tuijin_export::write_plan(&exported),
            SEED,
            "the seed file is in canonical form"
        );
    }
}

#[tokio::test]
async fn the_demo_history_loads_with_a_mix_of_statuses_and_consistent_rollups() {
    use tuijin_core::summary::{Scope, summarise};
    use tuijin_store::{PlanStore, ProgressStore, ReportFilter, ReportStore};
    let today = date("2020-06-30");
    for db in tuijin_store::testing::TestDb::all().await {
        let s = &db.store;
        use tuijin_core::clock::Clock;
        let stamp = tuijin_core::clock::FixedClock::on(today).stamp("demo", seed().plan.tz());
        s.import_plan(&seed(), &stamp).await.unwrap();
        let h = tuijin_core::sample::history(&seed(), today);
        let n = s
            .load_history("zz-ncc-2017", &h.accepted, &stamp)
            .await
            .unwrap();
        assert!(n > 1000, "{n} reports");
        assert!(
            s.check_rollups("zz-ncc-2017").await.unwrap().is_empty(),
            "{}",
            db.label()
        );
        let progress = s.plan_progress("zz-ncc-2017", None).await.unwrap();
        let sum = summarise(
            &seed().items,
            &progress,
            Scope::Plan,
            today,
            seed().plan.thresholds,
            &Default::default(),
        );
        for status in [
            "done",
            "on_track",
            "at_risk",
            "off_track",
            "overdue",
            "unreported",
        ] {
            assert!(
                sum.by_status[status] > 0,
                "no {status} item in the demo: {:?}",
                sum.by_status
            );
        }
        // The warnings on 2020-06-30 are a list an office works through: tens, not half the
        // plan; one per family per item; dated when each condition began.
        use tuijin_store::{EventStore, WarningFilter, WarningStore};
        s.refresh_warnings("zz-ncc-2017", &stamp).await.unwrap();
        let open = s
            .list_warnings(
                &WarningFilter {
                    plan: Some("zz-ncc-2017".into()),
                    ..Default::default()
                },
                10_000,
            )
            .await
            .unwrap();
        assert!(
            (10..=60).contains(&open.len()),
            "{} open warnings on the demo",
            open.len()
        );
        let mut families = std::collections::HashSet::new();
        for w in &open {
            assert!(
                families.insert((w.item.clone(), w.kind.family())),
                "{} has two warnings of one family",
                w.item
            );
            assert!(w.raised_on <= today);
        }
        assert!(
            open.iter().filter(|w| w.raised_on < today).count() > open.len() / 2,
            "most conditions began before the day of the refresh"
        );
        // Everything the demo wrote is dated by its clock, never after its today.
        for code in ["E1.1", "T1.1", "M.5", "G2020.3"] {
            for e in s.item_timeline("zz-ncc-2017", code, 1000).await.unwrap() {
                assert!(
                    e.at.date_naive() <= today,
                    "{code}: event {} at {}",
                    e.kind.as_str(),
                    e.at
                );
            }
        }
        // G2020.3 (join the trillion-yuan club) is judged by GDP: achieved, on the day the
        // 2018 figure (10,143 亿元) stands for.
        use tuijin_store::{Actual, DirectoryStore};
        let gdp = |year: i32, value: f64| Actual {
            indicator: tuijin_core::Code::parse("gdp").unwrap(),
            period: year.to_string(),
            period_end: NaiveDate::from_ymd_opt(year, 12, 31).unwrap(),
            value: tuijin_core::report::FigureValue::new(value).unwrap(),
            source: "test".into(),
            report: None,
            entry: Default::default(),
        };
        s.record_actuals(
            "zz-ncc-2017",
            &[gdp(2017, 9130.2), gdp(2018, 10143.0), gdp(2019, 11589.7)],
            &stamp,
        )
        .await
        .unwrap();
        let measures = s.measures("zz-ncc-2017").await.unwrap();
        let board = tuijin_core::board::Board::build(
            &seed().items,
            &progress,
            today,
            seed().plan.thresholds,
            &measures,
        );
        let g = board.position("G2020.3").unwrap();
        assert_eq!(board.status(g), tuijin_core::Status::Done);
        assert_eq!(
            board.attainment(g),
            Some(tuijin_core::Attainment::Achieved {
                on: date("2018-12-31"),
                value: 10143.0
            })
        );
        // The same in the summary: one rule for both.
        let with = summarise(
            &seed().items,
            &progress,
            Scope::Branch("G2020"),
            today,
            seed().plan.thresholds,
            &measures,
        );
        assert_eq!(with.by_status["done"], 1, "{with:?}");
        // Positionings and goals are measured, not reported: none is left "unreported".
        for code in ["P1", "G2020", "G2020.1", "G2030.1"] {
            let n = board.position(code).unwrap();
            assert!(board.is_apart(n), "{code}");
            assert_ne!(board.status(n), tuijin_core::Status::Unreported, "{code}");
        }
        // The 2035 goals: nothing serves them yet, and the page says so.
        for code in ["G2030", "G2030.1"] {
            let n = board.position(code).unwrap();
            assert_eq!(board.status(n), tuijin_core::Status::Unmeasured, "{code}");
        }
        // Loading twice is refused, so a restart of the demo keeps its history.
        assert!(
            s.load_history("zz-ncc-2017", &h.accepted, &stamp)
                .await
                .is_err()
        );
        let all = s
            .list_reports(
                &ReportFilter {
                    plan: Some("zz-ncc-2017".into()),
                    ..Default::default()
                },
                5,
            )
            .await
            .unwrap();
        assert!(
            all.iter()
                .all(|r| r.narrative.starts_with(tuijin_core::sample::SAMPLE_MARK))
        );
        // As of mid-2018, less was done than now.
        let then = s
            .plan_progress("zz-ncc-2017", Some(date("2018-06-30")))
            .await
            .unwrap();
        assert!(then["E1"].percent.unwrap_or(0.0) < progress["E1"].percent.unwrap());
    }
}
