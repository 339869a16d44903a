//! The rules that keep a plan's figures meaningful: a plan that breaks them would still load,
//! but its statuses would mislead (a child due after its parent, an indicator whose targets
//! run against its direction, a trajectory point after the due date bending the expected
//! figure). Also the limits the storage supports: the depth of the tree, and text free of
//! control characters.

use std::collections::{HashMap, HashSet};

use super::{FieldPath, PlanProblem, ProblemKind, Section};
use crate::{Code, Direction, ItemKind, PlanDocument, RollupRule};

/// The deepest a plan's tree may go (a root is level 1). A city's plan needs six or seven; a
/// province's or ministry's rarely more than ten. Every write path is tested to this depth on
/// both databases.
pub const MAX_DEPTH: usize = 32;

/// The longest title of a plan or an item, in characters (the longest in the seed plan is
/// under 120).
pub const MAX_TITLE: usize = 300;
/// The longest name of a unit or person, or post, in characters (English names of zones
/// run past 120).
pub const MAX_NAME: usize = 200;
/// The most characters in a unit of measure (亿元, km, 万标箱): a word, not a sentence.
pub const MAX_UNIT: usize = 40;
/// The longest telephone number, extension included.
pub const MAX_PHONE: usize = 40;

/// The first control character of a text (line breaks and tabs allowed), or bidirectional
/// control (which can make a title read other than it is stored), 1-based.
fn control_at(s: &str) -> Option<usize> {
    s.chars()
        .position(|c| {
            (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
                || crate::problem::is_bidi_control(c)
        })
        .map(|p| p + 1)
}

pub(super) fn check(
    doc: &PlanDocument,
    items: &HashMap<&Code, usize>,
    indicators: &HashMap<&Code, usize>,
    out: &mut Vec<PlanProblem>,
) {
    let plan = &doc.plan;
    let mut text = |path: FieldPath, s: &str| {
        if let Some(position) = control_at(s) {
            out.push(PlanProblem::new(
                path,
                ProblemKind::ControlCharacter { position },
            ));
        }
    };
    for (field, t) in [
        ("title", &plan.title.zh()),
        ("title_en", &plan.title.en()),
        ("description", &plan.description.zh()),
        ("description_en", &plan.description.en()),
    ] {
        text(FieldPath::new(Section::Plan, field), t);
    }
    for (i, u) in doc.units.iter().enumerate() {
        text(FieldPath::new(Section::Unit(i), "name"), u.name.zh());
        text(FieldPath::new(Section::Unit(i), "name_en"), u.name.en());
    }
    for (i, p) in doc.people.iter().enumerate() {
        text(FieldPath::new(Section::Person(i), "name"), p.name.zh());
        text(FieldPath::new(Section::Person(i), "post"), p.post.zh());
    }
    for (i, it) in doc.items.iter().enumerate() {
        let sec = Section::Item(i);
        text(FieldPath::new(sec, "title"), it.title.zh());
        text(FieldPath::new(sec, "title_en"), it.title.en());
        text(
            FieldPath::new(sec, "description"),
            it.extra.description.zh(),
        );
        text(
            FieldPath::new(sec, "description_en"),
            it.extra.description.en(),
        );
        if let Some(src) = &it.extra.source {
            text(FieldPath::new(sec, "source"), src);
        }
    }
    for (i, ind) in doc.indicators.iter().enumerate() {
        text(FieldPath::new(Section::Indicator(i), "name"), ind.name.zh());
        text(
            FieldPath::new(Section::Indicator(i), "name_en"),
            ind.name.en(),
        );
        text(FieldPath::new(Section::Indicator(i), "unit"), &ind.unit);
        text(FieldPath::new(Section::Indicator(i), "scope"), &ind.scope);
        text(FieldPath::new(Section::Indicator(i), "source"), &ind.source);
    }
    // Lengths: a title is a line in a list, a name or post a cell in a table, a phone a
    // number; a paragraph pasted into one is a mistake the office should see at once.
    let mut long = |path: FieldPath, s: &str, max: usize| {
        if s.chars().count() > max {
            out.push(PlanProblem::new(path, ProblemKind::TooLong { max }));
        }
    };
    for (i, u) in doc.units.iter().enumerate() {
        long(
            FieldPath::new(Section::Unit(i), "name"),
            u.name.zh(),
            MAX_NAME,
        );
        long(
            FieldPath::new(Section::Unit(i), "name_en"),
            u.name.en(),
            MAX_NAME,
        );
    }
    for (i, p) in doc.people.iter().enumerate() {
        long(
            FieldPath::new(Section::Person(i), "name"),
            p.name.zh(),
            MAX_NAME,
        );
        long(
            FieldPath::new(Section::Person(i), "name_en"),
            p.name.en(),
            MAX_NAME,
        );
        long(
            FieldPath::new(Section::Person(i), "post"),
            p.post.zh(),
            MAX_NAME,
        );
        long(
            FieldPath::new(Section::Person(i), "post_en"),
            p.post.en(),
            MAX_NAME,
        );
    }
    for (i, ind) in doc.indicators.iter().enumerate() {
        let sec = Section::Indicator(i);
        long(FieldPath::new(sec, "name"), ind.name.zh(), MAX_NAME);
        long(FieldPath::new(sec, "name_en"), ind.name.en(), MAX_NAME);
        long(FieldPath::new(sec, "unit"), &ind.unit, MAX_UNIT);
        long(FieldPath::new(sec, "scope"), &ind.scope, MAX_NAME);
        long(FieldPath::new(sec, "source"), &ind.source, MAX_TITLE);
    }
    for (i, it) in doc.items.iter().enumerate() {
        long(
            FieldPath::new(Section::Item(i), "title"),
            it.title.zh(),
            MAX_TITLE,
        );
        long(
            FieldPath::new(Section::Item(i), "title_en"),
            it.title.en(),
            MAX_TITLE,
        );
    }
    long(
        FieldPath::new(Section::Plan, "title"),
        plan.title.zh(),
        MAX_TITLE,
    );
    long(
        FieldPath::new(Section::Plan, "title_en"),
        plan.title.en(),
        MAX_TITLE,
    );
    for (i, p) in doc.people.iter().enumerate() {
        if let Some(phone) = &p.phone {
            if phone.chars().count() > MAX_PHONE {
                out.push(PlanProblem::new(
                    FieldPath::new(Section::Person(i), "phone"),
                    ProblemKind::TooLong { max: MAX_PHONE },
                ));
            } else if !crate::unit::is_phone(phone) {
                out.push(PlanProblem::new(
                    FieldPath::new(Section::Person(i), "phone"),
                    ProblemKind::BadPhone,
                ));
            }
        }
    }
    // The settings an edit can change as well as the file: thresholds in order, reporting
    // days in their ranges.
    let t = plan.thresholds;
    if !(0.0..=100.0).contains(&t.forecast_miss) {
        out.push(PlanProblem::new(
            FieldPath::new(Section::Plan, "thresholds.forecast_miss"),
            ProblemKind::OutOfRange { min: 0, max: 100 },
        ));
    }
    if !(t.at_risk >= 0.0 && t.off_track >= t.at_risk && t.off_track <= 100.0) {
        out.push(PlanProblem::new(
            FieldPath::new(Section::Plan, "thresholds"),
            ProblemKind::ThresholdsOrder,
        ));
    }
    let r = plan.reporting;
    for (key, v, range) in [
        ("due_day", r.due_day, 1..=28),
        ("grace_days", r.grace_days, 0..=60),
        ("stale_days", r.stale_days, 1..=3650),
    ] {
        if !range.contains(&v) {
            out.push(PlanProblem::new(
                FieldPath::new(Section::Plan, format!("reporting.{key}")),
                ProblemKind::OutOfRange {
                    min: *range.start(),
                    max: *range.end(),
                },
            ));
        }
    }
    // A level named twice; the plan-wide rule `manual` (a figure by hand is per item).
    for (i, l) in plan.levels.iter().enumerate() {
        if let Some(first) = plan.levels[..i].iter().position(|x| x.kind == l.kind) {
            out.push(PlanProblem::new(
                FieldPath::new(Section::Level(i), "kind"),
                ProblemKind::DuplicateCode {
                    code: l.kind.as_str().to_string(),
                    first,
                },
            ));
        }
    }
    if plan.rollup == RollupRule::Manual {
        out.push(PlanProblem::new(
            FieldPath::new(Section::Plan, "rollup"),
            ProblemKind::ManualPlanRollup,
        ));
    }
    // The supervision notices' settings, as the file reader checks them.
    let n = &plan.notices;
    if !n.number_format.contains("{n}") {
        out.push(PlanProblem::new(
            FieldPath::new(Section::Plan, "notices.number_format"),
            ProblemKind::NoticeNumberFormat,
        ));
    }
    if n.levels.is_empty() || n.levels.iter().any(|l| crate::Code::parse(l).is_err()) {
        out.push(PlanProblem::new(
            FieldPath::new(Section::Plan, "notices.levels"),
            ProblemKind::NoticeLevels,
        ));
    }
    if !(1..=60).contains(&n.escalate_every) {
        out.push(PlanProblem::new(
            FieldPath::new(Section::Plan, "notices.escalate_every"),
            ProblemKind::OutOfRange { min: 1, max: 60 },
        ));
    }
    // Titles and names are one line; a description is text, not a document.
    for (i, it) in doc.items.iter().enumerate() {
        for (field, t) in [("title", &it.title.zh()), ("title_en", &it.title.en())] {
            if t.contains(['\n', '\r']) {
                out.push(PlanProblem::new(
                    FieldPath::new(Section::Item(i), field),
                    ProblemKind::LineBreak,
                ));
            }
        }
        for (field, t) in [
            ("description", &it.extra.description.zh()),
            ("description_en", &it.extra.description.en()),
        ] {
            if t.chars().count() > crate::problem::MAX_TEXT_CHARS {
                out.push(PlanProblem::new(
                    FieldPath::new(Section::Item(i), field),
                    ProblemKind::TooLong {
                        max: crate::problem::MAX_TEXT_CHARS,
                    },
                ));
            }
        }
        if it.kind == ItemKind::Milestone && it.due.is_none() {
            out.push(PlanProblem::new(
                FieldPath::new(Section::Item(i), "due"),
                ProblemKind::MilestoneWithoutDue,
            ));
        }
    }
    for (i, ind) in doc.indicators.iter().enumerate() {
        for (field, t) in [
            ("name", ind.name.zh()),
            ("name_en", ind.name.en()),
            ("unit", ind.unit.as_str()),
            ("scope", ind.scope.as_str()),
        ] {
            if t.contains(['\n', '\r']) {
                out.push(PlanProblem::new(
                    FieldPath::new(Section::Indicator(i), field),
                    ProblemKind::LineBreak,
                ));
            }
        }
        if ind.publication_lag.is_some_and(|d| d > 366) {
            out.push(PlanProblem::new(
                FieldPath::new(Section::Indicator(i), "publication_lag"),
                ProblemKind::OutOfRange { min: 0, max: 366 },
            ));
        }
    }
    for (i, u) in doc.units.iter().enumerate() {
        for (field, t) in [("name", &u.name.zh()), ("name_en", &u.name.en())] {
            if t.contains(['\n', '\r']) {
                out.push(PlanProblem::new(
                    FieldPath::new(Section::Unit(i), field),
                    ProblemKind::LineBreak,
                ));
            }
        }
    }
    for (field, t) in [("title", &plan.title.zh()), ("title_en", &plan.title.en())] {
        if t.contains(['\n', '\r']) {
            out.push(PlanProblem::new(
                FieldPath::new(Section::Plan, field),
                ProblemKind::LineBreak,
            ));
        }
    }
    if crate::clock::parse_tz(&plan.timezone).is_none() {
        out.push(PlanProblem::new(
            FieldPath::new(Section::Plan, "timezone"),
            ProblemKind::UnknownTimeZone {
                name: plan.timezone.clone(),
            },
        ));
    }

    let parent_of = |i: usize| -> Option<usize> {
        doc.items[i]
            .parent
            .as_ref()
            .and_then(|p| items.get(p).copied())
    };
    let has_children: HashSet<usize> = (0..doc.items.len()).filter_map(parent_of).collect();
    let depths = depths(doc.items.len(), &parent_of);
    for (i, it) in doc.items.iter().enumerate() {
        let sec = Section::Item(i);
        if depths[i].is_some_and(|d| d > MAX_DEPTH) {
            out.push(PlanProblem::new(
                FieldPath::new(sec, "parent"),
                ProblemKind::TooDeep { max: MAX_DEPTH },
            ));
        }
        // Within the parent's dates, and the plan's.
        if let Some(p) = parent_of(i) {
            let parent = &doc.items[p];
            let early = matches!((it.start, parent.start), (Some(s), Some(ps)) if s < ps);
            let late = matches!((it.due, parent.due), (Some(d), Some(pd)) if d > pd);
            if early || late {
                out.push(PlanProblem::new(
                    FieldPath::new(sec, if early { "start" } else { "due" }),
                    ProblemKind::OutsideParentDates {
                        parent: parent.code.to_string(),
                        start: parent.start.map(|d| d.to_string()).unwrap_or_default(),
                        due: parent.due.map(|d| d.to_string()).unwrap_or_default(),
                    },
                ));
            }
        }
        let before = it.start.is_some_and(|s| s < plan.start);
        let after = it.due.is_some_and(|d| d > plan.end);
        if before || after {
            out.push(PlanProblem::new(
                FieldPath::new(sec, if before { "start" } else { "due" }),
                ProblemKind::OutsidePlan {
                    start: plan.start.to_string(),
                    end: plan.end.to_string(),
                },
            ));
        }
        // A target's date is judged inside the plan like the item's own dates.
        if let Some(by) = it.extra.target.as_ref().and_then(|t| t.by)
            && (by < plan.start || by > plan.end)
        {
            out.push(PlanProblem::new(
                FieldPath::new(sec, "target.by"),
                ProblemKind::OutsidePlan {
                    start: plan.start.to_string(),
                    end: plan.end.to_string(),
                },
            ));
        }
        if it.kind == ItemKind::Milestone && it.start.is_some() {
            out.push(PlanProblem::new(
                FieldPath::new(sec, "start"),
                ProblemKind::MilestoneWithStart,
            ));
        }
        if it.rollup == Some(RollupRule::Manual) && !has_children.contains(&i) {
            out.push(PlanProblem::new(
                FieldPath::new(sec, "rollup"),
                ProblemKind::ManualOnLeaf,
            ));
        }
        shares(it, has_children.contains(&i), sec, out);
        measured_progress(doc, it, has_children.contains(&i), sec, out);
        // Each co-operating unit once, and not the lead again.
        let mut co_seen = HashSet::new();
        for (j, c) in it.co.iter().enumerate() {
            if it.lead.as_ref() == Some(c) || !co_seen.insert(c) {
                out.push(PlanProblem::new(
                    FieldPath::at(sec, "co", j),
                    ProblemKind::CoTwice {
                        code: c.to_string(),
                    },
                ));
            }
        }
        // Trajectory points strictly inside the item's dates: the start is 0 % and the due date
        // 100 % by definition.
        if let Some(j) = it.extra.trajectory.iter().position(|p| {
            it.start.is_some_and(|s| p.date <= s) || it.due.is_some_and(|d| p.date >= d)
        }) {
            out.push(PlanProblem::new(
                FieldPath::at(sec, "trajectory", j),
                ProblemKind::TrajectoryOutsideDates {
                    start: it.start.map(|d| d.to_string()).unwrap_or_default(),
                    due: it.due.map(|d| d.to_string()).unwrap_or_default(),
                },
            ));
        }
        // A target measured by an indicator is in the indicator's unit.
        if let Some(t) = &it.extra.target
            && let Some(code) = &t.indicator
            && let Some(&k) = indicators.get(code)
        {
            let ind = &doc.indicators[k];
            if !t.unit.trim().is_empty() && t.unit.trim() != ind.unit.trim() {
                out.push(PlanProblem::new(
                    FieldPath::new(sec, "target.unit"),
                    ProblemKind::TargetUnitMismatch {
                        unit: t.unit.clone(),
                        indicator_unit: ind.unit.clone(),
                    },
                ));
            }
        }
        // Supporting one's own ancestor says nothing the tree does not say already.
        let mut ancestors = HashSet::new();
        let mut at = i;
        while let Some(p) = parent_of(at) {
            if !ancestors.insert(p) {
                break;
            }
            at = p;
        }
        for (j, s) in it.extra.supports.iter().enumerate() {
            if items.get(s).is_some_and(|k| ancestors.contains(k)) {
                out.push(PlanProblem::new(
                    FieldPath::at(sec, "supports", j),
                    ProblemKind::SupportsOwnAncestor {
                        code: s.to_string(),
                    },
                ));
            }
        }
    }
    supports_cycles(doc, items, out);

    for (i, ind) in doc.indicators.iter().enumerate() {
        // The path from the baseline through the targets runs the indicator's way.
        // (the baseline and targets at their years' ends, and the plan's own points)
        let end = |y: i32| chrono::NaiveDate::from_ymd_opt(y, 12, 31);
        let mut values: Vec<(Option<chrono::NaiveDate>, f64)> =
            ind.targets.iter().map(|t| (end(t.year), t.value)).collect();
        if let (Some(y), Some(b)) = (ind.baseline_year, ind.baseline) {
            values.push((end(y), b));
        }
        if ind.path == crate::indicator::PathKind::Points {
            values.extend(ind.points.iter().map(|p| (Some(p.on), p.value)));
        }
        values.sort_by_key(|v| v.0);
        let against = match ind.direction {
            Direction::Increase => values.windows(2).any(|w| w[1].1 < w[0].1),
            Direction::Decrease => values.windows(2).any(|w| w[1].1 > w[0].1),
            Direction::Target => false,
        };
        if against {
            out.push(PlanProblem::new(
                FieldPath::new(Section::Indicator(i), "direction"),
                ProblemKind::DirectionContradictsTargets {
                    direction: ind.direction.as_str().into(),
                },
            ));
        }
        indicator_path(i, ind, out);
    }
}

/// The path of indicator `i` can be drawn: dated points when it says `points`, each after
/// the baseline's year and before the last target's end; constant growth only through values
/// above zero.
fn indicator_path(i: usize, ind: &crate::Indicator, out: &mut Vec<PlanProblem>) {
    use crate::indicator::PathKind;
    let bad = |field: String, why: &'static str| {
        PlanProblem::new(
            FieldPath::new(Section::Indicator(i), field),
            ProblemKind::IndicatorPath { why },
        )
    };
    // Within the largest figure taken, as the figures are.
    let huge = |v: f64| !v.is_finite() || v.abs() > crate::indicator::MAX_FIGURE;
    if ind.baseline.is_some_and(huge) {
        out.push(bad("baseline".into(), "value_too_large"));
    }
    for (k, t) in ind.targets.iter().enumerate() {
        if huge(t.value) {
            out.push(bad(format!("targets[{k}].value"), "value_too_large"));
        }
    }
    for (k, p) in ind.points.iter().enumerate() {
        if huge(p.value) {
            out.push(bad(format!("points[{k}].value"), "value_too_large"));
        }
    }
    match ind.path {
        PathKind::Points if ind.points.is_empty() => out.push(bad("points".into(), "no_points")),
        PathKind::Points => {
            let after = ind
                .baseline_year
                .and_then(|y| chrono::NaiveDate::from_ymd_opt(y, 12, 31));
            let before = ind
                .targets
                .iter()
                .map(|t| t.year)
                .max()
                .and_then(|y| chrono::NaiveDate::from_ymd_opt(y, 12, 31));
            for (k, p) in ind.points.iter().enumerate() {
                if after.is_none_or(|a| p.on <= a) || before.is_none_or(|b| p.on >= b) {
                    out.push(bad(format!("points[{k}].on"), "point_outside"));
                } else if k > 0 && p.on <= ind.points[k - 1].on {
                    out.push(bad(format!("points[{k}].on"), "points_order"));
                }
            }
        }
        PathKind::Compound => {
            let values = ind
                .baseline
                .into_iter()
                .chain(ind.targets.iter().map(|t| t.value));
            if values.into_iter().any(|v| v <= 0.0) {
                out.push(bad("path".into(), "compound_not_positive"));
            }
        }
        PathKind::Linear if !ind.points.is_empty() => {
            out.push(bad("points".into(), "points_unused"));
        }
        PathKind::Linear => {}
    }
}

/// An item whose progress comes from its indicator (`ProgressFrom::Indicator`): a leaf that is
/// not a milestone and has no unit shares, whose target names an indicator counted
/// cumulatively (a running total is a share of the way; a period's own figure is not).
fn measured_progress(
    doc: &crate::PlanDocument,
    it: &crate::Item,
    has_children: bool,
    sec: Section,
    out: &mut Vec<PlanProblem>,
) {
    if it.progress_from != crate::ProgressFrom::Indicator {
        return;
    }
    let why = if has_children {
        Some("has_children")
    } else if it.kind == crate::ItemKind::Milestone {
        Some("milestone")
    } else if !it.extra.shares.is_empty() {
        Some("shares")
    } else {
        match it.extra.target.as_ref().and_then(|t| t.indicator.as_ref()) {
            None => Some("no_indicator"),
            Some(code) => doc
                .indicators
                .iter()
                .find(|x| &x.code == code)
                .filter(|x| x.basis != crate::CountingBasis::Cumulative)
                .map(|_| "not_cumulative"),
        }
    };
    if let Some(why) = why {
        out.push(PlanProblem::new(
            FieldPath::new(sec, "progress"),
            ProblemKind::MeasuredProgress { why },
        ));
    }
}

/// Unit shares (`Item::shares`): the lead's and co-operating units' only, each once, adding
/// up to 100 %, the lead's among them, and only on an item that takes reports.
fn shares(it: &crate::Item, has_children: bool, sec: Section, out: &mut Vec<PlanProblem>) {
    if it.extra.shares.is_empty() {
        return;
    }
    if has_children {
        out.push(PlanProblem::new(
            FieldPath::new(sec, "shares"),
            ProblemKind::SharesOnParent,
        ));
    }
    if it.kind == crate::ItemKind::Milestone {
        out.push(PlanProblem::new(
            FieldPath::new(sec, "shares"),
            ProblemKind::SharesOnMilestone,
        ));
    }
    let mut seen = HashSet::new();
    for (j, s) in it.extra.shares.iter().enumerate() {
        let path = FieldPath::at(sec, "shares", j);
        let responsible = it.lead.as_ref() == Some(&s.unit) || it.co.contains(&s.unit);
        if !responsible {
            out.push(PlanProblem::new(
                path,
                ProblemKind::ShareNotResponsible {
                    code: s.unit.to_string(),
                },
            ));
        } else if !seen.insert(&s.unit) {
            out.push(PlanProblem::new(
                path,
                ProblemKind::ShareTwice {
                    code: s.unit.to_string(),
                },
            ));
        }
    }
    if !it.lead.as_ref().is_some_and(|l| seen.contains(l)) {
        out.push(PlanProblem::new(
            FieldPath::new(sec, "shares"),
            ProblemKind::SharesWithoutLead,
        ));
    }
    let sum: f64 = it.extra.shares.iter().map(|s| s.percent.value()).sum();
    if (sum - 100.0).abs() > 0.01 {
        out.push(PlanProblem::new(
            FieldPath::new(sec, "shares"),
            ProblemKind::SharesSum {
                sum: format!("{sum}"),
            },
        ));
    }
}

/// Each item's depth (a root is 1), each computed once; `None` for an item in a parent cycle
/// (reported elsewhere).
fn depths(n: usize, parent_of: &dyn Fn(usize) -> Option<usize>) -> Vec<Option<usize>> {
    // 0 = unknown; usize::MAX = on the current walk or in a cycle.
    let mut depth = vec![0usize; n];
    for start in 0..n {
        if depth[start] != 0 {
            continue;
        }
        let mut walk = vec![start];
        depth[start] = usize::MAX;
        let base = loop {
            match parent_of(*walk.last().expect("non-empty")) {
                None => break 0,
                Some(p) if depth[p] == usize::MAX => break usize::MAX,
                Some(p) if depth[p] != 0 => break depth[p],
                Some(p) => {
                    depth[p] = usize::MAX;
                    walk.push(p);
                }
            }
        };
        for (k, &w) in walk.iter().rev().enumerate() {
            depth[w] = if base == usize::MAX {
                usize::MAX
            } else {
                base + k + 1
            };
        }
    }
    depth
        .into_iter()
        .map(|d| (d != usize::MAX).then_some(d))
        .collect()
}

/// `supports` links that go round: A supports B supports A.
fn supports_cycles(doc: &PlanDocument, items: &HashMap<&Code, usize>, out: &mut Vec<PlanProblem>) {
    let edges: Vec<Vec<usize>> = doc
        .items
        .iter()
        .map(|it| {
            it.extra
                .supports
                .iter()
                .filter_map(|s| items.get(s).copied())
                .collect()
        })
        .collect();
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; edges.len()];
    let mut reported = HashSet::new();
    for start in 0..edges.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (n, ref mut next)) = stack.last_mut() {
            if *next < edges[n].len() {
                let m = edges[n][*next];
                *next += 1;
                match state[m] {
                    0 => {
                        state[m] = 1;
                        stack.push((m, 0));
                    }
                    1 => {
                        let from = stack
                            .iter()
                            .position(|(x, _)| *x == m)
                            .expect("on the stack");
                        let ring: Vec<usize> = stack[from..].iter().map(|(x, _)| *x).collect();
                        let first = *ring.iter().min().expect("members");
                        if reported.insert(first) {
                            let mut path: Vec<String> = ring
                                .iter()
                                .map(|&x| doc.items[x].code.to_string())
                                .collect();
                            path.push(doc.items[m].code.to_string());
                            out.push(PlanProblem::new(
                                FieldPath::new(Section::Item(ring[0]), "supports"),
                                ProblemKind::SupportsCycle { path },
                            ));
                        }
                    }
                    _ => {}
                }
            } else {
                state[n] = 2;
                stack.pop();
            }
        }
    }
}
