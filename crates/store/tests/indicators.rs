//! Indicator figures on both backends: revisions kept with their reason and counted from the
//! day they are entered (as-of), figures in another unit or basis refused with nothing
//! written, and the warnings the figures raise on the item they measure — a figure overdue
//! after its publication lag, a forecast likely to miss the target.

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_core::PlanDocument;
use tuijin_core::indicator::FiledFigure;
use tuijin_core::problem::Rule;
use tuijin_core::warning::WarningKind;
use tuijin_export::read_plan;
use tuijin_store::testing::TestDb;
use tuijin_store::{
    DirectoryStore, FigureStore, PlanStore, Stamp, StoreError, WarningFilter, WarningStore,
};

fn small() -> PlanDocument {
    let path = format!(
        "{}/../../tests/fixtures/small.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    read_plan("small.toml", &std::fs::read_to_string(path).unwrap()).unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn stamp(actor: &str, today: &str) -> Stamp {
    let today = day(today);
    Stamp {
        at: Utc.from_utc_datetime(&today.and_hms_opt(2, 0, 0).unwrap()),
        today,
        actor: actor.into(),
    }
}

fn figure(period: &str, value: f64) -> FiledFigure {
    FiledFigure {
        period: period.into(),
        value,
        source: "郑州市统计公报".into(),
        ..Default::default()
    }
}

/// The owner unit files a figure and the office accepts it the same day.
async fn file_accepted(s: &tuijin_store::Store, period: &str, f: FiledFigure, on: &str) {
    let a = s
        .file_figure(
            "demo-small",
            "metro_km",
            Some("JTW"),
            &FiledFigure {
                period: period.into(),
                ..f
            },
            &stamp("jtw", on),
        )
        .await
        .unwrap();
    s.review_figure(
        "demo-small",
        None,
        a.entry.id.unwrap(),
        true,
        "",
        &stamp("office", on),
    )
    .await
    .unwrap();
}

fn rules(e: StoreError) -> Vec<Rule> {
    match e {
        StoreError::Invalid(ps) => ps.iter().map(|p| p.rule).collect(),
        StoreError::Conflict(p) => vec![p.rule],
        other => panic!("not refused as invalid: {other:?}"),
    }
}

async fn open_kinds(s: &tuijin_store::Store) -> Vec<WarningKind> {
    let f = WarningFilter {
        plan: Some("demo-small".into()),
        branch: Some("E1.1".into()),
        ..Default::default()
    };
    let mut k: Vec<WarningKind> = s
        .list_warnings(&f, 100)
        .await
        .unwrap()
        .iter()
        .filter(|w| w.item == "E1.1")
        .map(|w| w.kind)
        .collect();
    k.sort();
    k
}

#[tokio::test]
async fn revisions_count_from_their_day_and_figures_are_never_mixed() {
    for db in TestDb::all().await {
        let s = &db.store;
        let plan = "demo-small";
        s.import_plan(&small(), &stamp("office", "2018-01-01"))
            .await
            .unwrap();
        file_accepted(s, "2017", figure("2017", 93.7), "2018-02-01").await;
        // The 2018 figure is due 60 days after the year (the annual lag): on 2019-02-28 it is
        // not missing; on 2019-03-15 it is overdue on the item the indicator measures.
        s.refresh_warnings(plan, &stamp("system", "2019-02-28"))
            .await
            .unwrap();
        assert!(
            !open_kinds(s)
                .await
                .contains(&WarningKind::IndicatorFigureOverdue),
            "{}",
            db.label()
        );
        s.refresh_warnings(plan, &stamp("system", "2019-03-15"))
            .await
            .unwrap();
        assert!(
            open_kinds(s)
                .await
                .contains(&WarningKind::IndicatorFigureOverdue),
            "{}",
            db.label()
        );
        file_accepted(s, "2018", figure("2018", 120.0), "2019-04-01").await;
        assert!(
            !open_kinds(s)
                .await
                .contains(&WarningKind::IndicatorFigureOverdue),
            "filed: cleared"
        );

        // A revision without a reason is refused; in another unit or basis, too; nothing is
        // written.
        let before = s.indicator_actuals(plan, "metro_km").await.unwrap().len();
        let e = s
            .file_figure(
                plan,
                "metro_km",
                Some("JTW"),
                &figure("2018", 125.0),
                &stamp("jtw", "2019-05-01"),
            )
            .await
            .unwrap_err();
        assert_eq!(rules(e), [Rule::RevisionNeedsReason]);
        let mixed = FiledFigure {
            unit: Some("m".into()),
            basis: Some("per_period".into()),
            reason: Some("修订".into()),
            ..figure("2018", 125000.0)
        };
        let e = s
            .file_figure(
                plan,
                "metro_km",
                Some("JTW"),
                &mixed,
                &stamp("jtw", "2019-05-01"),
            )
            .await
            .unwrap_err();
        assert_eq!(
            rules(e),
            [Rule::FigureUnitMismatch, Rule::FigureBasisMismatch]
        );
        assert_eq!(
            s.indicator_actuals(plan, "metro_km").await.unwrap().len(),
            before
        );
        let revised = FiledFigure {
            reason: Some("统计公报修订".into()),
            ..figure("2018", 125.0)
        };
        file_accepted(s, "2018", revised, "2019-05-01").await;

        // Every record is kept, with who entered it, when, and why.
        let all = s.indicator_actuals(plan, "metro_km").await.unwrap();
        let y2018: Vec<_> = all.iter().filter(|a| a.period == "2018").collect();
        assert_eq!(y2018.len(), 2);
        assert_eq!(y2018[0].value.value(), 120.0);
        assert_eq!(y2018[0].entry.reason, None);
        assert_eq!(y2018[1].entry.reason.as_deref(), Some("统计公报修订"));
        assert_eq!(y2018[1].entry.entered_by.as_deref(), Some("jtw"));
        assert_eq!(y2018[1].entry.known_on, Some(day("2019-05-01")));
        assert_eq!(y2018[1].entry.unit.as_deref(), Some("km"));
        // As known on a day: the revision counts from its own day, not before.
        let m = s.measures(plan).await.unwrap();
        assert_eq!(
            m.known("metro_km", day("2019-04-15")).last().unwrap().1,
            120.0
        );
        assert_eq!(
            m.known("metro_km", day("2019-05-01")).last().unwrap().1,
            125.0
        );
        assert_eq!(m.known("metro_km", day("2018-01-15")), []);

        // Three figures far below the way to 300 km by 2020: the trend misses the target, and
        // the item it measures says so.
        file_accepted(s, "2019", figure("2019", 140.0), "2020-02-20").await;
        s.refresh_warnings(plan, &stamp("system", "2020-03-01"))
            .await
            .unwrap();
        let open = open_kinds(s).await;
        assert!(
            open.contains(&WarningKind::IndicatorForecastMiss),
            "{open:?} {}",
            db.label()
        );
        assert!(open.contains(&WarningKind::IndicatorOffPath), "{open:?}");
        assert!(
            !open.contains(&WarningKind::IndicatorFigureOverdue),
            "{open:?}"
        );
    }
}

/// An item whose progress is its indicator's (`progress = "indicator"`): unknown until a
/// figure comes, then the share of the way from the baseline to its target; its parent rolls
/// it up, a full recompute agrees, and a report on it takes no percent.
#[tokio::test]
async fn an_indicator_figure_moves_the_item_it_measures() {
    use tuijin_core::report::{Period, ReportContent};
    use tuijin_core::{Percent, ProgressFrom};
    use tuijin_store::{NewReport, ProgressStore, ReportStore};
    for db in TestDb::all().await {
        let s = &db.store;
        let plan = "demo-small";
        let mut doc = small();
        let e11 = doc
            .items
            .iter_mut()
            .find(|i| i.code.as_str() == "E1.1")
            .unwrap();
        e11.progress_from = ProgressFrom::Indicator;
        s.import_plan(&doc, &stamp("office", "2018-01-01"))
            .await
            .unwrap();
        let now = s.plan_progress(plan, None).await.unwrap();
        assert_eq!(now["E1.1"].percent, None, "no figure yet: unknown");
        file_accepted(s, "2019", figure("2019", 151.8), "2020-02-20").await;
        let now = s.plan_progress(plan, None).await.unwrap();
        // (151.8 − 93.7) / (300 − 93.7) = 28.16 %.
        let p = now["E1.1"].percent.unwrap();
        assert!((p - 28.16).abs() < 0.01, "{p} {}", db.label());
        assert!(now["E1"].percent.is_some(), "the parent rolls it up");
        assert_eq!(s.check_rollups(plan).await.unwrap(), [], "{}", db.label());
        // The day before the figure, the item stood where it was.
        let then = s
            .plan_progress(plan, Some(day("2020-02-19")))
            .await
            .unwrap();
        assert_eq!(then.get("E1.1").and_then(|p| p.percent), None);
        // A revision moves it again.
        let revised = FiledFigure {
            reason: Some("统计公报修订".into()),
            ..figure("2019", 155.0)
        };
        file_accepted(s, "2019", revised, "2020-03-01").await;
        let p = s.plan_progress(plan, None).await.unwrap()["E1.1"]
            .percent
            .unwrap();
        assert!((p - 29.71).abs() < 0.01, "{p}");
        // A report on it says what was done; a percent would be ignored, so it is refused.
        let report = |percent: Option<f64>| NewReport {
            plan: plan.into(),
            item: "E1.1".into(),
            period: Period::parse("2020-02").unwrap(),
            unit: "JTW".into(),
            content: ReportContent {
                percent: percent.map(|p| Percent::new(p).unwrap()),
                narrative: "3号线开通".into(),
                ..Default::default()
            },
        };
        let e = s
            .create_report(report(Some(60.0)), &stamp("jtw", "2020-03-02"))
            .await
            .unwrap_err();
        assert_eq!(rules(e), [Rule::PercentMeasured]);
        s.create_report(report(None), &stamp("jtw", "2020-03-02"))
            .await
            .unwrap();
    }
}

/// A unit's figure waits for the office: not counted while submitted, never when returned,
/// counted from the day it is accepted; one waits per period; a review happens once.
#[tokio::test]
async fn a_units_figure_counts_once_the_office_accepts_it() {
    for db in TestDb::all().await {
        let s = &db.store;
        let plan = "demo-small";
        s.import_plan(&small(), &stamp("office", "2018-01-01"))
            .await
            .unwrap();
        let a = s
            .file_figure(
                plan,
                "metro_km",
                Some("JTW"),
                &figure("2019", 151.8),
                &stamp("jtw", "2020-02-20"),
            )
            .await
            .unwrap();
        assert_eq!(
            a.entry.state,
            tuijin_core::indicator::FigureState::Submitted
        );
        let id = a.entry.id.unwrap();
        assert!(
            s.measures(plan)
                .await
                .unwrap()
                .known("metro_km", day("2100-01-01"))
                .is_empty()
        );
        assert_eq!(s.pending_figures(plan).await.unwrap().len(), 1);
        let e = s
            .file_figure(
                plan,
                "metro_km",
                Some("JTW"),
                &figure("2019", 152.0),
                &stamp("jtw", "2020-02-21"),
            )
            .await
            .unwrap_err();
        assert_eq!(rules(e), [Rule::FigurePending]);
        // Under another indicator's code the figure is not found, and nothing changes.
        let e = s
            .review_figure(
                plan,
                Some("gdp"),
                id,
                true,
                "",
                &stamp("office", "2020-02-25"),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");
        assert_eq!(s.pending_figures(plan).await.unwrap().len(), 1);
        let e = s
            .review_figure(
                plan,
                Some("metro_km"),
                id,
                false,
                "  ",
                &stamp("office", "2020-02-25"),
            )
            .await
            .unwrap_err();
        assert_eq!(rules(e), [Rule::FigureReturnNeedsComment]);
        // Returned: never counted, and the unit may file again.
        let back = s
            .review_figure(
                plan,
                Some("metro_km"),
                id,
                false,
                "请附统计公报页码",
                &stamp("office", "2020-02-25"),
            )
            .await
            .unwrap();
        assert_eq!(
            back.entry.state,
            tuijin_core::indicator::FigureState::Returned
        );
        assert!(
            s.measures(plan)
                .await
                .unwrap()
                .known("metro_km", day("2100-01-01"))
                .is_empty()
        );
        let e = s
            .review_figure(
                plan,
                Some("metro_km"),
                id,
                true,
                "",
                &stamp("office", "2020-02-26"),
            )
            .await
            .unwrap_err();
        assert_eq!(rules(e), [Rule::FigureNotPending]);
        let again = s
            .file_figure(
                plan,
                "metro_km",
                Some("JTW"),
                &figure("2019", 151.8),
                &stamp("jtw", "2020-02-27"),
            )
            .await
            .unwrap();
        // Accepted on 2020-03-02: counted from that day, not from the day it was filed.
        s.review_figure(
            plan,
            Some("metro_km"),
            again.entry.id.unwrap(),
            true,
            "",
            &stamp("office", "2020-03-02"),
        )
        .await
        .unwrap();
        let m = s.measures(plan).await.unwrap();
        assert!(
            m.known("metro_km", day("2020-03-01")).is_empty(),
            "{}",
            db.label()
        );
        assert_eq!(
            m.known("metro_km", day("2020-03-02")),
            [(day("2019-12-31"), 151.8)]
        );
        assert!(s.pending_figures(plan).await.unwrap().is_empty());
        // The office's own figure counts at once.
        let own = s
            .file_figure(
                plan,
                "metro_km",
                None,
                &figure("2018", 136.6),
                &stamp("office", "2020-03-03"),
            )
            .await
            .unwrap();
        assert_eq!(
            own.entry.state,
            tuijin_core::indicator::FigureState::Accepted
        );
    }
}

/// A target re-based with a reason is kept in the history; the unit, scope, basis and
/// frequency do not change once the indicator keeps figures; the plan file's rules hold for
/// an edit (a lag out of range, a line break in a name).
#[tokio::test]
async fn an_indicator_is_rebased_with_a_reason_and_keeps_its_way_of_counting() {
    use tuijin_core::edit::{DirectoryEdit, content_version};
    use tuijin_core::event::Entity;
    use tuijin_store::{EditStore, EventStore};
    for db in TestDb::all().await {
        let s = &db.store;
        let plan = "demo-small";
        s.import_plan(&small(), &stamp("office", "2018-01-01"))
            .await
            .unwrap();
        let doc = s.export_plan(plan).await.unwrap();
        let metro = doc
            .indicators
            .iter()
            .find(|i| i.code.as_str() == "metro_km")
            .unwrap()
            .clone();
        let edit = |f: &dyn Fn(&mut tuijin_core::Indicator)| {
            let mut i = metro.clone();
            f(&mut i);
            DirectoryEdit::Indicator(Box::new(i))
        };
        let office = stamp("office", "2019-01-10");
        // Out of range or two lines: refused by the plan file's rules.
        for bad in [
            edit(&|i| i.publication_lag = Some(100_000)),
            edit(&|i| i.name = tuijin_core::Text::new("地铁\n里程", i.name.en())),
        ] {
            let e = s
                .edit_directory(plan, &bad, Some(content_version(&metro)), "核对", &office)
                .await
                .unwrap_err();
            assert!(matches!(e, StoreError::PlanInvalid(_)), "{e:?}");
        }
        // Re-based with a reason: in the history with the reason.
        let rebased = edit(&|i| i.targets[0].value = 260.0);
        s.edit_directory(
            plan,
            &rebased,
            Some(content_version(&metro)),
            "按线网规划调整",
            &office,
        )
        .await
        .unwrap();
        let events = s
            .latest_events_for(Entity::Indicator, "metro_km", 5)
            .await
            .unwrap();
        assert!(
            events.iter().any(|e| e
                .after
                .as_ref()
                .is_some_and(|a| a.to_string().contains("按线网规划调整"))),
            "{events:?}"
        );
        // Once it keeps a figure, its unit is its figures' unit.
        s.file_figure(
            plan,
            "metro_km",
            None,
            &figure("2018", 136.6),
            &stamp("office", "2019-03-05"),
        )
        .await
        .unwrap();
        let now = s.export_plan(plan).await.unwrap();
        let metro = now
            .indicators
            .iter()
            .find(|i| i.code.as_str() == "metro_km")
            .unwrap()
            .clone();
        let mut other = metro.clone();
        other.unit = "公里".into();
        let e = s
            .edit_directory(
                plan,
                &DirectoryEdit::Indicator(Box::new(other)),
                Some(content_version(&metro)),
                "改用中文单位",
                &stamp("office", "2019-03-06"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Conflict(p) if p.rule == Rule::IndicatorHasFigures),
            "{e:?}"
        );
    }
}
