//! Evidence files (佐证材料) as stored: the content once per SHA-256 in `evidence_blobs`, in
//! the database itself on both backends, so a file is written in the same transaction as its
//! record — a killed process or a full disk leaves either both or neither, and backups and
//! restores carry the files with everything else. Each attachment names the report or notice,
//! the file's name, size and type (judged from its content by `core::evidence::check`, here,
//! where every upload passes) and who added it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::problem::{Problem, Problems, Refusal, Rule};

use crate::db::{Store, WriteTxn, all, exec, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::rows::{get, hex};

/// What evidence is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvidenceOn {
    Report(i64),
    Notice(i64),
    /// A change request, by the unit that asked, while it is pending.
    Request(i64),
}

/// A file to add.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvidence {
    pub name: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvidenceRecord {
    pub id: i64,
    pub plan: String,
    pub report: Option<i64>,
    pub notice: Option<i64>,
    pub request: Option<i64>,
    pub name: String,
    pub size: i64,
    /// The type it is served as, judged from its content.
    pub content_type: String,
    pub sha256: String,
    /// The unit that added it.
    pub unit: Option<String>,
    pub uploaded_by: String,
    pub uploaded_on: NaiveDate,
    pub uploaded_at: DateTime<Utc>,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait EvidenceStore {
    /// Adds files to a report of `unit`'s in draft or returned, or to a notice addressed to
    /// `unit` that awaits its reply: every file or none, each checked
    /// (`core::evidence::check`, at most `max` bytes; problems under `files[k]`).
    async fn add_evidence(
        &self,
        on: EvidenceOn,
        unit: &str,
        files: Vec<NewEvidence>,
        max: u64,
        stamp: &Stamp,
    ) -> Result<Vec<EvidenceRecord>>;
    /// The files attached, in the order they were added.
    async fn list_evidence(&self, on: EvidenceOn) -> Result<Vec<EvidenceRecord>>;
    /// The files of several reports at once (a review queue), in the order they were added.
    async fn evidence_of_reports(&self, reports: &[i64]) -> Result<Vec<EvidenceRecord>>;
    async fn get_evidence(&self, id: i64) -> Result<EvidenceRecord>;
    /// A file with its content.
    async fn evidence_content(&self, id: i64) -> Result<(EvidenceRecord, Vec<u8>)>;
}

const SELECT: &str = "SELECT e.id, pl.code AS plan_code, e.report_id, e.notice_id, e.request_id, e.name, e.size, \
    e.content_type, e.sha256, e.unit, e.uploaded_by, e.uploaded_on, e.uploaded_at \
    FROM evidence e JOIN plans pl ON pl.id = e.plan_id";

fn record(r: &sea_orm::QueryResult) -> Result<EvidenceRecord> {
    Ok(EvidenceRecord {
        id: get(r, "id")?,
        plan: get(r, "plan_code")?,
        report: get(r, "report_id")?,
        notice: get(r, "notice_id")?,
        request: get(r, "request_id")?,
        name: get(r, "name")?,
        size: get(r, "size")?,
        content_type: get(r, "content_type")?,
        sha256: get(r, "sha256")?,
        unit: get(r, "unit")?,
        uploaded_by: get(r, "uploaded_by")?,
        uploaded_on: get(r, "uploaded_on")?,
        uploaded_at: get(r, "uploaded_at")?,
    })
}

/// Adds files in the writing transaction `txn` (`EvidenceStore::add_evidence`), which the
/// caller commits: a reply and its files are one write.
pub(crate) async fn add_in(
    txn: &WriteTxn,
    on: EvidenceOn,
    unit: &str,
    files: Vec<NewEvidence>,
    max: u64,
    stamp: &Stamp,
) -> Result<Vec<EvidenceRecord>> {
    let mut out = Problems::default();
    if files.is_empty() {
        out.push(Problem::new("files", Rule::Required));
    }
    if files.len() > tuijin_core::evidence::MAX_FILES {
        out.push(
            Problem::new("files", Rule::TooManyFiles).with("max", tuijin_core::evidence::MAX_FILES),
        );
        return Err(StoreError::Invalid(out.0));
    }
    let mut types = Vec::new();
    for (k, f) in files.iter().enumerate() {
        match tuijin_core::evidence::check(&format!("files[{k}]"), &f.name, &f.bytes, max) {
            Ok(t) => types.push(t),
            Err(Refusal::Invalid(ps)) => ps.into_iter().for_each(|p| out.push(p)),
            Err(e) => return Err(e.into()),
        }
    }
    out.finish()?;
    // What it is attached to, whose it is, and whether it can still change.
    let (plan_id, open, owner_ok, kind, code) = match on {
        EvidenceOn::Report(id) => {
            let r = one(
                    txn,
                    "SELECT r.plan_id, r.state, r.period, u.code AS unit, EXISTS (SELECT 1 FROM closed_periods c \
                     WHERE c.plan_id = r.plan_id AND c.period = r.period) AS closed \
                     FROM reports r JOIN units u ON u.id = r.unit_id WHERE r.id = $1",
                    vec![id.into()],
                )
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("report #{id}")))?;
            let state: String = get(&r, "state")?;
            let owner: String = get(&r, "unit")?;
            if get::<bool>(&r, "closed")? && owner == unit {
                let period: String = get(&r, "period")?;
                return Err(StoreError::Conflict(
                    Problem::new("period", Rule::PeriodClosed).with("period", period),
                ));
            }
            (
                get::<i64>(&r, "plan_id")?,
                matches!(state.as_str(), "draft" | "returned"),
                owner == unit,
                EventKind::ReportEvidenceAdded,
                id.to_string(),
            )
        }
        EvidenceOn::Notice(id) => {
            let r = one(
                    txn,
                    "SELECT n.plan_id, n.state, EXISTS (SELECT 1 FROM notice_units l JOIN units u ON u.id = l.unit_id \
                     WHERE l.notice_id = n.id AND u.code = $2) AS addressed FROM notices n WHERE n.id = $1",
                    vec![id.into(), unit.into()],
                )
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("notice #{id}")))?;
            let state: String = get(&r, "state")?;
            (
                get::<i64>(&r, "plan_id")?,
                matches!(state.as_str(), "issued" | "signed" | "returned"),
                get::<bool>(&r, "addressed")?,
                EventKind::NoticeEvidenceAdded,
                id.to_string(),
            )
        }
        EvidenceOn::Request(id) => {
            let r = one(
                txn,
                "SELECT r.plan_id, r.state, r.item_code, u.code AS unit FROM change_requests r \
                 JOIN units u ON u.id = r.unit_id WHERE r.id = $1",
                vec![id.into()],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("change request #{id}")))?;
            let state: String = get(&r, "state")?;
            (
                get::<i64>(&r, "plan_id")?,
                state == "pending",
                get::<String>(&r, "unit")? == unit,
                EventKind::ChangeEvidenceAdded,
                get::<String>(&r, "item_code")?,
            )
        }
    };
    if !owner_ok {
        return Err(StoreError::Forbidden(
            Problem::new("unit", Rule::NotYourUnit).with("unit", unit),
        ));
    }
    if !open {
        return Err(StoreError::Conflict(Problem::new(
            "state",
            Rule::EvidenceClosed,
        )));
    }
    let (report, notice, request) = match on {
        EvidenceOn::Report(id) => (Some(id), None, None),
        EvidenceOn::Notice(id) => (None, Some(id), None),
        EvidenceOn::Request(id) => (None, None, Some(id)),
    };
    let mut ids = Vec::new();
    let mut added = Vec::new();
    for (f, t) in files.into_iter().zip(types) {
        let sha = hex(&Sha256::digest(&f.bytes));
        let size = f.bytes.len() as i64;
        exec(
            txn,
            "INSERT INTO evidence_blobs (sha256, size, content) VALUES ($1, $2, $3) \
                 ON CONFLICT (sha256) DO NOTHING",
            vec![sha.clone().into(), size.into(), f.bytes.into()],
        )
        .await?;
        let name = tuijin_core::evidence::clean_name(&f.name);
        let row = one(
                txn,
                "INSERT INTO evidence (plan_id, report_id, notice_id, request_id, sha256, name, size, content_type, unit, \
                 uploaded_by, uploaded_on, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                vec![
                    plan_id.into(),
                    report.into(),
                    notice.into(),
                    request.into(),
                    sha.clone().into(),
                    name.clone().into(),
                    size.into(),
                    t.mime.into(),
                    unit.into(),
                    stamp.actor.clone().into(),
                    stamp.today.into(),
                    stamp.at.into(),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Internal("INSERT gave no id".into()))?;
        ids.push(get::<i64>(&row, "id")?);
        #[derive(Serialize)]
        struct Added {
            name: String,
            size: i64,
            sha256: String,
        }
        added.push(Added {
            name,
            size,
            sha256: sha,
        });
    }
    append(
        txn,
        stamp.at,
        &stamp.actor,
        vec![NewEvent::new(kind, code).in_plan(plan_id).after(&added)?],
    )
    .await?;
    let recs = all(
        txn,
        &format!(
            "{SELECT} WHERE e.id IN ({}) ORDER BY e.id",
            crate::rows::id_list(&ids)
        ),
        vec![],
    )
    .await?
    .iter()
    .map(record)
    .collect::<Result<Vec<_>>>()?;
    Ok(recs)
}

impl EvidenceStore for Store {
    async fn add_evidence(
        &self,
        on: EvidenceOn,
        unit: &str,
        files: Vec<NewEvidence>,
        max: u64,
        stamp: &Stamp,
    ) -> Result<Vec<EvidenceRecord>> {
        let txn = self.write().await?;
        let recs = add_in(&txn, on, unit, files, max, stamp).await?;
        txn.commit().await?;
        Ok(recs)
    }

    async fn list_evidence(&self, on: EvidenceOn) -> Result<Vec<EvidenceRecord>> {
        let (col, id) = match on {
            EvidenceOn::Report(id) => ("report_id", id),
            EvidenceOn::Notice(id) => ("notice_id", id),
            EvidenceOn::Request(id) => ("request_id", id),
        };
        all(
            &self.db(),
            &format!("{SELECT} WHERE e.{col} = $1 ORDER BY e.id"),
            vec![id.into()],
        )
        .await?
        .iter()
        .map(record)
        .collect()
    }

    async fn evidence_of_reports(&self, reports: &[i64]) -> Result<Vec<EvidenceRecord>> {
        if reports.is_empty() {
            return Ok(Vec::new());
        }
        all(
            &self.db(),
            &format!(
                "{SELECT} WHERE e.report_id IN ({}) ORDER BY e.id",
                crate::rows::id_list(reports)
            ),
            vec![],
        )
        .await?
        .iter()
        .map(record)
        .collect()
    }

    async fn get_evidence(&self, id: i64) -> Result<EvidenceRecord> {
        let r = one(
            &self.db(),
            &format!("{SELECT} WHERE e.id = $1"),
            vec![id.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("evidence #{id}")))?;
        record(&r)
    }

    async fn evidence_content(&self, id: i64) -> Result<(EvidenceRecord, Vec<u8>)> {
        let rec = self.get_evidence(id).await?;
        let r = one(
            &self.db(),
            "SELECT content FROM evidence_blobs WHERE sha256 = $1",
            vec![rec.sha256.clone().into()],
        )
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("evidence #{id} has no content")))?;
        let bytes: Vec<u8> = get(&r, "content")?;
        // The content is what was hashed: a damaged file is never served as if it were whole.
        if hex(&Sha256::digest(&bytes)) != rec.sha256 {
            return Err(StoreError::Corrupt(format!(
                "evidence #{id}: content does not match its SHA-256"
            )));
        }
        Ok((rec, bytes))
    }
}
