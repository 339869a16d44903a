//! Tests of the report workflow and of what a report may say.

use super::*;
use ReportAction::*;
use ReportState::*;

#[test]
fn workflow() {
    assert_eq!(transition(Draft, Submit), Ok(Submitted));
    assert_eq!(transition(Submitted, Accept), Ok(Accepted));
    assert_eq!(transition(Submitted, Return), Ok(Returned));
    assert_eq!(transition(Returned, Edit), Ok(Returned));
    assert_eq!(transition(Returned, Submit), Ok(Submitted));
    for refused in [
        (Draft, Accept),
        (Draft, Return),
        (Accepted, Edit),
        (Accepted, Submit),
        (Accepted, Return),
        (Submitted, Edit),
        (Superseded, Accept),
        (Accepted, Accept),
    ] {
        assert!(transition(refused.0, refused.1).is_err(), "{refused:?}");
    }
    let refused = transition(Draft, Accept).unwrap_err();
    assert_eq!(refused.problems()[0].rule, Rule::Workflow);
    assert_eq!(
        refused.problems()[0].message(crate::i18n::Lang::Zh),
        "状态为“草稿”的报告不能通过。"
    );
}

fn facts() -> ReportFacts {
    ReportFacts {
        item: Code::parse("E1.1").unwrap(),
        item_kind: ItemKind::Project,
        item_archived: false,
        item_cancelled: false,
        item_has_children: false,
        item_measured: false,
        unit: Code::parse("JTW").unwrap(),
        relation: Relation::Lead,
        cadence: Cadence::Monthly,
        today: NaiveDate::from_ymd_opt(2020, 6, 30).unwrap(),
        plan_start: NaiveDate::from_ymd_opt(2017, 8, 14).unwrap(),
        period: Period::parse("2020-06").unwrap(),
        period_closed: false,
        open_report: None,
        last_accepted: None,
        per_period: vec![],
        indicators: vec![
            (
                Code::parse("metro_km").unwrap(),
                Some(Code::parse("JTW").unwrap()),
            ),
            (
                Code::parse("gdp").unwrap(),
                Some(Code::parse("FGW").unwrap()),
            ),
            (Code::parse("free").unwrap(), None),
        ],
    }
}

fn content(percent: Option<f64>) -> ReportContent {
    ReportContent {
        percent: percent.map(|p| Percent::new(p).unwrap()),
        narrative: "盾构推进".into(),
        ..Default::default()
    }
}

fn figure(code: &str, v: f64) -> Figure {
    Figure {
        indicator: Code::parse(code).unwrap(),
        value: FigureValue::new(v).unwrap(),
    }
}

/// The rules found for a new report: (meaning, rules) where meaning is `ok`, `invalid`,
/// `conflict` or `forbidden`.
fn check(c: &ReportContent, f: &ReportFacts) -> (&'static str, Vec<Rule>) {
    match check_new(c, f) {
        Ok(()) => ("ok", vec![]),
        Err(r) => {
            let rules = r.problems().iter().map(|p| p.rule).collect();
            let m = match r {
                Refusal::Invalid(_) => "invalid",
                Refusal::Conflict(_) => "conflict",
                Refusal::Forbidden(_) => "forbidden",
            };
            (m, rules)
        }
    }
}

#[test]
fn each_rule_of_a_new_report() {
    let ok = content(Some(40.0));
    assert_eq!(check(&ok, &facts()), ("ok", vec![]));
    // Who: only a lead or co-operating unit reports.
    let f = ReportFacts {
        relation: Relation::None,
        ..facts()
    };
    assert_eq!(check(&ok, &f), ("forbidden", vec![Rule::NotResponsible]));
    assert_eq!(
        check(
            &ok,
            &ReportFacts {
                relation: Relation::Co,
                ..facts()
            }
        )
        .0,
        "ok"
    );
    // The item and the period take reports.
    for (f, rule) in [
        (
            ReportFacts {
                item_archived: true,
                ..facts()
            },
            Rule::ItemArchived,
        ),
        (
            ReportFacts {
                item_cancelled: true,
                ..facts()
            },
            Rule::ItemCancelled,
        ),
        (
            ReportFacts {
                period_closed: true,
                ..facts()
            },
            Rule::PeriodClosed,
        ),
        (
            ReportFacts {
                open_report: Some(7),
                ..facts()
            },
            Rule::ReportOpen,
        ),
    ] {
        assert_eq!(check(&ok, &f), ("conflict", vec![rule]));
    }
    // A period of the cadence that has begun.
    let f = ReportFacts {
        period: Period::parse("2020-Q2").unwrap(),
        ..facts()
    };
    assert_eq!(check(&ok, &f), ("invalid", vec![Rule::PeriodCadence]));
    let f = ReportFacts {
        period: Period::parse("2021-03").unwrap(),
        ..facts()
    };
    assert_eq!(check(&ok, &f), ("invalid", vec![Rule::PeriodFuture]));
    let f = ReportFacts {
        period: Period::parse("2020-07").unwrap(),
        ..facts()
    };
    assert_eq!(check(&ok, &f), ("invalid", vec![Rule::PeriodFuture]));
    // Before the plan began (it starts 2017-08-14: August 2017 is still its period).
    let f = ReportFacts {
        period: Period::parse("1900-01").unwrap(),
        ..facts()
    };
    assert_eq!(check(&ok, &f), ("invalid", vec![Rule::PeriodBeforePlan]));
    let f = ReportFacts {
        period: Period::parse("2017-08").unwrap(),
        ..facts()
    };
    assert_eq!(check(&ok, &f).0, "ok");
    // A milestone is 0 or 100; a parent's figure is its children's.
    let f = ReportFacts {
        item_kind: ItemKind::Milestone,
        ..facts()
    };
    assert_eq!(check(&ok, &f), ("invalid", vec![Rule::MilestoneBinary]));
    assert_eq!(check(&content(Some(100.0)), &f).0, "ok");
    let f = ReportFacts {
        item_has_children: true,
        ..facts()
    };
    assert_eq!(check(&ok, &f), ("invalid", vec![Rule::PercentRolledUp]));
    // An item measured by its indicator takes no percent either; text alone is fine.
    let measured = ReportFacts {
        item_measured: true,
        ..facts()
    };
    assert_eq!(
        check(&ok, &measured),
        ("invalid", vec![Rule::PercentMeasured])
    );
    assert_eq!(check(&content(None), &f).0, "ok", "words only on a parent");
    // A fall below the last accepted figure needs a reason.
    let f = ReportFacts {
        last_accepted: Some(Percent::new(57.7).unwrap()),
        ..facts()
    };
    assert_eq!(
        change(f.last_accepted, Some(Percent::new(30.0).unwrap())),
        Some(Change::Fall(30.0 - 57.7))
    );
    assert_eq!(
        change(
            Some(Percent::new(61.1).unwrap()),
            Some(Percent::new(95.0).unwrap())
        )
        .map(|c| matches!(c, Change::Jump(_))),
        Some(true)
    );
    assert_eq!(
        change(None, Some(Percent::new(5.0).unwrap())),
        Some(Change::First)
    );
    assert_eq!(change(None, None), None);
    assert_eq!(
        check(&content(Some(30.0)), &f),
        ("invalid", vec![Rule::FallNeedsReason])
    );
    let mut why = content(Some(30.0));
    why.problems = "前期统计口径有误，已更正".into();
    assert_eq!(check(&why, &f).0, "ok");
    // Text is clean.
    let mut dirty = content(Some(40.0));
    dirty.narrative = "a\u{0}b".into();
    assert_eq!(
        check(&dirty, &facts()),
        ("invalid", vec![Rule::ControlCharacter])
    );
    // Figures: known, once, owned by the unit (or by nobody).
    let mut figs = content(Some(40.0));
    figs.figures = vec![figure("metro_km", 151.8), figure("free", 1.0)];
    assert_eq!(check(&figs, &facts()).0, "ok");
    figs.figures = vec![
        figure("nope", 1.0),
        figure("free", 1.0),
        figure("free", 2.0),
    ];
    assert_eq!(
        check(&figs, &facts()),
        (
            "invalid",
            vec![Rule::FigureUnknownIndicator, Rule::FigureTwice]
        )
    );
    // As from the workspace: within the largest figure taken; a period's own figure (the
    // year's total) only with a report of its kind of period.
    figs.figures = vec![figure("metro_km", 1e300)];
    assert_eq!(check(&figs, &facts()), ("invalid", vec![Rule::OutOfRange]));
    let yearly = ReportFacts {
        per_period: vec![(Code::parse("free").unwrap(), crate::Frequency::Annual)],
        ..facts()
    };
    figs.figures = vec![figure("free", 1.0)];
    assert_eq!(check(&figs, &yearly), ("invalid", vec![Rule::FigurePeriod]));
    let monthly = ReportFacts {
        per_period: vec![(Code::parse("free").unwrap(), crate::Frequency::Monthly)],
        ..facts()
    };
    assert_eq!(
        check(&figs, &monthly).0,
        "ok",
        "a month's figure with a month's report"
    );
    // Another unit's indicator is a question of permission.
    figs.figures = vec![figure("gdp", 1.0)];
    assert_eq!(
        check(&figs, &facts()),
        ("forbidden", vec![Rule::FigureNotOwner])
    );
    // Every content problem at once.
    let mut many = content(Some(30.0));
    many.next_steps = "\u{7}".into();
    let f = ReportFacts {
        item_has_children: true,
        last_accepted: Some(Percent::new(50.0).unwrap()),
        ..facts()
    };
    // A parent's percent is refused whole: it has nothing to fall from.
    assert_eq!(
        check(&many, &f),
        (
            "invalid",
            vec![Rule::ControlCharacter, Rule::PercentRolledUp]
        )
    );
    let leaf = ReportFacts {
        item_has_children: false,
        ..f
    };
    assert_eq!(
        check(&many, &leaf),
        (
            "invalid",
            vec![Rule::ControlCharacter, Rule::FallNeedsReason]
        )
    );
    assert!(FigureValue::new(f64::NAN).is_err() && FigureValue::new(f64::INFINITY).is_err());
}

#[test]
fn submit_review_and_close() {
    let f = facts();
    assert_eq!(check_submit(Draft, &content(Some(40.0)), &f), Ok(Submitted));
    let mut silent = content(Some(40.0));
    silent.narrative = "  ".into();
    let r = check_submit(Draft, &silent, &f).unwrap_err();
    assert_eq!(r.problems()[0].rule, Rule::NarrativeRequired);
    assert!(matches!(
        check_submit(Accepted, &content(None), &f),
        Err(Refusal::Conflict(_))
    ));
    assert_eq!(check_review(Submitted, Accept, ""), Ok(Accepted));
    let r = check_review(Submitted, Return, " ").unwrap_err();
    assert_eq!(r.problems()[0].rule, Rule::ReturnNeedsComment);
    assert_eq!(check_review(Submitted, Return, "数据有误"), Ok(Returned));
    assert!(check_edit(Returned, &content(Some(1.0)), &f).is_ok());
    assert!(matches!(
        check_edit(Submitted, &content(Some(1.0)), &f),
        Err(Refusal::Conflict(_))
    ));
    let p = Period::parse("2020-06").unwrap();
    assert!(check_close(p, false, 0).is_ok());
    assert_eq!(
        check_close(p, false, 3).unwrap_err().problems()[0].rule,
        Rule::PeriodAwaitingReview
    );
    assert_eq!(
        check_close(p, true, 0).unwrap_err().problems()[0].rule,
        Rule::PeriodClosed
    );
}
