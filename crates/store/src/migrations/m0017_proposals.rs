//! Proposed notices: the warnings the office dismissed from the queue, with its reason, and
//! the warnings a notice answers (the proposal it was issued from).

use sea_orm_migration::prelude::*;

use super::m0001_plans::{big, date, fk, index, instant, text, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0017_proposals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("notice_dismissals"))
                .col(big("warning_id").primary_key())
                .col(big("plan_id"))
                .col(text("reason"))
                .col(text("dismissed_by"))
                .col(date("dismissed_on"))
                .col(instant("dismissed_at"))
                .foreign_key(&mut fk("notice_dismissals", "warning_id", "warnings", true))
                .foreign_key(&mut fk("notice_dismissals", "plan_id", "plans", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "notice_dismissals",
            "notice_dismissals_plan",
            &["plan_id"],
            false,
        ))
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("notices"))
                .add_column(text_null("prompted_by"))
                .to_owned(),
        )
        .await
    }
}
