//! Reading plans back: the plan header with its stages and levels, and the units, people and
//! indicators a plan lists, in file order.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use tuijin_core::{
    Indicator, IndicatorTarget, LevelLabel, Person, Plan, PlanSource, Reporting, Stage, Thresholds,
    Unit,
};

use super::PlanRecord;
use crate::db::all;
use crate::error::{Result, StoreError};
use crate::rows::{code, code_opt, get, named, text};

// Columns listed, never `p.*`: a prepared statement must not change shape when a migration
// adds a column.
pub(super) const PLAN_SELECT: &str = "SELECT p.id, p.code, p.title_zh, p.title_en, p.description_zh, p.description_en, \
    p.source_title_zh, p.source_title_en, p.source_date, p.source_occasion_zh, p.source_occasion_en, p.timezone, \
    p.cadence, p.start_date, p.end_date, p.at_risk, p.off_track, p.rollup_rule, p.report_due_day, \
    p.report_grace_days, p.stale_days, p.notice_settings, p.status_against, p.forecast_miss, p.version, p.updated_at, (SELECT COUNT(*) FROM items i WHERE i.plan_id = p.id AND NOT i.archived) AS item_count FROM plans p";

pub(super) async fn plan_record<C: ConnectionTrait>(
    c: &C,
    r: &sea_orm::QueryResult,
) -> Result<PlanRecord> {
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
            code: code(s, "code")?,
            title: text(s, "title")?,
            description: text(s, "description")?,
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
            kind: named(l, "kind")?,
            label: text(l, "label")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let plan = Plan {
        code: code(r, "code")?,
        title: text(r, "title")?,
        description: text(r, "description")?,
        source: PlanSource {
            title: text(r, "source_title")?,
            date: get(r, "source_date")?,
            occasion: text(r, "source_occasion")?,
        },
        timezone: get(r, "timezone")?,
        cadence: named(r, "cadence")?,
        start: get(r, "start_date")?,
        end: get(r, "end_date")?,
        thresholds: Thresholds {
            at_risk: get(r, "at_risk")?,
            off_track: get(r, "off_track")?,
            forecast_miss: get(r, "forecast_miss")?,
        },
        rollup: named(r, "rollup_rule")?,
        status_against: named(r, "status_against")?,
        reporting: Reporting {
            due_day: day_count(r, "report_due_day", 1)?,
            grace_days: day_count(r, "report_grace_days", 0)?,
            stale_days: day_count(r, "stale_days", 1)?,
        },
        stages,
        levels,
        notices: match get::<Option<String>>(r, "notice_settings")? {
            Some(t) => serde_json::from_str(&t)
                .map_err(|e| StoreError::Corrupt(format!("plans.notice_settings: {e}")))?,
            None => Default::default(),
        },
    };
    Ok(PlanRecord {
        id,
        plan,
        item_count: get(r, "item_count")?,
        version: get(r, "version")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// A count of days stored as an integer, at least `min`.
fn day_count(r: &sea_orm::QueryResult, col: &str, min: i32) -> Result<u32> {
    let v: i32 = get(r, col)?;
    if v < min {
        return Err(StoreError::Corrupt(format!("plans.{col} = {v}")));
    }
    Ok(v as u32)
}

/// The units a plan lists, in file order.
pub(super) async fn units_of<C: ConnectionTrait>(c: &C, pid: i64) -> Result<Vec<Unit>> {
    all(
        c,
        "SELECT u.code, u.name_zh, u.name_en, u.kind, p.code AS parent, u.assumed \
         FROM plan_units pu JOIN units u ON u.id = pu.unit_id LEFT JOIN units p ON p.id = u.parent_id \
         WHERE pu.plan_id = $1 ORDER BY pu.position",
        vec![pid.into()],
    )
    .await?
    .iter()
    .map(unit_of_row)
    .collect()
}

/// A unit from a row of `code, name_zh, name_en, kind, parent, assumed`.
pub(crate) fn unit_of_row(r: &sea_orm::QueryResult) -> Result<Unit> {
    Ok(Unit {
        code: code(r, "code")?,
        name: text(r, "name")?,
        kind: named(r, "kind")?,
        parent: code_opt(r, "parent")?,
        assumed: get(r, "assumed")?,
    })
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
pub(super) async fn load_indicators_with_ids<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    with_archived: bool,
) -> Result<Vec<(i64, bool, Indicator)>> {
    let rows = all(
        c,
        "SELECT x.id, x.archived, x.code, x.name_zh, x.name_en, x.unit, x.direction, x.frequency, x.baseline, x.baseline_year, u.code AS owner, x.scope, x.public, x.basis, x.publication_lag, x.path_kind, x.path_points, x.source \
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
                code: code(r, "code")?,
                name: text(r, "name")?,
                unit: get(r, "unit")?,
                direction: named(r, "direction")?,
                frequency: named(r, "frequency")?,
                baseline: get(r, "baseline")?,
                baseline_year: get(r, "baseline_year")?,
                targets: by_id.remove(&id).unwrap_or_default(),
                owner: code_opt(r, "owner")?,
                scope: get(r, "scope")?,
                public: get(r, "public")?,
                basis: named(r, "basis")?,
                publication_lag: get::<Option<i32>>(r, "publication_lag")?
                    .map(|d| {
                        u32::try_from(d)
                            .map_err(|_| StoreError::Corrupt("indicators.publication_lag".into()))
                    })
                    .transpose()?,
                path: named(r, "path_kind")?,
                points: match get::<Option<String>>(r, "path_points")? {
                    Some(t) => serde_json::from_str(&t)
                        .map_err(|e| StoreError::Corrupt(format!("indicators.path_points: {e}")))?,
                    None => Vec::new(),
                },
                source: get(r, "source")?,
            },
        ));
    }
    Ok(out)
}

/// The people of a plan (leaders named on its items), in file order.
pub(crate) async fn people_of<C: ConnectionTrait>(c: &C, pid: i64) -> Result<Vec<Person>> {
    all(
        c,
        "SELECT p.code, p.name_zh, p.name_en, p.post_zh, p.post_en, u.code AS unit, p.phone, p.assumed \
         FROM plan_people pp JOIN people p ON p.id = pp.person_id LEFT JOIN units u ON u.id = p.unit_id \
         WHERE pp.plan_id = $1 ORDER BY pp.position",
        vec![pid.into()],
    )
    .await?
    .iter()
    .map(person_of_row)
    .collect()
}

/// A person from a row of `code, name_zh, name_en, post_zh, post_en, unit, phone, assumed`.
pub(crate) fn person_of_row(r: &sea_orm::QueryResult) -> Result<Person> {
    Ok(Person {
        code: code(r, "code")?,
        name: text(r, "name")?,
        post: text(r, "post")?,
        unit: code_opt(r, "unit")?,
        phone: get(r, "phone")?,
        assumed: get(r, "assumed")?,
    })
}
