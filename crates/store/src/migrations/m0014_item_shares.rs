//! Unit shares in an item's figure (`Item::shares`): with them, each share's unit's latest
//! accepted report counts for its share, not only the lead's.

use sea_orm_migration::prelude::*;

use super::m0001_plans::{big, fk, index, int, real};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0014_item_shares"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("item_shares"))
                .col(big("item_id"))
                .col(big("unit_id"))
                .col(real("percent"))
                .col(int("position"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("item_id"))
                        .col(Alias::new("unit_id")),
                )
                .foreign_key(&mut fk("item_shares", "item_id", "items", true))
                .foreign_key(&mut fk("item_shares", "unit_id", "units", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "item_shares",
            "item_shares_unit",
            &["unit_id"],
            false,
        ))
        .await
    }
}
