//! The office's review of the figures a unit files for its indicators, as it reviews reports:
//! a submitted figure is accepted (it counts from that day: the goals it measures, the items
//! whose progress it is, the warnings) or returned with a comment (never counted). Everything
//! in one transaction, with one line in the history.

use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::indicator::FigureState;
use tuijin_core::problem::{Problem, Rule};

use crate::db::{Store, all, exec, one};
use crate::directory::{Actual, actual_of_row};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::rows::get;

const SELECT: &str = "SELECT a.id, a.indicator_id, a.period, a.period_end, a.value, a.source, a.report_id, \
    i.code, a.accepted_on, a.entered_by, a.entered_at, a.reason, a.unit, a.scope, a.basis, a.state, \
    a.review_comment, a.reviewed_by FROM indicator_actuals a JOIN indicators i ON i.id = a.indicator_id";

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait FigureStore {
    /// The figures of a plan waiting for the office's review, oldest first.
    async fn pending_figures(&self, plan: &str) -> Result<Vec<Actual>>;
    /// Accepts (`accept`) or returns a submitted figure of `plan` (of `indicator`, when
    /// given: another indicator's figure is not found), with the office's comment (required
    /// to return). An accepted figure counts from `stamp.today`.
    async fn review_figure(
        &self,
        plan: &str,
        indicator: Option<&str>,
        id: i64,
        accept: bool,
        comment: &str,
        stamp: &Stamp,
    ) -> Result<Actual>;
}

impl FigureStore for Store {
    async fn pending_figures(&self, plan: &str) -> Result<Vec<Actual>> {
        let pid = self.plan_id(plan).await?;
        all(
            &self.db(),
            &format!("{SELECT} WHERE i.plan_id = $1 AND a.state = 'submitted' AND NOT i.archived ORDER BY a.id"),
            vec![pid.into()],
        )
        .await?
        .iter()
        .map(actual_of_row)
        .collect()
    }

    async fn review_figure(
        &self,
        plan: &str,
        indicator_code: Option<&str>,
        id: i64,
        accept: bool,
        comment: &str,
        stamp: &Stamp,
    ) -> Result<Actual> {
        let comment = comment.trim();
        if !accept && comment.is_empty() {
            return Err(StoreError::Invalid(vec![Problem::new(
                "comment",
                Rule::FigureReturnNeedsComment,
            )]));
        }
        let mut problems = tuijin_core::problem::Problems::default();
        tuijin_core::problem::check_text("comment", comment, &mut problems);
        problems.finish().map_err(StoreError::from)?;
        let txn = self.write().await?;
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        let row = one(
            &txn,
            &format!("{SELECT} WHERE a.id = $1 AND i.plan_id = $2"),
            vec![id.into(), pid.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("figure #{id} in plan `{plan}`")))?;
        let before = actual_of_row(&row)?;
        if indicator_code.is_some_and(|c| c != before.indicator.as_str()) {
            return Err(StoreError::NotFound(format!(
                "figure #{id} of `{}`",
                indicator_code.unwrap_or_default()
            )));
        }
        if before.entry.state != FigureState::Submitted {
            return Err(StoreError::Conflict(
                Problem::new("figure", Rule::FigureNotPending).with(
                    "state",
                    format!("@figure_state.{}", before.entry.state.as_str()),
                ),
            ));
        }
        let indicator: i64 = get(&row, "indicator_id")?;
        let state = if accept {
            FigureState::Accepted
        } else {
            FigureState::Returned
        };
        // Guarded by the state, so two reviews at once cannot both pass.
        let n = exec(
            &txn,
            "UPDATE indicator_actuals SET state = $1, review_comment = $2, reviewed_by = $3, reviewed_at = $4, \
             accepted_on = CASE WHEN $1 = 'accepted' THEN $5 ELSE accepted_on END \
             WHERE id = $6 AND state = 'submitted'",
            vec![
                state.as_str().into(),
                comment.into(),
                stamp.actor.clone().into(),
                stamp.at.to_rfc3339().into(),
                stamp.today.into(),
                id.into(),
            ],
        )
        .await?;
        if n != 1 {
            return Err(StoreError::Conflict(
                Problem::new("figure", Rule::FigureNotPending)
                    .with("state", "@figure_state.accepted"),
            ));
        }
        let mut after = before.clone();
        after.entry.state = state;
        after.entry.review_comment = Some(comment.to_string());
        after.entry.reviewed_by = Some(stamp.actor.clone());
        if accept {
            after.entry.known_on = Some(stamp.today);
            // A counted figure moves what it measures: goals judged by it (the plan's version),
            // items whose progress it is.
            exec(
                &txn,
                "UPDATE plans SET version = version + 1 WHERE id = $1",
                vec![pid.into()],
            )
            .await?;
            crate::progress::touch_measured_and_record(
                &txn,
                self.backend(),
                pid,
                &[indicator],
                stamp,
            )
            .await?;
        }
        let kind = if accept {
            EventKind::IndicatorFigureAccepted
        } else {
            EventKind::IndicatorFigureReturned
        };
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![
                NewEvent::new(kind, before.indicator.as_str())
                    .in_plan(pid)
                    .before(&before)?
                    .after(&after)?,
            ],
        )
        .await?;
        if accept {
            crate::warnings::refresh(&txn, pid, None, stamp).await?;
        }
        txn.commit().await?;
        Ok(after)
    }
}
