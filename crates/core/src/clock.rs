//! Time, from one source. "Now" is an instant (stored in UTC); "today" is a calendar date in a
//! plan's own time zone (DESIGN §4). Everything that needs either asks a `Clock`, so tests and
//! the demo run on any date and every write of one process is stamped consistently. Reading the
//! real clock is done by implementations at the edge (`tuijin_store::clock`); this module holds
//! the trait, the stamp every write carries, and a fixed clock for tests.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone of plans that do not name one, and of pages that show no plan.
pub const DEFAULT_TZ: Tz = chrono_tz::Asia::Shanghai;

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The instant now.
    fn now(&self) -> DateTime<Utc>;

    /// Today's calendar date in zone `tz`.
    fn today(&self, tz: Tz) -> NaiveDate {
        self.now().with_timezone(&tz).date_naive()
    }

    /// True when the date is simulated (the demo, `--today`): pages say so.
    fn is_simulated(&self) -> bool {
        false
    }

    /// The stamp of a write by `actor` on a plan in zone `tz`.
    fn stamp(&self, actor: &str, tz: Tz) -> Stamp {
        Stamp {
            at: self.now(),
            today: self.today(tz),
            actor: actor.to_string(),
        }
    }
}

/// When a write happens: the instant, the calendar date in the plan's zone (which may be a
/// simulated "today"), and who does it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub at: DateTime<Utc>,
    pub today: NaiveDate,
    pub actor: String,
}

/// A clock that stands still: `date` at `time` in `tz`. For tests and for stamping history
/// loaded from the past.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedClock {
    pub instant: DateTime<Utc>,
    pub tz: Tz,
}

impl FixedClock {
    /// Noon of `date` in the default zone.
    pub fn on(date: NaiveDate) -> FixedClock {
        FixedClock::at(
            date,
            NaiveTime::from_hms_opt(12, 0, 0).expect("noon"),
            DEFAULT_TZ,
        )
    }

    pub fn at(date: NaiveDate, time: NaiveTime, tz: Tz) -> FixedClock {
        FixedClock {
            instant: local_instant(date, time, tz),
            tz,
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.instant
    }
    fn is_simulated(&self) -> bool {
        true
    }
}

/// The instant of a wall-clock time on a date in a zone (the earlier one when the time occurs
/// twice, the first valid one after a gap).
pub fn local_instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let naive = date.and_time(time);
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.with_timezone(&Utc)
        }
        chrono::LocalResult::None => {
            // A wall time skipped by a clock change: an hour later exists.
            let later = naive + chrono::Duration::hours(1);
            tz.from_local_datetime(&later)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
        }
    }
}

/// The time zone a plan names; `None` for a name the zone database does not know.
pub fn parse_tz(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_date_in_the_plans_zone() {
        // 2020-06-30 20:30 UTC is already 1 July in Shanghai (UTC+8) but not in London.
        let c = FixedClock {
            instant: Utc.with_ymd_and_hms(2020, 6, 30, 20, 30, 0).unwrap(),
            tz: DEFAULT_TZ,
        };
        assert_eq!(
            c.today(DEFAULT_TZ),
            NaiveDate::from_ymd_opt(2020, 7, 1).unwrap()
        );
        assert_eq!(
            c.today(chrono_tz::Europe::London),
            NaiveDate::from_ymd_opt(2020, 6, 30).unwrap()
        );
        let s = c.stamp("office", DEFAULT_TZ);
        assert_eq!((s.actor.as_str(), s.at), ("office", c.instant));
        let noon = FixedClock::on(NaiveDate::from_ymd_opt(2020, 6, 30).unwrap());
        assert_eq!(
            noon.instant,
            Utc.with_ymd_and_hms(2020, 6, 30, 4, 0, 0).unwrap()
        );
        assert_eq!(parse_tz("Asia/Shanghai"), Some(DEFAULT_TZ));
        assert_eq!(parse_tz("Mars/Olympus"), None);
    }
}
