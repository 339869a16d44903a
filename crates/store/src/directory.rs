//! Units and indicators as the API lists them.

use serde::Serialize;
use tuijin_core::{Indicator, Unit, UnitKind};

use crate::db::{Store, all, get};
use crate::error::Result;
use crate::plans::{code_col, opt_code_col, text};

/// An outcome of an indicator: a figure as of the end of a period, with where it comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Actual {
    pub indicator: tuijin_core::Code,
    /// As published: a year (`2019`), a month (`2019-09`) or a day.
    pub period: String,
    /// The date the figure stands for.
    pub period_end: chrono::NaiveDate,
    pub value: f64,
    /// A published source, or `report #N` for a figure from an accepted report.
    pub source: String,
    /// The accepted report it came from, if any.
    pub report: Option<i64>,
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
    async fn record_actuals(
        &self,
        plan: &str,
        actuals: &[Actual],
        actor: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize>;
    /// An indicator's actuals, oldest first.
    async fn indicator_actuals(&self, plan: &str, indicator: &str) -> Result<Vec<Actual>>;
    /// The people named on a plan's items (responsible leaders, leaders in charge).
    async fn list_people(&self, plan: &str) -> Result<Vec<tuijin_core::Person>>;
}

/// Writes indicator actuals; each row holds indicator id, report id (or null), period, period
/// end, value, accepted on, source — in that order.
pub(crate) async fn insert_actuals<C: sea_orm::ConnectionTrait>(
    c: &C,
    rows: Vec<Vec<sea_orm::Value>>,
) -> Result<()> {
    crate::plans::insert_rows(
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
        ],
        rows,
    )
    .await?;
    Ok(())
}

impl DirectoryStore for Store {
    async fn record_actuals(
        &self,
        plan: &str,
        actuals: &[Actual],
        actor: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize> {
        use sea_orm::TransactionTrait;
        let pid = self.plan_id(plan).await?;
        let txn = self.db.begin().await?;
        let mut rows = Vec::with_capacity(actuals.len());
        for (n, a) in actuals.iter().enumerate() {
            if !a.value.is_finite() {
                return Err(crate::StoreError::Invalid(format!(
                    "actuals[{n}].value: not a number"
                )));
            }
            let ind = crate::db::one(
                &txn,
                "SELECT id FROM indicators WHERE plan_id = $1 AND code = $2 AND NOT archived",
                vec![pid.into(), a.indicator.as_str().into()],
            )
            .await?
            .ok_or_else(|| {
                crate::StoreError::Invalid(format!(
                    "actuals[{n}].indicator: `{}` is not an indicator of plan `{plan}`",
                    a.indicator
                ))
            })?;
            rows.push(vec![
                get::<i64>(&ind, "id")?.into(),
                a.report.into(),
                a.period.clone().into(),
                a.period_end.into(),
                a.value.into(),
                at.date_naive().into(),
                a.source.clone().into(),
            ]);
        }
        let n = rows.len();
        insert_actuals(&txn, rows).await?;
        crate::events::append(
            &txn,
            at,
            actor,
            vec![crate::events::NewEvent::on_plan(
                "indicator.actuals_loaded",
                plan,
                pid,
                format!("{{\"count\":{n}}}"),
            )],
        )
        .await?;
        txn.commit().await?;
        Ok(n)
    }

    async fn indicator_actuals(&self, plan: &str, indicator: &str) -> Result<Vec<Actual>> {
        let pid = self.plan_id(plan).await?;
        all(
            &self.db,
            "SELECT a.period, a.period_end, a.value, a.source, a.report_id, i.code FROM indicator_actuals a \
             JOIN indicators i ON i.id = a.indicator_id WHERE i.plan_id = $1 AND i.code = $2 \
             ORDER BY a.period_end, a.id",
            vec![pid.into(), indicator.into()],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Actual {
                indicator: code_col(r, "code")?,
                period: get(r, "period")?,
                period_end: get(r, "period_end")?,
                value: get(r, "value")?,
                source: get(r, "source")?,
                report: get(r, "report_id")?,
            })
        })
        .collect()
    }

    async fn list_people(&self, plan: &str) -> Result<Vec<tuijin_core::Person>> {
        let pid = self.plan_id(plan).await?;
        crate::plans::people_of(&self.db, pid).await
    }

    async fn list_units(&self) -> Result<Vec<UnitRecord>> {
        let rows = all(
            &self.db,
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
                    unit: Unit {
                        code: code_col(r, "code")?,
                        name: text(r, "name")?,
                        kind: UnitKind::parse(&get::<String>(r, "kind")?)
                            .unwrap_or(UnitKind::Other),
                        parent: opt_code_col(r, "parent")?,
                        assumed: get(r, "assumed")?,
                    },
                    lead_count: get(r, "lead_count")?,
                })
            })
            .collect()
    }

    async fn list_indicators(&self, plan: &str) -> Result<Vec<Indicator>> {
        use crate::plans::PlanStore;
        let rec = self.get_plan(plan).await?;
        crate::plans::indicators_of(&self.db, rec.id).await
    }
}
