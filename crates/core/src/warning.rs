//! Early warnings (预警): conditions derived from an item's figures and dates, never typed in.
//! The store keeps one open warning per item and kind while the condition holds, and clears it
//! when the condition ends; this module only says which conditions hold, since when, and how
//! they group: at most one warning of a family per item (late or behind; not reported; an
//! indicator off its path), so an office reads one line per thing to chase.

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
    /// The trend of the item's target indicator makes missing its next target likelier than
    /// the plan accepts (`Thresholds::forecast_miss`).
    IndicatorForecastMiss,
    /// A figure of the item's target indicator is not in though its publication lag is over.
    IndicatorFigureOverdue,
    /// A supervision notice on the item is past its reply date without a reply: it has risen
    /// (`notice::rises`), and the office chases it here too.
    NoticeOverdue,
}

/// Warnings that say the same thing in different degrees: an item carries at most one open
/// warning of each family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Overdue, or behind its expected progress: the work lags.
    Lag,
    /// The report is missing, or none has come for long: the office does not know.
    NotReported,
    /// A measured figure is off its path to the target.
    Indicator,
    /// The measured figures' trend leads away from the target.
    Forecast,
    /// A measured figure is not in after its publication lag.
    Figure,
    /// A notice on the item waits for its reply past the date.
    Notice,
}

impl WarningKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// The kinds of a family.
    pub fn of_family(f: Family) -> impl Iterator<Item = WarningKind> {
        use strum::VariantArray;
        WarningKind::VARIANTS
            .iter()
            .copied()
            .filter(move |k| k.family() == f)
    }

    pub fn family(self) -> Family {
        match self {
            WarningKind::Overdue | WarningKind::BehindTrajectory => Family::Lag,
            WarningKind::ReportMissing | WarningKind::Stale => Family::NotReported,
            WarningKind::IndicatorOffPath => Family::Indicator,
            WarningKind::IndicatorForecastMiss => Family::Forecast,
            WarningKind::IndicatorFigureOverdue => Family::Figure,
            WarningKind::NoticeOverdue => Family::Notice,
        }
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

/// What a warning says: a message of the catalogues and the values it names. Stored as JSON
/// in the warning's `details`, shown in the reader's language (`render_details`), and in
/// English in the API; a warning stored before details had this form is shown as it was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Detail {
    pub key: String,
    pub args: Vec<(String, String)>,
}

impl Detail {
    pub(crate) fn new(key: &'static str, args: &[(&str, String)]) -> Detail {
        Detail {
            key: key.to_string(),
            args: args
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        }
    }

    /// The form kept in the warning's `details`.
    pub fn stored(&self) -> String {
        let mut text = serde_json::to_string(self).unwrap_or_default();
        // Exact size: the writer starts at 128 bytes, and a whole-plan refresh holds a wanted
        // warning's details for every warned item (a million at a million items; most are
        // ~60 bytes).
        text.shrink_to_fit();
        text
    }

    /// The message in `lang`. A value named `NAME_en` stands in for `NAME` in English (an
    /// indicator's English name), so both catalogues use the same placeholders.
    pub fn render(&self, lang: crate::i18n::Lang) -> String {
        let template = lang.lookup(&self.key).unwrap_or(&self.key);
        let value = |k: &str, v: &String| -> String {
            if k == "unit" {
                return crate::i18n::unit_of_measure(lang, v);
            }
            // A catalogue word (`@notice.level.red`), in the reader's language.
            if let Some(key) = v.strip_prefix('@') {
                return lang.lookup(key).unwrap_or(key).to_string();
            }
            if lang == crate::i18n::Lang::En {
                let en = format!("{k}_en");
                if let Some((_, e)) = self.args.iter().find(|(n, e)| *n == en && !e.is_empty()) {
                    return e.clone();
                }
            }
            v.clone()
        };
        let values: Vec<(String, String)> = self
            .args
            .iter()
            .map(|(k, v)| (k.clone(), value(k, v)))
            .collect();
        let args: Vec<(&str, &dyn std::fmt::Display)> = values
            .iter()
            .map(|(k, v)| (k.as_str(), v as &dyn std::fmt::Display))
            .collect();
        crate::i18n::fill(template, &args)
    }
}

/// A warning's details as stored, in `lang`.
pub fn render_details(stored: &str, lang: crate::i18n::Lang) -> String {
    match serde_json::from_str::<Detail>(stored) {
        Ok(d) => d.render(lang),
        Err(_) => stored.to_string(),
    }
}

pub(crate) fn one_place(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A condition that holds, with the numbers behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub kind: WarningKind,
    pub severity: Severity,
    /// The numbers behind it: a `Detail` as stored (JSON), rendered in the reader's language.
    pub details: String,
    /// The first day the condition held, as far as the history tells: what `raised_on` says,
    /// so "latest" and "oldest" mean something (never the day a refresh happened to run).
    pub since: NaiveDate,
}

/// The warning an unanswered notice raises on its items once its reply date has passed: as
/// severe as the level it has reached (the top level high, the one below medium, lower ones
/// low), since the day after the date.
pub fn notice_condition(
    number: &str,
    reply_by: NaiveDate,
    level: usize,
    level_name: &str,
    levels: usize,
) -> Condition {
    let severity = if level + 1 >= levels {
        Severity::High
    } else if level + 2 >= levels {
        Severity::Medium
    } else {
        Severity::Low
    };
    Condition {
        kind: WarningKind::NoticeOverdue,
        severity,
        details: Detail::new(
            "warning.detail.notice",
            &[
                ("number", number.to_string()),
                ("reply_by", reply_by.to_string()),
                ("level", format!("@notice.level.{level_name}")),
            ],
        )
        .stored(),
        since: reply_by + Duration::days(1),
    }
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
    /// The item's due date and expected path (`path::paths`), to date a lag back to the day
    /// it began.
    pub due: Option<NaiveDate>,
    pub path: Option<crate::path::Path>,
    /// Since when the item's figure has been what it is (its last change), if it has one.
    pub progress_since: Option<NaiveDate>,
    /// The plan's thresholds, the same the status was judged with.
    pub thresholds: crate::Thresholds,
}

/// The first day from `from` on at which `expected − progress` exceeded `threshold`, given a
/// constant `progress`; expected progress never falls, so the answer is found by bisection.
fn first_behind(
    f: &ItemFacts,
    progress: f64,
    threshold: f64,
    from: NaiveDate,
    to: NaiveDate,
) -> NaiveDate {
    let behind = |d: NaiveDate| {
        f.path
            .as_ref()
            .map(|p| p.at(d))
            .is_some_and(|e| e - progress > threshold + crate::progress::EPSILON)
    };
    if from >= to || behind(from) {
        return from.min(to);
    }
    let (mut lo, mut hi) = (from, to); // not behind at lo, behind at hi
    while (hi - lo).num_days() > 1 {
        let mid = lo + Duration::days((hi - lo).num_days() / 2);
        if behind(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
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
    // Behind since the day the gap first passed the at-risk threshold with the figure the item
    // has now (it may have been a warning of lower severity at first).
    let behind_since = || {
        let from = facts
            .progress_since
            .or(facts.start)
            .unwrap_or(today)
            .min(today);
        first_behind(
            facts,
            s.progress.unwrap_or(0.0),
            facts.thresholds.at_risk,
            from,
            today,
        )
    };
    match s.status {
        Status::Overdue => out.push(Condition {
            kind: WarningKind::Overdue,
            severity: Severity::High,
            details: Detail::new(
                "warning.detail.overdue",
                &[("due", facts.due.map(|d| d.to_string()).unwrap_or_default())],
            )
            .stored(),
            since: facts
                .due
                .map(|d| d + Duration::days(1))
                .unwrap_or(today)
                .min(today),
        }),
        Status::OffTrack => out.push(Condition {
            kind: WarningKind::BehindTrajectory,
            severity: Severity::High,
            details: behind_detail(s),
            since: behind_since(),
        }),
        Status::AtRisk => out.push(Condition {
            kind: WarningKind::BehindTrajectory,
            severity: Severity::Medium,
            details: behind_detail(s),
            since: behind_since(),
        }),
        _ => {}
    }
    let open = !matches!(s.status, Status::Done | Status::NotStarted);
    if facts.reports_expected && open {
        let last_closed = Period::containing(cadence, today).previous();
        let deadline = last_closed.due_date(reporting.due_day, facts.level)
            + Duration::days(reporting.grace_days.into());
        let started = facts.start.is_none_or(|st| st <= last_closed.last_day());
        let missing = started && today > deadline && !facts.reported_periods.contains(&last_closed);
        let quiet_since = facts.last_accepted.or(facts.start);
        let stale =
            quiet_since.filter(|q| (today - *q).num_days() > i64::from(reporting.stale_days));
        // One "not reported" warning: the missing report, saying how long the item has been
        // quiet when it also has; or, with this period's report in, the long silence alone.
        match (missing, stale) {
            (true, stale) => out.push(Condition {
                kind: WarningKind::ReportMissing,
                severity: Severity::Medium,
                details: match stale {
                    Some(q) => Detail::new(
                        "warning.detail.missing_quiet",
                        &[
                            ("period", last_closed.to_string()),
                            ("deadline", deadline.to_string()),
                            ("since", q.to_string()),
                        ],
                    ),
                    None => Detail::new(
                        "warning.detail.missing",
                        &[
                            ("period", last_closed.to_string()),
                            ("deadline", deadline.to_string()),
                        ],
                    ),
                }
                .stored(),
                // The family's condition began when the item first went quiet for too long,
                // if that was before this report fell due.
                since: stale
                    .map(|q| q + Duration::days(i64::from(reporting.stale_days) + 1))
                    .unwrap_or(deadline + Duration::days(1))
                    .min(deadline + Duration::days(1))
                    .min(today),
            }),
            (false, Some(q)) => out.push(Condition {
                kind: WarningKind::Stale,
                severity: Severity::Low,
                details: Detail::new(
                    "warning.detail.stale",
                    &[
                        ("since", q.to_string()),
                        ("days", reporting.stale_days.to_string()),
                    ],
                )
                .stored(),
                since: (q + Duration::days(i64::from(reporting.stale_days) + 1)).min(today),
            }),
            (false, None) => {}
        }
    }
    out
}

/// The details of a lag: how far behind, against which threshold.
fn behind_detail(s: &StatusReason) -> String {
    Detail::new(
        "warning.detail.behind",
        &[
            ("gap", one_place(s.gap.unwrap_or(0.0))),
            ("progress", one_place(s.progress.unwrap_or(0.0))),
            ("expected", one_place(s.expected.unwrap_or(0.0))),
            ("threshold", one_place(s.threshold.unwrap_or(0.0))),
        ],
    )
    .stored()
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
        details: Detail::new(
            "warning.detail.indicator",
            &[
                ("indicator", indicator.name.zh().to_string()),
                (
                    "indicator_en",
                    indicator.name.get(crate::i18n::Lang::En).to_string(),
                ),
                ("actual", one_place(actual)),
                ("unit", indicator.unit.clone()),
                ("on", on.to_string()),
                (
                    "expected",
                    one_place(indicator.expected_at(on).unwrap_or(actual)),
                ),
                ("gap", one_place(gap)),
            ],
        )
        .stored(),
        since: on,
    })
}

pub mod indicators;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_of_measure_are_in_the_readers_language() {
        let d = Detail::new(
            "warning.detail.indicator",
            &[
                ("indicator", "地区生产总值".into()),
                ("indicator_en", "GDP".into()),
                ("actual", "9000".into()),
                ("unit", "亿元".into()),
                ("on", "2019-12-31".into()),
                ("expected", "9527.5".into()),
                ("gap", "5.5".into()),
            ],
        );
        let en = render_details(&d.stored(), crate::i18n::Lang::En);
        assert!(en.contains("9000 100 million yuan"), "{en}");
        assert!(!en.contains("亿元"), "{en}");
        let zh = render_details(&d.stored(), crate::i18n::Lang::Zh);
        assert!(zh.contains("亿元"), "{zh}");
    }
    use crate::progress::status;
    use crate::{Cadence, Reporting, Thresholds};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn path() -> Option<crate::path::Path> {
        crate::path::Path::own(Some(d("2020-01-01")), Some(d("2020-12-31")), &[])
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
                path().as_ref(),
                d(today),
                Thresholds::default(),
            ),
            reports_expected: true,
            start: Some(d("2020-01-01")),
            level: 2,
            reported_periods: reported.iter().map(|p| Period::parse(p).unwrap()).collect(),
            last_accepted: last.map(d),
            due: Some(d("2020-12-31")),
            path: path(),
            progress_since: last.map(d),
            thresholds: Thresholds::default(),
        }
    }

    fn since(f: &ItemFacts, today: &str) -> Vec<(WarningKind, NaiveDate)> {
        conditions(f, d(today), Cadence::Monthly, Reporting::default())
            .into_iter()
            .map(|c| (c.kind, c.since))
            .collect()
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

    /// Missing and stale are one family: an item long quiet whose report is also missing has
    /// one warning that says both.
    #[test]
    fn one_warning_per_family() {
        let f = facts(Some(50.0), "2020-07-09", &["2020-05"], Some("2020-04-01"));
        let c = conditions(&f, d("2020-07-09"), Cadence::Monthly, Reporting::default());
        let families: Vec<Family> = c.iter().map(|c| c.kind.family()).collect();
        let mut unique = families.clone();
        unique.dedup();
        assert_eq!(families.len(), unique.len(), "{c:?}");
        let nr: Vec<&Condition> = c
            .iter()
            .filter(|c| c.kind.family() == Family::NotReported)
            .collect();
        assert_eq!(nr.len(), 1);
        assert_eq!(nr[0].kind, WarningKind::ReportMissing);
        assert!(
            render_details(&nr[0].details, crate::i18n::Lang::En).contains("since 2020-04-01"),
            "{}",
            nr[0].details
        );
    }

    /// `since` is the day the condition began, from the dates and the history: never the day
    /// of the refresh when it began earlier.
    #[test]
    fn each_condition_knows_when_it_began() {
        use WarningKind::*;
        // Overdue from the day after the due date.
        assert_eq!(
            since(
                &facts(Some(90.0), "2021-03-01", &["2021-02"], Some("2021-02-20")),
                "2021-03-01"
            ),
            [(Overdue, d("2021-01-01"))]
        );
        // The June report (due 3 July + 5 days' grace) missing from 9 July, seen on 20 July.
        assert_eq!(
            since(
                &facts(Some(60.0), "2020-07-20", &["2020-05"], Some("2020-06-20")),
                "2020-07-20"
            ),
            [(ReportMissing, d("2020-07-09"))]
        );
        // 30 % since 2020-03-01: expected passes 35 % (5 points behind) on 2020-05-09 (day 129
        // of 365 ≈ 35.3 %), well before today.
        let f = facts(Some(30.0), "2020-06-20", &["2020-05"], Some("2020-03-01"));
        let s: Vec<_> = since(&f, "2020-06-20")
            .into_iter()
            .filter(|(k, _)| *k == BehindTrajectory)
            .collect();
        assert_eq!(s.len(), 1, "{s:?}");
        let e = |day: &str| {
            crate::progress::expected(Some(d("2020-01-01")), Some(d("2020-12-31")), &[], d(day))
                .unwrap()
        };
        let first = s[0].1;
        assert!(e(&first.to_string()) - 30.0 > 5.0, "behind on {first}");
        assert!(
            e(&(first - Duration::days(1)).to_string()) - 30.0 <= 5.0 + 1e-9,
            "not behind the day before {first}"
        );
        assert!(first < d("2020-06-20"));
    }
}
