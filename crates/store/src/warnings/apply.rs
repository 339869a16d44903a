//! A refresh's writing half: what `judge` found — warnings whose severity or numbers moved,
//! warnings whose condition ended, conditions newly holding — written with their events.

use sea_orm::{ConnectionTrait, Value};
use tuijin_core::clock::Stamp;
use tuijin_core::event::{Entity, EventKind};
use tuijin_core::warning::{Condition, WarningKind};

use super::{Cleared, Refresh};
use crate::db::{exec, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::rows::{get, id_list, insert_rows};

/// A condition that holds with no open warning for it yet.
pub(crate) struct Raised {
    pub item: i64,
    pub kind: WarningKind,
    /// The item's code, which its event names.
    pub code: String,
    pub cond: Condition,
}

/// What a refresh would change, as judged.
pub(crate) struct Judged {
    pub plan_id: i64,
    /// How many conditions hold (open warnings after the refresh).
    pub wanted: usize,
    /// Open warnings (ids) whose severity or details are now these.
    pub changed: Vec<(i64, Condition)>,
    /// Open warnings (id, item code, kind) whose condition ended.
    pub ended: Vec<(i64, String, WarningKind)>,
    pub raised: Vec<Raised>,
}

impl Judged {
    pub fn nothing(plan_id: i64) -> Judged {
        Judged {
            plan_id,
            wanted: 0,
            changed: Vec::new(),
            ended: Vec::new(),
            raised: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.ended.is_empty() && self.raised.is_empty()
    }

    /// The refresh's result when there is nothing to write.
    pub fn unchanged(&self) -> Refresh {
        Refresh {
            open: self.wanted,
            ..Refresh::default()
        }
    }

    pub async fn apply<C: ConnectionTrait>(self, c: &C, stamp: &Stamp) -> Result<Refresh> {
        let t = std::time::Instant::now();
        let plan_id = self.plan_id;
        let mut result = self.unchanged();
        let mut events = Vec::new();
        for (id, cond) in &self.changed {
            exec(
                c,
                "UPDATE warnings SET severity = $1, details = $2 WHERE id = $3",
                vec![
                    cond.severity.as_str().into(),
                    cond.details.clone().into(),
                    (*id).into(),
                ],
            )
            .await?;
            result.updated += 1;
        }
        // Cleared 500 at a time: a day that moves a large plan clears hundreds of thousands
        // (900,001 one by one held the writer 34 s at a million items).
        for chunk in self.ended.chunks(500) {
            let ids: Vec<i64> = chunk.iter().map(|(id, _, _)| *id).collect();
            exec(
                c,
                &format!(
                    "UPDATE warnings SET cleared_on = $1, cleared_at = $2 WHERE id IN ({})",
                    id_list(&ids)
                ),
                vec![stamp.today.into(), stamp.at.into()],
            )
            .await?;
        }
        for (_, code, kind) in self.ended {
            result.cleared += 1;
            events.push(
                NewEvent::new(EventKind::WarningCleared, code)
                    .in_plan(plan_id)
                    .before(&Cleared { kind })?,
            );
        }
        // In the order of the indexes they go into — warnings by item, their events by code: a
        // million-item plan's warnings written in hash order cost random writes all over both
        // indexes (30 s and 33 s, against a few seconds in order).
        let mut raised = self.raised;
        raised.sort_unstable_by_key(|r| (r.item, r.kind.as_str()));
        let mut inserts: Vec<Vec<Value>> = Vec::with_capacity(raised.len());
        let mut raised_events = Vec::with_capacity(raised.len());
        for r in raised {
            inserts.push(vec![
                plan_id.into(),
                r.item.into(),
                r.kind.as_str().into(),
                r.cond.severity.as_str().into(),
                r.cond.details.clone().into(),
                r.cond.since.min(stamp.today).into(),
                stamp.at.into(),
            ]);
            result.raised += 1;
            let event = NewEvent::new(EventKind::WarningRaised, r.code.clone())
                .in_plan(plan_id)
                .after(&r.cond)?;
            raised_events.push((r.code, event));
        }
        raised_events.sort_by(|a, b| a.0.cmp(&b.0));
        events.extend(raised_events.into_iter().map(|(_, e)| e));
        insert_rows(
            c,
            "warnings",
            &[
                "plan_id",
                "item_id",
                "kind",
                "severity",
                "details",
                "raised_on",
                "raised_at",
            ],
            inserts,
        )
        .await?;
        tracing::debug!(elapsed = ?t.elapsed(), raised = result.raised, "refresh: warnings written");
        let t = std::time::Instant::now();
        append(c, stamp.at, &stamp.actor, events).await?;
        tracing::debug!(elapsed = ?t.elapsed(), "refresh: events appended");
        Ok(result)
    }
}

/// What a plan's warnings are judged by has not moved while this stays the same: the newest
/// event of the plan, and the newest of no plan that is not an account's or a backup's (units
/// are shared by plans; sign-ins are not a change). Every write that moves what warnings are
/// judged by (a report, an edit, a notice, a figure, a setting) appends an event.
///
/// `lock`: in a write transaction, first take the event chain's head until the commit — on
/// PostgreSQL, whose writers run side by side, a writer appending meanwhile waits for this
/// one, and every event committed before is seen (SQLite's one writer holds its lock already).
pub(crate) async fn judged_by<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    lock: bool,
) -> Result<(Option<i64>, Option<i64>)> {
    if lock {
        one(
            c,
            "UPDATE event_chain SET last_hash = last_hash WHERE id = 1 RETURNING last_hash",
            vec![],
        )
        .await?
        .ok_or_else(|| StoreError::Corrupt("the event chain has no head row".into()))?;
    }
    let plan = one(
        c,
        "SELECT MAX(id) AS id FROM events WHERE plan_id = $1",
        vec![plan_id.into()],
    )
    .await?;
    let shared = one(
        c,
        &format!(
            "SELECT id FROM events WHERE plan_id IS NULL AND entity NOT IN ('{}', '{}') \
             ORDER BY id DESC LIMIT 1",
            Entity::User.as_str(),
            Entity::Backup.as_str()
        ),
        vec![],
    )
    .await?;
    Ok((
        match plan {
            Some(r) => get(&r, "id")?,
            None => None,
        },
        match shared {
            Some(r) => get(&r, "id")?,
            None => None,
        },
    ))
}
