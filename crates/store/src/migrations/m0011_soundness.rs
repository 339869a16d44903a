//! The tamper-evident history and plan-owned units:
//! - every event carries the hash of the event before it (`prev_hash`) and its own (`hash`);
//!   `event_chain` holds the head. Events written before this migration are chained here, in
//!   id order, so the whole history is covered.
//! - a closed period keeps the seal (digest) of its reports.
//! - units and people remember the plan that defines them (`owner_plan_id`): importing another
//!   plan never rewrites them.
//! - a report keeps its period's first and last day, so "the latest report" is chosen by time,
//!   never by the period's text (`2020-Q1` sorts after `2020-04` as text).

use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::prelude::*;
use tuijin_core::audit::{self, GENESIS, Link};

use super::m0001_plans::{big_null, date_null, index, text, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0011_soundness"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in ["prev_hash", "hash"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("events"))
                    .add_column(text_null(col))
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(Alias::new("event_chain"))
                .col(
                    ColumnDef::new(Alias::new("id"))
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(text("last_hash"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("closed_periods"))
                .add_column(text("seal"))
                .to_owned(),
        )
        .await?;
        for t in ["units", "people"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(t))
                    .add_column(big_null("owner_plan_id"))
                    .to_owned(),
            )
            .await?;
        }
        for col in ["period_start", "period_end"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("reports"))
                    .add_column(date_null(col))
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(index(
            "reports",
            "reports_latest",
            &["item_id", "state", "period_end"],
            false,
        ))
        .await?;
        let c = m.get_connection();
        let backend = c.get_database_backend();
        // The days of every period reported so far.
        let periods = c
            .query_all(Statement::from_string(
                backend,
                "SELECT DISTINCT period FROM reports",
            ))
            .await?;
        for r in &periods {
            let text: String = r.try_get("", "period")?;
            let p = tuijin_core::report::Period::parse(&text)
                .map_err(|e| DbErr::Custom(format!("reports.period: {e}")))?;
            c.execute(Statement::from_sql_and_values(
                backend,
                "UPDATE reports SET period_start = $1, period_end = $2 WHERE period = $3",
                [p.first_day().into(), p.last_day().into(), text.into()],
            ))
            .await?;
        }
        // Units and people so far belong to the first plan that lists them.
        for (t, link, col) in [
            ("units", "plan_units", "unit_id"),
            ("people", "plan_people", "person_id"),
        ] {
            c.execute_unprepared(&format!(
                "UPDATE {t} SET owner_plan_id = (SELECT MIN(l.plan_id) FROM {link} l WHERE l.{col} = {t}.id)"
            ))
            .await?;
        }
        // Chain the events written so far, oldest first.
        let mut prev = GENESIS.to_string();
        let mut after = 0i64;
        loop {
            let rows = c
                .query_all(Statement::from_sql_and_values(
                    backend,
                    "SELECT id, at, actor, kind, entity, entity_code, plan_id, before_json, after_json \
                     FROM events WHERE id > $1 ORDER BY id LIMIT 5000",
                    [after.into()],
                ))
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let id: i64 = r.try_get("", "id")?;
                let (actor, kind, entity, code): (String, String, String, String) = (
                    r.try_get("", "actor")?,
                    r.try_get("", "kind")?,
                    r.try_get("", "entity")?,
                    r.try_get("", "entity_code")?,
                );
                let (before, after_json): (Option<String>, Option<String>) =
                    (r.try_get("", "before_json")?, r.try_get("", "after_json")?);
                let hash = audit::link_hash(
                    &prev,
                    &Link {
                        at: r.try_get("", "at")?,
                        actor: &actor,
                        kind: &kind,
                        entity: &entity,
                        entity_code: &code,
                        plan_id: r.try_get("", "plan_id")?,
                        before: before.as_deref(),
                        after: after_json.as_deref(),
                    },
                );
                c.execute(Statement::from_sql_and_values(
                    backend,
                    "UPDATE events SET prev_hash = $1, hash = $2 WHERE id = $3",
                    [prev.clone().into(), hash.clone().into(), id.into()],
                ))
                .await?;
                prev = hash;
                after = id;
            }
        }
        c.execute(Statement::from_sql_and_values(
            backend,
            "INSERT INTO event_chain (id, last_hash) VALUES (1, $1)",
            [prev.into()],
        ))
        .await?;
        Ok(())
    }
}
