//! Units and indicators as the API lists them.

use serde::Serialize;
use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::problem::{Problem, Rule};
use tuijin_core::report::FigureValue;
use tuijin_core::{Indicator, Unit};

use crate::db::{Store, all, one};
use crate::error::{Result, StoreError};
use crate::events::{Count, NewEvent, append};
use crate::plans::read::unit_of_row;
use crate::rows::{code, get, insert_rows};

/// An outcome of an indicator: a figure as of the end of a period, with where it comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Actual {
    pub indicator: tuijin_core::Code,
    /// As published: a year (`2019`), a month (`2019-09`) or a day.
    pub period: String,
    /// The date the figure stands for.
    pub period_end: chrono::NaiveDate,
    pub value: FigureValue,
    /// A published source, or `report #N` for a figure from an accepted report.
    pub source: String,
    /// The accepted report it came from, if any.
    pub report: Option<i64>,
    /// Who entered it, when, and on what terms.
    #[serde(flatten)]
    pub entry: Entry,
}

/// What the record of a figure says beyond the figure: the day it became known (from which
/// it counts), who entered it and when, why it revises an earlier figure for its period, and
/// the unit, scope and basis it was entered in (always the indicator's: others are refused).
/// On loading figures only `reason`, `unit`, `scope` and `basis` are read; the rest is the
/// write's own stamp.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Entry {
    /// The record's id (to review it by); `None` before it is written.
    pub id: Option<i64>,
    /// Waiting for the office's review, counted, or returned.
    pub state: tuijin_core::indicator::FigureState,
    pub review_comment: Option<String>,
    pub reviewed_by: Option<String>,
    pub known_on: Option<chrono::NaiveDate>,
    pub entered_by: Option<String>,
    pub entered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub reason: Option<String>,
    pub unit: Option<String>,
    pub scope: Option<String>,
    pub basis: Option<String>,
}

/// A unit with the number of items it leads.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitRecord {
    #[serde(flatten)]
    pub unit: Unit,
    pub lead_count: i64,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait DirectoryStore {
    async fn list_units(&self) -> Result<Vec<UnitRecord>>;
    async fn list_indicators(&self, plan: &str) -> Result<Vec<Indicator>>;
    /// Loads published outcomes as indicator actuals, in one transaction: every indicator must
    /// be one of the plan's, every value finite; all or nothing.
    async fn record_actuals(&self, plan: &str, actuals: &[Actual], stamp: &Stamp) -> Result<usize>;
    /// Files one figure of an indicator: by its owner unit (`unit`), or by the office on the
    /// owner's behalf (`None`), for a period of the indicator's frequency that has ended
    /// (`indicator::check_filed`). The warnings of the plan are re-evaluated with it (a figure
    /// can put an item off its path or bring it back), in the same transaction.
    async fn file_figure(
        &self,
        plan: &str,
        indicator: &str,
        unit: Option<&str>,
        figure: &tuijin_core::indicator::FiledFigure,
        stamp: &Stamp,
    ) -> Result<Actual>;
    /// An indicator's figures, every revision included: oldest period first, a period's
    /// revisions in the order they were entered.
    async fn indicator_actuals(&self, plan: &str, indicator: &str) -> Result<Vec<Actual>>;
    /// The people named on a plan's items (responsible leaders, leaders in charge).
    async fn list_people(&self, plan: &str) -> Result<Vec<tuijin_core::Person>>;
    /// Every live indicator of a plan with its figures, the last filed for each period (a
    /// corrected figure replaces the one it corrects): what goals are judged by.
    async fn measures(&self, plan: &str) -> Result<tuijin_core::Measures>;
}

/// Writes indicator actuals, each for the indicator of the given id, stamped with who enters
/// them and when (the day of the stamp is the day each becomes known).
///
/// A new figure can change how a goal stands (`Measures`), so the plan's version moves and
/// every server's in-memory copy reloads.
pub(crate) async fn insert_actuals<C: sea_orm::ConnectionTrait>(
    c: &C,
    plan_id: i64,
    actuals: &[(i64, &Actual)],
    stamp: &Stamp,
) -> Result<()> {
    if actuals.is_empty() {
        return Ok(());
    }
    let rows = actuals
        .iter()
        .map(|(id, a)| {
            vec![
                (*id).into(),
                a.report.into(),
                a.period.clone().into(),
                a.period_end.into(),
                a.value.value().into(),
                stamp.today.into(),
                a.source.clone().into(),
                stamp.actor.clone().into(),
                stamp.at.to_rfc3339().into(),
                a.entry.reason.clone().into(),
                a.entry.unit.clone().into(),
                a.entry.scope.clone().into(),
                a.entry.basis.clone().into(),
                a.entry.state.as_str().into(),
            ]
        })
        .collect();
    insert_rows(
        c,
        "indicator_actuals",
        &[
            "indicator_id",
            "report_id",
            "period",
            "period_end",
            "value",
            "accepted_on",
            "source",
            "entered_by",
            "entered_at",
            "reason",
            "unit",
            "scope",
            "basis",
            "state",
        ],
        rows,
    )
    .await?;
    crate::db::exec(
        c,
        "UPDATE plans SET version = version + 1 WHERE id = $1",
        vec![plan_id.into()],
    )
    .await?;
    Ok(())
}

pub(crate) fn actual_of_row(r: &sea_orm::QueryResult) -> Result<Actual> {
    let at: Option<String> = get(r, "entered_at")?;
    Ok(Actual {
        indicator: code(r, "code")?,
        period: get(r, "period")?,
        period_end: get(r, "period_end")?,
        value: FigureValue::new(get(r, "value")?)
            .map_err(|_| StoreError::Corrupt("indicator_actuals.value".into()))?,
        source: get(r, "source")?,
        report: get(r, "report_id")?,
        entry: Entry {
            id: Some(get(r, "id")?),
            state: crate::rows::named(r, "state")?,
            review_comment: get(r, "review_comment")?,
            reviewed_by: get(r, "reviewed_by")?,
            known_on: Some(get(r, "accepted_on")?),
            entered_by: get(r, "entered_by")?,
            entered_at: at
                .map(|t| {
                    chrono::DateTime::parse_from_rfc3339(&t)
                        .map(|t| t.with_timezone(&chrono::Utc))
                        .map_err(|_| StoreError::Corrupt("indicator_actuals.entered_at".into()))
                })
                .transpose()?,
            reason: get(r, "reason")?,
            unit: get(r, "unit")?,
            scope: get(r, "scope")?,
            basis: get(r, "basis")?,
        },
    })
}

impl DirectoryStore for Store {
    async fn record_actuals(&self, plan: &str, actuals: &[Actual], stamp: &Stamp) -> Result<usize> {
        let txn = self.write().await?;
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        let mut rows = Vec::with_capacity(actuals.len());
        let mut problems = Vec::new();
        for (n, a) in actuals.iter().enumerate() {
            let ind = one(
                &txn,
                "SELECT id FROM indicators WHERE plan_id = $1 AND code = $2 AND NOT archived",
                vec![pid.into(), a.indicator.as_str().into()],
            )
            .await?;
            let Some(ind) = ind else {
                problems.push(
                    Problem::new(
                        format!("actuals[{n}].indicator"),
                        Rule::FigureUnknownIndicator,
                    )
                    .with("indicator", &a.indicator),
                );
                continue;
            };
            rows.push((get::<i64>(&ind, "id")?, a));
        }
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let n = rows.len();
        insert_actuals(&txn, pid, &rows, stamp).await?;
        let ids: Vec<i64> = rows.iter().map(|(i, _)| *i).collect();
        crate::progress::touch_measured_and_record(&txn, self.backend(), pid, &ids, stamp).await?;
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![NewEvent::on_plan(
                EventKind::IndicatorActualsLoaded,
                plan,
                pid,
                &Count { count: n },
            )?],
        )
        .await?;
        txn.commit().await?;
        Ok(n)
    }

    async fn file_figure(
        &self,
        plan: &str,
        indicator: &str,
        unit: Option<&str>,
        figure: &tuijin_core::indicator::FiledFigure,
        stamp: &Stamp,
    ) -> Result<Actual> {
        let txn = self.write().await?;
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        let ind = crate::plans::indicators_of(&txn, pid)
            .await?
            .into_iter()
            .find(|i| i.code.as_str() == indicator)
            .ok_or_else(|| {
                StoreError::NotFound(format!("indicator `{indicator}` in plan `{plan}`"))
            })?;
        let unit = unit
            .map(|u| {
                tuijin_core::Code::parse(u).map_err(|_| StoreError::NotFound(format!("unit `{u}`")))
            })
            .transpose()?;
        let period_end =
            tuijin_core::indicator::check_filed(&ind, unit.as_ref(), figure, stamp.today)?;
        // A period the office has closed takes no more figures, as it takes no more reports.
        if one(
            &txn,
            "SELECT 1 AS x FROM closed_periods WHERE plan_id = $1 AND period = $2",
            vec![pid.into(), figure.period.trim().into()],
        )
        .await?
        .is_some()
        {
            return Err(StoreError::Conflict(
                Problem::new("period", Rule::PeriodClosed).with("period", figure.period.trim()),
            ));
        }
        let id = one(
            &txn,
            "SELECT id FROM indicators WHERE plan_id = $1 AND code = $2 AND NOT archived",
            vec![pid.into(), indicator.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("indicator `{indicator}`")))?;
        let id: i64 = get(&id, "id")?;
        let period = figure.period.trim().to_string();
        // One figure of a period waits for review at a time.
        if one(
            &txn,
            "SELECT 1 AS x FROM indicator_actuals WHERE indicator_id = $1 AND period = $2 AND state = 'submitted'",
            vec![id.into(), period.clone().into()],
        )
        .await?
        .is_some()
        {
            return Err(StoreError::Conflict(
                Problem::new("period", Rule::FigurePending).with("period", &period),
            ));
        }
        // A revision keeps the figure it revises and says why.
        let previous = one(
            &txn,
            "SELECT value FROM indicator_actuals WHERE indicator_id = $1 AND period = $2 AND state = 'accepted' ORDER BY id DESC LIMIT 1",
            vec![id.into(), period.clone().into()],
        )
        .await?;
        let reason = figure
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        if let Some(prev) = &previous
            && reason.is_none()
        {
            return Err(StoreError::Invalid(vec![
                Problem::new("reason", Rule::RevisionNeedsReason)
                    .with("period", &period)
                    .with("previous", get::<f64>(prev, "value")?),
            ]));
        }
        let actual = Actual {
            indicator: ind.code.clone(),
            period,
            period_end,
            value: FigureValue::new(figure.value)
                .map_err(|_| StoreError::Internal("checked figure not finite".into()))?,
            source: figure.source.trim().to_string(),
            report: None,
            entry: Entry {
                // A unit's figure waits for the office; the office's own counts at once.
                state: if unit.is_some() {
                    tuijin_core::indicator::FigureState::Submitted
                } else {
                    tuijin_core::indicator::FigureState::Accepted
                },
                known_on: Some(stamp.today),
                entered_by: Some(stamp.actor.clone()),
                entered_at: Some(stamp.at),
                reason,
                unit: Some(ind.unit.clone()),
                scope: Some(ind.scope.clone()),
                basis: Some(ind.basis.as_str().to_string()),
                ..Default::default()
            },
        };
        let mut actual = actual;
        insert_actuals(&txn, pid, &[(id, &actual)], stamp).await?;
        actual.entry.id = one(
            &txn,
            "SELECT MAX(id) AS id FROM indicator_actuals WHERE indicator_id = $1 AND period = $2",
            vec![id.into(), actual.period.clone().into()],
        )
        .await?
        .map(|r| get::<i64>(&r, "id"))
        .transpose()?;
        if actual.entry.state == tuijin_core::indicator::FigureState::Accepted {
            crate::progress::touch_measured_and_record(&txn, self.backend(), pid, &[id], stamp)
                .await?;
        }
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![
                NewEvent::new(EventKind::IndicatorFigureFiled, indicator)
                    .in_plan(pid)
                    .after(&actual)?,
            ],
        )
        .await?;
        crate::warnings::refresh(&txn, pid, None, stamp).await?;
        txn.commit().await?;
        Ok(actual)
    }

    async fn indicator_actuals(&self, plan: &str, indicator: &str) -> Result<Vec<Actual>> {
        let pid = self.plan_id(plan).await?;
        all(
            &self.db(),
            "SELECT a.id, a.period, a.period_end, a.value, a.source, a.report_id, i.code, a.accepted_on, \
             a.entered_by, a.entered_at, a.reason, a.unit, a.scope, a.basis, a.state, a.review_comment, \
             a.reviewed_by FROM indicator_actuals a \
             JOIN indicators i ON i.id = a.indicator_id WHERE i.plan_id = $1 AND i.code = $2 \
             ORDER BY a.period_end, a.id",
            vec![pid.into(), indicator.into()],
        )
        .await?
        .iter()
        .map(actual_of_row)
        .collect()
    }

    async fn measures(&self, plan: &str) -> Result<tuijin_core::Measures> {
        let pid = self.plan_id(plan).await?;
        let c = &self.db();
        let mut m = tuijin_core::Measures::default();
        for i in crate::plans::indicators_of(c, pid).await? {
            m.indicators.insert(i.code.to_string(), (i, Vec::new()));
        }
        // Every record, revisions included, in the order entered: which one counts depends
        // on the day asked about (`indicator::known_on`).
        for r in &all(
            c,
            "SELECT i.code, a.period, a.period_end, a.value, a.accepted_on FROM indicator_actuals a \
             JOIN indicators i ON i.id = a.indicator_id WHERE i.plan_id = $1 AND NOT i.archived \
             AND a.state = 'accepted' ORDER BY a.id",
            vec![pid.into()],
        )
        .await?
        {
            let code: String = get(r, "code")?;
            if let Some((_, figures)) = m.indicators.get_mut(&code) {
                figures.push(tuijin_core::Figure {
                    period: get(r, "period")?,
                    on: get(r, "period_end")?,
                    value: get(r, "value")?,
                    known: get(r, "accepted_on")?,
                });
            }
        }
        Ok(m)
    }

    async fn list_people(&self, plan: &str) -> Result<Vec<tuijin_core::Person>> {
        let pid = self.plan_id(plan).await?;
        crate::plans::people_of(&self.db(), pid).await
    }

    async fn list_units(&self) -> Result<Vec<UnitRecord>> {
        let rows = all(
            &self.db(),
            "SELECT u.code, u.name_zh, u.name_en, u.kind, p.code AS parent, u.assumed, COALESCE(n.lead_count, 0) AS lead_count \
             FROM units u LEFT JOIN units p ON p.id = u.parent_id \
             LEFT JOIN (SELECT lead_unit_id, COUNT(*) AS lead_count FROM items WHERE NOT archived GROUP BY lead_unit_id) n \
               ON n.lead_unit_id = u.id ORDER BY u.id",
            vec![],
        )
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnitRecord {
                    unit: unit_of_row(r)?,
                    lead_count: get(r, "lead_count")?,
                })
            })
            .collect()
    }

    async fn list_indicators(&self, plan: &str) -> Result<Vec<Indicator>> {
        use crate::plans::PlanStore;
        let rec = self.get_plan(plan).await?;
        crate::plans::indicators_of(&self.db(), rec.id).await
    }
}
