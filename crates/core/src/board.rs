//! The plan on one date, ready to be looked at: every item's progress, expected progress and
//! status, the status counts of every branch, and for items without children that others
//! serve (positionings), how far the serving items are. Built once per plan version and date in
//! O(items), so that the cockpit, the tree and the Gantt of a 100,000-item plan read from it in
//! constant time per row.

use std::collections::HashMap;
use strum::VariantArray;

use chrono::NaiveDate;

use crate::indicator::{Attainment, Measures};
use crate::path::Path;
use crate::progress::{
    ChildProgress, Progress, ProgressList, RollupRule, Status, classify, roll_up,
};
use crate::shape::Shape;
use crate::{Item, ItemKind, Thresholds};
use std::sync::Arc;

/// A goal's status from its attainment: done when achieved; on its way judged by how far
/// the latest figure is off the indicator's path, with the plan's thresholds.
pub fn attainment_status(a: Attainment, thresholds: Thresholds) -> Status {
    match a {
        Attainment::Achieved { .. } => Status::Done,
        Attainment::Towards { gap: Some(g), .. } if g > thresholds.off_track => Status::OffTrack,
        Attainment::Towards { gap: Some(g), .. } if g > thresholds.at_risk => Status::AtRisk,
        Attainment::Towards { .. } => Status::OnTrack,
        Attainment::NoFigure => Status::Unreported,
    }
}

/// Items per status, in the order of `Status::VARIANTS`.
pub type Counts = [u32; Status::VARIANTS.len()];

pub fn status_index(s: Status) -> usize {
    Status::VARIANTS
        .iter()
        .position(|x| *x == s)
        .expect("every status is listed")
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    pub progress: Progress,
    pub expected: Option<f64>,
    pub status: Status,
    /// Expected minus actual, in points (positive is behind).
    pub gap: Option<f64>,
}
// A million-item board keeps one byte per item, its status: the progress is the server's own
// copy, shared; the expected figure is the item's path on the board's date, worked out when
// asked (kept only where what serves an item sets it); the gap follows from the two. What only
// some items have (a branch's counts, an aligned figure) is kept beside them
// (`Board::counts`, `Board::aligned`).

/// How many items `Board::worst_work` names: enough for a call list, short enough to read at
/// a glance.
pub const CALL_LIST: usize = 8;

/// The `few` candidates with the least keys, in key order: what sorting them all and keeping
/// the first `few` gives, without listing them all (a million-item plan's late leaves).
fn fewest<K: Ord>(
    candidates: impl Iterator<Item = usize>,
    key: impl Fn(usize) -> K,
    few: usize,
) -> Vec<usize> {
    let mut heap = std::collections::BinaryHeap::with_capacity(few + 1);
    for n in candidates {
        heap.push((key(n), n));
        if heap.len() > few {
            heap.pop();
        }
    }
    heap.into_sorted_vec().into_iter().map(|(_, n)| n).collect()
}

/// What `Board::parents` holds for a root.
pub struct Board {
    pub date: NaiveDate,
    /// Each item's progress by position, shared with whoever built the board (a server's
    /// cached plan), not copied per board.
    progress: Arc<ProgressList>,
    /// Each item's status.
    status: Vec<Status>,
    /// The expected figure of the items measured by what serves them, where it is that of
    /// what serves them rather than of their own path (few: positionings, goals of goals).
    expected_apart: HashMap<usize, Option<f64>>,
    /// A goal's attainment by its indicator, for the goals whose target names one (few: a
    /// slot per item would cost a million-item plan 32 MB).
    attained: HashMap<usize, Attainment>,
    /// The status counts of each branch, for the items with children, by their slot in the
    /// shape (`Shape::branch`); a leaf's are its own status (`counts`).
    branches: Vec<Counts>,
    /// For an item without children that others support, the weighted progress of those
    /// supporting items; for a goal of goals, of its parts (few items: positionings, goals).
    aligned: HashMap<usize, Progress>,
    /// The tree's shape, shared by every board of the same items (`build_on`).
    shape: Arc<Shape>,
    /// `units`, worked out once per board: a walk of every item, which a million-item plan's
    /// cockpit would otherwise pay on each view.
    units: std::sync::OnceLock<Vec<(String, Counts)>>,
    /// `worst_work`, worked out once per board (a walk of every item's row).
    worst: std::sync::OnceLock<Vec<usize>>,
}

/// The items measured by what serves them (`Shape::apart`, few), each after the measured items
/// that serve it — its parts for a goal of goals, its supporters otherwise — in the order of
/// `candidates` where nothing decides. A cycle of supports is cut where it closes.
fn served_first(shape: &Shape, candidates: impl Iterator<Item = usize>) -> Vec<usize> {
    let serving = |n: usize| -> &[u32] {
        if shape.children[n].is_empty() {
            &shape.supporters[n]
        } else {
            &shape.children[n]
        }
    };
    let mut seen: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let mut out = Vec::new();
    for start in candidates.filter(|&n| shape.apart[n] && !shape.out[n]) {
        if !seen.insert(start) {
            continue;
        }
        // Depth first, each item placed once all it waits for are.
        let mut stack = vec![(start, 0usize)];
        while let Some((n, next)) = stack.last_mut() {
            let (n, k) = (*n, *next);
            match serving(n).get(k) {
                Some(&w) => {
                    let w = w as usize;
                    *next += 1;
                    if shape.apart[w] && !shape.out[w] && seen.insert(w) {
                        stack.push((w, 0));
                    }
                }
                None => {
                    out.push(n);
                    stack.pop();
                }
            }
        }
    }
    out
}

impl Board {
    /// `items` is a whole plan (cancelled items included); `progress` each item's by code.
    pub fn build(
        items: &[Item],
        progress: &HashMap<String, Progress>,
        date: NaiveDate,
        thresholds: Thresholds,
        measures: &Measures,
    ) -> Board {
        let by_position: ProgressList = items
            .iter()
            .map(|i| {
                progress
                    .get(i.code.as_str())
                    .copied()
                    .unwrap_or(Progress::UNKNOWN)
            })
            .collect();
        Board::build_on(
            items,
            Arc::new(Shape::of(items)),
            Arc::new(by_position),
            date,
            thresholds,
            measures,
        )
    }

    /// The same from what a server keeps per plan: the items' shape (worked out once per set of
    /// items, shared by every board of them) and each item's progress by position (what a map
    /// by code costs three times over for a million items).
    pub fn build_on(
        items: &[Item],
        shape: Arc<Shape>,
        progress: Arc<ProgressList>,
        date: NaiveDate,
        thresholds: Thresholds,
        measures: &Measures,
    ) -> Board {
        assert_eq!(shape.len(), items.len(), "the shape of other items");
        assert_eq!(progress.len(), items.len(), "progress of other items");
        let Shape {
            children,
            supporters,
            out,
            apart,
            paths,
            ..
        } = &*shape;
        let order = shape.order();
        // Every item's expected figure, while the board is built: what serves an item is
        // weighed by it.
        let mut expected: Vec<Option<f64>> = (0..items.len()).map(|n| paths.at(n, date)).collect();
        let mut status: Vec<Status> = items
            .iter()
            .zip(out)
            .zip(progress.iter())
            .zip(&expected)
            .map(|(((i, &out), p), &exp)| {
                if out {
                    Status::Cancelled
                } else {
                    classify(p, i.start, i.due, exp, date, thresholds).0
                }
            })
            .collect();
        let mut expected_apart: HashMap<usize, Option<f64>> = HashMap::new();
        // Children before parents: the shape's order (parents first), walked backwards.
        let children_first = || order.iter().rev().copied();
        let mut attained: HashMap<usize, Attainment> = HashMap::new();
        let mut aligned_of: HashMap<usize, Progress> = HashMap::new();
        // The items measured by what serves them come last, each after the measured items
        // that serve it: a positioning served by a goal in another branch is judged on that
        // goal's figures, whatever the order of the file.
        let sequence = children_first()
            .filter(|&n| !apart[n])
            .chain(served_first(&shape, children_first()));
        for n in sequence {
            if out[n] {
                continue;
            }
            // What serves it: its supporters, or for a goal of goals its parts.
            let aligned = if children[n].is_empty() {
                (!supporters[n].is_empty()).then(|| {
                    let kids: Vec<ChildProgress> = supporters[n]
                        .iter()
                        .map(|&s| s as usize)
                        .map(|s| ChildProgress {
                            weight: items[s].weight.value(),
                            progress: aligned_of
                                .get(&s)
                                .copied()
                                .unwrap_or_else(|| progress.get(s)),
                            cancelled: out[s],
                        })
                        .collect();
                    roll_up(RollupRule::WeightedMean, &kids)
                })
            } else if apart[n]
                && children[n]
                    .iter()
                    .any(|&c| !out[c as usize] && status[c as usize] != Status::Unmeasured)
            {
                let kids: Vec<ChildProgress> = children[n]
                    .iter()
                    .map(|&c| c as usize)
                    .map(|c| ChildProgress {
                        weight: items[c].weight.value(),
                        progress: aligned_of
                            .get(&c)
                            .copied()
                            .unwrap_or_else(|| progress.get(c)),
                        cancelled: out[c],
                    })
                    .collect();
                Some(roll_up(RollupRule::WeightedMean, &kids))
            } else {
                None
            };
            if let Some(a) = aligned {
                aligned_of.insert(n, a);
            }
            let attainment = match items[n].kind {
                ItemKind::Goal => items[n]
                    .extra
                    .target
                    .as_ref()
                    .and_then(|t| measures.attainment(t, date)),
                _ => None,
            };
            if let Some(a) = attainment {
                attained.insert(n, a);
            }
            if apart[n] {
                // What serves it is expected where its own paths say: the weighted expected
                // figure of its supporters (or, for a goal of goals, of its parts).
                let serving: &[u32] = if children[n].is_empty() {
                    &supporters[n]
                } else {
                    &children[n]
                };
                let dated: Vec<(f64, f64)> = serving
                    .iter()
                    .map(|&k| k as usize)
                    .filter(|&k| !out[k])
                    .filter_map(|k| expected[k].map(|e| (items[k].weight.value(), e)))
                    .collect();
                let w: f64 = dated.iter().map(|d| d.0).sum();
                let exp = (w > 0.0).then(|| dated.iter().map(|(wi, e)| wi * e).sum::<f64>() / w);
                let judged = match attainment {
                    Some(a) => attainment_status(a, thresholds),
                    // Judged by what serves it, against where that is expected to be, and
                    // overdue after its own due date; when nothing serves it at all, not
                    // measured (never "unreported").
                    None => match aligned {
                        None => Status::Unmeasured,
                        Some(a) => classify(a, None, items[n].due, exp, date, thresholds).0,
                    },
                };
                if attainment.is_none() {
                    expected[n] = exp;
                    expected_apart.insert(n, exp);
                }
                status[n] = judged;
            }
        }
        let mut board = Board {
            date,
            progress,
            status,
            expected_apart,
            attained,
            branches: vec![[0; Status::VARIANTS.len()]; shape.branches()],
            aligned: aligned_of,
            shape: shape.clone(),
            units: std::sync::OnceLock::new(),
            worst: std::sync::OnceLock::new(),
        };
        for n in children_first() {
            let Some(slot) = shape.branch(n) else {
                continue;
            };
            if out[n] {
                continue;
            }
            let mut sum = board.own_count(n);
            for c in children[n].iter().map(|&c| c as usize) {
                for (s, x) in sum.iter_mut().zip(board.counts(c)) {
                    *s += x;
                }
            }
            board.branches[slot] = sum;
        }
        board
    }

    /// What item `n` counts for itself in its branch's counts: its status, unless it is out of
    /// the figures, or measured rather than reported with no figure judging it (its
    /// supporters are counted in their own branches, and it would count them twice).
    fn own_count(&self, n: usize) -> Counts {
        let mut c = [0; Status::VARIANTS.len()];
        let uncounted = self.shape.apart[n] && !self.attained.contains_key(&n);
        if !self.shape.out[n] && !uncounted {
            c[status_index(self.status[n])] = 1;
        }
        c
    }

    /// Statuses in the branch item `n` heads, itself included; cancelled items are left out.
    pub fn counts(&self, n: usize) -> Counts {
        match self.shape.branch(n) {
            Some(slot) => self.branches[slot],
            None => self.own_count(n),
        }
    }

    /// For an item without children that others support: the weighted progress of those
    /// supporting items (a positioning is as far as the work that serves it); for a goal of
    /// goals measured by its parts, theirs.
    pub fn aligned(&self, n: usize) -> Option<Progress> {
        self.aligned.get(&n).copied()
    }

    /// The figure item `n` is shown with: what serves it when something does, else its own.
    pub fn shown(&self, n: usize) -> Progress {
        self.aligned(n).unwrap_or_else(|| self.progress.get(n))
    }

    /// How an item that is measured rather than reported (`is_apart`) stands, and the rule in
    /// words: what `explain` says of it, so the explanation and the board never disagree.
    pub fn measured(&self, n: usize) -> Option<crate::explain::Measured> {
        if !self.shape.apart[n] || self.shape.out[n] {
            return None;
        }
        let status = self.status[n];
        let rule = match self.attained.get(&n).copied() {
            Some(Attainment::Achieved { on, value }) => {
                format!("measured by its indicator: achieved on {on} at {value}")
            }
            Some(Attainment::Towards { on, value, gap }) => match gap {
                Some(g) => format!(
                    "measured by its indicator: {value} on {on}, {g:.1} % of the way off its path"
                ),
                None => format!("measured by its indicator: {value} on {on}"),
            },
            Some(Attainment::NoFigure) => "measured by its indicator: no figure yet".into(),
            None if self.status[n] == Status::Unmeasured => {
                "nothing measures it yet: no indicator figure, no item serving it".into()
            }
            None => match self.aligned(n).and_then(|a| a.vouched()) {
                Some(p) => format!(
                    "measured by the items that serve it: at least {p:.1} % of their work done"
                ),
                None => "measured by the items that serve it: none is reported yet".into(),
            },
        };
        Some(crate::explain::Measured {
            status,
            rule,
            shown: self.shown(n),
            served: self.aligned(n).is_some(),
            expected: self.expected(n),
            gap: self.gap(n),
        })
    }

    /// Whether item `n` is measured rather than reported (a positioning, a goal with no work
    /// below it): not in the plan's figure, counted only when a figure judges it.
    /// Whether the unit leading item `n` answers for its figure: an item that takes reports
    /// (no live children), or a parent whose figure is set by hand. A parent whose figure is
    /// its children's is their units' work, not its lead's alone.
    pub fn answerable(&self, items: &[Item], n: usize) -> bool {
        self.shape.children[n]
            .iter()
            .all(|&c| self.shape.out[c as usize])
            || items[n].rollup == Some(RollupRule::Manual)
    }

    /// The path item `n` is expected to follow: its own dates, or its children's paths.
    pub fn path(&self, n: usize) -> Option<Path> {
        self.shape.paths.get(n)
    }

    pub fn is_apart(&self, n: usize) -> bool {
        self.shape.apart[n]
    }

    /// A goal's attainment by its indicator.
    pub fn attainment(&self, n: usize) -> Option<Attainment> {
        self.attained.get(&n).copied()
    }

    /// Whether item `n` is out of the plan's figures: cancelled, or under a cancelled item.
    pub fn is_out(&self, n: usize) -> bool {
        self.shape.out[n]
    }

    /// How many items are out of the plan's figures: cancelled, or under a cancelled item.
    /// Not in `totals`, which count what the figures are made of.
    pub fn out_count(&self) -> u32 {
        self.shape.out.iter().filter(|&&o| o).count() as u32
    }

    pub fn position(&self, code: &str) -> Option<usize> {
        self.shape.index.get(code)
    }

    /// The shape of the tree this board was built on.
    pub fn shape(&self) -> &Arc<Shape> {
        &self.shape
    }

    /// Item `code`'s row, by its code.
    pub fn row(&self, code: &str) -> Option<Row> {
        self.position(code).map(|n| self.row_at(n))
    }

    /// Item `n`'s row: its progress, expected figure, status and gap.
    pub fn row_at(&self, n: usize) -> Row {
        Row {
            progress: self.progress.get(n),
            expected: self.expected(n),
            status: self.status[n],
            gap: self.gap(n),
        }
    }

    /// How many items the board holds.
    pub fn len(&self) -> usize {
        self.status.len()
    }

    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
    }

    /// Item `n`'s status.
    pub fn status(&self, n: usize) -> Status {
        self.status[n]
    }

    /// Item `n`'s own progress (what `shown` gives is what serves it, when something does).
    pub fn progress(&self, n: usize) -> Progress {
        self.progress.get(n)
    }

    /// Where item `n` is expected to be on the board's date: its path's figure, or for an
    /// item measured by what serves it, theirs.
    pub fn expected(&self, n: usize) -> Option<f64> {
        match self.shape.apart[n]
            .then(|| self.expected_apart.get(&n))
            .flatten()
        {
            Some(&e) => e,
            None => self.shape.paths.at(n, self.date),
        }
    }

    /// Expected minus actual, in points (positive is behind), as its status was judged on:
    /// none for an item out of the figures or judged by its indicator; for an item measured by
    /// what serves it, that figure against theirs.
    pub fn gap(&self, n: usize) -> Option<f64> {
        if self.shape.out[n] {
            return None;
        }
        let judged = if self.shape.apart[n] {
            if self.attained.contains_key(&n) {
                return None;
            }
            self.aligned(n)?
        } else {
            self.progress.get(n)
        };
        Some(self.expected(n)? - judged.vouched()?)
    }

    /// Item `n`'s children's positions (as `u32`, as the shape keeps them).
    pub fn children(&self, n: usize) -> &[u32] {
        &self.shape.children[n]
    }

    /// The position of item `n`'s parent; `None` for a root.
    pub fn parent(&self, n: usize) -> Option<usize> {
        self.shape.parent(n)
    }

    /// The items that declare they support item `n`.
    pub fn supporters(&self, n: usize) -> &[u32] {
        &self.shape.supporters[n]
    }

    pub fn roots(&self) -> &[usize] {
        &self.shape.roots
    }

    /// The whole plan's progress and expected progress (as `summary::summarise` gives them).
    pub fn overall(&self, items: &[Item]) -> (Progress, Option<f64>) {
        let tops: Vec<&Item> = self
            .shape
            .roots
            .iter()
            .filter(|&&n| !self.shape.out[n] && !self.shape.apart[n])
            .map(|&n| &items[n])
            .collect();
        let of = |code: &str| {
            self.row(code)
                .map(|r| r.progress)
                .unwrap_or(Progress::UNKNOWN)
        };
        let expect = |code: &str| self.row(code).and_then(|r| r.expected);
        crate::summary::top_figures(&tops, &of, &expect)
    }

    /// Status counts of the whole plan.
    pub fn totals(&self) -> Counts {
        let mut sum = [0; Status::VARIANTS.len()];
        for &r in &self.shape.roots {
            for (s, x) in sum.iter_mut().zip(self.counts(r)) {
                *s += x;
            }
        }
        sum
    }

    /// Per lead unit, the status counts of the items it leads, worst first: most overdue,
    /// then most off track, then most at risk.
    /// `items` are those the board was built from, as for every other view of it.
    pub fn units(&self, items: &[Item]) -> &[(String, Counts)] {
        self.units.get_or_init(|| self.count_units(items))
    }

    /// The reported work furthest behind — overdue first, then by the widest gap, ties by
    /// place in the plan — at most `CALL_LIST` items: whom a leader calls first.
    pub fn worst_work(&self) -> &[usize] {
        self.worst.get_or_init(|| {
            let key = |n: usize| {
                (
                    self.status[n] != Status::Overdue,
                    -(self.gap(n).unwrap_or(0.0) * 10.0).round() as i64,
                    n,
                )
            };
            fewest(
                (0..self.len())
                    .filter(|&n| !self.shape.out[n] && !self.shape.apart[n])
                    .filter(|&n| matches!(self.status[n], Status::Overdue | Status::OffTrack))
                    .filter(|&n| self.shape.children[n].is_empty()),
                key,
                CALL_LIST,
            )
        })
    }

    fn count_units(&self, items: &[Item]) -> Vec<(String, Counts)> {
        let mut by: HashMap<&str, Counts> = HashMap::new();
        for (n, ((i, &status), &out)) in items
            .iter()
            .zip(&self.status)
            .zip(&self.shape.out)
            .enumerate()
        {
            if out || !self.answerable(items, n) {
                continue;
            }
            if let Some(u) = &i.lead {
                by.entry(u.as_str()).or_insert([0; Status::VARIANTS.len()])
                    [status_index(status)] += 1;
            }
        }
        let key = |c: &Counts| {
            (
                c[status_index(Status::Overdue)],
                c[status_index(Status::OffTrack)],
                c[status_index(Status::AtRisk)],
            )
        };
        let mut v: Vec<(String, Counts)> =
            by.into_iter().map(|(u, c)| (u.to_string(), c)).collect();
        v.sort_by(|a, b| key(&b.1).cmp(&key(&a.1)).then_with(|| a.0.cmp(&b.0)));
        v
    }
}

#[cfg(test)]
mod tests;
