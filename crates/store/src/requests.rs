//! Change requests (调整申请): a unit asks for a change to an item it leads — a later deadline,
//! another target value, other co-operating units — with its reason and evidence; the office
//! approves (the change is applied as an edit citing the request, in the same transaction) or
//! refuses with its reason. The rules are `core::edit` (`check_request`, `check_decision`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use tuijin_core::clock::Stamp;
use tuijin_core::edit::{ItemEdit, RequestState, RequestedChange};
use tuijin_core::event::EventKind;

use crate::db::{Store, all, exec, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::rows::{get, named};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestRecord {
    pub id: i64,
    pub plan: String,
    pub item: String,
    pub unit: String,
    pub change: RequestedChange,
    /// The same fields as the item had them when the request was filed (none on requests
    /// filed before this was kept).
    pub before: Option<RequestedChange>,
    pub reason: String,
    pub evidence: String,
    pub state: RequestState,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The office's words: why refused, or what was approved.
    pub decision: Option<String>,
    pub version: i64,
}

/// A request as a unit files it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRequest {
    pub plan: String,
    pub item: String,
    pub unit: String,
    pub change: RequestedChange,
    pub reason: String,
    pub evidence: String,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait RequestStore {
    /// A lead unit's request, pending until the office decides, with its evidence files (each
    /// at most `max` bytes): the request and its files are one write, all or nothing.
    async fn file_request(
        &self,
        new: &NewRequest,
        files: Vec<crate::NewEvidence>,
        max: u64,
        stamp: &Stamp,
    ) -> Result<RequestRecord>;
    /// A plan's requests, the newest first; of one state, of some units, when asked.
    async fn list_requests(
        &self,
        plan: &str,
        state: Option<RequestState>,
        units: Option<&[&str]>,
    ) -> Result<Vec<RequestRecord>>;
    async fn get_request(&self, id: i64) -> Result<RequestRecord>;
    /// The office approves (the change applied as an edit, checked by the plan file's rules,
    /// citing the request) or refuses (with its reason). `version` is the request's as read.
    async fn decide_request(
        &self,
        id: i64,
        version: i64,
        approve: bool,
        text: &str,
        stamp: &Stamp,
    ) -> Result<RequestRecord>;
    /// The unit that asked takes its pending request back. `version` is the request's as read.
    async fn withdraw_request(
        &self,
        id: i64,
        version: i64,
        unit: &str,
        stamp: &Stamp,
    ) -> Result<RequestRecord>;
}

const SELECT: &str = "SELECT r.id, p.code AS plan, r.item_code, u.code AS unit, r.change, r.before_change, r.reason, r.evidence, \
     r.state, r.filed_by, r.filed_at, r.decided_by, r.decided_at, r.decision, r.version \
     FROM change_requests r JOIN plans p ON p.id = r.plan_id JOIN units u ON u.id = r.unit_id";

fn record(r: &sea_orm::QueryResult) -> Result<RequestRecord> {
    Ok(RequestRecord {
        id: get(r, "id")?,
        plan: get(r, "plan")?,
        item: get(r, "item_code")?,
        unit: get(r, "unit")?,
        change: crate::rows::json(r, "change")?,
        before: match get::<Option<String>>(r, "before_change")? {
            Some(t) => {
                Some(serde_json::from_str(&t).map_err(|e| {
                    StoreError::Corrupt(format!("change_requests.before_change: {e}"))
                })?)
            }
            None => None,
        },
        reason: get(r, "reason")?,
        evidence: get(r, "evidence")?,
        state: named(r, "state")?,
        filed_by: get(r, "filed_by")?,
        filed_at: get(r, "filed_at")?,
        decided_by: get(r, "decided_by")?,
        decided_at: get(r, "decided_at")?,
        decision: get(r, "decision")?,
        version: get(r, "version")?,
    })
}

async fn load<C: sea_orm::ConnectionTrait>(c: &C, id: i64) -> Result<RequestRecord> {
    let r = one(c, &format!("{SELECT} WHERE r.id = $1"), vec![id.into()])
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("change request #{id}")))?;
    record(&r)
}

/// What the history keeps of a request or its decision (`text` as every trail shows it).
#[derive(Serialize)]
struct Noted<'a> {
    request: i64,
    unit: &'a str,
    change: &'a RequestedChange,
    text: &'a str,
}

impl RequestStore for Store {
    async fn file_request(
        &self,
        new: &NewRequest,
        files: Vec<crate::NewEvidence>,
        max: u64,
        stamp: &Stamp,
    ) -> Result<RequestRecord> {
        let (plan, item, unit) = (new.plan.as_str(), new.item.as_str(), new.unit.as_str());
        let (change, reason, evidence) = (&new.change, new.reason.as_str(), new.evidence.as_str());
        let current = crate::ItemStore::get_item(self, plan, item).await?;
        if current.archived {
            return Err(StoreError::NotFound(format!(
                "item `{item}` in plan `{plan}`"
            )));
        }
        tuijin_core::edit::check_request(&current.item, unit, change, reason, evidence)?;
        let json = crate::rows::to_json(change)?;
        let before = crate::rows::to_json(&change.before(&current.item))?;
        let txn = self.write().await?;
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        // One pending request per item and unit: a second would contradict the first.
        let pending = one(
            &txn,
            "SELECT q.id FROM change_requests q JOIN units u ON u.id = q.unit_id \
             WHERE q.plan_id = $1 AND q.item_code = $2 AND u.code = $3 AND q.state = 'pending'",
            vec![pid.into(), item.into(), unit.into()],
        )
        .await?;
        if let Some(p) = pending {
            return Err(StoreError::Conflict(
                tuijin_core::problem::Problem::new(
                    "item",
                    tuijin_core::problem::Rule::RequestPending,
                )
                .with("id", get::<i64>(&p, "id")?),
            ));
        }
        // Checked now by the plan file's rules as the approval would apply it, so the office
        // is never handed a request it cannot approve.
        let doc = crate::plans::document_in(&txn, plan).await?;
        tuijin_core::edit::apply(&doc, &ItemEdit::Update(change.apply(&current.item)), reason)
            .map_err(|r| match r {
                tuijin_core::edit::EditRefusal::NotFound(c) => {
                    StoreError::NotFound(format!("item `{c}` in plan `{plan}`"))
                }
                tuijin_core::edit::EditRefusal::Reason(r) => StoreError::from(r),
                tuijin_core::edit::EditRefusal::Invalid(ps) => StoreError::PlanInvalid(ps),
            })?;
        let u = one(
            &txn,
            "SELECT id FROM units WHERE code = $1",
            vec![unit.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("unit `{unit}`")))?;
        let r = one(
            &txn,
            "INSERT INTO change_requests (plan_id, item_code, unit_id, change, reason, evidence, state, filed_by, \
             filed_at, version, before_change) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, 1, $9) RETURNING id",
            vec![
                pid.into(),
                item.into(),
                get::<i64>(&u, "id")?.into(),
                json.into(),
                reason.trim().into(),
                evidence.trim().into(),
                stamp.actor.clone().into(),
                stamp.at.into(),
                before.into(),
            ],
        )
        .await?
        .ok_or_else(|| StoreError::Internal("no id for the new request".into()))?;
        let id: i64 = get(&r, "id")?;
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![
                NewEvent::new(EventKind::ChangeRequested, item)
                    .in_plan(pid)
                    .after(&Noted {
                        request: id,
                        unit,
                        change,
                        text: reason.trim(),
                    })?,
            ],
        )
        .await?;
        if !files.is_empty() {
            crate::evidence::add_in(
                &txn,
                crate::EvidenceOn::Request(id),
                unit,
                files,
                max,
                stamp,
            )
            .await?;
        }
        txn.commit().await?;
        self.get_request(id).await
    }

    async fn list_requests(
        &self,
        plan: &str,
        state: Option<RequestState>,
        units: Option<&[&str]>,
    ) -> Result<Vec<RequestRecord>> {
        let pid = crate::items::plan_id_in(&self.db(), plan).await?;
        let mut sql = format!("{SELECT} WHERE r.plan_id = $1");
        let mut values = vec![pid.into()];
        if let Some(s) = state {
            values.push(s.as_str().into());
            sql.push_str(&format!(" AND r.state = ${}", values.len()));
        }
        let rows = all(&self.db(), &format!("{sql} ORDER BY r.id DESC"), values).await?;
        let mut out: Vec<RequestRecord> = rows.iter().map(record).collect::<Result<_>>()?;
        if let Some(us) = units {
            out.retain(|r| us.contains(&r.unit.as_str()));
        }
        Ok(out)
    }

    async fn get_request(&self, id: i64) -> Result<RequestRecord> {
        load(&self.db(), id).await
    }

    async fn decide_request(
        &self,
        id: i64,
        version: i64,
        approve: bool,
        text: &str,
        stamp: &Stamp,
    ) -> Result<RequestRecord> {
        let txn = self.write().await?;
        crate::plans::take_import_lock(&txn, self.backend()).await?;
        let rec = load(&txn, id).await?;
        if rec.version != version {
            return Err(StoreError::Stale {
                expected: version,
                current: rec.version,
            });
        }
        tuijin_core::edit::check_decision(rec.state, approve, text)?;
        let pid = crate::items::plan_id_in(&txn, &rec.plan).await?;
        if approve {
            // Applied as an edit, in this transaction: refused whole if the plan would break.
            let doc = crate::plans::document_in(&txn, &rec.plan).await?;
            let item = doc
                .items
                .iter()
                .find(|i| i.code.as_str() == rec.item)
                .ok_or_else(|| {
                    StoreError::NotFound(format!("item `{}` in plan `{}`", rec.item, rec.plan))
                })?;
            let why = format!("调整申请 #{id}（{}）：{}", rec.unit, rec.reason);
            crate::edits::edit_in(
                &txn,
                &rec.plan,
                &ItemEdit::Update(rec.change.apply(item)),
                &why,
                stamp,
            )
            .await?;
        }
        let state = if approve {
            RequestState::Approved
        } else {
            RequestState::Refused
        };
        let n = exec(
            &txn,
            "UPDATE change_requests SET state = $1, decided_by = $2, decided_at = $3, decision = $4, \
             version = version + 1 WHERE id = $5 AND version = $6",
            vec![
                state.as_str().into(),
                stamp.actor.clone().into(),
                stamp.at.into(),
                text.trim().into(),
                id.into(),
                version.into(),
            ],
        )
        .await?;
        if n != 1 {
            return Err(StoreError::Stale {
                expected: version,
                current: version + 1,
            });
        }
        let kind = if approve {
            EventKind::ChangeApproved
        } else {
            EventKind::ChangeRefused
        };
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![
                NewEvent::new(kind, rec.item.as_str())
                    .in_plan(pid)
                    .after(&Noted {
                        request: id,
                        unit: &rec.unit,
                        change: &rec.change,
                        text: text.trim(),
                    })?,
            ],
        )
        .await?;
        txn.commit().await?;
        self.get_request(id).await
    }

    async fn withdraw_request(
        &self,
        id: i64,
        version: i64,
        unit: &str,
        stamp: &Stamp,
    ) -> Result<RequestRecord> {
        let txn = self.write().await?;
        let rec = load(&txn, id).await?;
        if rec.version != version {
            return Err(StoreError::Stale {
                expected: version,
                current: rec.version,
            });
        }
        tuijin_core::edit::check_withdrawal(rec.state, &rec.unit, unit)?;
        let pid = crate::items::plan_id_in(&txn, &rec.plan).await?;
        let n = exec(
            &txn,
            "UPDATE change_requests SET state = 'withdrawn', decided_by = $1, decided_at = $2, \
             version = version + 1 WHERE id = $3 AND version = $4 AND state = 'pending'",
            vec![
                stamp.actor.clone().into(),
                stamp.at.into(),
                id.into(),
                version.into(),
            ],
        )
        .await?;
        if n != 1 {
            return Err(StoreError::Stale {
                expected: version,
                current: version + 1,
            });
        }
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![
                NewEvent::new(EventKind::ChangeWithdrawn, rec.item.as_str())
                    .in_plan(pid)
                    .after(&Noted {
                        request: id,
                        unit: &rec.unit,
                        change: &rec.change,
                        text: "",
                    })?,
            ],
        )
        .await?;
        txn.commit().await?;
        self.get_request(id).await
    }
}
