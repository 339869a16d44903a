//! Progress reports (进展填报) and reporting periods: the workflow a report goes through and
//! the dates it is due. Pure rules; the store records what happened.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::Cadence;

/// A reporting period: a month (`2020-06`) or a quarter (`2020-Q2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a period; write YYYY-MM (a month) or YYYY-Qn (a quarter)")]
pub struct PeriodError(pub String);

impl Period {
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let bad = || PeriodError(s.to_string());
        let (y, rest) = s.split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        if !(1900..=2200).contains(&year) || y.len() != 4 {
            return Err(bad());
        }
        if let Some(q) = rest.strip_prefix('Q') {
            let quarter: u32 = q.parse().map_err(|_| bad())?;
            return if (1..=4).contains(&quarter) && q.len() == 1 {
                Ok(Period::Quarter { year, quarter })
            } else {
                Err(bad())
            };
        }
        let month: u32 = rest.parse().map_err(|_| bad())?;
        if (1..=12).contains(&month) && rest.len() == 2 {
            Ok(Period::Month { year, month })
        } else {
            Err(bad())
        }
    }

    /// The period of a cadence that contains `date`.
    pub fn containing(cadence: Cadence, date: NaiveDate) -> Period {
        match cadence {
            Cadence::Monthly => Period::Month {
                year: date.year(),
                month: date.month(),
            },
            Cadence::Quarterly => Period::Quarter {
                year: date.year(),
                quarter: (date.month() - 1) / 3 + 1,
            },
        }
    }

    pub fn first_day(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Month { year, month } => (year, month),
            Period::Quarter { year, quarter } => (year, (quarter - 1) * 3 + 1),
        };
        NaiveDate::from_ymd_opt(y, m, 1).expect("valid period")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("valid date")
    }

    pub fn next(self) -> Period {
        match self {
            Period::Month { year, month: 12 } => Period::Month {
                year: year + 1,
                month: 1,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month + 1,
            },
            Period::Quarter { year, quarter: 4 } => Period::Quarter {
                year: year + 1,
                quarter: 1,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter + 1,
            },
        }
    }

    pub fn previous(self) -> Period {
        match self {
            Period::Month { year, month: 1 } => Period::Month {
                year: year - 1,
                month: 12,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month - 1,
            },
            Period::Quarter { year, quarter: 1 } => Period::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter - 1,
            },
        }
    }

    /// When a report for this period is due from an item `level` levels under the top of its
    /// tree: the top level on `due_day` of the month after the period, each level below one
    /// day earlier, so the unit above can review before it reports itself (the lowest level
    /// first). Never before the 1st.
    pub fn due_date(self, due_day: u32, level: u32) -> NaiveDate {
        let day = due_day.saturating_sub(level).max(1);
        let first = self.next().first_day();
        first.with_day(day.min(28)).unwrap_or(first)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
        }
    }
}

impl TryFrom<String> for Period {
    type Error = PeriodError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Period::parse(&s)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

/// The value of an indicator, reported with a progress report by the unit that owns the
/// indicator. Accepted figures are the indicator's actuals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub indicator: crate::Code,
    pub value: f64,
}

/// Where a report is in its workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Draft,
    Submitted,
    Accepted,
    Returned,
    /// An accepted report replaced by a later accepted correction; kept in the history.
    Superseded,
}

impl ReportState {
    pub const ALL: [ReportState; 5] = [
        ReportState::Draft,
        ReportState::Submitted,
        ReportState::Accepted,
        ReportState::Returned,
        ReportState::Superseded,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Draft => "draft",
            ReportState::Submitted => "submitted",
            ReportState::Accepted => "accepted",
            ReportState::Returned => "returned",
            ReportState::Superseded => "superseded",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What someone does to a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportAction {
    Edit,
    Submit,
    Accept,
    Return,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {} report cannot be {}", .from.as_str(), action_past(*.action))]
pub struct WorkflowError {
    pub from: ReportState,
    pub action: ReportAction,
}

fn action_past(a: ReportAction) -> &'static str {
    match a {
        ReportAction::Edit => "edited",
        ReportAction::Submit => "submitted",
        ReportAction::Accept => "accepted",
        ReportAction::Return => "returned",
    }
}

/// The workflow `draft → submitted → accepted | returned`: a returned report can be edited and
/// submitted again; an accepted one is final (a correction is a new report that supersedes it).
pub fn transition(from: ReportState, action: ReportAction) -> Result<ReportState, WorkflowError> {
    use ReportAction::*;
    use ReportState::*;
    match (from, action) {
        (Draft | Returned, Edit) => Ok(from),
        (Draft | Returned, Submit) => Ok(Submitted),
        (Submitted, Accept) => Ok(Accepted),
        (Submitted, Return) => Ok(Returned),
        _ => Err(WorkflowError { from, action }),
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(
            transition(Draft, Accept).unwrap_err().to_string(),
            "a draft report cannot be accepted"
        );
    }

    #[test]
    fn periods() {
        let p = Period::parse("2020-06").unwrap();
        assert_eq!(p.to_string(), "2020-06");
        assert_eq!(p.last_day(), NaiveDate::from_ymd_opt(2020, 6, 30).unwrap());
        assert_eq!(
            Period::parse("2020-12").unwrap().next().to_string(),
            "2021-01"
        );
        assert_eq!(
            Period::parse("2021-01").unwrap().previous().to_string(),
            "2020-12"
        );
        let q = Period::parse("2020-Q4").unwrap();
        assert_eq!(q.first_day(), NaiveDate::from_ymd_opt(2020, 10, 1).unwrap());
        assert_eq!(q.last_day(), NaiveDate::from_ymd_opt(2020, 12, 31).unwrap());
        for bad in ["2020-13", "2020-6", "20-06", "2020-Q5", "2020", "June"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        let d = NaiveDate::from_ymd_opt(2020, 5, 17).unwrap();
        assert_eq!(
            Period::containing(Cadence::Quarterly, d).to_string(),
            "2020-Q2"
        );
        assert_eq!(
            Period::containing(Cadence::Monthly, d).to_string(),
            "2020-05"
        );
    }

    #[test]
    fn lower_levels_are_due_first() {
        let p = Period::parse("2020-06").unwrap();
        let top = p.due_date(5, 0);
        let leaf = p.due_date(5, 3);
        assert_eq!(top, NaiveDate::from_ymd_opt(2020, 7, 5).unwrap());
        assert_eq!(leaf, NaiveDate::from_ymd_opt(2020, 7, 2).unwrap());
        assert_eq!(
            p.due_date(2, 5),
            NaiveDate::from_ymd_opt(2020, 7, 1).unwrap()
        );
    }
}
