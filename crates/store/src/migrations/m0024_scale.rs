//! For any size and more than one server: an item's children are found by the parent's id in
//! plan order from one index (`items (parent_id, position)`), which replaces the index on
//! `parent_id` alone; the events of a plan after a given one (a past day's plan is the current
//! one with later changes undone) from `events (plan_id, id)`; and `job_claims`, where the
//! server processes sharing one database claim each run of a background job, so that it runs
//! once among them (the first to insert the row for the job and its time slot runs it, and
//! none starts while a run is unfinished).

use sea_orm_migration::prelude::*;

use super::m0001_plans::{big, index, instant, text};

fn instant_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0024_scale"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            "items",
            "items_parent_position",
            &["parent_id", "position"],
            false,
        ))
        .await?;
        m.drop_index(
            Index::drop()
                .name("items_parent")
                .table(Alias::new("items"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("events", "events_plan", &["plan_id", "id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("job_claims"))
                .col(text("job"))
                .col(big("slot"))
                .col(text("claimed_by"))
                .col(instant("claimed_at"))
                .col(instant_null("done_at"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("job"))
                        .col(Alias::new("slot")),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
