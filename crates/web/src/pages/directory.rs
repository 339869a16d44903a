//! The plan's units and people (with the telephone numbers the office chases on), where the
//! office keeps them: lists every signed-in user may read, and for the
//! office the forms to add and change each one — with a reason, against the version the form
//! was read at, refused with every problem beside its field. The rules are the plan file's
//! (`core::edit::apply_directory`), applied by the store (`EditStore::edit_directory`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::edit::{DirectoryEdit, content_version};
use tuijin_core::i18n::Lang;
use tuijin_core::policy::Action;
use tuijin_core::{Code, Person, Text, Unit, UnitKind, VariantArray};
use tuijin_store::{EditStore, PlanStore, StoreError};

use super::widgets::FieldProblems;
use super::{PageError, Section, layout};
use crate::AppState;
use crate::session::Viewer;

/// The label of a choice (`prefix.name` in the catalogue), or the name itself.
pub(super) fn named(l: Lang, prefix: &str, name: &str) -> String {
    let key = format!("{prefix}.{name}");
    l.lookup(&key).unwrap_or(name).to_string()
}

/// The links between the office's plan-keeping pages.
pub(super) fn tabs(l: Lang, plan: &str, here: &str) -> Markup {
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

pub(super) fn general(problems: &[(String, String)], l: Lang) -> Markup {
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
pub(super) fn text_field(
    p: &FieldProblems,
    name: &str,
    label: &str,
    value: &str,
    required: bool,
) -> Markup {
    html! {
        div class=(p.class(name)) {
            label for={ "f-" (name) } { (label) }
            input #{ "f-" (name) } type="text" name=(name) value=(value) required[required];
            (p.messages(name))
        }
    }
}

pub(super) fn reason_field(l: Lang, p: &FieldProblems, value: &str) -> Markup {
    html! {
        div class=(p.class("reason")) {
            label for="f-reason" { (l.t("edit.reason")) }
            input #f-reason type="text" name="reason" value=(value) required;
            p.small.muted { (l.t("edit.reason_help")) }
            (p.messages("reason"))
        }
    }
}

pub(super) async fn save(
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

pub(super) fn reason_problems(l: Lang, reason: &str, out: &mut Vec<(String, String)>) {
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
            name: u.name.zh().to_string(),
            name_en: u.name.en().to_string(),
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
    let tz = c.plan.tz();
    let history = match editing {
        Some(code) => {
            tuijin_store::EventStore::latest_events_for(
                &st.store,
                tuijin_core::event::Entity::Unit,
                code,
                20,
            )
            .await?
        }
        None => Vec::new(),
    };
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
    // The office and leaders download a unit's workbooks here (责任清单, 填报模板).
    let excel = v.allowed(Action::ReadReports { unit: "" });
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
        p { (super::workbooks::plan_link(l, v, plan)) }
        div.tablewrap { table.wide {
            thead { tr { th { (l.t("edit.code")) } th { (l.t("setup.col_name")) } th { (l.t("setup.unit_kind")) } th.opt { (l.t("setup.parent_unit")) } th.num { (l.t("setup.leads")) } @if excel { th.opt { (l.t("excel.col.files")) } } @if office { th {} } } }
            tbody { @for u in &doc.units {
                tr id={ "unit-" (u.code) } {
                    td.code { (u.code) }
                    td { (l.pick(&u.name)) @if u.assumed { " " span.small.muted title=(l.t("setup.assumed")) { "*" } } }
                    td { (named(l, "unit_kind", u.kind.as_str())) }
                    td.opt { @if let Some(pc) = &u.parent { (name_of(pc)) } }
                    td.num { (leads(u)) }
                    @if excel { td.opt.small { (super::workbooks::row_links(l, plan, u.code.as_str())) } }
                    @if office { td { a href={ "/plans/" (plan) "/units/" (u.code) } { (l.t("setup.edit")) } } }
                }
            } }
        } }
        @if office {
            @if let Some(code) = editing {
                section aria-labelledby="edit-unit" { h2 #edit-unit { (l.t("setup.edit_unit")) " " span.code { (code) } } (form(false)) }
                h2 { (l.t("setup.history")) }
                (super::item::timeline(l, tz, &history))
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
            name: p.name.zh().to_string(),
            name_en: p.name.en().to_string(),
            post: p.post.zh().to_string(),
            post_en: p.post.en().to_string(),
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
    let tz = c.plan.tz();
    let history = match editing {
        Some(code) => {
            tuijin_store::EventStore::latest_events_for(
                &st.store,
                tuijin_core::event::Entity::Person,
                code,
                20,
            )
            .await?
        }
        None => Vec::new(),
    };
    let named = |p: &Person| {
        c.items
            .iter()
            .filter(|i| {
                i.extra.leader.as_ref() == Some(&p.code)
                    || i.extra.leader_in_charge.as_ref() == Some(&p.code)
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
            thead { tr { th { (l.t("setup.person_name")) } th.opt { (l.t("setup.post_col")) } th.opt { (l.t("setup.person_unit")) } th { (l.t("setup.phone")) } th.num { (l.t("setup.named_on")) } @if office { th {} } } }
            tbody { @for person in &doc.people {
                tr id={ "person-" (person.code) } {
                    td { (l.pick(&person.name)) br; span.code.small { (person.code) } }
                    td.opt { (l.pick(&person.post)) }
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
                h2 { (l.t("setup.history")) }
                (super::item::timeline(l, tz, &history))
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
