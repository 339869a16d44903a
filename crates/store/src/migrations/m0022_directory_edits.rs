//! What editing the directory and the plan's settings from the web added: a telephone number
//! for each person (the office's chase list, 催办), and the dates a plan's status is judged by
//! once a baseline is set (`status_against`: the current plan or the baseline), and evidence
//! files on a change request (`evidence.request_id`) and what the item said when the request
//! was filed (`change_requests.before_change`).

use sea_orm_migration::prelude::*;

use super::m0001_plans::text_null;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0022_directory_edits"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        m.alter_table(
            Table::alter()
                .table(Alias::new("people"))
                .add_column(text_null("phone"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("plans"))
                .add_column(
                    ColumnDef::new(Alias::new("status_against"))
                        .text()
                        .not_null()
                        .default("current"),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("evidence"))
                .add_column(
                    ColumnDef::new(Alias::new("request_id"))
                        .big_integer()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("change_requests"))
                .add_column(text_null("before_change"))
                .to_owned(),
        )
        .await
    }
}
