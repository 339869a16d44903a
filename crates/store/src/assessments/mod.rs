//! Unit assessment as stored: the scheme each plan is assessed by, runs and objections.
//!
//! A run is computed once (`core::assess::run` on the facts as of its period's end) and kept
//! with the scheme it used and a digest of its result. Nothing ever rewrites a run's result:
//! the only changes are its state (draft → locked → published, each once, with who and when)
//! and the deletion of a draft. A re-run is a new run that names the run it corrects.

mod facts;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tuijin_core::assess::{
    self, AssessPeriod, Facts, Outcome, RunAction, RunState, Scheme, check_scheme,
};
use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::problem::{Problem, Rule};

use crate::db::{Store, all, exec, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::rows::{get, named};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemeRecord {
    pub plan: String,
    pub code: String,
    pub source: String,
    #[serde(skip)]
    pub scheme: Scheme,
    pub loaded_by: String,
    pub loaded_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectionRecord {
    pub id: i64,
    pub assessment: i64,
    pub unit: String,
    pub reason: String,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// The corrected run made in answer, if one was.
    pub rerun: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AssessmentRecord {
    pub id: i64,
    pub plan: String,
    pub period: String,
    pub as_of: NaiveDate,
    pub scheme_code: String,
    #[serde(skip)]
    pub scheme_source: String,
    #[serde(skip)]
    pub scheme: Scheme,
    pub state: RunState,
    pub outcome: Outcome,
    /// SHA-256 of the result as stored: the same for as long as the run exists.
    pub digest: String,
    /// The run this one corrects.
    pub supersedes: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub locked_by: Option<String>,
    pub locked_at: Option<DateTime<Utc>>,
    pub published_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub objections: Vec<ObjectionRecord>,
    pub version: i64,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait AssessStore {
    /// Makes `scheme` (read from `source`) the plan's scheme, after checking it against the
    /// plan's units and notice levels (`core::assess::check_scheme`).
    async fn load_scheme(
        &self,
        plan: &str,
        source: &str,
        scheme: &Scheme,
        stamp: &Stamp,
    ) -> Result<SchemeRecord>;
    async fn scheme_of(&self, plan: &str) -> Result<Option<SchemeRecord>>;
    /// The facts of a period as they stood at its end.
    async fn assessment_facts(&self, plan: &str, period: AssessPeriod) -> Result<Facts>;
    /// Runs the plan's scheme over a period that has ended by `stamp.today`: a new draft.
    async fn create_assessment(
        &self,
        plan: &str,
        period: AssessPeriod,
        supersedes: Option<i64>,
        stamp: &Stamp,
    ) -> Result<AssessmentRecord>;
    /// Locks, publishes or discards (a draft) a run; refused when stale (`version`).
    async fn act_on_assessment(
        &self,
        id: i64,
        action: RunAction,
        version: Option<i64>,
        stamp: &Stamp,
    ) -> Result<Option<AssessmentRecord>>;
    async fn get_assessment(&self, id: i64) -> Result<AssessmentRecord>;
    /// A plan's runs, newest period first; only published ones when `published_only`.
    async fn list_assessments(
        &self,
        plan: &str,
        published_only: bool,
    ) -> Result<Vec<AssessmentRecord>>;
    /// The newest published run that no published correction replaces: the rankings that
    /// stand (the cockpit's).
    async fn latest_published(&self, plan: &str) -> Result<Option<AssessmentRecord>>;
    /// A scored unit's objection (申诉) to a published run.
    async fn file_objection(
        &self,
        id: i64,
        unit: &str,
        reason: &str,
        stamp: &Stamp,
    ) -> Result<ObjectionRecord>;
    /// The office's answer; with `rerun`, a corrected run of the same period (a new draft on
    /// the facts as of the period's end, by the scheme as it is now, with the adjustment the
    /// objection called for, say) is made, replacing the result that stands, and named in the
    /// answer. Racing answers leave one answer and at most one re-run.
    async fn answer_objection(
        &self,
        objection: i64,
        answer: &str,
        rerun: bool,
        stamp: &Stamp,
    ) -> Result<ObjectionRecord>;
}

const SELECT: &str = "SELECT a.id, p.code AS plan, a.period, a.as_of, a.scheme_code, a.scheme_source, a.scheme, a.state, \
     a.result, a.digest, a.supersedes_id, a.created_by, a.created_at, a.locked_by, a.locked_at, a.published_by, \
     a.published_at, a.version FROM assessments a JOIN plans p ON p.id = a.plan_id";

fn json_of<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn digest(result: &str) -> String {
    Sha256::digest(result.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn record(r: &sea_orm::QueryResult) -> Result<AssessmentRecord> {
    let result: String = get(r, "result")?;
    let stored: String = get(r, "digest")?;
    if digest(&result) != stored {
        return Err(StoreError::Corrupt(format!(
            "assessment #{}: result does not match its digest",
            get::<i64>(r, "id")?
        )));
    }
    Ok(AssessmentRecord {
        id: get(r, "id")?,
        plan: get(r, "plan")?,
        period: get(r, "period")?,
        as_of: get(r, "as_of")?,
        scheme_code: get(r, "scheme_code")?,
        scheme_source: get(r, "scheme_source")?,
        scheme: json_of(&get::<String>(r, "scheme")?, "assessments.scheme")?,
        state: named(r, "state")?,
        outcome: json_of(&result, "assessments.result")?,
        digest: stored,
        supersedes: get(r, "supersedes_id")?,
        created_by: get(r, "created_by")?,
        created_at: get(r, "created_at")?,
        locked_by: get(r, "locked_by")?,
        locked_at: get(r, "locked_at")?,
        published_by: get(r, "published_by")?,
        published_at: get(r, "published_at")?,
        objections: Vec::new(),
        version: get(r, "version")?,
    })
}

async fn objections_of<C: sea_orm::ConnectionTrait>(
    c: &C,
    ids: &[i64],
) -> Result<Vec<ObjectionRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    all(
        c,
        &format!(
            "SELECT o.id, o.assessment_id, u.code AS unit, o.reason, o.filed_by, o.filed_at, o.answer, \
             o.answered_by, o.answered_at, o.rerun_id FROM assessment_objections o JOIN units u ON u.id = o.unit_id \
             WHERE o.assessment_id IN ({}) ORDER BY o.id",
            crate::rows::id_list(ids)
        ),
        vec![],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ObjectionRecord {
            id: get(r, "id")?,
            assessment: get(r, "assessment_id")?,
            unit: get(r, "unit")?,
            reason: get(r, "reason")?,
            filed_by: get(r, "filed_by")?,
            filed_at: get(r, "filed_at")?,
            answer: get(r, "answer")?,
            answered_by: get(r, "answered_by")?,
            answered_at: get(r, "answered_at")?,
            rerun: get(r, "rerun_id")?,
        })
    })
    .collect()
}

async fn load<C: sea_orm::ConnectionTrait>(c: &C, id: i64) -> Result<AssessmentRecord> {
    let r = one(c, &format!("{SELECT} WHERE a.id = $1"), vec![id.into()])
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("assessment #{id}")))?;
    let mut rec = record(&r)?;
    rec.objections = objections_of(c, &[id]).await?;
    Ok(rec)
}

fn event(kind: EventKind, id: i64, plan_id: i64) -> NewEvent {
    NewEvent::new(kind, id.to_string()).in_plan(plan_id)
}

/// A run computed and ready to be stored.
struct Prepared {
    period: AssessPeriod,
    as_of: chrono::NaiveDate,
    scheme: SchemeRecord,
    scheme_json: String,
    result: String,
}

/// The published run of a period that no published correction replaces, if any.
async fn standing<C: sea_orm::ConnectionTrait>(
    c: &C,
    plan_id: i64,
    period: &str,
) -> Result<Option<i64>> {
    let r = one(
        c,
        "SELECT a.id FROM assessments a WHERE a.plan_id = $1 AND a.period = $2 AND a.state = 'published' \
         AND NOT EXISTS (SELECT 1 FROM assessments b WHERE b.supersedes_id = a.id AND b.state = 'published') \
         ORDER BY a.id DESC LIMIT 1",
        vec![plan_id.into(), period.into()],
    )
    .await?;
    r.map(|r| get(&r, "id")).transpose()
}

impl Store {
    /// Computes a run of `period` on the facts as they stood at its end, with the plan's
    /// scheme as it is now. Only a period whose last day has passed: on that day itself reports
    /// are still coming in.
    async fn prepare_run(
        &self,
        plan: &str,
        period: AssessPeriod,
        stamp: &Stamp,
    ) -> Result<Prepared> {
        let scheme = self
            .scheme_of(plan)
            .await?
            .ok_or_else(|| StoreError::invalid(Problem::new("scheme", Rule::NoScheme)))?;
        if period.last_day() >= stamp.today {
            return Err(StoreError::invalid(
                Problem::new("period", Rule::AssessPeriodOpen)
                    .with("period", period)
                    .with("last", period.last_day()),
            ));
        }
        let facts = self.load_facts(plan, period).await?;
        let outcome = assess::run(&scheme.scheme, &facts);
        let result = serde_json::to_string(&outcome)
            .map_err(|e| StoreError::Internal(format!("assessment result: {e}")))?;
        let scheme_json = serde_json::to_string(&scheme.scheme)
            .map_err(|e| StoreError::Internal(format!("assessment scheme: {e}")))?;
        Ok(Prepared {
            period,
            as_of: facts.as_of,
            scheme,
            scheme_json,
            result,
        })
    }

    async fn insert_run(
        &self,
        plan: &str,
        period: AssessPeriod,
        supersedes: Option<i64>,
        stamp: &Stamp,
    ) -> Result<(i64, i64)> {
        let p = self.prepare_run(plan, period, stamp).await?;
        let txn = self.write().await?;
        let plan_id = crate::items::plan_id_in(&txn, plan).await?;
        // A new run of a period with a result standing is its correction.
        let supersedes = match supersedes {
            Some(s) => Some(s),
            None => standing(&txn, plan_id, &period.to_string()).await?,
        };
        let id = insert_prepared(&txn, plan_id, &p, supersedes, stamp).await?;
        txn.commit().await?;
        Ok((id, plan_id))
    }
}

/// Stores a computed run as a draft, with its event, in `txn`.
async fn insert_prepared<C: sea_orm::ConnectionTrait>(
    txn: &C,
    plan_id: i64,
    p: &Prepared,
    supersedes: Option<i64>,
    stamp: &Stamp,
) -> Result<i64> {
    if let Some(s) = supersedes {
        load(txn, s).await?;
    }
    let r = one(
        txn,
        "INSERT INTO assessments (plan_id, period, as_of, scheme_code, scheme_source, scheme, state, result, digest, \
         supersedes_id, created_by, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $11, 1) \
         RETURNING id",
        vec![
            plan_id.into(),
            p.period.to_string().into(),
            p.as_of.into(),
            p.scheme.code.clone().into(),
            p.scheme.source.clone().into(),
            p.scheme_json.clone().into(),
            p.result.clone().into(),
            digest(&p.result).into(),
            supersedes.into(),
            stamp.actor.clone().into(),
            stamp.at.into(),
        ],
    )
    .await?
    .ok_or_else(|| StoreError::Internal("no id for the new assessment".into()))?;
    let id: i64 = get(&r, "id")?;
    #[derive(Serialize)]
    struct Created<'a> {
        period: String,
        scheme: &'a str,
        supersedes: Option<i64>,
    }
    append(
        txn,
        stamp.at,
        &stamp.actor,
        vec![
            event(EventKind::AssessmentCreated, id, plan_id).after(&Created {
                period: p.period.to_string(),
                scheme: &p.scheme.code,
                supersedes,
            })?,
        ],
    )
    .await?;
    Ok(id)
}

impl AssessStore for Store {
    async fn load_scheme(
        &self,
        plan: &str,
        source: &str,
        scheme: &Scheme,
        stamp: &Stamp,
    ) -> Result<SchemeRecord> {
        let doc = self.export_plan_in(plan).await?;
        let problems = check_scheme(scheme, &doc.units, &doc.plan.notices.levels);
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let json = serde_json::to_string(scheme)
            .map_err(|e| StoreError::Internal(format!("assessment scheme: {e}")))?;
        let txn = self.write().await?;
        let plan_id = crate::items::plan_id_in(&txn, plan).await?;
        exec(
            &txn,
            "DELETE FROM assessment_schemes WHERE plan_id = $1",
            vec![plan_id.into()],
        )
        .await?;
        exec(
            &txn,
            "INSERT INTO assessment_schemes (plan_id, code, source, scheme, loaded_by, loaded_at) VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                plan_id.into(),
                scheme.scheme.code.clone().into(),
                source.into(),
                json.into(),
                stamp.actor.clone().into(),
                stamp.at.into(),
            ],
        )
        .await?;
        #[derive(Serialize)]
        struct Loaded<'a> {
            scheme: &'a str,
        }
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![
                NewEvent::new(EventKind::AssessmentSchemeLoaded, plan)
                    .in_plan(plan_id)
                    .after(&Loaded {
                        scheme: &scheme.scheme.code,
                    })?,
            ],
        )
        .await?;
        txn.commit().await?;
        self.scheme_of(plan)
            .await?
            .ok_or_else(|| StoreError::Internal("scheme not kept".into()))
    }

    async fn scheme_of(&self, plan: &str) -> Result<Option<SchemeRecord>> {
        let r = one(
            &self.db(),
            "SELECT p.code AS plan, s.code, s.source, s.scheme, s.loaded_by, s.loaded_at FROM assessment_schemes s \
             JOIN plans p ON p.id = s.plan_id WHERE p.code = $1",
            vec![plan.into()],
        )
        .await?;
        r.map(|r| {
            Ok(SchemeRecord {
                plan: get(&r, "plan")?,
                code: get(&r, "code")?,
                source: get(&r, "source")?,
                scheme: json_of(&get::<String>(&r, "scheme")?, "assessment_schemes.scheme")?,
                loaded_by: get(&r, "loaded_by")?,
                loaded_at: get(&r, "loaded_at")?,
            })
        })
        .transpose()
    }

    async fn assessment_facts(&self, plan: &str, period: AssessPeriod) -> Result<Facts> {
        self.load_facts(plan, period).await
    }

    async fn create_assessment(
        &self,
        plan: &str,
        period: AssessPeriod,
        supersedes: Option<i64>,
        stamp: &Stamp,
    ) -> Result<AssessmentRecord> {
        let (id, _) = self.insert_run(plan, period, supersedes, stamp).await?;
        self.get_assessment(id).await
    }

    async fn act_on_assessment(
        &self,
        id: i64,
        action: RunAction,
        version: Option<i64>,
        stamp: &Stamp,
    ) -> Result<Option<AssessmentRecord>> {
        let txn = self.write().await?;
        let rec = load(&txn, id).await?;
        if let Some(v) = version.filter(|v| *v != rec.version) {
            return Err(StoreError::Stale {
                expected: v,
                current: rec.version,
            });
        }
        let to = assess::run_transition(rec.state, action)?;
        let plan_id = crate::items::plan_id_in(&txn, &rec.plan).await?;
        let (kind, sql) = match action {
            RunAction::Lock => (
                EventKind::AssessmentLocked,
                "UPDATE assessments SET state = 'locked', locked_by = $1, locked_at = $2, version = version + 1 \
                 WHERE id = $3 AND state = 'draft'",
            ),
            RunAction::Publish => (
                EventKind::AssessmentPublished,
                "UPDATE assessments SET state = 'published', published_by = $1, published_at = $2, version = version + 1 \
                 WHERE id = $3 AND state = 'locked'",
            ),
            RunAction::Discard => (
                EventKind::AssessmentDiscarded,
                "DELETE FROM assessments WHERE id = $1 AND state = 'draft'",
            ),
        };
        if action == RunAction::Publish {
            // One result stands for a period: a second is published only as its correction.
            // The plan's row lock makes two publishes of one period take turns (SQLite's
            // write transaction already does).
            if self.backend() == crate::Backend::Postgres {
                exec(
                    &txn,
                    "SELECT id FROM plans WHERE id = $1 FOR UPDATE",
                    vec![plan_id.into()],
                )
                .await?;
            }
            if let Some(s) = standing(&txn, plan_id, &rec.period).await?
                && rec.supersedes != Some(s)
            {
                return Err(StoreError::Conflict(
                    Problem::new("period", Rule::PeriodPublished)
                        .with("period", &rec.period)
                        .with("standing", s),
                ));
            }
        }
        if action == RunAction::Discard {
            let answers = one(
                &txn,
                "SELECT id FROM assessment_objections WHERE rerun_id = $1",
                vec![id.into()],
            )
            .await?;
            if answers.is_some() {
                return Err(StoreError::Conflict(Problem::new(
                    "assessment",
                    Rule::RerunOfObjection,
                )));
            }
            exec(
                &txn,
                "UPDATE assessments SET supersedes_id = NULL WHERE supersedes_id = $1 AND state = 'draft'",
                vec![id.into()],
            )
            .await?;
        }
        let values = match action {
            RunAction::Discard => vec![id.into()],
            _ => vec![stamp.actor.clone().into(), stamp.at.into(), id.into()],
        };
        let n = exec(&txn, sql, values).await?;
        if n != 1 {
            return Err(StoreError::Stale {
                expected: rec.version,
                current: rec.version + 1,
            });
        }
        #[derive(Serialize)]
        struct State<'a> {
            state: &'a str,
        }
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![event(kind, id, plan_id).before(&State {
                state: rec.state.as_str(),
            })?],
        )
        .await?;
        txn.commit().await?;
        match to {
            Some(_) => Ok(Some(self.get_assessment(id).await?)),
            None => Ok(None),
        }
    }

    async fn get_assessment(&self, id: i64) -> Result<AssessmentRecord> {
        load(&self.db(), id).await
    }

    async fn list_assessments(
        &self,
        plan: &str,
        published_only: bool,
    ) -> Result<Vec<AssessmentRecord>> {
        let pid = crate::items::plan_id_in(&self.db(), plan).await?;
        let filter = if published_only {
            " AND a.state = 'published'"
        } else {
            ""
        };
        let rows = all(
            &self.db(),
            &format!("{SELECT} WHERE a.plan_id = $1{filter} ORDER BY a.as_of DESC, a.id DESC"),
            vec![pid.into()],
        )
        .await?;
        let mut out: Vec<AssessmentRecord> = rows.iter().map(record).collect::<Result<_>>()?;
        let ids: Vec<i64> = out.iter().map(|a| a.id).collect();
        for o in objections_of(&self.db(), &ids).await? {
            if let Some(a) = out.iter_mut().find(|a| a.id == o.assessment) {
                a.objections.push(o);
            }
        }
        Ok(out)
    }

    async fn latest_published(&self, plan: &str) -> Result<Option<AssessmentRecord>> {
        let pid = crate::items::plan_id_in(&self.db(), plan).await?;
        let row = one(
            &self.db(),
            &format!(
                "{SELECT} WHERE a.plan_id = $1 AND a.state = 'published' AND NOT EXISTS \
                 (SELECT 1 FROM assessments b WHERE b.supersedes_id = a.id AND b.state = 'published') \
                 ORDER BY a.as_of DESC, a.id DESC LIMIT 1"
            ),
            vec![pid.into()],
        )
        .await?;
        match row {
            Some(r) => {
                let mut a = record(&r)?;
                a.objections = objections_of(&self.db(), &[a.id]).await?;
                Ok(Some(a))
            }
            None => Ok(None),
        }
    }

    async fn file_objection(
        &self,
        id: i64,
        unit: &str,
        reason: &str,
        stamp: &Stamp,
    ) -> Result<ObjectionRecord> {
        let txn = self.write().await?;
        let rec = load(&txn, id).await?;
        assess::check_objection(rec.state, rec.outcome.unit(unit).is_some(), reason)?;
        let plan_id = crate::items::plan_id_in(&txn, &rec.plan).await?;
        let unit_id: i64 = one(
            &txn,
            "SELECT id FROM units WHERE code = $1",
            vec![unit.into()],
        )
        .await?
        .map(|r| get(&r, "id"))
        .transpose()?
        .ok_or_else(|| {
            StoreError::invalid(Problem::new("unit", Rule::UnknownUnit).with("unit", unit))
        })?;
        let r = one(
            &txn,
            "INSERT INTO assessment_objections (assessment_id, unit_id, reason, filed_by, filed_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            vec![
                id.into(),
                unit_id.into(),
                reason.trim().into(),
                stamp.actor.clone().into(),
                stamp.at.into(),
            ],
        )
        .await?
        .ok_or_else(|| StoreError::Internal("no id for the objection".into()))?;
        let oid: i64 = get(&r, "id")?;
        #[derive(Serialize)]
        struct Filed<'a> {
            objection: i64,
            unit: &'a str,
            reason: &'a str,
        }
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![event(EventKind::ObjectionFiled, id, plan_id).after(&Filed {
                objection: oid,
                unit,
                reason: reason.trim(),
            })?],
        )
        .await?;
        txn.commit().await?;
        objections_of(&self.db(), &[id])
            .await?
            .into_iter()
            .find(|o| o.id == oid)
            .ok_or_else(|| StoreError::Internal("objection not kept".into()))
    }

    async fn answer_objection(
        &self,
        objection: i64,
        answer: &str,
        rerun: bool,
        stamp: &Stamp,
    ) -> Result<ObjectionRecord> {
        let r = one(
            &self.db(),
            "SELECT assessment_id, answer FROM assessment_objections WHERE id = $1",
            vec![objection.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("objection #{objection}")))?;
        let run: i64 = get(&r, "assessment_id")?;
        assess::check_answer(get::<Option<String>>(&r, "answer")?.is_none(), answer)?;
        let rec = self.get_assessment(run).await?;
        let period = AssessPeriod::parse(&rec.period)
            .map_err(|_| StoreError::Corrupt(format!("assessments.period `{}`", rec.period)))?;
        // Computed first (it reads much); stored with the answer, in one transaction, only if
        // the objection is still open then: racing answers leave one answer and one re-run.
        let prepared = match rerun {
            true => Some(self.prepare_run(&rec.plan, period, stamp).await?),
            false => None,
        };
        let txn = self.write().await?;
        let plan_id = crate::items::plan_id_in(&txn, &rec.plan).await?;
        let n = exec(
            &txn,
            "UPDATE assessment_objections SET answer = $1, answered_by = $2, answered_at = $3 \
             WHERE id = $4 AND answer IS NULL",
            vec![
                answer.trim().into(),
                stamp.actor.clone().into(),
                stamp.at.into(),
                objection.into(),
            ],
        )
        .await?;
        if n != 1 {
            return Err(StoreError::Conflict(Problem::new(
                "objection",
                Rule::ObjectionAnswered,
            )));
        }
        let rerun_id = match &prepared {
            Some(p) => {
                // The correction replaces the result that stands for the period (the run
                // objected to, unless a correction of it is published already).
                let replaces = standing(&txn, plan_id, &rec.period).await?.unwrap_or(run);
                let id = insert_prepared(&txn, plan_id, p, Some(replaces), stamp).await?;
                exec(
                    &txn,
                    "UPDATE assessment_objections SET rerun_id = $1 WHERE id = $2",
                    vec![id.into(), objection.into()],
                )
                .await?;
                Some(id)
            }
            None => None,
        };
        #[derive(Serialize)]
        struct Answered<'a> {
            objection: i64,
            answer: &'a str,
            rerun: Option<i64>,
        }
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![
                event(EventKind::ObjectionAnswered, run, plan_id).after(&Answered {
                    objection,
                    answer: answer.trim(),
                    rerun: rerun_id,
                })?,
            ],
        )
        .await?;
        txn.commit().await?;
        objections_of(&self.db(), &[run])
            .await?
            .into_iter()
            .find(|o| o.id == objection)
            .ok_or_else(|| StoreError::Internal("objection not kept".into()))
    }
}
