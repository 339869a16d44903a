//! Plans: a named strategy with a horizon, stages and a reporting cadence, and the whole
//! document (`PlanDocument`) that the plan file and the database exchange.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Code, Indicator, Item, ItemKind, Person, Text, Unit, progress::RollupRule};

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Cadence {
    #[default]
    Monthly,
    Quarterly,
}

impl Cadence {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// Which dates an item's status is judged by once a baseline is set (基线): the plan as it
/// now stands (a moved deadline moves what is expected; the slip is shown beside it), or the
/// baseline (a moved deadline still counts as late against the plan as approved).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum StatusAgainst {
    #[default]
    Current,
    Baseline,
}

impl StatusAgainst {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// Status thresholds in percentage points below expected progress (DESIGN.md section 4).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub at_risk: f64,
    pub off_track: f64,
    /// An indicator's forecast warns when its chance of missing a target is above this, in
    /// percent.
    #[serde(default = "default_forecast_miss")]
    pub forecast_miss: f64,
}

fn default_forecast_miss() -> f64 {
    50.0
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            at_risk: 5.0,
            off_track: 15.0,
            forecast_miss: default_forecast_miss(),
        }
    }
}

/// When reports are due and when silence becomes a warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporting {
    /// Day of the month after a period on which the top level's reports are due; each level
    /// below is due one day earlier.
    pub due_day: u32,
    /// Days after the due date before a missing report becomes a warning.
    pub grace_days: u32,
    /// Days without any accepted report after which an item counts as stale.
    pub stale_days: u32,
}

impl Default for Reporting {
    fn default() -> Self {
        Reporting {
            due_day: 5,
            grace_days: 5,
            stale_days: 60,
        }
    }
}

/// A stage of the plan (阶段), ending on a date, with what it promises.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub code: Code,
    pub title: Text,
    pub description: Text,
    pub end: NaiveDate,
}

/// What the plan calls one level of its tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelLabel {
    pub kind: ItemKind,
    pub label: Text,
}

/// The document the plan comes from (a speech, a decree) so provenance quotes can be traced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanSource {
    pub title: Text,
    pub date: Option<NaiveDate>,
    pub occasion: Text,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub code: Code,
    pub title: Text,
    pub description: Text,
    pub source: PlanSource,
    /// IANA time zone in which the plan's dates are calendar dates.
    pub timezone: String,
    pub cadence: Cadence,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub thresholds: Thresholds,
    /// The rollup rule of items that do not choose their own.
    pub rollup: RollupRule,
    /// The dates status is judged by once a baseline is set.
    #[serde(default)]
    pub status_against: StatusAgainst,
    pub reporting: Reporting,
    pub stages: Vec<Stage>,
    pub levels: Vec<LevelLabel>,
    /// How the office runs its supervision notices: number format, levels, escalation step.
    pub notices: crate::notice::NoticeSettings,
}

impl Plan {
    /// The plan's time zone; the default zone when it names none the database knows (the
    /// validator refuses such a plan).
    pub fn tz(&self) -> chrono_tz::Tz {
        crate::clock::parse_tz(&self.timezone).unwrap_or(crate::clock::DEFAULT_TZ)
    }

    /// The stage an item due on `due` belongs to: the first stage ending on or after it.
    pub fn stage_of(&self, due: NaiveDate) -> Option<&Stage> {
        let mut stages: Vec<&Stage> = self.stages.iter().collect();
        stages.sort_by_key(|s| s.end);
        stages.into_iter().find(|s| due <= s.end)
    }

    /// The plan's label for a level, or the default one.
    pub fn level_label(&self, kind: ItemKind) -> Text {
        self.levels
            .iter()
            .find(|l| l.kind == kind)
            .map(|l| l.label.clone())
            .unwrap_or_else(|| kind.default_label())
    }
}

/// A whole plan with everything it refers to: what a plan file holds and what an import writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanDocument {
    pub plan: Plan,
    pub units: Vec<Unit>,
    pub people: Vec<Person>,
    pub items: Vec<Item>,
    pub indicators: Vec<Indicator>,
}
