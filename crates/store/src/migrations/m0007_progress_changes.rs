//! Which progress version last changed each item's progress, so that a reader keeping a plan's
//! figures in memory can fetch only what changed since its copy (`ProgressStore::progress_since`)
//! instead of the whole plan.

use sea_orm_migration::prelude::*;

use super::m0001_plans::index;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_progress_changes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("item_progress"))
                .add_column(
                    ColumnDef::new(Alias::new("changed_in"))
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "item_progress",
            "item_progress_changed_in",
            &["changed_in"],
            false,
        ))
        .await
    }
}
