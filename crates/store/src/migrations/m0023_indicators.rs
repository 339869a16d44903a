//! What the indicators capability added: the rest of an indicator's definition (counting
//! basis, publication lag, the kind of path and its dated points, the publishing source), the
//! plan's forecast setting (warn when the chance of missing a target is above it, in
//! percent), where an item's own progress comes from (its reports, or its target's
//! indicator), and for each figure who entered it and when, why it revises an earlier one, and
//! the unit, scope and basis it was entered in.

use sea_orm_migration::prelude::*;

use super::m0001_plans::{int_null, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0023_indicators"
    }
}

fn text_default(name: &str, default: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .text()
        .not_null()
        .default(default)
        .to_owned()
}

async fn add(m: &SchemaManager<'_>, table: &str, col: ColumnDef) -> Result<(), DbErr> {
    // One column per statement: SQLite adds one at a time.
    let mut col = col;
    m.alter_table(
        Table::alter()
            .table(Alias::new(table))
            .add_column(&mut col)
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add(m, "indicators", text_default("basis", "cumulative")).await?;
        add(m, "indicators", int_null("publication_lag")).await?;
        add(m, "indicators", text_default("path_kind", "linear")).await?;
        add(m, "indicators", text_null("path_points")).await?;
        add(m, "indicators", text_default("source", "")).await?;
        add(
            m,
            "plans",
            ColumnDef::new(Alias::new("forecast_miss"))
                .double()
                .not_null()
                .default(50.0)
                .to_owned(),
        )
        .await?;
        add(m, "items", text_default("progress_from", "reports")).await?;
        // A unit's figure waits for the office's review, as a report does.
        add(m, "indicator_actuals", text_default("state", "accepted")).await?;
        for col in ["review_comment", "reviewed_by", "reviewed_at"] {
            add(m, "indicator_actuals", text_null(col)).await?;
        }
        for col in [
            "entered_by",
            "entered_at",
            "reason",
            "unit",
            "scope",
            "basis",
        ] {
            add(m, "indicator_actuals", text_null(col)).await?;
        }
        Ok(())
    }
}
