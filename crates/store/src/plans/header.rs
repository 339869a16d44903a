//! The plan's own row: inserted or updated by code, with its stages and level labels.

use chrono::{DateTime, Utc};
use sea_orm::Value;
use tuijin_core::Plan;
use tuijin_core::event::EventKind;

use super::ImportSummary;
use super::read::{PLAN_SELECT, plan_record};
use crate::db::{WriteTxn, exec, one};
use crate::error::{Result, StoreError};
use crate::events::NewEvent;
use crate::rows::get;

pub(super) async fn upsert_plan(
    txn: &WriteTxn,
    plan: &Plan,
    now: DateTime<Utc>,
    summary: &mut ImportSummary,
    events: &mut Vec<NewEvent>,
) -> Result<i64> {
    let values = |p: &Plan| -> Vec<Value> {
        vec![
            p.title.zh().to_string().into(),
            p.title.en().to_string().into(),
            p.description.zh().to_string().into(),
            p.description.en().to_string().into(),
            p.source.title.zh().to_string().into(),
            p.source.title.en().to_string().into(),
            p.source.date.into(),
            p.source.occasion.zh().to_string().into(),
            p.source.occasion.en().to_string().into(),
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
            serde_json::to_string(&p.notices).ok().into(),
            p.status_against.as_str().into(),
            p.thresholds.forecast_miss.into(),
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
            .ok_or_else(|| StoreError::NotFound(format!("plan #{id}")))?;
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
                     at_risk=$14, off_track=$15, rollup_rule=$16, report_due_day=$17, report_grace_days=$18, stale_days=$19, notice_settings=$20, status_against=$21, forecast_miss=$22, updated_at=$23, version = version + 1 WHERE id=$24",
                    v,
                )
                .await?;
                summary.plan_updated = true;
                events.push(
                    NewEvent::new(EventKind::PlanUpdated, plan.code.as_str())
                        .in_plan(id)
                        .before(&old)?
                        .after(&new)?,
                );
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
                 report_grace_days, stale_days, notice_settings, status_against, forecast_miss, version, created_at, updated_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,1,$24,$24)",
                v,
            )
            .await?;
            let r = one(
                txn,
                "SELECT id FROM plans WHERE code = $1",
                vec![plan.code.as_str().into()],
            )
            .await?
            .ok_or_else(|| StoreError::Internal("the new plan row is missing".into()))?;
            summary.plan_created = true;
            events.push(NewEvent::new(EventKind::PlanCreated, plan.code.as_str()).after(plan)?);
            Ok(get(&r, "id")?)
        }
    }
}

pub(super) async fn replace_stages_and_levels(
    txn: &WriteTxn,
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
                s.title.zh().to_string().into(),
                s.title.en().to_string().into(),
                s.description.zh().to_string().into(),
                s.description.en().to_string().into(),
                s.end.into(),
            ],
        )
        .await?;
    }
    for (i, l) in plan.levels.iter().enumerate() {
        exec(
            txn,
            "INSERT INTO levels (plan_id, position, kind, label_zh, label_en) VALUES ($1,$2,$3,$4,$5)",
            vec![plan_id.into(), (i as i32).into(), l.kind.as_str().into(), l.label.zh().to_string().into(), l.label.en().to_string().into()],
        )
        .await?;
    }
    Ok(())
}
