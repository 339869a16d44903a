//! The warnings an indicator raises on the items it measures, from its figures as known on a
//! day: the latest figure off the path, a forecast likely to miss the next target, a figure
//! not in after its publication lag.

use chrono::NaiveDate;

use super::{Condition, Detail, Severity, WarningKind, indicator_condition, one_place};
use crate::forecast::{Forecast, forecast};
use crate::indicator::{Figure, Indicator, known_on, period_end};

/// Every warning `ind` raises on `today` from `figures` (every record, revisions included, in
/// the order entered), for a plan running from `plan_start`.
pub fn indicator_conditions(
    ind: &Indicator,
    figures: &[Figure],
    today: NaiveDate,
    plan_start: NaiveDate,
    thresholds: crate::Thresholds,
) -> Vec<Condition> {
    let known = known_on(figures, today);
    // Dated from the day the latest figure became known: nothing could say it before.
    let known_since = known.last().and_then(|&(on, _)| {
        figures
            .iter()
            .filter(|f| f.on == on && f.known <= today)
            .map(|f| f.known)
            .max()
    });
    let mut out = Vec::new();
    if let Some(&(on, value)) = known.last()
        && let Some(mut c) = indicator_condition(ind, value, on, thresholds)
    {
        c.since = known_since.unwrap_or(c.since).max(c.since);
        out.push(c);
    }
    if let Some(mut c) = forecast_condition(ind, &known, thresholds) {
        c.since = known_since.unwrap_or(c.since).max(c.since);
        out.push(c);
    }
    if let Some(c) = overdue_condition(ind, &known, today, plan_start) {
        out.push(c);
    }
    out
}

/// The forecast's warning: the next target year's chance of being missed, above the plan's
/// setting. High when missing is all but certain (nine in ten or more).
fn forecast_condition(
    ind: &Indicator,
    known: &[(NaiveDate, f64)],
    thresholds: crate::Thresholds,
) -> Option<Condition> {
    let Forecast::Made { projections, .. } = forecast(ind, known) else {
        return None;
    };
    let next = projections.first()?;
    // A target already met is not forecast to be missed.
    if ind.met_by(known, next.target).is_some() {
        return None;
    }
    let miss = 1.0 - next.probability?;
    if miss * 100.0 <= thresholds.forecast_miss {
        return None;
    }
    let since = known.last()?.0;
    Some(Condition {
        kind: WarningKind::IndicatorForecastMiss,
        severity: if miss >= 0.9 {
            Severity::High
        } else {
            Severity::Medium
        },
        details: Detail::new(
            "warning.detail.forecast",
            &[
                ("indicator", ind.name.zh().to_string()),
                (
                    "indicator_en",
                    ind.name.get(crate::i18n::Lang::En).to_string(),
                ),
                ("year", next.year.to_string()),
                ("forecast", one_place(next.value)),
                ("unit", ind.unit.clone()),
                ("target", one_place(next.target)),
                ("miss", chance_percent(miss)),
            ],
        )
        .stored(),
        since,
    })
}

/// A chance as a percentage (without the sign), one decimal; below 0.1 % or above 99.9 % said
/// so rather than claiming certainty. Pages and warnings write chances with it.
pub fn chance_percent(p: f64) -> String {
    if p > 0.0 && p < 0.0005 {
        "<0.1".into()
    } else if p < 1.0 && p > 0.9995 {
        ">99.9".into()
    } else {
        one_place(p * 100.0)
    }
}

/// The periods of `ind`'s frequency from the plan's start — or after the baseline's year, which
/// the baseline stands for — whose figure was due before `today`, with no figure known for
/// them: a warning from the day after the first of them was due, high when more than one is
/// missing.
fn overdue_condition(
    ind: &Indicator,
    known: &[(NaiveDate, f64)],
    today: NaiveDate,
    plan_start: NaiveDate,
) -> Option<Condition> {
    let f = ind.frequency;
    let covered: std::collections::HashSet<String> =
        known.iter().map(|(on, _)| f.period_of(*on)).collect();
    let mut missing: Vec<(String, NaiveDate)> = Vec::new();
    let after_baseline = ind
        .baseline
        .and(ind.baseline_year)
        .and_then(|y| NaiveDate::from_ymd_opt(y + 1, 1, 1));
    let mut day = after_baseline.map_or(plan_start, |d| d.max(plan_start));
    // One step per period: the day after the period's end is in the next one.
    while let Some(end) = period_end(f, &f.period_of(day)) {
        let due = ind.due_on(end);
        if due >= today {
            break;
        }
        let period = f.period_of(day);
        if !covered.contains(&period) {
            missing.push((period, due));
        }
        day = end.succ_opt()?;
    }
    let (first, due) = missing.first()?.clone();
    Some(Condition {
        kind: WarningKind::IndicatorFigureOverdue,
        severity: if missing.len() > 1 {
            Severity::High
        } else {
            Severity::Medium
        },
        details: Detail::new(
            "warning.detail.figure_overdue",
            &[
                ("indicator", ind.name.zh().to_string()),
                (
                    "indicator_en",
                    ind.name.get(crate::i18n::Lang::En).to_string(),
                ),
                ("period", first),
                ("due", due.to_string()),
                ("count", missing.len().to_string()),
            ],
        )
        .stored(),
        since: due.succ_opt()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::{Direction, Frequency, IndicatorTarget};
    use crate::{Code, Text};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn gdp() -> Indicator {
        Indicator {
            code: Code::parse("gdp").unwrap(),
            name: Text::new("地区生产总值", "GDP"),
            unit: "亿元".into(),
            direction: Direction::Increase,
            frequency: Frequency::Annual,
            baseline_year: Some(2016),
            baseline: Some(8114.0),
            targets: vec![IndicatorTarget {
                year: 2020,
                value: 10000.0,
            }],
            owner: None,
            scope: String::new(),
            public: true,
            basis: crate::indicator::CountingBasis::PerPeriod,
            publication_lag: Some(60),
            path: crate::indicator::PathKind::Compound,
            points: Vec::new(),
            source: String::new(),
        }
    }

    fn fig(period: &str, on: &str, value: f64, known: &str) -> Figure {
        Figure {
            period: period.into(),
            on: d(on),
            value,
            known: d(known),
        }
    }

    fn kinds(c: &[Condition]) -> Vec<WarningKind> {
        c.iter().map(|c| c.kind).collect()
    }

    /// The 2019 figure is due 60 days after the year: missing on 2020-02-29 it is not yet
    /// late; on 2020-03-01 it is, and two missing years are high.
    #[test]
    fn a_figure_is_overdue_only_after_its_publication_lag() {
        let t = crate::Thresholds::default();
        let start = d("2017-01-01");
        let figs = vec![
            fig("2017", "2017-12-31", 9130.2, "2018-02-28"),
            fig("2018", "2018-12-31", 10143.0, "2019-04-10"),
        ];
        let at = |day: &str| indicator_conditions(&gdp(), &figs, d(day), start, t);
        assert!(
            kinds(&at("2020-02-29")).is_empty(),
            "due that day, not late"
        );
        let late = at("2020-03-01");
        assert_eq!(kinds(&late), [WarningKind::IndicatorFigureOverdue]);
        assert_eq!(late[0].severity, Severity::Medium);
        assert_eq!(late[0].since, d("2020-03-01"));
        assert!(late[0].details.contains("2019"), "{}", late[0].details);
        let two = indicator_conditions(&gdp(), &figs[..1], d("2020-03-01"), start, t);
        assert_eq!(two[0].severity, Severity::High);
        // The baseline stands for its year: with the baseline in 2018, 2017 and 2018 are not
        // asked for.
        let mut later = gdp();
        later.baseline_year = Some(2018);
        let c = indicator_conditions(&later, &[], d("2020-03-01"), start, t);
        assert!(c[0].details.contains("\"count\",\"1\""), "{}", c[0].details);
        // The 2018 figure came late: overdue until the day it was entered.
        let one = indicator_conditions(&gdp(), &figs, d("2019-03-15"), start, t);
        assert_eq!(kinds(&one), [WarningKind::IndicatorFigureOverdue]);
        assert!(indicator_conditions(&gdp(), &figs, d("2019-04-10"), start, t).is_empty());
    }

    /// A trend that falls short of the target warns when the chance of missing it is above
    /// the plan's setting, and not when the setting accepts it.
    #[test]
    fn a_forecast_likely_to_miss_warns_by_the_plans_setting() {
        let mut ind = gdp();
        ind.targets = vec![IndicatorTarget {
            year: 2020,
            value: 12000.0,
        }];
        ind.baseline = None; // no path: only the forecast speaks
        let figs = vec![
            fig("2017", "2017-12-31", 9130.2, "2018-02-28"),
            fig("2018", "2018-12-31", 9600.0, "2019-02-28"),
            fig("2019", "2019-12-31", 10010.0, "2020-02-28"),
        ];
        let mut t = crate::Thresholds::default();
        let c = indicator_conditions(&ind, &figs, d("2020-06-30"), d("2017-01-01"), t);
        assert_eq!(kinds(&c), [WarningKind::IndicatorForecastMiss]);
        assert!(
            c[0].details.contains("\"year\",\"2020\""),
            "{}",
            c[0].details
        );
        t.forecast_miss = 100.0;
        let quiet = indicator_conditions(&ind, &figs, d("2020-06-30"), d("2017-01-01"), t);
        assert!(quiet.is_empty());
    }

    /// A revision replaces the figure it revises from the day it is known, not before.
    #[test]
    fn revisions_count_from_the_day_they_are_known() {
        let figs = vec![
            fig("2019", "2019-12-31", 1035.2, "2020-03-01"),
            fig("2019", "2019-12-31", 1260.1, "2021-05-11"),
        ];
        assert_eq!(
            known_on(&figs, d("2020-06-30")),
            [(d("2019-12-31"), 1035.2)]
        );
        assert_eq!(
            known_on(&figs, d("2021-06-30")),
            [(d("2019-12-31"), 1260.1)]
        );
        assert!(known_on(&figs, d("2020-01-15")).is_empty());
    }
}
