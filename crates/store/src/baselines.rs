//! Baselines (基线) and notes on items (批示/备注). A baseline keeps every live item's dates,
//! weight and target as they stood when the office set it; the plan's first import sets one
//! ("as adopted"), so a moved deadline always shows against the plan as approved. A note is a
//! short dated text on an item by the office or a leader; a leader's is an instruction.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tuijin_core::baseline::BaselineItem;
use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::problem::{Problem, Problems, Rule, check_text, is_blank};
use tuijin_core::{Item, PlanDocument};

use crate::db::{Store, WriteTxn, all, exec, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::rows::{get, insert_rows};
use sea_orm::Value;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BaselineRecord {
    pub id: i64,
    pub plan: String,
    pub name: String,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub item_count: i64,
}

/// A baseline named without its item count (which costs a count of its items, 47 ms for a
/// million-item plan's): what a page that only names the baseline needs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BaselineName {
    pub id: i64,
    pub name: String,
}

/// The plan's newest baseline, named.
async fn newest(s: &Store, plan: &str) -> Result<Option<BaselineName>> {
    let row = one(
        &s.db(),
        "SELECT b.id, b.name FROM baselines b JOIN plans p ON p.id = b.plan_id \
         WHERE p.code = $1 ORDER BY b.id DESC LIMIT 1",
        vec![plan.into()],
    )
    .await?;
    row.map(|r| {
        Ok(BaselineName {
            id: get(&r, "id")?,
            name: get(&r, "name")?,
        })
    })
    .transpose()
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NoteRecord {
    pub id: i64,
    pub plan: String,
    pub item: String,
    pub author: String,
    /// A leader's instruction (领导批示), not the office's note.
    pub instruction: bool,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// The longest a note may be: a note, not a report.
pub const NOTE_MAX_CHARS: usize = 2000;

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait BaselineStore {
    /// Sets a baseline of the plan as it stands: every live item's dates, weight and target.
    /// The name is required and unique in the plan.
    async fn set_baseline(
        &self,
        plan: &str,
        name: &str,
        note: &str,
        stamp: &Stamp,
    ) -> Result<BaselineRecord>;
    /// The plan's baselines, the newest first.
    async fn list_baselines(&self, plan: &str) -> Result<Vec<BaselineRecord>>;
    /// The dates the plan's status is judged by where they are not the items' own: the
    /// latest baseline's, when the plan judges against its baseline.
    async fn judged_dates(&self, plan: &str) -> Result<Option<tuijin_core::baseline::JudgedDates>>;
    /// One baseline with its items.
    async fn baseline(&self, plan: &str, id: i64) -> Result<(BaselineRecord, Vec<BaselineItem>)>;
    /// The newest baseline with its items, if the plan has one: what slips are measured
    /// against.
    async fn latest_baseline(
        &self,
        plan: &str,
    ) -> Result<Option<(BaselineRecord, Vec<BaselineItem>)>>;
    /// The items named, as the newest baseline keeps them (those it has): a page of the
    /// timeline draws where its rows were, without reading a whole plan's baseline.
    async fn latest_baseline_items(&self, plan: &str, codes: &[&str]) -> Result<Vec<BaselineItem>>;
    /// One item as the newest baseline keeps it, with that baseline's id and name: what the
    /// item page measures its slip against.
    async fn baseline_of_item(
        &self,
        plan: &str,
        code: &str,
    ) -> Result<Option<(BaselineName, Option<BaselineItem>)>>;
    /// A note on an item (an instruction when `instruction`).
    async fn add_note(
        &self,
        plan: &str,
        item: &str,
        text: &str,
        instruction: bool,
        stamp: &Stamp,
    ) -> Result<NoteRecord>;
    /// An item's notes, oldest first.
    async fn notes_of(&self, plan: &str, item: &str) -> Result<Vec<NoteRecord>>;
}

const SELECT: &str = "SELECT b.id, p.code AS plan, b.name, b.note, b.created_by, b.created_at, \
     (SELECT COUNT(*) FROM baseline_items x WHERE x.baseline_id = b.id) AS item_count \
     FROM baselines b JOIN plans p ON p.id = b.plan_id";

fn record(r: &sea_orm::QueryResult) -> Result<BaselineRecord> {
    Ok(BaselineRecord {
        id: get(r, "id")?,
        plan: get(r, "plan")?,
        name: get(r, "name")?,
        note: get(r, "note")?,
        created_by: get(r, "created_by")?,
        created_at: get(r, "created_at")?,
        item_count: get(r, "item_count")?,
    })
}

fn baseline_item(r: &sea_orm::QueryResult) -> Result<BaselineItem> {
    Ok(BaselineItem {
        code: get(r, "code")?,
        start: get::<Option<NaiveDate>>(r, "start_date")?,
        due: get::<Option<NaiveDate>>(r, "due_date")?,
        weight: get(r, "weight")?,
        target_value: get(r, "target_value")?,
        target_by: get::<Option<NaiveDate>>(r, "target_by")?,
        parent: get(r, "parent")?,
        cancelled: get(r, "cancelled")?,
    })
}

/// Writes a baseline of `items` in `txn`; its id.
async fn insert_baseline(
    txn: &WriteTxn,
    plan_id: i64,
    name: &str,
    note: &str,
    items: &[Item],
    stamp: &Stamp,
) -> Result<i64> {
    let r = one(
        txn,
        "INSERT INTO baselines (plan_id, name, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        vec![
            plan_id.into(),
            name.trim().into(),
            note.trim().into(),
            stamp.actor.clone().into(),
            stamp.at.into(),
        ],
    )
    .await?
    .ok_or_else(|| StoreError::Internal("no id for the new baseline".into()))?;
    let id: i64 = get(&r, "id")?;
    let rows = items
        .iter()
        .map(BaselineItem::of)
        .map(|b| {
            vec![
                id.into(),
                b.code.into(),
                b.start.into(),
                b.due.into(),
                b.weight.into(),
                b.target_value.into(),
                b.target_by.into(),
                b.parent.into(),
                b.cancelled.into(),
            ]
        })
        .collect();
    insert_rows(
        txn,
        "baseline_items",
        &[
            "baseline_id",
            "code",
            "start_date",
            "due_date",
            "weight",
            "target_value",
            "target_by",
            "parent",
            "cancelled",
        ],
        rows,
    )
    .await?;
    #[derive(Serialize)]
    struct Set<'a> {
        id: i64,
        name: &'a str,
        text: &'a str,
        items: usize,
    }
    append(
        txn,
        stamp.at,
        &stamp.actor,
        vec![NewEvent::on_plan(
            EventKind::BaselineSet,
            &plan_code(txn, plan_id).await?,
            plan_id,
            &Set {
                id,
                name: name.trim(),
                text: note.trim(),
                items: items.len(),
            },
        )?],
    )
    .await?;
    Ok(id)
}

async fn plan_code(txn: &WriteTxn, plan_id: i64) -> Result<String> {
    let r = one(
        txn,
        "SELECT code FROM plans WHERE id = $1",
        vec![plan_id.into()],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("plan #{plan_id}")))?;
    get(&r, "code")
}

/// On an import: a plan without a baseline gets its first, of the plan as imported ("as
/// adopted"), in the import's transaction.
pub(crate) async fn first_baseline(
    txn: &WriteTxn,
    plan_id: i64,
    doc: &PlanDocument,
    stamp: &Stamp,
) -> Result<()> {
    let any = one(
        txn,
        "SELECT id FROM baselines WHERE plan_id = $1",
        vec![plan_id.into()],
    )
    .await?;
    if any.is_none() {
        let live: Vec<Item> = doc.items.clone();
        insert_baseline(
            txn,
            plan_id,
            "规划印发版 As adopted",
            "首次导入时自动建立 Set when the plan was first imported",
            &live,
            stamp,
        )
        .await?;
    }
    Ok(())
}

fn check_words(field: &str, text: &str, required: bool, max: usize) -> Result<()> {
    let mut out = Problems::default();
    if required && is_blank(text) {
        out.push(Problem::new(field, Rule::Required));
    }
    let n = text.chars().count();
    if n > max && n <= tuijin_core::problem::MAX_TEXT_CHARS {
        out.push(
            Problem::new(field, Rule::TooLong)
                .with("max", max)
                .with("length", n),
        );
    }
    check_text(field, text, &mut out);
    out.finish().map_err(StoreError::from)
}

impl BaselineStore for Store {
    async fn set_baseline(
        &self,
        plan: &str,
        name: &str,
        note: &str,
        stamp: &Stamp,
    ) -> Result<BaselineRecord> {
        check_words("name", name, true, 100)?;
        // Why: a new baseline changes what every slip is measured against (and, when the plan
        // judges against its baseline, every status), so it carries its reason like an edit.
        check_words("note", note, true, NOTE_MAX_CHARS)?;
        let txn = self.write().await?;
        crate::plans::take_import_lock(&txn, self.backend()).await?;
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        let taken = one(
            &txn,
            "SELECT id FROM baselines WHERE plan_id = $1 AND name = $2",
            vec![pid.into(), name.trim().into()],
        )
        .await?;
        if taken.is_some() {
            return Err(StoreError::invalid(
                Problem::new("name", Rule::BaselineNameTaken).with("name", name.trim()),
            ));
        }
        let items = crate::items::load_plan_items(&txn, pid).await?;
        let id = insert_baseline(&txn, pid, name, note, &items, stamp).await?;
        // A plan judged against its baseline is judged against this one from now on.
        if let Some(dates) = crate::judging::judging_dates(&txn, pid).await? {
            let judged = tuijin_core::baseline::judged(&items, &dates);
            crate::plans::paths::write_paths(&txn, pid, &crate::plans::paths::wanted(&judged)?)
                .await?;
            crate::warnings::refresh(&txn, pid, None, stamp).await?;
            // Every server's copy of the plan judges anew.
            exec(
                &txn,
                "UPDATE plans SET version = version + 1 WHERE id = $1",
                vec![pid.into()],
            )
            .await?;
        }
        txn.commit().await?;
        Ok(self.baseline(plan, id).await?.0)
    }

    async fn judged_dates(&self, plan: &str) -> Result<Option<tuijin_core::baseline::JudgedDates>> {
        let pid = crate::items::plan_id_in(&self.db(), plan).await?;
        crate::judging::judging_dates(&self.db(), pid).await
    }

    async fn list_baselines(&self, plan: &str) -> Result<Vec<BaselineRecord>> {
        let pid = crate::items::plan_id_in(&self.db(), plan).await?;
        all(
            &self.db(),
            &format!("{SELECT} WHERE b.plan_id = $1 ORDER BY b.id DESC"),
            vec![pid.into()],
        )
        .await?
        .iter()
        .map(record)
        .collect()
    }

    async fn baseline(&self, plan: &str, id: i64) -> Result<(BaselineRecord, Vec<BaselineItem>)> {
        let r = one(
            &self.db(),
            &format!("{SELECT} WHERE b.id = $1 AND p.code = $2"),
            vec![id.into(), plan.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("baseline #{id} of plan `{plan}`")))?;
        let rec = record(&r)?;
        let items = all(
            &self.db(),
            "SELECT code, start_date, due_date, weight, target_value, target_by, parent, cancelled FROM baseline_items \
             WHERE baseline_id = $1 ORDER BY id",
            vec![id.into()],
        )
        .await?
        .iter()
        .map(baseline_item)
        .collect::<Result<_>>()?;
        Ok((rec, items))
    }

    async fn latest_baseline(
        &self,
        plan: &str,
    ) -> Result<Option<(BaselineRecord, Vec<BaselineItem>)>> {
        match self.list_baselines(plan).await?.first() {
            Some(b) => Ok(Some(self.baseline(plan, b.id).await?)),
            None => Ok(None),
        }
    }

    async fn latest_baseline_items(&self, plan: &str, codes: &[&str]) -> Result<Vec<BaselineItem>> {
        let Some(b) = newest(self, plan).await? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(codes.len());
        // A few hundred codes per statement, each a bound value.
        for chunk in codes.chunks(500) {
            let marks: Vec<String> = (0..chunk.len()).map(|k| format!("${}", k + 2)).collect();
            let mut values: Vec<Value> = vec![b.id.into()];
            values.extend(chunk.iter().map(|c| Value::from(c.to_string())));
            for r in &all(
                &self.db(),
                &format!(
                    "SELECT code, start_date, due_date, weight, target_value, target_by, parent, cancelled FROM baseline_items \
                     WHERE baseline_id = $1 AND code IN ({})",
                    marks.join(", ")
                ),
                values,
            )
            .await?
            {
                out.push(baseline_item(r)?);
            }
        }
        Ok(out)
    }

    async fn baseline_of_item(
        &self,
        plan: &str,
        code: &str,
    ) -> Result<Option<(BaselineName, Option<BaselineItem>)>> {
        let Some(b) = newest(self, plan).await? else {
            return Ok(None);
        };
        let item = one(
            &self.db(),
            "SELECT code, start_date, due_date, weight, target_value, target_by, parent, cancelled FROM baseline_items \
             WHERE baseline_id = $1 AND code = $2",
            vec![b.id.into(), code.into()],
        )
        .await?
        .map(|r| baseline_item(&r))
        .transpose()?;
        Ok(Some((b, item)))
    }

    async fn add_note(
        &self,
        plan: &str,
        item: &str,
        text: &str,
        instruction: bool,
        stamp: &Stamp,
    ) -> Result<NoteRecord> {
        check_words("text", text, true, NOTE_MAX_CHARS)?;
        let txn = self.write().await?;
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        let live = one(
            &txn,
            "SELECT id FROM items WHERE plan_id = $1 AND code = $2 AND NOT archived",
            vec![pid.into(), item.into()],
        )
        .await?;
        if live.is_none() {
            return Err(StoreError::NotFound(format!(
                "item `{item}` in plan `{plan}`"
            )));
        }
        let r = one(
            &txn,
            "INSERT INTO item_notes (plan_id, item_code, author, instruction, text, at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            vec![
                pid.into(),
                item.into(),
                stamp.actor.clone().into(),
                instruction.into(),
                text.trim().into(),
                stamp.at.into(),
            ],
        )
        .await?
        .ok_or_else(|| StoreError::Internal("no id for the new note".into()))?;
        let id: i64 = get(&r, "id")?;
        #[derive(Serialize)]
        struct Noted<'a> {
            id: i64,
            instruction: bool,
            text: &'a str,
        }
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![
                NewEvent::new(EventKind::NoteAdded, item)
                    .in_plan(pid)
                    .after(&Noted {
                        id,
                        instruction,
                        text: text.trim(),
                    })?,
            ],
        )
        .await?;
        txn.commit().await?;
        Ok(NoteRecord {
            id,
            plan: plan.to_string(),
            item: item.to_string(),
            author: stamp.actor.clone(),
            instruction,
            text: text.trim().to_string(),
            at: stamp.at,
        })
    }

    async fn notes_of(&self, plan: &str, item: &str) -> Result<Vec<NoteRecord>> {
        all(
            &self.db(),
            "SELECT n.id, n.item_code, n.author, n.instruction, n.text, n.at FROM item_notes n \
             JOIN plans p ON p.id = n.plan_id WHERE p.code = $1 AND n.item_code = $2 ORDER BY n.id",
            vec![plan.into(), item.into()],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(NoteRecord {
                id: get(r, "id")?,
                plan: plan.to_string(),
                item: get(r, "item_code")?,
                author: get(r, "author")?,
                instruction: get(r, "instruction")?,
                text: get(r, "text")?,
                at: get(r, "at")?,
            })
        })
        .collect()
    }
}
