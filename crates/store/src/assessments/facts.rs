//! What a run reads (`core::assess::Facts`), as it stood at the end of the period: progress
//! accepted by then, reports handed in by then, notices as they stood, figures accepted by then
//! (each period's latest revision known on that day).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use tuijin_core::assess::{AssessPeriod, Facts, FigureFact, NoticeFacts, ReportFact};
use tuijin_core::notice::{NoticeState, Round};
use tuijin_core::period::Period;

use crate::db::{Store, all};
use crate::error::{Result, StoreError};
use crate::notices::{NoticeFilter, NoticeStore};
use crate::rows::get;

impl Store {
    pub(crate) async fn load_facts(&self, plan: &str, period: AssessPeriod) -> Result<Facts> {
        let as_of = period.last_day();
        let doc = self.export_plan_in(plan).await?;
        let tz = doc.plan.tz();
        let pid = crate::items::plan_id_in(&self.db(), plan).await?;
        let c = &self.db();

        let mut history: HashMap<String, Vec<(NaiveDate, Option<f64>)>> = HashMap::new();
        for r in &all(
            c,
            "SELECT i.code, h.effective_date, h.percent FROM progress_history h JOIN items i ON i.id = h.item_id \
             WHERE i.plan_id = $1 AND h.effective_date <= $2 ORDER BY h.effective_date, h.id",
            vec![pid.into(), as_of.into()],
        )
        .await?
        {
            let h = history.entry(get(r, "code")?).or_default();
            let d: NaiveDate = get(r, "effective_date")?;
            let p: Option<f64> = get(r, "percent")?;
            match h.last_mut() {
                Some(last) if last.0 == d => last.1 = p,
                _ => h.push((d, p)),
            }
        }

        let mut reports = Vec::new();
        for r in &all(
            c,
            "SELECT r.id, i.code, u.code AS unit, r.period, r.submitted_at FROM reports r \
             JOIN items i ON i.id = r.item_id JOIN units u ON u.id = r.unit_id \
             WHERE r.plan_id = $1 AND r.submitted_at IS NOT NULL \
             AND r.state IN ('submitted', 'accepted', 'superseded') ORDER BY r.id",
            vec![pid.into()],
        )
        .await?
        {
            let at: DateTime<Utc> = get(r, "submitted_at")?;
            let submitted_on = at.with_timezone(&tz).date_naive();
            if submitted_on > as_of {
                continue;
            }
            let period: String = get(r, "period")?;
            reports.push(ReportFact {
                id: get(r, "id")?,
                item: get(r, "code")?,
                unit: get(r, "unit")?,
                period: Period::parse(&period)
                    .map_err(|_| StoreError::Corrupt(format!("reports.period `{period}`")))?,
                submitted_on,
            });
        }

        let mut notices = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .list_notices(
                    &NoticeFilter {
                        plan: Some(plan.to_string()),
                        after,
                        ..NoticeFilter::default()
                    },
                    1000,
                )
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for n in page.into_iter().filter(|n| n.issued_on <= as_of) {
                let answered = match n.state {
                    NoticeState::Replied => n.replied_on,
                    NoticeState::Closed => n.replied_on.or(n.closed_on),
                    _ => None,
                };
                let mut rounds = n.rounds.clone();
                rounds.push(Round {
                    reply_by: n.reply_by,
                    answered,
                });
                notices.push(NoticeFacts {
                    id: n.id,
                    number: n.number,
                    level: n.level,
                    issued_on: n.issued_on,
                    units: n.units.into_iter().map(|u| (u.code, u.signed_on)).collect(),
                    rounds,
                });
            }
        }

        // Each period's latest revision accepted by the run's date.
        let mut figures: HashMap<(String, String), FigureFact> = HashMap::new();
        for r in &all(
            c,
            "SELECT i.code, a.period, a.period_end, a.value, a.accepted_on FROM indicator_actuals a \
             JOIN indicators i ON i.id = a.indicator_id WHERE i.plan_id = $1 AND a.accepted_on <= $2 AND a.state = 'accepted' ORDER BY a.id",
            vec![pid.into(), as_of.into()],
        )
        .await?
        {
            let code: String = get(r, "code")?;
            let period: String = get(r, "period")?;
            figures.insert(
                (code, period.clone()),
                FigureFact {
                    period,
                    period_end: get(r, "period_end")?,
                    value: get(r, "value")?,
                    accepted_on: get(r, "accepted_on")?,
                },
            );
        }
        let mut indicators: Vec<_> = doc
            .indicators
            .into_iter()
            .map(|i| (i, Vec::new()))
            .collect();
        let mut keys: Vec<_> = figures.into_iter().collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        for ((code, _), f) in keys {
            if let Some((_, v)) = indicators.iter_mut().find(|(i, _)| i.code.as_str() == code) {
                v.push(f);
            }
        }

        Ok(Facts {
            period,
            as_of,
            cadence: doc.plan.cadence,
            reporting: doc.plan.reporting,
            notices_settings: doc.plan.notices.clone(),
            items: doc.items,
            units: doc.units,
            history,
            reports,
            notices,
            indicators,
        })
    }
}
