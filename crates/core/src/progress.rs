//! Progress rules (DESIGN.md section 4): how a parent's progress follows from its children's,
//! what progress is expected on a date, and which status an item has. Every function here is
//! pure; the store keeps the results and the web layer shows them.
//!
//! "No report yet" is unknown, never 0 %. Each node carries its progress over the part of its
//! weight that is known, and the share of its weight that is unknown; a parent combines the
//! known parts of its children and adds up the unknown shares, so "T5: 40 %, 30 % of its weight
//! unreported" is exact at every level.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Thresholds, TrajectoryPoint};

/// How a parent's progress follows from its children's.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RollupRule {
    /// Weighted by the children's weights (the default).
    #[default]
    WeightedMean,
    /// Every child counts the same.
    SimpleMean,
    /// The least advanced child.
    WorstChild,
    /// Set by hand, with a mandatory reason; children are ignored.
    Manual,
}

impl RollupRule {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// The progress of one node: over the known part of its weight, and how much is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Percent complete of the known part; `None` when nothing is known.
    pub percent: Option<f64>,
    /// Share (0 to 1) of the node's weight with no accepted report below it.
    pub unknown_share: f64,
}

impl Progress {
    pub const UNKNOWN: Progress = Progress {
        percent: None,
        unknown_share: 1.0,
    };

    /// What accepted reports vouch for, over the whole weight: the known part's percent with
    /// the unknown weight counted as nothing (never as done). "≥ 75 %" when three quarters of
    /// the weight is reported complete and one quarter is not reported. Status is judged on
    /// this figure, so unknown weight can never make an item look done or on track.
    pub fn vouched(self) -> Option<f64> {
        self.percent
            .map(|p| (p * (1.0 - self.unknown_share)).clamp(0.0, 100.0))
    }

    pub fn known(percent: f64) -> Progress {
        Progress {
            percent: Some(percent),
            unknown_share: 0.0,
        }
    }
}

/// One child as its parent sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChildProgress {
    pub weight: f64,
    pub progress: Progress,
    /// Cancelled children do not count at all.
    pub cancelled: bool,
}

/// Tolerance under which two progress figures are the same (rounding of sums).
pub const EPSILON: f64 = 1e-9;

/// Combines children's progress by a rule. `Manual` is not a combination: callers use the
/// manual figure instead, so it combines like the default here.
pub fn roll_up(rule: RollupRule, children: &[ChildProgress]) -> Progress {
    let live: Vec<&ChildProgress> = children.iter().filter(|c| !c.cancelled).collect();
    if live.is_empty() {
        return Progress::UNKNOWN;
    }
    let weight = |c: &ChildProgress| match rule {
        RollupRule::SimpleMean | RollupRule::WorstChild => 1.0,
        RollupRule::WeightedMean | RollupRule::Manual => c.weight,
    };
    let total: f64 = live.iter().map(|c| weight(c)).sum();
    let known_mass = |c: &ChildProgress| match c.progress.percent {
        Some(_) => weight(c) * (1.0 - c.progress.unknown_share),
        None => 0.0,
    };
    let known: f64 = live.iter().map(|c| known_mass(c)).sum();
    let unknown_share = clamp01(1.0 - known / total);
    if known <= EPSILON {
        return Progress {
            percent: None,
            unknown_share: 1.0,
        };
    }
    let percent = match rule {
        RollupRule::WorstChild => live
            .iter()
            .filter_map(|c| c.progress.percent)
            .fold(f64::INFINITY, f64::min),
        _ => {
            live.iter()
                .map(|c| known_mass(c) * c.progress.percent.unwrap_or(0.0))
                .sum::<f64>()
                / known
        }
    };
    Progress {
        percent: Some(percent.clamp(0.0, 100.0)),
        unknown_share,
    }
}

fn clamp01(x: f64) -> f64 {
    if x < EPSILON { 0.0 } else { x.min(1.0) }
}

/// Progress expected on `date` of an item by its own dates: interpolated between the
/// trajectory points, with the start at 0 % and the due date at 100 % implied; linear from
/// start to due without points. `None` when the item has no dates to expect anything from.
/// A parent is expected where its children are: see `path::paths`, which every judgement of
/// an item in its plan uses.
pub fn expected(
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    trajectory: &[TrajectoryPoint],
    date: NaiveDate,
) -> Option<f64> {
    crate::path::Path::own(start, due, trajectory).map(|p| p.at(date))
}

/// An item's status on a date.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Status {
    Done,
    NotStarted,
    OnTrack,
    AtRisk,
    OffTrack,
    Overdue,
    /// Nothing reported, so nothing can be said.
    Unreported,
    /// Cancelled, or under a cancelled item: out of the plan's figures, judged no more.
    Cancelled,
    /// A positioning or goal that nothing measures yet: no indicator figure, no item serving
    /// it. Not a report missing: nobody reports on it.
    Unmeasured,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// Which rule decided a status, with the numbers that made it so.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusReason {
    pub status: Status,
    pub date: NaiveDate,
    pub progress: Option<f64>,
    pub expected: Option<f64>,
    /// Expected minus actual, in percentage points (positive means behind).
    pub gap: Option<f64>,
    /// The threshold crossed, when one was.
    pub threshold: Option<f64>,
    /// One sentence naming the rule, in English; clients translate by `status`.
    pub rule: String,
}

/// The status of an item on `date` (DESIGN.md section 4), with its reason, given its expected
/// path (`path::paths`). It is judged on the figure accepted reports vouch for
/// (`Progress::vouched`): a parent with unreported weight is never `done`, and its lag counts
/// the unreported part as not yet done.
pub fn status(
    progress: Progress,
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    path: Option<&crate::path::Path>,
    date: NaiveDate,
    thresholds: Thresholds,
) -> StatusReason {
    let exp = path.map(|p| p.at(date));
    let (status, gap) = classify(progress, start, due, exp, date, thresholds);
    let unreported = if progress.percent.is_some() && progress.unknown_share > EPSILON {
        format!(
            " (judged on {:.1} % vouched for: {:.0} % of the weight is unreported)",
            progress.vouched().unwrap_or(0.0),
            100.0 * progress.unknown_share
        )
    } else {
        String::new()
    };
    let (threshold, rule) = match status {
        Status::Done => (None, "progress is 100 %".to_string()),
        Status::NotStarted => (
            None,
            format!("{date} is before the start date {}", start.unwrap_or(date)),
        ),
        Status::Overdue => (
            None,
            format!(
                "{date} is past the due date {} and the item is not done",
                due.unwrap_or(date)
            ),
        ),
        Status::Unreported => (None, "no accepted report yet".to_string()),
        Status::Cancelled => (None, "cancelled: out of the plan's figures".to_string()),
        Status::Unmeasured => (None, "nothing measures it yet".to_string()),
        Status::OffTrack => (
            Some(thresholds.off_track),
            format!(
                "{:.1} points behind expected, more than the off-track threshold {}",
                gap.unwrap_or(0.0),
                thresholds.off_track
            ),
        ),
        Status::AtRisk => (
            Some(thresholds.at_risk),
            format!(
                "{:.1} points behind expected, more than the at-risk threshold {}",
                gap.unwrap_or(0.0),
                thresholds.at_risk
            ),
        ),
        Status::OnTrack => match gap {
            Some(g) if g < 0.0 => (None, format!("{:.1} points ahead of expected", -g)),
            Some(g) => (
                None,
                format!(
                    "{g:.1} points behind expected, within the at-risk threshold {}",
                    thresholds.at_risk
                ),
            ),
            None => (None, "no dates to compare against".to_string()),
        },
    };
    StatusReason {
        status,
        date,
        progress: progress.vouched(),
        expected: exp,
        gap,
        threshold,
        rule: rule + &unreported,
    }
}

/// The status alone, and the gap behind expected, given the expected figure: what summaries of
/// large plans need, without the sentence. Judged on `progress.vouched()`; an item with progress
/// before its start date is under way, not `not_started`.
pub fn classify(
    progress: Progress,
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    expected: Option<f64>,
    date: NaiveDate,
    thresholds: Thresholds,
) -> (Status, Option<f64>) {
    let progress = progress.vouched();
    let gap = match (expected, progress) {
        (Some(e), Some(p)) => Some(e - p),
        _ => None,
    };
    let status = if progress.is_some_and(|p| p >= 100.0 - EPSILON) {
        Status::Done
    } else if start.is_some_and(|s| date < s) && progress.unwrap_or(0.0) <= EPSILON {
        Status::NotStarted
    } else if due.is_some_and(|d| date > d) {
        Status::Overdue
    } else {
        match (progress, gap) {
            (None, _) => Status::Unreported,
            (Some(_), None) => Status::OnTrack,
            (Some(_), Some(g)) if g > thresholds.off_track + EPSILON => Status::OffTrack,
            (Some(_), Some(g)) if g > thresholds.at_risk + EPSILON => Status::AtRisk,
            _ => Status::OnTrack,
        }
    };
    (status, gap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Percent;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn child(weight: f64, percent: Option<f64>) -> ChildProgress {
        let progress = match percent {
            Some(p) => Progress::known(p),
            None => Progress::UNKNOWN,
        };
        ChildProgress {
            weight,
            progress,
            cancelled: false,
        }
    }

    #[test]
    fn weighted_mean_over_known_children_with_unknown_share() {
        let r = roll_up(
            RollupRule::WeightedMean,
            &[child(1.0, Some(50.0)), child(3.0, Some(10.0))],
        );
        assert_eq!(
            r,
            Progress {
                percent: Some(20.0),
                unknown_share: 0.0
            }
        );
        let r = roll_up(
            RollupRule::WeightedMean,
            &[child(1.0, Some(50.0)), child(3.0, None)],
        );
        assert_eq!(
            r,
            Progress {
                percent: Some(50.0),
                unknown_share: 0.75
            }
        );
        let r = roll_up(
            RollupRule::WeightedMean,
            &[child(1.0, None), child(1.0, None)],
        );
        assert_eq!(r, Progress::UNKNOWN);
        assert_eq!(roll_up(RollupRule::WeightedMean, &[]), Progress::UNKNOWN);
    }

    #[test]
    fn unknown_shares_add_up_through_levels() {
        // A child that is itself half unknown contributes half its weight as known.
        let half = ChildProgress {
            weight: 2.0,
            progress: Progress {
                percent: Some(40.0),
                unknown_share: 0.5,
            },
            cancelled: false,
        };
        let r = roll_up(RollupRule::WeightedMean, &[half, child(1.0, Some(100.0))]);
        assert!((r.percent.unwrap() - 70.0).abs() < 1e-9, "{r:?}");
        assert!((r.unknown_share - 1.0 / 3.0).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn other_rules_and_cancelled_children() {
        let kids = [child(1.0, Some(90.0)), child(9.0, Some(10.0))];
        assert_eq!(roll_up(RollupRule::SimpleMean, &kids).percent, Some(50.0));
        assert_eq!(roll_up(RollupRule::WorstChild, &kids).percent, Some(10.0));
        let mut cancelled = child(9.0, Some(10.0));
        cancelled.cancelled = true;
        assert_eq!(
            roll_up(
                RollupRule::WeightedMean,
                &[child(1.0, Some(90.0)), cancelled]
            ),
            Progress::known(90.0)
        );
    }

    #[test]
    fn expected_linear_and_by_trajectory() {
        let (s, e) = (Some(d("2020-01-01")), Some(d("2020-01-11")));
        assert_eq!(expected(s, e, &[], d("2019-12-01")), Some(0.0));
        assert_eq!(expected(s, e, &[], d("2020-01-06")), Some(50.0));
        assert_eq!(expected(s, e, &[], d("2020-02-01")), Some(100.0));
        let traj = [TrajectoryPoint {
            date: d("2020-01-03"),
            percent: Percent::new(80.0).unwrap(),
        }];
        assert_eq!(expected(s, e, &traj, d("2020-01-02")), Some(40.0));
        assert_eq!(expected(s, e, &traj, d("2020-01-07")), Some(90.0));
        assert_eq!(expected(None, None, &[], d("2020-01-07")), None);
        // Only a due date (a milestone): nothing expected before it, all of it after.
        assert_eq!(expected(None, e, &[], d("2020-01-10")), Some(0.0));
        assert_eq!(expected(None, e, &[], d("2020-01-11")), Some(100.0));
    }

    fn check(progress: Option<f64>, date: &str, expected_status: Status) {
        let p = progress.map(Progress::known).unwrap_or(Progress::UNKNOWN);
        check_whole(p, date, expected_status);
    }

    fn check_whole(progress: Progress, date: &str, expected_status: Status) {
        let r = status(
            progress,
            Some(d("2020-01-01")),
            Some(d("2020-12-31")),
            crate::path::Path::own(Some(d("2020-01-01")), Some(d("2020-12-31")), &[]).as_ref(),
            d(date),
            Thresholds::default(),
        );
        assert_eq!(
            r.status, expected_status,
            "progress {progress:?} on {date}: {r:?}"
        );
    }

    #[test]
    fn every_status_rule_and_boundary() {
        check(Some(100.0), "2021-06-01", Status::Done);
        check(Some(100.0), "2019-06-01", Status::Done);
        check(None, "2019-12-31", Status::NotStarted);
        check(Some(99.0), "2021-01-01", Status::Overdue);
        check(None, "2021-01-01", Status::Overdue);
        check(None, "2020-06-01", Status::Unreported);
        // 2020-07-02 is day 183 of 365: expected 50.1 %.
        let e = expected(
            Some(d("2020-01-01")),
            Some(d("2020-12-31")),
            &[],
            d("2020-07-02"),
        )
        .unwrap();
        check(Some(e), "2020-07-02", Status::OnTrack);
        check(Some(e - 5.0), "2020-07-02", Status::OnTrack); // exactly at the threshold
        check(Some(e - 5.01), "2020-07-02", Status::AtRisk);
        check(Some(e - 15.0), "2020-07-02", Status::AtRisk);
        check(Some(e - 15.01), "2020-07-02", Status::OffTrack);
        check(Some(e + 30.0), "2020-07-02", Status::OnTrack);
        // On the due date itself the item is not yet overdue.
        check(Some(90.0), "2020-12-31", Status::AtRisk);
        // Progress before the start date: under way early, not "not started".
        check(Some(50.0), "2019-12-01", Status::OnTrack);
        check(Some(0.0), "2019-12-01", Status::NotStarted);
    }

    /// E7.2 of the demo: three of four equal centres complete, the fourth overdue with no
    /// report. The known part is 100 %, but a quarter of the weight is vouched for by nothing:
    /// never done, and judged on 75 %.
    #[test]
    fn unreported_weight_is_never_done_and_counts_as_not_yet_done() {
        let children = [
            child(1.0, Some(100.0)),
            child(1.0, Some(100.0)),
            child(1.0, Some(100.0)),
            child(1.0, None),
        ];
        let p = roll_up(RollupRule::WeightedMean, &children);
        assert_eq!((p.percent, p.unknown_share), (Some(100.0), 0.25));
        assert_eq!(p.vouched(), Some(75.0));
        // Past its due date: overdue, not done.
        check_whole(p, "2021-01-05", Status::Overdue);
        // Before it, judged on 75 % vouched for: on 2020-12-31, 100 % expected, 25 behind.
        let r = status(
            p,
            Some(d("2020-01-01")),
            Some(d("2020-12-31")),
            crate::path::Path::own(Some(d("2020-01-01")), Some(d("2020-12-31")), &[]).as_ref(),
            d("2020-12-31"),
            Thresholds::default(),
        );
        assert_eq!(r.status, Status::OffTrack, "{r:?}");
        assert_eq!(r.progress, Some(75.0));
        assert!(
            r.rule.contains("25 % of the weight is unreported"),
            "{}",
            r.rule
        );
        // Every part reported complete: done.
        let all = roll_up(RollupRule::WeightedMean, &[child(1.0, Some(100.0)); 4]);
        check_whole(all, "2020-06-01", Status::Done);
        // The least advanced child rule cannot hide an unreported child either.
        let worst = roll_up(RollupRule::WorstChild, &children);
        check_whole(worst, "2020-06-01", Status::OnTrack);
        assert_ne!(
            status(
                worst,
                None,
                None,
                None,
                d("2020-06-01"),
                Thresholds::default()
            )
            .status,
            Status::Done
        );
    }

    #[test]
    fn reasons_carry_the_numbers() {
        let r = status(
            Progress::known(20.0),
            Some(d("2020-01-01")),
            Some(d("2020-01-11")),
            crate::path::Path::own(Some(d("2020-01-01")), Some(d("2020-01-11")), &[]).as_ref(),
            d("2020-01-06"),
            Thresholds::default(),
        );
        assert_eq!(r.status, Status::OffTrack);
        assert_eq!(
            (r.expected, r.gap, r.threshold),
            (Some(50.0), Some(30.0), Some(15.0))
        );
        assert!(r.rule.contains("30.0 points behind"), "{}", r.rule);
    }
}

/// What the rollup needs to know about one item.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Node {
    pub parent: Option<usize>,
    pub weight: f64,
    pub rule: RollupRule,
    pub cancelled: bool,
    /// The figure set by hand when the rule is `Manual`.
    pub manual: Option<f64>,
    /// The latest accepted report's percent, if any.
    pub reported: Option<f64>,
    /// For an item with unit shares (`Item::shares`): the share-weighted figure of its units'
    /// latest accepted reports (`shared`), in place of the lead's report.
    pub shared: Option<Progress>,
}

/// The figure of an item with unit shares: each unit's latest accepted percent (`None`: no
/// accepted report yet) weighted by its share; a unit that has not reported is unknown
/// weight, never 0 %.
pub fn shared(shares: &[(f64, Option<f64>)]) -> Progress {
    let parts: Vec<ChildProgress> = shares
        .iter()
        .map(|&(share, percent)| ChildProgress {
            weight: share,
            progress: percent.map(Progress::known).unwrap_or(Progress::UNKNOWN),
            cancelled: false,
        })
        .collect();
    roll_up(RollupRule::WeightedMean, &parts)
}

/// The one rule for a single node, used by the incremental path (a report touches an item and
/// its ancestors) and the full recompute alike: a manual figure wins; an item with live
/// children rolls them up; a leaf is its latest accepted report, or unknown.
pub fn node_progress(node: &Node, children: &[ChildProgress]) -> Progress {
    if node.rule == RollupRule::Manual
        && let Some(m) = node.manual
    {
        return Progress::known(m);
    }
    if children.iter().any(|c| !c.cancelled) {
        return roll_up(node.rule, children);
    }
    if let Some(p) = node.shared {
        return p;
    }
    node.reported
        .map(Progress::known)
        .unwrap_or(Progress::UNKNOWN)
}

/// Every node's progress from scratch. Nodes must list parents before children.
pub fn roll_up_tree(nodes: &[Node]) -> Vec<Progress> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        if let Some(p) = n.parent {
            children[p].push(i);
        }
    }
    let mut out = vec![Progress::UNKNOWN; nodes.len()];
    for i in (0..nodes.len()).rev() {
        let kids: Vec<ChildProgress> = children[i]
            .iter()
            .map(|&c| ChildProgress {
                weight: nodes[c].weight,
                progress: out[c],
                cancelled: nodes[c].cancelled,
            })
            .collect();
        out[i] = node_progress(&nodes[i], &kids);
    }
    out
}

/// True when two progress figures agree within rounding.
pub fn same(a: Progress, b: Progress) -> bool {
    let pct = match (a.percent, b.percent) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() < 1e-6,
        _ => false,
    };
    pct && (a.unknown_share - b.unknown_share).abs() < 1e-6
}

#[cfg(test)]
mod tree_tests {
    use proptest::prelude::*;

    use super::*;

    /// Incremental maintenance as the store does it: after a leaf changes, recompute that leaf
    /// and then each ancestor from its children's stored values.
    fn touch(nodes: &[Node], stored: &mut [Progress], children: &[Vec<usize>], mut at: usize) {
        loop {
            let kids: Vec<ChildProgress> = children[at]
                .iter()
                .map(|&c| ChildProgress {
                    weight: nodes[c].weight,
                    progress: stored[c],
                    cancelled: nodes[c].cancelled,
                })
                .collect();
            stored[at] = node_progress(&nodes[at], &kids);
            match nodes[at].parent {
                Some(p) => at = p,
                None => break,
            }
        }
    }

    fn tree() -> impl Strategy<Value = Vec<Node>> {
        (2usize..60).prop_flat_map(|n| {
            let parents = (1..n)
                .map(|i| proptest::option::weighted(0.9, 0..i))
                .collect::<Vec<_>>();
            let weights = proptest::collection::vec(0.1f64..10.0, n);
            let rules = proptest::collection::vec(
                prop_oneof![
                    6 => Just(RollupRule::WeightedMean),
                    2 => Just(RollupRule::SimpleMean),
                    1 => Just(RollupRule::WorstChild),
                    1 => Just(RollupRule::Manual)
                ],
                n,
            );
            let cancelled = proptest::collection::vec(proptest::bool::weighted(0.1), n);
            let manual = proptest::collection::vec(proptest::option::of(0.0f64..=100.0), n);
            (parents, weights, rules, cancelled, manual).prop_map(move |(parents, w, r, c, m)| {
                (0..n)
                    .map(|i| Node {
                        parent: if i == 0 { None } else { parents[i - 1] },
                        weight: w[i],
                        rule: r[i],
                        cancelled: c[i],
                        manual: m[i],
                        reported: None,
                        shared: None,
                    })
                    .collect()
            })
        })
    }

    proptest! {
        #[test]
        fn incremental_equals_full_recompute(
            mut nodes in tree(),
            reports in proptest::collection::vec((0usize..60, proptest::option::weighted(0.9, 0.0f64..=100.0)), 1..80),
        ) {
            let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
            for (i, n) in nodes.iter().enumerate() {
                if let Some(p) = n.parent { children[p].push(i); }
            }
            let mut stored = roll_up_tree(&nodes);
            for (at, percent) in reports {
                let at = at % nodes.len();
                nodes[at].reported = percent;
                touch(&nodes, &mut stored, &children, at);
                let full = roll_up_tree(&nodes);
                for i in 0..nodes.len() {
                    prop_assert!(same(stored[i], full[i]), "node {} incremental {:?} full {:?}", i, stored[i], full[i]);
                }
            }
        }
    }
}

mod list;
pub use list::ProgressList;

pub use crate::explain::{ChildShare, Explanation, Measured, ProgressSource, explain};
