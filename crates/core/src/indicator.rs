//! Indicators (指标): measures with a baseline, targets per year and an owner unit. Actuals and
//! their revisions arrive with the indicators capability; the plan file carries the definition.

use serde::{Deserialize, Serialize};

use crate::{Code, Text};

/// Which way is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Increase,
    Decrease,
    /// Closer to the target is better (e.g. a ratio to hold).
    Target,
}

impl Direction {
    pub const ALL: [Direction; 3] = [Direction::Increase, Direction::Decrease, Direction::Target];
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Increase => "increase",
            Direction::Decrease => "decrease",
            Direction::Target => "target",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Monthly,
    Quarterly,
    Annual,
}

impl Frequency {
    pub const ALL: [Frequency; 3] = [Frequency::Monthly, Frequency::Quarterly, Frequency::Annual];
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Annual => "annual",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorTarget {
    pub year: i32,
    pub value: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub code: Code,
    pub name: Text,
    /// Unit of measure (亿元, km, 万人).
    pub unit: String,
    pub direction: Direction,
    pub frequency: Frequency,
    pub baseline_year: Option<i32>,
    pub baseline: Option<f64>,
    /// Targets by year, ascending, one per year.
    pub targets: Vec<IndicatorTarget>,
    pub owner: Option<Code>,
    /// What the figure covers (the city, the metro operator), so figures are never mixed.
    pub scope: String,
    pub public: bool,
}
