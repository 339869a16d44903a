//! Indicators (指标): measures with a baseline, targets per year and an owner unit. Actuals and
//! their revisions arrive with the indicators capability; the plan file carries the definition.

use serde::{Deserialize, Serialize};

use crate::{Code, Text};

/// Which way is better.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Direction {
    Increase,
    Decrease,
    /// Closer to the target is better (e.g. a ratio to hold).
    Target,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Frequency {
    Monthly,
    Quarterly,
    Annual,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorTarget {
    pub year: i32,
    pub value: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub code: Code,
    pub name: Text,
    /// Unit of measure (亿元, km, 万人).
    pub unit: String,
    pub direction: Direction,
    pub frequency: Frequency,
    pub baseline_year: Option<i32>,
    pub baseline: Option<f64>,
    /// Targets by year, ascending, one per year.
    pub targets: Vec<IndicatorTarget>,
    pub owner: Option<Code>,
    /// What the figure covers (the city, the metro operator), so figures are never mixed.
    pub scope: String,
    pub public: bool,
}

impl Indicator {
    /// The path the indicator should follow: the baseline at the end of its year, then each
    /// yearly target at the end of its year. Empty without a baseline or targets.
    fn path(&self) -> Vec<(chrono::NaiveDate, f64)> {
        let (Some(year), Some(base)) = (self.baseline_year, self.baseline) else {
            return Vec::new();
        };
        if self.targets.is_empty() {
            return Vec::new();
        }
        let end = |y: i32| chrono::NaiveDate::from_ymd_opt(y, 12, 31);
        let mut points: Vec<(chrono::NaiveDate, f64)> =
            end(year).map(|d| (d, base)).into_iter().collect();
        points.extend(
            self.targets
                .iter()
                .filter(|t| t.year > year)
                .filter_map(|t| end(t.year).map(|d| (d, t.value))),
        );
        if points.len() < 2 { Vec::new() } else { points }
    }

    /// Where the indicator should be on `date`: linear between the points of its path; the
    /// last target after the last year; `None` before the baseline or without a path.
    pub fn expected_at(&self, date: chrono::NaiveDate) -> Option<f64> {
        let path = self.path();
        let first = path.first()?;
        if date < first.0 {
            return None;
        }
        for w in path.windows(2) {
            let ((d0, v0), (d1, v1)) = (w[0], w[1]);
            if date <= d1 {
                let f = (date - d0).num_days() as f64 / (d1 - d0).num_days().max(1) as f64;
                return Some(v0 + (v1 - v0) * f);
            }
        }
        path.last().map(|p| p.1)
    }

    /// How far `actual` on `date` is off the path, in percent of the whole way from the
    /// baseline to the last target: positive is behind (below the path for an indicator that
    /// should rise, above it for one that should fall, either side for one aimed at a value).
    pub fn gap(&self, actual: f64, date: chrono::NaiveDate) -> Option<f64> {
        let path = self.path();
        let span = path.last()?.1 - path.first()?.1;
        if span.abs() < 1e-9 {
            return None;
        }
        let expected = self.expected_at(date)?;
        Some(match self.direction {
            Direction::Increase | Direction::Decrease => (expected - actual) / span * 100.0,
            Direction::Target => (expected - actual).abs() / span.abs() * 100.0,
        })
    }
}

/// What the period of a figure filed for an indicator looks like, by its frequency: a year
/// (`2019`), a quarter (`2019-Q3`) or a month (`2019-09`). The API publishes these patterns.
pub const FIGURE_PERIOD_PATTERN: &str =
    "^(19[0-9]{2}|2[01][0-9]{2}|2200)(-(0[1-9]|1[0-2]|Q[1-4]))?$";

/// The last day of a period of `freq` written `s`; `None` when `s` is not one of its periods.
pub fn period_end(freq: Frequency, s: &str) -> Option<chrono::NaiveDate> {
    let year_of = |y: &str| -> Option<i32> {
        let v: i32 = y.parse().ok()?;
        (y.len() == 4 && (1900..=2200).contains(&v)).then_some(v)
    };
    match freq {
        Frequency::Annual => chrono::NaiveDate::from_ymd_opt(year_of(s)?, 12, 31),
        Frequency::Quarterly | Frequency::Monthly => {
            let p = crate::report::Period::parse(s).ok()?;
            let fits = matches!(
                (freq, p),
                (Frequency::Quarterly, crate::report::Period::Quarter { .. })
                    | (Frequency::Monthly, crate::report::Period::Month { .. })
            );
            fits.then(|| p.last_day())
        }
    }
}

/// The largest figure taken, either way: far beyond any city's statistic in any unit (GDP in
/// yuan is about 1e13), small enough that no figure is an overflow in disguise.
pub const MAX_FIGURE: f64 = 1e15;

/// A figure an indicator's owner files for one of the indicator's periods, with where it is
/// published.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FiledFigure {
    pub period: String,
    pub value: f64,
    /// A citation or an address of the publication (统计公报, a bureau's page).
    pub source: String,
}

/// Whether `unit` (the filing user's unit; `None` for the office, filing on the owner's
/// behalf) may file `f` for `ind` on `today`: the owner files its own indicators' figures,
/// for a period of the indicator's frequency that has ended, with a finite value and a
/// source. Returns the day the figure stands for; every problem at once otherwise.
pub fn check_filed(
    ind: &Indicator,
    unit: Option<&Code>,
    f: &FiledFigure,
    today: chrono::NaiveDate,
) -> Result<chrono::NaiveDate, crate::problem::Refusal> {
    use crate::problem::{Problem, Problems, Rule};
    let mut out = Problems::default();
    if let Some(u) = unit
        && ind.owner.as_ref() != Some(u)
    {
        return Err(crate::problem::Refusal::Forbidden(
            Problem::new("indicator", Rule::FigureNotOwner).with("indicator", &ind.code),
        ));
    }
    let end = period_end(ind.frequency, f.period.trim());
    match end {
        None => out.push(Problem::new("period", Rule::FigurePeriod).with(
            "frequency",
            format!("@frequency.{}", ind.frequency.as_str()),
        )),
        // Not over until the day after its last: a figure for June is not known on June 30.
        Some(e) if e >= today => out.push(
            Problem::new("period", Rule::FigurePeriodNotOver)
                .with("period", f.period.trim())
                .with("today", today),
        ),
        Some(_) => {}
    }
    if !f.value.is_finite() {
        out.push(Problem::new("value", Rule::NotANumber));
    } else if f.value.abs() > MAX_FIGURE {
        out.push(
            Problem::new("value", Rule::OutOfRange)
                .with("min", -MAX_FIGURE)
                .with("max", MAX_FIGURE),
        );
    }
    if f.source.trim().is_empty() {
        out.push(Problem::new("source", Rule::Required));
    }
    crate::problem::check_text("source", &f.source, &mut out);
    out.finish()?;
    Ok(end.expect("checked above"))
}

/// How far an item whose target is a value of an indicator (G2020.3: GDP ≥ 10,000 亿元 by
/// 2020) has come, judged by the indicator's figures known on a date.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Attainment {
    /// A figure met the target: the first one that did, and the day it stands for.
    Achieved { on: chrono::NaiveDate, value: f64 },
    /// Not met yet; the latest figure, and how far it is off the indicator's path (percent of
    /// the way from baseline to target; positive is behind), when the path is known.
    Towards {
        on: chrono::NaiveDate,
        value: f64,
        gap: Option<f64>,
    },
    /// No figure yet.
    NoFigure,
}

/// The figures an item's target is judged by: the indicator, and its figures as
/// (the day each stands for, value), in any order.
#[derive(Clone, Debug, Default)]
pub struct Measures {
    pub indicators: std::collections::HashMap<String, (Indicator, Vec<(chrono::NaiveDate, f64)>)>,
}

impl Measures {
    /// The attainment of `target` on `date`, if the target names an indicator this knows.
    /// Only figures for days up to `date` count, so a past date is judged as it stood.
    pub fn attainment(
        &self,
        target: &crate::Target,
        date: chrono::NaiveDate,
    ) -> Option<Attainment> {
        let (ind, figures) = self.indicators.get(target.indicator.as_ref()?.as_str())?;
        let mut known: Vec<(chrono::NaiveDate, f64)> = figures
            .iter()
            .copied()
            .filter(|(d, _)| *d <= date)
            .collect();
        known.sort_by_key(|f| f.0);
        let meets = |v: f64| match ind.direction {
            Direction::Increase => v >= target.value - 1e-9,
            Direction::Decrease => v <= target.value + 1e-9,
            Direction::Target => (v - target.value).abs() <= 1e-9,
        };
        if let Some(&(on, value)) = known.iter().find(|(_, v)| meets(*v)) {
            return Some(Attainment::Achieved { on, value });
        }
        Some(match known.last() {
            Some(&(on, value)) => Attainment::Towards {
                on,
                value,
                gap: ind.gap(value, on),
            },
            None => Attainment::NoFigure,
        })
    }
}

#[cfg(test)]
mod attainment_tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// G2020.3 of the demo: GDP 10,143 亿元 in 2018 and 11,589.7 in 2019 against a target of
    /// 10,000 by 2020: achieved, on the day the 2018 figure stands for.
    #[test]
    fn a_goal_is_achieved_when_a_figure_first_meets_its_target() {
        let gdp = Indicator {
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
        };
        let m = Measures {
            indicators: [(
                "gdp".to_string(),
                (
                    gdp,
                    vec![
                        (d(2019, 12, 31), 11589.7),
                        (d(2017, 12, 31), 9130.2),
                        (d(2018, 12, 31), 10143.3),
                    ],
                ),
            )]
            .into(),
        };
        let target = crate::Target {
            value: 10000.0,
            unit: "亿元".into(),
            by: Some(d(2020, 12, 31)),
            indicator: Some(Code::parse("gdp").unwrap()),
        };
        assert_eq!(
            m.attainment(&target, d(2020, 6, 30)),
            Some(Attainment::Achieved {
                on: d(2018, 12, 31),
                value: 10143.3
            })
        );
        // As it stood in mid-2018: on its way, with only the 2017 figure known.
        assert!(matches!(
            m.attainment(&target, d(2018, 6, 30)),
            Some(Attainment::Towards { value, .. }) if value == 9130.2
        ));
        assert_eq!(
            m.attainment(&target, d(2017, 6, 30)),
            Some(Attainment::NoFigure)
        );
        let unmeasured = crate::Target {
            indicator: None,
            ..target
        };
        assert_eq!(m.attainment(&unmeasured, d(2020, 6, 30)), None);
    }
}

#[cfg(test)]
mod path_tests {
    use super::*;

    fn metro() -> Indicator {
        Indicator {
            code: Code::parse("metro_km").unwrap(),
            name: Text::new("地铁运营里程", "Metro in operation"),
            unit: "km".into(),
            direction: Direction::Increase,
            frequency: Frequency::Annual,
            baseline_year: Some(2017),
            baseline: Some(100.0),
            targets: vec![IndicatorTarget {
                year: 2020,
                value: 400.0,
            }],
            owner: None,
            scope: String::new(),
            public: true,
        }
    }

    fn d(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_path_runs_from_the_baseline_to_the_targets() {
        let m = metro();
        assert_eq!(m.expected_at(d(2017, 6, 30)), None, "before the baseline");
        assert_eq!(m.expected_at(d(2017, 12, 31)), Some(100.0));
        let mid = m.expected_at(d(2019, 7, 2)).unwrap();
        assert!((mid - 250.0).abs() < 1.0, "{mid}");
        assert_eq!(
            m.expected_at(d(2022, 1, 1)),
            Some(400.0),
            "the last target holds after"
        );
        // 150 when 250 was due: 100 behind on a 300 way, a third.
        let g = m.gap(150.0, d(2019, 7, 2)).unwrap();
        assert!((g - 33.3).abs() < 0.5, "{g}");
        assert!(m.gap(260.0, d(2019, 7, 2)).unwrap() < 0.0, "ahead");
        // Falling indicators: above the path is behind.
        let mut down = metro();
        down.direction = Direction::Decrease;
        down.baseline = Some(400.0);
        down.targets = vec![IndicatorTarget {
            year: 2020,
            value: 100.0,
        }];
        assert!(down.gap(350.0, d(2019, 7, 2)).unwrap() > 30.0);
        // Severity by the plan's thresholds, in % of the way: 10 % behind is at risk (medium),
        // 33 % off track (high), on the path nothing.
        use crate::warning::{Severity, indicator_condition};
        let t = crate::Thresholds::default();
        let on = d(2019, 7, 2);
        let at = |v: f64| indicator_condition(&m, v, on, t).map(|c| c.severity);
        assert_eq!(at(220.0), Some(Severity::Medium));
        assert_eq!(at(150.0), Some(Severity::High));
        assert_eq!(at(250.0), None);
        // No baseline, no path.
        let mut none = metro();
        none.baseline = None;
        assert_eq!(none.gap(1.0, d(2019, 1, 1)), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Refusal, Rule};
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn gdp(frequency: Frequency) -> Indicator {
        Indicator {
            code: Code::parse("GDP").unwrap(),
            name: Text::new("地区生产总值", "GDP"),
            unit: "亿元".into(),
            direction: Direction::Increase,
            frequency,
            baseline_year: Some(2016),
            baseline: Some(8025.3),
            targets: vec![IndicatorTarget {
                year: 2020,
                value: 10000.0,
            }],
            owner: Some(Code::parse("TJJ").unwrap()),
            scope: "全市".into(),
            public: true,
        }
    }

    fn rules(r: Result<NaiveDate, Refusal>) -> Vec<Rule> {
        match r {
            Ok(_) => Vec::new(),
            Err(Refusal::Invalid(ps)) => ps.iter().map(|p| p.rule).collect(),
            Err(Refusal::Conflict(p) | Refusal::Forbidden(p)) => vec![p.rule],
        }
    }

    #[test]
    fn periods_follow_the_indicators_frequency() {
        assert_eq!(period_end(Frequency::Annual, "2019"), Some(d("2019-12-31")));
        assert_eq!(period_end(Frequency::Annual, "2019-12"), None);
        assert_eq!(
            period_end(Frequency::Quarterly, "2019-Q3"),
            Some(d("2019-09-30"))
        );
        assert_eq!(period_end(Frequency::Quarterly, "2019-09"), None);
        assert_eq!(
            period_end(Frequency::Monthly, "2019-02"),
            Some(d("2019-02-28"))
        );
        assert_eq!(period_end(Frequency::Monthly, "2019"), None);
        for bad in ["", "19", "20190", "1899", "2019-13", "2019-Q5", "２０１９"] {
            for f in [Frequency::Annual, Frequency::Quarterly, Frequency::Monthly] {
                assert_eq!(period_end(f, bad), None, "{bad} {f:?}");
            }
        }
    }

    #[test]
    fn only_the_owner_files_for_an_ended_period_with_a_source() {
        let ind = gdp(Frequency::Annual);
        let tjj = Code::parse("TJJ").unwrap();
        let other = Code::parse("FGW").unwrap();
        let fig = |period: &str, value: f64, source: &str| FiledFigure {
            period: period.into(),
            value,
            source: source.into(),
        };
        let today = d("2020-06-30");
        let ok = fig("2019", 11589.7, "2019年郑州市国民经济和社会发展统计公报");
        assert_eq!(
            check_filed(&ind, Some(&tjj), &ok, today),
            Ok(d("2019-12-31"))
        );
        // The office files on the owner's behalf.
        assert_eq!(check_filed(&ind, None, &ok, today), Ok(d("2019-12-31")));
        assert_eq!(
            rules(check_filed(&ind, Some(&other), &ok, today)),
            [Rule::FigureNotOwner]
        );
        assert_eq!(
            rules(check_filed(&ind, Some(&tjj), &fig("2020", 1.0, "x"), today)),
            [Rule::FigurePeriodNotOver]
        );
        assert_eq!(
            rules(check_filed(
                &ind,
                Some(&tjj),
                &fig("2019-Q4", f64::NAN, " "),
                today
            )),
            [Rule::FigurePeriod, Rule::NotANumber, Rule::Required]
        );
        assert_eq!(
            rules(check_filed(
                &ind,
                Some(&tjj),
                &fig("2019", 1.0, "a\u{0}b"),
                today
            )),
            [Rule::ControlCharacter]
        );
    }
}
