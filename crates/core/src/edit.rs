//! Edits to a plan's items from the web and the API: add an item under a parent, change its
//! fields, move it, cancel or restore it, archive its branch. An edit is applied to the plan
//! as a document and the result is checked by `validate`, the same rules a plan file meets, so
//! what the office types in a form and what it imports can never disagree. Every edit carries
//! a reason. Pure: the store loads the document inside its transaction, applies the edit here
//! and writes the result as an import would.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::problem::{Problem, Problems, Refusal, Rule, check_text, is_blank};
use crate::validate::{PlanProblem, Section};
use crate::{Code, Item, PlanDocument};

/// What an edit does.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EditAction {
    Create,
    Update,
    Move,
    Cancel,
    Restore,
    Archive,
}

impl EditAction {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One edit to one item.
#[derive(Clone, Debug, PartialEq)]
pub enum ItemEdit {
    /// A new item; its `parent` says where it goes (it is listed last among its siblings).
    Create(Item),
    /// The item with this code, as it should now be (its code and parent unchanged).
    Update(Item),
    /// To another parent, or to the top of the tree.
    Move { code: Code, parent: Option<Code> },
    /// Kept in the plan, counted for nothing in rollups (with its branch).
    Cancel { code: Code },
    /// Counted again.
    Restore { code: Code },
    /// Out of the plan with its whole branch (kept in the database, never deleted).
    Archive { code: Code },
}

impl ItemEdit {
    pub fn code(&self) -> &Code {
        match self {
            ItemEdit::Create(i) | ItemEdit::Update(i) => &i.code,
            ItemEdit::Move { code, .. }
            | ItemEdit::Cancel { code }
            | ItemEdit::Restore { code }
            | ItemEdit::Archive { code } => code,
        }
    }

    pub fn action(&self) -> EditAction {
        match self {
            ItemEdit::Create(_) => EditAction::Create,
            ItemEdit::Update(_) => EditAction::Update,
            ItemEdit::Move { .. } => EditAction::Move,
            ItemEdit::Cancel { .. } => EditAction::Cancel,
            ItemEdit::Restore { .. } => EditAction::Restore,
            ItemEdit::Archive { .. } => EditAction::Archive,
        }
    }
}

/// Why an edit cannot be applied.
#[derive(Clone, Debug, PartialEq)]
pub enum EditRefusal {
    /// The item edited is not in the plan.
    NotFound(Code),
    /// The reason is missing or not text.
    Reason(Refusal),
    /// The plan would break a rule of the plan file; each problem names the item it is about
    /// (`PlanProblem::entry`).
    Invalid(Vec<PlanProblem>),
}

/// The reason every edit carries: required, plain text.
pub fn check_reason(reason: &str) -> Result<(), Refusal> {
    let mut out = Problems::default();
    if is_blank(reason) {
        out.push(Problem::new("reason", Rule::Required));
    }
    check_text("reason", reason, &mut out);
    out.finish()
}

/// What an edit leaves: the new document and the codes of the items it archived (the edited
/// item's branch, for `Archive`).
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub doc: PlanDocument,
    pub archived: Vec<Code>,
}

/// Applies `edit` to `doc` and checks the result by the plan file's rules. Problems are
/// named by the code of the item they are about, not by its place in the document.
pub fn apply(doc: &PlanDocument, edit: &ItemEdit, reason: &str) -> Result<Applied, EditRefusal> {
    check_reason(reason).map_err(EditRefusal::Reason)?;
    let mut out = doc.clone();
    let at = |code: &Code| out.items.iter().position(|i| i.code == *code);
    let mut archived = Vec::new();
    match edit {
        ItemEdit::Create(item) => out.items.push(item.clone()),
        ItemEdit::Update(item) => {
            let n = at(&item.code).ok_or_else(|| EditRefusal::NotFound(item.code.clone()))?;
            let mut item = item.clone();
            // Where an item sits changes only by a move.
            item.parent = out.items[n].parent.clone();
            out.items[n] = item;
        }
        ItemEdit::Move { code, parent } => {
            let n = at(code).ok_or_else(|| EditRefusal::NotFound(code.clone()))?;
            out.items[n].parent = parent.clone();
        }
        ItemEdit::Cancel { code } | ItemEdit::Restore { code } => {
            let n = at(code).ok_or_else(|| EditRefusal::NotFound(code.clone()))?;
            out.items[n].cancelled = matches!(edit, ItemEdit::Cancel { .. });
        }
        ItemEdit::Archive { code } => {
            at(code).ok_or_else(|| EditRefusal::NotFound(code.clone()))?;
            let branch = branch_of(&out.items, code);
            out.items.retain(|i| !branch.contains(&i.code));
            archived = branch;
        }
    }
    let out = checked(out)?;
    Ok(Applied { doc: out, archived })
}

/// A change to the plan's directory or its settings: a unit or a person put as given (added
/// when its code is new, replaced otherwise), or the plan's own fields (its code unchanged).
#[derive(Clone, Debug, PartialEq)]
pub enum DirectoryEdit {
    Unit(crate::Unit),
    Person(crate::Person),
    Settings(Box<crate::Plan>),
    /// An indicator's definition: its targets re-based, its path or lag changed.
    Indicator(Box<crate::Indicator>),
}

impl DirectoryEdit {
    /// The event the edit is recorded as, and the code it is about.
    pub fn subject(&self) -> (crate::event::EventKind, String) {
        use crate::event::EventKind;
        match self {
            DirectoryEdit::Unit(u) => (EventKind::UnitEdited, u.code.to_string()),
            DirectoryEdit::Person(p) => (EventKind::PersonEdited, p.code.to_string()),
            DirectoryEdit::Settings(p) => (EventKind::PlanEdited, p.code.to_string()),
            DirectoryEdit::Indicator(i) => (EventKind::IndicatorEdited, i.code.to_string()),
        }
    }
}

/// Applies a directory or settings edit to `doc` and checks the result by the plan file's
/// rules; problems name the unit or person they are about (`PlanProblem::entry`).
pub fn apply_directory(
    doc: &PlanDocument,
    edit: &DirectoryEdit,
    reason: &str,
) -> Result<PlanDocument, EditRefusal> {
    check_reason(reason).map_err(EditRefusal::Reason)?;
    let mut out = doc.clone();
    match edit {
        DirectoryEdit::Unit(u) => match out.units.iter_mut().find(|x| x.code == u.code) {
            Some(x) => *x = u.clone(),
            None => out.units.push(u.clone()),
        },
        DirectoryEdit::Person(p) => match out.people.iter_mut().find(|x| x.code == p.code) {
            Some(x) => *x = p.clone(),
            None => out.people.push(p.clone()),
        },
        DirectoryEdit::Indicator(i) => match out.indicators.iter_mut().find(|x| x.code == i.code) {
            Some(x) => *x = (**i).clone(),
            None => return Err(EditRefusal::NotFound(i.code.clone())),
        },
        DirectoryEdit::Settings(plan) => {
            if plan.code != out.plan.code {
                return Err(EditRefusal::NotFound(plan.code.clone()));
            }
            out.plan = (**plan).clone();
        }
    }
    checked(out)
}

/// `doc` when it keeps every rule of the plan file; otherwise its problems, each naming the
/// entry (item, unit or person code) it is about.
fn checked(doc: PlanDocument) -> Result<PlanDocument, EditRefusal> {
    let problems = crate::validate(&doc);
    if problems.is_empty() {
        return Ok(doc);
    }
    Err(EditRefusal::Invalid(
        problems
            .into_iter()
            .map(|mut p| {
                p.entry = match p.path.section {
                    Section::Item(i) => doc.items.get(i).map(|x| x.code.to_string()),
                    Section::Unit(i) => doc.units.get(i).map(|x| x.code.to_string()),
                    Section::Person(i) => doc.people.get(i).map(|x| x.code.to_string()),
                    Section::Indicator(i) => doc.indicators.get(i).map(|x| x.code.to_string()),
                    _ => None,
                };
                p
            })
            .collect(),
    ))
}

/// A version for a record kept without a counter (a unit, a person, the plan's settings):
/// derived from its content, so it changes exactly when the record does and `If-Match` can
/// refuse a change made on a stale copy.
pub fn content_version<T: Serialize>(value: &T) -> i64 {
    use sha2::Digest;
    let json = serde_json::to_vec(value).unwrap_or_default();
    let hash = sha2::Sha256::digest(&json);
    let mut b = [0u8; 8];
    b.copy_from_slice(&hash[..8]);
    // Positive and below 2^53, so every JSON reader keeps it exact.
    (u64::from_be_bytes(b) >> 11) as i64
}

/// An item and everything below it, the item first.
pub fn branch_of(items: &[Item], code: &Code) -> Vec<Code> {
    let mut out = vec![code.clone()];
    let mut k = 0;
    while k < out.len() {
        let parent = out[k].clone();
        out.extend(
            items
                .iter()
                .filter(|i| i.parent.as_ref() == Some(&parent))
                .map(|i| i.code.clone()),
        );
        k += 1;
    }
    out
}

/// What a unit asks to change in an item it leads (调整申请): a later (or earlier) deadline,
/// another target value, other co-operating units. Each is optional; at least one is asked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestedChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub co: Option<Vec<Code>>,
}

impl RequestedChange {
    pub fn is_empty(&self) -> bool {
        self.due.is_none() && self.target_value.is_none() && self.co.is_none()
    }

    /// The fields asked for as the item has them now: what the request would change from.
    pub fn before(&self, item: &Item) -> RequestedChange {
        RequestedChange {
            due: self.due.and(item.due),
            target_value: self
                .target_value
                .and(item.extra.target.as_ref().map(|t| t.value)),
            co: self.co.as_ref().map(|_| item.co.to_vec()),
        }
    }

    /// The item as it would be with the change: what the office's approval applies (as an
    /// edit, checked by the plan file's rules then).
    pub fn apply(&self, item: &Item) -> Item {
        let mut out = item.clone();
        if let Some(d) = self.due {
            out.due = Some(d);
        }
        if let (Some(v), Some(t)) = (self.target_value, out.extra.target.as_mut()) {
            t.value = v;
        }
        if let Some(co) = &self.co {
            out.co = co.as_slice().into();
        }
        out
    }
}

/// Where a change request stands.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RequestState {
    Pending,
    Approved,
    Refused,
    /// Taken back by the unit that asked, before the office decided.
    Withdrawn,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Whether `unit` may ask for `change` to `item`: it leads the item, asks for something the
/// item has (a target value only where there is a target), and says why.
pub fn check_request(
    item: &Item,
    unit: &str,
    change: &RequestedChange,
    reason: &str,
    evidence: &str,
) -> Result<(), Refusal> {
    if item.lead.as_ref().is_none_or(|l| l.as_str() != unit) {
        return Err(Refusal::Forbidden(
            Problem::new("unit", Rule::NotLead).with("unit", unit),
        ));
    }
    if item.cancelled {
        return Err(Refusal::Conflict(Problem::new(
            "item",
            Rule::RequestOnCancelled,
        )));
    }
    let mut out = Problems::default();
    if change.is_empty() {
        out.push(Problem::new("change", Rule::Required));
    }
    if let Some(v) = change.target_value {
        if item.extra.target.is_none() {
            out.push(Problem::new("target_value", Rule::NoTarget));
        } else if !v.is_finite() {
            out.push(Problem::new("target_value", Rule::NotANumber));
        }
    }
    if is_blank(reason) {
        out.push(Problem::new("reason", Rule::Required));
    }
    check_text("reason", reason, &mut out);
    check_text("evidence", evidence, &mut out);
    out.finish()
}

/// Whether `unit` may take its request back: its own, still pending.
pub fn check_withdrawal(
    state: RequestState,
    request_unit: &str,
    unit: &str,
) -> Result<(), Refusal> {
    if request_unit != unit {
        return Err(Refusal::Forbidden(
            Problem::new("unit", Rule::NotYourUnit).with("unit", unit),
        ));
    }
    if state != RequestState::Pending {
        return Err(Refusal::Conflict(
            Problem::new("request", Rule::RequestDecided)
                .with("state", format!("@request.state.{}", state.as_str())),
        ));
    }
    Ok(())
}

/// Whether a request may be decided: a pending one; a refusal says why.
pub fn check_decision(state: RequestState, approve: bool, text: &str) -> Result<(), Refusal> {
    if state != RequestState::Pending {
        return Err(Refusal::Conflict(
            Problem::new("request", Rule::RequestDecided)
                .with("state", format!("@request.state.{}", state.as_str())),
        ));
    }
    let mut out = Problems::default();
    if !approve && is_blank(text) {
        out.push(Problem::new("text", Rule::Required));
    }
    check_text("text", text, &mut out);
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ItemKind;
    use crate::validate::ProblemClass;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn code(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    fn item(c: &str, kind: ItemKind, parent: Option<&str>) -> Item {
        Item {
            code: code(c),
            kind,
            parent: parent.map(code),
            title: crate::Text::new(format!("事项{c}"), ""),
            lead: None,
            co: Default::default(),
            start: Some(d("2021-01-01")),
            due: Some(d("2025-12-31")),
            weight: crate::Weight::ONE,
            public: false,
            three_ones: false,
            rollup: None,
            cancelled: false,
            progress_from: Default::default(),
            extra: Default::default(),
        }
    }

    fn doc() -> PlanDocument {
        let mut doc = crate::generate::generated_plan("edit", 10, 3, 3);
        doc.items = vec![
            item("G1", ItemKind::Goal, None),
            item("T1", ItemKind::Task, Some("G1")),
            item("P1", ItemKind::Project, Some("T1")),
            item("M1", ItemKind::Milestone, Some("P1")),
            item("T2", ItemKind::Task, Some("G1")),
        ];
        doc.items[3].start = None;
        doc.items[3].due = Some(d("2023-06-30"));
        doc.indicators.clear();
        assert_eq!(crate::validate(&doc), vec![], "the fixture is a valid plan");
        doc
    }

    fn classes(r: Result<Applied, EditRefusal>) -> Vec<(Option<String>, String, ProblemClass)> {
        match r {
            Err(EditRefusal::Invalid(ps)) => ps
                .into_iter()
                .map(|p| (p.entry, p.path.field, ProblemClass::from(&p.kind)))
                .collect(),
            other => panic!("not refused as invalid: {other:?}"),
        }
    }

    #[test]
    fn an_edit_meets_the_plan_files_rules_and_names_the_item() {
        let doc = doc();
        // A milestone may not hold a project.
        let r = apply(
            &doc,
            &ItemEdit::Create(item("X1", ItemKind::Project, Some("M1"))),
            "新增",
        );
        let got = classes(r);
        assert!(
            got.contains(&(
                Some("X1".into()),
                "kind".into(),
                ProblemClass::KindNotAllowed
            )),
            "{got:?}"
        );
        // A due date before the start.
        let mut t1 = doc.items[1].clone();
        t1.due = Some(d("2020-12-31"));
        let got = classes(apply(&doc, &ItemEdit::Update(t1), "调整"));
        assert!(
            got.contains(&(
                Some("T1".into()),
                "due".into(),
                ProblemClass::DueBeforeStart
            )),
            "{got:?}"
        );
        // A duplicate code.
        let got = classes(apply(
            &doc,
            &ItemEdit::Create(item("T2", ItemKind::Task, Some("G1"))),
            "新增",
        ));
        assert!(
            got.iter().any(|g| g.2 == ProblemClass::DuplicateCode),
            "{got:?}"
        );
        // A move under its own child makes a cycle.
        let got = classes(apply(
            &doc,
            &ItemEdit::Move {
                code: code("T1"),
                parent: Some(code("P1")),
            },
            "调整",
        ));
        assert!(!got.is_empty());
    }

    #[test]
    fn edits_apply_where_they_say() {
        let doc = doc();
        let a = apply(
            &doc,
            &ItemEdit::Create(item("P2", ItemKind::Project, Some("T2"))),
            "新增",
        )
        .unwrap();
        assert_eq!(a.doc.items.last().unwrap().code, code("P2"));
        let a = apply(
            &doc,
            &ItemEdit::Move {
                code: code("P1"),
                parent: Some(code("T2")),
            },
            "调整",
        )
        .unwrap();
        assert_eq!(a.doc.items[2].parent, Some(code("T2")));
        // An update cannot move: the parent stays.
        let mut p1 = doc.items[2].clone();
        p1.parent = Some(code("G1"));
        p1.weight = crate::Weight::new(3.0).unwrap();
        let a = apply(&doc, &ItemEdit::Update(p1), "调整").unwrap();
        assert_eq!(a.doc.items[2].parent, Some(code("T1")));
        assert_eq!(a.doc.items[2].weight.value(), 3.0);
        let a = apply(&doc, &ItemEdit::Cancel { code: code("P1") }, "取消").unwrap();
        assert!(a.doc.items[2].cancelled);
        let a = apply(&a.doc, &ItemEdit::Restore { code: code("P1") }, "恢复").unwrap();
        assert!(!a.doc.items[2].cancelled);
        let a = apply(&doc, &ItemEdit::Archive { code: code("T1") }, "撤销").unwrap();
        assert_eq!(a.archived, [code("T1"), code("P1"), code("M1")]);
        assert_eq!(a.doc.items.len(), 2);
    }

    #[test]
    fn a_unit_asks_for_a_change_to_what_it_leads_and_the_office_decides_once() {
        let mut p1 = item("P1", ItemKind::Project, Some("T1"));
        p1.lead = Some(code("U1"));
        let later = RequestedChange {
            due: Some(d("2026-06-30")),
            ..Default::default()
        };
        assert!(check_request(&p1, "U1", &later, "征迁延后", "").is_ok());
        assert!(matches!(
            check_request(&p1, "U2", &later, "征迁延后", ""),
            Err(Refusal::Forbidden(_))
        ));
        let codes = |r: Result<(), Refusal>| -> Vec<String> {
            r.unwrap_err()
                .problems()
                .iter()
                .map(|p| p.field.clone())
                .collect()
        };
        let target = RequestedChange {
            target_value: Some(250.0),
            ..Default::default()
        };
        assert_eq!(
            codes(check_request(
                &p1,
                "U1",
                &RequestedChange::default(),
                " ",
                ""
            )),
            ["change", "reason"]
        );
        assert_eq!(
            codes(check_request(&p1, "U1", &target, "x", "")),
            ["target_value"]
        );
        assert_eq!(later.apply(&p1).due, Some(d("2026-06-30")));
        assert!(check_decision(RequestState::Pending, true, "").is_ok());
        assert_eq!(
            codes(check_decision(RequestState::Pending, false, "")),
            ["text"]
        );
        assert!(matches!(
            check_decision(RequestState::Approved, true, ""),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn every_edit_needs_a_reason_and_an_item_that_exists() {
        let doc = doc();
        for reason in ["", "  ", "\u{202e}x"] {
            let r = apply(&doc, &ItemEdit::Cancel { code: code("P1") }, reason);
            assert!(matches!(r, Err(EditRefusal::Reason(_))), "{reason:?}");
        }
        let r = apply(&doc, &ItemEdit::Cancel { code: code("NOPE") }, "取消");
        assert_eq!(r, Err(EditRefusal::NotFound(code("NOPE"))));
    }
}
