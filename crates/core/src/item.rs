//! Items (plan nodes): positionings, goals, tasks, projects, works and milestones, one tree per
//! plan. The kinds are fixed here; what a plan calls each level is data (`LevelLabel`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thin_vec::ThinVec;

use crate::{Code, Text, percent::Percent, progress::RollupRule};

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
pub enum ItemKind {
    Positioning,
    Goal,
    Task,
    Project,
    Work,
    Milestone,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    /// The default label of the level, used when a plan does not name its own.
    pub fn default_label(self) -> Text {
        match self {
            ItemKind::Positioning => Text::new("定位", "Positioning"),
            ItemKind::Goal => Text::new("目标", "Goal"),
            ItemKind::Task => Text::new("任务", "Task"),
            ItemKind::Project => Text::new("工程", "Project"),
            ItemKind::Work => Text::new("工作", "Work"),
            ItemKind::Milestone => Text::new("节点", "Milestone"),
        }
    }

    /// Whether an item of this kind may stand at the top of the tree.
    pub fn may_be_root(self) -> bool {
        !matches!(self, ItemKind::Milestone)
    }

    /// The kinds an item of this kind may sit under. Positionings are the top of the tree;
    /// a milestone is a dated point of something larger and has no children of its own.
    pub fn allowed_parents(self) -> &'static [ItemKind] {
        use ItemKind::*;
        match self {
            Positioning => &[],
            Goal => &[Positioning, Goal],
            Task => &[Positioning, Goal, Task],
            Project => &[Positioning, Goal, Task, Project, Work],
            Work => &[Positioning, Goal, Task, Project, Work],
            Milestone => &[Goal, Task, Project, Work],
        }
    }

    pub fn may_sit_under(self, parent: ItemKind) -> bool {
        self.allowed_parents().contains(&parent)
    }
}

/// The relative weight of an item among its siblings in a rollup; strictly positive.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Weight(f64);

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("a weight must be a number above 0 and at most 1000000 (got {0})")]
pub struct WeightError(pub f64);

impl Weight {
    pub const ONE: Weight = Weight(1.0);
    /// Weights are relative among siblings: a million to one is beyond any plan, and a bound
    /// keeps weight × percent finite in every sum.
    pub const MAX: f64 = 1_000_000.0;

    pub fn new(v: f64) -> Result<Self, WeightError> {
        if v.is_finite() && v > 0.0 && v <= Weight::MAX {
            Ok(Weight(v))
        } else {
            Err(WeightError(v))
        }
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

impl Default for Weight {
    fn default() -> Self {
        Weight::ONE
    }
}

impl TryFrom<f64> for Weight {
    type Error = WeightError;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        Weight::new(v)
    }
}

impl From<Weight> for f64 {
    fn from(w: Weight) -> f64 {
        w.0
    }
}

/// One point of an item's planned trajectory: by `date`, `percent` should be done.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryPoint {
    pub date: NaiveDate,
    pub percent: Percent,
}

/// A measurable target an item commits to, e.g. "metro in operation > 300 km by 2020-12-31".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub value: f64,
    /// Unit of measure as written in the plan (km, 亿元, 条).
    pub unit: String,
    pub by: Option<NaiveDate>,
    /// The indicator that measures it, if the plan has one.
    pub indicator: Option<Code>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(from = "ItemIn")]
pub struct Item {
    pub code: Code,
    pub kind: ItemKind,
    pub parent: Option<Code>,
    pub title: Text,
    /// 牵头单位.
    pub lead: Option<Code>,
    /// 配合单位.
    pub co: ThinVec<Code>,
    pub start: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub weight: Weight,
    /// Shown on the public transparency portal.
    pub public: bool,
    /// Run "project-style": one project, one team, one dedicated plan (三个一).
    pub three_ones: bool,
    /// How this item's progress follows from its children's; `None` takes the plan's default.
    pub rollup: Option<RollupRule>,
    /// Cancelled items stay in the plan but count for nothing in rollups.
    pub cancelled: bool,
    /// Where the item's own progress comes from: its lead unit's reports (the default), or
    /// the figures of the indicator its target names (roads completed of 193).
    pub progress_from: ProgressFrom,
    /// What most items leave empty (description, leaders, links, source quote, trajectory,
    /// target, manual figure, shares), out of line.
    pub extra: Extra,
}

/// The fields of an item that most items leave empty. A server keeps every item of a plan in
/// memory; kept in line they cost a million-item plan 120 bytes an item whether set or not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ItemExtra {
    pub description: Text,
    /// 责任领导.
    pub leader: Option<Code>,
    /// 分管领导.
    pub leader_in_charge: Option<Code>,
    /// Items in other branches this one serves (alignment, not a second parent).
    pub supports: ThinVec<Code>,
    /// The passage of the source document the item comes from, quoted. A plan drawn from a
    /// document quotes it for nearly every item, but such plans are small; a large one
    /// (generated, or rows from a workbook) quotes none.
    pub source: Option<Box<str>>,
    pub trajectory: ThinVec<TrajectoryPoint>,
    pub target: Option<Box<Target>>,
    /// The figure set by hand, with its reason, when the rollup is manual.
    pub manual: Option<Box<ManualProgress>>,
    /// Explicit shares of the lead and co-operating units in the item's figure (percent,
    /// summing to 100): each unit's latest accepted report counts for its share. Without
    /// shares only the lead unit's report moves the item.
    pub shares: ThinVec<Share>,
}

/// An item's `ItemExtra`, allocated only when one of its fields is set: reading an unset one
/// reads an empty `ItemExtra`; writing one allocates it (`tidy` gives it back when it ends up
/// empty).
#[derive(Clone, Default)]
pub struct Extra(Option<Box<ItemExtra>>);

impl Extra {
    /// Gives the allocation back when nothing in it is set.
    pub fn tidy(&mut self) {
        if self
            .0
            .as_deref()
            .is_some_and(|e| *e == ItemExtra::default())
        {
            self.0 = None;
        }
    }

    /// Whether the fields are held out of line (one of them is, or was, set).
    pub fn is_allocated(&self) -> bool {
        self.0.is_some()
    }
}

impl From<ItemExtra> for Extra {
    fn from(e: ItemExtra) -> Extra {
        let mut x = Extra(Some(Box::new(e)));
        x.tidy();
        x
    }
}

impl std::ops::Deref for Extra {
    type Target = ItemExtra;
    fn deref(&self) -> &ItemExtra {
        static EMPTY: std::sync::OnceLock<ItemExtra> = std::sync::OnceLock::new();
        self.0
            .as_deref()
            .unwrap_or_else(|| EMPTY.get_or_init(ItemExtra::default))
    }
}

impl std::ops::DerefMut for Extra {
    fn deref_mut(&mut self) -> &mut ItemExtra {
        self.0.get_or_insert_with(Default::default)
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Extra) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for Extra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

// An item is written and read with every field flat, in this order (the API's JSON, events'
// payloads, baselines' snapshots), as before the rare fields moved out of line.
#[derive(Serialize)]
struct ItemOut<'a> {
    code: &'a Code,
    kind: ItemKind,
    parent: &'a Option<Code>,
    title: &'a Text,
    description: &'a Text,
    lead: &'a Option<Code>,
    co: &'a ThinVec<Code>,
    leader: &'a Option<Code>,
    leader_in_charge: &'a Option<Code>,
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    weight: Weight,
    public: bool,
    supports: &'a ThinVec<Code>,
    source: &'a Option<Box<str>>,
    trajectory: &'a ThinVec<TrajectoryPoint>,
    target: &'a Option<Box<Target>>,
    three_ones: bool,
    rollup: Option<RollupRule>,
    manual: &'a Option<Box<ManualProgress>>,
    cancelled: bool,
    shares: &'a ThinVec<Share>,
    progress_from: ProgressFrom,
}

#[derive(Deserialize)]
struct ItemIn {
    code: Code,
    kind: ItemKind,
    parent: Option<Code>,
    title: Text,
    description: Text,
    lead: Option<Code>,
    co: ThinVec<Code>,
    leader: Option<Code>,
    leader_in_charge: Option<Code>,
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    weight: Weight,
    public: bool,
    supports: ThinVec<Code>,
    source: Option<Box<str>>,
    trajectory: ThinVec<TrajectoryPoint>,
    target: Option<Box<Target>>,
    three_ones: bool,
    rollup: Option<RollupRule>,
    manual: Option<Box<ManualProgress>>,
    cancelled: bool,
    shares: ThinVec<Share>,
    #[serde(default)]
    progress_from: ProgressFrom,
}

impl Serialize for Item {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = &*self.extra;
        ItemOut {
            code: &self.code,
            kind: self.kind,
            parent: &self.parent,
            title: &self.title,
            description: &e.description,
            lead: &self.lead,
            co: &self.co,
            leader: &e.leader,
            leader_in_charge: &e.leader_in_charge,
            start: self.start,
            due: self.due,
            weight: self.weight,
            public: self.public,
            supports: &e.supports,
            source: &e.source,
            trajectory: &e.trajectory,
            target: &e.target,
            three_ones: self.three_ones,
            rollup: self.rollup,
            manual: &e.manual,
            cancelled: self.cancelled,
            shares: &e.shares,
            progress_from: self.progress_from,
        }
        .serialize(s)
    }
}

impl From<ItemIn> for Item {
    fn from(i: ItemIn) -> Item {
        Item {
            code: i.code,
            kind: i.kind,
            parent: i.parent,
            title: i.title,
            lead: i.lead,
            co: i.co,
            start: i.start,
            due: i.due,
            weight: i.weight,
            public: i.public,
            three_ones: i.three_ones,
            rollup: i.rollup,
            cancelled: i.cancelled,
            progress_from: i.progress_from,
            extra: ItemExtra {
                description: i.description,
                leader: i.leader,
                leader_in_charge: i.leader_in_charge,
                supports: i.supports,
                source: i.source,
                trajectory: i.trajectory,
                target: i.target,
                manual: i.manual,
                shares: i.shares,
            }
            .into(),
        }
    }
}

/// Where a leaf item's own progress comes from.
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
pub enum ProgressFrom {
    /// The lead unit's latest accepted report (or the units' shares).
    #[default]
    Reports,
    /// The latest figure of the target's indicator, as the share of the way from the
    /// indicator's baseline to the target (`indicator::measured_percent`).
    Indicator,
}

impl ProgressFrom {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// One unit's share in an item's figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub unit: Code,
    pub percent: Percent,
}

/// A progress figure set by hand instead of rolled up; the reason is mandatory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManualProgress {
    pub percent: Percent,
    pub reason: String,
}

/// Which items are out of the plan's figures: cancelled, or under a cancelled item (a cancelled
/// item takes its whole branch with it). In the order of `items`; parents need not come first.
pub fn out_of_plan(items: &[Item]) -> Vec<bool> {
    let index: std::collections::HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(n, i)| (i.code.as_str(), n))
        .collect();
    out_of_plan_by(items, |n| {
        items[n]
            .parent
            .as_ref()
            .and_then(|p| index.get(p.as_str()).copied())
    })
}

/// The same, with each item's parent's position given (`parent(n)`; `None` for a root), for
/// callers that know them already.
pub fn out_of_plan_by(items: &[Item], parent: impl Fn(usize) -> Option<usize>) -> Vec<bool> {
    // None: not decided yet. Walk up from each item until an answer is known, then mark the
    // walked chain with it; every item is decided once. A cycle cannot occur (the validator
    // refuses one), and the walk stops after the plan's size anyway.
    let mut out: Vec<Option<bool>> = vec![None; items.len()];
    for start in 0..items.len() {
        let mut chain = Vec::new();
        let mut n = start;
        let answer = loop {
            if let Some(a) = out[n] {
                break a;
            }
            if items[n].cancelled {
                break true;
            }
            chain.push(n);
            match parent(n) {
                Some(p) if chain.len() <= items.len() => n = p,
                _ => break false,
            }
        };
        out[n] = Some(out[n].unwrap_or(answer));
        for c in chain {
            out[c] = Some(answer);
        }
    }
    out.into_iter().map(|o| o.unwrap_or(false)).collect()
}

impl Item {
    /// A new item with every optional field empty; builders and tests start from here.
    pub fn new(code: Code, kind: ItemKind, title_zh: impl AsRef<str>) -> Self {
        Item {
            code,
            kind,
            parent: None,
            title: Text::new(title_zh, ""),
            lead: None,
            co: ThinVec::new(),
            start: None,
            due: None,
            weight: Weight::ONE,
            public: false,
            three_ones: false,
            rollup: None,
            cancelled: false,
            extra: Extra::default(),
            progress_from: ProgressFrom::Reports,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // What a server holds per item of a loaded plan (BENCHMARKS.md, memory per item).
    const _: () = assert!(std::mem::size_of::<Item>() <= 120);

    #[test]
    fn rare_fields_take_memory_only_once_set() {
        let mut i = Item::new(Code::parse("A").unwrap(), ItemKind::Task, "甲");
        assert!(!i.extra.is_allocated());
        assert_eq!(
            i.extra.description,
            Text::default(),
            "an unset field reads empty"
        );
        assert!(i.extra.leader.is_none() && i.extra.shares.is_empty());
        i.extra.leader = Some(Code::parse("P1").unwrap());
        assert!(i.extra.is_allocated());
        assert_eq!(i.extra.leader.as_ref().map(|c| c.as_str()), Some("P1"));
        let copy = i.clone();
        i.extra.tidy();
        assert!(i.extra.is_allocated(), "a set field is kept");
        i.extra.leader = None;
        i.extra.tidy();
        assert!(!i.extra.is_allocated(), "tidy gives an empty one back");
        assert_ne!(i, copy);
        // Held or not, an empty set of fields is the same item.
        let mut held = i.clone();
        held.extra.target = None;
        assert!(held.extra.is_allocated());
        assert_eq!(held, i);
        let from: Extra = ItemExtra::default().into();
        assert!(!from.is_allocated());
    }

    #[test]
    fn items_are_written_flat_in_their_fields_order_and_read_back() {
        let mut i = Item::new(Code::parse("A.1").unwrap(), ItemKind::Project, "甲");
        i.parent = Some(Code::parse("A").unwrap());
        i.lead = Some(Code::parse("U1").unwrap());
        i.extra.description = Text::new("说明", "About");
        i.extra.leader = Some(Code::parse("P1").unwrap());
        i.extra.supports = thin_vec::thin_vec![Code::parse("B").unwrap()];
        i.extra.source = Some("原文".into());
        i.extra.target = Some(Box::new(Target {
            value: 300.0,
            unit: "km".into(),
            by: None,
            indicator: None,
        }));
        let text = serde_json::to_string(&i).unwrap();
        let at: Vec<usize> = [
            "code",
            "kind",
            "parent",
            "title",
            "description",
            "lead",
            "co",
            "leader",
            "leader_in_charge",
            "start",
            "due",
            "weight",
            "public",
            "supports",
            "source",
            "trajectory",
            "target",
            "three_ones",
            "rollup",
            "manual",
            "cancelled",
            "shares",
            "progress_from",
        ]
        .iter()
        .map(|k| {
            text.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k} in {text}"))
        })
        .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["description"]["en"], "About");
        assert_eq!(json["target"]["value"], 300.0);
        let back: Item = serde_json::from_value(json).unwrap();
        assert_eq!(back, i);
        let plain = Item::new(Code::parse("B").unwrap(), ItemKind::Task, "乙");
        let back: Item = serde_json::from_str(&serde_json::to_string(&plain).unwrap()).unwrap();
        assert!(
            !back.extra.is_allocated(),
            "an item read with none set holds none"
        );
        assert_eq!(back, plain);
    }

    #[test]
    fn hierarchy() {
        use ItemKind::*;
        use strum::VariantArray;
        assert!(Positioning.may_be_root());
        assert!(!Milestone.may_be_root());
        assert!(Task.may_sit_under(Goal));
        assert!(!Positioning.may_sit_under(Task));
        assert!(!Task.may_sit_under(Milestone));
        assert!(!Milestone.may_sit_under(Milestone));
        for &k in ItemKind::VARIANTS {
            assert_eq!(ItemKind::parse(k.as_str()), Some(k));
            assert!(!k.may_sit_under(Milestone), "{k:?} under a milestone");
        }
    }

    #[test]
    fn a_cancelled_item_takes_its_branch_out_of_the_plan() {
        let mk = |code: &str, parent: Option<&str>, cancelled: bool| {
            let mut i = Item::new(Code::parse(code).unwrap(), ItemKind::Task, code);
            i.parent = parent.map(|p| Code::parse(p).unwrap());
            i.cancelled = cancelled;
            i
        };
        // Children listed before their parents, to show the order does not matter.
        let items = [
            mk("A.1.1", Some("A.1"), false),
            mk("A.1", Some("A"), false),
            mk("A", None, true),
            mk("B", None, false),
            mk("B.1", Some("B"), true),
            mk("B.2", Some("B"), false),
            mk("B.1.1", Some("B.1"), false),
        ];
        assert_eq!(
            out_of_plan(&items),
            [true, true, true, false, true, false, true]
        );
    }

    #[test]
    fn weights() {
        assert!(Weight::new(0.5).is_ok());
        assert!(Weight::new(0.0).is_err());
        assert!(Weight::new(-1.0).is_err());
    }
}
