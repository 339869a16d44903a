//! Indicator actuals: one row per figure of an accepted report (written with the acceptance),
//! or per published outcome loaded with its source, so the warning refresh and indicator pages
//! find the latest figure by index instead of reading every report.

use sea_orm_migration::prelude::*;

use super::m0001_plans::{big, big_null, date, fk, id, index, real, text};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_indicator_actuals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("indicator_actuals"))
                .col(id("id"))
                .col(big("indicator_id"))
                .col(big_null("report_id"))
                .col(text("period"))
                .col(date("period_end"))
                .col(real("value"))
                .col(date("accepted_on"))
                .col(text("source"))
                .foreign_key(&mut fk(
                    "indicator_actuals",
                    "indicator_id",
                    "indicators",
                    true,
                ))
                .foreign_key(&mut fk("indicator_actuals", "report_id", "reports", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "indicator_actuals",
            "indicator_actuals_latest",
            &["indicator_id", "period"],
            false,
        ))
        .await
    }
}
