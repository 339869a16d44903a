//! The execution engine: rollup and reporting settings on plans and items, the progress each
//! item has now (maintained incrementally), its history for as-of views, and progress reports.

use sea_orm_migration::prelude::*;

use super::m0001_plans::{
    big, big_null, date, fk, flag, id, index, instant, real, real_null, text, text_null,
};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_progress"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let plan_cols = [
            ColumnDef::new(Alias::new("rollup_rule"))
                .text()
                .not_null()
                .default("weighted_mean")
                .to_owned(),
            ColumnDef::new(Alias::new("report_due_day"))
                .integer()
                .not_null()
                .default(5)
                .to_owned(),
            ColumnDef::new(Alias::new("report_grace_days"))
                .integer()
                .not_null()
                .default(5)
                .to_owned(),
            ColumnDef::new(Alias::new("stale_days"))
                .integer()
                .not_null()
                .default(60)
                .to_owned(),
        ];
        for mut c in plan_cols {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("plans"))
                    .add_column(&mut c)
                    .to_owned(),
            )
            .await?;
        }
        let item_cols = [
            text_null("rollup_rule"),
            real_null("manual_percent"),
            text_null("manual_reason"),
            flag("cancelled"),
        ];
        for mut c in item_cols {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("items"))
                    .add_column(&mut c)
                    .to_owned(),
            )
            .await?;
        }

        // The progress of every item now: one row per item, written in the same transaction as
        // the report or plan change that moves it.
        m.create_table(
            Table::create()
                .table(Alias::new("item_progress"))
                .col(
                    ColumnDef::new(Alias::new("item_id"))
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(real_null("percent"))
                .col(real("unknown_share"))
                .col(real_null("reported"))
                .col(instant("updated_at"))
                .foreign_key(&mut fk("item_progress", "item_id", "items", true))
                .to_owned(),
        )
        .await?;

        // Every change of an item's progress, with the calendar date it took effect: the plan
        // on any past date is the latest row on or before that date.
        m.create_table(
            Table::create()
                .table(Alias::new("progress_history"))
                .col(id("id"))
                .col(big("item_id"))
                .col(date("effective_date"))
                .col(instant("at"))
                .col(real_null("percent"))
                .col(real("unknown_share"))
                .foreign_key(&mut fk("progress_history", "item_id", "items", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "progress_history",
            "progress_history_item_date",
            &["item_id", "effective_date"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("reports"))
                .col(id("id"))
                .col(big("plan_id"))
                .col(big("item_id"))
                .col(text("period"))
                .col(big("unit_id"))
                .col(real_null("percent"))
                .col(text("narrative"))
                .col(text("problems"))
                .col(text("next_steps"))
                .col(text("state"))
                .col(text("author"))
                .col(text("reviewer"))
                .col(text("review_comment"))
                .col(big_null("supersedes_id"))
                .col(
                    ColumnDef::new(Alias::new("submitted_at"))
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(Alias::new("reviewed_at"))
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(instant("created_at"))
                .col(instant("updated_at"))
                .col(big("version"))
                .foreign_key(&mut fk("reports", "plan_id", "plans", true))
                .foreign_key(&mut fk("reports", "item_id", "items", true))
                .foreign_key(&mut fk("reports", "unit_id", "units", false))
                .foreign_key(&mut fk("reports", "supersedes_id", "reports", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "reports",
            "reports_item_period",
            &["item_id", "period"],
            false,
        ))
        .await?;
        m.create_index(index(
            "reports",
            "reports_plan_state",
            &["plan_id", "state"],
            false,
        ))
        .await?;
        m.create_index(index(
            "reports",
            "reports_unit_state",
            &["unit_id", "state"],
            false,
        ))
        .await?;
        Ok(())
    }
}
