//! Early warnings, one open per item and kind, cleared (never deleted) when the condition
//! ends; and the date an item's own report was last accepted, for the staleness rule.

use sea_orm_migration::prelude::*;

use super::m0001_plans::{big, date_null, fk, id, index, instant, text};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_warnings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("item_progress"))
                .add_column(date_null("reported_on"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("warnings"))
                .col(id("id"))
                .col(big("plan_id"))
                .col(big("item_id"))
                .col(text("kind"))
                .col(text("severity"))
                .col(text("details"))
                .col(ColumnDef::new(Alias::new("raised_on")).date().not_null())
                .col(date_null("cleared_on"))
                .col(instant("raised_at"))
                .col(
                    ColumnDef::new(Alias::new("cleared_at"))
                        .timestamp_with_time_zone()
                        .null(),
                )
                .foreign_key(&mut fk("warnings", "plan_id", "plans", true))
                .foreign_key(&mut fk("warnings", "item_id", "items", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "warnings",
            "warnings_plan_open",
            &["plan_id", "cleared_on"],
            false,
        ))
        .await?;
        // The same condition never gives two open warnings: a partial unique index, which
        // both SQLite and PostgreSQL support with this syntax.
        m.get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX warnings_one_open ON warnings (item_id, kind) WHERE cleared_on IS NULL")
            .await?;
        Ok(())
    }
}
