//! What the API sends: view types shaped for clients and documented in the OpenAPI spec, kept
//! apart from domain and storage types so either can change without breaking the contract.

use chrono::NaiveDate;
use serde::Serialize;
use tuijin_core::{Indicator, Plan, Text};
use tuijin_store::{ItemRecord, LinkRecord, PlanRecord, UnitRecord};
use utoipa::ToSchema;

/// A text in Chinese (primary) and English.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct TextView {
    pub zh: String,
    pub en: String,
}

impl From<&Text> for TextView {
    fn from(t: &Text) -> Self {
        TextView {
            zh: t.zh().to_string(),
            en: t.en().to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageView {
    pub code: String,
    pub title: TextView,
    pub description: TextView,
    pub end: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LevelView {
    pub kind: String,
    pub label: TextView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub code: String,
    pub title: TextView,
    pub description: TextView,
    pub source_title: TextView,
    pub source_date: Option<NaiveDate>,
    pub timezone: String,
    pub cadence: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub at_risk_threshold: f64,
    pub off_track_threshold: f64,
    pub stages: Vec<StageView>,
    /// What this plan calls each level of its tree.
    pub levels: Vec<LevelView>,
    pub item_count: i64,
    pub version: i64,
}

impl From<&PlanRecord> for PlanView {
    fn from(r: &PlanRecord) -> Self {
        let p: &Plan = &r.plan;
        PlanView {
            code: p.code.to_string(),
            title: (&p.title).into(),
            description: (&p.description).into(),
            source_title: (&p.source.title).into(),
            source_date: p.source.date,
            timezone: p.timezone.clone(),
            cadence: p.cadence.as_str().into(),
            start: p.start,
            end: p.end,
            at_risk_threshold: p.thresholds.at_risk,
            off_track_threshold: p.thresholds.off_track,
            stages: p
                .stages
                .iter()
                .map(|s| StageView {
                    code: s.code.to_string(),
                    title: (&s.title).into(),
                    description: (&s.description).into(),
                    end: s.end,
                })
                .collect(),
            levels: <tuijin_core::ItemKind as tuijin_core::VariantArray>::VARIANTS
                .iter()
                .map(|k| LevelView {
                    kind: k.as_str().into(),
                    label: (&p.level_label(*k)).into(),
                })
                .collect(),
            item_count: r.item_count,
            version: r.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetView {
    pub value: f64,
    pub unit: String,
    pub by: Option<NaiveDate>,
    pub indicator: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrajectoryPointView {
    pub date: NaiveDate,
    pub percent: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    pub plan: String,
    pub code: String,
    /// positioning, goal, task, project, work or milestone.
    pub kind: String,
    pub parent: Option<String>,
    pub title: TextView,
    pub description: TextView,
    /// Lead unit (牵头单位).
    pub lead: Option<String>,
    /// Co-operating units (配合单位).
    pub co: Vec<String>,
    /// Responsible leader (责任领导).
    pub leader: Option<String>,
    /// Leader in charge (分管领导).
    pub leader_in_charge: Option<String>,
    pub start: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub weight: f64,
    pub public: bool,
    /// Items in other branches this one serves.
    pub supports: Vec<String>,
    /// The passage of the source document this item comes from.
    pub source: Option<String>,
    pub target: Option<TargetView>,
    pub trajectory: Vec<TrajectoryPointView>,
    /// Run project-style: one project, one team, one dedicated plan (三个一).
    pub three_ones: bool,
    /// Kept in the plan, counted for nothing in rollups (with its branch).
    pub cancelled: bool,
    /// How its progress follows from its children's (weighted, simple, worst, manual);
    /// absent: the plan's default.
    pub rollup: Option<String>,
    /// The figure set by hand, with its reason, when the rollup is manual.
    pub manual: Option<ManualView>,
    /// Each unit's share in the item's figure (percent, summing to 100), when set.
    pub shares: Vec<ShareView>,
    pub child_count: i64,
    pub archived: bool,
    pub version: i64,
    /// Where the item stands on the day asked for (`as_of`, today by default): progress,
    /// expected progress and status — for callers who may read the plan's progress; absent
    /// for anonymous visitors and for an archived item.
    pub standing: Option<StandingView>,
}

/// An item's progress, expected progress and status on a day, as the plan's board judges it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandingView {
    pub date: NaiveDate,
    pub progress: crate::api::progress::ProgressView,
    /// Where the item should be by the date, from its dates or its children's.
    pub expected: Option<f64>,
    /// done, on_track, at_risk, off_track, overdue, not_reported, not_started, cancelled…
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ManualView {
    pub percent: f64,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareView {
    pub unit: String,
    pub percent: f64,
}

impl From<&ItemRecord> for ItemView {
    fn from(r: &ItemRecord) -> Self {
        let i = &r.item;
        let s = |c: &Option<tuijin_core::Code>| c.as_ref().map(|c| c.to_string());
        ItemView {
            plan: r.plan.to_string(),
            code: i.code.to_string(),
            kind: i.kind.as_str().into(),
            parent: s(&i.parent),
            title: (&i.title).into(),
            description: (&i.extra.description).into(),
            lead: s(&i.lead),
            co: i.co.iter().map(|c| c.to_string()).collect(),
            leader: s(&i.extra.leader),
            leader_in_charge: s(&i.extra.leader_in_charge),
            start: i.start,
            due: i.due,
            weight: i.weight.value(),
            public: i.public,
            supports: i.extra.supports.iter().map(|c| c.to_string()).collect(),
            source: i.extra.source.as_deref().map(String::from),
            target: i.extra.target.as_ref().map(|t| TargetView {
                value: t.value,
                unit: t.unit.clone(),
                by: t.by,
                indicator: t.indicator.as_ref().map(|c| c.to_string()),
            }),
            trajectory: i
                .extra
                .trajectory
                .iter()
                .map(|p| TrajectoryPointView {
                    date: p.date,
                    percent: p.percent.value(),
                })
                .collect(),
            three_ones: i.three_ones,
            cancelled: i.cancelled,
            rollup: i.rollup.map(|x| x.as_str().to_string()),
            manual: i.extra.manual.as_ref().map(|m| ManualView {
                percent: m.percent.value(),
                reason: m.reason.clone(),
            }),
            shares: i
                .extra
                .shares
                .iter()
                .map(|x| ShareView {
                    unit: x.unit.to_string(),
                    percent: x.percent.value(),
                })
                .collect(),
            child_count: r.child_count,
            archived: r.archived,
            version: r.version,
            standing: None,
        }
    }
}

impl ItemView {
    /// The item as anonymous visitors see it: no people, and no code, link or count of an
    /// item that is not published.
    pub fn public(r: &ItemRecord, part: &crate::cache::PublicPart) -> ItemView {
        let mut v = ItemView::from(r);
        v.parent = v.parent.filter(|p| part.has(p));
        v.supports.retain(|c| part.has(c));
        v.leader = None;
        v.leader_in_charge = None;
        // A hand-set figure's reason and the units' shares are the office's working notes.
        v.manual = None;
        v.shares = Vec::new();
        v.child_count = part.children.get(&v.code).copied().unwrap_or(0);
        v
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    pub code: String,
    pub kind: String,
    pub title: TextView,
}

impl From<&LinkRecord> for LinkView {
    fn from(l: &LinkRecord) -> Self {
        LinkView {
            code: l.code.to_string(),
            kind: l.kind.as_str().into(),
            title: (&l.title).into(),
        }
    }
}

/// One item with its children and its alignment links in both directions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemDetailView {
    pub item: ItemView,
    /// The first 1,000 children in plan order; more follow from
    /// `/api/v1/items?plan=…&parent=…&cursor=children_next_cursor`.
    pub children: Vec<ItemView>,
    /// Where the rest of the children begin, when there are more than 1,000.
    pub children_next_cursor: Option<String>,
    pub supports: Vec<LinkView>,
    pub supported_by: Vec<LinkView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    pub code: String,
    pub name: TextView,
    pub kind: String,
    pub parent: Option<String>,
    /// True when the source does not name this unit and it was chosen as a plausible owner.
    pub assumed: bool,
    pub lead_count: i64,
}

impl From<&UnitRecord> for UnitView {
    fn from(r: &UnitRecord) -> Self {
        UnitView {
            code: r.unit.code.to_string(),
            name: (&r.unit.name).into(),
            kind: r.unit.kind.as_str().into(),
            parent: r.unit.parent.as_ref().map(|c| c.to_string()),
            assumed: r.unit.assumed,
            lead_count: r.lead_count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorTargetView {
    pub year: i32,
    pub value: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorView {
    pub code: String,
    pub name: TextView,
    pub unit: String,
    pub direction: String,
    pub frequency: String,
    pub baseline: Option<f64>,
    pub baseline_year: Option<i32>,
    pub targets: Vec<IndicatorTargetView>,
    pub owner: Option<String>,
    pub scope: String,
    pub public: bool,
    /// `cumulative` (what stands at the period's end) or `per_period`.
    pub basis: String,
    /// Days after a period ends before its figure is due.
    pub publication_lag: u32,
    /// `linear`, `compound` or `points`.
    pub path: String,
    /// The plan's dated expected values, for a path of kind `points`.
    pub points: Vec<IndicatorPointView>,
    /// Where the figures are published.
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorPointView {
    pub on: chrono::NaiveDate,
    pub value: f64,
}

impl From<&Indicator> for IndicatorView {
    fn from(i: &Indicator) -> Self {
        IndicatorView {
            code: i.code.to_string(),
            name: (&i.name).into(),
            unit: i.unit.clone(),
            direction: i.direction.as_str().into(),
            frequency: i.frequency.as_str().into(),
            baseline: i.baseline,
            baseline_year: i.baseline_year,
            targets: i
                .targets
                .iter()
                .map(|t| IndicatorTargetView {
                    year: t.year,
                    value: t.value,
                })
                .collect(),
            owner: i.owner.as_ref().map(|c| c.to_string()),
            scope: i.scope.clone(),
            public: i.public,
            basis: i.basis.as_str().into(),
            publication_lag: i.lag_days(),
            path: i.path.as_str().into(),
            points: i
                .points
                .iter()
                .map(|p| IndicatorPointView {
                    on: p.on,
                    value: p.value,
                })
                .collect(),
            source: i.source.clone(),
        }
    }
}

/// A page of a list; pass `next_cursor` back as `cursor` for the next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageView<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListView<T> {
    pub items: Vec<T>,
}
