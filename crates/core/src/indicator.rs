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

/// How an indicator's figures count (统计口径): what a period's figure is.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
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
pub enum CountingBasis {
    /// What stands at the period's end, all that came before included (km of metro in
    /// operation, resident population, roads finished so far).
    #[default]
    Cumulative,
    /// What happened within the period alone (the year's GDP, the year's train trips).
    PerPeriod,
}

impl CountingBasis {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// How the expected value runs between the points of an indicator's path.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
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
pub enum PathKind {
    /// A straight line from the baseline to each target in turn.
    #[default]
    Linear,
    /// Growth at a constant rate from the baseline to each target (GDP growing 8 % a year).
    Compound,
    /// The plan's own expected values on dated points (`points`), straight lines between.
    Points,
}

impl PathKind {
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

/// An expected value the plan sets on a day, for a path of kind `points`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathPoint {
    pub on: chrono::NaiveDate,
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
    /// Whether a period's figure is a running total or the period's own.
    #[serde(default)]
    pub basis: CountingBasis,
    /// Days after a period ends before its figure is due to be published (annual GDP about
    /// two months); `None` takes the frequency's usual lag (`Frequency::usual_lag`).
    #[serde(default)]
    pub publication_lag: Option<u32>,
    /// How the path runs from the baseline to the targets.
    #[serde(default)]
    pub path: PathKind,
    /// The plan's expected values between baseline and targets, for a path of kind `points`.
    #[serde(default)]
    pub points: Vec<PathPoint>,
    /// Where the figures are published (统计公报, a bureau's page).
    #[serde(default)]
    pub source: String,
}

impl Frequency {
    /// Days after a period ends until its figure is usually published in a Chinese city: a
    /// month's about 15 days, a quarter's about a month, a year's about two months (the
    /// statistics bureau's bulletin comes in late February or March).
    pub fn usual_lag(self) -> u32 {
        match self {
            Frequency::Monthly => 15,
            Frequency::Quarterly => 30,
            Frequency::Annual => 60,
        }
    }

    /// The period of this frequency that contains `date`, written as the plan writes it.
    pub fn period_of(self, date: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        match self {
            Frequency::Annual => format!("{}", date.year()),
            Frequency::Quarterly => format!("{}-Q{}", date.year(), date.month0() / 3 + 1),
            Frequency::Monthly => format!("{}-{:02}", date.year(), date.month()),
        }
    }
}

impl Indicator {
    /// Days after a period ends before its figure is due.
    pub fn lag_days(&self) -> u32 {
        self.publication_lag
            .unwrap_or_else(|| self.frequency.usual_lag())
    }

    /// The day the figure for a period ending on `end` is due to be published.
    pub fn due_on(&self, end: chrono::NaiveDate) -> chrono::NaiveDate {
        end + chrono::Duration::days(i64::from(self.lag_days()))
    }

    /// The points the path runs through, by date: the baseline at the end of its year, the
    /// plan's dated points (for a path of kind `points`), then each yearly target at the end
    /// of its year. Empty without a baseline or a target.
    pub fn path_points(&self) -> Vec<(chrono::NaiveDate, f64)> {
        let (Some(year), Some(base)) = (self.baseline_year, self.baseline) else {
            return Vec::new();
        };
        if self.targets.is_empty() {
            return Vec::new();
        }
        let end = |y: i32| chrono::NaiveDate::from_ymd_opt(y, 12, 31);
        let Some(start) = end(year) else {
            return Vec::new();
        };
        let mut points = vec![(start, base)];
        if self.path == PathKind::Points {
            points.extend(
                self.points
                    .iter()
                    .filter(|p| p.on > start)
                    .map(|p| (p.on, p.value)),
            );
        }
        points.extend(
            self.targets
                .iter()
                .filter(|t| t.year > year)
                .filter_map(|t| end(t.year).map(|d| (d, t.value))),
        );
        points.sort_by_key(|p| p.0);
        points.dedup_by_key(|p| p.0);
        if points.len() < 2 { Vec::new() } else { points }
    }

    /// Where the indicator should be on `date`: between two points of its path, on a straight
    /// line, or at a constant growth rate for a compound path (a straight line where either
    /// end is not above zero, where no rate leads from one to the other); the last target
    /// after the last year; `None` before the baseline or without a path.
    pub fn expected_at(&self, date: chrono::NaiveDate) -> Option<f64> {
        let path = self.path_points();
        let first = path.first()?;
        if date < first.0 {
            return None;
        }
        for w in path.windows(2) {
            let ((d0, v0), (d1, v1)) = (w[0], w[1]);
            if date <= d1 {
                let f = (date - d0).num_days() as f64 / (d1 - d0).num_days().max(1) as f64;
                if self.path == PathKind::Compound && v0 > 0.0 && v1 > 0.0 {
                    return Some(v0 * (v1 / v0).powf(f));
                }
                return Some(v0 + (v1 - v0) * f);
            }
        }
        path.last().map(|p| p.1)
    }

    /// How far `actual` on `date` is off the path, in percent of the whole way from the
    /// baseline to the last target: positive is behind (below the path for an indicator that
    /// should rise, above it for one that should fall, either side for one aimed at a value).
    pub fn gap(&self, actual: f64, date: chrono::NaiveDate) -> Option<f64> {
        let path = self.path_points();
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

    /// The gap of `actual` on `date` to the path, as a reader says it: expected value, the
    /// difference (actual − expected, in the indicator's unit) and that difference in percent
    /// of the expected value (`None` when that is zero).
    pub fn gap_now(&self, actual: f64, date: chrono::NaiveDate) -> Option<Gap> {
        let expected = self.expected_at(date)?;
        let absolute = actual - expected;
        // Behind: on the wrong side of the path; for an indicator aimed at a value, farther
        // from the final target than the path is.
        let behind = match self.direction {
            Direction::Target => self
                .targets
                .last()
                .is_some_and(|t| (actual - t.value).abs() > (expected - t.value).abs() + 1e-9),
            _ => self.gap(actual, date).is_some_and(|g| g > 0.0),
        };
        Some(Gap {
            on: date,
            actual,
            expected,
            absolute,
            relative: (expected.abs() > 1e-9).then(|| absolute / expected.abs() * 100.0),
            behind,
        })
    }

    /// The figure that met `target` among `known` (by day): for a cumulative indicator the
    /// first that met it (what is built stays built); for a per-period one the first of the
    /// latest unbroken run of figures that meet it, so a year that falls back below the target
    /// undoes it (passengers down in 2020 after 2018 met the target).
    pub fn met_by(
        &self,
        known: &[(chrono::NaiveDate, f64)],
        target: f64,
    ) -> Option<(chrono::NaiveDate, f64)> {
        match self.basis {
            CountingBasis::Cumulative => {
                known.iter().copied().find(|(_, v)| self.meets(*v, target))
            }
            CountingBasis::PerPeriod => {
                let run = known
                    .iter()
                    .rev()
                    .take_while(|(_, v)| self.meets(*v, target))
                    .count();
                (run > 0).then(|| known[known.len() - run])
            }
        }
    }

    /// Whether `value` meets `target` for this indicator's direction.
    pub fn meets(&self, value: f64, target: f64) -> bool {
        match self.direction {
            Direction::Increase => value >= target - 1e-9,
            Direction::Decrease => value <= target + 1e-9,
            Direction::Target => (value - target).abs() <= 1e-9,
        }
    }
}

/// An item's progress from its indicator's figure `value` (`ProgressFrom::Indicator`): the
/// share of the way from the indicator's `baseline` (zero without one) to the item's
/// `target`, in percent, between 0 and 100. `None` when the target is the baseline (no way to
/// go).
pub fn measured_percent(baseline: Option<f64>, target: f64, value: f64) -> Option<f64> {
    let base = baseline.unwrap_or(0.0);
    let span = target - base;
    if span.abs() < 1e-9 || !value.is_finite() {
        return None;
    }
    Some(((value - base) / span * 100.0).clamp(0.0, 100.0))
}

/// An indicator's figure against its path on a day.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Gap {
    pub on: chrono::NaiveDate,
    pub actual: f64,
    pub expected: f64,
    /// actual − expected, in the indicator's unit.
    pub absolute: f64,
    /// `absolute` in percent of the expected value.
    pub relative: Option<f64>,
    /// Whether the figure is on the wrong side of the path for the indicator's direction.
    pub behind: bool,
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

/// Where a filed figure stands: a unit's figure waits for the office's review, as a report
/// does, and counts only once accepted (from the day of the acceptance).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
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
pub enum FigureState {
    /// Filed by the owner unit, waiting for the office.
    Submitted,
    /// Counted: filed by the office, loaded from a publication, accepted with a report or
    /// accepted on review.
    #[default]
    Accepted,
    /// Sent back by the office with its comment; never counted.
    Returned,
}

impl FigureState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// The largest figure taken, either way: far beyond any city's statistic in any unit (GDP in
/// yuan is about 1e13), small enough that no figure is an overflow in disguise.
pub const MAX_FIGURE: f64 = 1e15;

/// A figure an indicator's owner files for one of the indicator's periods, with where it is
/// published.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FiledFigure {
    pub period: String,
    pub value: f64,
    /// A citation or an address of the publication (统计公报, a bureau's page).
    pub source: String,
    /// Why it replaces the figure already filed for its period: needed for a revision.
    #[serde(default)]
    pub reason: Option<String>,
    /// The unit of measure, scope and counting basis the figure is in, when the filer states
    /// them: each must be the indicator's, so that figures are never mixed.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub basis: Option<String>,
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
    let stated = |field: &'static str, given: &Option<String>, own: &str, rule: Rule| {
        given
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty() && *g != own.trim())
            .map(|g| {
                Problem::new(field, rule)
                    .with("given", g)
                    .with("expected", own.trim())
            })
    };
    // The unit as the indicator writes it, or as the pages show it in either language (公里).
    let shown = |l| crate::i18n::unit_of_measure(l, &ind.unit);
    let unit_as_shown =
        f.unit.as_deref().map(str::trim).is_some_and(|u| {
            u == shown(crate::i18n::Lang::Zh) || u == shown(crate::i18n::Lang::En)
        });
    if !unit_as_shown {
        out.0
            .extend(stated("unit", &f.unit, &ind.unit, Rule::FigureUnitMismatch));
    }
    out.0.extend(stated(
        "scope",
        &f.scope,
        &ind.scope,
        Rule::FigureScopeMismatch,
    ));
    if let Some(given) = f.basis.as_deref().map(str::trim).filter(|g| !g.is_empty())
        && given != ind.basis.as_str()
    {
        let named = |b: &str| match CountingBasis::parse(b) {
            Some(b) => format!("@ind.basis.{}", b.as_str()),
            None => b.to_string(),
        };
        out.push(
            Problem::new("basis", Rule::FigureBasisMismatch)
                .with("given", named(given))
                .with("expected", named(ind.basis.as_str())),
        );
    }
    if let Some(r) = &f.reason {
        crate::problem::check_text("reason", r, &mut out);
    }
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

/// A figure of an indicator as recorded: the period it is for, the day it stands for, its
/// value and the day it became known. A revision is a later record for the same period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub period: String,
    pub on: chrono::NaiveDate,
    pub value: f64,
    pub known: chrono::NaiveDate,
}

/// The figures as known on `date`: for each period the last record known by then, by the day
/// each stands for. `figures` are in the order they were entered, so a revision follows what
/// it revises.
pub fn known_on(figures: &[Figure], date: chrono::NaiveDate) -> Vec<(chrono::NaiveDate, f64)> {
    let mut by_period: Vec<(&str, chrono::NaiveDate, f64)> = Vec::new();
    for f in figures.iter().filter(|f| f.known <= date && f.on <= date) {
        match by_period.iter_mut().find(|p| p.0 == f.period) {
            Some(p) => *p = (&f.period, f.on, f.value),
            None => by_period.push((&f.period, f.on, f.value)),
        }
    }
    let mut out: Vec<(chrono::NaiveDate, f64)> =
        by_period.into_iter().map(|(_, on, v)| (on, v)).collect();
    out.sort_by_key(|f| f.0);
    out
}

/// The figures an item's target is judged by: each indicator with its figures, every
/// revision included, in the order they were entered.
#[derive(Clone, Debug, Default)]
pub struct Measures {
    pub indicators: std::collections::HashMap<String, (Indicator, Vec<Figure>)>,
}

impl Measures {
    /// An indicator's figures as known on `date` (`known_on`).
    pub fn known(&self, code: &str, date: chrono::NaiveDate) -> Vec<(chrono::NaiveDate, f64)> {
        self.indicators
            .get(code)
            .map(|(_, f)| known_on(f, date))
            .unwrap_or_default()
    }

    /// The attainment of `target` on `date`, if the target names an indicator this knows.
    /// Only figures known by `date` count, so a past date is judged as it stood.
    pub fn attainment(
        &self,
        target: &crate::Target,
        date: chrono::NaiveDate,
    ) -> Option<Attainment> {
        let (ind, figures) = self.indicators.get(target.indicator.as_ref()?.as_str())?;
        let known = known_on(figures, date);
        if let Some((on, value)) = ind.met_by(&known, target.value) {
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
mod tests;
