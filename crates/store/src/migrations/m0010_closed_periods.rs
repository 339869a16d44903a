//! Reporting periods the office has closed: their reports can no longer be started, edited or
//! submitted.

use sea_orm_migration::prelude::*;

use super::m0001_plans::{big, fk, instant, text};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_closed_periods"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("closed_periods"))
                .col(big("plan_id"))
                .col(text("period"))
                .col(instant("closed_at"))
                .col(text("closed_by"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("plan_id"))
                        .col(Alias::new("period")),
                )
                .foreign_key(&mut fk("closed_periods", "plan_id", "plans", true))
                .to_owned(),
        )
        .await
    }
}
