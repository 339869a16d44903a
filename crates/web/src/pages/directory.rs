//! The plan's units and people (with the telephone numbers the office chases on) and its
//! settings, where the office keeps them: lists every signed-in user may read, and for the
//! office the forms to add and change each one — with a reason, against the version the form
//! was read at, refused with every problem beside its field. The rules are the plan file's
//! (`core::edit::apply_directory`), applied by the store (`EditStore::edit_directory`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::edit::{DirectoryEdit, content_version};
use tuijin_core::i18n::Lang;
use tuijin_core::policy::Action;
use tuijin_core::{
    Cadence, Code, ItemKind, LevelLabel, Person, Plan, RollupRule, StatusAgainst, Text, Unit,
    UnitKind, VariantArray,
};
use tuijin_store::{EditStore, PlanStore, StoreError};

use super::widgets::FieldProblems;
use super::{PageError, Section, kind_key, layout};
use crate::AppState;
use crate::session::Viewer;

/// The label of a choice (`prefix.name` in the catalogue), or the name itself.
fn named(l: Lang, prefix: &str, name: &str) -> String {
    let key = format!("{prefix}.{name}");
    l.lookup(&key).unwrap_or(name).to_string()
}

/// The links between the office's plan-keeping pages.
fn tabs(l: Lang, plan: &str, here: &str) -> Markup {
    let links = [
        ("settings", "setup.settings"),
        ("units", "setup.units"),
        ("people", "setup.people"),
        ("baselines", "baseline.title"),
        ("change-requests", "request.queue"),
    ];
    html! {
        nav.tabs aria-label=(l.t("setup.title")) {
            @for (path, key) in links {
                @if path == here { strong aria-current="page" { (l.t(key)) } }
                @else { a href={ "/plans/" (plan) "/" (path) } { (l.t(key)) } }
                " "
            }
        }
    }
}

/// The problems of a refused edit, by the form's field: those about the entry edited by
/// their field, the rest (about other entries) above the form with their place.
fn by_field(l: Lang, code: &str, e: StoreError) -> Result<Vec<(String, String)>, PageError> {
    match e {
        StoreError::PlanInvalid(ps) => Ok(ps
            .iter()
            .map(|p| {
                let mine = p.entry.as_deref().unwrap_or("") == code;
                if mine {
                    let f = p.path.field.as_str();
                    (
                        f.split('.').next().unwrap_or(f).to_string(),
                        p.kind.message(l),
                    )
                } else {
                    (
                        String::new(),
                        format!("{}: {}", p.field_name(), p.kind.message(l)),
                    )
                }
            })
            .collect()),
        StoreError::Invalid(ps) => Ok(ps.iter().map(|p| (p.field.clone(), p.message(l))).collect()),
        StoreError::Conflict(p) => Ok(vec![(p.field.clone(), p.message(l))]),
        StoreError::Stale { .. } => Ok(vec![(String::new(), l.t("setup.moved_on").to_string())]),
        other => Err(other.into()),
    }
}

fn general(problems: &[(String, String)], l: Lang) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.notice.bad role="alert" {
                p { (l.t("form.fix")) }
                ul { @for (field, msg) in problems { li { @if field.is_empty() { (msg) } @else { a href={ "#f-" (field) } { (msg) } } } } }
            }
        }
    }
}

/// A labelled text input with its problems.
fn text_field(p: &FieldProblems, name: &str, label: &str, value: &str, required: bool) -> Markup {
    html! {
        div class=(p.class(name)) {
            label for={ "f-" (name) } { (label) }
            input #{ "f-" (name) } type="text" name=(name) value=(value) required[required];
            (p.messages(name))
        }
    }
}

fn reason_field(l: Lang, p: &FieldProblems, value: &str) -> Markup {
    html! {
        div class=(p.class("reason")) {
            label for="f-reason" { (l.t("edit.reason")) }
            input #f-reason type="text" name="reason" value=(value) required;
            p.small.muted { (l.t("edit.reason_help")) }
            (p.messages("reason"))
        }
    }
}

async fn save(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    edit: DirectoryEdit,
    version: Option<i64>,
    reason: &str,
) -> Result<Result<(), Vec<(String, String)>>, PageError> {
    let (_, code) = edit.subject();
    let header = st.plans.header(&st.store, plan).await?;
    match st
        .store
        .edit_directory(
            plan,
            &edit,
            version,
            reason,
            &st.stamp(&v.who.name, &header),
        )
        .await
    {
        Ok(_) => Ok(Ok(())),
        Err(e) => {
            let code = if matches!(edit, DirectoryEdit::Settings(_)) {
                String::new()
            } else {
                code
            };
            Ok(Err(by_field(v.lang, &code, e)?))
        }
    }
}

fn reason_problems(l: Lang, reason: &str, out: &mut Vec<(String, String)>) {
    if let Err(r) = tuijin_core::edit::check_reason(reason) {
        out.extend(r.problems().iter().map(|x| (x.field.clone(), x.message(l))));
    }
}

// ---- Units ----

/// A unit's form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct UnitForm {
    #[serde(default)]
    csrf: String,
    /// The version read; absent for a new unit.
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    assumed: String,
    #[serde(default)]
    reason: String,
}

impl UnitForm {
    fn of(u: &Unit) -> UnitForm {
        UnitForm {
            version: Some(content_version(u)),
            code: u.code.to_string(),
            name: u.name.zh.clone(),
            name_en: u.name.en.clone(),
            kind: u.kind.as_str().to_string(),
            parent: u.parent.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            assumed: if u.assumed {
                "on".into()
            } else {
                String::new()
            },
            ..Default::default()
        }
    }

    fn unit(&self, l: Lang) -> Result<Unit, Vec<(String, String)>> {
        let mut out = Vec::new();
        let code = Code::parse(self.code.trim());
        if code.is_err() {
            out.push(("code".into(), l.t("edit.bad_code").to_string()));
        }
        let kind = UnitKind::parse(&self.kind);
        if kind.is_none() {
            out.push(("kind".into(), l.t("setup.bad_unit_kind").to_string()));
        }
        let parent = match self.parent.trim() {
            "" => None,
            p => Code::parse(p).ok(),
        };
        reason_problems(l, &self.reason, &mut out);
        match (code, kind) {
            (Ok(code), Some(kind)) if out.is_empty() => Ok(Unit {
                code,
                name: Text::new(self.name.trim(), self.name_en.trim()),
                kind,
                parent,
                assumed: !self.assumed.is_empty(),
            }),
            _ => Err(out),
        }
    }
}

pub async fn units(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
) -> Result<Html<String>, PageError> {
    render_units(&st, &v, &plan, None, &UnitForm::default(), &[]).await
}

/// The list, with the form of the unit being edited (`editing`) or the new-unit form.
async fn render_units(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    editing: Option<&str>,
    f: &UnitForm,
    problems: &[(String, String)],
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let doc = st.store.export_plan(plan).await?;
    let c = st.plans.get(&st.store, plan).await?;
    let leads = |u: &Unit| {
        c.items
            .iter()
            .filter(|i| i.lead.as_ref() == Some(&u.code))
            .count()
    };
    let name_of = |code: &Code| {
        doc.units
            .iter()
            .find(|u| &u.code == code)
            .map(|u| l.pick(&u.name).to_string())
            .unwrap_or_else(|| code.to_string())
    };
    let office = v.allowed(Action::EditPlan);
    let p = FieldProblems(problems);
    let form = |is_new: bool| {
        html! {
            (general(problems, l))
            form.stack method="post" action={ "/plans/" (plan) "/units" } novalidate {
                input type="hidden" name="csrf" value=(v.csrf());
                @if let Some(ver) = f.version.filter(|_| !is_new) { input type="hidden" name="version" value=(ver); }
                @if is_new { (text_field(&p, "code", l.t("edit.code"), &f.code, true)) }
                @else { input type="hidden" name="code" value=(f.code); }
                (text_field(&p, "name", l.t("setup.name"), &f.name, true))
                (text_field(&p, "name_en", l.t("setup.name_en"), &f.name_en, false))
                div class=(p.class("kind")) {
                    label for="f-kind" { (l.t("setup.unit_kind")) }
                    select #f-kind name="kind" {
                        @for k in UnitKind::VARIANTS {
                            option value=(k.as_str()) selected[f.kind == k.as_str()] { (named(l, "unit_kind", k.as_str())) }
                        }
                    }
                    (p.messages("kind"))
                }
                div class=(p.class("parent")) {
                    label for="f-parent" { (l.t("setup.parent_unit")) }
                    select #f-parent name="parent" {
                        option value="" { "—" }
                        @for u in doc.units.iter().filter(|u| u.code.as_str() != f.code) {
                            option value=(u.code.as_str()) selected[f.parent == u.code.as_str()] { (l.pick(&u.name)) }
                        }
                    }
                    (p.messages("parent"))
                }
                div.field { label { input type="checkbox" name="assumed" checked[!f.assumed.is_empty()]; " " (l.t("setup.assumed")) } }
                (reason_field(l, &p, &f.reason))
                p { button type="submit" { (l.t(if is_new { "setup.add_unit" } else { "edit.save" })) }
                    @if !is_new { " " a href={ "/plans/" (plan) "/units" } { (l.t("edit.cancel_form")) } } }
            }
        }
    };
    let body = html! {
        @if office { (tabs(l, plan, "units")) }
        h1 { (l.t("setup.units")) }
        p.muted { (l.t("setup.units_help")) }
        div.tablewrap { table.wide {
            thead { tr { th { (l.t("edit.code")) } th { (l.t("setup.name")) } th { (l.t("setup.unit_kind")) } th.opt { (l.t("setup.parent_unit")) } th.num { (l.t("setup.leads")) } @if office { th {} } } }
            tbody { @for u in &doc.units {
                tr id={ "unit-" (u.code) } {
                    td.code { (u.code) }
                    td { (l.pick(&u.name)) @if u.assumed { " " span.small.muted title=(l.t("setup.assumed")) { "*" } } }
                    td { (named(l, "unit_kind", u.kind.as_str())) }
                    td.opt { @if let Some(pc) = &u.parent { (name_of(pc)) } }
                    td.num { (leads(u)) }
                    @if office { td { a href={ "/plans/" (plan) "/units/" (u.code) } { (l.t("setup.edit")) } } }
                }
            } }
        } }
        @if office {
            @if let Some(code) = editing {
                section aria-labelledby="edit-unit" { h2 #edit-unit { (l.t("setup.edit_unit")) " " span.code { (code) } } (form(false)) }
            } @else {
                section aria-labelledby="add-unit" { h2 #add-unit { (l.t("setup.add_unit")) } (form(true)) }
            }
        }
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Setup,
        l.t("setup.units"),
        body,
    ))
}

pub async fn unit_form(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    v.require(Action::EditPlan)?;
    let doc = st.store.export_plan(&plan).await?;
    let u = doc
        .units
        .iter()
        .find(|u| u.code.as_str() == code)
        .ok_or_else(|| PageError::not_found(code.clone()))?;
    render_units(&st, &v, &plan, Some(&code), &UnitForm::of(u), &[]).await
}

/// Adds a unit (no version in the form) or changes one (its version read).
pub async fn save_unit(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<UnitForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::EditPlan)?;
    let problems = match f.unit(v.lang) {
        Err(p) => p,
        Ok(u) => match save(&st, &v, &plan, DirectoryEdit::Unit(u), f.version, &f.reason).await? {
            Ok(()) => {
                return Ok(
                    Redirect::to(&format!("/plans/{plan}/units#unit-{}", f.code.trim()))
                        .into_response(),
                );
            }
            Err(p) => p,
        },
    };
    let editing = f.version.map(|_| f.code.as_str());
    let page = render_units(&st, &v, &plan, editing, &f, &problems).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

// ---- People ----

/// A person's form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct PersonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    post: String,
    #[serde(default)]
    post_en: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    assumed: String,
    #[serde(default)]
    reason: String,
}

impl PersonForm {
    fn of(p: &Person) -> PersonForm {
        PersonForm {
            version: Some(content_version(p)),
            code: p.code.to_string(),
            name: p.name.zh.clone(),
            name_en: p.name.en.clone(),
            post: p.post.zh.clone(),
            post_en: p.post.en.clone(),
            unit: p.unit.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            phone: p.phone.clone().unwrap_or_default(),
            assumed: if p.assumed {
                "on".into()
            } else {
                String::new()
            },
            ..Default::default()
        }
    }

    fn person(&self, l: Lang) -> Result<Person, Vec<(String, String)>> {
        let mut out = Vec::new();
        let code = Code::parse(self.code.trim());
        if code.is_err() {
            out.push(("code".into(), l.t("edit.bad_code").to_string()));
        }
        reason_problems(l, &self.reason, &mut out);
        match code {
            Ok(code) if out.is_empty() => Ok(Person {
                code,
                name: Text::new(self.name.trim(), self.name_en.trim()),
                post: Text::new(self.post.trim(), self.post_en.trim()),
                unit: match self.unit.trim() {
                    "" => None,
                    u => Code::parse(u).ok(),
                },
                phone: Some(self.phone.trim().to_string()).filter(|s| !s.is_empty()),
                assumed: !self.assumed.is_empty(),
            }),
            _ => Err(out),
        }
    }
}

pub async fn people(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
) -> Result<Html<String>, PageError> {
    render_people(&st, &v, &plan, None, &PersonForm::default(), &[]).await
}

async fn render_people(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    editing: Option<&str>,
    f: &PersonForm,
    problems: &[(String, String)],
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let doc = st.store.export_plan(plan).await?;
    let c = st.plans.get(&st.store, plan).await?;
    let named = |p: &Person| {
        c.items
            .iter()
            .filter(|i| {
                i.leader.as_ref() == Some(&p.code) || i.leader_in_charge.as_ref() == Some(&p.code)
            })
            .count()
    };
    let unit_name = |code: &Code| {
        doc.units
            .iter()
            .find(|u| &u.code == code)
            .map(|u| l.pick(&u.name).to_string())
            .unwrap_or_else(|| code.to_string())
    };
    let office = v.allowed(Action::EditPlan);
    let p = FieldProblems(problems);
    let form = |is_new: bool| {
        html! {
            (general(problems, l))
            form.stack method="post" action={ "/plans/" (plan) "/people" } novalidate {
                input type="hidden" name="csrf" value=(v.csrf());
                @if let Some(ver) = f.version.filter(|_| !is_new) { input type="hidden" name="version" value=(ver); }
                @if is_new { (text_field(&p, "code", l.t("edit.code"), &f.code, true)) }
                @else { input type="hidden" name="code" value=(f.code); }
                (text_field(&p, "name", l.t("setup.person_name"), &f.name, true))
                (text_field(&p, "name_en", l.t("setup.name_en"), &f.name_en, false))
                (text_field(&p, "post", l.t("setup.post"), &f.post, false))
                (text_field(&p, "post_en", l.t("setup.post_en"), &f.post_en, false))
                div class=(p.class("unit")) {
                    label for="f-unit" { (l.t("setup.person_unit")) }
                    select #f-unit name="unit" {
                        option value="" { "—" }
                        @for u in &doc.units { option value=(u.code.as_str()) selected[f.unit == u.code.as_str()] { (l.pick(&u.name)) } }
                    }
                    (p.messages("unit"))
                }
                div class=(p.class("phone")) {
                    label for="f-phone" { (l.t("setup.phone")) }
                    input #f-phone type="tel" name="phone" value=(f.phone) placeholder="0371-67188000 转 8001";
                    p.small.muted { (l.t("setup.phone_help")) }
                    (p.messages("phone"))
                }
                div.field { label { input type="checkbox" name="assumed" checked[!f.assumed.is_empty()]; " " (l.t("setup.assumed")) } }
                (reason_field(l, &p, &f.reason))
                p { button type="submit" { (l.t(if is_new { "setup.add_person" } else { "edit.save" })) }
                    @if !is_new { " " a href={ "/plans/" (plan) "/people" } { (l.t("edit.cancel_form")) } } }
            }
        }
    };
    let body = html! {
        @if office { (tabs(l, plan, "people")) }
        h1 { (l.t("setup.people")) }
        p.muted { (l.t("setup.people_help")) }
        div.tablewrap { table.wide {
            thead { tr { th { (l.t("setup.person_name")) } th { (l.t("setup.post")) } th.opt { (l.t("setup.person_unit")) } th { (l.t("setup.phone")) } th.num { (l.t("setup.named_on")) } @if office { th {} } } }
            tbody { @for person in &doc.people {
                tr id={ "person-" (person.code) } {
                    td { (l.pick(&person.name)) br; span.code.small { (person.code) } }
                    td { (l.pick(&person.post)) }
                    td.opt { @if let Some(u) = &person.unit { (unit_name(u)) } }
                    td.nowrap { @if let Some(ph) = &person.phone { a href={ "tel:" (ph.replace(' ', "")) } { (ph) } } @else { span.muted { "—" } } }
                    td.num { (named(person)) }
                    @if office { td { a href={ "/plans/" (plan) "/people/" (person.code) } { (l.t("setup.edit")) } } }
                }
            } }
        } }
        @if office {
            @if let Some(code) = editing {
                section aria-labelledby="edit-person" { h2 #edit-person { (l.t("setup.edit_person")) " " span.code { (code) } } (form(false)) }
            } @else {
                section aria-labelledby="add-person" { h2 #add-person { (l.t("setup.add_person")) } (form(true)) }
            }
        }
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Setup,
        l.t("setup.people"),
        body,
    ))
}

pub async fn person_form(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    v.require(Action::EditPlan)?;
    let doc = st.store.export_plan(&plan).await?;
    let p = doc
        .people
        .iter()
        .find(|p| p.code.as_str() == code)
        .ok_or_else(|| PageError::not_found(code.clone()))?;
    render_people(&st, &v, &plan, Some(&code), &PersonForm::of(p), &[]).await
}

pub async fn save_person(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<PersonForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::EditPlan)?;
    let problems = match f.person(v.lang) {
        Err(p) => p,
        Ok(p) => match save(
            &st,
            &v,
            &plan,
            DirectoryEdit::Person(p),
            f.version,
            &f.reason,
        )
        .await?
        {
            Ok(()) => {
                return Ok(
                    Redirect::to(&format!("/plans/{plan}/people#person-{}", f.code.trim()))
                        .into_response(),
                );
            }
            Err(p) => p,
        },
    };
    let editing = f.version.map(|_| f.code.as_str());
    let page = render_people(&st, &v, &plan, editing, &f, &problems).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

// ---- Settings ----

/// The settings form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    cadence: String,
    #[serde(default)]
    at_risk: String,
    #[serde(default)]
    off_track: String,
    #[serde(default)]
    rollup: String,
    #[serde(default)]
    status_against: String,
    #[serde(default)]
    due_day: String,
    #[serde(default)]
    grace_days: String,
    #[serde(default)]
    stale_days: String,
    /// Level labels, `kind|zh|en` per level in the order of `ItemKind::VARIANTS`.
    #[serde(default)]
    level_zh: Vec<String>,
    #[serde(default)]
    level_en: Vec<String>,
    #[serde(default)]
    reason: String,
}

impl SettingsForm {
    fn of(p: &Plan) -> SettingsForm {
        let label = |k: ItemKind| {
            p.levels
                .iter()
                .find(|x| x.kind == k)
                .map(|x| x.label.clone())
        };
        SettingsForm {
            version: content_version(p),
            title: p.title.zh.clone(),
            title_en: p.title.en.clone(),
            cadence: p.cadence.as_str().into(),
            at_risk: p.thresholds.at_risk.to_string(),
            off_track: p.thresholds.off_track.to_string(),
            rollup: p.rollup.as_str().into(),
            status_against: p.status_against.as_str().into(),
            due_day: p.reporting.due_day.to_string(),
            grace_days: p.reporting.grace_days.to_string(),
            stale_days: p.reporting.stale_days.to_string(),
            level_zh: ItemKind::VARIANTS
                .iter()
                .map(|k| label(*k).map(|t| t.zh).unwrap_or_default())
                .collect(),
            level_en: ItemKind::VARIANTS
                .iter()
                .map(|k| label(*k).map(|t| t.en).unwrap_or_default())
                .collect(),
            ..Default::default()
        }
    }

    fn plan(&self, l: Lang, now: &Plan) -> Result<Plan, Vec<(String, String)>> {
        let mut out = Vec::new();
        let mut p = now.clone();
        p.title = Text::new(self.title.trim(), self.title_en.trim());
        match Cadence::parse(&self.cadence) {
            Some(c) => p.cadence = c,
            None => out.push(("cadence".into(), l.t("setup.bad_choice").to_string())),
        }
        match RollupRule::parse(&self.rollup) {
            Some(r) => p.rollup = r,
            None => out.push(("rollup".into(), l.t("setup.bad_choice").to_string())),
        }
        match StatusAgainst::parse(&self.status_against) {
            Some(s) => p.status_against = s,
            None => out.push(("status_against".into(), l.t("setup.bad_choice").to_string())),
        }
        let mut number = |field: &str, s: &str| -> Option<f64> {
            let v = s.trim().parse::<f64>().ok().filter(|v| v.is_finite());
            if v.is_none() {
                out.push((field.into(), l.t("setup.bad_number").to_string()));
            }
            v
        };
        if let Some(v) = number("thresholds", &self.at_risk) {
            p.thresholds.at_risk = v;
        }
        if let Some(v) = number("thresholds", &self.off_track) {
            p.thresholds.off_track = v;
        }
        for (field, s, slot) in [
            ("reporting", &self.due_day, &mut p.reporting.due_day),
            ("reporting", &self.grace_days, &mut p.reporting.grace_days),
            ("reporting", &self.stale_days, &mut p.reporting.stale_days),
        ] {
            match s.trim().parse::<u32>() {
                Ok(v) => *slot = v,
                Err(_) => out.push((field.into(), l.t("setup.bad_whole").to_string())),
            }
        }
        p.levels = ItemKind::VARIANTS
            .iter()
            .enumerate()
            .filter_map(|(n, k)| {
                let zh = self.level_zh.get(n).map(|s| s.trim()).unwrap_or("");
                let en = self.level_en.get(n).map(|s| s.trim()).unwrap_or("");
                (!zh.is_empty() || !en.is_empty()).then(|| LevelLabel {
                    kind: *k,
                    label: Text::new(zh, en),
                })
            })
            .collect();
        reason_problems(l, &self.reason, &mut out);
        out.dedup();
        if out.is_empty() { Ok(p) } else { Err(out) }
    }
}

#[derive(Deserialize, Default)]
pub struct Saved {
    #[serde(default)]
    saved: Option<u8>,
}

pub async fn settings(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Query(q): Query<Saved>,
) -> Result<Response, PageError> {
    v.require(Action::EditPlan)?;
    let now = st.store.get_plan(&plan).await?.plan;
    let saved = q.saved.is_some();
    Ok(
        render_settings(&st, &v, &plan, &SettingsForm::of(&now), &[], saved)
            .await?
            .into_response(),
    )
}

async fn render_settings(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    f: &SettingsForm,
    problems: &[(String, String)],
    saved: bool,
) -> Result<Html<String>, PageError> {
    let l = v.lang;
    let p = FieldProblems(problems);
    let choice = |name: &str,
                  label: &str,
                  options: &[(&str, String)],
                  value: &str,
                  help: Option<&str>| {
        html! {
            div class=(p.class(name)) {
                label for={ "f-" (name) } { (label) }
                select #{ "f-" (name) } name=(name) {
                    @for (o, text) in options { option value=(o) selected[*o == value] { (text) } }
                }
                @if let Some(h) = help { p.small.muted { (h) } }
                (p.messages(name))
            }
        }
    };
    let cadences: Vec<(&str, String)> = Cadence::VARIANTS
        .iter()
        .map(|c| (c.as_str(), named(l, "cadence", c.as_str())))
        .collect();
    let rollups: Vec<(&str, String)> = [
        RollupRule::WeightedMean,
        RollupRule::SimpleMean,
        RollupRule::WorstChild,
    ]
    .iter()
    .map(|r| (r.as_str(), named(l, "setup.rollup", r.as_str())))
    .collect();
    let against: Vec<(&str, String)> = StatusAgainst::VARIANTS
        .iter()
        .map(|s| (s.as_str(), named(l, "setup.against", s.as_str())))
        .collect();
    let body = html! {
        (tabs(l, plan, "settings"))
        h1 { (l.t("setup.settings")) }
        p.muted { (l.t("setup.settings_help")) }
        @if saved { div.notice.good role="status" { (l.t("setup.saved")) } }
        (general(problems, l))
        form.stack method="post" action={ "/plans/" (plan) "/settings" } novalidate {
            input type="hidden" name="csrf" value=(v.csrf());
            input type="hidden" name="version" value=(f.version);
            (text_field(&p, "title", l.t("edit.title"), &f.title, true))
            (text_field(&p, "title_en", l.t("edit.title_en"), &f.title_en, false))
            (choice("cadence", l.t("setup.cadence"), &cadences, &f.cadence, None))
            fieldset class=(p.class("thresholds")) id="f-thresholds" {
                legend { (l.t("setup.thresholds")) }
                label { (l.t("setup.at_risk")) " " input type="text" inputmode="decimal" name="at_risk" value=(f.at_risk) size="5"; }
                " " label { (l.t("setup.off_track")) " " input type="text" inputmode="decimal" name="off_track" value=(f.off_track) size="5"; }
                p.small.muted { (l.t("setup.thresholds_help")) }
                (p.messages("thresholds"))
            }
            fieldset class=(p.class("reporting")) id="f-reporting" {
                legend { (l.t("setup.reporting")) }
                label { (l.t("setup.due_day")) " " input type="text" inputmode="numeric" name="due_day" value=(f.due_day) size="3"; }
                " " label { (l.t("setup.grace_days")) " " input type="text" inputmode="numeric" name="grace_days" value=(f.grace_days) size="3"; }
                " " label { (l.t("setup.stale_days")) " " input type="text" inputmode="numeric" name="stale_days" value=(f.stale_days) size="4"; }
                p.small.muted { (l.t("setup.reporting_help")) }
                (p.messages("reporting"))
            }
            (choice("rollup", l.t("setup.rollup"), &rollups, &f.rollup, None))
            (choice("status_against", l.t("setup.status_against"), &against, &f.status_against, Some(l.t("setup.status_against_help"))))
            fieldset class=(p.class("levels")) {
                legend { (l.t("setup.levels")) }
                div.tablewrap { table {
                    thead { tr { th { (l.t("edit.kind")) } th { "中文" } th { "English" } } }
                    tbody { @for (n, k) in ItemKind::VARIANTS.iter().enumerate() {
                        tr {
                            td { (l.t(kind_key(*k))) }
                            td { input type="text" name="level_zh" value=(f.level_zh.get(n).map(String::as_str).unwrap_or("")) size="8" aria-label={ (l.t(kind_key(*k))) " 中文" }; }
                            td { input type="text" name="level_en" value=(f.level_en.get(n).map(String::as_str).unwrap_or("")) size="12" aria-label={ (l.t(kind_key(*k))) " English" }; }
                        }
                    } }
                } }
                (p.messages("levels"))
            }
            (reason_field(l, &p, &f.reason))
            p { button type="submit" { (l.t("edit.save")) } }
        }
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Setup,
        l.t("setup.settings"),
        body,
    ))
}

pub async fn save_settings(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::EditPlan)?;
    let now = st.store.get_plan(&plan).await?.plan;
    let problems = match f.plan(v.lang, &now) {
        Err(p) => p,
        Ok(p) => {
            match save(
                &st,
                &v,
                &plan,
                DirectoryEdit::Settings(Box::new(p)),
                Some(f.version),
                &f.reason,
            )
            .await?
            {
                Ok(()) => {
                    return Ok(
                        Redirect::to(&format!("/plans/{plan}/settings?saved=1")).into_response()
                    );
                }
                Err(p) => p,
            }
        }
    };
    let page = render_settings(&st, &v, &plan, &f, &problems, false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
