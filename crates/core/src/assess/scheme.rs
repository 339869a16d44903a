//! The assessment scheme (考核方案), as its file says it (`docs/assessment-format.md`), and the
//! rules it must meet. Field paths are 0-based (`category[1].criterion[0].weight`), as the
//! file reader locates them.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::AssessPeriod;
use crate::problem::{Problem, Rule, check_text, is_blank};
use crate::{Code, Unit, UnitKind};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    pub scheme: SchemeHeader,
    #[serde(default)]
    pub grade: Vec<Grade>,
    #[serde(default)]
    pub category: Vec<Category>,
    #[serde(default)]
    pub adjustment: Vec<Adjustment>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeHeader {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub title_en: String,
    /// The plan the scheme is written for, when it names one.
    #[serde(default)]
    pub plan: Option<String>,
    /// An example to adapt, not a scheme any government adopted.
    #[serde(default)]
    pub example: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub description_en: String,
}

/// A grade band (档次): a score at or above `min` percent of the category's total earns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub min: f64,
}

/// Units scored and ranked together, on their own criteria.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// The points a unit can earn from the weighted criteria (adjustments come on top).
    pub total: f64,
    /// Every unit of these kinds belongs here…
    #[serde(default)]
    pub kinds: Vec<UnitKind>,
    /// …and these units by code.
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(default)]
    pub criterion: Vec<Criterion>,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CriterionKind {
    /// Items due in the period that are done by its end, weighted by item weight.
    Completion,
    /// Milestones due in the period reached by their due date.
    Milestones,
    /// Reports due in the period handed in by their due date.
    Reports,
    /// Notices signed and replied to on time, less points per colour level reached.
    Notices,
    /// Owned indicators' latest figures against their path to target.
    Indicators,
    /// Bonuses and deductions (加分/扣分) the office approved, capped.
    Adjustments,
}

impl CriterionKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What a criterion scores when nothing of its kind falls in the period for a unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenNone {
    /// Full points: nothing was due, so nothing was missed.
    #[default]
    Full,
    /// No points.
    Zero,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub kind: CriterionKind,
    /// Points (all kinds but `adjustments`).
    #[serde(default)]
    pub weight: Option<f64>,
    #[serde(default)]
    pub when_none: Option<WhenNone>,
    /// `completion`: the part of an item's weight a co-operating unit is scored on (0 to 1;
    /// default 0, only the lead unit answers for the item).
    #[serde(default)]
    pub cooperating: Option<f64>,
    /// `completion`: count an unfinished item by its percent instead of as nothing.
    #[serde(default)]
    pub partial: Option<bool>,
    /// `notices`: working days after issue within which an addressed unit signs (default 1).
    #[serde(default)]
    pub sign_within: Option<u32>,
    /// `notices`: points taken off the lead unit per notice that stood at a colour level in
    /// the period, by the plan's level names (e.g. `{ yellow = 1, red = 3 }`).
    #[serde(default)]
    pub deduct: Option<BTreeMap<String, f64>>,
    /// `adjustments`: the most a unit can gain and lose in a period.
    #[serde(default)]
    pub bonus_cap: Option<f64>,
    #[serde(default)]
    pub deduction_cap: Option<f64>,
}

impl Criterion {
    pub fn weight_points(&self) -> super::Points {
        super::Points::of(self.weight.unwrap_or(0.0))
    }
}

/// A bonus (positive) or deduction (negative) for a unit in a period, with its reason, the
/// document it rests on and who approved it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    pub unit: String,
    pub period: String,
    pub points: f64,
    pub reason: String,
    pub evidence: String,
    pub approved_by: String,
}

impl Scheme {
    /// The category of each unit code.
    pub fn category_of(&self, units: &[Unit]) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for (n, c) in self.category.iter().enumerate() {
            for u in units {
                let code = u.code.to_string();
                if (c.kinds.contains(&u.kind) || c.units.contains(&code))
                    && !out.contains_key(&code)
                {
                    out.insert(code, n);
                }
            }
        }
        out
    }
}

/// Hundredths only: a weight of 12.345 points cannot be shown or summed exactly.
fn two_places(x: f64) -> bool {
    ((x * 100.0).round() - x * 100.0).abs() < 1e-6
}

fn number(out: &mut Vec<Problem>, path: &str, x: f64, min: f64, max: f64) -> bool {
    if !x.is_finite() || !two_places(x) {
        out.push(Problem::new(path, Rule::NotANumber));
        false
    } else if x < min || x > max {
        out.push(
            Problem::new(path, Rule::OutOfRange)
                .with("min", min)
                .with("max", max),
        );
        false
    } else {
        true
    }
}

fn required_text(out: &mut Vec<Problem>, path: &str, value: &str) {
    if is_blank(value) {
        out.push(Problem::new(path, Rule::Required));
    }
    let mut p = crate::problem::Problems::default();
    check_text(path, value, &mut p);
    if let Err(r) = p.finish() {
        out.extend(r.problems().iter().cloned());
    }
}

/// Every rule a scheme must meet against the plan it runs on: its units and its notice levels.
pub fn check_scheme(s: &Scheme, units: &[Unit], levels: &[String]) -> Vec<Problem> {
    let mut out = Vec::new();
    if Code::parse(&s.scheme.code).is_err() {
        out.push(Problem::new("scheme.code", Rule::CodeFormat));
    }
    required_text(&mut out, "scheme.title", &s.scheme.title);
    let known: HashSet<String> = units.iter().map(|u| u.code.to_string()).collect();

    let mut names = HashSet::new();
    let mut last_min = f64::INFINITY;
    for (g, grade) in s.grade.iter().enumerate() {
        required_text(&mut out, &format!("grade[{g}].name"), &grade.name);
        if !names.insert(grade.name.clone()) {
            out.push(Problem::new(format!("grade[{g}].name"), Rule::Duplicate));
        }
        let path = format!("grade[{g}].min");
        if number(&mut out, &path, grade.min, 0.0, 100.0) {
            if grade.min >= last_min {
                out.push(Problem::new(path, Rule::GradeOrder));
            }
            last_min = grade.min;
        }
    }

    if s.category.is_empty() {
        out.push(Problem::new("category", Rule::Required));
    }
    let mut codes = HashSet::new();
    let mut placed: HashMap<String, usize> = HashMap::new();
    for (c, cat) in s.category.iter().enumerate() {
        let at = |f: &str| format!("category[{c}].{f}");
        if Code::parse(&cat.code).is_err() {
            out.push(Problem::new(at("code"), Rule::CodeFormat));
        } else if !codes.insert(cat.code.clone()) {
            out.push(Problem::new(at("code"), Rule::Duplicate));
        }
        required_text(&mut out, &at("name"), &cat.name);
        let total_ok = number(&mut out, &at("total"), cat.total, 0.01, 10_000.0);
        for (n, u) in cat.units.iter().enumerate() {
            if !known.contains(u) {
                out.push(
                    Problem::new(format!("category[{c}].units[{n}]"), Rule::UnknownUnit)
                        .with("unit", u),
                );
            }
        }
        // A unit belongs to one category: the first that names it by code or kind.
        let mut members = 0;
        for u in units {
            let code = u.code.to_string();
            let by_code = cat.units.contains(&code);
            if !(by_code || cat.kinds.contains(&u.kind)) {
                continue;
            }
            match placed.get(&code) {
                Some(&first) if by_code => out.push(
                    Problem::new(at("units"), Rule::UnitInTwoCategories)
                        .with("unit", &code)
                        .with("category", &s.category[first].code),
                ),
                Some(_) => {}
                None => {
                    // Only a unit this category takes counts: one an earlier category took
                    // by kind is not its member.
                    members += 1;
                    placed.insert(code, c);
                }
            }
        }
        if members == 0 {
            out.push(Problem::new(at("units"), Rule::CategoryEmpty));
        }
        if cat.criterion.is_empty() {
            out.push(Problem::new(at("criterion"), Rule::Required));
        }
        let mut kinds = HashSet::new();
        let mut sum = super::Points::ZERO;
        let mut weights_ok = true;
        for (k, cr) in cat.criterion.iter().enumerate() {
            let at = |f: &str| format!("category[{c}].criterion[{k}].{f}");
            if !kinds.insert(cr.kind) {
                out.push(Problem::new(at("kind"), Rule::Duplicate));
            }
            check_criterion(cr, &at, levels, &mut out, &mut weights_ok);
            sum = sum + cr.weight_points();
        }
        if total_ok
            && weights_ok
            && !cat.criterion.is_empty()
            && sum != super::Points::of(cat.total)
        {
            out.push(
                Problem::new(at("total"), Rule::WeightsSum)
                    .with("sum", sum)
                    .with("total", super::Points::of(cat.total)),
            );
        }
    }

    for (a, adj) in s.adjustment.iter().enumerate() {
        let at = |f: &str| format!("adjustment[{a}].{f}");
        if !known.contains(&adj.unit) {
            out.push(Problem::new(at("unit"), Rule::UnknownUnit).with("unit", &adj.unit));
        } else {
            let takes = placed.get(&adj.unit).is_some_and(|&c| {
                s.category[c]
                    .criterion
                    .iter()
                    .any(|cr| cr.kind == CriterionKind::Adjustments)
            });
            if !takes {
                out.push(Problem::new(at("unit"), Rule::NoAdjustments).with("unit", &adj.unit));
            }
        }
        if AssessPeriod::parse(&adj.period).is_err() {
            out.push(Problem::new(at("period"), Rule::AssessPeriodFormat));
        }
        if number(&mut out, &at("points"), adj.points, -1000.0, 1000.0) && adj.points == 0.0 {
            out.push(
                Problem::new(at("points"), Rule::OutOfRange)
                    .with("min", "±0.01")
                    .with("max", 1000),
            );
        }
        required_text(&mut out, &at("reason"), &adj.reason);
        required_text(&mut out, &at("evidence"), &adj.evidence);
        required_text(&mut out, &at("approved_by"), &adj.approved_by);
    }
    out
}

fn check_criterion(
    cr: &Criterion,
    at: &dyn Fn(&str) -> String,
    levels: &[String],
    out: &mut Vec<Problem>,
    weights_ok: &mut bool,
) {
    use CriterionKind::*;
    let not_for = |out: &mut Vec<Problem>, field: &str, given: bool| {
        if given {
            out.push(Problem::new(at(field), Rule::NotForKind).with("kind", cr.kind.as_str()));
        }
    };
    if cr.kind == Adjustments {
        not_for(out, "weight", cr.weight.is_some());
        not_for(out, "when_none", cr.when_none.is_some());
        for (f, v) in [
            ("bonus_cap", cr.bonus_cap),
            ("deduction_cap", cr.deduction_cap),
        ] {
            match v {
                Some(v) => {
                    number(out, &at(f), v, 0.0, 1000.0);
                }
                None => out.push(Problem::new(at(f), Rule::Required)),
            }
        }
    } else {
        not_for(out, "bonus_cap", cr.bonus_cap.is_some());
        not_for(out, "deduction_cap", cr.deduction_cap.is_some());
        match cr.weight {
            None => {
                out.push(Problem::new(at("weight"), Rule::Required));
                *weights_ok = false;
            }
            Some(w) => *weights_ok &= number(out, &at("weight"), w, 0.01, 10_000.0),
        }
    }
    not_for(
        out,
        "cooperating",
        cr.kind != Completion && cr.cooperating.is_some(),
    );
    not_for(
        out,
        "partial",
        cr.kind != Completion && cr.partial.is_some(),
    );
    not_for(
        out,
        "sign_within",
        cr.kind != Notices && cr.sign_within.is_some(),
    );
    not_for(out, "deduct", cr.kind != Notices && cr.deduct.is_some());
    if let Some(c) = cr.cooperating
        && (!(0.0..=1.0).contains(&c) || !c.is_finite())
    {
        {
            out.push(
                Problem::new(at("cooperating"), Rule::OutOfRange)
                    .with("min", 0)
                    .with("max", 1),
            );
        }
    }
    if let Some(d) = cr.sign_within
        && !(1..=30).contains(&d)
    {
        {
            out.push(
                Problem::new(at("sign_within"), Rule::OutOfRange)
                    .with("min", 1)
                    .with("max", 30),
            );
        }
    }
    for (level, points) in cr.deduct.iter().flatten() {
        let path = format!("{}.{level}", at("deduct"));
        if !levels.contains(level) {
            out.push(
                Problem::new(&path, Rule::NotOneOf)
                    .with("value", level)
                    .with("allowed", levels.join(", ")),
            );
        }
        number(out, &path, *points, 0.0, 1000.0);
    }
}
