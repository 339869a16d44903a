//! Warnings of supervision notices past their reply date without a reply.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use tuijin_core::warning::{Condition, WarningKind};

use crate::db::{all, one};
use crate::error::{Result, StoreError};
use crate::rows::get;

/// A notice past its reply date without a reply warns on each of its items (those `live`
/// says are judged: not archived, not in a cancelled branch, in the refresh's subset), as
/// severe as the level it has reached that day; of several on one item, the most severe.
pub(super) async fn notice_conditions<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    live: &(dyn Fn(i64) -> bool + Sync),
    today: NaiveDate,
    want: &mut HashMap<(i64, WarningKind), Condition>,
) -> Result<()> {
    let settings: tuijin_core::notice::NoticeSettings = match one(
        c,
        "SELECT notice_settings FROM plans WHERE id = $1",
        vec![plan_id.into()],
    )
    .await?
    .and_then(|r| get::<Option<String>>(&r, "notice_settings").ok().flatten())
    {
        Some(t) => serde_json::from_str(&t)
            .map_err(|e| StoreError::Corrupt(format!("plans.notice_settings: {e}")))?,
        None => Default::default(),
    };
    let rows = all(
        c,
        "SELECT n.number, n.level, n.reply_by, n.rounds, l.item_id FROM notices n JOIN notice_items l ON l.notice_id = n.id \
         WHERE n.plan_id = $1 AND n.state IN ('issued', 'signed', 'returned') AND n.reply_by < $2",
        vec![plan_id.into(), today.into()],
    )
    .await?;
    for r in &rows {
        let item: i64 = get(r, "item_id")?;
        if !live(item) {
            continue;
        }
        let issued = usize::try_from(get::<i32>(r, "level")?)
            .map_err(|_| StoreError::Corrupt("notices.level".into()))?;
        let reply_by: NaiveDate = get(r, "reply_by")?;
        // The rounds a returned reply closed keep the levels they reached.
        let mut rounds: Vec<tuijin_core::notice::Round> = match get::<Option<String>>(r, "rounds")?
        {
            Some(t) => serde_json::from_str(&t)
                .map_err(|e| StoreError::Corrupt(format!("notices.rounds: {e}")))?,
            None => Vec::new(),
        };
        rounds.push(tuijin_core::notice::Round {
            reply_by,
            answered: None,
        });
        let rises = tuijin_core::notice::rises_over(
            issued,
            &rounds,
            today,
            settings.escalate_every,
            settings.levels.len(),
        );
        let level = rises.last().map_or(issued, |x| x.level);
        let number: String = get(r, "number")?;
        let cond = tuijin_core::warning::notice_condition(
            &number,
            reply_by,
            level,
            settings.levels.get(level).map(String::as_str).unwrap_or(""),
            settings.levels.len(),
        );
        match want.get(&(item, WarningKind::NoticeOverdue)) {
            Some(old) if old.severity >= cond.severity => {}
            _ => {
                want.insert((item, WarningKind::NoticeOverdue), cond);
            }
        }
    }
    Ok(())
}

/// The ids of a notice's items and of every ancestor of them: the subset a warning refresh
/// of those items needs (each item with all its ancestors).
pub(crate) async fn notice_chains<C: ConnectionTrait>(c: &C, notice: i64) -> Result<Vec<i64>> {
    let rows = all(
        c,
        "WITH RECURSIVE up(id, parent_id) AS ( \
           SELECT i.id, i.parent_id FROM notice_items l JOIN items i ON i.id = l.item_id \
           WHERE l.notice_id = $1 \
           UNION SELECT i.id, i.parent_id FROM items i JOIN up ON i.id = up.parent_id) \
         SELECT id FROM up ORDER BY id",
        vec![notice.into()],
    )
    .await?;
    rows.iter().map(|r| get(r, "id")).collect()
}
