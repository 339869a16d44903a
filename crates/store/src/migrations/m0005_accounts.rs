//! Accounts: users with a role (and units, for unit users), and API tokens, stored hashed.

use sea_orm_migration::prelude::*;

use super::m0001_plans::{big, fk, flag, id, index, instant, text, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_accounts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("users"))
                .col(id("id"))
                .col(text("name"))
                .col(text("role"))
                .col(text_null("password_hash"))
                .col(flag("disabled"))
                .col(instant("created_at"))
                .col(instant("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("users", "users_name", &["name"], true))
            .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("user_units"))
                .col(big("user_id"))
                .col(big("unit_id"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("user_id"))
                        .col(Alias::new("unit_id")),
                )
                .foreign_key(&mut fk("user_units", "user_id", "users", true))
                .foreign_key(&mut fk("user_units", "unit_id", "units", false))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("api_tokens"))
                .col(id("id"))
                .col(big("user_id"))
                .col(text("label"))
                .col(text("token_hash"))
                .col(text("prefix"))
                .col(instant("created_at"))
                .col(
                    ColumnDef::new(Alias::new("last_used_at"))
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(Alias::new("expires_at"))
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(Alias::new("revoked_at"))
                        .timestamp_with_time_zone()
                        .null(),
                )
                .foreign_key(&mut fk("api_tokens", "user_id", "users", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "api_tokens",
            "api_tokens_hash",
            &["token_hash"],
            true,
        ))
        .await?;
        Ok(())
    }
}
