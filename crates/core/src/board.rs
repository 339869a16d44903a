//! The plan on one date, ready to be looked at: every item's progress, expected progress and
//! status, the status counts of every branch, and for items without children that others
//! serve (positionings), how far the serving items are. Built once per plan version and date in
//! O(items), so that the cockpit, the tree and the Gantt of a 100,000-item plan read from it in
//! constant time per row.

use std::collections::HashMap;
use strum::VariantArray;

use chrono::NaiveDate;

use crate::progress::{ChildProgress, Progress, RollupRule, Status, classify, expected, roll_up};
use crate::{Item, Thresholds};

/// Items per status, in the order of `Status::VARIANTS`.
pub type Counts = [u32; Status::VARIANTS.len()];

pub fn status_index(s: Status) -> usize {
    Status::VARIANTS
        .iter()
        .position(|x| *x == s)
        .expect("every status is listed")
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub progress: Progress,
    pub expected: Option<f64>,
    pub status: Status,
    /// Expected minus actual, in points (positive is behind).
    pub gap: Option<f64>,
    /// Statuses in the branch this item heads, itself included; cancelled items are left out.
    pub counts: Counts,
    /// For an item without children that others support: the weighted progress of those
    /// supporting items (a positioning is as far as the work that serves it).
    pub aligned: Option<Progress>,
}

pub struct Board {
    pub date: NaiveDate,
    pub rows: Vec<Row>,
    /// Out of the plan's figures: cancelled or under a cancelled item (`item::out_of_plan`).
    out: Vec<bool>,
    index: HashMap<String, usize>,
    children: Vec<Vec<usize>>,
    supporters: Vec<Vec<usize>>,
    roots: Vec<usize>,
}

impl Board {
    /// `items` is a whole plan (cancelled items included); `progress` each item's by code.
    pub fn build(
        items: &[Item],
        progress: &HashMap<String, Progress>,
        date: NaiveDate,
        thresholds: Thresholds,
    ) -> Board {
        let index: HashMap<String, usize> = items
            .iter()
            .enumerate()
            .map(|(n, i)| (i.code.to_string(), n))
            .collect();
        let mut children = vec![Vec::new(); items.len()];
        let mut supporters = vec![Vec::new(); items.len()];
        let mut roots = Vec::new();
        for (n, i) in items.iter().enumerate() {
            match i.parent.as_ref().and_then(|p| index.get(p.as_str())) {
                Some(&p) => children[p].push(n),
                None => roots.push(n),
            }
            for s in &i.supports {
                if let Some(&t) = index.get(s.as_str()) {
                    supporters[t].push(n);
                }
            }
        }
        let out = crate::item::out_of_plan(items);
        let mut rows: Vec<Row> = items
            .iter()
            .zip(&out)
            .map(|(i, &out)| {
                let p = progress
                    .get(i.code.as_str())
                    .copied()
                    .unwrap_or(Progress::UNKNOWN);
                let exp = expected(i.start, i.due, &i.trajectory, date);
                let (status, gap) = if out {
                    (Status::Cancelled, None)
                } else {
                    classify(p, i.start, i.due, exp, date, thresholds)
                };
                let mut counts = [0; Status::VARIANTS.len()];
                if !out {
                    counts[status_index(status)] = 1;
                }
                Row {
                    progress: p,
                    expected: exp,
                    status,
                    gap,
                    counts,
                    aligned: None,
                }
            })
            .collect();
        // Children before parents: a depth-first order from the roots, walked backwards.
        let mut order = Vec::with_capacity(items.len());
        let mut stack: Vec<usize> = roots.clone();
        while let Some(n) = stack.pop() {
            order.push(n);
            stack.extend(children[n].iter().copied());
        }
        for &n in order.iter().rev() {
            if out[n] {
                continue;
            }
            let mut sum = rows[n].counts;
            for &c in &children[n] {
                for (s, x) in sum.iter_mut().zip(rows[c].counts) {
                    *s += x;
                }
            }
            rows[n].counts = sum;
        }
        // Positionings without children are measured by their supporters: not judged, not
        // counted (`summary::measured_by_supporters`).
        for n in 0..items.len() {
            if crate::summary::measured_by_supporters(&items[n], !children[n].is_empty()) {
                rows[n].counts = [0; Status::VARIANTS.len()];
            }
        }
        for n in 0..items.len() {
            if children[n].is_empty() && !supporters[n].is_empty() {
                let kids: Vec<ChildProgress> = supporters[n]
                    .iter()
                    .map(|&s| ChildProgress {
                        weight: items[s].weight.value(),
                        progress: rows[s].progress,
                        cancelled: out[s],
                    })
                    .collect();
                let aligned = roll_up(RollupRule::WeightedMean, &kids);
                rows[n].aligned = Some(aligned);
                if crate::summary::measured_by_supporters(&items[n], false) && !out[n] {
                    // Its status is its supporters' figure, judged without dates of its own:
                    // done when all of them are, otherwise under way (or unknown if nothing
                    // below is reported), never "unreported" for want of its own report.
                    rows[n].status = classify(aligned, None, None, None, date, thresholds).0;
                    rows[n].gap = None;
                }
            }
        }
        Board {
            date,
            rows,
            out,
            index,
            children,
            supporters,
            roots,
        }
    }

    /// Whether item `n` is out of the plan's figures: cancelled, or under a cancelled item.
    pub fn is_out(&self, n: usize) -> bool {
        self.out[n]
    }

    pub fn position(&self, code: &str) -> Option<usize> {
        self.index.get(code).copied()
    }

    pub fn row(&self, code: &str) -> Option<&Row> {
        self.position(code).map(|n| &self.rows[n])
    }

    pub fn children(&self, n: usize) -> &[usize] {
        &self.children[n]
    }

    /// The items that declare they support item `n`.
    pub fn supporters(&self, n: usize) -> &[usize] {
        &self.supporters[n]
    }

    pub fn roots(&self) -> &[usize] {
        &self.roots
    }

    /// The whole plan's progress and expected progress (as `summary::summarise` gives them).
    pub fn overall(&self, items: &[Item]) -> (Progress, Option<f64>) {
        let tops: Vec<&Item> = self
            .roots
            .iter()
            .filter(|&&n| {
                !self.out[n]
                    && !crate::summary::measured_by_supporters(
                        &items[n],
                        !self.children[n].is_empty(),
                    )
            })
            .map(|&n| &items[n])
            .collect();
        let of = |code: &str| {
            self.row(code)
                .map(|r| r.progress)
                .unwrap_or(Progress::UNKNOWN)
        };
        crate::summary::top_figures(&tops, &of, self.date)
    }

    /// Status counts of the whole plan.
    pub fn totals(&self) -> Counts {
        let mut sum = [0; Status::VARIANTS.len()];
        for &r in &self.roots {
            for (s, x) in sum.iter_mut().zip(self.rows[r].counts) {
                *s += x;
            }
        }
        sum
    }

    /// Per lead unit, the status counts of the items it leads, worst first: most overdue,
    /// then most off track, then most at risk.
    pub fn units(&self, items: &[Item]) -> Vec<(String, Counts)> {
        let mut by: HashMap<&str, Counts> = HashMap::new();
        for ((i, r), &out) in items.iter().zip(&self.rows).zip(&self.out) {
            if out {
                continue;
            }
            if let Some(u) = &i.lead {
                by.entry(u.as_str()).or_insert([0; Status::VARIANTS.len()])
                    [status_index(r.status)] += 1;
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
mod tests {
    use super::*;
    use crate::Code;
    use crate::summary::tests::item;

    #[test]
    fn branches_count_their_statuses_and_positionings_follow_their_supporters() {
        // Children listed before their parent on purpose: files need not be ordered.
        let mut items = vec![
            item("A.1", Some("A"), "U1"),
            item("A.2", Some("A"), "U2"),
            item("A", None, "U1"),
            item("B", None, "U2"),
            item("P", None, "U1"),
            item("C", None, "U2"),
        ];
        items[5].cancelled = true;
        items[0].supports = vec![Code::parse("P").unwrap()];
        items[3].supports = vec![Code::parse("P").unwrap()];
        let mut progress = HashMap::new();
        progress.insert("A".to_string(), Progress::known(50.0));
        progress.insert("A.1".to_string(), Progress::known(50.0));
        progress.insert("A.2".to_string(), Progress::known(5.0));
        progress.insert("B".to_string(), Progress::known(100.0));
        let date = NaiveDate::from_ymd_opt(2020, 7, 2).unwrap();
        let b = Board::build(&items, &progress, date, Thresholds::default());
        let a = b.row("A").unwrap();
        assert_eq!(a.status, Status::OnTrack);
        let idx = |s| status_index(s);
        assert_eq!(a.counts[idx(Status::OnTrack)], 2);
        assert_eq!(a.counts[idx(Status::OffTrack)], 1);
        let t = b.totals();
        assert_eq!(
            t.iter().sum::<u32>(),
            5,
            "the cancelled item is not counted"
        );
        assert_eq!(t[idx(Status::Done)], 1);
        assert_eq!(t[idx(Status::Unreported)], 1);
        // P is served by A.1 (50 %) and B (100 %), equal weights.
        assert_eq!(b.row("P").unwrap().aligned.unwrap().percent, Some(75.0));
        assert_eq!(b.row("A").unwrap().aligned, None);
        // U2 leads the off-track A.2: it comes first.
        assert_eq!(b.units(&items)[0].0, "U2");
        assert_eq!(b.children(b.position("A").unwrap()).len(), 2);
    }
}
