//! A unit's reports for one period filed together (a filled Excel template read back): each row
//! goes the unit's own way through the workflow — a new draft, or an edit of the open draft or
//! returned report — and, when asked, is submitted; the same rules judge every row as judge a
//! report typed into the form. All in one transaction: every row's problems are collected, and
//! nothing is kept unless every row passes.

use std::collections::HashSet;

use tuijin_core::clock::Stamp;
use tuijin_core::problem::{Problem, Rule};
use tuijin_core::report::{Period, ReportContent};

use super::workflow::{create, edit_in, submit_in};
use super::{NewReport, ReportEdit, ReportRecord};
use crate::db::{Store, one};
use crate::error::{Result, StoreError};
use crate::rows::get;

/// One row of a batch: an item and what the unit says on it.
#[derive(Clone, Debug)]
pub struct Filing {
    pub item: String,
    pub content: ReportContent,
}

/// Prefixes a row's problems with its place in the batch (`rows[3].percent`).
fn in_row(n: usize, e: StoreError, out: &mut Vec<Problem>) -> Result<()> {
    let row = |mut p: Problem| {
        p.field = if p.field.is_empty() {
            format!("rows[{n}]")
        } else {
            format!("rows[{n}].{}", p.field)
        };
        p
    };
    match e {
        StoreError::Invalid(ps) => out.extend(ps.into_iter().map(row)),
        StoreError::Conflict(p) | StoreError::Forbidden(p) => out.push(row(p)),
        // A version moved under us: the report changed while the file was read.
        StoreError::Stale { .. } => out.push(row(Problem::new("", Rule::Workflow))),
        other => return Err(other),
    }
    Ok(())
}

impl Store {
    pub(super) async fn file_reports_in(
        &self,
        plan: &str,
        unit: &str,
        period: Period,
        rows: &[Filing],
        (submit, check_only): (bool, bool),
        stamp: &Stamp,
    ) -> Result<Vec<ReportRecord>> {
        let txn = self.write().await?;
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        let unit_id: i64 = get(
            &one(
                &txn,
                "SELECT id FROM units WHERE code = $1",
                vec![unit.into()],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("unit `{unit}`")))?,
            "id",
        )?;
        let mut problems = Vec::new();
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(rows.len());
        for (n, row) in rows.iter().enumerate() {
            if !seen.insert(row.item.as_str()) {
                problems.push(
                    Problem::new(format!("rows[{n}].item"), Rule::Duplicate)
                        .with("value", &row.item),
                );
                continue;
            }
            let Some(item) = one(
                &txn,
                "SELECT id FROM items WHERE plan_id = $1 AND code = $2",
                vec![pid.into(), row.item.clone().into()],
            )
            .await?
            else {
                problems.push(
                    Problem::new(format!("rows[{n}].item"), Rule::UnknownItem)
                        .with("item", &row.item),
                );
                continue;
            };
            let item_id: i64 = get(&item, "id")?;
            let open = one(
                &txn,
                "SELECT id, version FROM reports WHERE item_id = $1 AND unit_id = $2 AND period = $3 \
                 AND state IN ('draft', 'returned', 'submitted') ORDER BY id LIMIT 1",
                vec![item_id.into(), unit_id.into(), period.to_string().into()],
            )
            .await?;
            let written = match open {
                Some(r) => {
                    let edit = ReportEdit {
                        percent: Some(row.content.percent),
                        narrative: Some(row.content.narrative.clone()),
                        problems: Some(row.content.problems.clone()),
                        next_steps: Some(row.content.next_steps.clone()),
                        figures: Some(row.content.figures.clone()),
                    };
                    edit_in(&txn, get(&r, "id")?, get(&r, "version")?, edit, stamp).await
                }
                None => {
                    let new = NewReport {
                        plan: plan.to_string(),
                        item: row.item.clone(),
                        period,
                        unit: unit.to_string(),
                        content: row.content.clone(),
                    };
                    create(&txn, new, stamp).await
                }
            };
            let written = match written {
                Ok(r) if submit => submit_in(&txn, r.id, r.version, stamp).await,
                other => other,
            };
            match written {
                Ok(r) => out.push(r),
                Err(e) => in_row(n, e, &mut problems)?,
            }
        }
        if !problems.is_empty() {
            // Dropping the transaction rolls back the rows that passed.
            return Err(StoreError::Invalid(problems));
        }
        if check_only {
            return Ok(out);
        }
        txn.commit().await?;
        Ok(out)
    }
}
