//! Whole-plan validation: every rule that needs more than one field to check (references,
//! duplicates, cycles, the kind hierarchy, dates). Each problem names the field it is about by
//! a `FieldPath`, which the file layer turns into file:line:column. All problems are collected;
//! none stops the check.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use crate::{Code, ItemKind, PlanDocument, text::Lang};

mod meaning;

pub use meaning::MAX_DEPTH;

/// The part of a plan document a problem is in: the plan header, or entry N of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "section", content = "index", rename_all = "snake_case")]
pub enum Section {
    Plan,
    Stage(usize),
    Level(usize),
    Unit(usize),
    Person(usize),
    Item(usize),
    Indicator(usize),
}

/// A field inside a section, optionally an element of a list field (`co[1]`) or a key of a
/// nested table (`target.indicator`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct FieldPath {
    pub section: Section,
    /// Field name as written in the file; empty for the section as a whole.
    pub field: String,
    pub index: Option<usize>,
}

impl FieldPath {
    pub fn new(section: Section, field: impl Into<String>) -> Self {
        FieldPath {
            section,
            field: field.into(),
            index: None,
        }
    }
    pub fn at(section: Section, field: impl Into<String>, index: usize) -> Self {
        FieldPath {
            section,
            field: field.into(),
            index: Some(index),
        }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.section {
            Section::Plan => write!(f, "plan")?,
            Section::Stage(i) => write!(f, "stage[{i}]")?,
            Section::Level(i) => write!(f, "level[{i}]")?,
            Section::Unit(i) => write!(f, "unit[{i}]")?,
            Section::Person(i) => write!(f, "person[{i}]")?,
            Section::Item(i) => write!(f, "item[{i}]")?,
            Section::Indicator(i) => write!(f, "indicator[{i}]")?,
        }
        if !self.field.is_empty() {
            write!(f, ".{}", self.field)?;
        }
        if let Some(i) = self.index {
            write!(f, "[{i}]")?;
        }
        Ok(())
    }
}

/// What is wrong. One variant per error class, so tests and translations match on the class,
/// never on message text.
#[derive(Clone, Debug, PartialEq, Serialize, strum::EnumDiscriminants)]
#[serde(tag = "class", rename_all = "snake_case")]
#[strum_discriminants(
    name(ProblemClass),
    derive(strum::IntoStaticStr, strum::VariantArray),
    strum(serialize_all = "snake_case")
)]
pub enum ProblemKind {
    /// The file is not valid TOML at all.
    Syntax {
        message: String,
    },
    UnknownField {
        field: String,
        expected: Vec<&'static str>,
    },
    MissingField {
        field: String,
    },
    WrongType {
        expected: &'static str,
        found: String,
    },
    BadValue {
        message: String,
    },
    MissingChineseTitle,
    DuplicateCode {
        code: String,
        first: usize,
    },
    UnknownParent {
        code: String,
    },
    UnknownUnit {
        code: String,
    },
    UnknownPerson {
        code: String,
    },
    UnknownItem {
        code: String,
    },
    UnknownIndicator {
        code: String,
    },
    Cycle {
        path: Vec<String>,
    },
    KindNotAllowed {
        kind: ItemKind,
        parent: Option<ItemKind>,
    },
    DueBeforeStart {
        start: String,
        due: String,
    },
    WeightNotPositive {
        value: String,
    },
    TrajectoryOutOfOrder,
    /// A manual rollup without its figure and reason, or a figure without a manual rollup.
    ManualRollup {
        has_figure: bool,
    },
    DuplicateTargetYear {
        year: i32,
    },
    /// Deeper than the tree may go.
    TooDeep {
        max: usize,
    },
    /// A name, title or post longer than such a text may be.
    TooLong {
        max: usize,
    },
    /// Warning thresholds out of order: they need 0 <= at_risk <= off_track <= 100.
    ThresholdsOrder,
    /// An indicator's path that cannot be drawn: `points` without dated points, points
    /// outside the way from the baseline to the last target, or growth at a constant rate
    /// (`compound`) through a value of zero or below. `why` names which.
    IndicatorPath {
        why: &'static str,
    },
    /// `progress = "indicator"` on an item that cannot take it: one with children, a
    /// milestone, one with unit shares, one whose target names no indicator, or one whose
    /// indicator is not counted cumulatively. `why` names which.
    MeasuredProgress {
        why: &'static str,
    },
    /// A whole number outside the range its setting allows.
    OutOfRange {
        min: u32,
        max: u32,
    },
    /// The plan-wide rollup set to `manual`: a figure by hand belongs to one item.
    ManualPlanRollup,
    /// A notice number format without `{n}`.
    NoticeNumberFormat,
    /// No notice level, or one that is not a code.
    NoticeLevels,
    /// A line break in a title or a name, which are one line.
    LineBreak,
    /// A milestone without its date.
    MilestoneWithoutDue,
    /// A telephone number that is not one: digits with `+ - ( )`, spaces and an extension.
    BadPhone,
    /// Text holding NUL or another control character.
    ControlCharacter {
        position: usize,
    },
    UnknownTimeZone {
        name: String,
    },
    /// A child's dates outside its parent's.
    OutsideParentDates {
        parent: String,
        start: String,
        due: String,
    },
    /// An item's dates outside the plan's horizon.
    OutsidePlan {
        start: String,
        end: String,
    },
    /// An indicator whose targets go the other way from its direction.
    DirectionContradictsTargets {
        direction: String,
    },
    /// A target in another unit of measure than its indicator's.
    TargetUnitMismatch {
        unit: String,
        indicator_unit: String,
    },
    /// `supports` links that go round in a circle, or point at the item's own ancestor.
    SupportsCycle {
        path: Vec<String>,
    },
    SupportsOwnAncestor {
        code: String,
    },
    /// A manual rollup on an item without children: reports on it would be ignored.
    ManualOnLeaf,
    /// A milestone is a date, not a span.
    MilestoneWithStart,
    /// A trajectory point before the item's start or after its due date, or on them.
    TrajectoryOutsideDates {
        start: String,
        due: String,
    },
    /// A share for a unit that neither leads nor co-operates on the item.
    ShareNotResponsible {
        code: String,
    },
    /// Two shares for one unit.
    ShareTwice {
        code: String,
    },
    /// Shares that do not add up to 100 %.
    SharesSum {
        sum: String,
    },
    /// Shares that leave the lead unit out.
    SharesWithoutLead,
    /// Shares on an item whose figure is its children's.
    SharesOnParent,
    /// Shares on a milestone, which is reached or not.
    SharesOnMilestone,
    /// A co-operating unit listed twice, or the lead listed as co-operating too.
    CoTwice {
        code: String,
    },
}

impl ProblemKind {
    /// A short, stable name for the class, used in JSON output and tests.
    pub fn class(&self) -> &'static str {
        ProblemClass::from(self).into()
    }

    /// What is wrong and how to fix it, in the requested language (catalogue keys
    /// `plan_problem.<class>`).
    pub fn message(&self, lang: Lang) -> String {
        use ProblemKind::*;
        let key = match self {
            KindNotAllowed { parent: None, .. } => "plan_problem.kind_needs_parent".to_string(),
            ManualRollup { has_figure: true } => {
                "plan_problem.manual_figure_without_rule".to_string()
            }
            IndicatorPath { why } => format!("plan_problem.indicator_path.{why}"),
            MeasuredProgress { why } => format!("plan_problem.measured_progress.{why}"),
            other => format!("plan_problem.{}", other.class()),
        };
        let template = lang.lookup(&key).unwrap_or("{key}");
        let s = |v: &dyn std::fmt::Display| v.to_string();
        let args: Vec<(&str, String)> = match self {
            Syntax { message } | BadValue { message } => vec![("message", message.clone())],
            UnknownField { field, expected } => {
                vec![("field", field.clone()), ("expected", expected.join(", "))]
            }
            MissingField { field } => vec![("field", field.clone())],
            WrongType { expected, found } => {
                vec![("expected", s(expected)), ("found", found.clone())]
            }
            DuplicateCode { code, first } => vec![("code", code.clone()), ("first", s(first))],
            UnknownParent { code }
            | UnknownUnit { code }
            | UnknownPerson { code }
            | UnknownItem { code }
            | UnknownIndicator { code } => vec![("code", code.clone())],
            IndicatorPath { why } | MeasuredProgress { why } => vec![("why", why.to_string())],
            Cycle { path } => vec![("path", path.join(" → "))],
            KindNotAllowed { kind, parent } => {
                let allowed: Vec<&str> =
                    kind.allowed_parents().iter().map(|k| k.as_str()).collect();
                vec![
                    ("kind", kind.as_str().to_string()),
                    (
                        "parent",
                        parent.map(|p| p.as_str()).unwrap_or("").to_string(),
                    ),
                    ("allowed", allowed.join(", ")),
                ]
            }
            DueBeforeStart { start, due } => vec![("start", start.clone()), ("due", due.clone())],
            WeightNotPositive { value } => vec![("value", value.clone())],
            DuplicateTargetYear { year } => vec![("year", s(year))],
            TooDeep { max } | TooLong { max } => vec![("max", s(max))],
            OutOfRange { min, max } => vec![("min", s(min)), ("max", s(max))],
            ControlCharacter { position } => vec![("position", s(position))],
            UnknownTimeZone { name } => vec![("name", name.clone())],
            OutsideParentDates { parent, start, due } => vec![
                ("parent", parent.clone()),
                ("start", start.clone()),
                ("due", due.clone()),
            ],
            OutsidePlan { start, end } | TrajectoryOutsideDates { start, due: end } => {
                vec![("start", start.clone()), ("end", end.clone())]
            }
            DirectionContradictsTargets { direction } => vec![("direction", direction.clone())],
            TargetUnitMismatch {
                unit,
                indicator_unit,
            } => vec![
                ("unit", unit.clone()),
                ("indicator_unit", indicator_unit.clone()),
            ],
            SupportsCycle { path } => vec![("path", path.join(" → "))],
            SupportsOwnAncestor { code }
            | ShareNotResponsible { code }
            | ShareTwice { code }
            | CoTwice { code } => {
                vec![("code", code.clone())]
            }
            SharesSum { sum } => vec![("sum", sum.clone())],
            MissingChineseTitle
            | TrajectoryOutOfOrder
            | ManualRollup { .. }
            | ManualOnLeaf
            | BadPhone
            | ThresholdsOrder
            | ManualPlanRollup
            | NoticeNumberFormat
            | NoticeLevels
            | LineBreak
            | MilestoneWithoutDue
            | MilestoneWithStart
            | SharesWithoutLead
            | SharesOnParent
            | SharesOnMilestone => vec![],
        };
        let args: Vec<(&str, &dyn std::fmt::Display)> = args
            .iter()
            .map(|(n, v)| (*n, v as &dyn std::fmt::Display))
            .collect();
        crate::i18n::fill(template, &args).replace("{key}", &key)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanProblem {
    pub path: FieldPath,
    pub kind: ProblemKind,
    /// The code of the item the problem is about, when an edit names it so (`core::edit`):
    /// a web or API caller knows items by code, not by their place in a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

impl PlanProblem {
    pub fn new(path: FieldPath, kind: ProblemKind) -> Self {
        PlanProblem {
            path,
            kind,
            entry: None,
        }
    }

    /// The field as a caller names it: `item[E1.1].due` when the item is known by its code,
    /// else its place in the document (`item[3].due`).
    pub fn field_name(&self) -> String {
        match &self.entry {
            Some(code) => {
                let section = match self.path.section {
                    Section::Unit(_) => "unit",
                    Section::Person(_) => "person",
                    Section::Indicator(_) => "indicator",
                    _ => "item",
                };
                let mut f = format!("{section}[{code}]");
                if !self.path.field.is_empty() {
                    f.push('.');
                    f.push_str(&self.path.field);
                }
                if let Some(i) = self.path.index {
                    f.push_str(&format!("[{i}]"));
                }
                f
            }
            None => self.path.to_string(),
        }
    }
}

/// Checks every cross-field rule of a plan document and returns all problems found, in the
/// order of the document.
pub fn validate(doc: &PlanDocument) -> Vec<PlanProblem> {
    let mut out = Vec::new();
    let plan = &doc.plan;
    if blank(plan.title.zh()) {
        out.push(PlanProblem::new(
            FieldPath::new(Section::Plan, "title"),
            ProblemKind::MissingChineseTitle,
        ));
    }
    if plan.end < plan.start {
        out.push(PlanProblem::new(
            FieldPath::new(Section::Plan, "end"),
            ProblemKind::DueBeforeStart {
                start: plan.start.to_string(),
                due: plan.end.to_string(),
            },
        ));
    }
    duplicates(
        doc.plan.stages.iter().map(|s| &s.code),
        Section::Stage,
        &mut out,
    );
    for (i, s) in plan.stages.iter().enumerate() {
        if blank(s.title.zh()) {
            out.push(PlanProblem::new(
                FieldPath::new(Section::Stage(i), "title"),
                ProblemKind::MissingChineseTitle,
            ));
        }
    }

    let units = duplicates(doc.units.iter().map(|u| &u.code), Section::Unit, &mut out);
    for (i, u) in doc.units.iter().enumerate() {
        if blank(u.name.zh()) {
            out.push(PlanProblem::new(
                FieldPath::new(Section::Unit(i), "name"),
                ProblemKind::MissingChineseTitle,
            ));
        }
        if let Some(p) = &u.parent
            && !units.contains_key(p)
        {
            out.push(PlanProblem::new(
                FieldPath::new(Section::Unit(i), "parent"),
                ProblemKind::UnknownParent {
                    code: p.to_string(),
                },
            ));
        }
    }
    cycles(
        doc.units.iter().map(|u| (&u.code, u.parent.as_ref())),
        &units,
        Section::Unit,
        &mut out,
    );

    let people = duplicates(
        doc.people.iter().map(|p| &p.code),
        Section::Person,
        &mut out,
    );
    for (i, p) in doc.people.iter().enumerate() {
        if blank(p.name.zh()) {
            out.push(PlanProblem::new(
                FieldPath::new(Section::Person(i), "name"),
                ProblemKind::MissingChineseTitle,
            ));
        }
        unit_ref(
            p.unit.as_ref(),
            &units,
            FieldPath::new(Section::Person(i), "unit"),
            &mut out,
        );
    }

    let indicators = duplicates(
        doc.indicators.iter().map(|x| &x.code),
        Section::Indicator,
        &mut out,
    );
    for (i, ind) in doc.indicators.iter().enumerate() {
        if blank(ind.name.zh()) {
            out.push(PlanProblem::new(
                FieldPath::new(Section::Indicator(i), "name"),
                ProblemKind::MissingChineseTitle,
            ));
        }
        unit_ref(
            ind.owner.as_ref(),
            &units,
            FieldPath::new(Section::Indicator(i), "owner"),
            &mut out,
        );
        let mut years = HashSet::new();
        for (j, t) in ind.targets.iter().enumerate() {
            if !years.insert(t.year) {
                out.push(PlanProblem::new(
                    FieldPath::at(Section::Indicator(i), "targets", j),
                    ProblemKind::DuplicateTargetYear { year: t.year },
                ));
            }
        }
    }

    let items = duplicates(doc.items.iter().map(|x| &x.code), Section::Item, &mut out);
    for (i, item) in doc.items.iter().enumerate() {
        let sec = Section::Item(i);
        if blank(item.title.zh()) {
            out.push(PlanProblem::new(
                FieldPath::new(sec, "title"),
                ProblemKind::MissingChineseTitle,
            ));
        }
        match &item.parent {
            None if !item.kind.may_be_root() => out.push(PlanProblem::new(
                FieldPath::new(sec, "kind"),
                ProblemKind::KindNotAllowed {
                    kind: item.kind,
                    parent: None,
                },
            )),
            None => {}
            Some(p) => match items.get(p) {
                None => out.push(PlanProblem::new(
                    FieldPath::new(sec, "parent"),
                    ProblemKind::UnknownParent {
                        code: p.to_string(),
                    },
                )),
                Some(&j) => {
                    let parent_kind = doc.items[j].kind;
                    if !item.kind.may_sit_under(parent_kind) {
                        out.push(PlanProblem::new(
                            FieldPath::new(sec, "kind"),
                            ProblemKind::KindNotAllowed {
                                kind: item.kind,
                                parent: Some(parent_kind),
                            },
                        ));
                    }
                }
            },
        }
        unit_ref(
            item.lead.as_ref(),
            &units,
            FieldPath::new(sec, "lead"),
            &mut out,
        );
        for (j, c) in item.co.iter().enumerate() {
            unit_ref(Some(c), &units, FieldPath::at(sec, "co", j), &mut out);
        }
        for (field, person) in [
            ("leader", &item.extra.leader),
            ("leader_in_charge", &item.extra.leader_in_charge),
        ] {
            if let Some(p) = person
                && !people.contains_key(p)
            {
                out.push(PlanProblem::new(
                    FieldPath::new(sec, field),
                    ProblemKind::UnknownPerson {
                        code: p.to_string(),
                    },
                ));
            }
        }
        if let (Some(s), Some(d)) = (item.start, item.due)
            && d < s
        {
            out.push(PlanProblem::new(
                FieldPath::new(sec, "due"),
                ProblemKind::DueBeforeStart {
                    start: s.to_string(),
                    due: d.to_string(),
                },
            ));
        }
        for (j, s) in item.extra.supports.iter().enumerate() {
            if let Some(first) = item.extra.supports[..j].iter().position(|x| x == s) {
                out.push(PlanProblem::new(
                    FieldPath::at(sec, "supports", j),
                    ProblemKind::DuplicateCode {
                        code: s.to_string(),
                        first,
                    },
                ));
                continue;
            }
            if !items.contains_key(s) || s == &item.code {
                out.push(PlanProblem::new(
                    FieldPath::at(sec, "supports", j),
                    ProblemKind::UnknownItem {
                        code: s.to_string(),
                    },
                ));
            }
        }
        if item
            .extra
            .trajectory
            .windows(2)
            .any(|w| w[1].date <= w[0].date || w[1].percent < w[0].percent)
        {
            out.push(PlanProblem::new(
                FieldPath::new(sec, "trajectory"),
                ProblemKind::TrajectoryOutOfOrder,
            ));
        }
        let manual_rule = item.rollup == Some(crate::RollupRule::Manual);
        let has_figure = item.extra.manual.is_some();
        let has_reason = item
            .extra
            .manual
            .as_ref()
            .is_some_and(|m| !m.reason.trim().is_empty());
        if manual_rule != has_figure || (manual_rule && !has_reason) {
            out.push(PlanProblem::new(
                FieldPath::new(sec, if has_figure { "manual" } else { "rollup" }),
                ProblemKind::ManualRollup { has_figure },
            ));
        }
        if let Some(code) = item
            .extra
            .target
            .as_ref()
            .and_then(|t| t.indicator.as_ref())
            && !indicators.contains_key(code)
        {
            out.push(PlanProblem::new(
                FieldPath::new(sec, "target.indicator"),
                ProblemKind::UnknownIndicator {
                    code: code.to_string(),
                },
            ));
        }
    }
    cycles(
        doc.items.iter().map(|x| (&x.code, x.parent.as_ref())),
        &items,
        Section::Item,
        &mut out,
    );
    meaning::check(doc, &items, &indicators, &mut out);
    out
}

/// Reports every repeated code and returns each code's first position.
/// Blank to a reader: nothing but spaces and invisible characters (zero-width space, joiners,
/// the byte-order mark, word joiner).
fn blank(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
    })
}

/// Codes must be unique, and unique regardless of case: `T2.7` and `t2.7` would be told apart
/// by the database but not by the people reading them.
fn duplicates<'a>(
    codes: impl Iterator<Item = &'a Code>,
    section: fn(usize) -> Section,
    out: &mut Vec<PlanProblem>,
) -> HashMap<&'a Code, usize> {
    let mut seen = HashMap::new();
    let mut folded: HashMap<String, usize> = HashMap::new();
    for (i, code) in codes.enumerate() {
        let again = folded.get(&code.as_str().to_lowercase()).copied();
        if let Some(first) = again {
            out.push(PlanProblem::new(
                FieldPath::new(section(i), "code"),
                ProblemKind::DuplicateCode {
                    code: code.to_string(),
                    first,
                },
            ));
        } else {
            seen.insert(code, i);
            folded.insert(code.as_str().to_lowercase(), i);
        }
    }
    seen
}

fn unit_ref(
    code: Option<&Code>,
    units: &HashMap<&Code, usize>,
    path: FieldPath,
    out: &mut Vec<PlanProblem>,
) {
    if let Some(c) = code
        && !units.contains_key(c)
    {
        out.push(PlanProblem::new(
            path,
            ProblemKind::UnknownUnit {
                code: c.to_string(),
            },
        ));
    }
}

/// Finds every cycle of parent links, reporting each once at its first entry in file order.
fn cycles<'a>(
    nodes: impl Iterator<Item = (&'a Code, Option<&'a Code>)>,
    index: &HashMap<&'a Code, usize>,
    section: fn(usize) -> Section,
    out: &mut Vec<PlanProblem>,
) {
    let (codes, parents): (Vec<&Code>, Vec<Option<usize>>) = nodes
        .map(|(c, p)| (c, p.and_then(|p| index.get(p).copied())))
        .unzip();
    // 0 = unvisited, 1 = on the current walk, 2 = known to reach a root or a known cycle.
    let mut state = vec![0u8; parents.len()];
    for start in 0..parents.len() {
        let mut walk: Vec<usize> = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            match state[i] {
                2 => break,
                1 => {
                    let from = walk.iter().position(|&w| w == i).expect("on the walk");
                    let ring = &walk[from..];
                    let first = *ring.iter().min().expect("a cycle has members");
                    let rot = ring.iter().position(|&w| w == first).expect("member");
                    let mut path: Vec<String> = ring[rot..]
                        .iter()
                        .chain(&ring[..rot])
                        .map(|&w| codes[w].to_string())
                        .collect();
                    path.push(codes[first].to_string());
                    out.push(PlanProblem::new(
                        FieldPath::new(section(first), "parent"),
                        ProblemKind::Cycle { path },
                    ));
                    break;
                }
                _ => {
                    state[i] = 1;
                    walk.push(i);
                    at = parents[i];
                }
            }
        }
        for w in walk {
            state[w] = 2;
        }
    }
}
