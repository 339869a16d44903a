//! A plan's notice settings (`[plan.notices]`: number format, levels, escalation step), kept
//! as JSON beside the plan; a plan without them uses the defaults.

use sea_orm_migration::prelude::*;

use super::m0001_plans::text_null;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0016_notice_settings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("plans"))
                .add_column(text_null("notice_settings"))
                .to_owned(),
        )
        .await
    }
}
