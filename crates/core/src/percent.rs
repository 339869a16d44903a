//! Percent complete, 0 to 100 inclusive. Anything else cannot be constructed.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Percent(f64);

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("a percent must be a number from 0 to 100 (got {0})")]
pub struct PercentError(pub f64);

impl Percent {
    pub const ZERO: Percent = Percent(0.0);
    pub const FULL: Percent = Percent(100.0);

    pub fn new(v: f64) -> Result<Self, PercentError> {
        if v.is_finite() && (0.0..=100.0).contains(&v) {
            Ok(Percent(v))
        } else {
            Err(PercentError(v))
        }
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Percent {
    type Error = PercentError;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        Percent::new(v)
    }
}

impl From<Percent> for f64 {
    fn from(p: Percent) -> f64 {
        p.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert!(Percent::new(0.0).is_ok());
        assert!(Percent::new(100.0).is_ok());
        assert_eq!(Percent::new(101.0), Err(PercentError(101.0)));
        assert!(Percent::new(-0.5).is_err());
        assert!(Percent::new(f64::NAN).is_err());
    }
}
