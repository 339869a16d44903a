//! Why an item has its figures (explain): the source of its progress, its children's shares,
//! and the status with the rule that made it. Built from the rules in `progress`; the board
//! adds how a measured item stands (`Board::measured`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Thresholds;
use crate::path::Path;
use crate::progress::{Progress, RollupRule, Status, StatusReason, status};

/// One child's part in its parent's figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChildShare {
    pub code: String,
    pub title: String,
    pub weight: f64,
    pub cancelled: bool,
    pub progress: Progress,
}

/// Why an item has its progress and status: the numbers that made them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub progress: Progress,
    /// How the progress was obtained, in English; clients translate by `source`.
    pub source: ProgressSource,
    pub rule: RollupRule,
    pub children: Vec<ChildShare>,
    pub status: StatusReason,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProgressSource {
    /// Set by hand, with the reason given.
    Manual { reason: String },
    /// Rolled up from the children by `rule`.
    Children,
    /// The latest accepted report on the item itself.
    Report,
    /// The units' latest accepted reports, each for its share (`Item::shares`).
    Shares,
    /// The latest figure of the target's indicator (`ProgressFrom::Indicator`): `value` of
    /// `target` from `baseline`, standing for `on`; no figure yet when `value` is `None`.
    Indicator {
        indicator: String,
        value: Option<f64>,
        on: Option<NaiveDate>,
        baseline: f64,
        target: f64,
        unit: String,
    },
    /// Measured by the items that serve it (a positioning, a goal with no work below it):
    /// the figure is theirs (`Board::aligned`).
    Served,
    /// Nothing reported yet.
    Nothing,
}

/// How an item measured rather than reported stands on a board (`Board::measured`): the
/// status and the rule in words, with the figures it was judged on.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    pub status: Status,
    pub rule: String,
    /// The figure it is shown with: what serves it when something does, else its own.
    pub shown: Progress,
    /// Whether `shown` is what serves it.
    pub served: bool,
    pub expected: Option<f64>,
    pub gap: Option<f64>,
}

impl Explanation {
    /// For an item with unit shares: its reported figure is the units' shares, not one report.
    pub fn shared(mut self, has_shares: bool) -> Explanation {
        if has_shares && self.source == ProgressSource::Report {
            self.source = ProgressSource::Shares;
        }
        self
    }

    /// For an item whose progress is its indicator's (`ProgressFrom::Indicator`): the figure
    /// it comes from, as known on `date`.
    pub fn from_indicator(
        mut self,
        item: &crate::Item,
        measures: &crate::Measures,
        date: NaiveDate,
    ) -> Explanation {
        if item.progress_from != crate::ProgressFrom::Indicator {
            return self;
        }
        let Some(t) = &item.extra.target else {
            return self;
        };
        let Some(code) = &t.indicator else {
            return self;
        };
        let Some((ind, _)) = measures.indicators.get(code.as_str()) else {
            return self;
        };
        let latest = measures.known(code.as_str(), date).last().copied();
        self.source = ProgressSource::Indicator {
            indicator: code.to_string(),
            value: latest.map(|l| l.1),
            on: latest.map(|l| l.0),
            baseline: ind.baseline.unwrap_or(0.0),
            target: t.value,
            unit: ind.unit.clone(),
        };
        self
    }

    /// For an item measured rather than reported (`Board::measured`): its status, the rule
    /// that made it and the figures it was judged on, in place of a judgement of its own
    /// (absent) reports — so the explanation says what the item views and pages show.
    pub fn measured(mut self, measured: Option<Measured>) -> Explanation {
        if let Some(m) = measured {
            self.progress = m.shown;
            if m.served {
                self.source = ProgressSource::Served;
            }
            self.status = StatusReason {
                status: m.status,
                progress: m.shown.vouched(),
                expected: m.expected,
                gap: m.gap,
                threshold: None,
                rule: m.rule,
                ..self.status
            };
        }
        self
    }
}

/// Puts together the explanation of an item's figures on `date`.
#[allow(clippy::too_many_arguments)] // each argument is one independent fact about the item
pub fn explain(
    progress: Progress,
    cancelled: bool,
    rule: RollupRule,
    manual_reason: Option<&str>,
    children: Vec<ChildShare>,
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    path: Option<&Path>,
    date: NaiveDate,
    thresholds: Thresholds,
) -> Explanation {
    let source = match manual_reason {
        Some(r) if rule == RollupRule::Manual => ProgressSource::Manual {
            reason: r.to_string(),
        },
        _ if children.iter().any(|c| !c.cancelled) => ProgressSource::Children,
        _ if progress.percent.is_some() => ProgressSource::Report,
        _ => ProgressSource::Nothing,
    };
    let mut status = status(progress, start, due, path, date, thresholds);
    if cancelled {
        // Not judged: a cancelled item (or one under a cancelled item) is nobody's lag.
        status = StatusReason {
            status: Status::Cancelled,
            threshold: None,
            gap: None,
            rule: "cancelled: out of the plan's figures".into(),
            ..status
        };
    }
    Explanation {
        progress,
        source,
        rule,
        children,
        status,
    }
}
