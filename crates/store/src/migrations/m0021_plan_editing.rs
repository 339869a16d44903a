//! Editing the plan where the office works: the plan as approved, kept to measure changes
//! against (baselines: each item's dates, weight and target as they stood), notes on items by
//! the office and leaders (a leader's is an instruction, 领导批示), and the units' requests
//! for changes to the items they lead (调整申请).

use sea_orm_migration::prelude::*;

use super::m0001_plans::{
    big, date_null, fk, flag, id, index, instant, real, real_null, text, text_null,
};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0021_plan_editing"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("baselines"))
                .col(id("id"))
                .col(big("plan_id"))
                .col(text("name"))
                .col(text("note"))
                .col(text("created_by"))
                .col(instant("created_at"))
                .foreign_key(&mut fk("baselines", "plan_id", "plans", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "baselines",
            "baselines_plan_name",
            &["plan_id", "name"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("baseline_items"))
                .col(id("id"))
                .col(big("baseline_id"))
                .col(text("code"))
                .col(date_null("start_date"))
                .col(date_null("due_date"))
                .col(real("weight"))
                .col(real_null("target_value"))
                .col(date_null("target_by"))
                .col(text_null("parent"))
                .col(flag("cancelled"))
                .foreign_key(&mut fk("baseline_items", "baseline_id", "baselines", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "baseline_items",
            "baseline_items_code",
            &["baseline_id", "code"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("item_notes"))
                .col(id("id"))
                .col(big("plan_id"))
                .col(text("item_code"))
                .col(text("author"))
                .col(flag("instruction"))
                .col(text("text"))
                .col(instant("at"))
                .foreign_key(&mut fk("item_notes", "plan_id", "plans", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "item_notes",
            "item_notes_item",
            &["plan_id", "item_code"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("change_requests"))
                .col(id("id"))
                .col(big("plan_id"))
                .col(text("item_code"))
                .col(big("unit_id"))
                .col(text("change"))
                .col(text("reason"))
                .col(text("evidence"))
                .col(text("state"))
                .col(text("filed_by"))
                .col(instant("filed_at"))
                .col(text_null("decided_by"))
                .col(
                    ColumnDef::new(Alias::new("decided_at"))
                        .timestamp_with_time_zone()
                        .null()
                        .to_owned(),
                )
                .col(text_null("decision"))
                .col(big("version"))
                .foreign_key(&mut fk("change_requests", "plan_id", "plans", true))
                .foreign_key(&mut fk("change_requests", "unit_id", "units", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "change_requests",
            "change_requests_plan_state",
            &["plan_id", "state"],
            false,
        ))
        .await?;
        Ok(())
    }
}
