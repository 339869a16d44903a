//! The queue of proposed notices (`core::proposal`) as stored: it is computed from the plan's
//! open warnings and its notices whenever it is asked, so it is never out of date; what is
//! kept is the office's decisions — the warnings it dismissed, with its reason — and, on each
//! notice issued from the queue, the warnings it answers. A bulk issue is one transaction:
//! every notice or none.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;
use tuijin_core::Cadence;
use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::notice::{NoticeSettings, NoticeState};
use tuijin_core::problem::{Problem, Problems, Rule};
use tuijin_core::proposal::{self, Noticed, OpenWarning, Proposal};

use crate::db::{Backend, Store, all, exec, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::notices::{NewNotice, NoticeFilter, NoticeRecord, NoticeStore, issue_in};
use crate::rows::get;
use crate::warnings::{WarningFilter, WarningRecord, WarningStore};

/// The office's dismissal of a warning from the queue.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dismissal {
    pub warning: i64,
    pub reason: String,
    pub by: String,
    pub on: NaiveDate,
}

/// A proposal with the warnings it rests on, and the office's dismissals of them.
#[derive(Clone, Debug, PartialEq)]
pub struct ProposalRecord {
    pub proposal: Proposal,
    pub warnings: Vec<WarningRecord>,
    pub dismissals: Vec<Dismissal>,
}

/// How many of a plan's open warnings, most severe and longest outstanding first, the queue is
/// worked out from. A plan with more (a whole province's items, all late) gets the queue of
/// its worst warnings, marked `partial`, rather than a page that reads millions of rows.
pub const QUEUE_SCAN: u64 = crate::warnings::MOST_LISTED - 1;

/// A plan's queue of proposed notices.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Queue {
    pub proposals: Vec<ProposalRecord>,
    /// The plan has more open warnings than `QUEUE_SCAN`: the queue holds the proposals of the
    /// most severe and oldest of them, and more may follow once those are answered.
    pub partial: bool,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait ProposalStore {
    /// The plan's queue on `today` (`core::proposal::proposals`), dismissed proposals included
    /// and marked.
    async fn notice_proposals(
        &self,
        plan: &str,
        today: NaiveDate,
        cadence: Cadence,
        settings: &NoticeSettings,
    ) -> Result<Queue>;
    /// The queue as `notice_proposals` gives it, but without the warnings' records
    /// (`ProposalRecord::warnings` empty): for a page that shows some of the proposals, whose
    /// records `with_warnings` then reads. At a million items the queue rests on 10,000
    /// warnings; their records cost the page ~100 ms, the page shows 100.
    async fn notice_proposals_bare(
        &self,
        plan: &str,
        today: NaiveDate,
        cadence: Cadence,
        settings: &NoticeSettings,
    ) -> Result<Queue>;
    /// Reads the records of the warnings the given proposals rest on (of `plan`), in each
    /// proposal's order.
    async fn with_warnings(&self, plan: &str, proposals: &mut [ProposalRecord]) -> Result<()>;
    /// How many proposals of the queue wait (are not dismissed), and whether the queue is
    /// partial: `notice_proposals`' count without reading its warnings whole (the cockpit's
    /// figure; the worst 10,000 warnings read as records cost a million-item plan 50 ms).
    async fn waiting_proposals(
        &self,
        plan: &str,
        today: NaiveDate,
        cadence: Cadence,
        settings: &NoticeSettings,
    ) -> Result<(usize, bool)>;
    /// Dismisses the warnings a proposal on `item` rests on, saying why: the proposal leaves
    /// the queue until a new warning calls for a notice on the item. `warnings` must be open
    /// warnings on the item.
    async fn dismiss_proposal(
        &self,
        plan: &str,
        item: &str,
        warnings: &[i64],
        reason: &str,
        stamp: &Stamp,
    ) -> Result<()>;
    /// Issues several notices in one transaction: all of them, or none (the problems of the
    /// `k`th are under `notices[k]`).
    async fn issue_notices(
        &self,
        news: Vec<NewNotice>,
        settings: &NoticeSettings,
        stamp: &Stamp,
    ) -> Result<Vec<NoticeRecord>>;
}

/// The whole of a plan's notices, page by page.
async fn every_notice(s: &Store, plan: &str) -> Result<Vec<NoticeRecord>> {
    let mut out: Vec<NoticeRecord> = Vec::new();
    loop {
        let page = s
            .list_notices(
                &NoticeFilter {
                    plan: Some(plan.to_string()),
                    after: out.last().map(|n| n.id),
                    ..Default::default()
                },
                1000,
            )
            .await?;
        let done = page.len() < 1000;
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

/// What the queue needs besides the warnings: what earlier notices on each item tell it
/// (`Noticed`), and the warnings the office has dismissed.
async fn notices_and_dismissals(
    s: &Store,
    plan: &str,
    today: NaiveDate,
    settings: &NoticeSettings,
) -> Result<(HashMap<String, Noticed>, HashMap<i64, Dismissal>)> {
    let mut noticed: HashMap<String, Noticed> = HashMap::new();
    for n in every_notice(s, plan).await? {
        for item in &n.items {
            let now = if n.state == NoticeState::Closed {
                Noticed::Closed {
                    level: n.level_on(n.closed_on.unwrap_or(today), settings),
                }
            } else {
                Noticed::Open
            };
            let merged = match (noticed.get(item), now) {
                (Some(Noticed::Open), _) | (_, Noticed::Open) => Noticed::Open,
                (Some(Noticed::Closed { level: a }), Noticed::Closed { level: b }) => {
                    Noticed::Closed { level: (*a).max(b) }
                }
                (None, c) => c,
            };
            noticed.insert(item.clone(), merged);
        }
    }
    let rows = all(
        &s.db(),
        "SELECT d.warning_id, d.reason, d.dismissed_by, d.dismissed_on FROM notice_dismissals d \
             JOIN plans pl ON pl.id = d.plan_id WHERE pl.code = $1",
        vec![plan.into()],
    )
    .await?;
    let mut dismissals: HashMap<i64, Dismissal> = HashMap::new();
    for r in &rows {
        let d = Dismissal {
            warning: get(r, "warning_id")?,
            reason: get(r, "reason")?,
            by: get(r, "dismissed_by")?,
            on: get(r, "dismissed_on")?,
        };
        dismissals.insert(d.warning, d);
    }
    Ok((noticed, dismissals))
}

/// The warnings `notice_proposals` reads, in the same (chase) order, as few columns: `$1` the
/// plan's code, `$2` how many.
fn waiting_sql() -> String {
    format!(
        "SELECT w.id, i.code, w.kind, w.severity, w.raised_on, {rank} AS rank FROM warnings w \
         JOIN items i ON i.id = w.item_id \
         WHERE w.plan_id = (SELECT id FROM plans WHERE code = $1) AND w.cleared_on IS NULL \
         ORDER BY {rank}, w.raised_on, w.id LIMIT $2",
        rank = crate::warnings::RANK_SQL
    )
}

/// `waiting_sql`'s rows as one JSON array, in the same order. The driver hands rows over one at
/// a time between threads: at a million items the worst 10,001 open warnings took the server
/// ~120 ms, of which the statement itself is ~20 ms (the `sqlite3` shell); as one value they
/// cost what the statement does.
fn waiting_sql_as_one(backend: Backend) -> String {
    let inner = waiting_sql();
    match backend {
        Backend::Sqlite => format!(
            "SELECT json_group_array(json_array(id, code, kind, severity, raised_on) \
             ORDER BY rank, raised_on, id) AS list FROM ({inner}) t"
        ),
        Backend::Postgres => format!(
            "SELECT COALESCE(json_agg(json_build_array(id, code, kind, severity, raised_on) \
             ORDER BY rank, raised_on, id), '[]'::json)::text AS list FROM ({inner}) t"
        ),
    }
}

/// The open warnings `waiting_sql_as_one` lists.
fn open_warnings_of(list: &str) -> Result<Vec<OpenWarning>> {
    let corrupt = |e: String| StoreError::Corrupt(format!("open warnings: {e}"));
    let rows: Vec<(i64, String, String, String, NaiveDate)> =
        serde_json::from_str(list).map_err(|e| corrupt(e.to_string()))?;
    rows.into_iter()
        .map(|(id, item, kind, severity, raised_on)| {
            Ok(OpenWarning {
                id,
                item,
                kind: kind
                    .parse()
                    .map_err(|_| corrupt(format!("unknown kind `{kind}`")))?,
                severity: severity
                    .parse()
                    .map_err(|_| corrupt(format!("unknown severity `{severity}`")))?,
                raised_on,
            })
        })
        .collect()
}

impl Store {
    /// The database's plan for `waiting_proposals`' read, with `limit` rows instead of the
    /// queue's scan (for the query-plan tests, whose plans are smaller than the scan).
    pub async fn explain_waiting_proposals(&self, plan: &str, limit: u64) -> Result<String> {
        let values = vec![plan.into(), (limit as i64).into()];
        self.explain(&waiting_sql(), values).await
    }
}

impl Store {
    /// The queue's proposals from the worst `QUEUE_SCAN` open warnings, read as few columns
    /// (`waiting_sql_as_one`), with the office's dismissals; and whether the plan has more.
    async fn bare_queue(
        &self,
        plan: &str,
        today: NaiveDate,
        cadence: Cadence,
        settings: &NoticeSettings,
    ) -> Result<(Vec<Proposal>, HashMap<i64, Dismissal>, bool)> {
        let row = one(
            &self.db(),
            &waiting_sql_as_one(self.backend()),
            vec![plan.into(), ((QUEUE_SCAN + 1) as i64).into()],
        )
        .await?
        .ok_or_else(|| StoreError::Corrupt("open warnings: no answer".into()))?;
        let mut open = open_warnings_of(&get::<String>(&row, "list")?)?;
        let partial = open.len() as u64 > QUEUE_SCAN;
        open.truncate(QUEUE_SCAN as usize);
        let (noticed, dismissals) = notices_and_dismissals(self, plan, today, settings).await?;
        let dismissed: HashSet<i64> = dismissals.keys().copied().collect();
        let proposals = proposal::proposals(
            &open,
            &noticed,
            &dismissed,
            today,
            cadence,
            settings.levels.len(),
        );
        Ok((proposals, dismissals, partial))
    }
}

impl ProposalStore for Store {
    async fn notice_proposals(
        &self,
        plan: &str,
        today: NaiveDate,
        cadence: Cadence,
        settings: &NoticeSettings,
    ) -> Result<Queue> {
        let mut q = self
            .notice_proposals_bare(plan, today, cadence, settings)
            .await?;
        self.with_warnings(plan, &mut q.proposals).await?;
        Ok(q)
    }

    async fn notice_proposals_bare(
        &self,
        plan: &str,
        today: NaiveDate,
        cadence: Cadence,
        settings: &NoticeSettings,
    ) -> Result<Queue> {
        let (proposals, dismissals, partial) =
            self.bare_queue(plan, today, cadence, settings).await?;
        let proposals = proposals
            .into_iter()
            .map(|p| ProposalRecord {
                warnings: Vec::new(),
                dismissals: p
                    .warnings
                    .iter()
                    .filter_map(|id| dismissals.get(id).cloned())
                    .collect(),
                proposal: p,
            })
            .collect();
        Ok(Queue { proposals, partial })
    }

    async fn with_warnings(&self, plan: &str, proposals: &mut [ProposalRecord]) -> Result<()> {
        let ids: Vec<i64> = proposals
            .iter()
            .flat_map(|p| p.proposal.warnings.iter().copied())
            .collect();
        let mut by_id: HashMap<i64, WarningRecord> = HashMap::with_capacity(ids.len());
        // A thousand at a time: one statement's bound values stay well within both databases'
        // limits.
        for chunk in ids.chunks(1000) {
            let records = self
                .list_warnings(
                    &WarningFilter {
                        plan: Some(plan.to_string()),
                        ids: Some(chunk.to_vec()),
                        include_cleared: true,
                        ..Default::default()
                    },
                    chunk.len() as u64,
                )
                .await?;
            by_id.extend(records.into_iter().map(|w| (w.id, w)));
        }
        for p in proposals {
            p.warnings = p
                .proposal
                .warnings
                .iter()
                .filter_map(|id| by_id.get(id).cloned())
                .collect();
        }
        Ok(())
    }

    async fn waiting_proposals(
        &self,
        plan: &str,
        today: NaiveDate,
        cadence: Cadence,
        settings: &NoticeSettings,
    ) -> Result<(usize, bool)> {
        let (proposals, _, partial) = self.bare_queue(plan, today, cadence, settings).await?;
        Ok((proposals.iter().filter(|p| !p.dismissed).count(), partial))
    }

    async fn dismiss_proposal(
        &self,
        plan: &str,
        item: &str,
        warnings: &[i64],
        reason: &str,
        stamp: &Stamp,
    ) -> Result<()> {
        let mut out = Problems::default();
        if tuijin_core::problem::is_blank(reason) {
            out.push(Problem::new("reason", Rule::Required));
        }
        tuijin_core::problem::check_text("reason", reason, &mut out);
        if warnings.is_empty() {
            out.push(Problem::new("warnings", Rule::Required));
        }
        out.finish()?;
        let txn = self.write().await?;
        let plan_id = crate::items::plan_id_in(&txn, plan).await?;
        let ids = crate::rows::id_list(warnings);
        let open: HashSet<i64> = all(
            &txn,
            &format!(
                "SELECT w.id FROM warnings w JOIN items i ON i.id = w.item_id \
                 WHERE w.plan_id = $1 AND i.code = $2 AND w.cleared_on IS NULL AND w.id IN ({ids})"
            ),
            vec![plan_id.into(), item.into()],
        )
        .await?
        .iter()
        .map(|r| get::<i64>(r, "id"))
        .collect::<Result<_>>()?;
        if let Some(k) = warnings.iter().position(|w| !open.contains(w)) {
            return Err(StoreError::invalid(
                Problem::new(format!("warnings[{k}]"), Rule::UnknownWarning)
                    .with("warning", warnings[k])
                    .with("item", item),
            ));
        }
        for w in warnings {
            exec(
                &txn,
                "INSERT INTO notice_dismissals (warning_id, plan_id, reason, dismissed_by, dismissed_on, dismissed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (warning_id) DO UPDATE SET reason = excluded.reason, \
                 dismissed_by = excluded.dismissed_by, dismissed_on = excluded.dismissed_on, dismissed_at = excluded.dismissed_at",
                vec![
                    (*w).into(),
                    plan_id.into(),
                    reason.trim().into(),
                    stamp.actor.clone().into(),
                    stamp.today.into(),
                    stamp.at.into(),
                ],
            )
            .await?;
        }
        #[derive(Serialize)]
        struct Dismissed<'a> {
            warnings: &'a [i64],
            reason: &'a str,
        }
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![
                NewEvent::new(EventKind::ProposalDismissed, item)
                    .in_plan(plan_id)
                    .after(&Dismissed {
                        warnings,
                        reason: reason.trim(),
                    })?,
            ],
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    async fn issue_notices(
        &self,
        news: Vec<NewNotice>,
        settings: &NoticeSettings,
        stamp: &Stamp,
    ) -> Result<Vec<NoticeRecord>> {
        let txn = self.write().await?;
        let mut out = Vec::new();
        for (k, new) in news.into_iter().enumerate() {
            match issue_in(&txn, new, settings, stamp).await {
                Ok(n) => out.push(n),
                Err(StoreError::Invalid(ps)) => {
                    return Err(StoreError::Invalid(
                        ps.into_iter()
                            .map(|mut p| {
                                p.field = format!("notices[{k}].{}", p.field);
                                p
                            })
                            .collect(),
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        txn.commit().await?;
        Ok(out)
    }
}
