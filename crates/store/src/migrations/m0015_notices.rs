//! Supervision notices (督办单): the notice with its frozen facts, the items and units it is
//! about and addressed to (each unit's signing day), and a counter per plan and year that
//! numbers them without gaps.

use sea_orm_migration::prelude::*;

use super::m0001_plans::{big, date, date_null, fk, id, index, instant, int, text, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0015_notices"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("notices"))
                .col(id("id"))
                .col(big("plan_id"))
                .col(int("year"))
                .col(int("seq"))
                .col(text("number"))
                .col(int("level"))
                .col(text("title"))
                .col(text("actions"))
                .col(date("reply_by"))
                .col(date("first_reply_by"))
                .col(text("state"))
                .col(text("facts"))
                .col(text_null("leader"))
                .col(text_null("reply"))
                .col(date_null("replied_on"))
                .col(text_null("comment"))
                .col(date_null("closed_on"))
                .col(date_null("extension_until"))
                .col(text_null("extension_reason"))
                .col(date("issued_on"))
                .col(text("issued_by"))
                .col(instant("updated_at"))
                .col(big("version"))
                .foreign_key(&mut fk("notices", "plan_id", "plans", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "notices",
            "notices_number",
            &["plan_id", "year", "seq"],
            true,
        ))
        .await?;
        m.create_index(index("notices", "notices_state", &["state"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("notice_items"))
                .col(big("notice_id"))
                .col(big("item_id"))
                .col(int("position"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("notice_id"))
                        .col(Alias::new("item_id")),
                )
                .foreign_key(&mut fk("notice_items", "notice_id", "notices", true))
                .foreign_key(&mut fk("notice_items", "item_id", "items", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "notice_items",
            "notice_items_item",
            &["item_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("notice_units"))
                .col(big("notice_id"))
                .col(big("unit_id"))
                .col(int("position"))
                .col(date_null("signed_on"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("notice_id"))
                        .col(Alias::new("unit_id")),
                )
                .foreign_key(&mut fk("notice_units", "notice_id", "notices", true))
                .foreign_key(&mut fk("notice_units", "unit_id", "units", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "notice_units",
            "notice_units_unit",
            &["unit_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("notice_counters"))
                .col(big("plan_id"))
                .col(int("year"))
                .col(int("last"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("plan_id"))
                        .col(Alias::new("year")),
                )
                .foreign_key(&mut fk("notice_counters", "plan_id", "plans", true))
                .to_owned(),
        )
        .await
    }
}
