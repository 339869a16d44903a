//! The path an item is expected to follow: the percent expected of it on each day.
//!
//! A leaf's path is its own: 0 % on its start date, its trajectory points, 100 % on its due
//! date. A parent whose figure is rolled up from its children is expected where its children
//! are: its path is theirs, combined by the same rule as its progress (weighted or simple
//! mean). So a milestone that is not yet due (0 % and expected 0 %) does not pull its parent
//! behind, and a parent's gap is exactly the gap of its parts. A parent with a manual figure
//! or the least-advanced-child rule, or whose children have no dates, follows its own dates.
//!
//! Paths are piecewise linear between their points and flat beyond both ends. Points fall on
//! days; a mean of piecewise-linear paths is piecewise linear with the union of their points,
//! so every path is exact on every day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::bits::RankedBits;
use crate::progress::RollupRule;
use crate::{Item, TrajectoryPoint};

/// Percent expected by date: points in strictly increasing date order, flat before the first
/// and after the last.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<(NaiveDate, f64)>")]
pub struct Path(Vec<(NaiveDate, f64)>);

impl TryFrom<Vec<(NaiveDate, f64)>> for Path {
    type Error = &'static str;
    /// A stored path is read back only if it is one: points in strictly increasing date order,
    /// each a percent.
    fn try_from(points: Vec<(NaiveDate, f64)>) -> Result<Path, Self::Error> {
        if points.is_empty() {
            return Err("a path has at least one point");
        }
        if points.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err("a path's points are in increasing date order");
        }
        if points.iter().any(|p| !(0.0..=100.0).contains(&p.1)) {
            return Err("a path's points are percents");
        }
        Ok(Path(points))
    }
}

impl Path {
    /// An item's own path, from its start, trajectory and due date; `None` when it has no
    /// dates to expect anything from. Without a start date nothing is expected before the
    /// first point, and everything from it on.
    pub fn own(
        start: Option<NaiveDate>,
        due: Option<NaiveDate>,
        trajectory: &[TrajectoryPoint],
    ) -> Option<Path> {
        if due.is_none() && trajectory.is_empty() {
            return None;
        }
        let mut points: Vec<(NaiveDate, f64)> = Vec::with_capacity(trajectory.len() + 2);
        if let Some(s) = start {
            points.push((s, 0.0));
        }
        points.extend(trajectory.iter().map(|p| (p.date, p.percent.value())));
        if let Some(d) = due {
            points.push((d, 100.0));
        }
        points.sort_by_key(|p| p.0);
        points.dedup_by_key(|p| p.0);
        let first = points[0];
        if first.1 > 0.0
            && let Some(before) = first.0.pred_opt()
        {
            // Nothing is expected before the first point: a step up on its day.
            points.insert(0, (before, 0.0));
        }
        Some(Path(points))
    }

    /// The percent expected on `date`.
    pub fn at(&self, date: NaiveDate) -> f64 {
        let p = &self.0;
        interpolate(p.len(), |i| p[i], date)
    }

    /// The points, in date order.
    pub fn points(&self) -> &[(NaiveDate, f64)] {
        &self.0
    }

    /// The first and last day with a point.
    pub fn span(&self) -> (NaiveDate, NaiveDate) {
        (self.0[0].0, self.0[self.0.len() - 1].0)
    }

    /// The weighted mean of paths (weights > 0); `None` for no paths.
    pub fn weighted(parts: &[(f64, &Path)]) -> Option<Path> {
        let total: f64 = parts.iter().map(|p| p.0).sum();
        if parts.is_empty() || total <= 0.0 {
            return None;
        }
        let days = union(parts.iter().map(|p| p.1));
        Some(Path(
            days.into_iter()
                .map(|d| {
                    let v = parts.iter().map(|(w, p)| w * p.at(d)).sum::<f64>() / total;
                    (d, v)
                })
                .collect(),
        ))
    }
}

/// The percent expected on `date` of the path whose `len` points (at least one, in increasing
/// date order) `point` gives: linear between points, flat beyond both ends.
fn interpolate(len: usize, point: impl Fn(usize) -> (NaiveDate, f64), date: NaiveDate) -> f64 {
    // The first point after `date` (a binary search, as `partition_point` over the points).
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if point(mid).0 <= date {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if lo == 0 {
        return point(0).1;
    }
    if lo == len {
        return point(len - 1).1;
    }
    let (a, b) = (point(lo - 1), point(lo));
    let span = (b.0 - a.0).num_days() as f64;
    a.1 + (b.1 - a.1) * (date - a.0).num_days() as f64 / span
}

/// Every item's path in flat arrays: what a server keeps for a million items, where a vector
/// of points each would cost ~70 bytes an item against ~14.
///
/// Most items are leaves whose path is plain: 0 % on the start date, 100 % on the due date.
/// Their two values are implied rather than stored — an item's values sit at its first point's
/// index less two for every plain path before it (the rank of its bit in `plain`).
pub(crate) struct Paths {
    /// Where each item's points start in `days`; one entry more than items. An item with no
    /// path has none (a path has at least one point).
    start: Vec<u32>,
    days: Vec<NaiveDate>,
    /// The values of the paths that are not plain, in item order.
    values: Vec<f64>,
    /// One bit per item: its path is plain (two points, 0 then 100).
    plain: RankedBits,
}

/// Whether a path is 0 % on its first day and 100 % on its last, with nothing between.
fn is_plain(p: &Path) -> bool {
    matches!(p.0.as_slice(), [(_, a), (_, b)] if *a == 0.0 && *b == 100.0)
}

impl Paths {
    pub(crate) fn of(paths: &[Option<Path>]) -> Paths {
        let points: usize = paths.iter().flatten().map(|p| p.0.len()).sum();
        let plain = RankedBits::of(paths.len(), |n| paths[n].as_ref().is_some_and(is_plain));
        let mut out = Paths {
            start: Vec::with_capacity(paths.len() + 1),
            days: Vec::with_capacity(points),
            values: Vec::with_capacity(points - 2 * plain.ones()),
            plain,
        };
        out.start.push(0);
        for (n, p) in paths.iter().enumerate() {
            if let Some(p) = p {
                out.days.extend(p.0.iter().map(|q| q.0));
                if !out.plain.get(n) {
                    out.values.extend(p.0.iter().map(|q| q.1));
                }
            }
            let end = u32::try_from(out.days.len()).expect("fewer than 4 billion path points");
            out.start.push(end);
        }
        out
    }

    fn range(&self, n: usize) -> std::ops::Range<usize> {
        self.start[n] as usize..self.start[n + 1] as usize
    }

    /// Item `n`'s points as days and values.
    fn points(&self, n: usize) -> (&[NaiveDate], &[f64]) {
        const PLAIN: [f64; 2] = [0.0, 100.0];
        let r = self.range(n);
        if self.plain.get(n) {
            return (&self.days[r], &PLAIN);
        }
        let first = r.start - 2 * self.plain.rank(n);
        (&self.days[r.clone()], &self.values[first..first + r.len()])
    }

    /// The percent item `n` is expected to have done on `date`; `None` when it has no path.
    pub(crate) fn at(&self, n: usize, date: NaiveDate) -> Option<f64> {
        let (days, values) = self.points(n);
        (!days.is_empty()).then(|| interpolate(days.len(), |i| (days[i], values[i]), date))
    }

    /// Item `n`'s path.
    pub(crate) fn get(&self, n: usize) -> Option<Path> {
        let (days, values) = self.points(n);
        (!days.is_empty()).then(|| Path(days.iter().copied().zip(values.iter().copied()).collect()))
    }

    pub(crate) fn len(&self) -> usize {
        self.start.len() - 1
    }
}

/// Every day on which one of the paths has a point, in order.
fn union<'a>(paths: impl Iterator<Item = &'a Path>) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = paths.flat_map(|p| p.0.iter().map(|q| q.0)).collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// Every item's path, in the order of `items` (`None` for an item with no dates, or out of the
/// plan's figures). `items` is a whole plan, cancelled items included; parents need not come
/// first.
pub fn paths(items: &[Item]) -> Vec<Option<Path>> {
    // The shape works out the children and their order once, for boards and for this.
    let shape = crate::shape::Shape::of(items);
    (0..shape.paths.len()).map(|n| shape.paths.get(n)).collect()
}

/// The same from what a caller knows already: which items are out of the figures
/// (`item::out_of_plan`), each item's children, and an order with every parent before its
/// children.
pub(crate) fn paths_by<'a>(
    items: &[Item],
    out: &[bool],
    children: impl Fn(usize) -> &'a [u32],
    order: &[usize],
) -> Vec<Option<Path>> {
    let mut paths: Vec<Option<Path>> = vec![None; items.len()];
    for &n in order.iter().rev() {
        if out[n] {
            continue;
        }
        let i = &items[n];
        let rule = i.rollup.unwrap_or_default();
        let live: Vec<(f64, &Path)> = children(n)
            .iter()
            .map(|&c| c as usize)
            .filter(|&c| !out[c])
            .filter_map(|c| {
                let w = match rule {
                    RollupRule::WeightedMean | RollupRule::Manual => items[c].weight.value(),
                    RollupRule::SimpleMean | RollupRule::WorstChild => 1.0,
                };
                paths[c].as_ref().map(|p| (w, p))
            })
            .collect();
        // A mean's expected figure is the mean of its parts' expected figures. The least
        // advanced child is not so: its progress is one child's and the least expected figure
        // may be another's, which would pair the two (a child far behind next to one just
        // begun would read "ahead"). Such a parent follows its own dates.
        let combined = match rule {
            RollupRule::Manual | RollupRule::WorstChild => None,
            RollupRule::WeightedMean | RollupRule::SimpleMean => Path::weighted(&live),
        };
        paths[n] = combined.or_else(|| Path::own(i.start, i.due, &i.extra.trajectory));
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Code, ItemKind, Percent, Weight};
    use chrono::Duration;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The flat form gives back every path as it was given, plain or not, across the bit
    /// set's blocks of 64, with items without a path in between.
    #[test]
    fn flat_paths_give_back_what_they_were_given() {
        let plain = |k: i64| {
            Path(vec![
                (d("2021-01-01") + Duration::days(k), 0.0),
                (d("2022-01-01"), 100.0),
            ])
        };
        let other = |k: i64| {
            Path(vec![
                (d("2021-01-01"), 0.0),
                (d("2021-06-01") + Duration::days(k), 40.0 + k as f64 / 7.0),
                (d("2022-01-01"), 100.0),
            ])
        };
        let paths: Vec<Option<Path>> = (0..300)
            .map(|k| match k % 7 {
                0 | 3 => None,
                1 | 2 | 5 => Some(plain(k)),
                4 => Some(Path(vec![(d("2021-01-01"), 0.0), (d("2022-01-01"), 90.0)])),
                _ => Some(other(k)),
            })
            .collect();
        let flat = Paths::of(&paths);
        assert_eq!(flat.len(), paths.len());
        for (n, p) in paths.iter().enumerate() {
            assert_eq!(&flat.get(n), p, "item {n}");
            for day in ["2020-12-31", "2021-03-15", "2021-06-20", "2022-02-01"] {
                assert_eq!(
                    flat.at(n, d(day)),
                    p.as_ref().map(|p| p.at(d(day))),
                    "item {n} on {day}"
                );
            }
        }
        // Only the paths that are not plain keep their values.
        let plain_count = paths.iter().flatten().filter(|p| is_plain(p)).count();
        let points: usize = paths.iter().flatten().map(|p| p.points().len()).sum();
        assert_eq!(flat.values.len(), points - 2 * plain_count);
    }

    fn item(code: &str, parent: Option<&str>, start: Option<&str>, due: &str) -> Item {
        let mut i = Item::new(Code::parse(code).unwrap(), ItemKind::Task, code);
        i.parent = parent.map(|p| Code::parse(p).unwrap());
        i.start = start.map(d);
        i.due = Some(d(due));
        i
    }

    #[test]
    fn own_paths_are_the_old_expected_figures_on_every_day() {
        let tp = |s: &str, p: f64| TrajectoryPoint {
            date: d(s),
            percent: Percent::new(p).unwrap(),
        };
        let cases: Vec<(Option<&str>, Option<&str>, Vec<TrajectoryPoint>)> = vec![
            (Some("2020-01-01"), Some("2020-01-11"), vec![]),
            (None, Some("2020-01-11"), vec![]),
            (
                Some("2020-01-01"),
                Some("2020-01-11"),
                vec![tp("2020-01-03", 40.0)],
            ),
            (None, Some("2020-01-11"), vec![tp("2020-01-03", 40.0)]),
            (Some("2020-01-01"), None, vec![tp("2020-01-05", 60.0)]),
        ];
        for (s, e, t) in cases {
            let p = Path::own(s.map(d), e.map(d), &t).unwrap();
            let mut day = d("2019-12-25");
            while day < d("2020-01-20") {
                let old = crate::progress::expected(s.map(d), e.map(d), &t, day).unwrap();
                assert!((p.at(day) - old).abs() < 1e-9, "{s:?} {e:?} {t:?} on {day}");
                day += Duration::days(1);
            }
        }
        assert_eq!(Path::own(Some(d("2020-01-01")), None, &[]), None);
    }

    #[test]
    fn a_parent_is_expected_where_its_children_are() {
        // A task through 2020 and a milestone due at its end: mid-year the milestone is not
        // expected to be done, so the parent is expected at the task's half, weighted.
        let mut parent = item("P", None, Some("2020-01-01"), "2020-12-31");
        parent.weight = Weight::new(1.0).unwrap();
        let mut task = item("P.1", Some("P"), Some("2020-01-01"), "2020-12-31");
        task.weight = Weight::new(3.0).unwrap();
        let mut ms = item("P.2", Some("P"), None, "2020-12-31");
        ms.kind = ItemKind::Milestone;
        let items = vec![parent, task, ms];
        let p = paths(&items);
        let mid = d("2020-07-01");
        let task_mid = p[1].as_ref().unwrap().at(mid);
        assert!((p[0].as_ref().unwrap().at(mid) - 0.75 * task_mid).abs() < 1e-9);
        assert_eq!(p[0].as_ref().unwrap().at(d("2020-12-31")), 100.0);
        // Its own dates would have said the linear figure, 25 % more of the milestone's part.
        let own = Path::own(items[0].start, items[0].due, &[])
            .unwrap()
            .at(mid);
        assert!(own > p[0].as_ref().unwrap().at(mid) + 10.0);
    }

    #[test]
    fn cancelled_and_manual_parents_and_undated_children() {
        let mut manual = item("M", None, Some("2020-01-01"), "2020-12-31");
        manual.rollup = Some(RollupRule::Manual);
        let early = item("M.1", Some("M"), Some("2020-01-01"), "2020-02-01");
        let mut parent = item("Q", None, Some("2020-01-01"), "2020-12-31");
        parent.extra.trajectory = vec![].into();
        let mut gone = item("Q.1", Some("Q"), Some("2020-01-01"), "2020-02-01");
        gone.cancelled = true;
        let mut undated = Item::new(Code::parse("Q.2").unwrap(), ItemKind::Task, "Q.2");
        undated.parent = Some(Code::parse("Q").unwrap());
        let items = vec![manual, early, parent, gone, undated];
        let p = paths(&items);
        let own = |n: usize| Path::own(items[n].start, items[n].due, &items[n].extra.trajectory);
        // Manual: its own dates. Only cancelled or undated children: its own dates.
        assert_eq!(p[0], own(0));
        assert_eq!(p[2], own(2));
        assert_eq!(p[3], None, "out of the plan's figures");
        assert_eq!(p[4], None, "no dates");
        // The least advanced child's rule: its own dates, never another child's path.
        let mut w = item("W", None, Some("2020-01-01"), "2020-12-31");
        w.rollup = Some(RollupRule::WorstChild);
        let items = vec![
            w,
            item("W.1", Some("W"), Some("2020-01-01"), "2020-03-31"),
            item("W.2", Some("W"), Some("2020-06-01"), "2020-12-31"),
        ];
        let p = paths(&items);
        assert_eq!(p[0], Path::own(items[0].start, items[0].due, &[]));
    }

    #[test]
    fn flat_paths_are_the_paths_on_every_day() {
        let tp = |s: &str, p: f64| TrajectoryPoint {
            date: d(s),
            percent: Percent::new(p).unwrap(),
        };
        let one = Path::own(Some(d("2020-01-01")), Some(d("2020-01-11")), &[]);
        let traj = Path::own(
            None,
            Some(d("2020-03-01")),
            &[tp("2020-01-03", 40.0), tp("2020-02-01", 50.0)],
        );
        let single = Path::own(None, Some(d("2020-01-05")), &[]);
        let list = vec![one, None, traj, single, None];
        let flat = Paths::of(&list);
        assert_eq!(flat.len(), list.len());
        for (n, p) in list.iter().enumerate() {
            assert_eq!(&flat.get(n), p, "item {n}");
            let mut day = d("2019-12-25");
            while day < d("2020-03-10") {
                assert_eq!(
                    flat.at(n, day),
                    p.as_ref().map(|p| p.at(day)),
                    "{n} on {day}"
                );
                day += Duration::days(1);
            }
        }
        assert_eq!(Paths::of(&[]).len(), 0);
    }
}
