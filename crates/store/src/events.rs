//! The event log: every change, append-only — who, when, what, before and after — chained by
//! hashes (`core::audit`) so that a changed, removed or inserted event shows. Nothing in the
//! store updates or deletes an event; appending is the one path, and it takes the chain head's
//! row lock, so events enter the chain in commit order on both backends.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Value};
use serde::Serialize;
use tuijin_core::audit::{self, Break, BreakReason, GENESIS, Link};
use tuijin_core::event::{Entity, EventKind};

use crate::db::{Store, all, exec, one};
use crate::error::{Result, StoreError};
use crate::rows::{get, insert_rows, named, to_json};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: EventKind,
    pub entity: Entity,
    pub entity_code: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// An event about to be written.
#[derive(Clone, Debug)]
pub(crate) struct NewEvent {
    pub kind: EventKind,
    pub entity_code: String,
    pub plan_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl NewEvent {
    pub(crate) fn new(kind: EventKind, entity_code: impl Into<String>) -> NewEvent {
        NewEvent {
            kind,
            entity_code: entity_code.into(),
            plan_id: None,
            before: None,
            after: None,
        }
    }

    pub(crate) fn in_plan(mut self, plan_id: i64) -> NewEvent {
        self.plan_id = Some(plan_id);
        self
    }

    /// The state before the change, serialised from its type.
    pub(crate) fn before<T: Serialize>(mut self, v: &T) -> Result<NewEvent> {
        self.before = Some(to_json(v)?);
        Ok(self)
    }

    /// The state after the change (or what was done), serialised from its type.
    pub(crate) fn after<T: Serialize>(mut self, v: &T) -> Result<NewEvent> {
        self.after = Some(to_json(v)?);
        Ok(self)
    }

    /// An event about a whole plan, with what it did.
    pub(crate) fn on_plan<T: Serialize>(
        kind: EventKind,
        plan: &str,
        plan_id: i64,
        what: &T,
    ) -> Result<NewEvent> {
        NewEvent::new(kind, plan).in_plan(plan_id).after(what)
    }
}

/// How many of something an event on a plan concerns.
#[derive(Serialize)]
pub(crate) struct Count {
    pub count: usize,
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

const COLUMNS: &[&str] = &[
    "at",
    "actor",
    "kind",
    "entity",
    "entity_code",
    "plan_id",
    "before_json",
    "after_json",
    "prev_hash",
    "hash",
];

/// Appends events that each have their own time and actor (a batch of acceptances from several
/// requests), chained after the current head, in one statement per batch of rows.
pub(crate) async fn append_each<C: ConnectionTrait>(
    c: &C,
    events: Vec<(DateTime<Utc>, String, NewEvent)>,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    // Locks the head on PostgreSQL until the commit (SQLite's writer holds its lock already):
    // concurrent writers chain one after the other.
    let head = one(
        c,
        "UPDATE event_chain SET last_hash = last_hash WHERE id = 1 RETURNING last_hash",
        vec![],
    )
    .await?
    .ok_or_else(|| StoreError::Corrupt("the event chain has no head row".into()))?;
    let mut prev: String = get(&head, "last_hash")?;
    let mut rows = Vec::with_capacity(events.len());
    for (at, actor, e) in events {
        let at = audit::stored_instant(at);
        let entity = e.kind.entity().as_str();
        let hash = audit::link_hash(
            &prev,
            &Link {
                at,
                actor: &actor,
                kind: e.kind.as_str(),
                entity,
                entity_code: &e.entity_code,
                plan_id: e.plan_id,
                before: e.before.as_deref(),
                after: e.after.as_deref(),
            },
        );
        rows.push(vec![
            Value::from(at),
            actor.into(),
            e.kind.as_str().into(),
            entity.into(),
            e.entity_code.into(),
            e.plan_id.into(),
            e.before.into(),
            e.after.into(),
            prev.clone().into(),
            hash.clone().into(),
        ]);
        prev = hash;
    }
    insert_rows(c, "events", COLUMNS, rows).await?;
    exec(
        c,
        "UPDATE event_chain SET last_hash = $1 WHERE id = 1",
        vec![prev.into()],
    )
    .await?;
    Ok(())
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait EventStore {
    /// Events about one entity, oldest first.
    async fn events_for(&self, entity: Entity, code: &str, limit: u64) -> Result<Vec<Event>>;
    /// The newest `limit` events of an entity, newest first.
    async fn latest_events_for(&self, entity: Entity, code: &str, limit: u64)
    -> Result<Vec<Event>>;
    /// Everything that happened to an item: its own events (plan edits, warnings) and those
    /// of the reports on it, oldest first.
    async fn item_timeline(&self, plan: &str, code: &str, limit: u64) -> Result<Vec<Event>>;
    /// Every change of the plan's items made after `after`, oldest first, each with the item
    /// as it stood before it (`core::rewind`): what a document of a past day undoes to show
    /// the plan as it was. The import that created the plan is its origin, not a change.
    async fn item_changes_after(
        &self,
        plan: &str,
        after: DateTime<Utc>,
    ) -> Result<Vec<tuijin_core::rewind::ItemChange>>;
    /// The order of the plan's items before the first reordering after `after`, if any
    /// (`core::rewind::reorder`): codes, in order.
    async fn order_after(&self, plan: &str, after: DateTime<Utc>) -> Result<Option<Vec<String>>>;
    /// Every change of the units (names, kinds) and of the plan's indicators (their
    /// definitions, not their figures) made after `after`, oldest first, each with the entry
    /// as it stood before it, `None` when the change added it. As `item_changes_after`.
    async fn directory_changes_after(
        &self,
        plan: &str,
        after: DateTime<Utc>,
    ) -> Result<DirectoryChanges>;
    /// Walks the whole chain and names the first broken link, if any; also checks that the
    /// chain's head is the last event's hash. Returns the number of events checked.
    async fn verify_chain(&self) -> Result<(u64, Option<Break>)>;
}

/// Changes of units and indicators after a day (`EventStore::directory_changes_after`).
#[derive(Clone, Debug, Default)]
pub struct DirectoryChanges {
    pub units: Vec<(tuijin_core::Code, Option<tuijin_core::Unit>)>,
    pub indicators: Vec<(tuijin_core::Code, Option<tuijin_core::Indicator>)>,
}

const SELECT: &str =
    "SELECT id, at, actor, kind, entity, entity_code, before_json, after_json FROM events";

impl Store {
    /// The id of the event of the import that created `plan`: what came with it is the
    /// plan's origin, not a change.
    async fn origin_of(&self, plan: &str) -> Result<i64> {
        Ok(match one(
            &self.db(),
            "SELECT MIN(id) AS id FROM events WHERE entity = 'plan' AND entity_code = $1 AND kind = $2",
            vec![plan.into(), EventKind::PlanImported.as_str().into()],
        )
        .await?
        {
            Some(r) => get::<Option<i64>>(&r, "id")?.unwrap_or(0),
            None => 0,
        })
    }

    /// The addition of an item that came with the plan's first import, which has no
    /// `item.added` of its own (`plans::items::Refs::origin`): the import's event, about the item
    /// as it was imported — as it stood before its first change since, or as it is when it has
    /// not changed. `None` for an item added by an event of its own.
    async fn added_with_origin(&self, plan: &str, pid: i64, code: &str) -> Result<Option<Event>> {
        let db = self.db();
        let item_event = "entity = 'item' AND entity_code = $1 AND plan_id = $2";
        let own = one(
            &db,
            &format!("SELECT id FROM events WHERE {item_event} AND kind = $3 LIMIT 1"),
            vec![
                code.into(),
                pid.into(),
                EventKind::ItemAdded.as_str().into(),
            ],
        )
        .await?;
        let origin = self.origin_of(plan).await?;
        if own.is_some() || origin == 0 {
            return Ok(None);
        }
        let Some(row) = one(&db, &format!("{SELECT} WHERE id = $1"), vec![origin.into()]).await?
        else {
            return Ok(None);
        };
        let origin = event(&row)?;
        let changes = kinds_in(&[
            EventKind::ItemUpdated,
            EventKind::ItemArchived,
            EventKind::ItemRestored,
            EventKind::ItemEdited,
        ]);
        let first_change = one(
            &db,
            &format!(
                "SELECT before_json FROM events WHERE {item_event} AND id > $3 \
                 AND kind IN ({changes}) AND before_json IS NOT NULL ORDER BY id LIMIT 1"
            ),
            vec![code.into(), pid.into(), origin.id.into()],
        )
        .await?;
        let as_imported = match first_change {
            Some(r) => {
                let json: String = get(&r, "before_json")?;
                serde_json::from_str(&json).map_err(|e| {
                    StoreError::Corrupt(format!("events.before_json of {code}: {e}"))
                })?
            }
            None => {
                use crate::items::ItemStore;
                serde_json::to_value(self.get_item(plan, code).await?.item)
                    .map_err(|e| StoreError::Corrupt(format!("item {code}: {e}")))?
            }
        };
        Ok(Some(Event {
            kind: EventKind::ItemAdded,
            entity: Entity::Item,
            entity_code: code.to_string(),
            before: None,
            after: Some(as_imported),
            ..origin
        }))
    }

    /// Changes of `kinds` after `after` and after the plan's origin, oldest first, each with
    /// the entry before it (`None` for an addition, or for the kind `restored` that brought
    /// an entry back from the archive). `with_unplanned`: also the events of no plan (units
    /// are shared by plans).
    async fn changes_after<T: serde::de::DeserializeOwned>(
        &self,
        plan: &str,
        kinds: &[EventKind],
        restored: Option<EventKind>,
        with_unplanned: bool,
        after: DateTime<Utc>,
    ) -> Result<Vec<(tuijin_core::Code, Option<T>)>> {
        let pid = self.plan_id(plan).await?;
        let origin = self.origin_of(plan).await?;
        let list = kinds_in(kinds);
        let scope = if with_unplanned {
            "(plan_id = $2 OR plan_id IS NULL)"
        } else {
            "plan_id = $2"
        };
        let rows = all(
            &self.db(),
            &format!(
                "SELECT entity_code, kind, before_json FROM events WHERE id > $1 AND {scope} \
                 AND kind IN ({list}) AND at > $3 ORDER BY id"
            ),
            vec![
                origin.into(),
                pid.into(),
                audit::stored_instant(after).into(),
            ],
        )
        .await?;
        rows.iter()
            .map(|r| {
                let code: String = get(r, "entity_code")?;
                let kind: EventKind = named(r, "kind")?;
                let before = match get::<Option<String>>(r, "before_json")? {
                    _ if Some(kind) == restored => None,
                    None => None,
                    Some(json) => Some(serde_json::from_str(&json).map_err(|e| {
                        StoreError::Corrupt(format!("events.before_json of {code}: {e}"))
                    })?),
                };
                let code = tuijin_core::Code::parse(&code)
                    .map_err(|_| StoreError::Corrupt(format!("events.entity_code {code}")))?;
                Ok((code, before))
            })
            .collect()
    }
}

fn event(r: &sea_orm::QueryResult) -> Result<Event> {
    let json = |col: &str| -> Result<Option<serde_json::Value>> {
        get::<Option<String>>(r, col)?
            .map(|s| {
                serde_json::from_str(&s)
                    .map_err(|e| StoreError::Corrupt(format!("events.{col}: {e}")))
            })
            .transpose()
    };
    Ok(Event {
        id: get(r, "id")?,
        at: get(r, "at")?,
        actor: get(r, "actor")?,
        kind: named(r, "kind")?,
        entity: named(r, "entity")?,
        entity_code: get(r, "entity_code")?,
        before: json("before_json")?,
        after: json("after_json")?,
    })
}

impl EventStore for Store {
    async fn item_timeline(&self, plan: &str, code: &str, limit: u64) -> Result<Vec<Event>> {
        let pid = self.plan_id(plan).await?;
        let db = self.db();
        let item = one(
            &db,
            "SELECT id FROM items WHERE plan_id = $1 AND code = $2",
            vec![pid.into(), code.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("item `{code}` in plan `{plan}`")))?;
        let item_id: i64 = get(&item, "id")?;
        // Report ids are compared as text because events name their entity by code.
        let rows = all(
            &db,
            &format!(
                "{SELECT} WHERE (entity = 'item' AND entity_code = $1 AND (plan_id = $2 OR plan_id IS NULL)) \
                 OR (entity = 'report' AND entity_code IN (SELECT CAST(id AS TEXT) FROM reports WHERE item_id = $3)) \
                 ORDER BY id LIMIT $4"
            ),
            vec![code.into(), pid.into(), item_id.into(), (limit as i64).into()],
        )
        .await?;
        let mut events: Vec<Event> = rows.iter().map(event).collect::<Result<_>>()?;
        let own_addition = events
            .first()
            .is_some_and(|e| e.kind == EventKind::ItemAdded);
        if limit > 0
            && !own_addition
            && let Some(added) = self.added_with_origin(plan, pid, code).await?
        {
            events.insert(0, added);
            events.truncate(limit as usize);
        }
        Ok(events)
    }

    async fn item_changes_after(
        &self,
        plan: &str,
        after: DateTime<Utc>,
    ) -> Result<Vec<tuijin_core::rewind::ItemChange>> {
        let kinds = [
            EventKind::ItemAdded,
            EventKind::ItemUpdated,
            EventKind::ItemArchived,
            EventKind::ItemRestored,
            EventKind::ItemEdited,
        ];
        Ok(self
            .changes_after(plan, &kinds, Some(EventKind::ItemRestored), false, after)
            .await?
            .into_iter()
            .map(|(code, before)| tuijin_core::rewind::ItemChange { code, before })
            .collect())
    }

    async fn order_after(&self, plan: &str, after: DateTime<Utc>) -> Result<Option<Vec<String>>> {
        Ok(self
            .changes_after::<Vec<String>>(plan, &[EventKind::PlanReordered], None, false, after)
            .await?
            .into_iter()
            .find_map(|(_, before)| before))
    }

    async fn directory_changes_after(
        &self,
        plan: &str,
        after: DateTime<Utc>,
    ) -> Result<DirectoryChanges> {
        let units = [
            EventKind::UnitAdded,
            EventKind::UnitUpdated,
            EventKind::UnitEdited,
        ];
        let indicators = [
            EventKind::IndicatorAdded,
            EventKind::IndicatorUpdated,
            EventKind::IndicatorArchived,
            EventKind::IndicatorEdited,
        ];
        Ok(DirectoryChanges {
            units: self.changes_after(plan, &units, None, true, after).await?,
            indicators: self
                .changes_after(plan, &indicators, None, false, after)
                .await?,
        })
    }

    async fn events_for(&self, entity: Entity, code: &str, limit: u64) -> Result<Vec<Event>> {
        let rows = all(
            &self.db(),
            &format!("{SELECT} WHERE entity = $1 AND entity_code = $2 ORDER BY id LIMIT $3"),
            vec![entity.as_str().into(), code.into(), (limit as i64).into()],
        )
        .await?;
        rows.iter().map(event).collect()
    }

    async fn latest_events_for(
        &self,
        entity: Entity,
        code: &str,
        limit: u64,
    ) -> Result<Vec<Event>> {
        let rows = all(
            &self.db(),
            &format!("{SELECT} WHERE entity = $1 AND entity_code = $2 ORDER BY id DESC LIMIT $3"),
            vec![entity.as_str().into(), code.into(), (limit as i64).into()],
        )
        .await?;
        rows.iter().map(event).collect()
    }

    async fn verify_chain(&self) -> Result<(u64, Option<Break>)> {
        let txn = self.snapshot().await?;
        let mut prev = GENESIS.to_string();
        let mut after_id = 0i64;
        let mut checked = 0u64;
        loop {
            let rows = all(
                &txn,
                "SELECT id, at, actor, kind, entity, entity_code, plan_id, before_json, after_json, prev_hash, hash \
                 FROM events WHERE id > $1 ORDER BY id LIMIT 5000",
                vec![after_id.into()],
            )
            .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let id: i64 = get(r, "id")?;
                after_id = id;
                checked += 1;
                let stored_prev: Option<String> = get(r, "prev_hash")?;
                let stored: Option<String> = get(r, "hash")?;
                let (Some(stored_prev), Some(stored)) = (stored_prev, stored) else {
                    return Ok((
                        checked,
                        Some(Break {
                            event_id: id,
                            reason: BreakReason::Missing,
                        }),
                    ));
                };
                if stored_prev != prev {
                    return Ok((
                        checked,
                        Some(Break {
                            event_id: id,
                            reason: BreakReason::PreviousMismatch,
                        }),
                    ));
                }
                let (actor, kind, entity, code): (String, String, String, String) = (
                    get(r, "actor")?,
                    get(r, "kind")?,
                    get(r, "entity")?,
                    get(r, "entity_code")?,
                );
                let (before, after): (Option<String>, Option<String>) =
                    (get(r, "before_json")?, get(r, "after_json")?);
                let computed = audit::link_hash(
                    &prev,
                    &Link {
                        at: get(r, "at")?,
                        actor: &actor,
                        kind: &kind,
                        entity: &entity,
                        entity_code: &code,
                        plan_id: get(r, "plan_id")?,
                        before: before.as_deref(),
                        after: after.as_deref(),
                    },
                );
                if computed != stored {
                    return Ok((
                        checked,
                        Some(Break {
                            event_id: id,
                            reason: BreakReason::ContentMismatch,
                        }),
                    ));
                }
                prev = stored;
            }
        }
        let head: String = get(
            &one(
                &txn,
                "SELECT last_hash FROM event_chain WHERE id = 1",
                vec![],
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt("the event chain has no head row".into()))?,
            "last_hash",
        )?;
        if head != prev {
            // The last events were removed: the head still names what was there.
            return Ok((
                checked,
                Some(Break {
                    event_id: after_id + 1,
                    reason: BreakReason::PreviousMismatch,
                }),
            ));
        }
        Ok((checked, None))
    }
}

/// Event kinds as the list of an SQL `IN (…)`. Kinds are the catalogue's own names (letters,
/// dots and underscores), so writing them inline is safe.
fn kinds_in(kinds: &[EventKind]) -> String {
    kinds
        .iter()
        .map(|k| format!("'{}'", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}
