//! The one source of "today". Tests and the demo run on a fixed date; the server on the system
//! clock, read as a calendar date in the plan's time zone (Asia/Shanghai is UTC+8 all year).

use chrono::{FixedOffset, NaiveDate, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    System,
    /// A simulated today.
    Fixed(NaiveDate),
}

impl Clock {
    pub fn today(&self) -> NaiveDate {
        match self {
            Clock::Fixed(d) => *d,
            Clock::System => {
                let cst = FixedOffset::east_opt(8 * 3600).expect("valid offset");
                Utc::now().with_timezone(&cst).date_naive()
            }
        }
    }

    pub fn is_simulated(&self) -> bool {
        matches!(self, Clock::Fixed(_))
    }
}
