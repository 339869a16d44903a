//! Settings of the database itself, by name: today the simulated date of a demo database, so
//! that every command run on it (status, report, import) dates and judges by the demo's
//! "today", not the real clock.

use sea_orm_migration::prelude::*;

use super::m0001_plans::text;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0013_settings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("settings"))
                .col(
                    ColumnDef::new(Alias::new("name"))
                        .text()
                        .not_null()
                        .primary_key(),
                )
                .col(text("value"))
                .to_owned(),
        )
        .await
    }
}
