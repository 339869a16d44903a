//! The clocks that read the real time: the system clock of a server, and the simulated clock
//! of the demo, which stands on one date while its hours pass, so everything the demo writes
//! is dated on its "today". This module is the only place that reads the system clock
//! (`clippy.toml` forbids `Utc::now` elsewhere).

use chrono::{DateTime, NaiveDate, Utc};
use tuijin_core::clock::{Clock, DEFAULT_TZ, local_instant};

/// The real time, to the microsecond: the precision both databases keep, so an instant reads
/// back as it was written, on either, and after a backup is restored on the other.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one reading of the system clock
    fn now(&self) -> DateTime<Utc> {
        tuijin_core::audit::stored_instant(Utc::now())
    }
}

/// A simulated date: "now" is `date` at the real time of day in the default zone, so writes
/// of one session keep their order and all fall on `date`.
#[derive(Clone, Copy, Debug)]
pub struct SimulatedClock {
    pub date: NaiveDate,
}

impl Clock for SimulatedClock {
    fn now(&self) -> DateTime<Utc> {
        let real = SystemClock.now().with_timezone(&DEFAULT_TZ).time();
        local_instant(self.date, real, DEFAULT_TZ)
    }

    fn today(&self, _tz: chrono_tz::Tz) -> NaiveDate {
        self.date
    }

    fn is_simulated(&self) -> bool {
        true
    }
}
