//! Evidence files (佐证材料): each file's content once, under its SHA-256 (a bytea column on
//! PostgreSQL, a blob in the SQLite file), and each attachment to a report or a notice with
//! its name, size, type and uploader.

use sea_orm_migration::prelude::*;

use super::m0001_plans::{big, big_null, date, fk, id, index, instant, text, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0018_evidence"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("evidence_blobs"))
                .col(text("sha256").primary_key())
                .col(big("size"))
                .col(ColumnDef::new(Alias::new("content")).blob().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("evidence"))
                .col(id("id"))
                .col(big("plan_id"))
                .col(big_null("report_id"))
                .col(big_null("notice_id"))
                .col(text("sha256"))
                .col(text("name"))
                .col(big("size"))
                .col(text("content_type"))
                .col(text_null("unit"))
                .col(text("uploaded_by"))
                .col(date("uploaded_on"))
                .col(instant("uploaded_at"))
                .foreign_key(&mut fk("evidence", "plan_id", "plans", true))
                .foreign_key(&mut fk("evidence", "report_id", "reports", false))
                .foreign_key(&mut fk("evidence", "notice_id", "notices", false))
                .foreign_key(
                    ForeignKey::create()
                        .from(Alias::new("evidence"), Alias::new("sha256"))
                        .to(Alias::new("evidence_blobs"), Alias::new("sha256")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("evidence", "evidence_report", &["report_id"], false))
            .await?;
        m.create_index(index("evidence", "evidence_notice", &["notice_id"], false))
            .await
    }
}
