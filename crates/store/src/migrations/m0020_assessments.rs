//! Unit assessment: the scheme each plan is assessed by, the runs (a period's scores, kept as
//! computed, never changed once locked) and the units' objections to published runs.

use sea_orm_migration::prelude::*;

use super::m0001_plans::{big, big_null, date, fk, id, index, instant, text, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0020_assessments"
    }
}

fn instant_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("assessment_schemes"))
                .col(big("plan_id").primary_key())
                .col(text("code"))
                .col(text("source"))
                .col(text("scheme"))
                .col(text("loaded_by"))
                .col(instant("loaded_at"))
                .foreign_key(&mut fk("assessment_schemes", "plan_id", "plans", true))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("assessments"))
                .col(id("id"))
                .col(big("plan_id"))
                .col(text("period"))
                .col(date("as_of"))
                .col(text("scheme_code"))
                .col(text("scheme_source"))
                .col(text("scheme"))
                .col(text("state"))
                .col(text("result"))
                .col(text("digest"))
                .col(big_null("supersedes_id"))
                .col(text("created_by"))
                .col(instant("created_at"))
                .col(text_null("locked_by"))
                .col(instant_null("locked_at"))
                .col(text_null("published_by"))
                .col(instant_null("published_at"))
                .col(big("version"))
                .foreign_key(&mut fk("assessments", "plan_id", "plans", true))
                .foreign_key(&mut fk(
                    "assessments",
                    "supersedes_id",
                    "assessments",
                    false,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "assessments",
            "assessments_plan_period",
            &["plan_id", "period"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("assessment_objections"))
                .col(id("id"))
                .col(big("assessment_id"))
                .col(big("unit_id"))
                .col(text("reason"))
                .col(text("filed_by"))
                .col(instant("filed_at"))
                .col(text_null("answer"))
                .col(text_null("answered_by"))
                .col(instant_null("answered_at"))
                .col(big_null("rerun_id"))
                .foreign_key(&mut fk(
                    "assessment_objections",
                    "assessment_id",
                    "assessments",
                    true,
                ))
                .foreign_key(&mut fk("assessment_objections", "unit_id", "units", false))
                .foreign_key(&mut fk(
                    "assessment_objections",
                    "rerun_id",
                    "assessments",
                    false,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "assessment_objections",
            "assessment_objections_run",
            &["assessment_id"],
            false,
        ))
        .await?;
        Ok(())
    }
}
