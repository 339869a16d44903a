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
