//! Progress reports (进展填报) and reporting periods: the workflow a report goes through and
//! the dates it is due. Pure rules; the store records what happened.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::problem::{Problem, Problems, Refusal, Rule};
use crate::{Cadence, Code, ItemKind, Percent};

pub use crate::period::{Period, PeriodError};

/// The value of an indicator: a finite number. NaN and infinities cannot be constructed, so no
/// layer needs to check again.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct FigureValue(f64);

#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error("not a finite number")]
pub struct NotFinite;

impl FigureValue {
    pub fn new(v: f64) -> Result<FigureValue, NotFinite> {
        if v.is_finite() {
            Ok(FigureValue(v))
        } else {
            Err(NotFinite)
        }
    }
    pub fn value(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for FigureValue {
    type Error = NotFinite;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        FigureValue::new(v)
    }
}

impl From<FigureValue> for f64 {
    fn from(v: FigureValue) -> f64 {
        v.0
    }
}

impl fmt::Display for FigureValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The value of an indicator, reported with a progress report by the unit that owns the
/// indicator. Accepted figures are the indicator's actuals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub indicator: crate::Code,
    pub value: FigureValue,
}

/// Where a report is in its workflow.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReportState {
    Draft,
    Submitted,
    Accepted,
    Returned,
    /// An accepted report replaced by a later accepted correction; kept in the history.
    Superseded,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    /// Still with its unit or its reviewer: neither accepted nor replaced.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReportState::Draft | ReportState::Submitted | ReportState::Returned
        )
    }
}

/// What someone does to a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReportAction {
    Edit,
    Submit,
    Accept,
    Return,
}

impl ReportAction {
    /// The catalogue key of the action's past participle, as a message names it.
    fn past_key(self) -> &'static str {
        match self {
            ReportAction::Edit => "action.edited",
            ReportAction::Submit => "action.submitted",
            ReportAction::Accept => "action.accepted",
            ReportAction::Return => "action.returned",
        }
    }
}

/// The workflow `draft → submitted → accepted | returned`: a returned report can be edited and
/// submitted again; an accepted one is final (a correction is a new report that supersedes it).
pub fn transition(from: ReportState, action: ReportAction) -> Result<ReportState, Refusal> {
    use ReportAction::*;
    use ReportState::*;
    match (from, action) {
        (Draft | Returned, Edit) => Ok(from),
        (Draft | Returned, Submit) => Ok(Submitted),
        (Submitted, Accept) => Ok(Accepted),
        (Submitted, Return) => Ok(Returned),
        _ => Err(Refusal::Conflict(
            Problem::new("state", Rule::Workflow)
                .with("from", format!("@report.{}", from.as_str()))
                .with("action", format!("@{}", action.past_key())),
        )),
    }
}

/// How a unit stands to an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// 牵头单位: its accepted reports set the item's progress.
    Lead,
    /// 配合单位: its reports are contributions, shown and reviewed.
    Co,
    /// Neither.
    None,
}

impl Relation {
    /// The relation of `unit` to an item led by `lead` with co-operating units `co`.
    pub fn of(unit: &str, lead: Option<&Code>, co: &[Code]) -> Relation {
        if lead.is_some_and(|l| l.as_str() == unit) {
            Relation::Lead
        } else if co.iter().any(|c| c.as_str() == unit) {
            Relation::Co
        } else {
            Relation::None
        }
    }

    /// Whether a unit in this relation may report on the item at all.
    pub fn may_report(self) -> bool {
        !matches!(self, Relation::None)
    }
}

/// What a unit says in a report: its figure, its words and its indicator values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportContent {
    pub percent: Option<Percent>,
    pub narrative: String,
    pub problems: String,
    pub next_steps: String,
    pub figures: Vec<Figure>,
}

/// A change of figure the reviewer should look at twice: the points a report's percent may
/// rise over the unit's previous accepted one before the review queue flags it as a jump.
pub const JUMP_POINTS: f64 = 20.0;

/// How a report's percent compares with the unit's previous accepted one, for the review queue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    /// No earlier figure to compare with.
    First,
    /// Within the ordinary: up by less than `JUMP_POINTS`, or unchanged.
    Steady(f64),
    /// Up by `JUMP_POINTS` or more.
    Jump(f64),
    /// Down: needs the reason the unit gave (`Rule::FallNeedsReason`).
    Fall(f64),
}

pub fn change(previous: Option<Percent>, new: Option<Percent>) -> Option<Change> {
    let new = new?.value();
    Some(match previous {
        None => Change::First,
        Some(p) => {
            let d = new - p.value();
            if d < -1e-9 {
                Change::Fall(d)
            } else if d >= JUMP_POINTS - 1e-9 {
                Change::Jump(d)
            } else {
                Change::Steady(d)
            }
        }
    })
}

/// The facts the report rules judge by, loaded by the store inside its transaction.
#[derive(Clone, Debug)]
pub struct ReportFacts {
    pub item: Code,
    pub item_kind: ItemKind,
    pub item_archived: bool,
    pub item_cancelled: bool,
    /// The item has live (not cancelled, not archived) children, so its progress is theirs.
    pub item_has_children: bool,
    /// The item takes its progress from its target's indicator (`ProgressFrom::Indicator`).
    pub item_measured: bool,
    pub unit: Code,
    pub relation: Relation,
    pub cadence: Cadence,
    pub today: NaiveDate,
    /// The plan's first day: no period before it is reported.
    pub plan_start: NaiveDate,
    pub period: Period,
    pub period_closed: bool,
    /// An open report of the same item, period and unit, other than the one judged.
    pub open_report: Option<i64>,
    /// The unit's last accepted percent on the item.
    pub last_accepted: Option<Percent>,
    /// The plan's live indicators that the report's figures name: code and owner unit.
    pub indicators: Vec<(Code, Option<Code>)>,
    /// Of those, the ones counted within a period (`CountingBasis::PerPeriod`) with their
    /// frequency: a report carries their figure only for a period of that frequency.
    pub per_period: Vec<(Code, crate::Frequency)>,
}

/// Whether a new report may be started: the unit reports on the item, the item and period
/// take reports, and its content breaks no rule. Every content problem is found at once.
pub fn check_new(content: &ReportContent, f: &ReportFacts) -> Result<(), Refusal> {
    if !f.relation.may_report() {
        return Err(Refusal::Forbidden(
            Problem::new("unit", Rule::NotResponsible)
                .with("unit", &f.unit)
                .with("item", &f.item),
        ));
    }
    item_takes_reports(f)?;
    if let Some(open) = f.open_report {
        return Err(Refusal::Conflict(
            Problem::new("", Rule::ReportOpen).with("report", open),
        ));
    }
    let mut out = Problems::default();
    check_period(f, &mut out);
    check_content(content, f, &mut out);
    finish(out)
}

/// What the past-report rules need to know of a report's item and plan, beside the report:
/// the parts of `ReportFacts` a loaded history has (no workflow, no earlier acceptance).
pub struct PastFacts<'a> {
    pub item_kind: ItemKind,
    pub item_has_children: bool,
    pub item_measured: bool,
    pub relation: Relation,
    pub cadence: Cadence,
    pub plan_start: NaiveDate,
    pub today: NaiveDate,
    /// The plan's live indicators with their owner units, and of those the ones counted
    /// within a period, with their frequency.
    pub indicators: &'a [(Code, Option<Code>)],
    pub per_period: &'a [(Code, crate::Frequency)],
}

/// The problems of the past report `r`, the `n`th of a batch (fields `reports[n].…`), by
/// `check_past`: the one place both the file check (`duties::check_past_reports`) and the
/// store's batch judge build a past report's facts.
pub fn check_past_report(
    n: usize,
    r: &crate::sample::HistoricReport,
    f: &PastFacts<'_>,
) -> Vec<Problem> {
    let at = |field: &str| format!("reports[{n}].{field}");
    let Ok(percent) = r.percent.map(Percent::new).transpose() else {
        return vec![Problem::new(at("percent"), Rule::PercentRange)];
    };
    let content = ReportContent {
        percent,
        narrative: r.narrative.clone(),
        problems: r.problems.clone(),
        next_steps: r.next_steps.clone(),
        figures: r.figures.clone(),
    };
    let facts = ReportFacts {
        item: r.item.clone(),
        item_kind: f.item_kind,
        item_archived: false,
        item_cancelled: false,
        item_has_children: f.item_has_children,
        item_measured: f.item_measured,
        unit: r.unit.clone(),
        relation: f.relation,
        cadence: f.cadence,
        today: f.today,
        plan_start: f.plan_start,
        period: r.period,
        period_closed: false,
        open_report: None,
        last_accepted: None,
        // (the indicators matter only to a report with figures)
        indicators: if r.figures.is_empty() {
            Vec::new()
        } else {
            f.indicators.to_vec()
        },
        per_period: if r.figures.is_empty() {
            Vec::new()
        } else {
            f.per_period.to_vec()
        },
    };
    check_past(&content, &facts)
        .0
        .into_iter()
        .map(|mut p| {
            p.field = at(&p.field);
            p
        })
        .collect()
}

/// The rules a report of the past obeys when it is loaded as accepted history (a batch from a
/// spreadsheet): those on its period, its percent, its figures and its words, as for one typed
/// into the form — but not the workflow's (an open report, a closed period) nor "a fall needs
/// a reason" (what was accepted then is recorded as it was). The caller fills
/// `last_accepted` with `None`.
pub fn check_past(content: &ReportContent, f: &ReportFacts) -> Problems {
    let mut out = Problems::default();
    check_period(f, &mut out);
    check_words(content, false, &mut out);
    check_figures_and_percent(content, f, &mut out);
    out
}

/// Each report of a batch of past reports whose item, unit and period came before in the same
/// batch (one accepted report per item, unit and period): a problem at the repeat's period.
pub fn repeated_reports(reports: &[crate::sample::HistoricReport]) -> Vec<Problem> {
    let mut seen = std::collections::HashSet::new();
    reports
        .iter()
        .enumerate()
        .filter(|(_, r)| !seen.insert((&r.item, &r.unit, r.period)))
        .map(|(n, r)| {
            Problem::new(format!("reports[{n}].period"), Rule::ReportTwice)
                .with("item", &r.item)
                .with("period", r.period)
        })
        .collect()
}

/// Every problem at once; but a figure for another unit's indicator is a question of who may
/// report it, answered as a refusal of permission.
fn finish(out: Problems) -> Result<(), Refusal> {
    if let Some(p) = out.0.iter().find(|p| p.rule == Rule::FigureNotOwner) {
        return Err(Refusal::Forbidden(p.clone()));
    }
    out.finish()
}

/// Whether a report may be edited to `content`.
pub fn check_edit(
    state: ReportState,
    content: &ReportContent,
    f: &ReportFacts,
) -> Result<(), Refusal> {
    transition(state, ReportAction::Edit)?;
    item_takes_reports(f)?;
    let mut out = Problems::default();
    check_content(content, f, &mut out);
    finish(out)
}

/// The rules on a report's words that need no facts: a report going to review says what was
/// done; text is clean. The form asks them before anything is written, the store again.
pub fn check_words(c: &ReportContent, submitting: bool, out: &mut Problems) {
    if submitting && c.narrative.trim().is_empty() {
        out.push(Problem::new("narrative", Rule::NarrativeRequired));
    }
    crate::problem::check_text("narrative", &c.narrative, out);
    crate::problem::check_text("problems", &c.problems, out);
    crate::problem::check_text("next_steps", &c.next_steps, out);
}

/// Whether a report may be submitted for review: besides its content, it says what was done.
pub fn check_submit(
    state: ReportState,
    content: &ReportContent,
    f: &ReportFacts,
) -> Result<ReportState, Refusal> {
    let to = transition(state, ReportAction::Submit)?;
    item_takes_reports(f)?;
    let mut out = Problems::default();
    check_words(content, true, &mut out);
    check_figures_and_percent(content, f, &mut out);
    finish(out)?;
    Ok(to)
}

/// Whether the office may accept or return a report; a return says why.
pub fn check_review(
    state: ReportState,
    action: ReportAction,
    comment: &str,
) -> Result<ReportState, Refusal> {
    let to = transition(state, action)?;
    let mut out = Problems::default();
    check_review_comment(action, comment, &mut out);
    out.finish()?;
    Ok(to)
}

/// The office's comment on a review: a return says why; any comment is plain text within
/// limits. Asked by `check_review` and, before it sends a batch, by the review page.
pub fn check_review_comment(action: ReportAction, comment: &str, out: &mut Problems) {
    if action == ReportAction::Return && comment.trim().is_empty() {
        out.push(Problem::new("comment", Rule::ReturnNeedsComment));
    }
    crate::problem::check_text("comment", comment, out);
}

/// Whether the office may close a period: not twice, and not while reports await review.
pub fn check_close(
    period: Period,
    already_closed: bool,
    awaiting_review: u64,
) -> Result<(), Refusal> {
    if already_closed {
        return Err(Refusal::Conflict(
            Problem::new("period", Rule::PeriodClosed).with("period", period),
        ));
    }
    if awaiting_review > 0 {
        return Err(Refusal::Conflict(
            Problem::new("period", Rule::PeriodAwaitingReview)
                .with("period", period)
                .with("count", awaiting_review),
        ));
    }
    Ok(())
}

fn item_takes_reports(f: &ReportFacts) -> Result<(), Refusal> {
    if f.item_archived {
        return Err(Refusal::Conflict(
            Problem::new("item", Rule::ItemArchived).with("item", &f.item),
        ));
    }
    if f.item_cancelled {
        return Err(Refusal::Conflict(
            Problem::new("item", Rule::ItemCancelled).with("item", &f.item),
        ));
    }
    if f.period_closed {
        return Err(Refusal::Conflict(
            Problem::new("period", Rule::PeriodClosed).with("period", f.period),
        ));
    }
    Ok(())
}

/// A period of the plan's cadence that has begun.
fn check_period(f: &ReportFacts, out: &mut Problems) {
    if !f.period.is_of(f.cadence) {
        let example = Period::containing(f.cadence, f.today);
        out.push(
            Problem::new("period", Rule::PeriodCadence)
                .with("cadence", format!("@cadence.{}", f.cadence.as_str()))
                .with("example", example),
        );
    } else if f.period.first_day() > f.today {
        out.push(
            Problem::new("period", Rule::PeriodFuture)
                .with("period", f.period)
                .with("today", f.today),
        );
    } else if f.period.last_day() < f.plan_start {
        out.push(
            Problem::new("period", Rule::PeriodBeforePlan)
                .with("period", f.period)
                .with("start", f.plan_start),
        );
    }
}

/// The rules on what a report says: a milestone is 0 or 100; a parent's figure is its
/// children's; a fall needs a reason; text is clean; each figure is for a live indicator the
/// unit owns, once.
pub fn check_content(c: &ReportContent, f: &ReportFacts, out: &mut Problems) {
    check_words(c, false, out);
    check_figures_and_percent(c, f, out);
}

/// The rules on a report's percent and indicator figures, which need the facts.
fn check_figures_and_percent(c: &ReportContent, f: &ReportFacts, out: &mut Problems) {
    if let Some(p) = c.percent {
        if f.item_kind == ItemKind::Milestone && p.value() != 0.0 && p.value() != 100.0 {
            out.push(Problem::new("percent", Rule::MilestoneBinary));
        }
        if f.item_has_children {
            out.push(Problem::new("percent", Rule::PercentRolledUp));
        } else if f.item_measured {
            out.push(Problem::new("percent", Rule::PercentMeasured));
        }
        // (a percent that would be ignored has nothing to fall from)
        if let Some(last) = f.last_accepted
            && !f.item_has_children
            && !f.item_measured
            && p.value() < last.value()
            && c.problems.trim().is_empty()
        {
            out.push(
                Problem::new("problems", Rule::FallNeedsReason).with("previous", last.value()),
            );
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (n, fig) in c.figures.iter().enumerate() {
        let field = format!("figures[{n}].indicator");
        if !seen.insert(fig.indicator.as_str()) {
            out.push(Problem::new(field, Rule::FigureTwice).with("indicator", &fig.indicator));
            continue;
        }
        match f.indicators.iter().find(|(code, _)| *code == fig.indicator) {
            None => out.push(
                Problem::new(field, Rule::FigureUnknownIndicator).with("indicator", &fig.indicator),
            ),
            Some((_, Some(owner))) if *owner != f.unit => out
                .push(Problem::new(field, Rule::FigureNotOwner).with("indicator", &fig.indicator)),
            Some(_) => {}
        }
        // As filed from the workspace: within the largest figure taken, and a period's own
        // figure (the year's GDP) only with a report of that kind of period.
        if fig.value.value().abs() > crate::indicator::MAX_FIGURE {
            out.push(
                Problem::new(format!("figures[{n}].value"), Rule::OutOfRange)
                    .with("min", -crate::indicator::MAX_FIGURE)
                    .with("max", crate::indicator::MAX_FIGURE),
            );
        }
        if let Some((_, freq)) = f.per_period.iter().find(|(code, _)| *code == fig.indicator) {
            let fits = matches!(
                (freq, f.period),
                (crate::Frequency::Monthly, Period::Month { .. })
                    | (crate::Frequency::Quarterly, Period::Quarter { .. })
            );
            if !fits {
                out.push(
                    Problem::new(format!("figures[{n}].indicator"), Rule::FigurePeriod)
                        .with("frequency", format!("@frequency.{}", freq.as_str())),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
