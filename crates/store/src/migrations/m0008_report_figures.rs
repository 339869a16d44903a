//! Indicator figures on progress reports (a unit reports the value of an indicator it owns with
//! its progress), kept on the report as a JSON list so that reading a report stays one row.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_report_figures"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("reports"))
                .add_column(
                    ColumnDef::new(Alias::new("figures"))
                        .text()
                        .not_null()
                        .default("[]"),
                )
                .to_owned(),
        )
        .await
    }
}
