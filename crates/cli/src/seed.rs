//! The embedded default plan: Zhengzhou's 2017 plan to become a National Central City.

use anyhow::{Result, anyhow};
use tuijin_core::PlanDocument;

pub const SEED_FILE: &str = "zhengzhou-ncc-2017.toml";
pub const SEED_TEXT: &str = include_str!("../../../plans/zhengzhou-ncc-2017.toml");

/// Mid-2020: inside the plan's first stage, which ended in 2020.
pub const DEMO_TODAY: &str = "2020-06-30";

pub fn seed_plan() -> Result<PlanDocument> {
    tuijin_export::read_plan(SEED_FILE, SEED_TEXT)
        .map_err(|e| anyhow!("the embedded seed plan is invalid (a build defect):\n{e}"))
}
