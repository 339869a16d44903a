//! The period a run assesses: a quarter (`2019-Q2`), a half year (`2019-H1`) or a year
//! (`2019`).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum AssessPeriod {
    Quarter { year: i32, quarter: u32 },
    Half { year: i32, half: u32 },
    Year { year: i32 },
}

/// What `AssessPeriod::parse` accepts, for the API's published description.
pub const ASSESS_PERIOD_PATTERN: &str = "^(19[0-9]{2}|2[01][0-9]{2}|2200)(-(Q[1-4]|H[12]))?$";

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an assessment period; write YYYY-Qn, YYYY-Hn or YYYY")]
pub struct AssessPeriodError(pub String);

impl AssessPeriod {
    pub fn parse(s: &str) -> Result<AssessPeriod, AssessPeriodError> {
        let bad = || AssessPeriodError(s.to_string());
        let (y, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s, None),
        };
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        if !(1900..=2200).contains(&year) {
            return Err(bad());
        }
        let n = |r: &str, p: char, max: u32| -> Option<u32> {
            let d = r.strip_prefix(p)?;
            let v: u32 = d.parse().ok()?;
            (d.len() == 1 && (1..=max).contains(&v)).then_some(v)
        };
        match rest {
            None => Ok(AssessPeriod::Year { year }),
            Some(r) => {
                if let Some(quarter) = n(r, 'Q', 4) {
                    Ok(AssessPeriod::Quarter { year, quarter })
                } else if let Some(half) = n(r, 'H', 2) {
                    Ok(AssessPeriod::Half { year, half })
                } else {
                    Err(bad())
                }
            }
        }
    }

    pub fn first_day(self) -> NaiveDate {
        let (y, m) = match self {
            AssessPeriod::Quarter { year, quarter } => (year, (quarter - 1) * 3 + 1),
            AssessPeriod::Half { year, half } => (year, (half - 1) * 6 + 1),
            AssessPeriod::Year { year } => (year, 1),
        };
        NaiveDate::from_ymd_opt(y, m, 1).expect("a period starts on a real day")
    }

    pub fn last_day(self) -> NaiveDate {
        let (y, m) = match self {
            AssessPeriod::Quarter { year, quarter } => (year, quarter * 3),
            AssessPeriod::Half { year, half } => (year, half * 6),
            AssessPeriod::Year { year } => (year, 12),
        };
        let next = if m == 12 {
            NaiveDate::from_ymd_opt(y + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(y, m + 1, 1)
        };
        next.expect("a period ends on a real day")
            .pred_opt()
            .expect("not the first day ever")
    }

    /// The quarter, the half year and the year that ended last before `today` (a period's last
    /// day has passed): what the office most likely runs next.
    pub fn last_ended(today: NaiveDate) -> [AssessPeriod; 3] {
        use chrono::Datelike;
        let ended = |p: AssessPeriod| p.last_day() < today;
        let year = today.year();
        let q = (today.month() - 1) / 3 + 1;
        let quarter = [
            AssessPeriod::Quarter { year, quarter: q },
            match q {
                1 => AssessPeriod::Quarter {
                    year: year - 1,
                    quarter: 4,
                },
                _ => AssessPeriod::Quarter {
                    year,
                    quarter: q - 1,
                },
            },
        ];
        let h = if today.month() <= 6 { 1 } else { 2 };
        let half = [
            AssessPeriod::Half { year, half: h },
            match h {
                1 => AssessPeriod::Half {
                    year: year - 1,
                    half: 2,
                },
                _ => AssessPeriod::Half { year, half: 1 },
            },
        ];
        let pick = |two: [AssessPeriod; 2]| if ended(two[0]) { two[0] } else { two[1] };
        let whole = if ended(AssessPeriod::Year { year }) {
            AssessPeriod::Year { year }
        } else {
            AssessPeriod::Year { year: year - 1 }
        };
        [pick(quarter), pick(half), whole]
    }

    /// Whether `d` falls in the period.
    pub fn contains(self, d: NaiveDate) -> bool {
        self.first_day() <= d && d <= self.last_day()
    }

    /// The quarters from the one holding `first` that have ended before `today` (their last
    /// day passed), in order (what the demo runs).
    pub fn quarters_between(first: NaiveDate, today: NaiveDate) -> Vec<AssessPeriod> {
        use chrono::Datelike;
        let mut out = Vec::new();
        let mut p = AssessPeriod::Quarter {
            year: first.year(),
            quarter: (first.month() - 1) / 3 + 1,
        };
        while p.last_day() < today {
            out.push(p);
            p = match p {
                AssessPeriod::Quarter { year, quarter: 4 } => AssessPeriod::Quarter {
                    year: year + 1,
                    quarter: 1,
                },
                AssessPeriod::Quarter { year, quarter } => AssessPeriod::Quarter {
                    year,
                    quarter: quarter + 1,
                },
                other => other,
            };
        }
        out
    }
}

impl fmt::Display for AssessPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssessPeriod::Quarter { year, quarter } => write!(f, "{year}-Q{quarter}"),
            AssessPeriod::Half { year, half } => write!(f, "{year}-H{half}"),
            AssessPeriod::Year { year } => write!(f, "{year}"),
        }
    }
}

impl TryFrom<String> for AssessPeriod {
    type Error = AssessPeriodError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AssessPeriod::parse(&s)
    }
}

impl From<AssessPeriod> for String {
    fn from(p: AssessPeriod) -> String {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_parse_and_span_their_days() {
        let q = AssessPeriod::parse("2019-Q2").unwrap();
        assert_eq!(
            (q.first_day(), q.last_day()),
            (d(2019, 4, 1), d(2019, 6, 30))
        );
        let h = AssessPeriod::parse("2019-H2").unwrap();
        assert_eq!(
            (h.first_day(), h.last_day()),
            (d(2019, 7, 1), d(2019, 12, 31))
        );
        let y = AssessPeriod::parse("2020").unwrap();
        assert_eq!(
            (y.first_day(), y.last_day()),
            (d(2020, 1, 1), d(2020, 12, 31))
        );
        for bad in [
            "2019-Q5", "2019-H3", "19", "2019-06", "2019-Q", "+2019", "2019-q1", "",
        ] {
            assert!(AssessPeriod::parse(bad).is_err(), "{bad}");
        }
        for s in ["2019-Q2", "2019-H1", "2019"] {
            assert_eq!(AssessPeriod::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn the_last_ended_periods_count_their_last_day() {
        let names = |t| AssessPeriod::last_ended(t).map(|p| p.to_string());
        assert_eq!(names(d(2020, 7, 1)), ["2020-Q2", "2020-H1", "2019"]);
        assert_eq!(names(d(2020, 6, 30)), ["2020-Q1", "2019-H2", "2019"]);
        assert_eq!(names(d(2020, 1, 1)), ["2019-Q4", "2019-H2", "2019"]);
        assert_eq!(names(d(2019, 12, 31)), ["2019-Q3", "2019-H1", "2018"]);
        assert_eq!(names(d(2019, 11, 5)), ["2019-Q3", "2019-H1", "2018"]);
    }

    #[test]
    fn quarters_between_stop_at_the_last_ended_quarter() {
        let qs = AssessPeriod::quarters_between(d(2017, 10, 1), d(2018, 6, 30));
        let names: Vec<String> = qs.iter().map(|q| q.to_string()).collect();
        assert_eq!(
            names,
            ["2017-Q4", "2018-Q1"],
            "2018-Q2 is still open on its last day"
        );
        let qs = AssessPeriod::quarters_between(d(2017, 10, 1), d(2018, 7, 1));
        assert_eq!(qs.len(), 3);
    }
}
