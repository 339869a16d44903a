//! A plan's items: new ones inserted in bulk parents-first, changed ones updated with a version
//! bump, dropped ones archived; co-operating units, alignment links and trajectories rewritten
//! for the items that changed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::Value;
use tuijin_core::event::EventKind;
use tuijin_core::{Code, Item};

use super::SectionCounts;
use crate::db::{WriteTxn, exec, one};
use crate::error::{Result, StoreError};
use crate::events::NewEvent;
use crate::rows::{get, id_list, insert_rows};

pub(super) struct Refs<'a> {
    pub units: &'a HashMap<String, i64>,
    pub people: &'a HashMap<String, i64>,
    pub indicators: &'a HashMap<String, i64>,
    /// Each item's expected path as stored, by code (`paths::wanted`).
    pub paths: &'a HashMap<&'a str, Option<String>>,
    /// The plan is new with this import: its items come with the import's one `plan.imported`
    /// event, the plan's origin, rather than an `item.added` each (a million-item plan wrote a
    /// million events). An item's timeline shows that event as its addition
    /// (`EventStore::item_timeline`).
    pub origin: bool,
}

/// An item as stored: the domain item with its position and archive flag.
struct StoredItem {
    id: i64,
    position: i32,
    archived: bool,
    item: Item,
}

/// Returns whether the items that were there before are now in another order (recorded as a
/// `plan.reordered` event with their order before, so a document of a past day lists them as
/// they stood: `core::rewind`).
pub(super) async fn import_items(
    txn: &WriteTxn,
    (plan_id, plan): (i64, &str),
    items: &[Item],
    refs: &Refs<'_>,
    now: DateTime<Utc>,
    counts: &mut SectionCounts,
    events: &mut Vec<NewEvent>,
) -> Result<bool> {
    let t = std::time::Instant::now();
    let old: HashMap<String, StoredItem> = crate::items::load_plan_items_stored(txn, plan_id)
        .await?
        .into_iter()
        .map(|(id, position, archived, item)| {
            (
                item.code.to_string(),
                StoredItem {
                    id,
                    position,
                    archived,
                    item,
                },
            )
        })
        .collect();
    let mut before: Vec<(&i32, &str)> = old
        .values()
        .filter(|s| !s.archived)
        .map(|s| (&s.position, s.item.code.as_str()))
        .collect();
    before.sort_unstable();
    let before: Vec<&str> = before.into_iter().map(|(_, c)| c).collect();
    let was: HashSet<&str> = before.iter().copied().collect();
    let kept: HashSet<&str> = items.iter().map(|i| i.code.as_str()).collect();
    let reordered = !before
        .iter()
        .filter(|c| kept.contains(*c))
        .copied()
        .eq(items
            .iter()
            .map(|i| i.code.as_str())
            .filter(|c| was.contains(c)));
    if reordered {
        events.push(
            NewEvent::new(EventKind::PlanReordered, plan)
                .in_plan(plan_id)
                .before(&before)?,
        );
    }
    let next = one(txn, "SELECT COALESCE(MAX(id), 0) AS m FROM items", vec![])
        .await?
        .ok_or_else(|| StoreError::Internal("MAX(id) gave no row".into()))?;
    let mut next_id: i64 = get::<i64>(&next, "m")? + 1;
    let mut ids: HashMap<&str, i64> = HashMap::with_capacity(items.len());
    for it in items {
        let id = match old.get(it.code.as_str()) {
            Some(s) => s.id,
            None => {
                next_id += 1;
                next_id - 1
            }
        };
        ids.insert(it.code.as_str(), id);
    }

    // New items go in parents-first order so that every parent link points at a written row.
    let mut new_items: Vec<(usize, &Item)> = items
        .iter()
        .enumerate()
        .filter(|(_, it)| !old.contains_key(it.code.as_str()))
        .collect();
    let depth = depths(items);
    new_items.sort_by_key(|(pos, it)| (depth[it.code.as_str()], *pos));
    let rows: Vec<Vec<Value>> = new_items
        .iter()
        .map(|(pos, it)| {
            item_values(
                plan_id,
                ids[it.code.as_str()],
                *pos as i32,
                it,
                (&ids, refs),
                now,
            )
        })
        .collect::<Result<_>>()?;
    tracing::debug!(elapsed = ?t.elapsed(), "import: existing items loaded, new rows built");
    let t = std::time::Instant::now();
    // In slices, so a long import can tell how far it is.
    let total = rows.len() as u64;
    let mut rows = rows.into_iter().peekable();
    let mut done = 0u64;
    txn.step("items", 0, total);
    while rows.peek().is_some() {
        let slice: Vec<_> = rows.by_ref().take(20_000).collect();
        done += slice.len() as u64;
        insert_rows(txn, "items", ITEM_COLUMNS, slice).await?;
        txn.step("items", done, total);
    }
    tracing::debug!(elapsed = ?t.elapsed(), "import: new items inserted");
    let mut rewrite_links: Vec<(i64, &Item)> = new_items
        .iter()
        .map(|(_, it)| (ids[it.code.as_str()], *it))
        .collect();
    for (_, it) in &new_items {
        counts.added += 1;
        if refs.origin {
            continue;
        }
        events.push(
            NewEvent::new(EventKind::ItemAdded, it.code.as_str())
                .in_plan(plan_id)
                .after(it)?,
        );
    }

    for (pos, it) in items.iter().enumerate() {
        let Some(s) = old.get(it.code.as_str()) else {
            continue;
        };
        if s.item == *it && s.position == pos as i32 && !s.archived {
            counts.unchanged += 1;
            continue;
        }
        if s.item == *it && !s.archived {
            // Only its place in the file moved (a sibling before it added or archived): the
            // item is as it was, so its version, which editors hold, stays.
            exec(
                txn,
                "UPDATE items SET position = $1 WHERE id = $2",
                vec![(pos as i32).into(), s.id.into()],
            )
            .await?;
            counts.unchanged += 1;
            continue;
        }
        let mut v = item_values(plan_id, s.id, pos as i32, it, (&ids, refs), now)?;
        // UPDATE ... SET every column but id and plan_id, bump the version, clear archived.
        let last = ITEM_COLUMNS.len() - 1; // "version", bumped below instead
        let sets: Vec<String> = ITEM_COLUMNS[..last]
            .iter()
            .enumerate()
            .skip(2)
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let sql = format!(
            "UPDATE items SET {}, archived = FALSE, version = version + 1 WHERE id = $1 AND plan_id = $2",
            sets.join(", ")
        );
        v.truncate(last);
        exec(txn, &sql, v).await?;
        if s.item != *it || s.archived {
            counts.updated += 1;
            let kind = if s.archived {
                EventKind::ItemRestored
            } else {
                EventKind::ItemUpdated
            };
            events.push(
                NewEvent::new(kind, it.code.as_str())
                    .in_plan(plan_id)
                    .before(&s.item)?
                    .after(it)?,
            );
        } else {
            // Only its place in the file moved.
            counts.unchanged += 1;
        }
        if s.item.co != it.co
            || s.item.extra.supports != it.extra.supports
            || s.item.extra.trajectory != it.extra.trajectory
            || s.item.extra.shares != it.extra.shares
        {
            rewrite_links.push((s.id, it));
        }
    }

    let present: HashSet<&str> = items.iter().map(|i| i.code.as_str()).collect();
    let mut archived = Vec::new();
    for (code, s) in &old {
        if !s.archived && !present.contains(code.as_str()) {
            archived.push(s.id);
            counts.archived += 1;
            events.push(
                NewEvent::new(EventKind::ItemArchived, code.clone())
                    .in_plan(plan_id)
                    .before(&s.item)?,
            );
        }
    }
    for chunk in archived.chunks(500) {
        exec(
            txn,
            &format!(
                "UPDATE items SET archived = TRUE, version = version + 1, updated_at = $1 WHERE id IN ({})",
                id_list(chunk)
            ),
            vec![now.into()],
        )
        .await?;
    }

    // Co-operating units, alignment links and trajectories of new and changed items.
    let changed: Vec<String> = rewrite_links
        .iter()
        .filter(|(id, _)| old.values().any(|s| s.id == *id))
        .map(|(id, _)| id.to_string())
        .collect();
    for chunk in changed.chunks(500) {
        let list = chunk.join(",");
        for t in [
            "item_co_units",
            "item_supports",
            "item_trajectory",
            "item_shares",
        ] {
            exec(
                txn,
                &format!("DELETE FROM {t} WHERE item_id IN ({list})"),
                vec![],
            )
            .await?;
        }
    }
    tracing::debug!("import: updates and archives written");
    let mut co = Vec::new();
    let mut sup = Vec::new();
    let mut traj = Vec::new();
    let mut shares = Vec::new();
    for (id, it) in &rewrite_links {
        for (i, s) in it.extra.shares.iter().enumerate() {
            shares.push(vec![
                (*id).into(),
                lookup(refs.units, "unit", &s.unit)?.into(),
                s.percent.value().into(),
                (i as i32).into(),
            ]);
        }
        for (i, c) in it.co.iter().enumerate() {
            co.push(vec![
                (*id).into(),
                lookup(refs.units, "unit", c)?.into(),
                (i as i32).into(),
            ]);
        }
        for (i, s) in it.extra.supports.iter().enumerate() {
            sup.push(vec![
                (*id).into(),
                lookup_str(&ids, "item", s)?.into(),
                (i as i32).into(),
            ]);
        }
        for p in &it.extra.trajectory {
            traj.push(vec![(*id).into(), p.date.into(), p.percent.value().into()]);
        }
    }
    insert_rows(
        txn,
        "item_co_units",
        &["item_id", "unit_id", "position"],
        co,
    )
    .await?;
    insert_rows(
        txn,
        "item_supports",
        &["item_id", "target_id", "position"],
        sup,
    )
    .await?;
    insert_rows(
        txn,
        "item_trajectory",
        &["item_id", "point_date", "percent"],
        traj,
    )
    .await?;
    insert_rows(
        txn,
        "item_shares",
        &["item_id", "unit_id", "percent", "position"],
        shares,
    )
    .await?;
    Ok(reordered)
}

/// Depth of each item in its tree (roots are 0); the document is validated, so no cycles.
fn depths(items: &[Item]) -> HashMap<&str, usize> {
    let parent: HashMap<&str, Option<&str>> = items
        .iter()
        .map(|i| (i.code.as_str(), i.parent.as_ref().map(|p| p.as_str())))
        .collect();
    let mut depth: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    for it in items {
        let mut chain = vec![it.code.as_str()];
        let mut base = 0;
        while let Some(Some(p)) = parent.get(chain.last().expect("non-empty")) {
            if let Some(d) = depth.get(p) {
                base = d + 1;
                break;
            }
            chain.push(p);
        }
        for (i, c) in chain.iter().rev().enumerate() {
            depth.insert(c, base + i);
        }
    }
    depth
}

const ITEM_COLUMNS: &[&str] = &[
    "id",
    "plan_id",
    "position",
    "code",
    "kind",
    "parent_id",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "lead_unit_id",
    "leader_id",
    "leader_in_charge_id",
    "start_date",
    "due_date",
    "weight",
    "public",
    "source",
    "target_value",
    "target_unit",
    "target_by",
    "target_indicator_id",
    "three_ones",
    "rollup_rule",
    "manual_percent",
    "manual_reason",
    "cancelled",
    "progress_from",
    "expected_path",
    "updated_at",
    "version",
];

fn item_values(
    plan_id: i64,
    id: i64,
    position: i32,
    it: &Item,
    (ids, refs): (&HashMap<&str, i64>, &Refs<'_>),
    now: DateTime<Utc>,
) -> Result<Vec<Value>> {
    let unit = |c: &Option<Code>| {
        c.as_ref()
            .map(|c| lookup(refs.units, "unit", c))
            .transpose()
    };
    let person = |c: &Option<Code>| {
        c.as_ref()
            .map(|c| lookup(refs.people, "person", c))
            .transpose()
    };
    let parent = it
        .parent
        .as_ref()
        .map(|p| lookup_str(ids, "item", p))
        .transpose()?;
    let indicator = it
        .extra
        .target
        .as_ref()
        .and_then(|t| t.indicator.as_ref())
        .map(|c| lookup(refs.indicators, "indicator", c))
        .transpose()?;
    let t = it.extra.target.as_ref();
    Ok(vec![
        id.into(),
        plan_id.into(),
        position.into(),
        it.code.as_str().into(),
        it.kind.as_str().into(),
        parent.into(),
        it.title.zh().to_string().into(),
        it.title.en().to_string().into(),
        it.extra.description.zh().to_string().into(),
        it.extra.description.en().to_string().into(),
        unit(&it.lead)?.into(),
        person(&it.extra.leader)?.into(),
        person(&it.extra.leader_in_charge)?.into(),
        it.start.into(),
        it.due.into(),
        it.weight.value().into(),
        it.public.into(),
        it.extra.source.as_deref().map(str::to_string).into(),
        t.map(|t| t.value).into(),
        t.map(|t| t.unit.clone()).unwrap_or_default().into(),
        t.and_then(|t| t.by).into(),
        indicator.into(),
        it.three_ones.into(),
        it.rollup.map(|r| r.as_str()).into(),
        it.extra.manual.as_ref().map(|m| m.percent.value()).into(),
        it.extra.manual.as_ref().map(|m| m.reason.clone()).into(),
        it.cancelled.into(),
        it.progress_from.as_str().into(),
        refs.paths.get(it.code.as_str()).cloned().flatten().into(),
        now.into(),
        1i64.into(),
    ])
}

/// Resolves a code the document refers to. Documents are validated before import, so a miss
/// means a caller skipped validation: refuse the import rather than write a dangling link.
pub(super) fn lookup(map: &HashMap<String, i64>, what: &str, code: &Code) -> Result<i64> {
    map.get(code.as_str())
        .copied()
        .ok_or_else(|| StoreError::Internal(format!("unknown {what} `{code}` in a validated plan")))
}

fn lookup_str(map: &HashMap<&str, i64>, what: &str, code: &Code) -> Result<i64> {
    map.get(code.as_str())
        .copied()
        .ok_or_else(|| StoreError::Internal(format!("unknown {what} `{code}` in a validated plan")))
}
