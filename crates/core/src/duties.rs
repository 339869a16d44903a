//! A unit's duties in a plan (责任清单): the items it leads or co-operates on, and of those the
//! ones it must report on for a period — the rows of the Excel template handed down to it.
//!
//! The rule is the one the workspace page and the missing-report warning follow: a live leaf
//! (its progress is not its children's) that the unit leads, begun by the period's end and not
//! yet done. Co-operating units may report too (a contribution), but are not expected to.

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::report::{Period, Relation};
use crate::{Code, Item, PlanDocument};

/// One item on a unit's list, with how the unit stands to it.
#[derive(Clone, Debug)]
pub struct Duty<'a> {
    pub item: &'a Item,
    pub relation: Relation,
    /// Levels under the top of the tree (0 for a root): lower levels report first.
    pub level: u32,
    /// The item is a live leaf: its progress is reported, not rolled up from children.
    pub leaf: bool,
}

/// Every live item the unit leads or co-operates on, in plan order.
pub fn duties<'a>(doc: &'a PlanDocument, unit: &str) -> Vec<Duty<'a>> {
    let with_children = parents(doc);
    let level = |i: &Item| {
        let mut d = 0;
        let mut at = i.parent.as_ref();
        while let Some(p) = at {
            d += 1;
            at = doc
                .items
                .iter()
                .find(|x| &x.code == p)
                .and_then(|x| x.parent.as_ref());
            if d > 64 {
                break;
            }
        }
        d
    };
    doc.items
        .iter()
        .filter(|i| !i.cancelled)
        .filter_map(|i| {
            let relation = Relation::of(unit, i.lead.as_ref(), &i.co);
            relation.may_report().then(|| Duty {
                item: i,
                relation,
                level: level(i),
                leaf: !with_children.contains(&i.code),
            })
        })
        .collect()
}

/// The codes of the items with live (not cancelled) children: their progress is their
/// children's.
fn parents(doc: &PlanDocument) -> HashSet<&Code> {
    doc.items
        .iter()
        .filter(|i| !i.cancelled)
        .filter_map(|i| i.parent.as_ref())
        .collect()
}

/// Whether the unit is expected to report on the duty for `period`: it leads a live leaf that
/// has begun by the period's end and is not done (`done`: its progress stands at 100).
pub fn expects_report(d: &Duty<'_>, period: Period, done: bool) -> bool {
    d.relation == Relation::Lead
        && d.leaf
        && !done
        && d.item.start.is_none_or(|s| s <= period.last_day())
}

/// The date the duty's report for `period` is due: the plan's due day after the period, earlier
/// by a day for each level up (`Period::due_date`).
pub fn report_due(d: &Duty<'_>, period: Period, due_day: u32) -> NaiveDate {
    period.due_date(due_day, d.level)
}

/// Whether past reports (loaded as history) fit the plan, by the rules of a report typed into
/// the form (`report::check_past`): each item exists, its unit leads or co-operates on it; the
/// period is one of the plan's cadence, begun by `today` and not before the plan; a milestone is
/// 0 or 100; a parent's or a measured item's percent is not typed; the words are clean; no item,
/// unit and period comes twice; and a report is not accepted before its period began. Every
/// problem, each with its place (`reports[3].unit`).
pub fn check_past_reports(
    doc: &PlanDocument,
    reports: &[crate::sample::HistoricReport],
    today: NaiveDate,
) -> Vec<crate::problem::Problem> {
    use std::collections::HashMap;

    use crate::problem::{Problem, Rule};
    use crate::report::{PastFacts, check_past_report, repeated_reports};
    let units: HashSet<&Code> = doc.units.iter().map(|u| &u.code).collect();
    let items: HashMap<&Code, &Item> = doc.items.iter().map(|i| (&i.code, i)).collect();
    let with_children = parents(doc);
    let indicators: Vec<(Code, Option<Code>)> = doc
        .indicators
        .iter()
        .map(|x| (x.code.clone(), x.owner.clone()))
        .collect();
    let per_period: Vec<(Code, crate::Frequency)> = doc
        .indicators
        .iter()
        .filter(|x| x.basis == crate::indicator::CountingBasis::PerPeriod)
        .map(|x| (x.code.clone(), x.frequency))
        .collect();
    let mut out = repeated_reports(reports);
    for (n, r) in reports.iter().enumerate() {
        let at = |f: &str| format!("reports[{n}].{f}");
        let Some(item) = items.get(&r.item) else {
            out.push(Problem::new(at("item"), Rule::UnknownItem).with("item", &r.item));
            continue;
        };
        let relation = Relation::of(r.unit.as_str(), item.lead.as_ref(), &item.co);
        if !units.contains(&r.unit) {
            out.push(Problem::new(at("unit"), Rule::UnknownUnit).with("unit", &r.unit));
        } else if !relation.may_report() {
            out.push(
                Problem::new(at("unit"), Rule::NotResponsible)
                    .with("unit", &r.unit)
                    .with("item", &r.item),
            );
        }
        out.extend(check_past_report(
            n,
            r,
            &PastFacts {
                item_kind: item.kind,
                item_has_children: with_children.contains(&item.code),
                item_measured: item.progress_from == crate::ProgressFrom::Indicator,
                relation,
                cadence: doc.plan.cadence,
                plan_start: doc.plan.start,
                today,
                indicators: &indicators,
                per_period: &per_period,
            },
        ));
        // (A period not begun is refused as such; its acceptance is not judged again.)
        if r.accepted_on < r.period.first_day() && r.period.first_day() <= today {
            out.push(
                Problem::new(at("accepted_on"), Rule::FromAfterTo)
                    .with("from", r.period.first_day())
                    .with("to", r.accepted_on),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_reports_on_the_live_leaves_it_leads_once_begun() {
        let doc = crate::generate::generated_plan("t", 300, 4, 10);
        let unit = doc.items.iter().rev().find_map(|i| i.lead.clone()).unwrap();
        let all = duties(&doc, unit.as_str());
        assert!(!all.is_empty());
        let june = Period::containing(doc.plan.cadence, doc.plan.end);
        for d in &all {
            let expected = expects_report(d, june, false);
            assert_eq!(
                expected,
                d.relation == Relation::Lead
                    && d.leaf
                    && d.item.start.is_none_or(|s| s <= june.last_day()),
                "{}",
                d.item.code
            );
            assert!(
                !expects_report(d, june, true),
                "a done item asks for no report"
            );
        }
        assert!(all.iter().any(|d| expects_report(d, june, false)));
    }
}
