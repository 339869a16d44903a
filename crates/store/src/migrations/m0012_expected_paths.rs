//! Each item's expected path (`tuijin_core::path`), kept beside the item: a parent's path is
//! its children's, so judging one item must not need its whole branch. Written by every
//! import; items imported before this migration get theirs at the next start
//! (`plans::paths::fill_missing`).

use sea_orm_migration::prelude::*;

use super::m0001_plans::text_null;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_expected_paths"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("items"))
                .add_column(text_null("expected_path"))
                .to_owned(),
        )
        .await
    }
}
