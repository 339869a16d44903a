//! Reporting periods: a month (`2020-06`) or a quarter (`2020-Q2`), ordered as spans of time,
//! with the dates a report for one is due.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::Cadence;

/// A reporting period: a month (`2020-06`) or a quarter (`2020-Q2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
}

/// What `Period::parse` accepts, as a regular expression, for the API's published description;
/// a test holds the two to the same answers.
pub const PERIOD_PATTERN: &str = "^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2]|Q[1-4])$";

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

    /// Whether the period is one of a cadence's (a month of a monthly plan).
    pub fn is_of(self, cadence: Cadence) -> bool {
        matches!(
            (self, cadence),
            (Period::Month { .. }, Cadence::Monthly) | (Period::Quarter { .. }, Cadence::Quarterly)
        )
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

/// Periods are ordered as spans of time, never as text: by their last day, then their first
/// (so `2020-Q1` comes before `2020-04`, and `2020-Q2` before `2020-06`, which ends the same day
/// but began later).
impl Ord for Period {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.last_day(), self.first_day()).cmp(&(other.last_day(), other.first_day()))
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
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

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The published pattern and the parser agree on every string, near-periods included.
        #[test]
        fn the_pattern_says_what_the_parser_accepts(
            s in "[0-9+]{3,5}-(Q[0-9]{1,2}|[0-9+]{1,3})|.{0,8}"
        ) {
            let pattern = regex::Regex::new(PERIOD_PATTERN).unwrap();
            proptest::prop_assert_eq!(pattern.is_match(&s), Period::parse(&s).is_ok(), "{:?}", s);
        }
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

    #[test]
    fn periods_compare_as_time_not_text() {
        let p = |s: &str| Period::parse(s).unwrap();
        assert!(
            p("2020-Q1") < p("2020-04"),
            "text order would say otherwise"
        );
        assert!(
            p("2020-Q1") < p("2020-03"),
            "same last day: the shorter span began later"
        );
        assert!(p("2019-12") < p("2020-01"));
        let mut v = vec![p("2020-04"), p("2020-Q1"), p("2019-Q4")];
        v.sort();
        assert_eq!(v, [p("2019-Q4"), p("2020-Q1"), p("2020-04")]);
        assert!(p("2020-05").is_of(Cadence::Monthly) && !p("2020-Q2").is_of(Cadence::Monthly));
    }
}
