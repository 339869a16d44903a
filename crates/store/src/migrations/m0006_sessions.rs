//! Browser sessions (stored server-side, so they can be revoked), failed log-ins (for
//! throttling), and each user's interface language.

use sea_orm_migration::prelude::*;

use super::m0001_plans::{big, fk, id, index, instant, text};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_sessions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("sessions"))
                .col(id("id"))
                .col(big("user_id"))
                .col(text("token_hash"))
                .col(text("csrf"))
                .col(text("address"))
                .col(instant("created_at"))
                .col(instant("last_seen_at"))
                .col(instant("expires_at"))
                .col(
                    ColumnDef::new(Alias::new("ended_at"))
                        .timestamp_with_time_zone()
                        .null(),
                )
                .foreign_key(&mut fk("sessions", "user_id", "users", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("sessions", "sessions_hash", &["token_hash"], true))
            .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("login_failures"))
                .col(id("id"))
                .col(text("name"))
                .col(text("address"))
                .col(instant("at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "login_failures",
            "login_failures_name",
            &["name", "at"],
            false,
        ))
        .await?;
        m.create_index(index(
            "login_failures",
            "login_failures_address",
            &["address", "at"],
            false,
        ))
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("users"))
                .add_column(
                    ColumnDef::new(Alias::new("lang"))
                        .text()
                        .not_null()
                        .default("zh"),
                )
                .to_owned(),
        )
        .await
    }
}
