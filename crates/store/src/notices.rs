//! Supervision notices (督办单) as stored: issuing with a gapless number per plan and year,
//! the loop of signing, replying, returning and closing, extensions, and the trail of events.
//! The rules are `core::notice`; the level a notice has reached on a day is computed there
//! from what is stored here (`NoticeRecord::rises`).

use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, Value};
use serde::{Deserialize, Serialize};
use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::notice::{self, NoticeAction, NoticeSettings, NoticeState, Rise, Round};
use tuijin_core::problem::{Problem, Problems, Rule};

use crate::db::{Store, WriteTxn, all, exec, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::rows::{get, id_list, insert_rows, named};

/// What an item stood at when a notice was issued about it: frozen with the notice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoticeFact {
    pub code: String,
    pub title: String,
    pub status: String,
    /// Progress vouched for, and expected, in percent.
    pub progress: Option<f64>,
    pub expected: Option<f64>,
    /// The open warnings on it, as their kinds.
    pub warnings: Vec<String>,
}

/// A notice to issue.
#[derive(Clone, Debug)]
pub struct NewNotice {
    pub plan: String,
    pub items: Vec<String>,
    pub units: Vec<String>,
    /// Index into the plan's levels (0: the mildest).
    pub level: usize,
    pub title: String,
    pub actions: String,
    pub reply_by: NaiveDate,
    pub facts: Vec<NoticeFact>,
    /// The warnings it answers, when it was issued from a proposal (`core::proposal`).
    pub prompted_by: Vec<i64>,
}

/// An addressed unit and the day it signed for the notice.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NoticeUnit {
    pub code: String,
    pub signed_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NoticeRecord {
    pub id: i64,
    pub plan: String,
    pub number: String,
    /// The level it was issued at (index into the plan's levels).
    pub level: usize,
    pub title: String,
    pub actions: String,
    pub reply_by: NaiveDate,
    /// The reply date it was issued with (extensions move `reply_by`).
    pub first_reply_by: NaiveDate,
    pub state: NoticeState,
    pub items: Vec<String>,
    pub units: Vec<NoticeUnit>,
    pub facts: Vec<NoticeFact>,
    /// The leader in charge copied (分管领导), from the first item that names one.
    pub leader: Option<String>,
    pub reply: Option<String>,
    pub replied_on: Option<NaiveDate>,
    /// The office's last word: why it was returned, refused, or closed.
    pub comment: Option<String>,
    pub closed_on: Option<NaiveDate>,
    /// An extension asked for and not yet decided.
    pub extension_until: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub issued_on: NaiveDate,
    pub issued_by: String,
    /// The warnings it answers, when it was issued from a proposal.
    pub prompted_by: Vec<i64>,
    /// Rounds closed by a returned reply: when each reply was due and when it came.
    pub rounds: Vec<Round>,
    pub version: i64,
}

impl NoticeRecord {
    /// How the notice's level rose by `date` (`core::notice::rises`): a reply stops it, and a
    /// returned reply is no reply.
    pub fn rises(&self, date: NaiveDate, settings: &NoticeSettings) -> Vec<Rise> {
        let answered = match self.state {
            NoticeState::Replied => self.replied_on,
            NoticeState::Closed => self.replied_on.or(self.closed_on),
            _ => None,
        };
        let mut rounds = self.rounds.clone();
        rounds.push(Round {
            reply_by: self.reply_by,
            answered,
        });
        notice::rises_over(
            self.level,
            &rounds,
            date,
            settings.escalate_every,
            settings.levels.len(),
        )
    }

    /// The level on `date`.
    pub fn level_on(&self, date: NaiveDate, settings: &NoticeSettings) -> usize {
        self.rises(date, settings)
            .last()
            .map_or(self.level, |r| r.level)
    }

    /// Whether one of `units` is addressed.
    pub fn addressed_to(&self, units: &[&str]) -> bool {
        self.units.iter().any(|u| units.contains(&u.code.as_str()))
    }
}

/// Which notices to list.
#[derive(Clone, Debug, Default)]
pub struct NoticeFilter {
    pub plan: Option<String>,
    pub state: Option<NoticeState>,
    pub unit: Option<String>,
    pub item: Option<String>,
    /// Only notices with a larger id (the cursor of the previous page).
    pub after: Option<i64>,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait NoticeStore {
    /// Issues a notice: items of the plan, units that exist, a level the plan has, a reply
    /// date from today on, a title and the actions required. Its number is the next of the
    /// plan's year of issue, without gaps, whatever else is issued at the same time.
    async fn issue_notice(
        &self,
        new: NewNotice,
        settings: &NoticeSettings,
        stamp: &Stamp,
    ) -> Result<NoticeRecord>;
    async fn get_notice(&self, id: i64) -> Result<NoticeRecord>;
    /// How many notices wait for one of `units` to act: to sign it, or (the lead unit) to
    /// answer it while it waits for a reply (issued, signed or returned).
    async fn count_awaiting_reply(&self, units: &[String]) -> Result<u64>;
    /// Notices in id order, `limit` at most (1 to 1,000).
    async fn list_notices(&self, f: &NoticeFilter, limit: u64) -> Result<Vec<NoticeRecord>>;
    /// Acts on a notice (`core::notice::transition` and `check_words`): `unit` is the
    /// addressed unit acting (for sign, reply and asking an extension), `text` the reply or
    /// the reason, `until` the date an extension asks for. Refused when stale (`version`).
    /// `act_on_notice` with files: a reply and its evidence (`core::evidence::check`, at most
    /// `max` bytes each) are kept in one transaction, or neither; files go with a reply only.
    #[allow(clippy::too_many_arguments)] // each argument is one fact of the act
    async fn act_with_files(
        &self,
        id: i64,
        version: i64,
        action: NoticeAction,
        unit: Option<&str>,
        text: &str,
        until: Option<NaiveDate>,
        files: Vec<crate::evidence::NewEvidence>,
        max: u64,
        stamp: &Stamp,
    ) -> Result<NoticeRecord>;
    #[allow(clippy::too_many_arguments)] // each argument is one fact of the act
    async fn act_on_notice(
        &self,
        id: i64,
        version: i64,
        action: NoticeAction,
        unit: Option<&str>,
        text: &str,
        until: Option<NaiveDate>,
        stamp: &Stamp,
    ) -> Result<NoticeRecord>;
}

const SELECT: &str = "SELECT n.id, pl.code AS plan_code, n.number, n.level, n.title, n.actions, n.reply_by, \
    n.first_reply_by, n.state, n.facts, n.leader, n.reply, n.replied_on, n.comment, n.closed_on, \
    n.extension_until, n.extension_reason, n.issued_on, n.issued_by, n.prompted_by, n.rounds, n.version \
    FROM notices n JOIN plans pl ON pl.id = n.plan_id";

fn record(r: &sea_orm::QueryResult) -> Result<NoticeRecord> {
    let level: i32 = get(r, "level")?;
    let facts: String = get(r, "facts")?;
    let prompted: Option<String> = get(r, "prompted_by")?;
    let rounds: Option<String> = get(r, "rounds")?;
    Ok(NoticeRecord {
        id: get(r, "id")?,
        plan: get(r, "plan_code")?,
        number: get(r, "number")?,
        level: usize::try_from(level).map_err(|_| StoreError::Corrupt("notices.level".into()))?,
        title: get(r, "title")?,
        actions: get(r, "actions")?,
        reply_by: get(r, "reply_by")?,
        first_reply_by: get(r, "first_reply_by")?,
        state: named(r, "state")?,
        items: Vec::new(),
        units: Vec::new(),
        facts: serde_json::from_str(&facts)
            .map_err(|e| StoreError::Corrupt(format!("notices.facts: {e}")))?,
        leader: get(r, "leader")?,
        reply: get(r, "reply")?,
        replied_on: get(r, "replied_on")?,
        comment: get(r, "comment")?,
        closed_on: get(r, "closed_on")?,
        extension_until: get(r, "extension_until")?,
        extension_reason: get(r, "extension_reason")?,
        issued_on: get(r, "issued_on")?,
        issued_by: get(r, "issued_by")?,
        prompted_by: match prompted {
            Some(p) => serde_json::from_str(&p)
                .map_err(|e| StoreError::Corrupt(format!("notices.prompted_by: {e}")))?,
            None => Vec::new(),
        },
        rounds: match rounds {
            Some(p) => serde_json::from_str(&p)
                .map_err(|e| StoreError::Corrupt(format!("notices.rounds: {e}")))?,
            None => Vec::new(),
        },
        version: get(r, "version")?,
    })
}

/// Fills the items and units of the records, one query each.
async fn fill<C: ConnectionTrait>(c: &C, recs: &mut [NoticeRecord]) -> Result<()> {
    if recs.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = recs.iter().map(|r| r.id).collect();
    let pos: std::collections::HashMap<i64, usize> =
        recs.iter().enumerate().map(|(k, r)| (r.id, k)).collect();
    for r in &all(
        c,
        &format!(
            "SELECT l.notice_id, i.code FROM notice_items l JOIN items i ON i.id = l.item_id \
             WHERE l.notice_id IN ({}) ORDER BY l.notice_id, l.position",
            id_list(&ids)
        ),
        vec![],
    )
    .await?
    {
        if let Some(&k) = pos.get(&get::<i64>(r, "notice_id")?) {
            recs[k].items.push(get(r, "code")?);
        }
    }
    for r in &all(
        c,
        &format!(
            "SELECT l.notice_id, u.code, l.signed_on FROM notice_units l JOIN units u ON u.id = l.unit_id \
             WHERE l.notice_id IN ({}) ORDER BY l.notice_id, l.position",
            id_list(&ids)
        ),
        vec![],
    )
    .await?
    {
        if let Some(&k) = pos.get(&get::<i64>(r, "notice_id")?) {
            recs[k].units.push(NoticeUnit {
                code: get(r, "code")?,
                signed_on: get(r, "signed_on")?,
            });
        }
    }
    Ok(())
}

async fn load<C: ConnectionTrait>(c: &C, id: i64) -> Result<NoticeRecord> {
    let r = one(c, &format!("{SELECT} WHERE n.id = $1"), vec![id.into()])
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("notice #{id}")))?;
    let mut recs = vec![record(&r)?];
    fill(c, &mut recs).await?;
    Ok(recs.pop().expect("one"))
}

/// The next number of the plan's year: one statement creates or moves the counter row in the
/// issuing transaction, so two notices issued at once wait for each other and never share or
/// skip a number (SQLite has one writer; PostgreSQL locks the row, and the upsert cannot race
/// on the year's first notice).
async fn next_seq(txn: &WriteTxn, plan_id: i64, year: i32) -> Result<i32> {
    let r = one(
        txn,
        "INSERT INTO notice_counters (plan_id, year, last) VALUES ($1, $2, 1) \
         ON CONFLICT (plan_id, year) DO UPDATE SET last = notice_counters.last + 1 RETURNING last",
        vec![plan_id.into(), year.into()],
    )
    .await?
    .ok_or_else(|| StoreError::Internal("notice counter gave no row".into()))?;
    get(&r, "last")
}

/// Issues one notice in the writing transaction `txn` (`NoticeStore::issue_notice`), which
/// the caller commits: a bulk issue puts several in one.
pub(crate) async fn issue_in(
    txn: &WriteTxn,
    new: NewNotice,
    settings: &NoticeSettings,
    stamp: &Stamp,
) -> Result<NoticeRecord> {
    let mut out = Problems::default();
    if tuijin_core::problem::is_blank(&new.title) {
        out.push(Problem::new("title", Rule::Required));
    }
    if tuijin_core::problem::is_blank(&new.actions) {
        out.push(Problem::new("actions", Rule::Required));
    }
    tuijin_core::problem::check_text("title", &new.title, &mut out);
    tuijin_core::problem::check_text("actions", &new.actions, &mut out);
    if new.items.is_empty() {
        out.push(Problem::new("items", Rule::Required));
    }
    if new.units.is_empty() {
        out.push(Problem::new("units", Rule::Required));
    }
    if new.level >= settings.levels.len() {
        out.push(
            Problem::new("level", Rule::NotOneOf)
                .with("value", new.level)
                .with("allowed", settings.levels.join(", ")),
        );
    }
    if new.reply_by < stamp.today {
        out.push(Problem::new("reply_by", Rule::ReplyByPast).with("today", stamp.today));
    } else if (new.reply_by - stamp.today).num_days() > notice::MAX_REPLY_DAYS {
        out.push(Problem::new("reply_by", Rule::DateTooFar).with("max", notice::MAX_REPLY_DAYS));
    }
    let plan_id = crate::items::plan_id_in(txn, &new.plan).await?;
    let mut item_ids = Vec::new();
    let mut leader = None;
    for (k, code) in new.items.iter().enumerate() {
        match one(
                txn,
                "SELECT i.id, p.code AS leader FROM items i LEFT JOIN people p ON p.id = i.leader_in_charge_id \
                 WHERE i.plan_id = $1 AND i.code = $2 AND NOT i.archived",
                vec![plan_id.into(), code.clone().into()],
            )
            .await?
            {
                Some(r) => {
                    let id: i64 = get(&r, "id")?;
                    if item_ids.contains(&id) {
                        out.push(Problem::new(format!("items[{k}]"), Rule::Duplicate));
                    }
                    item_ids.push(id);
                    leader = leader.or(get::<Option<String>>(&r, "leader")?);
                }
                None => out.push(
                    Problem::new(format!("items[{k}]"), Rule::UnknownItem).with("item", code),
                ),
            }
    }
    let mut unit_ids = Vec::new();
    for (k, code) in new.units.iter().enumerate() {
        match one(
            txn,
            "SELECT id FROM units WHERE code = $1",
            vec![code.clone().into()],
        )
        .await?
        {
            Some(r) => {
                let id: i64 = get(&r, "id")?;
                if unit_ids.contains(&id) {
                    out.push(Problem::new(format!("units[{k}]"), Rule::Duplicate));
                }
                unit_ids.push(id);
            }
            None => {
                out.push(Problem::new(format!("units[{k}]"), Rule::UnknownUnit).with("unit", code))
            }
        }
    }
    out.finish()?;
    let year = stamp.today.year();
    let seq = next_seq(txn, plan_id, year).await?;
    // One item, one notice (一事一单, PRACTICE.md §1.1): the counter row just taken orders
    // concurrent issuers of the plan, so this sees a notice another has just issued on the
    // same items (a proposal issued twice, a form sent twice).
    {
        let open = one(
            txn,
            &format!(
                "SELECT n.number, i.code FROM notices n JOIN notice_items l ON l.notice_id = n.id \
                 JOIN items i ON i.id = l.item_id WHERE l.item_id IN ({}) AND n.state <> 'closed' LIMIT 1",
                id_list(&item_ids)
            ),
            vec![],
        )
        .await?;
        if let Some(r) = open {
            return Err(StoreError::Conflict(
                Problem::new("items", Rule::NoticeOpen)
                    .with("item", get::<String>(&r, "code")?)
                    .with("number", get::<String>(&r, "number")?),
            ));
        }
    }
    let number = settings.number(year, seq as u32);
    let facts = serde_json::to_string(&new.facts)
        .map_err(|e| StoreError::Internal(format!("notice facts: {e}")))?;
    let prompted = (!new.prompted_by.is_empty())
        .then(|| serde_json::to_string(&new.prompted_by))
        .transpose()
        .map_err(|e| StoreError::Internal(format!("notice prompted_by: {e}")))?;
    let row = one(
            txn,
            "INSERT INTO notices (plan_id, year, seq, number, level, title, actions, reply_by, first_reply_by, \
             state, facts, leader, issued_on, issued_by, updated_at, prompted_by, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 'issued', $9, $10, $11, $12, $13, $14, 1) RETURNING id",
            vec![
                plan_id.into(),
                year.into(),
                seq.into(),
                number.into(),
                (new.level as i32).into(),
                new.title.trim().to_string().into(),
                new.actions.clone().into(),
                new.reply_by.into(),
                facts.into(),
                leader.into(),
                stamp.today.into(),
                stamp.actor.clone().into(),
                stamp.at.into(),
                prompted.into(),
            ],
        )
        .await?
        .ok_or_else(|| StoreError::Internal("INSERT gave no id".into()))?;
    let id: i64 = get(&row, "id")?;
    let links = |ids: &[i64]| -> Vec<Vec<Value>> {
        ids.iter()
            .enumerate()
            .map(|(k, x)| vec![id.into(), (*x).into(), (k as i32).into()])
            .collect()
    };
    insert_rows(
        txn,
        "notice_items",
        &["notice_id", "item_id", "position"],
        links(&item_ids),
    )
    .await?;
    insert_rows(
        txn,
        "notice_units",
        &["notice_id", "unit_id", "position"],
        links(&unit_ids),
    )
    .await?;
    let rec = load(txn, id).await?;
    append(
        txn,
        stamp.at,
        &stamp.actor,
        vec![
            NewEvent::new(EventKind::NoticeIssued, id.to_string())
                .in_plan(plan_id)
                .after(&rec)?,
        ],
    )
    .await?;
    Ok(rec)
}

/// Acts on a notice in the writing transaction `txn`, which the caller commits.
#[allow(clippy::too_many_arguments)] // each argument is one fact of the act
async fn act_in(
    txn: &WriteTxn,
    id: i64,
    version: i64,
    action: NoticeAction,
    unit: Option<&str>,
    text: &str,
    until: Option<NaiveDate>,
    files: Vec<crate::evidence::NewEvidence>,
    max: u64,
    stamp: &Stamp,
) -> Result<NoticeRecord> {
    let before = load(txn, id).await?;
    if before.version != version {
        return Err(StoreError::Stale {
            expected: version,
            current: before.version,
        });
    }
    let to = notice::transition(before.state, action)?;
    if !action.by_office() {
        let u = unit.unwrap_or_default();
        if !before.addressed_to(&[u]) {
            return Err(StoreError::Forbidden(
                Problem::new("unit", Rule::NotAddressed).with("unit", u),
            ));
        }
        // Each unit signs once; the lead unit (主办, listed first) files the one reply and
        // asks for time, the co-operating units (协办) sign and add to it (PRACTICE.md §1.2).
        let lead = before.units.first().map(|x| x.code.as_str()).unwrap_or("");
        match action {
            NoticeAction::Sign
                if before
                    .units
                    .iter()
                    .any(|x| x.code == u && x.signed_on.is_some()) =>
            {
                return Err(StoreError::Conflict(
                    Problem::new("unit", Rule::AlreadySigned).with("unit", u),
                ));
            }
            NoticeAction::Reply | NoticeAction::AskExtension if u != lead => {
                return Err(StoreError::Forbidden(
                    Problem::new("unit", Rule::NotLeadUnit).with("lead", lead),
                ));
            }
            _ => {}
        }
    }
    if !files.is_empty() && action != NoticeAction::Reply {
        return Err(StoreError::invalid(Problem::new(
            "files",
            Rule::FilesWithReplyOnly,
        )));
    }
    use NoticeAction::{GrantExtension, RefuseExtension};
    if matches!(action, GrantExtension | RefuseExtension) && before.extension_until.is_none() {
        let asked = Problem::new("state", Rule::NoExtensionAsked);
        return Err(StoreError::Conflict(asked));
    }
    // A date already passed is not granted: the notice would be late the moment it was.
    if action == GrantExtension
        && let Some(u) = before.extension_until
        && u < stamp.today
    {
        let past = Problem::new("until", Rule::ReplyByPast).with("today", stamp.today);
        return Err(StoreError::invalid(past));
    }
    notice::check_words(
        before.state,
        action,
        text,
        until,
        before.reply_by,
        stamp.today,
    )?;
    let text = text.trim().to_string();
    // A reply's files are kept first, while the notice still takes them.
    if !files.is_empty() {
        crate::evidence::add_in(
            txn,
            crate::evidence::EvidenceOn::Notice(id),
            unit.unwrap_or_default(),
            files,
            max,
            stamp,
        )
        .await?;
    }
    // A returned reply closes its round; the better reply is due by the date named.
    let mut rounds = before.rounds.clone();
    rounds.push(Round {
        reply_by: before.reply_by,
        answered: before.replied_on,
    });
    let rounds = serde_json::to_string(&rounds)
        .map_err(|e| StoreError::Internal(format!("notice rounds: {e}")))?;
    let (set, mut values, kind): (&str, Vec<Value>, EventKind) = match action {
        NoticeAction::Sign => ("state = $1", vec![], EventKind::NoticeSigned),
        NoticeAction::Reply => (
            "state = $1, reply = $2, replied_on = $3",
            vec![text.clone().into(), stamp.today.into()],
            EventKind::NoticeReplied,
        ),
        NoticeAction::Return => (
            "state = $1, comment = $2, rounds = $3, reply_by = $4, replied_on = NULL",
            vec![text.clone().into(), rounds.into(), until.into()],
            EventKind::NoticeReturned,
        ),
        NoticeAction::Close => (
            "state = $1, comment = $2, closed_on = $3",
            vec![
                (!text.is_empty()).then(|| text.clone()).into(),
                stamp.today.into(),
            ],
            EventKind::NoticeClosed,
        ),
        NoticeAction::AskExtension => (
            "state = $1, extension_until = $2, extension_reason = $3",
            vec![until.into(), text.clone().into()],
            EventKind::NoticeExtensionAsked,
        ),
        NoticeAction::GrantExtension => (
            "state = $1, reply_by = extension_until, extension_until = NULL, extension_reason = NULL",
            vec![],
            EventKind::NoticeExtensionGranted,
        ),
        NoticeAction::RefuseExtension => (
            "state = $1, comment = $2, extension_until = NULL, extension_reason = NULL",
            vec![text.clone().into()],
            EventKind::NoticeExtensionRefused,
        ),
    };
    values.insert(0, to.as_str().into());
    let n = values.len();
    values.push(stamp.at.into());
    values.push(id.into());
    values.push(version.into());
    let written = exec(
            txn,
            &format!(
                "UPDATE notices SET {set}, updated_at = ${}, version = version + 1 WHERE id = ${} AND version = ${}",
                n + 1,
                n + 2,
                n + 3
            ),
            values,
        )
        .await?;
    if written == 0 {
        let current = load(txn, id).await?.version;
        return Err(StoreError::Stale {
            expected: version,
            current,
        });
    }
    // Signing (or replying, which signs too) records the unit's day of receipt.
    if matches!(action, NoticeAction::Sign | NoticeAction::Reply)
        && let Some(u) = unit
    {
        exec(
            txn,
            "UPDATE notice_units SET signed_on = $1 WHERE notice_id = $2 AND signed_on IS NULL \
                 AND unit_id = (SELECT id FROM units WHERE code = $3)",
            vec![stamp.today.into(), id.into(), u.into()],
        )
        .await?;
    }
    let after = load(txn, id).await?;
    let plan_id = crate::items::plan_id_in(txn, &after.plan).await?;
    #[derive(Serialize)]
    struct Act<'a> {
        unit: Option<&'a str>,
        text: &'a str,
        until: Option<NaiveDate>,
        state: NoticeState,
        reply_by: NaiveDate,
    }
    // A reply or a close ends the notice's warning on its items: they are judged again, with
    // their ancestors (whose lag may have been explained by that warning). Not the whole plan:
    // at a million items that held every other write back for half a minute per act, and
    // nothing outside the chains depends on the notice (the scheduled refresh judges the rest).
    let chains = crate::warnings::notice_chains(txn, id).await?;
    crate::warnings::refresh(txn, plan_id, Some(&chains), stamp).await?;
    append(
        txn,
        stamp.at,
        &stamp.actor,
        vec![
            NewEvent::new(kind, id.to_string())
                .in_plan(plan_id)
                .after(&Act {
                    unit,
                    text: &text,
                    until,
                    state: after.state,
                    reply_by: after.reply_by,
                })?,
        ],
    )
    .await?;
    Ok(after)
}

impl NoticeStore for Store {
    async fn issue_notice(
        &self,
        new: NewNotice,
        settings: &NoticeSettings,
        stamp: &Stamp,
    ) -> Result<NoticeRecord> {
        let txn = self.write().await?;
        let rec = issue_in(&txn, new, settings, stamp).await?;
        txn.commit().await?;
        Ok(rec)
    }

    async fn get_notice(&self, id: i64) -> Result<NoticeRecord> {
        load(&self.db(), id).await
    }

    async fn count_awaiting_reply(&self, units: &[String]) -> Result<u64> {
        if units.is_empty() {
            return Ok(0);
        }
        let marks: Vec<String> = (1..=units.len()).map(|k| format!("${k}")).collect();
        let r = one(
            &self.db(),
            &format!(
                "SELECT COUNT(DISTINCT n.id) AS n FROM notices n JOIN notice_units l ON l.notice_id = n.id \
                 JOIN units u ON u.id = l.unit_id WHERE u.code IN ({}) AND n.state IN ('issued', 'signed', 'returned') \
                 AND (l.signed_on IS NULL OR l.position = 0)",
                marks.join(", ")
            ),
            units.iter().map(|u| u.clone().into()).collect(),
        )
        .await?
        .ok_or_else(|| StoreError::Internal("COUNT gave no row".into()))?;
        Ok(u64::try_from(get::<i64>(&r, "n")?).unwrap_or(0))
    }

    async fn list_notices(&self, f: &NoticeFilter, limit: u64) -> Result<Vec<NoticeRecord>> {
        let mut conds = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        if let Some(p) = &f.plan {
            values.push(p.clone().into());
            conds.push(format!("pl.code = ${}", values.len()));
        }
        if let Some(s) = f.state {
            values.push(s.as_str().into());
            conds.push(format!("n.state = ${}", values.len()));
        }
        if let Some(u) = &f.unit {
            values.push(u.clone().into());
            conds.push(format!(
                "n.id IN (SELECT l.notice_id FROM notice_units l JOIN units u ON u.id = l.unit_id WHERE u.code = ${})",
                values.len()
            ));
        }
        if let Some(i) = &f.item {
            values.push(i.clone().into());
            conds.push(format!(
                "n.id IN (SELECT l.notice_id FROM notice_items l JOIN items i ON i.id = l.item_id WHERE i.code = ${})",
                values.len()
            ));
        }
        if let Some(a) = f.after {
            values.push(a.into());
            conds.push(format!("n.id > ${}", values.len()));
        }
        values.push((limit.clamp(1, 1000) as i64).into());
        let where_ = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let c = self.db();
        let rows = all(
            &c,
            &format!("{SELECT}{where_} ORDER BY n.id LIMIT ${}", values.len()),
            values,
        )
        .await?;
        let mut recs = rows.iter().map(record).collect::<Result<Vec<_>>>()?;
        fill(&c, &mut recs).await?;
        Ok(recs)
    }

    async fn act_with_files(
        &self,
        id: i64,
        version: i64,
        action: NoticeAction,
        unit: Option<&str>,
        text: &str,
        until: Option<NaiveDate>,
        files: Vec<crate::evidence::NewEvidence>,
        max: u64,
        stamp: &Stamp,
    ) -> Result<NoticeRecord> {
        let txn = self.write().await?;
        let after = act_in(
            &txn, id, version, action, unit, text, until, files, max, stamp,
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    }

    async fn act_on_notice(
        &self,
        id: i64,
        version: i64,
        action: NoticeAction,
        unit: Option<&str>,
        text: &str,
        until: Option<NaiveDate>,
        stamp: &Stamp,
    ) -> Result<NoticeRecord> {
        self.act_with_files(id, version, action, unit, text, until, Vec::new(), 0, stamp)
            .await
    }
}
