//! The dates a plan's status is judged by: its items' own, or, when the plan judges against
//! its baseline (`StatusAgainst::Baseline`), the latest baseline's for the items it holds.
//! Read by everything that judges (the stored expected paths, the warnings) so they agree.

use sea_orm::ConnectionTrait;
use tuijin_core::StatusAgainst;
use tuijin_core::baseline::JudgedDates;

use crate::db::{all, one};
use crate::error::{Result, StoreError};
use crate::rows::{get, named};

/// The latest baseline's dates when the plan judges against it; `None` when it judges by the
/// current plan or has no baseline yet.
pub(crate) async fn judging_dates<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
) -> Result<Option<JudgedDates>> {
    let plan = one(
        c,
        "SELECT status_against FROM plans WHERE id = $1",
        vec![plan_id.into()],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("plan #{plan_id}")))?;
    if named::<StatusAgainst>(&plan, "status_against")? != StatusAgainst::Baseline {
        return Ok(None);
    }
    let Some(latest) = one(
        c,
        "SELECT id FROM baselines WHERE plan_id = $1 ORDER BY id DESC LIMIT 1",
        vec![plan_id.into()],
    )
    .await?
    else {
        return Ok(None);
    };
    let id: i64 = get(&latest, "id")?;
    let mut out = JudgedDates::new();
    for r in &all(
        c,
        "SELECT code, start_date, due_date FROM baseline_items WHERE baseline_id = $1",
        vec![id.into()],
    )
    .await?
    {
        out.insert(
            get(r, "code")?,
            (get(r, "start_date")?, get(r, "due_date")?),
        );
    }
    Ok(Some(out))
}
