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
