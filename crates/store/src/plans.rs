//! Plans as whole documents: import (all-or-nothing, updating by code, archiving what a file
//! drops) and export (the same document back), plus plan lookups.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait, Value};
use serde::Serialize;
use tuijin_core::{
    Cadence, Code, Direction, Frequency, Indicator, IndicatorTarget, Item, ItemKind, LevelLabel,
    Percent, Person, Plan, PlanDocument, PlanSource, Reporting, RollupRule, Stage, Target, Text,
    Thresholds, TrajectoryPoint, Unit, UnitKind, Weight,
};

use crate::db::{Backend, Store, all, exec, exec_built, get, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::progress::Stamp;

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

impl PlanStore for Store {
    async fn import_plan(&self, doc: &PlanDocument, stamp: &Stamp) -> Result<ImportSummary> {
        let (actor, now) = (stamp.actor.as_str(), stamp.at);
        if let Some(p) = tuijin_core::validate(doc).first() {
            return Err(StoreError::Invalid(format!(
                "{}: {}",
                p.path,
                p.kind.message(tuijin_core::text::Lang::En)
            )));
        }
        let txn = self.db.begin().await?;
        take_write_lock(&txn, self.backend()).await?;
        let mut events = Vec::new();
        let mut summary = ImportSummary {
            plan: doc.plan.code.to_string(),
            ..Default::default()
        };
        let plan_id = upsert_plan(&txn, &doc.plan, now, &mut summary, &mut events).await?;
        let units =
            import_units(&txn, plan_id, &doc.units, &mut summary.units, &mut events).await?;
        let people = import_people(
            &txn,
            plan_id,
            &doc.people,
            &units,
            &mut summary.people,
            &mut events,
        )
        .await?;
        replace_stages_and_levels(&txn, plan_id, &doc.plan).await?;
        let indicators = import_indicators(
            &txn,
            plan_id,
            doc,
            &units,
            &mut summary.indicators,
            &mut events,
        )
        .await?;
        let refs = Refs {
            units: &units,
            people: &people,
            indicators: &indicators,
        };
        import_items(
            &txn,
            plan_id,
            &doc.items,
            &refs,
            now,
            &mut summary.items,
            &mut events,
        )
        .await?;
        let t = std::time::Instant::now();
        let changes = crate::progress::recompute_plan(&txn, plan_id, stamp).await?;
        tracing::debug!(elapsed = ?t.elapsed(), changed = changes.len(), "import: progress recomputed");
        for e in &mut events {
            e.plan_id = Some(plan_id);
        }
        events.push(NewEvent {
            kind: "plan.imported",
            entity: "plan",
            entity_code: doc.plan.code.to_string(),
            plan_id: Some(plan_id),
            before: None,
            after: Some(serde_json::to_string(&summary).unwrap_or_default()),
        });
        let t = std::time::Instant::now();
        append(&txn, now, actor, events).await?;
        tracing::debug!(elapsed = ?t.elapsed(), "import: events written");
        let t = std::time::Instant::now();
        txn.commit().await?;
        tracing::debug!(elapsed = ?t.elapsed(), "import: committed");
        Ok(summary)
    }

    async fn export_plan(&self, code: &str) -> Result<PlanDocument> {
        let rec = self.get_plan(code).await?;
        let c = &self.db;
        let pid = rec.id;
        let units = all(
            c,
            "SELECT u.code, u.name_zh, u.name_en, u.kind, p.code AS parent, u.assumed \
             FROM plan_units pu JOIN units u ON u.id = pu.unit_id LEFT JOIN units p ON p.id = u.parent_id \
             WHERE pu.plan_id = $1 ORDER BY pu.position",
            vec![pid.into()],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Unit {
                code: code_col(r, "code")?,
                name: Text::new(get::<String>(r, "name_zh")?, get::<String>(r, "name_en")?),
                kind: UnitKind::parse(&get::<String>(r, "kind")?).unwrap_or(UnitKind::Other),
                parent: opt_code_col(r, "parent")?,
                assumed: get(r, "assumed")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let people = people_of(c, pid).await?;
        let indicators = indicators_of(c, pid).await?;
        let items = crate::items::load_plan_items(c, pid).await?;
        Ok(PlanDocument {
            plan: rec.plan,
            units,
            people,
            items,
            indicators,
        })
    }

    async fn list_plans(&self) -> Result<Vec<PlanRecord>> {
        let rows = all(&self.db, &format!("{PLAN_SELECT} ORDER BY p.id"), vec![]).await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(plan_record(&self.db, r).await?);
        }
        Ok(out)
    }

    async fn get_plan(&self, code: &str) -> Result<PlanRecord> {
        let row = one(
            &self.db,
            &format!("{PLAN_SELECT} WHERE p.code = $1"),
            vec![code.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("plan `{code}`")))?;
        plan_record(&self.db, &row).await
    }
}

// Columns listed, never `p.*`: a prepared statement must not change shape when a migration
// adds a column.
const PLAN_SELECT: &str = "SELECT p.id, p.code, p.title_zh, p.title_en, p.description_zh, p.description_en, \
    p.source_title_zh, p.source_title_en, p.source_date, p.source_occasion_zh, p.source_occasion_en, p.timezone, \
    p.cadence, p.start_date, p.end_date, p.at_risk, p.off_track, p.rollup_rule, p.report_due_day, \
    p.report_grace_days, p.stale_days, p.version, p.updated_at, (SELECT COUNT(*) FROM items i WHERE i.plan_id = p.id AND NOT i.archived) AS item_count FROM plans p";

async fn plan_record<C: ConnectionTrait>(c: &C, r: &sea_orm::QueryResult) -> Result<PlanRecord> {
    let id: i64 = get(r, "id")?;
    let stages = all(
        c,
        "SELECT code, title_zh, title_en, description_zh, description_en, end_date FROM stages WHERE plan_id = $1 ORDER BY position",
        vec![id.into()],
    )
    .await?
    .iter()
    .map(|s| {
        Ok(Stage {
            code: code_col(s, "code")?,
            title: Text::new(get::<String>(s, "title_zh")?, get::<String>(s, "title_en")?),
            description: Text::new(get::<String>(s, "description_zh")?, get::<String>(s, "description_en")?),
            end: get(s, "end_date")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let levels = all(
        c,
        "SELECT kind, label_zh, label_en FROM levels WHERE plan_id = $1 ORDER BY position",
        vec![id.into()],
    )
    .await?
    .iter()
    .map(|l| {
        Ok(LevelLabel {
            kind: kind_col(l, "kind")?,
            label: Text::new(get::<String>(l, "label_zh")?, get::<String>(l, "label_en")?),
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let plan = Plan {
        code: code_col(r, "code")?,
        title: Text::new(get::<String>(r, "title_zh")?, get::<String>(r, "title_en")?),
        description: Text::new(
            get::<String>(r, "description_zh")?,
            get::<String>(r, "description_en")?,
        ),
        source: PlanSource {
            title: Text::new(
                get::<String>(r, "source_title_zh")?,
                get::<String>(r, "source_title_en")?,
            ),
            date: get(r, "source_date")?,
            occasion: Text::new(
                get::<String>(r, "source_occasion_zh")?,
                get::<String>(r, "source_occasion_en")?,
            ),
        },
        timezone: get(r, "timezone")?,
        cadence: Cadence::parse(&get::<String>(r, "cadence")?).unwrap_or_default(),
        start: get(r, "start_date")?,
        end: get(r, "end_date")?,
        thresholds: Thresholds {
            at_risk: get(r, "at_risk")?,
            off_track: get(r, "off_track")?,
        },
        rollup: RollupRule::parse(&get::<String>(r, "rollup_rule")?).unwrap_or_default(),
        reporting: Reporting {
            due_day: get::<i32>(r, "report_due_day")?.max(1) as u32,
            grace_days: get::<i32>(r, "report_grace_days")?.max(0) as u32,
            stale_days: get::<i32>(r, "stale_days")?.max(1) as u32,
        },
        stages,
        levels,
    };
    Ok(PlanRecord {
        id,
        plan,
        item_count: get(r, "item_count")?,
        version: get(r, "version")?,
        updated_at: get(r, "updated_at")?,
    })
}

pub(crate) fn code_col(r: &sea_orm::QueryResult, col: &str) -> Result<Code> {
    let s: String = get(r, col)?;
    Code::parse(&s).map_err(|e| StoreError::Invalid(format!("stored code `{s}` in {col}: {e}")))
}

pub(crate) fn opt_code_col(r: &sea_orm::QueryResult, col: &str) -> Result<Option<Code>> {
    let s: Option<String> = get(r, col)?;
    s.map(|s| Code::parse(&s).map_err(|e| StoreError::Invalid(format!("stored code `{s}`: {e}"))))
        .transpose()
}

pub(crate) fn kind_col(r: &sea_orm::QueryResult, col: &str) -> Result<ItemKind> {
    let s: String = get(r, col)?;
    ItemKind::parse(&s).ok_or_else(|| StoreError::Invalid(format!("stored item kind `{s}`")))
}

/// Serialises writers for the length of an import, so item ids can be handed out safely.
/// Dialect-specific: PostgreSQL has advisory locks; SQLite takes its single write lock at the
/// first write statement, so we issue one that changes nothing.
async fn take_write_lock(txn: &DatabaseTransaction, backend: Backend) -> Result<()> {
    match backend {
        Backend::Postgres => {
            exec(txn, "SELECT pg_advisory_xact_lock(727100001)", vec![]).await?;
        }
        Backend::Sqlite => {
            exec(txn, "DELETE FROM plan_units WHERE 1 = 0", vec![]).await?;
        }
    }
    Ok(())
}

async fn upsert_plan(
    txn: &DatabaseTransaction,
    plan: &Plan,
    now: DateTime<Utc>,
    summary: &mut ImportSummary,
    events: &mut Vec<NewEvent>,
) -> Result<i64> {
    let values = |p: &Plan| -> Vec<Value> {
        vec![
            p.title.zh.clone().into(),
            p.title.en.clone().into(),
            p.description.zh.clone().into(),
            p.description.en.clone().into(),
            p.source.title.zh.clone().into(),
            p.source.title.en.clone().into(),
            p.source.date.into(),
            p.source.occasion.zh.clone().into(),
            p.source.occasion.en.clone().into(),
            p.timezone.clone().into(),
            p.cadence.as_str().into(),
            p.start.into(),
            p.end.into(),
            p.thresholds.at_risk.into(),
            p.thresholds.off_track.into(),
            p.rollup.as_str().into(),
            (p.reporting.due_day as i32).into(),
            (p.reporting.grace_days as i32).into(),
            (p.reporting.stale_days as i32).into(),
        ]
    };
    let existing = one(
        txn,
        "SELECT id FROM plans WHERE code = $1",
        vec![plan.code.as_str().into()],
    )
    .await?;
    match existing {
        Some(r) => {
            let id: i64 = get(&r, "id")?;
            let row = one(
                txn,
                &format!("{PLAN_SELECT} WHERE p.id = $1"),
                vec![id.into()],
            )
            .await?
            .expect("plan row");
            let mut old = plan_record(txn, &row).await?.plan;
            // Stages and levels are compared here too, though they are rewritten separately.
            let mut new = plan.clone();
            old.stages.clear();
            old.levels.clear();
            let (stages_same, levels_same) = {
                let rec = plan_record(txn, &row).await?.plan;
                (rec.stages == plan.stages, rec.levels == plan.levels)
            };
            new.stages.clear();
            new.levels.clear();
            if old != new || !stages_same || !levels_same {
                let mut v = values(plan);
                v.push(now.into());
                v.push(id.into());
                exec(
                    txn,
                    "UPDATE plans SET title_zh=$1, title_en=$2, description_zh=$3, description_en=$4, \
                     source_title_zh=$5, source_title_en=$6, source_date=$7, source_occasion_zh=$8, \
                     source_occasion_en=$9, timezone=$10, cadence=$11, start_date=$12, end_date=$13, \
                     at_risk=$14, off_track=$15, rollup_rule=$16, report_due_day=$17, report_grace_days=$18, stale_days=$19, updated_at=$20, version = version + 1 WHERE id=$21",
                    v,
                )
                .await?;
                summary.plan_updated = true;
                events.push(NewEvent {
                    kind: "plan.updated",
                    entity: "plan",
                    entity_code: plan.code.to_string(),
                    plan_id: Some(id),
                    before: serde_json::to_string(&old).ok(),
                    after: serde_json::to_string(&new).ok(),
                });
            }
            Ok(id)
        }
        None => {
            let mut v = vec![plan.code.as_str().into()];
            v.extend(values(plan));
            v.push(now.into());
            exec(
                txn,
                "INSERT INTO plans (code, title_zh, title_en, description_zh, description_en, \
                 source_title_zh, source_title_en, source_date, source_occasion_zh, source_occasion_en, \
                 timezone, cadence, start_date, end_date, at_risk, off_track, rollup_rule, report_due_day, \
                 report_grace_days, stale_days, version, created_at, updated_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,1,$21,$21)",
                v,
            )
            .await?;
            let r = one(
                txn,
                "SELECT id FROM plans WHERE code = $1",
                vec![plan.code.as_str().into()],
            )
            .await?
            .expect("just inserted");
            summary.plan_created = true;
            events.push(NewEvent {
                kind: "plan.created",
                entity: "plan",
                entity_code: plan.code.to_string(),
                plan_id: None,
                before: None,
                after: serde_json::to_string(plan).ok(),
            });
            Ok(get(&r, "id")?)
        }
    }
}

async fn replace_stages_and_levels(
    txn: &DatabaseTransaction,
    plan_id: i64,
    plan: &Plan,
) -> Result<()> {
    exec(
        txn,
        "DELETE FROM stages WHERE plan_id = $1",
        vec![plan_id.into()],
    )
    .await?;
    exec(
        txn,
        "DELETE FROM levels WHERE plan_id = $1",
        vec![plan_id.into()],
    )
    .await?;
    for (i, s) in plan.stages.iter().enumerate() {
        exec(
            txn,
            "INSERT INTO stages (plan_id, position, code, title_zh, title_en, description_zh, description_en, end_date) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
            vec![
                plan_id.into(),
                (i as i32).into(),
                s.code.as_str().into(),
                s.title.zh.clone().into(),
                s.title.en.clone().into(),
                s.description.zh.clone().into(),
                s.description.en.clone().into(),
                s.end.into(),
            ],
        )
        .await?;
    }
    for (i, l) in plan.levels.iter().enumerate() {
        exec(
            txn,
            "INSERT INTO levels (plan_id, position, kind, label_zh, label_en) VALUES ($1,$2,$3,$4,$5)",
            vec![plan_id.into(), (i as i32).into(), l.kind.as_str().into(), l.label.zh.clone().into(), l.label.en.clone().into()],
        )
        .await?;
    }
    Ok(())
}

/// Code → id of every unit, after the plan's units are written.
async fn import_units(
    txn: &DatabaseTransaction,
    plan_id: i64,
    units: &[Unit],
    counts: &mut SectionCounts,
    events: &mut Vec<NewEvent>,
) -> Result<HashMap<String, i64>> {
    let existing = all(txn, "SELECT u.id, u.code, u.name_zh, u.name_en, u.kind, p.code AS parent, u.assumed FROM units u LEFT JOIN units p ON p.id = u.parent_id", vec![]).await?;
    let mut old: HashMap<String, (i64, Unit)> = HashMap::new();
    for r in &existing {
        let u = Unit {
            code: code_col(r, "code")?,
            name: Text::new(get::<String>(r, "name_zh")?, get::<String>(r, "name_en")?),
            kind: UnitKind::parse(&get::<String>(r, "kind")?).unwrap_or(UnitKind::Other),
            parent: opt_code_col(r, "parent")?,
            assumed: get(r, "assumed")?,
        };
        old.insert(u.code.to_string(), (get(r, "id")?, u));
    }
    for u in units {
        let v: Vec<Value> = vec![
            u.name.zh.clone().into(),
            u.name.en.clone().into(),
            u.kind.as_str().into(),
            u.assumed.into(),
        ];
        match old.get(u.code.as_str()) {
            None => {
                let mut vals = vec![u.code.as_str().into()];
                vals.extend(v);
                exec(txn, "INSERT INTO units (code, name_zh, name_en, kind, assumed) VALUES ($1,$2,$3,$4,$5)", vals).await?;
                counts.added += 1;
                events.push(NewEvent {
                    kind: "unit.added",
                    entity: "unit",
                    entity_code: u.code.to_string(),
                    plan_id: None,
                    before: None,
                    after: serde_json::to_string(u).ok(),
                });
            }
            Some((id, o)) if o != u => {
                let mut vals = v;
                vals.push((*id).into());
                exec(
                    txn,
                    "UPDATE units SET name_zh=$1, name_en=$2, kind=$3, assumed=$4 WHERE id=$5",
                    vals,
                )
                .await?;
                counts.updated += 1;
                events.push(NewEvent {
                    kind: "unit.updated",
                    entity: "unit",
                    entity_code: u.code.to_string(),
                    plan_id: None,
                    before: serde_json::to_string(o).ok(),
                    after: serde_json::to_string(u).ok(),
                });
            }
            Some(_) => counts.unchanged += 1,
        }
    }
    let ids: HashMap<String, i64> = all(txn, "SELECT id, code FROM units", vec![])
        .await?
        .iter()
        .map(|r| Ok((get::<String>(r, "code")?, get::<i64>(r, "id")?)))
        .collect::<Result<_>>()?;
    for u in units {
        let want = u
            .parent
            .as_ref()
            .map(|p| lookup(&ids, "unit", p))
            .transpose()?;
        let had = old
            .get(u.code.as_str())
            .and_then(|(_, o)| o.parent.as_ref().and_then(|p| ids.get(p.as_str()).copied()));
        if want != had {
            exec(
                txn,
                "UPDATE units SET parent_id = $1 WHERE id = $2",
                vec![want.into(), ids[u.code.as_str()].into()],
            )
            .await?;
        }
    }
    exec(
        txn,
        "DELETE FROM plan_units WHERE plan_id = $1",
        vec![plan_id.into()],
    )
    .await?;
    let rows: Vec<Vec<Value>> = units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            vec![
                plan_id.into(),
                ids[u.code.as_str()].into(),
                (i as i32).into(),
            ]
        })
        .collect();
    insert_rows(txn, "plan_units", &["plan_id", "unit_id", "position"], rows).await?;
    Ok(ids)
}

async fn import_people(
    txn: &DatabaseTransaction,
    plan_id: i64,
    people: &[Person],
    units: &HashMap<String, i64>,
    counts: &mut SectionCounts,
    events: &mut Vec<NewEvent>,
) -> Result<HashMap<String, i64>> {
    let existing = all(txn, "SELECT p.id, p.code, p.name_zh, p.name_en, p.post_zh, p.post_en, u.code AS unit, p.assumed FROM people p LEFT JOIN units u ON u.id = p.unit_id", vec![]).await?;
    let mut old: HashMap<String, (i64, Person)> = HashMap::new();
    for r in &existing {
        let p = Person {
            code: code_col(r, "code")?,
            name: Text::new(get::<String>(r, "name_zh")?, get::<String>(r, "name_en")?),
            post: Text::new(get::<String>(r, "post_zh")?, get::<String>(r, "post_en")?),
            unit: opt_code_col(r, "unit")?,
            assumed: get(r, "assumed")?,
        };
        old.insert(p.code.to_string(), (get(r, "id")?, p));
    }
    for p in people {
        let v: Vec<Value> = vec![
            p.name.zh.clone().into(),
            p.name.en.clone().into(),
            p.post.zh.clone().into(),
            p.post.en.clone().into(),
            p.unit
                .as_ref()
                .map(|u| lookup(units, "unit", u))
                .transpose()?
                .into(),
            p.assumed.into(),
        ];
        match old.get(p.code.as_str()) {
            None => {
                let mut vals = v;
                vals.push(p.code.as_str().into());
                exec(txn, "INSERT INTO people (name_zh, name_en, post_zh, post_en, unit_id, assumed, code) VALUES ($1,$2,$3,$4,$5,$6,$7)", vals).await?;
                counts.added += 1;
                events.push(NewEvent {
                    kind: "person.added",
                    entity: "person",
                    entity_code: p.code.to_string(),
                    plan_id: None,
                    before: None,
                    after: serde_json::to_string(p).ok(),
                });
            }
            Some((id, o)) if o != p => {
                let mut vals = v;
                vals.push((*id).into());
                exec(txn, "UPDATE people SET name_zh=$1, name_en=$2, post_zh=$3, post_en=$4, unit_id=$5, assumed=$6 WHERE id=$7", vals).await?;
                counts.updated += 1;
                events.push(NewEvent {
                    kind: "person.updated",
                    entity: "person",
                    entity_code: p.code.to_string(),
                    plan_id: None,
                    before: serde_json::to_string(o).ok(),
                    after: serde_json::to_string(p).ok(),
                });
            }
            Some(_) => counts.unchanged += 1,
        }
    }
    let ids: HashMap<String, i64> = all(txn, "SELECT id, code FROM people", vec![])
        .await?
        .iter()
        .map(|r| Ok((get::<String>(r, "code")?, get::<i64>(r, "id")?)))
        .collect::<Result<_>>()?;
    exec(
        txn,
        "DELETE FROM plan_people WHERE plan_id = $1",
        vec![plan_id.into()],
    )
    .await?;
    let rows: Vec<Vec<Value>> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                plan_id.into(),
                ids[p.code.as_str()].into(),
                (i as i32).into(),
            ]
        })
        .collect();
    insert_rows(
        txn,
        "plan_people",
        &["plan_id", "person_id", "position"],
        rows,
    )
    .await?;
    Ok(ids)
}

pub(crate) async fn indicators_of<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
) -> Result<Vec<Indicator>> {
    Ok(load_indicators_with_ids(c, plan_id, false)
        .await?
        .into_iter()
        .map(|(_, _, i)| i)
        .collect())
}

/// (id, archived, indicator) for every indicator of a plan, in file order.
async fn load_indicators_with_ids<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    with_archived: bool,
) -> Result<Vec<(i64, bool, Indicator)>> {
    let rows = all(
        c,
        "SELECT x.id, x.archived, x.code, x.name_zh, x.name_en, x.unit, x.direction, x.frequency, x.baseline, x.baseline_year, u.code AS owner, x.scope, x.public \
         FROM indicators x LEFT JOIN units u ON u.id = x.owner_unit_id WHERE x.plan_id = $1 ORDER BY x.position",
        vec![plan_id.into()],
    )
    .await?;
    let targets = all(
        c,
        "SELECT t.indicator_id, t.year, t.value FROM indicator_targets t JOIN indicators x ON x.id = t.indicator_id WHERE x.plan_id = $1 ORDER BY t.indicator_id, t.year",
        vec![plan_id.into()],
    )
    .await?;
    let mut by_id: HashMap<i64, Vec<IndicatorTarget>> = HashMap::new();
    for t in &targets {
        by_id
            .entry(get(t, "indicator_id")?)
            .or_default()
            .push(IndicatorTarget {
                year: get(t, "year")?,
                value: get(t, "value")?,
            });
    }
    let mut out = Vec::new();
    for r in &rows {
        let archived: bool = get(r, "archived")?;
        if archived && !with_archived {
            continue;
        }
        let id: i64 = get(r, "id")?;
        out.push((
            id,
            archived,
            Indicator {
                code: code_col(r, "code")?,
                name: Text::new(get::<String>(r, "name_zh")?, get::<String>(r, "name_en")?),
                unit: get(r, "unit")?,
                direction: Direction::parse(&get::<String>(r, "direction")?)
                    .unwrap_or(Direction::Increase),
                frequency: Frequency::parse(&get::<String>(r, "frequency")?)
                    .unwrap_or(Frequency::Annual),
                baseline: get(r, "baseline")?,
                baseline_year: get(r, "baseline_year")?,
                targets: by_id.remove(&id).unwrap_or_default(),
                owner: opt_code_col(r, "owner")?,
                scope: get(r, "scope")?,
                public: get(r, "public")?,
            },
        ));
    }
    Ok(out)
}

async fn import_indicators(
    txn: &DatabaseTransaction,
    plan_id: i64,
    doc: &PlanDocument,
    units: &HashMap<String, i64>,
    counts: &mut SectionCounts,
    events: &mut Vec<NewEvent>,
) -> Result<HashMap<String, i64>> {
    let old: HashMap<String, (i64, bool, Indicator)> = load_indicators_with_ids(txn, plan_id, true)
        .await?
        .into_iter()
        .map(|(id, a, i)| (i.code.to_string(), (id, a, i)))
        .collect();
    let mut ids = HashMap::new();
    for (pos, ind) in doc.indicators.iter().enumerate() {
        let v: Vec<Value> = vec![
            (pos as i32).into(),
            ind.name.zh.clone().into(),
            ind.name.en.clone().into(),
            ind.unit.clone().into(),
            ind.direction.as_str().into(),
            ind.frequency.as_str().into(),
            ind.baseline.into(),
            ind.baseline_year.into(),
            ind.owner
                .as_ref()
                .map(|u| lookup(units, "unit", u))
                .transpose()?
                .into(),
            ind.scope.clone().into(),
            ind.public.into(),
        ];
        let id = match old.get(ind.code.as_str()) {
            None => {
                let mut vals = v;
                vals.push(plan_id.into());
                vals.push(ind.code.as_str().into());
                exec(txn, "INSERT INTO indicators (position, name_zh, name_en, unit, direction, frequency, baseline, baseline_year, owner_unit_id, scope, public, plan_id, code) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)", vals).await?;
                let r = one(
                    txn,
                    "SELECT id FROM indicators WHERE plan_id = $1 AND code = $2",
                    vec![plan_id.into(), ind.code.as_str().into()],
                )
                .await?
                .expect("inserted");
                counts.added += 1;
                events.push(NewEvent {
                    kind: "indicator.added",
                    entity: "indicator",
                    entity_code: ind.code.to_string(),
                    plan_id: Some(plan_id),
                    before: None,
                    after: serde_json::to_string(ind).ok(),
                });
                let id: i64 = get(&r, "id")?;
                write_targets(txn, id, &ind.targets).await?;
                id
            }
            Some((id, archived, o)) => {
                // Position changes alone are not reported as updates of the indicator.
                let mut vals = v;
                vals.push((*id).into());
                exec(txn, "UPDATE indicators SET position=$1, name_zh=$2, name_en=$3, unit=$4, direction=$5, frequency=$6, baseline=$7, baseline_year=$8, owner_unit_id=$9, scope=$10, public=$11, archived=FALSE WHERE id=$12", vals).await?;
                if o != ind || *archived {
                    write_targets(txn, *id, &ind.targets).await?;
                    counts.updated += 1;
                    events.push(NewEvent {
                        kind: "indicator.updated",
                        entity: "indicator",
                        entity_code: ind.code.to_string(),
                        plan_id: Some(plan_id),
                        before: serde_json::to_string(o).ok(),
                        after: serde_json::to_string(ind).ok(),
                    });
                } else {
                    counts.unchanged += 1;
                }
                *id
            }
        };
        ids.insert(ind.code.to_string(), id);
    }
    for (code, (id, archived, o)) in &old {
        if !*archived && !ids.contains_key(code) {
            exec(
                txn,
                "UPDATE indicators SET archived = TRUE WHERE id = $1",
                vec![(*id).into()],
            )
            .await?;
            counts.archived += 1;
            events.push(NewEvent {
                kind: "indicator.archived",
                entity: "indicator",
                entity_code: code.clone(),
                plan_id: Some(plan_id),
                before: serde_json::to_string(o).ok(),
                after: None,
            });
        }
    }
    Ok(ids)
}

async fn write_targets(
    txn: &DatabaseTransaction,
    id: i64,
    targets: &[IndicatorTarget],
) -> Result<()> {
    exec(
        txn,
        "DELETE FROM indicator_targets WHERE indicator_id = $1",
        vec![id.into()],
    )
    .await?;
    let rows = targets
        .iter()
        .map(|t| vec![id.into(), t.year.into(), t.value.into()])
        .collect();
    insert_rows(
        txn,
        "indicator_targets",
        &["indicator_id", "year", "value"],
        rows,
    )
    .await
}

struct Refs<'a> {
    units: &'a HashMap<String, i64>,
    people: &'a HashMap<String, i64>,
    indicators: &'a HashMap<String, i64>,
}

/// An item as stored: the domain item with its position and archive flag.
struct StoredItem {
    id: i64,
    position: i32,
    archived: bool,
    item: Item,
}

async fn import_items(
    txn: &DatabaseTransaction,
    plan_id: i64,
    items: &[Item],
    refs: &Refs<'_>,
    now: DateTime<Utc>,
    counts: &mut SectionCounts,
    events: &mut Vec<NewEvent>,
) -> Result<()> {
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
    let next = one(txn, "SELECT COALESCE(MAX(id), 0) AS m FROM items", vec![])
        .await?
        .expect("one row");
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
                &ids,
                refs,
                now,
            )
        })
        .collect::<Result<_>>()?;
    tracing::debug!(elapsed = ?t.elapsed(), "import: existing items loaded, new rows built");
    let t = std::time::Instant::now();
    insert_rows(txn, "items", ITEM_COLUMNS, rows).await?;
    tracing::debug!(elapsed = ?t.elapsed(), "import: new items inserted");
    let mut rewrite_links: Vec<(i64, &Item)> = new_items
        .iter()
        .map(|(_, it)| (ids[it.code.as_str()], *it))
        .collect();
    for (_, it) in &new_items {
        counts.added += 1;
        events.push(NewEvent {
            kind: "item.added",
            entity: "item",
            entity_code: it.code.to_string(),
            plan_id: Some(plan_id),
            before: None,
            after: serde_json::to_string(it).ok(),
        });
    }

    for (pos, it) in items.iter().enumerate() {
        let Some(s) = old.get(it.code.as_str()) else {
            continue;
        };
        if s.item == *it && s.position == pos as i32 && !s.archived {
            counts.unchanged += 1;
            continue;
        }
        let mut v = item_values(plan_id, s.id, pos as i32, it, &ids, refs, now)?;
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
            events.push(NewEvent {
                kind: if s.archived {
                    "item.restored"
                } else {
                    "item.updated"
                },
                entity: "item",
                entity_code: it.code.to_string(),
                plan_id: Some(plan_id),
                before: serde_json::to_string(&s.item).ok(),
                after: serde_json::to_string(it).ok(),
            });
        } else {
            // Only its place in the file moved.
            counts.unchanged += 1;
        }
        if s.item.co != it.co
            || s.item.supports != it.supports
            || s.item.trajectory != it.trajectory
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
            events.push(NewEvent {
                kind: "item.archived",
                entity: "item",
                entity_code: code.clone(),
                plan_id: Some(plan_id),
                before: serde_json::to_string(&s.item).ok(),
                after: None,
            });
        }
    }
    for chunk in archived.chunks(500) {
        let list: Vec<String> = chunk.iter().map(|id| id.to_string()).collect();
        exec(txn, &format!("UPDATE items SET archived = TRUE, version = version + 1, updated_at = $1 WHERE id IN ({})", list.join(",")), vec![now.into()]).await?;
    }

    // Co-operating units, alignment links and trajectories of new and changed items.
    let changed: Vec<String> = rewrite_links
        .iter()
        .filter(|(id, _)| old.values().any(|s| s.id == *id))
        .map(|(id, _)| id.to_string())
        .collect();
    for chunk in changed.chunks(500) {
        let list = chunk.join(",");
        for t in ["item_co_units", "item_supports", "item_trajectory"] {
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
    for (id, it) in &rewrite_links {
        for (i, c) in it.co.iter().enumerate() {
            co.push(vec![
                (*id).into(),
                lookup(refs.units, "unit", c)?.into(),
                (i as i32).into(),
            ]);
        }
        for (i, s) in it.supports.iter().enumerate() {
            sup.push(vec![
                (*id).into(),
                lookup_str(&ids, "item", s)?.into(),
                (i as i32).into(),
            ]);
        }
        for p in &it.trajectory {
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
    Ok(())
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
    "updated_at",
    "version",
];

fn item_values(
    plan_id: i64,
    id: i64,
    position: i32,
    it: &Item,
    ids: &HashMap<&str, i64>,
    refs: &Refs<'_>,
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
        .target
        .as_ref()
        .and_then(|t| t.indicator.as_ref())
        .map(|c| lookup(refs.indicators, "indicator", c))
        .transpose()?;
    let t = it.target.as_ref();
    Ok(vec![
        id.into(),
        plan_id.into(),
        position.into(),
        it.code.as_str().into(),
        it.kind.as_str().into(),
        parent.into(),
        it.title.zh.clone().into(),
        it.title.en.clone().into(),
        it.description.zh.clone().into(),
        it.description.en.clone().into(),
        unit(&it.lead)?.into(),
        person(&it.leader)?.into(),
        person(&it.leader_in_charge)?.into(),
        it.start.into(),
        it.due.into(),
        it.weight.value().into(),
        it.public.into(),
        it.source.clone().into(),
        t.map(|t| t.value).into(),
        t.map(|t| t.unit.clone()).unwrap_or_default().into(),
        t.and_then(|t| t.by).into(),
        indicator.into(),
        it.three_ones.into(),
        it.rollup.map(|r| r.as_str()).into(),
        it.manual.as_ref().map(|m| m.percent.value()).into(),
        it.manual.as_ref().map(|m| m.reason.clone()).into(),
        it.cancelled.into(),
        now.into(),
        1i64.into(),
    ])
}

/// Resolves a code the document refers to. Documents are validated before import, so a miss
/// means a caller skipped validation: refuse the import rather than write a dangling link.
fn lookup(map: &HashMap<String, i64>, what: &str, code: &Code) -> Result<i64> {
    map.get(code.as_str())
        .copied()
        .ok_or_else(|| StoreError::Invalid(format!("unknown {what} `{code}`")))
}

fn lookup_str(map: &HashMap<&str, i64>, what: &str, code: &Code) -> Result<i64> {
    map.get(code.as_str())
        .copied()
        .ok_or_else(|| StoreError::Invalid(format!("unknown {what} `{code}`")))
}

/// Multi-row inserts in batches that stay under both backends' limit on bound parameters.
pub(crate) async fn insert_rows<C: ConnectionTrait>(
    c: &C,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let per = (30_000 / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut q = Query::insert();
        q.into_table(Alias::new(table))
            .columns(columns.iter().map(|c| Alias::new(*c)));
        for row in rows.by_ref().take(per) {
            q.values_panic(row.into_iter().map(SimpleExpr::Value));
        }
        exec_built(c, &q).await?;
    }
    Ok(())
}

// Helpers shared with items.rs for building domain items from rows.
pub(crate) fn text(r: &sea_orm::QueryResult, base: &str) -> Result<Text> {
    Ok(Text::new(
        get::<String>(r, &format!("{base}_zh"))?,
        get::<String>(r, &format!("{base}_en"))?,
    ))
}

pub(crate) fn target(r: &sea_orm::QueryResult) -> Result<Option<Target>> {
    let value: Option<f64> = get(r, "target_value")?;
    Ok(match value {
        None => None,
        Some(value) => Some(Target {
            value,
            unit: get(r, "target_unit")?,
            by: get::<Option<NaiveDate>>(r, "target_by")?,
            indicator: opt_code_col(r, "target_indicator")?,
        }),
    })
}

pub(crate) fn weight(v: f64) -> Result<Weight> {
    Weight::new(v).map_err(|e| StoreError::Invalid(e.to_string()))
}

pub(crate) fn point(date: NaiveDate, percent: f64) -> Result<TrajectoryPoint> {
    Ok(TrajectoryPoint {
        date,
        percent: Percent::new(percent).map_err(|e| StoreError::Invalid(e.to_string()))?,
    })
}

/// The people of a plan (leaders named on its items), in file order.
pub(crate) async fn people_of<C: ConnectionTrait>(c: &C, pid: i64) -> Result<Vec<Person>> {
    all(
        c,
        "SELECT p.code, p.name_zh, p.name_en, p.post_zh, p.post_en, u.code AS unit, p.assumed \
         FROM plan_people pp JOIN people p ON p.id = pp.person_id LEFT JOIN units u ON u.id = p.unit_id \
         WHERE pp.plan_id = $1 ORDER BY pp.position",
        vec![pid.into()],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Person {
            code: code_col(r, "code")?,
            name: Text::new(get::<String>(r, "name_zh")?, get::<String>(r, "name_en")?),
            post: Text::new(get::<String>(r, "post_zh")?, get::<String>(r, "post_en")?),
            unit: opt_code_col(r, "unit")?,
            assumed: get(r, "assumed")?,
        })
    })
    .collect()
}
