//! A plan's indicators and their yearly targets, matched by code; those a file drops are
//! archived.

use std::collections::HashMap;

use sea_orm::Value;
use tuijin_core::event::EventKind;
use tuijin_core::{IndicatorTarget, PlanDocument};

use super::SectionCounts;
use super::items::lookup;
use super::read::load_indicators_with_ids;
use crate::db::{WriteTxn, exec, one};
use crate::error::{Result, StoreError};
use crate::events::NewEvent;
use crate::rows::{get, insert_rows};

pub(super) async fn import_indicators(
    txn: &WriteTxn,
    plan_id: i64,
    doc: &PlanDocument,
    units: &HashMap<String, i64>,
    counts: &mut SectionCounts,
    events: &mut Vec<NewEvent>,
) -> Result<HashMap<String, i64>> {
    let old: HashMap<String, (i64, bool, tuijin_core::Indicator)> =
        load_indicators_with_ids(txn, plan_id, true)
            .await?
            .into_iter()
            .map(|(id, a, i)| (i.code.to_string(), (id, a, i)))
            .collect();
    let mut ids = HashMap::new();
    for (pos, ind) in doc.indicators.iter().enumerate() {
        let v: Vec<Value> = vec![
            (pos as i32).into(),
            ind.name.zh().to_string().into(),
            ind.name.en().to_string().into(),
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
            ind.basis.as_str().into(),
            ind.publication_lag.map(|d| d as i32).into(),
            ind.path.as_str().into(),
            (!ind.points.is_empty())
                .then(|| serde_json::to_string(&ind.points))
                .transpose()
                .map_err(|e| StoreError::Internal(format!("path points: {e}")))?
                .into(),
            ind.source.clone().into(),
        ];
        let id = match old.get(ind.code.as_str()) {
            None => {
                let mut vals = v;
                vals.push(plan_id.into());
                vals.push(ind.code.as_str().into());
                exec(txn, "INSERT INTO indicators (position, name_zh, name_en, unit, direction, frequency, baseline, baseline_year, owner_unit_id, scope, public, basis, publication_lag, path_kind, path_points, source, plan_id, code) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)", vals).await?;
                let r = one(
                    txn,
                    "SELECT id FROM indicators WHERE plan_id = $1 AND code = $2",
                    vec![plan_id.into(), ind.code.as_str().into()],
                )
                .await?
                .ok_or_else(|| StoreError::Internal("the new indicator row is missing".into()))?;
                counts.added += 1;
                events.push(
                    NewEvent::new(EventKind::IndicatorAdded, ind.code.as_str())
                        .in_plan(plan_id)
                        .after(ind)?,
                );
                let id: i64 = get(&r, "id")?;
                write_targets(txn, id, &ind.targets).await?;
                id
            }
            Some((id, archived, o)) => {
                // Position changes alone are not reported as updates of the indicator.
                let mut vals = v;
                vals.push((*id).into());
                exec(txn, "UPDATE indicators SET position=$1, name_zh=$2, name_en=$3, unit=$4, direction=$5, frequency=$6, baseline=$7, baseline_year=$8, owner_unit_id=$9, scope=$10, public=$11, basis=$12, publication_lag=$13, path_kind=$14, path_points=$15, source=$16, archived=FALSE WHERE id=$17", vals).await?;
                if o != ind || *archived {
                    write_targets(txn, *id, &ind.targets).await?;
                    counts.updated += 1;
                    events.push(
                        NewEvent::new(EventKind::IndicatorUpdated, ind.code.as_str())
                            .in_plan(plan_id)
                            .before(o)?
                            .after(ind)?,
                    );
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
            events.push(
                NewEvent::new(EventKind::IndicatorArchived, code.clone())
                    .in_plan(plan_id)
                    .before(o)?,
            );
        }
    }
    Ok(ids)
}

async fn write_targets(txn: &WriteTxn, id: i64, targets: &[IndicatorTarget]) -> Result<()> {
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
