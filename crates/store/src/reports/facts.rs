//! The facts the report rules judge by (`core::report::ReportFacts`), read inside the write
//! transaction so that what is judged is what is written.

use sea_orm::ConnectionTrait;
use tuijin_core::report::{Figure, Period, Relation, ReportFacts};
use tuijin_core::{Code, Percent};

use crate::db::{all, one};
use crate::error::{Result, StoreError};
use crate::rows::{code, code_opt, get, named, percent_opt};

/// Which report is judged, by whom and when.
pub(super) struct Subject<'a> {
    pub item_id: i64,
    pub unit_id: i64,
    pub period: Period,
    /// The report itself, when it exists already (an edit or a submission).
    pub report: Option<i64>,
    pub figures: &'a [Figure],
    pub today: chrono::NaiveDate,
}

/// Reads the facts about a report's item, unit and period.
pub(super) async fn load<C: ConnectionTrait>(c: &C, s: &Subject<'_>) -> Result<ReportFacts> {
    let item = one(
        c,
        "SELECT i.code, i.kind, i.archived, i.cancelled, i.plan_id, pl.cadence, pl.start_date AS plan_start, lu.code AS lead, u.code AS unit, \
           (SELECT COUNT(*) FROM items k WHERE k.parent_id = i.id AND NOT k.archived AND NOT k.cancelled) AS live_children, i.progress_from, \
           (SELECT COUNT(*) FROM item_co_units x WHERE x.item_id = i.id AND x.unit_id = u.id) AS co \
         FROM items i JOIN plans pl ON pl.id = i.plan_id LEFT JOIN units lu ON lu.id = i.lead_unit_id \
         JOIN units u ON u.id = $2 WHERE i.id = $1",
        vec![s.item_id.into(), s.unit_id.into()],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("item #{}", s.item_id)))?;
    let plan_id: i64 = get(&item, "plan_id")?;
    let unit: Code = code(&item, "unit")?;
    let relation = if code_opt(&item, "lead")?.as_ref() == Some(&unit) {
        Relation::Lead
    } else if get::<i64>(&item, "co")? > 0 {
        Relation::Co
    } else {
        Relation::None
    };
    let period = s.period.to_string();
    let closed = one(
        c,
        "SELECT 1 AS x FROM closed_periods WHERE plan_id = $1 AND period = $2",
        vec![plan_id.into(), period.clone().into()],
    )
    .await?
    .is_some();
    let open = one(
        c,
        "SELECT MIN(id) AS id FROM reports WHERE item_id = $1 AND period = $2 AND unit_id = $3 \
         AND state IN ('draft', 'submitted', 'returned') AND id <> $4",
        vec![
            s.item_id.into(),
            period.into(),
            s.unit_id.into(),
            s.report.unwrap_or(0).into(),
        ],
    )
    .await?
    .map(|r| get::<Option<i64>>(&r, "id"))
    .transpose()?
    .flatten();
    let last: Option<Percent> = match one(
        c,
        "SELECT percent FROM reports WHERE item_id = $1 AND unit_id = $2 AND state = 'accepted' \
         AND percent IS NOT NULL ORDER BY period_end DESC, reviewed_at DESC, id DESC LIMIT 1",
        vec![s.item_id.into(), s.unit_id.into()],
    )
    .await?
    {
        Some(r) => percent_opt(&r, "percent")?,
        None => None,
    };
    let mut indicators = Vec::new();
    let mut per_period = Vec::new();
    if !s.figures.is_empty() {
        for r in &all(
            c,
            "SELECT x.code, u.code AS owner, x.basis, x.frequency FROM indicators x \
             LEFT JOIN units u ON u.id = x.owner_unit_id WHERE x.plan_id = $1 AND NOT x.archived",
            vec![plan_id.into()],
        )
        .await?
        {
            indicators.push((code(r, "code")?, code_opt(r, "owner")?));
            if get::<String>(r, "basis")? == "per_period" {
                per_period.push((code(r, "code")?, named(r, "frequency")?));
            }
        }
    }
    Ok(ReportFacts {
        item: code(&item, "code")?,
        item_kind: named(&item, "kind")?,
        item_archived: get(&item, "archived")?,
        item_cancelled: get(&item, "cancelled")?,
        item_has_children: get::<i64>(&item, "live_children")? > 0,
        item_measured: get::<String>(&item, "progress_from")? == "indicator",
        unit,
        relation,
        cadence: named(&item, "cadence")?,
        today: s.today,
        plan_start: get(&item, "plan_start")?,
        period: s.period,
        period_closed: closed,
        open_report: open,
        last_accepted: last,
        indicators,
        per_period,
    })
}
