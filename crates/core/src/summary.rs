//! Summaries of a plan, a branch or a unit's items on a date: how many items are in each
//! status, how far the whole is, and how far it should be.

use std::collections::{BTreeMap, HashMap};
use strum::VariantArray;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::progress::{ChildProgress, Progress, RollupRule, Status, classify, roll_up};
use crate::{Item, Thresholds};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub date: NaiveDate,
    pub items: usize,
    /// Items per status; every status is present, with 0 where none.
    pub by_status: BTreeMap<String, usize>,
    /// Weighted progress of the scope's top items.
    pub progress: Progress,
    /// Weighted expected progress of the scope's top items that have dates.
    pub expected: Option<f64>,
    /// For a unit: the items it co-operates on (and does not lead), per status, shown apart
    /// from its own (every status present).
    pub co_operated: Option<BTreeMap<String, usize>>,
}

/// Which items a summary covers.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope<'a> {
    Plan,
    /// An item and everything below it.
    Branch(&'a str),
    /// Items a unit leads.
    Unit(&'a str),
}

/// Summarises `items` (a whole plan, cancelled ones included) on `date`, given each item's
/// progress by code.
pub fn summarise(
    items: &[Item],
    progress: &HashMap<String, Progress>,
    scope: Scope<'_>,
    date: NaiveDate,
    thresholds: Thresholds,
    measures: &crate::Measures,
) -> Summary {
    // Statuses come from the one place that decides them, the board, so a summary and the
    // cockpit can never disagree: cancelled branches out, positionings and goals measured by
    // what serves them, goals with an indicator target judged by its figures.
    let board = crate::board::Board::build(items, progress, date, thresholds, measures);
    summarise_on(&board, items, scope)
}

/// The same, on a board already built for `items` (a server keeps one per plan and day; its
/// rows carry each item's progress): no per-item lookups by code, so a million-item plan is
/// summarised in one pass.
pub fn summarise_on(board: &crate::board::Board, items: &[Item], scope: Scope<'_>) -> Summary {
    let date = board.date;
    let of = |code: &str| {
        board
            .row(code)
            .map(|r| r.progress)
            .unwrap_or(Progress::UNKNOWN)
    };
    let counted =
        |n: usize| !board.is_out(n) && (!board.is_apart(n) || board.attainment(n).is_some());
    // The scope's counted items, in the plan's order; the whole plan's are not listed (a
    // million positions per request), only walked.
    let listed: Option<Vec<usize>> = match scope {
        Scope::Plan => None,
        Scope::Branch(root) => {
            let mut keep: Vec<usize> = Vec::new();
            let mut stack: Vec<usize> = board.position(root).into_iter().collect();
            while let Some(n) = stack.pop() {
                keep.push(n);
                stack.extend(board.children(n).iter().map(|&c| c as usize));
            }
            keep.sort_unstable();
            keep.retain(|&n| counted(n));
            Some(keep)
        }
        // A unit answers for the items it leads whose figure is its own work (not a parent
        // whose figure is other units' children).
        Scope::Unit(unit) => Some(
            items
                .iter()
                .enumerate()
                .filter(|(n, i)| {
                    i.lead.as_ref().is_some_and(|l| l.as_str() == unit)
                        && board.answerable(items, *n)
                        && counted(*n)
                })
                .map(|(n, _)| n)
                .collect(),
        ),
    };
    let live = || -> Box<dyn Iterator<Item = usize> + '_> {
        match &listed {
            Some(l) => Box::new(l.iter().copied()),
            None => Box::new((0..items.len()).filter(|&n| counted(n))),
        }
    };
    let mut by_status: BTreeMap<String, usize> = Status::VARIANTS
        .iter()
        .map(|s| (s.as_str().to_string(), 0))
        .collect();
    let mut counts = [0usize; Status::VARIANTS.len()];
    let mut live_count = 0usize;
    for n in live() {
        counts[crate::board::status_index(board.status(n))] += 1;
        live_count += 1;
    }
    for (s, c) in Status::VARIANTS.iter().zip(counts) {
        by_status.insert(s.as_str().to_string(), c);
    }
    // The top of the scope: the reported work whose parent is outside it (measured items are
    // not part of the figure: their weight would stay unknown forever).
    let mut work = vec![false; items.len()];
    for n in live().filter(|&n| !board.is_apart(n)) {
        work[n] = true;
    }
    let tops: Vec<&Item> = live()
        .filter(|&n| work[n] && !board.parent(n).is_some_and(|p| work[p]))
        .map(|n| &items[n])
        .collect();
    let expect = |code: &str| board.row(code).and_then(|r| r.expected);
    let (progress, expected) = top_figures(&tops, &of, &expect);
    let co_operated = match scope {
        Scope::Unit(unit) => {
            let mut by: BTreeMap<String, usize> = Status::VARIANTS
                .iter()
                .map(|s| (s.as_str().to_string(), 0))
                .collect();
            for (n, i) in items.iter().enumerate() {
                let co = i.co.iter().any(|c| c.as_str() == unit)
                    && i.lead.as_ref().is_none_or(|l| l.as_str() != unit);
                if co && counted(n) && board.answerable(items, n) {
                    *by.entry(board.status(n).as_str().to_string()).or_default() += 1;
                }
            }
            Some(by)
        }
        _ => None,
    };
    Summary {
        date,
        items: live_count,
        by_status,
        progress,
        expected,
        co_operated,
    }
}

/// The weighted progress of the top items of a scope, and their weighted expected progress
/// (over those that have dates; each item's from its path, `path::paths`): what a plan's or a
/// branch's single figure is.
pub fn top_figures(
    tops: &[&Item],
    of: &dyn Fn(&str) -> Progress,
    expect: &dyn Fn(&str) -> Option<f64>,
) -> (Progress, Option<f64>) {
    let kids: Vec<ChildProgress> = tops
        .iter()
        .map(|i| ChildProgress {
            weight: i.weight.value(),
            progress: of(i.code.as_str()),
            cancelled: i.cancelled,
        })
        .collect();
    let progress = roll_up(RollupRule::WeightedMean, &kids);
    let dated: Vec<(f64, f64)> = tops
        .iter()
        .filter(|i| !i.cancelled)
        .filter_map(|i| expect(i.code.as_str()).map(|e| (i.weight.value(), e)))
        .collect();
    let w: f64 = dated.iter().map(|d| d.0).sum();
    let expected = (w > 0.0).then(|| dated.iter().map(|(wi, e)| wi * e).sum::<f64>() / w);
    (progress, expected)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Code, ItemKind, Weight};

    /// A task under `parent`, led by `lead`, running through 2020 (shared by the board tests).
    pub(crate) fn item(code: &str, parent: Option<&str>, lead: &str) -> Item {
        let mut i = Item::new(Code::parse(code).unwrap(), ItemKind::Task, code);
        i.parent = parent.map(|p| Code::parse(p).unwrap());
        i.lead = Some(Code::parse(lead).unwrap());
        i.start = NaiveDate::from_ymd_opt(2020, 1, 1);
        i.due = NaiveDate::from_ymd_opt(2020, 12, 31);
        i
    }

    #[test]
    fn counts_progress_and_expected_by_scope() {
        let mut items = vec![
            item("A", None, "U1"),
            item("A.1", Some("A"), "U1"),
            item("A.2", Some("A"), "U2"),
            item("B", None, "U2"),
        ];
        items[3].weight = Weight::new(3.0).unwrap();
        let mut progress = HashMap::new();
        progress.insert("A".to_string(), Progress::known(50.0));
        progress.insert("A.1".to_string(), Progress::known(50.0));
        progress.insert("B".to_string(), Progress::known(10.0));
        let date = NaiveDate::from_ymd_opt(2020, 7, 2).unwrap();
        let all = summarise(
            &items,
            &progress,
            Scope::Plan,
            date,
            Thresholds::default(),
            &Default::default(),
        );
        assert_eq!(all.items, 4);
        assert_eq!(all.by_status["on_track"], 2);
        assert_eq!(all.by_status["off_track"], 1);
        assert_eq!(all.by_status["unreported"], 1);
        assert_eq!(all.progress.percent, Some(20.0)); // (1×50 + 3×10) / 4
        assert!((all.expected.unwrap() - 50.14).abs() < 0.1);
        let branch = summarise(
            &items,
            &progress,
            Scope::Branch("A"),
            date,
            Thresholds::default(),
            &Default::default(),
        );
        assert_eq!((branch.items, branch.progress.percent), (3, Some(50.0)));
        let unit = summarise(
            &items,
            &progress,
            Scope::Unit("U2"),
            date,
            Thresholds::default(),
            &Default::default(),
        );
        assert_eq!(unit.items, 2);
        assert_eq!(unit.progress.percent, Some(10.0));
        assert!((unit.progress.unknown_share - 0.25).abs() < 1e-9);
        // U1 leads A, whose figure is A.1 (its own) and A.2 (U2's): it answers for A.1 only,
        // not for U2's part under its item.
        items[2].co = vec![Code::parse("U1").unwrap()].into();
        let u1 = summarise(
            &items,
            &progress,
            Scope::Unit("U1"),
            date,
            Thresholds::default(),
            &Default::default(),
        );
        assert_eq!(u1.items, 1, "{u1:?}");
        assert_eq!(u1.by_status["on_track"], 1);
        // Where it co-operates (A.2) is shown apart, not among its own.
        let co = u1.co_operated.unwrap();
        assert_eq!(co["unreported"], 1, "{co:?}");
        assert_eq!(co.values().sum::<usize>(), 1);
        assert_eq!(all.co_operated, None);
    }
}

/// How one item changed between two dates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Movement {
    pub code: String,
    pub title: crate::text::Text,
    pub from: Progress,
    pub to: Progress,
    pub from_status: Status,
    pub to_status: Status,
    /// Progress went up.
    pub moved: bool,
    /// Progress went down (a report corrected downwards, a child added or found behind).
    pub fell: bool,
    /// The status got worse (on track → at risk → off track → overdue).
    pub slipped: bool,
}

fn badness(s: Status) -> u8 {
    match s {
        Status::Done => 0,
        Status::NotStarted | Status::OnTrack => 1,
        Status::Unreported => 2,
        Status::Cancelled | Status::Unmeasured => 0,
        Status::AtRisk => 3,
        Status::OffTrack => 4,
        Status::Overdue => 5,
    }
}

/// Compares a plan on two dates, like a baseline: every item whose progress or status changed.
pub fn compare(
    items: &[Item],
    at_from: &HashMap<String, Progress>,
    at_to: &HashMap<String, Progress>,
    from: NaiveDate,
    to: NaiveDate,
    thresholds: Thresholds,
) -> Vec<Movement> {
    let get =
        |m: &HashMap<String, Progress>, c: &str| m.get(c).copied().unwrap_or(Progress::UNKNOWN);
    let paths = crate::path::paths(items);
    items
        .iter()
        .zip(crate::item::out_of_plan(items))
        .zip(&paths)
        .filter(|((_, out), _)| !out)
        .filter_map(|((i, _), path)| {
            let code = i.code.as_str();
            let (a, b) = (get(at_from, code), get(at_to, code));
            let sa = classify(
                a,
                i.start,
                i.due,
                path.as_ref().map(|p| p.at(from)),
                from,
                thresholds,
            )
            .0;
            let sb = classify(
                b,
                i.start,
                i.due,
                path.as_ref().map(|p| p.at(to)),
                to,
                thresholds,
            )
            .0;
            // Compared on what reports vouch for, like the status: weight that becomes known
            // moves the figure too.
            let (va, vb) = (a.vouched().unwrap_or(0.0), b.vouched().unwrap_or(0.0));
            let moved = vb > va + 1e-9;
            let fell = vb < va - 1e-9;
            let slipped = badness(sb) > badness(sa);
            (moved || fell || slipped || sa != sb).then(|| Movement {
                code: code.to_string(),
                title: i.title.clone(),
                from: a,
                to: b,
                from_status: sa,
                to_status: sb,
                moved,
                fell,
                slipped,
            })
        })
        .collect()
}

#[cfg(test)]
mod compare_tests {
    use super::*;
    use crate::{Code, ItemKind};

    #[test]
    fn moved_and_slipped() {
        let mut a = Item::new(Code::parse("A").unwrap(), ItemKind::Task, "A");
        a.start = NaiveDate::from_ymd_opt(2020, 1, 1);
        a.due = NaiveDate::from_ymd_opt(2020, 12, 31);
        let mut b = a.clone();
        b.code = Code::parse("B").unwrap();
        let from: HashMap<String, Progress> = [
            ("A".into(), Progress::known(10.0)),
            ("B".into(), Progress::known(10.0)),
        ]
        .into();
        let to: HashMap<String, Progress> = [
            ("A".into(), Progress::known(60.0)),
            ("B".into(), Progress::known(10.0)),
        ]
        .into();
        let d1 = NaiveDate::from_ymd_opt(2020, 2, 1).unwrap();
        let d2 = NaiveDate::from_ymd_opt(2020, 7, 1).unwrap();
        let m = compare(&[a, b], &from, &to, d1, d2, Thresholds::default());
        assert_eq!(m.len(), 2);
        assert!(m[0].moved && !m[0].slipped, "{:?}", m[0]);
        assert!(
            !m[1].moved && m[1].slipped && m[1].to_status == Status::OffTrack,
            "{:?}",
            m[1]
        );
    }

    /// A 20-point fall with no change of status is a movement too.
    #[test]
    fn falls_are_listed_as_well_as_rises() {
        let mut a = Item::new(Code::parse("A").unwrap(), ItemKind::Task, "A");
        a.start = NaiveDate::from_ymd_opt(2020, 1, 1);
        a.due = NaiveDate::from_ymd_opt(2020, 12, 31);
        let from: HashMap<String, Progress> = [("A".into(), Progress::known(90.0))].into();
        let to: HashMap<String, Progress> = [("A".into(), Progress::known(70.0))].into();
        let d1 = NaiveDate::from_ymd_opt(2020, 2, 1).unwrap();
        let d2 = NaiveDate::from_ymd_opt(2020, 3, 1).unwrap();
        let m = compare(&[a], &from, &to, d1, d2, Thresholds::default());
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].fell && !m[0].moved, "{:?}", m[0]);
        assert_eq!(
            (m[0].from_status, m[0].to_status),
            (Status::OnTrack, Status::OnTrack)
        );
    }
}
