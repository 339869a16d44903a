//! The event log: every change, append-only — who, when, what, before and after. Nothing in the
//! store updates or deletes an event.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Value};
use serde::Serialize;

use crate::db::{Store, all, get};
use crate::error::Result;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// What happened, e.g. `item.added`, `plan.imported`.
    pub kind: String,
    /// The kind of thing it happened to (`item`, `plan`, `unit`) and its code.
    pub entity: String,
    pub entity_code: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// An event about to be written.
#[derive(Clone, Debug)]
pub(crate) struct NewEvent {
    pub kind: &'static str,
    pub entity: &'static str,
    pub entity_code: String,
    pub plan_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl NewEvent {
    /// An event about a whole plan, with what it did as a JSON object.
    pub(crate) fn on_plan(kind: &'static str, plan: &str, plan_id: i64, after: String) -> NewEvent {
        NewEvent {
            kind,
            entity: "plan",
            entity_code: plan.to_string(),
            plan_id: Some(plan_id),
            before: None,
            after: Some(after),
        }
    }
}

pub(crate) async fn append<C: ConnectionTrait>(
    c: &C,
    at: DateTime<Utc>,
    actor: &str,
    events: Vec<NewEvent>,
) -> Result<()> {
    append_each(
        c,
        events
            .into_iter()
            .map(|e| (at, actor.to_string(), e))
            .collect(),
    )
    .await
}

/// Appends events that each have their own time and actor, in one statement (a batch of
/// acceptances from several requests).
pub(crate) async fn append_each<C: ConnectionTrait>(
    c: &C,
    events: Vec<(DateTime<Utc>, String, NewEvent)>,
) -> Result<()> {
    let rows = events
        .into_iter()
        .map(|(at, actor, e)| {
            vec![
                Value::from(at),
                actor.into(),
                e.kind.into(),
                e.entity.into(),
                e.entity_code.into(),
                e.plan_id.into(),
                e.before.into(),
                e.after.into(),
            ]
        })
        .collect();
    crate::plans::insert_rows(
        c,
        "events",
        &[
            "at",
            "actor",
            "kind",
            "entity",
            "entity_code",
            "plan_id",
            "before_json",
            "after_json",
        ],
        rows,
    )
    .await?;
    Ok(())
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait EventStore {
    /// Events about one entity, oldest first.
    async fn events_for(&self, entity: &str, code: &str, limit: u64) -> Result<Vec<Event>>;
    /// Everything that happened to an item: its own events (plan edits, warnings) and those
    /// of the reports on it, oldest first.
    async fn item_timeline(&self, plan: &str, code: &str, limit: u64) -> Result<Vec<Event>>;
}

fn event(r: &sea_orm::QueryResult) -> Result<Event> {
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(Event {
        id: get(r, "id")?,
        at: get(r, "at")?,
        actor: get(r, "actor")?,
        kind: get(r, "kind")?,
        entity: get(r, "entity")?,
        entity_code: get(r, "entity_code")?,
        before: parse(get(r, "before_json")?),
        after: parse(get(r, "after_json")?),
    })
}

impl EventStore for Store {
    async fn item_timeline(&self, plan: &str, code: &str, limit: u64) -> Result<Vec<Event>> {
        let pid = self.plan_id(plan).await?;
        let item = crate::db::one(
            &self.db,
            "SELECT id FROM items WHERE plan_id = $1 AND code = $2",
            vec![pid.into(), code.into()],
        )
        .await?
        .ok_or_else(|| {
            crate::error::StoreError::NotFound(format!("item `{code}` in plan `{plan}`"))
        })?;
        let item_id: i64 = get(&item, "id")?;
        // Report ids are compared as text because events name their entity by code.
        let rows = all(
            &self.db,
            "SELECT id, at, actor, kind, entity, entity_code, before_json, after_json FROM events \
             WHERE (entity = 'item' AND entity_code = $1 AND (plan_id = $2 OR plan_id IS NULL)) \
                OR (entity = 'report' AND entity_code IN (SELECT CAST(id AS TEXT) FROM reports WHERE item_id = $3)) \
             ORDER BY id LIMIT $4",
            vec![code.into(), pid.into(), item_id.into(), (limit as i64).into()],
        )
        .await?;
        rows.iter().map(event).collect()
    }

    async fn events_for(&self, entity: &str, code: &str, limit: u64) -> Result<Vec<Event>> {
        let rows = all(
            &self.db,
            "SELECT id, at, actor, kind, entity, entity_code, before_json, after_json FROM events \
             WHERE entity = $1 AND entity_code = $2 ORDER BY id LIMIT $3",
            vec![entity.into(), code.into(), (limit as i64).into()],
        )
        .await?;
        rows.iter().map(event).collect()
    }
}
