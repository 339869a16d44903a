//! Forward-only migrations, one per file, embedded and applied at start-up (and by
//! `tuijin migrate`). An applied migration is never edited: a change is a new file.

use sea_orm_migration::{MigrationTrait, MigratorTrait};

mod m0001_plans;
mod m0002_progress;
mod m0003_warnings;
mod m0004_progress_version;
mod m0005_accounts;
mod m0006_sessions;
mod m0007_progress_changes;
mod m0008_report_figures;
mod m0009_indicator_actuals;
mod m0010_closed_periods;
mod m0011_soundness;
mod m0012_expected_paths;
mod m0013_settings;
mod m0014_item_shares;
mod m0015_notices;
mod m0016_notice_settings;
mod m0017_proposals;
mod m0018_evidence;
mod m0019_notice_rounds;
mod m0020_assessments;
mod m0021_plan_editing;
mod m0022_directory_edits;
mod m0023_indicators;
mod m0024_scale;
pub(crate) mod m0025_chase_order;

pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_plans::Migration),
            Box::new(m0002_progress::Migration),
            Box::new(m0003_warnings::Migration),
            Box::new(m0004_progress_version::Migration),
            Box::new(m0005_accounts::Migration),
            Box::new(m0006_sessions::Migration),
            Box::new(m0007_progress_changes::Migration),
            Box::new(m0008_report_figures::Migration),
            Box::new(m0009_indicator_actuals::Migration),
            Box::new(m0010_closed_periods::Migration),
            Box::new(m0011_soundness::Migration),
            Box::new(m0012_expected_paths::Migration),
            Box::new(m0013_settings::Migration),
            Box::new(m0014_item_shares::Migration),
            Box::new(m0015_notices::Migration),
            Box::new(m0016_notice_settings::Migration),
            Box::new(m0017_proposals::Migration),
            Box::new(m0018_evidence::Migration),
            Box::new(m0019_notice_rounds::Migration),
            Box::new(m0020_assessments::Migration),
            Box::new(m0021_plan_editing::Migration),
            Box::new(m0022_directory_edits::Migration),
            Box::new(m0023_indicators::Migration),
            Box::new(m0024_scale::Migration),
            Box::new(m0025_chase_order::Migration),
        ]
    }
}
