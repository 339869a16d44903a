//! Where an indicator is heading: a trend fitted to its figures as known on a day, projected
//! to each target year with a prediction interval and the chance of meeting the target.
//!
//! Two trends are fitted by ordinary least squares against time in years: a straight line
//! (`linear`, the figure grows by the same amount each year) and a straight line through the
//! logarithms (`log_linear`, it grows by the same rate). The one kept is the one whose
//! figures, put back in the indicator's own unit, lie closer to the actual figures (the
//! smaller sum of squared errors; the straight line on a tie). Both have two parameters, so
//! neither wins by being more flexible. With fewer than three figures on different days
//! there is nothing to judge a trend by, and the forecast says so. The method and its limits
//! are written out in docs/forecasting.md.

use chrono::NaiveDate;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::indicator::{Direction, Indicator};

/// Figures on different days a trend needs: two always lie on a line.
pub const MIN_POINTS: usize = 3;

/// The prediction interval's coverage: nine times in ten the figure should fall inside.
pub const LEVEL: f64 = 0.90;

/// A trend's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Model {
    Linear,
    LogLinear,
}

impl Model {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A trend fitted to the figures, on its own scale (the figure, or its natural logarithm)
/// against time in years (`years`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fit {
    pub model: Model,
    pub intercept: f64,
    /// Per year: in the indicator's unit for `linear`; in log units for `log_linear`, where
    /// `exp(slope) − 1` is the yearly growth rate.
    pub slope: f64,
    /// The residuals' standard deviation on the fit's scale, with n − 2 degrees of freedom.
    pub residual_sd: f64,
    /// The share of the variation on the fit's scale the trend explains.
    pub r_squared: f64,
    /// Sum of squared errors in the indicator's unit: the criterion the trend is chosen by.
    pub sse: f64,
    #[serde(skip)]
    mean_t: f64,
    #[serde(skip)]
    sxx: f64,
    #[serde(skip)]
    n: usize,
}

/// A trend's value for one target year.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Projection {
    pub year: i32,
    /// The last day of the target year, the day projected to.
    pub on: NaiveDate,
    pub target: f64,
    pub value: f64,
    /// The prediction interval at `LEVEL`.
    pub low: f64,
    pub high: f64,
    /// The chance the figure meets the target (≥ for an indicator that should rise, ≤ for
    /// one that should fall), from the trend's Student t distribution; `None` for an
    /// indicator aimed at a value, where meeting it exactly has no chance to state.
    pub probability: Option<f64>,
}

/// What the figures known on a day say about where an indicator is heading.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Forecast {
    /// Too few figures to fit a trend: how many there are and how many it takes.
    TooFew { points: usize, needed: usize },
    Made {
        /// The figures fitted: the day each stands for and its value.
        points: Vec<(NaiveDate, f64)>,
        chosen: Model,
        /// Every trend fitted, the chosen one among them.
        fits: Vec<Fit>,
        /// Why the logarithmic trend was not fitted, when it was not.
        log_linear_skipped: Option<&'static str>,
        level: f64,
        degrees_of_freedom: usize,
        /// The Student t quantile the interval is built with.
        t_quantile: f64,
        /// One per target year after the last figure.
        projections: Vec<Projection>,
    },
}

/// A day as a decimal year: 2000-01-01 is 2000.0, and a year is 365.25 days.
pub fn years(d: NaiveDate) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
    2000.0 + (d - epoch).num_days() as f64 / 365.25
}

/// The least-squares line through `(t, y)`; `None` when every `t` is the same.
fn least_squares(model: Model, t: &[f64], y: &[f64], original: &[f64]) -> Option<Fit> {
    let n = t.len();
    let mean_t = t.iter().sum::<f64>() / n as f64;
    let mean_y = y.iter().sum::<f64>() / n as f64;
    let sxx: f64 = t.iter().map(|x| (x - mean_t).powi(2)).sum();
    if sxx < 1e-12 {
        return None;
    }
    let sxy: f64 = t
        .iter()
        .zip(y)
        .map(|(x, v)| (x - mean_t) * (v - mean_y))
        .sum();
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_t;
    let fitted = |x: f64| intercept + slope * x;
    let ss_res: f64 = t.iter().zip(y).map(|(x, v)| (v - fitted(*x)).powi(2)).sum();
    let ss_tot: f64 = y.iter().map(|v| (v - mean_y).powi(2)).sum();
    let back = |v: f64| match model {
        Model::Linear => v,
        Model::LogLinear => v.exp(),
    };
    let sse = t
        .iter()
        .zip(original)
        .map(|(x, v)| (v - back(fitted(*x))).powi(2))
        .sum();
    Some(Fit {
        model,
        intercept,
        slope,
        residual_sd: (ss_res / (n as f64 - 2.0)).max(0.0).sqrt(),
        r_squared: if ss_tot > 0.0 {
            1.0 - ss_res / ss_tot
        } else {
            1.0
        },
        sse,
        mean_t,
        sxx,
        n,
    })
}

impl Fit {
    /// The trend's value at `t` on its own scale, and the standard error of a new figure there.
    fn predict(&self, t: f64) -> (f64, f64) {
        let n = self.n as f64;
        let se = self.residual_sd * (1.0 + 1.0 / n + (t - self.mean_t).powi(2) / self.sxx).sqrt();
        (self.intercept + self.slope * t, se)
    }

    fn to_unit(&self, v: f64) -> f64 {
        match self.model {
            Model::Linear => v,
            Model::LogLinear => v.exp(),
        }
    }

    fn onto_scale(&self, v: f64) -> Option<f64> {
        match self.model {
            Model::Linear => Some(v),
            Model::LogLinear => (v > 0.0).then(|| v.ln()),
        }
    }
}

/// The forecast of `ind` from `figures` (the day each stands for and its value, as known on
/// the day the forecast is made), for each target year after the last figure.
pub fn forecast(ind: &Indicator, figures: &[(NaiveDate, f64)]) -> Forecast {
    let mut points = figures.to_vec();
    points.sort_by_key(|p| p.0);
    let mut days: Vec<NaiveDate> = points.iter().map(|p| p.0).collect();
    days.dedup();
    if days.len() < MIN_POINTS {
        return Forecast::TooFew {
            points: days.len(),
            needed: MIN_POINTS,
        };
    }
    let t: Vec<f64> = points.iter().map(|p| years(p.0)).collect();
    let y: Vec<f64> = points.iter().map(|p| p.1).collect();
    let mut fits = Vec::new();
    if let Some(f) = least_squares(Model::Linear, &t, &y, &y) {
        fits.push(f);
    }
    let log_linear_skipped = if y.iter().all(|v| *v > 0.0) {
        let logs: Vec<f64> = y.iter().map(|v| v.ln()).collect();
        if let Some(f) = least_squares(Model::LogLinear, &t, &logs, &y) {
            fits.push(f);
        }
        None
    } else {
        Some("a figure is zero or below, which has no logarithm")
    };
    let Some(best) = fits.iter().min_by(|a, b| a.sse.total_cmp(&b.sse)).cloned() else {
        return Forecast::TooFew {
            points: days.len(),
            needed: MIN_POINTS,
        };
    };
    let dof = points.len() - 2;
    let dist = StudentsT::new(0.0, 1.0, dof as f64).expect("dof is at least 1");
    let t_quantile = dist.inverse_cdf(0.5 + LEVEL / 2.0);
    let last = points.last().map(|p| p.0).expect("at least three points");
    let projections = ind
        .targets
        .iter()
        .filter_map(|target| {
            let on = NaiveDate::from_ymd_opt(target.year, 12, 31)?;
            (on > last).then_some((target, on))
        })
        .map(|(target, on)| {
            let (mid, se) = best.predict(years(on));
            let probability = match ind.direction {
                Direction::Target => None,
                dir => Some(chance(&best, &dist, mid, se, target.value, dir)),
            };
            Projection {
                year: target.year,
                on,
                target: target.value,
                value: best.to_unit(mid),
                low: best.to_unit(mid - t_quantile * se),
                high: best.to_unit(mid + t_quantile * se),
                probability,
            }
        })
        .collect();
    Forecast::Made {
        points,
        chosen: best.model,
        fits,
        log_linear_skipped,
        level: LEVEL,
        degrees_of_freedom: dof,
        t_quantile,
        projections,
    }
}

/// The chance a figure drawn from the trend at `mid` (standard error `se`, both on the fit's
/// scale) is at or beyond `target` in the direction that is better.
fn chance(fit: &Fit, dist: &StudentsT, mid: f64, se: f64, target: f64, dir: Direction) -> f64 {
    let rising = dir == Direction::Increase;
    let Some(goal) = fit.onto_scale(target) else {
        // A target of zero or below on a trend of logarithms: every figure is above it.
        return if rising { 1.0 } else { 0.0 };
    };
    if se <= 0.0 {
        let meets = if rising { mid >= goal } else { mid <= goal };
        return if meets { 1.0 } else { 0.0 };
    }
    let z = (goal - mid) / se;
    if rising {
        1.0 - dist.cdf(z)
    } else {
        dist.cdf(z)
    }
}

#[cfg(test)]
mod tests;
