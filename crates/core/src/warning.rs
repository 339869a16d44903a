//! Early warnings (预警): conditions derived from an item's figures and dates, never typed in.
//! The store keeps one open warning per item and kind while the condition holds, and clears it
//! when the condition ends; this module only says which conditions hold.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::progress::{Status, StatusReason};
use crate::report::Period;

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum WarningKind {
    /// Past its due date and not done.
    Overdue,
    /// Progress below expected by more than a threshold.
    BehindTrajectory,
    /// The report for the last closed period is not in after its deadline and grace.
    ReportMissing,
    /// No accepted report for too long.
    Stale,
    /// The latest accepted figure of the item's target indicator is off its path.
    IndicatorOffPath,
}

impl WarningKind {
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
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// A condition that holds, with the numbers behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub kind: WarningKind,
    pub severity: Severity,
    pub details: String,
}

/// What the warning rules need to know about one item on a date.
#[derive(Clone, Debug)]
pub struct ItemFacts {
    pub status: StatusReason,
    /// The item is a leaf its lead unit must report on.
    pub reports_expected: bool,
    pub start: Option<NaiveDate>,
    /// Levels under the top of its tree (0 for a root): lower levels are due first.
    pub level: u32,
    /// Periods for which a report from the lead is in (submitted, accepted or superseded).
    pub reported_periods: Vec<Period>,
    /// The date of the latest accepted report on the item.
    pub last_accepted: Option<NaiveDate>,
}

/// Every warning condition that holds for an item on `today`.
pub fn conditions(
    facts: &ItemFacts,
    today: NaiveDate,
    cadence: crate::Cadence,
    reporting: crate::Reporting,
) -> Vec<Condition> {
    let mut out = Vec::new();
    let s = &facts.status;
    match s.status {
        Status::Overdue => out.push(Condition {
            kind: WarningKind::Overdue,
            severity: Severity::High,
            details: s.rule.clone(),
        }),
        Status::OffTrack => out.push(Condition {
            kind: WarningKind::BehindTrajectory,
            severity: Severity::High,
            details: s.rule.clone(),
        }),
        Status::AtRisk => out.push(Condition {
            kind: WarningKind::BehindTrajectory,
            severity: Severity::Medium,
            details: s.rule.clone(),
        }),
        _ => {}
    }
    let open = !matches!(s.status, Status::Done | Status::NotStarted);
    if facts.reports_expected && open {
        let last_closed = Period::containing(cadence, today).previous();
        let deadline = last_closed.due_date(reporting.due_day, facts.level)
            + Duration::days(reporting.grace_days.into());
        let started = facts.start.is_none_or(|st| st <= last_closed.last_day());
        if started && today > deadline && !facts.reported_periods.contains(&last_closed) {
            out.push(Condition {
                kind: WarningKind::ReportMissing,
                severity: Severity::Medium,
                details: format!("no report for {last_closed}, due {deadline} (grace included)"),
            });
        }
        let since = facts.last_accepted.or(facts.start);
        if let Some(since) = since
            && (today - since).num_days() > i64::from(reporting.stale_days)
        {
            out.push(Condition {
                kind: WarningKind::Stale,
                severity: Severity::Low,
                details: format!(
                    "no accepted report since {since}, more than {} days",
                    reporting.stale_days
                ),
            });
        }
    }
    out
}

/// The warning for an item whose target indicator's latest accepted figure (`actual`, as of
/// `on`) is off the indicator's path by more than the plan's thresholds, in percent of the way
/// from baseline to target: beyond off-track is high, beyond at-risk medium.
pub fn indicator_condition(
    indicator: &crate::Indicator,
    actual: f64,
    on: NaiveDate,
    thresholds: crate::Thresholds,
) -> Option<Condition> {
    let gap = indicator.gap(actual, on)?;
    let severity = if gap > thresholds.off_track {
        Severity::High
    } else if gap > thresholds.at_risk {
        Severity::Medium
    } else {
        return None;
    };
    Some(Condition {
        kind: WarningKind::IndicatorOffPath,
        severity,
        details: format!(
            "{} was {actual} {} on {on}, expected {:.1}: {gap:.1} % of the way behind",
            indicator.code,
            indicator.unit,
            indicator.expected_at(on).unwrap_or(actual)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::status;
    use crate::{Cadence, Reporting, Thresholds};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn facts(
        progress: Option<f64>,
        today: &str,
        reported: &[&str],
        last: Option<&str>,
    ) -> ItemFacts {
        ItemFacts {
            status: status(
                progress
                    .map(crate::Progress::known)
                    .unwrap_or(crate::Progress::UNKNOWN),
                Some(d("2020-01-01")),
                Some(d("2020-12-31")),
                &[],
                d(today),
                Thresholds::default(),
            ),
            reports_expected: true,
            start: Some(d("2020-01-01")),
            level: 2,
            reported_periods: reported.iter().map(|p| Period::parse(p).unwrap()).collect(),
            last_accepted: last.map(d),
        }
    }

    fn kinds(f: &ItemFacts, today: &str) -> Vec<(WarningKind, Severity)> {
        conditions(f, d(today), Cadence::Monthly, Reporting::default())
            .into_iter()
            .map(|c| (c.kind, c.severity))
            .collect()
    }

    #[test]
    fn each_condition_and_its_end() {
        use Severity::*;
        use WarningKind::*;
        // On track, reported on time: nothing.
        assert!(
            kinds(
                &facts(Some(50.0), "2020-07-02", &["2020-06"], Some("2020-07-01")),
                "2020-07-02"
            )
            .is_empty()
        );
        // Behind.
        assert_eq!(
            kinds(
                &facts(Some(40.0), "2020-07-02", &["2020-06"], Some("2020-07-01")),
                "2020-07-02"
            ),
            [(BehindTrajectory, Medium)]
        );
        assert_eq!(
            kinds(
                &facts(Some(20.0), "2020-07-02", &["2020-06"], Some("2020-07-01")),
                "2020-07-02"
            ),
            [(BehindTrajectory, High)]
        );
        // Overdue.
        assert_eq!(
            kinds(
                &facts(Some(90.0), "2021-01-03", &["2020-12"], Some("2021-01-02")),
                "2021-01-03"
            ),
            [(Overdue, High)]
        );
        // The June report is due 3 July for level 2 (5th minus 2), plus 5 days' grace: missing
        // from 9 July, not before.
        assert!(
            kinds(
                &facts(Some(50.0), "2020-07-08", &["2020-05"], Some("2020-06-05")),
                "2020-07-08"
            )
            .is_empty()
        );
        assert_eq!(
            kinds(
                &facts(Some(50.0), "2020-07-09", &["2020-05"], Some("2020-06-05")),
                "2020-07-09"
            ),
            [(ReportMissing, Medium)]
        );
        // Stale after 60 days without an accepted report.
        assert_eq!(
            kinds(
                &facts(Some(50.0), "2020-07-02", &["2020-06"], Some("2020-05-01")),
                "2020-07-02"
            ),
            [(Stale, Low)]
        );
        // Done: nothing, whatever the reporting.
        assert!(kinds(&facts(Some(100.0), "2020-09-02", &[], None), "2020-09-02").is_empty());
    }
}
