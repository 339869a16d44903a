//! A notice's past rounds of waiting for a reply: each returned reply closes one (the date it
//! was due and the day it came), kept as JSON so escalation reads the whole history.

use sea_orm_migration::prelude::*;

use super::m0001_plans::text_null;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0019_notice_rounds"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("notices"))
                .add_column(text_null("rounds"))
                .to_owned(),
        )
        .await
    }
}
