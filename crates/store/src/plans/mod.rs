//! Plans as whole documents: import (all-or-nothing, updating by code, archiving what a file
//! drops) and export (the same document back), plus plan lookups. The import is split by what
//! it writes: the plan's header (`header.rs`), its units and people (`units.rs`), indicators
//! (`indicators.rs`) and items (`items.rs`); `read.rs` reads plans back.

mod header;
mod indicators;
mod items;
pub(crate) mod paths;
pub(crate) mod read;
mod units;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::{Plan, PlanDocument};

use crate::db::{Backend, Store, WriteTxn, all, exec, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};

pub(crate) use read::{indicators_of, people_of};

/// What an import changed, per kind of entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SectionCounts {
    pub added: usize,
    pub updated: usize,
    pub archived: usize,
    pub unchanged: usize,
}

impl SectionCounts {
    pub fn changed(&self) -> usize {
        self.added + self.updated + self.archived
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub plan: String,
    pub plan_created: bool,
    pub plan_updated: bool,
    /// The items that were there before are in another order.
    pub items_reordered: bool,
    pub units: SectionCounts,
    pub people: SectionCounts,
    pub indicators: SectionCounts,
    pub items: SectionCounts,
}

/// A plan as listed by the API: the plan itself and its size.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanRecord {
    pub id: i64,
    pub plan: Plan,
    pub item_count: i64,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait PlanStore {
    /// Writes a validated document in one transaction. Entries are matched by code: new ones
    /// are added, changed ones updated, items and indicators missing from the document are
    /// archived (never deleted). On any error nothing is written.
    async fn import_plan(&self, doc: &PlanDocument, stamp: &Stamp) -> Result<ImportSummary>;
    /// The plan as a document, as it would be written to a plan file.
    async fn export_plan(&self, code: &str) -> Result<PlanDocument>;
    async fn list_plans(&self) -> Result<Vec<PlanRecord>>;
    async fn get_plan(&self, code: &str) -> Result<PlanRecord>;
}

/// The import's writes in one transaction, left open for the caller to finish (the plan's
/// warnings are re-evaluated in it, `plan_store`) and commit; with the plan's id.
pub(crate) async fn import_in(
    this: &Store,
    doc: &PlanDocument,
    stamp: &Stamp,
) -> Result<(WriteTxn, ImportSummary, i64)> {
    this.db().step("check", 0, 0);
    let problems = tuijin_core::validate(doc);
    if !problems.is_empty() {
        return Err(StoreError::PlanInvalid(problems));
    }
    let txn = this.write().await?;
    take_import_lock(&txn, this.backend()).await?;
    let (summary, plan_id, mut events) = write_doc(&txn, doc, stamp).await?;
    events.push(NewEvent::on_plan(
        EventKind::PlanImported,
        doc.plan.code.as_str(),
        plan_id,
        &summary,
    )?);
    txn.step("events", 0, 0);
    let t = std::time::Instant::now();
    let n = events.len();
    append(&txn, stamp.at, &stamp.actor, events).await?;
    tracing::debug!(elapsed = ?t.elapsed(), events = n, "import: events appended");
    Ok((txn, summary, plan_id))
}

/// Writes a validated document over the plan in `txn` (matching entries by code, archiving
/// what it drops, moving the plan's version when anything changed) and recomputes progress;
/// returns what changed, the plan's id and the events to append. Shared by the import and by
/// edits (`edit.rs`), so a web edit and a file import write the same way.
pub(crate) async fn write_doc(
    txn: &WriteTxn,
    doc: &PlanDocument,
    stamp: &Stamp,
) -> Result<(ImportSummary, i64, Vec<NewEvent>)> {
    let now = stamp.at;
    let mut events = Vec::new();
    let mut summary = ImportSummary {
        plan: doc.plan.code.to_string(),
        ..Default::default()
    };
    let plan_id = header::upsert_plan(txn, &doc.plan, now, &mut summary, &mut events).await?;
    let units =
        units::import_units(txn, plan_id, &doc.units, &mut summary.units, &mut events).await?;
    let people = units::import_people(
        txn,
        plan_id,
        &doc.people,
        &units,
        &mut summary.people,
        &mut events,
    )
    .await?;
    header::replace_stages_and_levels(txn, plan_id, &doc.plan).await?;
    let indicators = indicators::import_indicators(
        txn,
        plan_id,
        doc,
        &units,
        &mut summary.indicators,
        &mut events,
    )
    .await?;
    // Each item's expected path, judged (under a baseline) by the dates it was approved with:
    // new items are written with theirs.
    let judged;
    let as_judged = match crate::judging::judging_dates(txn, plan_id).await? {
        Some(dates) => {
            judged = tuijin_core::baseline::judged(&doc.items, &dates);
            &judged[..]
        }
        None => &doc.items[..],
    };
    let want = paths::wanted(as_judged)?;
    let refs = items::Refs {
        units: &units,
        people: &people,
        indicators: &indicators,
        paths: &want,
        origin: summary.plan_created,
    };
    summary.items_reordered = items::import_items(
        txn,
        (plan_id, doc.plan.code.as_str()),
        &doc.items,
        &refs,
        now,
        &mut summary.items,
        &mut events,
    )
    .await?;
    // Every live item new: each was written with its path (a first import).
    if summary.items.added < doc.items.len() {
        paths::write_paths(txn, plan_id, &want).await?;
    }
    // Anything of the plan changed (an item's date, a unit's name, an archived item), not
    // only its header: move the plan's version, so every server's in-memory copy reloads.
    let changed = [
        &summary.units,
        &summary.people,
        &summary.indicators,
        &summary.items,
    ]
    .iter()
    .any(|c| c.changed() > 0)
        || summary.items_reordered;
    if changed && !summary.plan_updated {
        exec(
            txn,
            "UPDATE plans SET version = version + 1, updated_at = $1 WHERE id = $2",
            vec![now.into(), plan_id.into()],
        )
        .await?;
    }
    let t = std::time::Instant::now();
    txn.step("progress", 0, 0);
    let changes = crate::progress::recompute_plan(txn, plan_id, stamp).await?;
    tracing::debug!(elapsed = ?t.elapsed(), changed = changes.len(), "import: progress recomputed");
    for e in &mut events {
        e.plan_id = Some(plan_id);
    }
    Ok((summary, plan_id, events))
}

/// The plan as a document, read in `c` (inside a write transaction, for an edit).
pub(crate) async fn document_in<C: crate::db::EachRow>(c: &C, code: &str) -> Result<PlanDocument> {
    let row = one(
        c,
        &format!("{} WHERE p.code = $1", read::PLAN_SELECT),
        vec![code.into()],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("plan `{code}`")))?;
    let rec = read::plan_record(c, &row).await?;
    let pid = rec.id;
    Ok(PlanDocument {
        plan: rec.plan,
        units: read::units_of(c, pid).await?,
        people: people_of(c, pid).await?,
        items: crate::items::load_plan_items(c, pid).await?,
        indicators: indicators_of(c, pid).await?,
    })
}

impl Store {
    pub(crate) async fn export_plan_in(&self, code: &str) -> Result<PlanDocument> {
        let rec = self.get_plan_in(code).await?;
        let c = &self.db();
        let pid = rec.id;
        Ok(PlanDocument {
            plan: rec.plan,
            units: read::units_of(c, pid).await?,
            people: people_of(c, pid).await?,
            items: crate::items::load_plan_items(c, pid).await?,
            indicators: indicators_of(c, pid).await?,
        })
    }

    pub(crate) async fn list_plans_in(&self) -> Result<Vec<PlanRecord>> {
        let c = &self.db();
        let rows = all(c, &format!("{} ORDER BY p.id", read::PLAN_SELECT), vec![]).await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(read::plan_record(c, r).await?);
        }
        Ok(out)
    }

    pub(crate) async fn get_plan_in(&self, code: &str) -> Result<PlanRecord> {
        let c = &self.db();
        let row = one(
            c,
            &format!("{} WHERE p.code = $1", read::PLAN_SELECT),
            vec![code.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("plan `{code}`")))?;
        read::plan_record(c, &row).await
    }
}

/// Serialises imports for their whole length, so item ids can be handed out safely.
/// Dialect-specific: PostgreSQL has advisory locks; on SQLite the write transaction already
/// holds the one write lock.
pub(crate) async fn take_import_lock(txn: &WriteTxn, backend: Backend) -> Result<()> {
    if backend == Backend::Postgres {
        exec(txn, "SELECT pg_advisory_xact_lock(727100001)", vec![]).await?;
    }
    Ok(())
}
