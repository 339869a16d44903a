//! Tuijin's domain: plans, items, units, people and indicators, and the pure rules that act on
//! them. Nothing in this crate touches a file, a socket, a clock or a database: everything is a
//! function of its arguments, so every rule can be tested in isolation.

pub mod account;
pub mod assess;
pub mod audit;
pub mod baseline;
mod bits;
pub mod board;
pub mod briefing;
pub mod clock;
pub mod code;
pub mod duties;
pub mod edit;
pub mod event;
pub mod evidence;
pub mod explain;
pub mod forecast;
pub mod generate;
pub mod i18n;
pub mod indicator;
pub mod item;
pub mod notice;
pub mod path;
pub mod percent;
pub mod period;
pub mod plan;
pub mod policy;
pub mod positions;
pub mod problem;
pub mod progress;
pub mod proposal;
pub mod report;
pub mod rewind;
pub mod sample;
pub mod shape;
pub mod summary;
pub mod text;
pub mod unit;
pub mod validate;
pub mod warning;

pub use code::{Code, CodeError};
pub use indicator::{
    Attainment, CountingBasis, Direction, Figure, Frequency, Indicator, IndicatorTarget, Measures,
    PathKind, PathPoint,
};
pub use item::{
    Extra, Item, ItemExtra, ItemKind, ManualProgress, ProgressFrom, Share, Target, TrajectoryPoint,
    Weight,
};
pub use percent::Percent;
pub use plan::{
    Cadence, LevelLabel, Plan, PlanDocument, PlanSource, Reporting, Stage, StatusAgainst,
    Thresholds,
};
pub use progress::{Progress, RollupRule, Status};
pub use strum::VariantArray;
pub use text::Text;
pub use thin_vec::{ThinVec, thin_vec};
pub use unit::{Person, Unit, UnitKind};
pub use validate::{FieldPath, PlanProblem, Section, validate};
