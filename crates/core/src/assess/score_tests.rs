//! Hand-computed fixtures: a small plan whose expected points are worked out in the comments.

use super::*;
use crate::assess::{CriterionKind, Scheme, check_scheme};
use crate::{Code, IndicatorTarget, Item, ItemKind, Text, Unit, UnitKind, Weight};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn unit(code: &str, kind: UnitKind) -> Unit {
    Unit {
        code: Code::parse(code).unwrap(),
        name: Text::new(code, code),
        kind,
        parent: None,
        assumed: false,
    }
}

fn item(code: &str, kind: ItemKind, parent: Option<&str>, lead: &str, due: &str) -> Item {
    let mut i = Item::new(Code::parse(code).unwrap(), kind, code);
    i.parent = parent.map(|p| Code::parse(p).unwrap());
    i.lead = Some(Code::parse(lead).unwrap());
    i.due = Some(d(due));
    i
}

const SCHEME: &str = r#"
[scheme]
code = "test"
title = "测试方案"

[[grade]]
name = "优秀"
min = 90
[[grade]]
name = "良好"
min = 80
[[grade]]
name = "一般"
min = 60

[[category]]
code = "districts"
name = "县区"
total = 100
kinds = ["district"]
[[category.criterion]]
kind = "completion"
weight = 40
cooperating = 0.5
[[category.criterion]]
kind = "milestones"
weight = 20
[[category.criterion]]
kind = "reports"
weight = 20
[[category.criterion]]
kind = "notices"
weight = 10
deduct = { yellow = 1, red = 3 }
[[category.criterion]]
kind = "indicators"
weight = 10
[[category.criterion]]
kind = "adjustments"
bonus_cap = 2
deduction_cap = 5

[[category]]
code = "departments"
name = "市直部门"
total = 100
kinds = ["department"]
[[category.criterion]]
kind = "completion"
weight = 100

[[adjustment]]
unit = "d1"
period = "2019-Q2"
points = 3
reason = "获省级表彰"
evidence = "豫政文〔2019〕1号"
approved_by = "推进办主任"
[[adjustment]]
unit = "d1"
period = "2019-Q1"
points = 1
reason = "上季度加分"
evidence = "文件"
approved_by = "推进办主任"
[[adjustment]]
unit = "d2"
period = "2019-Q2"
points = -2
reason = "通报批评"
evidence = "郑政督〔2019〕3号"
approved_by = "推进办主任"
"#;

fn scheme() -> Scheme {
    toml::from_str(SCHEME).unwrap()
}

/// The fixture of 2019-Q2 (1 April to 30 June), monthly reports due on the 10th less one day
/// per level, no grace days.
fn facts() -> Facts {
    let mut t1 = item("T1", ItemKind::Task, None, "d1", "2019-12-31");
    t1.start = Some(d("2019-01-01"));
    let mut p1 = item("P1", ItemKind::Project, Some("T1"), "d1", "2019-05-31");
    p1.weight = Weight::new(3.0).unwrap();
    p1.start = Some(d("2019-01-01"));
    let mut p2 = item("P2", ItemKind::Project, Some("T1"), "d1", "2019-06-30");
    p2.co = vec![Code::parse("d2").unwrap()].into();
    p2.start = Some(d("2019-05-01"));
    let mut p3 = item("P3", ItemKind::Project, Some("T1"), "d2", "2019-12-31");
    p3.start = Some(d("2019-01-01"));
    let m1 = item("M1", ItemKind::Milestone, Some("P3"), "d2", "2019-04-30");
    let m2 = item("M2", ItemKind::Milestone, Some("P3"), "d2", "2019-06-15");
    let history = [
        ("P1", vec![(d("2019-05-20"), Some(100.0))]),
        // Reached after the period: not known on 30 June.
        (
            "P2",
            vec![
                (d("2019-06-01"), Some(60.0)),
                (d("2019-07-03"), Some(100.0)),
            ],
        ),
        ("M1", vec![(d("2019-05-06"), Some(100.0))]),
        ("M2", vec![(d("2019-06-10"), Some(100.0))]),
    ]
    .into_iter()
    .map(|(c, h)| (c.to_string(), h))
    .collect();
    let report = |id: i64, item: &str, unit: &str, period: &str, on: &str| ReportFact {
        id,
        item: item.into(),
        unit: unit.into(),
        period: Period::parse(period).unwrap(),
        submitted_on: d(on),
    };
    let roads = Indicator {
        code: Code::parse("roads").unwrap(),
        name: Text::new("连通道路", "Connecting roads"),
        unit: "条".into(),
        direction: Direction::Increase,
        frequency: crate::Frequency::Annual,
        baseline_year: Some(2016),
        baseline: Some(0.0),
        targets: vec![IndicatorTarget {
            year: 2020,
            value: 193.0,
        }],
        owner: Some(Code::parse("d1").unwrap()),
        scope: String::new(),
        public: true,
        basis: Default::default(),
        publication_lag: None,
        path: Default::default(),
        points: Vec::new(),
        source: String::new(),
    };
    let figure = |period: &str, end: &str, value: f64, accepted: &str| FigureFact {
        period: period.into(),
        period_end: d(end),
        value,
        accepted_on: d(accepted),
    };
    Facts {
        period: AssessPeriod::parse("2019-Q2").unwrap(),
        as_of: d("2019-06-30"),
        cadence: Cadence::Monthly,
        reporting: Reporting {
            due_day: 10,
            grace_days: 0,
            stale_days: 60,
        },
        notices_settings: NoticeSettings::default(),
        items: vec![t1, p1, p2, p3, m1, m2],
        units: vec![
            unit("d1", UnitKind::District),
            unit("d2", UnitKind::District),
            unit("dept", UnitKind::Department),
            unit("dept2", UnitKind::Department),
            unit("office", UnitKind::Office),
        ],
        history,
        reports: vec![
            report(1, "P1", "d1", "2019-03", "2019-04-08"),
            report(2, "P1", "d1", "2019-04", "2019-05-12"),
            report(3, "P1", "d1", "2019-05", "2019-05-20"),
            report(4, "M1", "d2", "2019-03", "2019-04-01"),
            report(5, "M2", "d2", "2019-03", "2019-04-01"),
        ],
        notices: vec![NoticeFacts {
            id: 7,
            number: "督办〔2019〕7号".into(),
            level: 0,
            issued_on: d("2019-06-03"),
            units: vec![
                ("d1".into(), Some(d("2019-06-04"))),
                ("d2".into(), Some(d("2019-06-05"))),
            ],
            rounds: vec![Round {
                reply_by: d("2019-06-14"),
                answered: Some(d("2019-06-20")),
            }],
        }],
        indicators: vec![(
            roads,
            vec![
                figure("2018", "2018-12-31", 80.0, "2019-03-01"),
                // Published after the period's end: not known on 30 June.
                figure("2019", "2019-12-31", 150.0, "2020-02-20"),
            ],
        )],
    }
}

fn points(o: &Outcome, unit: &str, kind: CriterionKind) -> Points {
    let (_, u) = o.unit(unit).unwrap();
    u.criteria.iter().find(|c| c.kind == kind).unwrap().points
}

#[test]
fn the_fixture_scheme_is_valid() {
    let f = facts();
    assert_eq!(
        check_scheme(&scheme(), &f.units, &f.notices_settings.levels),
        vec![]
    );
}

#[test]
fn completion_counts_items_due_by_weight_and_a_co_operating_unit_by_its_part() {
    let o = run(&scheme(), &facts());
    // d1: P1 (weight 3, done 20 May) and P2 (weight 1, 60 % on 30 June): 40 × 3/4 = 30.
    assert_eq!(points(&o, "d1", CriterionKind::Completion), Points(3000));
    // d2: P2 as co-operating unit (1 × 0.5, not done), M1 and M2 (weight 1 each, done):
    // 40 × 2 / 2.5 = 32. T1 and P3 have children and are not counted themselves.
    assert_eq!(points(&o, "d2", CriterionKind::Completion), Points(3200));
}

#[test]
fn milestones_count_only_when_reached_by_their_due_date() {
    let o = run(&scheme(), &facts());
    // d2: M1 due 30 April reached 6 May (late), M2 due 15 June reached 10 June: 20 × 1/2.
    assert_eq!(points(&o, "d2", CriterionKind::Milestones), Points(1000));
    // d1 has no milestone due: full points (when_none = full).
    assert_eq!(points(&o, "d1", CriterionKind::Milestones), Points(2000));
}

#[test]
fn reports_count_those_due_in_the_period_on_time_with_largest_remainders() {
    let o = run(&scheme(), &facts());
    // d1, level-1 items due on the 9th: P1 for March (due 9 April, in 8 April), April (due 9
    // May, in 12 May: late), May (due 9 June, in 20 May); P2 began 1 May, so only May (due
    // 9 June, missing). 2 of 4: 20 × 1/2 = 10. June's reports are due in July.
    assert_eq!(points(&o, "d1", CriterionKind::Reports), Points(1000));
    // d2, level-2 milestones due on the 8th: M1 and M2 for March, April and May (neither was
    // done before those months began), 2 of 6 in on time: 20 × 2/6 = 6.67, two lines of
    // 3.333…; the extra hundredth goes to the first.
    assert_eq!(points(&o, "d2", CriterionKind::Reports), Points(667));
    let (_, u) = o.unit("d2").unwrap();
    let lines: Vec<i64> = u.criteria[2].lines.iter().map(|l| l.points.0).collect();
    assert_eq!(lines, [334, 0, 0, 333, 0, 0]);
}

#[test]
fn notices_count_signatures_and_replies_then_deduct_the_level_reached() {
    let o = run(&scheme(), &facts());
    // d1 (lead): signed 4 June (due 4 June: on time), replied 20 June (due 14 June: late):
    // 10 × 1/2 = 5; the notice rose to yellow on 15 June: −1. 4 points.
    assert_eq!(points(&o, "d1", CriterionKind::Notices), Points(400));
    // d2 (co-operating): signed 5 June, late; no reply or deduction is its to bear.
    assert_eq!(points(&o, "d2", CriterionKind::Notices), Points(0));
}

#[test]
fn indicators_score_the_latest_figure_known_against_its_path() {
    let o = run(&scheme(), &facts());
    // roads: path 0 (end 2016) → 193 (end 2020); on 31 Dec 2018 expected 193 × 730/1461 =
    // 96.434; 80 covers 0.8296 of it: 10 × 0.8296 = 8.30. The 2019 figure came in 2020.
    assert_eq!(points(&o, "d1", CriterionKind::Indicators), Points(830));
    assert_eq!(points(&o, "d2", CriterionKind::Indicators), Points(1000));
}

#[test]
fn adjustments_of_the_period_count_within_their_caps() {
    let o = run(&scheme(), &facts());
    // d1: +3 in 2019-Q2, capped at +2 (the 2019-Q1 point is another period's).
    assert_eq!(points(&o, "d1", CriterionKind::Adjustments), Points(200));
    assert_eq!(points(&o, "d2", CriterionKind::Adjustments), Points(-200));
}

#[test]
fn a_category_whose_units_an_earlier_one_took_is_empty() {
    let mut s = scheme();
    let mut again = s.category[1].clone();
    again.code = "departments2".into();
    s.category.push(again);
    let units = facts().units;
    let problems = check_scheme(&s, &units, &NoticeSettings::default().levels);
    assert!(
        problems.iter().any(
            |p| p.field == "category[2].units" && p.rule == crate::problem::Rule::CategoryEmpty
        ),
        "{problems:?}"
    );
}

#[test]
fn a_quarters_adjustment_counts_in_its_half_year_and_its_year() {
    let mut f = facts();
    f.period = AssessPeriod::parse("2019-H1").unwrap();
    let o = run(&scheme(), &f);
    // d1: +3 (Q2) and +1 (Q1) both lie in 2019-H1: +4, capped at +2.
    let (_, d1) = o.unit("d1").unwrap();
    let adj = d1
        .criteria
        .iter()
        .find(|c| c.kind == CriterionKind::Adjustments)
        .unwrap();
    assert_eq!(adj.points, Points(200));
    assert_eq!(
        adj.lines.len(),
        3,
        "two adjustments and the cap: {:?}",
        adj.lines
    );
    f.period = AssessPeriod::parse("2019-Q3").unwrap();
    let o = run(&scheme(), &f);
    assert_eq!(points(&o, "d1", CriterionKind::Adjustments), Points(0));
}

#[test]
fn a_figure_from_before_the_path_is_judged_against_the_baseline() {
    let mut f = facts();
    // The only figure known is of the baseline's own year and at its value: nothing more
    // was asked of it; below the baseline it earns nothing.
    for (value, want) in [(0.0, 1000), (-5.0, 0)] {
        f.indicators[0].1 = vec![FigureFact {
            period: "2015".into(),
            period_end: d("2015-12-31"),
            value,
            accepted_on: d("2016-03-01"),
        }];
        let o = run(&scheme(), &f);
        assert_eq!(
            points(&o, "d1", CriterionKind::Indicators),
            Points(want),
            "{value}"
        );
    }
}

#[test]
fn scores_add_up_rank_and_grade_with_ties_sharing_a_rank() {
    let o = run(&scheme(), &facts());
    // d1: 30 + 20 + 10 + 4 + 8.30 + 2 = 74.30; d2: 32 + 10 + 6.67 + 0 + 10 − 2 = 56.67.
    let (c, d1) = o.unit("d1").unwrap();
    assert_eq!(
        (c, d1.score, d1.rank, d1.grade),
        (0, Points(7430), 1, Some(2))
    );
    let (_, d2) = o.unit("d2").unwrap();
    assert_eq!((d2.score, d2.rank, d2.grade), (Points(5667), 2, None));
    // Both departments have nothing due: 100 each, both first, listed by code.
    let deps = &o.categories[1].units;
    let got: Vec<(&str, u32, Option<usize>)> = deps
        .iter()
        .map(|u| (u.unit.as_str(), u.rank, u.grade))
        .collect();
    assert_eq!(got, [("dept", 1, Some(0)), ("dept2", 1, Some(0))]);
    // The office is in no category.
    assert!(o.unit("office").is_none());
    for cat in &o.categories {
        for u in &cat.units {
            let sum: Points = u
                .criteria
                .iter()
                .flat_map(|c| &c.lines)
                .map(|l| l.points)
                .sum();
            assert_eq!(sum, u.score, "{}", u.unit);
        }
    }
}

#[test]
fn a_run_is_the_same_to_the_last_digit_and_blind_to_what_came_after() {
    let a = run(&scheme(), &facts());
    let mut later = facts();
    // Accepted after the period's end: the store would not even load these; the run must not
    // count them if it were given them.
    later
        .history
        .get_mut("P2")
        .unwrap()
        .push((d("2019-07-05"), Some(100.0)));
    later.reports.push(ReportFact {
        id: 9,
        item: "P2".into(),
        unit: "d1".into(),
        period: Period::parse("2019-05").unwrap(),
        submitted_on: d("2019-07-02"),
    });
    let b = run(&scheme(), &later);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&run(&scheme(), &facts())).unwrap()
    );
    assert_eq!(
        points(&a, "d1", CriterionKind::Completion),
        points(&b, "d1", CriterionKind::Completion)
    );
    // The late report is on file but after its due date: still no points.
    assert_eq!(
        points(&a, "d1", CriterionKind::Reports),
        points(&b, "d1", CriterionKind::Reports)
    );
}

#[test]
fn deductions_never_take_a_criterion_below_zero() {
    let mut s = scheme();
    s.category[0].criterion[3].deduct = Some([("yellow".to_string(), 8.0)].into_iter().collect());
    let o = run(&s, &facts());
    let (_, u) = o.unit("d1").unwrap();
    let c = &u.criteria[3];
    assert_eq!(c.points, Points(0));
    assert!(matches!(c.lines.last().unwrap().basis, Basis::Floor));
    assert_eq!(c.lines.last().unwrap().points, Points(300));
}

#[test]
fn scheme_problems_are_found_with_their_paths() {
    let f = facts();
    let mut s = scheme();
    s.category[0].criterion[0].weight = Some(45.0);
    s.category[1].units = vec!["d1".into(), "nobody".into()];
    s.category[1].criterion[0].deduct = Some([("purple".to_string(), 1.0)].into_iter().collect());
    s.adjustment[0].period = "2019-Q5".into();
    s.adjustment[2].reason = " ".into();
    s.grade[1].min = 95.0;
    let problems = check_scheme(&s, &f.units, &f.notices_settings.levels);
    let got: Vec<(String, &str)> = problems
        .iter()
        .map(|p| (p.field.clone(), p.rule.code()))
        .collect();
    for want in [
        ("category[0].total", "weights_sum"),
        ("category[1].units[1]", "unknown_unit"),
        ("category[1].units", "unit_in_two_categories"),
        ("category[1].criterion[0].deduct", "not_for_kind"),
        ("category[1].criterion[0].deduct.purple", "not_one_of"),
        ("adjustment[0].period", "assess_period_format"),
        ("adjustment[2].reason", "required"),
        ("grade[1].min", "grade_order"),
    ] {
        assert!(
            got.contains(&(want.0.to_string(), want.1)),
            "{want:?} not in {got:?}"
        );
    }
}
