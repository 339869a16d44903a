//! Edits to a plan's items (`core::edit`), written the way an import writes: in one write
//! transaction, the plan is read as a document, the edit applied and checked by the plan
//! file's rules, the result written by `write_doc` (progress recomputed, the plan's version
//! moved), the plan's warnings re-judged, and the edit recorded with its reason. The import
//! lock serialises edits with imports and with each other, so no edit works on a stale plan.
//! Apart from `plans` because the warnings read the plan modules (as `plan_store` is).

use serde::Serialize;
use tuijin_core::PlanDocument;
use tuijin_core::clock::Stamp;
use tuijin_core::edit::{DirectoryEdit, EditAction, EditRefusal, ItemEdit, content_version};
use tuijin_core::event::{Entity, EventKind};
use tuijin_core::problem::{Problem, Rule};

use crate::db::{Store, WriteTxn, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::rows::get;

/// What an edit did, for its caller: the item as it now stands (none once archived) and the
/// codes of every item archived with it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EditOutcome {
    pub item: Option<crate::ItemRecord>,
    pub archived: Vec<String>,
}

/// What the history keeps of an edit beside the item's before and after: what was done and
/// why (`text`, as every trail shows it).
#[derive(Serialize)]
struct EditNote<'a> {
    action: EditAction,
    text: &'a str,
    /// The item as it now stands (absent once archived).
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<&'a tuijin_core::Item>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    archived: Vec<String>,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait EditStore {
    /// Applies one edit with its reason. `version` is the item's version the caller read
    /// (required for every edit but a new item): a moved-on item is `Stale`, and nothing is
    /// written. A plan the edit would break is `PlanInvalid`, each problem naming its item.
    async fn edit_item(
        &self,
        plan: &str,
        edit: &ItemEdit,
        version: Option<i64>,
        reason: &str,
        stamp: &Stamp,
    ) -> Result<EditOutcome>;

    /// Adds or changes a unit or a person, or changes the plan's own fields and settings,
    /// with its reason. `version` is the record's version the caller read
    /// (`edit::content_version`), `None` to add a unit or person whose code must then be new
    /// to the plan. A stale version is `Stale`; a plan the edit would break is `PlanInvalid`.
    /// Returns the plan as it now stands.
    async fn edit_directory(
        &self,
        plan: &str,
        edit: &DirectoryEdit,
        version: Option<i64>,
        reason: &str,
        stamp: &Stamp,
    ) -> Result<PlanDocument>;
}

impl EditStore for Store {
    async fn edit_item(
        &self,
        plan: &str,
        edit: &ItemEdit,
        version: Option<i64>,
        reason: &str,
        stamp: &Stamp,
    ) -> Result<EditOutcome> {
        tuijin_core::edit::check_reason(reason).map_err(StoreError::from)?;
        let code = edit.code().to_string();
        let txn = self.write().await?;
        crate::plans::take_import_lock(&txn, self.backend()).await?;
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        if edit.action() == EditAction::Create {
            // An archived item keeps its code with its reports and history: a new item with
            // it would take them over.
            let archived = one(
                &txn,
                "SELECT id FROM items WHERE plan_id = $1 AND code = $2 AND archived",
                vec![pid.into(), code.as_str().into()],
            )
            .await?;
            if archived.is_some() {
                return Err(StoreError::invalid(
                    tuijin_core::problem::Problem::new(
                        "code",
                        tuijin_core::problem::Rule::CodeArchived,
                    )
                    .with("code", &code),
                ));
            }
        } else {
            let row = one(
                &txn,
                "SELECT version FROM items WHERE plan_id = $1 AND code = $2 AND NOT archived",
                vec![pid.into(), code.as_str().into()],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("item `{code}` in plan `{plan}`")))?;
            let current: i64 = get(&row, "version")?;
            if let Some(expected) = version.filter(|v| *v != current) {
                return Err(StoreError::Stale { expected, current });
            }
        }
        let Some(archived) = edit_in(&txn, plan, edit, reason, stamp).await? else {
            // An edit that changes nothing writes nothing: no version moves, no event.
            drop(txn);
            let item = crate::ItemStore::get_item(self, plan, &code).await?;
            return Ok(EditOutcome {
                item: Some(item),
                archived: Vec::new(),
            });
        };
        txn.commit().await?;
        let item = match edit.action() {
            EditAction::Archive => None,
            _ => Some(crate::ItemStore::get_item(self, plan, &code).await?),
        };
        Ok(EditOutcome { item, archived })
    }

    async fn edit_directory(
        &self,
        plan: &str,
        edit: &DirectoryEdit,
        version: Option<i64>,
        reason: &str,
        stamp: &Stamp,
    ) -> Result<PlanDocument> {
        tuijin_core::edit::check_reason(reason).map_err(StoreError::from)?;
        let (kind, code) = edit.subject();
        let txn = self.write().await?;
        crate::plans::take_import_lock(&txn, self.backend()).await?;
        let doc = crate::plans::document_in(&txn, plan).await?;
        let current = match edit {
            DirectoryEdit::Unit(_) => doc
                .units
                .iter()
                .find(|u| u.code.as_str() == code)
                .map(content_version),
            DirectoryEdit::Person(_) => doc
                .people
                .iter()
                .find(|p| p.code.as_str() == code)
                .map(content_version),
            DirectoryEdit::Settings(_) => Some(content_version(&doc.plan)),
            DirectoryEdit::Indicator(_) => doc
                .indicators
                .iter()
                .find(|i| i.code.as_str() == code)
                .map(content_version),
        };
        match (version, current) {
            (None, Some(_)) => {
                return Err(StoreError::Conflict(
                    Problem::new("code", Rule::CodeTaken).with("code", &code),
                ));
            }
            (Some(_), None) => {
                return Err(StoreError::NotFound(format!("`{code}` in plan `{plan}`")));
            }
            (Some(expected), Some(current)) if expected != current => {
                return Err(StoreError::Stale { expected, current });
            }
            _ => {}
        }
        // An indicator's figures are in its unit, scope, basis and periods: none of these
        // changes under figures already kept (they would be mixed, never converted).
        if let DirectoryEdit::Indicator(new) = edit
            && let Some(old) = doc.indicators.iter().find(|i| i.code == new.code)
        {
            let changed = [
                ("unit", old.unit != new.unit),
                ("scope", old.scope != new.scope),
                ("basis", old.basis != new.basis),
                ("frequency", old.frequency != new.frequency),
            ];
            if let Some((field, _)) = changed.iter().find(|c| c.1)
                && one(
                    &txn,
                    "SELECT 1 AS x FROM indicator_actuals a JOIN indicators i ON i.id = a.indicator_id \
                     JOIN plans p ON p.id = i.plan_id WHERE p.code = $1 AND i.code = $2",
                    vec![plan.into(), code.as_str().into()],
                )
                .await?
                .is_some()
            {
                return Err(StoreError::Conflict(
                    Problem::new(*field, Rule::IndicatorHasFigures).with("field", *field),
                ));
            }
        }
        let before: Option<serde_json::Value> = match edit {
            DirectoryEdit::Unit(_) => doc
                .units
                .iter()
                .find(|u| u.code.as_str() == code)
                .map(serde_json::to_value)
                .transpose(),
            DirectoryEdit::Person(_) => doc
                .people
                .iter()
                .find(|p| p.code.as_str() == code)
                .map(serde_json::to_value)
                .transpose(),
            DirectoryEdit::Settings(_) => serde_json::to_value(&doc.plan).map(Some),
            DirectoryEdit::Indicator(_) => doc
                .indicators
                .iter()
                .find(|i| i.code.as_str() == code)
                .map(serde_json::to_value)
                .transpose(),
        }
        .map_err(|e| StoreError::Internal(e.to_string()))?;
        let out = tuijin_core::edit::apply_directory(&doc, edit, reason).map_err(|r| match r {
            EditRefusal::NotFound(c) => StoreError::NotFound(format!("`{c}` in plan `{plan}`")),
            EditRefusal::Reason(r) => StoreError::from(r),
            EditRefusal::Invalid(ps) => StoreError::PlanInvalid(ps),
        })?;
        if out == doc {
            return Ok(doc);
        }
        let (_, plan_id, events) = crate::plans::write_doc(&txn, &out, stamp).await?;
        let after = match edit {
            DirectoryEdit::Unit(u) => serde_json::to_value(u),
            DirectoryEdit::Person(p) => serde_json::to_value(p),
            DirectoryEdit::Settings(p) => serde_json::to_value(p),
            DirectoryEdit::Indicator(i) => serde_json::to_value(i),
        }
        .map_err(|e| StoreError::Internal(e.to_string()))?;
        // One line in the history per edit: the import's own record of the same change gives
        // way to the edit's, which says why.
        let mut events: Vec<NewEvent> = events
            .into_iter()
            .filter(|e| !(e.entity_code == code && e.kind.entity() == kind.entity()))
            .collect();
        let note = NewEvent::new(kind, code.as_str())
            .in_plan(plan_id)
            .after(&Edited {
                text: reason,
                value: after,
            })?;
        events.push(match &before {
            Some(b) => note.before(b)?,
            None => note,
        });
        append(&txn, stamp.at, &stamp.actor, events).await?;
        crate::warnings::refresh(&txn, plan_id, None, stamp).await?;
        txn.commit().await?;
        Ok(out)
    }
}

/// What the history keeps of a directory or settings edit: why, and the record as it now
/// stands.
#[derive(Serialize)]
struct Edited<'a> {
    text: &'a str,
    #[serde(flatten)]
    value: serde_json::Value,
}

/// Applies an edit in `txn` (which holds the import lock): the plan read as a document, the
/// edit applied and checked, the result written, the edit recorded, the warnings re-judged.
/// The codes archived, or `None` when the edit changes nothing (nothing is written).
pub(crate) async fn edit_in(
    txn: &WriteTxn,
    plan: &str,
    edit: &ItemEdit,
    reason: &str,
    stamp: &Stamp,
) -> Result<Option<Vec<String>>> {
    let code = edit.code().to_string();
    let doc = crate::plans::document_in(txn, plan).await?;
    if let ItemEdit::Archive { code: c } = edit {
        open_work(txn, plan, &tuijin_core::edit::branch_of(&doc.items, c)).await?;
    }
    let before = doc.items.iter().find(|i| i.code.as_str() == code).cloned();
    let applied = tuijin_core::edit::apply(&doc, edit, reason).map_err(|r| match r {
        EditRefusal::NotFound(c) => StoreError::NotFound(format!("item `{c}` in plan `{plan}`")),
        EditRefusal::Reason(r) => StoreError::from(r),
        EditRefusal::Invalid(ps) => StoreError::PlanInvalid(ps),
    })?;
    if applied.doc == doc {
        return Ok(None);
    }
    let (_, plan_id, events) = crate::plans::write_doc(txn, &applied.doc, stamp).await?;
    // One line in the history per edit: the import's own record of the edited item gives way
    // to the edit's, which says why (items archived with it keep theirs).
    let mut events: Vec<NewEvent> = events
        .into_iter()
        .filter(|e| !(e.entity_code == code && e.kind.entity() == Entity::Item))
        .collect();
    let after = applied
        .doc
        .items
        .iter()
        .find(|i| i.code.as_str() == code)
        .cloned();
    let archived: Vec<String> = applied.archived.iter().map(|c| c.to_string()).collect();
    let note = NewEvent::new(EventKind::ItemEdited, code.as_str())
        .in_plan(plan_id)
        .after(&EditNote {
            action: edit.action(),
            text: reason,
            item: after.as_ref(),
            archived: archived.clone(),
        })?;
    events.push(match &before {
        Some(b) => note.before(b)?,
        None => note,
    });
    append(txn, stamp.at, &stamp.actor, events).await?;
    crate::warnings::refresh(txn, plan_id, None, stamp).await?;
    Ok(Some(archived))
}

/// Refuses to archive a branch with work still open on it — a notice not closed, a report
/// awaiting review, a change request pending — which would be left pointing at an item nobody
/// can see; the office closes them first (or cancels the item, which keeps it in sight).
async fn open_work(txn: &WriteTxn, plan: &str, branch: &[tuijin_core::Code]) -> Result<()> {
    let codes: Vec<sea_orm::Value> = branch.iter().map(|c| c.as_str().into()).collect();
    let list = (0..codes.len())
        .map(|k| format!("${}", k + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let mut values = vec![sea_orm::Value::from(plan)];
    values.extend(codes);
    let r = one(
        txn,
        &format!(
            "SELECT \
             (SELECT COUNT(DISTINCT n.id) FROM notices n JOIN notice_items ni ON ni.notice_id = n.id \
              JOIN items i ON i.id = ni.item_id JOIN plans p ON p.id = i.plan_id \
              WHERE p.code = $1 AND i.code IN ({list}) AND n.state <> 'closed') AS notices, \
             (SELECT COUNT(*) FROM reports r JOIN items i ON i.id = r.item_id JOIN plans p ON p.id = i.plan_id \
              WHERE p.code = $1 AND i.code IN ({list}) AND r.state = 'submitted') AS reports, \
             (SELECT COUNT(*) FROM change_requests q JOIN plans p ON p.id = q.plan_id \
              WHERE p.code = $1 AND q.item_code IN ({list}) AND q.state = 'pending') AS requests"
        ),
        values,
    )
    .await?
    .ok_or_else(|| StoreError::Internal("no counts of open work".into()))?;
    let (notices, reports, requests): (i64, i64, i64) = (
        get(&r, "notices")?,
        get(&r, "reports")?,
        get(&r, "requests")?,
    );
    if notices + reports + requests > 0 {
        return Err(StoreError::Conflict(
            Problem::new("code", Rule::ArchiveOpenWork)
                .with("notices", notices)
                .with("reports", reports)
                .with("requests", requests),
        ));
    }
    Ok(())
}
