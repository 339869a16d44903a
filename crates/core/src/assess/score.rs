//! A run: each unit's points per criterion, as lines that name the item, report, notice,
//! figure or adjustment behind them, and add up exactly to the unit's score.
//!
//! How each criterion counts (the documented meaning, `docs/assessment-format.md`):
//! - `completion`: the work items (tasks, projects, works, milestones) without live children
//!   due in the period; an item counts by its weight, for its lead unit wholly and for a
//!   co-operating unit by the scheme's `cooperating` part; done means 100 % as of the run's
//!   date (with `partial`, an unfinished item earns its percent).
//! - `milestones`: the unit's milestones due in the period, each reached (100 %) by its due
//!   date or not.
//! - `reports`: each report the unit had to hand in whose due date (with the plan's grace
//!   days) fell in the period: one for each reporting period of each work item it leads that
//!   had begun by the period's end and was not yet done when the period began; on time when
//!   submitted by the due date.
//! - `notices`: each signature (within `sign_within` working days of issue) and each reply
//!   (by the reply date of its round, lead unit only) due in the period, on time or not; then
//!   the lead unit loses the `deduct` points of the highest colour level each notice was issued
//!   at or rose to within the period; never below zero.
//! - `indicators`: each indicator the unit owns that has a path, by its latest figure known
//!   by the run's date: the share of the path's way from the baseline that the figure has
//!   covered (1 when the target is met), capped at 1.
//! - `adjustments`: the scheme's approved bonuses and deductions for the unit and period,
//!   capped at `bonus_cap` and `deduction_cap`.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{AssessPeriod, Criterion, CriterionKind, Points, Scheme, scheme::WhenNone};
use crate::indicator::Direction;
use crate::notice::{NoticeSettings, Round, add_working_days, rises_over};
use crate::period::Period;
use crate::progress::EPSILON;
use crate::{Cadence, Indicator, Item, ItemKind, Reporting, Unit};

/// What a run reads, all as of `as_of`; the store loads it.
#[derive(Clone, Debug)]
pub struct Facts {
    pub period: AssessPeriod,
    pub as_of: NaiveDate,
    pub cadence: Cadence,
    pub reporting: Reporting,
    pub notices_settings: NoticeSettings,
    pub items: Vec<Item>,
    pub units: Vec<Unit>,
    /// Each item's accepted progress by code: (effective date, percent), ascending, up to
    /// `as_of`.
    pub history: HashMap<String, Vec<(NaiveDate, Option<f64>)>>,
    /// Reports submitted by `as_of` and not returned.
    pub reports: Vec<ReportFact>,
    /// Notices issued by `as_of`.
    pub notices: Vec<NoticeFacts>,
    /// Indicators and their figures accepted by `as_of`.
    pub indicators: Vec<(Indicator, Vec<FigureFact>)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportFact {
    pub id: i64,
    pub item: String,
    pub unit: String,
    pub period: Period,
    /// The day it was handed in, in the plan's time zone.
    pub submitted_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoticeFacts {
    pub id: i64,
    pub number: String,
    /// The level it was issued at.
    pub level: usize,
    pub issued_on: NaiveDate,
    /// The addressed units in order (the first leads) and the day each signed.
    pub units: Vec<(String, Option<NaiveDate>)>,
    /// Rounds closed by a returned reply, then the current one.
    pub rounds: Vec<Round>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FigureFact {
    pub period: String,
    pub period_end: NaiveDate,
    pub value: f64,
    pub accepted_on: NaiveDate,
}

/// What a line's points rest on; every record is named so a reader can open it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Basis {
    /// An item due in the period, its weight counted (`share` of it for a co-operating unit)
    /// and its percent as of the run's date.
    Item {
        item: String,
        due: NaiveDate,
        weight: f64,
        share: f64,
        percent: Option<f64>,
    },
    /// A milestone due in the period and the day it was reached, if it was by the run's date.
    Milestone {
        item: String,
        due: NaiveDate,
        reached_on: Option<NaiveDate>,
    },
    /// A report due in the period, and the report that answered it.
    Report {
        item: String,
        period: String,
        due: NaiveDate,
        report: Option<i64>,
        submitted_on: Option<NaiveDate>,
    },
    NoticeSign {
        notice: i64,
        number: String,
        by: NaiveDate,
        signed_on: Option<NaiveDate>,
    },
    NoticeReply {
        notice: i64,
        number: String,
        by: NaiveDate,
        replied_on: Option<NaiveDate>,
    },
    /// A notice that stood at a colour level in the period: its deduction.
    NoticeLevel {
        notice: i64,
        number: String,
        level: String,
    },
    /// An owned indicator: its latest figure known (if any) against its path.
    Indicator {
        indicator: String,
        period: Option<String>,
        value: Option<f64>,
        expected: Option<f64>,
        share: f64,
    },
    /// An approved bonus or deduction, by its place in the scheme's list.
    Adjustment {
        index: usize,
        reason: String,
        evidence: String,
        approved_by: String,
    },
    /// Nothing of the criterion's kind fell in the period (`when_none`).
    NothingDue,
    /// The adjustments beyond the scheme's cap.
    Cap,
    /// Deductions beyond the criterion's points: a criterion never goes below zero.
    Floor,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub points: Points,
    /// For a counted entry: whether it earned its part (on time, done, reported).
    pub met: Option<bool>,
    pub basis: Basis,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriterionResult {
    pub kind: CriterionKind,
    /// The criterion's points in the scheme (0 for adjustments).
    pub weight: Points,
    pub points: Points,
    pub lines: Vec<Line>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitResult {
    pub unit: String,
    pub score: Points,
    /// 1 for the best; equal scores share a rank and the next rank skips (1, 2, 2, 4).
    pub rank: u32,
    /// The grade band earned, by its index in the scheme's list.
    pub grade: Option<usize>,
    pub criteria: Vec<CriterionResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryResult {
    pub code: String,
    pub total: Points,
    /// By rank, then unit code.
    pub units: Vec<UnitResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub period: AssessPeriod,
    pub as_of: NaiveDate,
    pub categories: Vec<CategoryResult>,
}

impl Outcome {
    /// A unit's result and its category's index.
    pub fn unit(&self, code: &str) -> Option<(usize, &UnitResult)> {
        self.categories
            .iter()
            .enumerate()
            .find_map(|(c, cat)| cat.units.iter().find(|u| u.unit == code).map(|u| (c, u)))
    }
}

/// Scores every unit the scheme places in a category.
pub fn run(scheme: &Scheme, facts: &Facts) -> Outcome {
    let ctx = Context::new(facts);
    let placed = scheme.category_of(&facts.units);
    let mut categories = Vec::new();
    for (c, cat) in scheme.category.iter().enumerate() {
        let mut units: Vec<UnitResult> = facts
            .units
            .iter()
            .map(|u| u.code.to_string())
            .filter(|u| placed.get(u) == Some(&c))
            .map(|unit| {
                let criteria: Vec<CriterionResult> = cat
                    .criterion
                    .iter()
                    .map(|cr| criterion(scheme, cr, &unit, &ctx))
                    .collect();
                let score = criteria.iter().map(|c| c.points).sum();
                UnitResult {
                    unit,
                    score,
                    rank: 0,
                    grade: None,
                    criteria,
                }
            })
            .collect();
        units.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.unit.cmp(&b.unit)));
        let total = Points::of(cat.total);
        let scores: Vec<Points> = units.iter().map(|u| u.score).collect();
        for u in &mut units {
            u.rank = 1 + scores.iter().filter(|s| **s > u.score).count() as u32;
            // score / total ≥ min %: in integers, score × 100 × 100 ≥ min(hundredths) × total.
            u.grade = scheme
                .grade
                .iter()
                .position(|g| u.score.0 * 10_000 >= Points::of(g.min).0 * total.0);
        }
        categories.push(CategoryResult {
            code: cat.code.clone(),
            total,
            units,
        });
    }
    Outcome {
        period: facts.period,
        as_of: facts.as_of,
        categories,
    }
}

/// The plan read once for all units: children, depth, out-of-plan marks.
struct Context<'a> {
    facts: &'a Facts,
    out: Vec<bool>,
    live_children: Vec<usize>,
    depth: Vec<u32>,
}

impl<'a> Context<'a> {
    fn new(facts: &'a Facts) -> Context<'a> {
        let items = &facts.items;
        let out = crate::item::out_of_plan(items);
        let index: HashMap<&str, usize> = items
            .iter()
            .enumerate()
            .map(|(n, i)| (i.code.as_str(), n))
            .collect();
        let mut live_children = vec![0; items.len()];
        for (n, i) in items.iter().enumerate() {
            if let Some(&p) = i.parent.as_ref().and_then(|p| index.get(p.as_str()))
                && !out[n]
            {
                live_children[p] += 1;
            }
        }
        let depth = items
            .iter()
            .map(|i| {
                let mut d = 0;
                let mut at = i.parent.as_ref();
                while let Some(p) = at.and_then(|p| index.get(p.as_str())) {
                    d += 1;
                    at = items[*p].parent.as_ref();
                    if d > items.len() as u32 {
                        break;
                    }
                }
                d
            })
            .collect();
        Context {
            facts,
            out,
            live_children,
            depth,
        }
    }

    /// Work items a unit answers for by reports: no live children (or a hand-set figure).
    fn work(&self) -> impl Iterator<Item = (usize, &'a Item)> + '_ {
        self.facts.items.iter().enumerate().filter(|(n, i)| {
            !self.out[*n]
                && !matches!(i.kind, ItemKind::Positioning | ItemKind::Goal)
                && (self.live_children[*n] == 0 || i.rollup == Some(crate::RollupRule::Manual))
        })
    }

    /// An item's percent on `date`, from its accepted history.
    fn percent_on(&self, item: &str, date: NaiveDate) -> Option<f64> {
        self.facts
            .history
            .get(item)?
            .iter()
            .take_while(|(d, _)| *d <= date)
            .last()
            .and_then(|(_, p)| *p)
    }

    /// The first day an item stood at 100 % (and stayed there through `date`).
    fn reached_on(&self, item: &str, date: NaiveDate) -> Option<NaiveDate> {
        let h = self.facts.history.get(item)?;
        let mut since = None;
        for (d, p) in h.iter().take_while(|(d, _)| *d <= date) {
            let done = p.is_some_and(|p| p >= 100.0 - EPSILON);
            since = match (done, since) {
                (true, None) => Some(*d),
                (true, s) => s,
                (false, _) => None,
            };
        }
        since
    }
}

fn done(p: Option<f64>) -> bool {
    p.is_some_and(|p| p >= 100.0 - EPSILON)
}

/// One counted entry of a rate: its part of the whole and how much of it was earned (0 to 1).
struct Entry {
    part: f64,
    earned: f64,
    basis: Basis,
}

fn criterion(scheme: &Scheme, cr: &Criterion, unit: &str, ctx: &Context<'_>) -> CriterionResult {
    let weight = cr.weight_points();
    let lines = match cr.kind {
        CriterionKind::Completion => rate(weight, cr.when_none, completion(cr, unit, ctx)),
        CriterionKind::Milestones => rate(weight, cr.when_none, milestones(unit, ctx)),
        CriterionKind::Reports => rate(weight, cr.when_none, reports(unit, ctx)),
        CriterionKind::Notices => notices(cr, weight, unit, ctx),
        CriterionKind::Indicators => rate(weight, cr.when_none, indicators(unit, ctx)),
        CriterionKind::Adjustments => adjustments(scheme, cr, unit, ctx.facts.period),
    };
    CriterionResult {
        kind: cr.kind,
        weight,
        points: lines.iter().map(|l| l.points).sum(),
        lines,
    }
}

/// The criterion's points as a weighted rate, spread over its entries so that the lines add up
/// exactly to the rounded whole (largest remainders, ties to the earlier entry).
fn rate(weight: Points, when_none: Option<WhenNone>, entries: Vec<Entry>) -> Vec<Line> {
    let parts: f64 = entries.iter().map(|e| e.part).sum();
    if entries.is_empty() || parts <= 0.0 {
        let points = match when_none.unwrap_or_default() {
            WhenNone::Full => weight,
            WhenNone::Zero => Points::ZERO,
        };
        return vec![Line {
            points,
            met: None,
            basis: Basis::NothingDue,
        }];
    }
    let raw: Vec<f64> = entries
        .iter()
        .map(|e| weight.0 as f64 * e.part * e.earned / parts)
        .collect();
    let total = raw.iter().sum::<f64>().round() as i64;
    let mut cents: Vec<i64> = raw.iter().map(|r| r.floor() as i64).collect();
    let mut left = total - cents.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..raw.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = raw[a] - raw[a].floor();
        let fb = raw[b] - raw[b].floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    for n in order {
        if left <= 0 {
            break;
        }
        if raw[n] > raw[n].floor() {
            cents[n] += 1;
            left -= 1;
        }
    }
    entries
        .into_iter()
        .zip(cents)
        .map(|(e, c)| Line {
            points: Points(c),
            met: Some(e.earned >= 1.0 - EPSILON),
            basis: e.basis,
        })
        .collect()
}

fn completion(cr: &Criterion, unit: &str, ctx: &Context<'_>) -> Vec<Entry> {
    let period = ctx.facts.period;
    let co_part = cr.cooperating.unwrap_or(0.0);
    let mut out = Vec::new();
    for (_, item) in ctx.work() {
        let Some(due) = item.due.filter(|d| period.contains(*d)) else {
            continue;
        };
        let share = if item.lead.as_ref().is_some_and(|l| l.as_str() == unit) {
            1.0
        } else if item.co.iter().any(|c| c.as_str() == unit) && co_part > 0.0 {
            co_part
        } else {
            continue;
        };
        let code = item.code.to_string();
        let percent = ctx.percent_on(&code, ctx.facts.as_of);
        let earned = if done(percent) {
            1.0
        } else if cr.partial == Some(true) {
            percent.unwrap_or(0.0).clamp(0.0, 100.0) / 100.0
        } else {
            0.0
        };
        out.push(Entry {
            part: item.weight.value() * share,
            earned,
            basis: Basis::Item {
                item: code,
                due,
                weight: item.weight.value(),
                share,
                percent,
            },
        });
    }
    out
}

fn milestones(unit: &str, ctx: &Context<'_>) -> Vec<Entry> {
    let period = ctx.facts.period;
    ctx.work()
        .filter(|(_, i)| i.kind == ItemKind::Milestone)
        .filter(|(_, i)| i.lead.as_ref().is_some_and(|l| l.as_str() == unit))
        .filter_map(|(_, i)| {
            let due = i.due.filter(|d| period.contains(*d))?;
            let code = i.code.to_string();
            let reached_on = ctx.reached_on(&code, ctx.facts.as_of);
            Some(Entry {
                part: 1.0,
                earned: if reached_on.is_some_and(|r| r <= due) {
                    1.0
                } else {
                    0.0
                },
                basis: Basis::Milestone {
                    item: code,
                    due,
                    reached_on,
                },
            })
        })
        .collect()
}

fn reports(unit: &str, ctx: &Context<'_>) -> Vec<Entry> {
    let f = ctx.facts;
    let period = f.period;
    let mut by_key: HashMap<(&str, Period), &ReportFact> = HashMap::new();
    for r in f.reports.iter().filter(|r| r.unit == unit) {
        let key = (r.item.as_str(), r.period);
        match by_key.get(&key) {
            Some(prev) if prev.submitted_on <= r.submitted_on => {}
            _ => {
                by_key.insert(key, r);
            }
        }
    }
    // The reporting periods whose reports could fall due in the assessed period: from the
    // one before it began (a lower level's due day is earlier, never a whole period later).
    let mut periods = Vec::new();
    let mut p = Period::containing(f.cadence, period.first_day()).previous();
    while p.first_day() <= period.last_day() {
        periods.push(p);
        p = p.next();
    }
    let mut out = Vec::new();
    for (n, item) in ctx.work() {
        if item.lead.as_ref().is_none_or(|l| l.as_str() != unit) {
            continue;
        }
        let code = item.code.to_string();
        for &p in &periods {
            let due = p.due_date(f.reporting.due_day, ctx.depth[n])
                + chrono::Duration::days(f.reporting.grace_days.into());
            if !period.contains(due) || due > f.as_of {
                continue;
            }
            let begun = item.start.is_none_or(|s| s <= p.last_day());
            let before = p.first_day().pred_opt().unwrap_or(p.first_day());
            if !begun || done(ctx.percent_on(&code, before)) {
                continue;
            }
            let r = by_key.get(&(code.as_str(), p));
            let on_time = r.is_some_and(|r| r.submitted_on <= due);
            out.push(Entry {
                part: 1.0,
                earned: if on_time { 1.0 } else { 0.0 },
                basis: Basis::Report {
                    item: code.clone(),
                    period: p.to_string(),
                    due,
                    report: r.map(|r| r.id),
                    submitted_on: r.map(|r| r.submitted_on),
                },
            });
        }
    }
    out
}

fn notices(cr: &Criterion, weight: Points, unit: &str, ctx: &Context<'_>) -> Vec<Line> {
    let f = ctx.facts;
    let period = f.period;
    let within = cr.sign_within.unwrap_or(1);
    let mut entries = Vec::new();
    let mut deductions = Vec::new();
    for n in &f.notices {
        let Some(pos) = n.units.iter().position(|(u, _)| u == unit) else {
            continue;
        };
        let known = |d: Option<NaiveDate>| d.filter(|d| *d <= f.as_of);
        let by = add_working_days(n.issued_on, within);
        if period.contains(by) && by <= f.as_of {
            let signed_on = known(n.units[pos].1);
            entries.push(Entry {
                part: 1.0,
                earned: if signed_on.is_some_and(|s| s <= by) {
                    1.0
                } else {
                    0.0
                },
                basis: Basis::NoticeSign {
                    notice: n.id,
                    number: n.number.clone(),
                    by,
                    signed_on,
                },
            });
        }
        if pos != 0 {
            continue;
        }
        for r in &n.rounds {
            if !period.contains(r.reply_by) || r.reply_by > f.as_of {
                continue;
            }
            let replied_on = known(r.answered);
            entries.push(Entry {
                part: 1.0,
                earned: if replied_on.is_some_and(|a| a <= r.reply_by) {
                    1.0
                } else {
                    0.0
                },
                basis: Basis::NoticeReply {
                    notice: n.id,
                    number: n.number.clone(),
                    by: r.reply_by,
                    replied_on,
                },
            });
        }
        // The highest level the notice stood at within the period: issued at, or risen to.
        let rounds: Vec<Round> = n
            .rounds
            .iter()
            .map(|r| Round {
                reply_by: r.reply_by,
                answered: known(r.answered),
            })
            .collect();
        let levels = &f.notices_settings.levels;
        let rises = rises_over(
            n.level,
            &rounds,
            f.as_of,
            f.notices_settings.escalate_every,
            levels.len(),
        );
        let mut top = period.contains(n.issued_on).then_some(n.level);
        let mut current = n.level;
        for r in &rises {
            current = r.level;
            if period.contains(r.on) {
                top = top.max(Some(r.level));
            }
        }
        // A notice that entered the period already at a level stood at it in the period too.
        if n.issued_on < period.first_day() && rises.iter().all(|r| r.on < period.first_day()) {
            let answered_before = n
                .rounds
                .last()
                .and_then(|r| known(r.answered))
                .is_some_and(|a| a < period.first_day());
            if !answered_before {
                top = top.max(Some(current));
            }
        }
        if let Some(level) = top.and_then(|l| levels.get(l))
            && let Some(&d) = cr.deduct.as_ref().and_then(|m| m.get(level))
            && d > 0.0
        {
            deductions.push(Line {
                points: -Points::of(d),
                met: None,
                basis: Basis::NoticeLevel {
                    notice: n.id,
                    number: n.number.clone(),
                    level: level.clone(),
                },
            });
        }
    }
    let mut lines = rate(weight, cr.when_none, entries);
    let subtotal: Points = lines.iter().chain(&deductions).map(|l| l.points).sum();
    lines.extend(deductions);
    if subtotal < Points::ZERO {
        lines.push(Line {
            points: -subtotal,
            met: None,
            basis: Basis::Floor,
        });
    }
    lines
}

mod measured;
use measured::{adjustments, indicators};

#[cfg(test)]
#[path = "score_tests.rs"]
mod tests;
