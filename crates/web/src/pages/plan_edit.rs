//! Editing the plan where the office works: an item's edit form, the form for a new item
//! under it, and its cancel, restore, move and archive — every one with a reason, against the
//! version the form was read at, refused with every problem beside its field. The rules are
//! the plan file's (`core::edit`), applied by the store (`EditStore`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::edit::ItemEdit;
use tuijin_core::i18n::Lang;
use tuijin_core::policy::Action;
use tuijin_core::{Code, Item, ItemKind};
use tuijin_store::{EditStore, ItemStore, StoreError};

use super::widgets::item_href;
use super::{PageError, Section, kind_key, layout};
use crate::AppState;
use crate::cache::CachedPlan;
use crate::session::Viewer;

mod form;
pub use form::ItemForm;
use form::{code_text, text_of};

/// The problems of a refused edit, by the form's field: those about the edited item by their
/// field (`target.value` is the `target` group), the rest under "" (shown above the form).
fn by_field(l: Lang, code: &str, e: StoreError) -> Result<Vec<(String, String)>, PageError> {
    match e {
        StoreError::PlanInvalid(ps) => Ok(ps
            .iter()
            .map(|p| {
                let mine = p.entry.as_deref() == Some(code);
                let field = if mine {
                    let f = p.path.field.as_str();
                    f.split('.').next().unwrap_or(f).to_string()
                } else {
                    String::new()
                };
                let msg = if mine {
                    p.kind.message(l)
                } else {
                    format!("{}: {}", p.field_name(), p.kind.message(l))
                };
                (field, msg)
            })
            .collect()),
        StoreError::Invalid(ps) => Ok(ps.iter().map(|p| (p.field.clone(), p.message(l))).collect()),
        StoreError::Stale { .. } => Ok(vec![(String::new(), l.t("edit.moved_on").to_string())]),
        other => Err(other.into()),
    }
}

pub(super) fn unit_options(l: Lang, c: &CachedPlan) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = c
        .units
        .iter()
        .map(|(code, name)| (code.clone(), l.pick(name).to_string()))
        .collect();
    out.sort();
    out
}

fn people_options(l: Lang, c: &CachedPlan) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = c
        .people
        .iter()
        .map(|(code, p)| {
            (
                code.clone(),
                format!("{}（{}）", l.pick(&p.name), l.pick(&p.post)),
            )
        })
        .collect();
    out.sort();
    out
}

/// The fields of an item, with each field's problems beside it.
fn fields(l: Lang, c: &CachedPlan, f: &ItemForm, problems: &[(String, String)]) -> Markup {
    let fp = super::widgets::FieldProblems(problems);
    let class = |field: &str| fp.class(field);
    let errs = |field: &str| fp.messages(field);
    let units = unit_options(l, c);
    let people = people_options(l, c);
    let mut indicators: Vec<(String, String)> = c
        .measures
        .indicators
        .iter()
        .map(|(k, (i, _))| (k.clone(), l.pick(&i.name).to_string()))
        .collect();
    indicators.sort();
    let select = |name: &str, options: &[(String, String)], value: &str| {
        html! {
            select id=(name) name=(name) {
                option value="" { "—" }
                @for (k, v) in options { option value=(k) selected[k == value] { (v) " (" (k) ")" } }
            }
        }
    };
    html! {
        div class=(class("title")) { label for="title" { (l.t("edit.title")) } input #title name="title" type="text" required value=(f.title); (errs("title")) }
        div class=(class("title_en")) { label for="title_en" { (l.t("edit.title_en")) } input #title_en name="title_en" type="text" value=(f.title_en); (errs("title_en")) }
        div class=(class("description")) { label for="description" { (l.t("edit.description")) } textarea #description name="description" { (f.description) } (errs("description")) }
        div class=(class("description_en")) { label for="description_en" { (l.t("edit.description_en")) } textarea #description_en name="description_en" { (f.description_en) } (errs("description_en")) }
        div class=(class("lead")) { label for="lead" { (l.t("col.lead")) } (select("lead", &units, &f.lead))
            p.small.muted { (l.t("edit.lead_help")) } (errs("lead")) }
        div class=(class("co")) {
            label for="co" { (l.t("edit.co")) }
            select #co name="co" multiple size="6" {
                @for (k, v) in &units { option value=(k) selected[f.co.contains(k)] { (v) " (" (k) ")" } }
            }
            p.small.muted { (l.t("edit.co_help")) }
            (errs("co"))
        }
        div class=(class("leader")) { label for="leader" { (l.t("edit.leader")) } (select("leader", &people, &f.leader)) (errs("leader")) }
        div class=(class("leader_in_charge")) { label for="leader_in_charge" { (l.t("edit.leader_in_charge")) } (select("leader_in_charge", &people, &f.leader_in_charge)) (errs("leader_in_charge")) }
        div class=(class("start")) { label for="start" { (l.t("edit.start")) } input #start name="start" type="date" value=(f.start); (errs("start")) }
        div class=(class("due")) { label for="due" { (l.t("edit.due")) } input #due name="due" type="date" value=(f.due); (errs("due")) }
        div class=(class("weight")) { label for="weight" { (l.t("edit.weight")) } input #weight name="weight" type="number" min="0.01" step="any" required value=(f.weight); (errs("weight")) }
        fieldset class=(class("target")) {
            legend { (l.t("edit.target")) }
            label { (l.t("edit.target_value")) " " input name="target_value" type="number" step="any" value=(f.target_value); }
            label { (l.t("edit.target_unit")) " " input name="target_unit" type="text" size="6" value=(f.target_unit); }
            label { (l.t("edit.target_by")) " " input name="target_by" type="date" value=(f.target_by); }
            label { (l.t("edit.target_indicator")) " " (select("target_indicator", &indicators, &f.target_indicator)) }
            (errs("target"))
        }
        div class=(class("trajectory")) {
            label for="trajectory" { (l.t("edit.trajectory")) }
            textarea #trajectory name="trajectory" rows="3" placeholder="2019-12-31 60" { (f.trajectory) }
            p.small.muted { (l.t("edit.trajectory_help")) }
            (errs("trajectory"))
        }
        div class=(class("supports")) {
            label for="supports" { (l.t("edit.supports")) }
            input #supports name="supports" type="text" value=(f.supports);
            (errs("supports"))
        }
        div class=(class("source")) { label for="source" { (l.t("edit.source")) } textarea #source name="source" { (f.source) } (errs("source")) }
        div.field { label { input type="checkbox" name="public" value="1" checked[!f.public.is_empty()]; " " (l.t("edit.public")) } }
        div.field { label { input type="checkbox" name="three_ones" value="1" checked[!f.three_ones.is_empty()]; " " (l.t("edit.three_ones")) } }
        div class=(class("reason")) {
            label for="reason" { (l.t("edit.reason")) }
            input #reason name="reason" type="text" required value=(f.reason);
            p.small.muted { (l.t("edit.reason_help")) }
            (errs("reason"))
        }
    }
}

fn general(problems: &[(String, String)], l: Lang) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.notice.bad role="alert" {
                p { (l.t("form.fix")) }
                ul { @for (field, msg) in problems { li { @if field.is_empty() { (msg) } @else { a href={ "#" (field) } { (msg) } } } } }
            }
        }
    }
}

async fn item_of(st: &AppState, plan: &str, code: &str) -> Result<(Item, i64), PageError> {
    let r = st.store.get_item(plan, code).await?;
    if r.archived {
        return Err(PageError::not_found(code.to_string()));
    }
    Ok((r.item, r.version))
}

pub async fn edit_form(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    v.require(Action::EditPlan)?;
    let (item, version) = item_of(&st, &plan, &code).await?;
    render_edit(&st, &v, &plan, &item, &ItemForm::of(&item, version), &[]).await
}

async fn render_edit(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    item: &Item,
    f: &ItemForm,
    problems: &[(String, String)],
) -> Result<Html<String>, PageError> {
    let l = v.lang;
    let c = st.plans.get(&st.store, plan).await?;
    let code = item.code.as_str();
    let body = html! {
        p.crumbs { a href=(item_href(plan, code)) { span.code { (code) } " " (l.pick(&item.title)) } " › " (l.t("edit.edit")) }
        h1 { (l.t("edit.edit")) " " span.code { (code) } }
        p.muted.small { (l.t(kind_key(item.kind))) " · " (l.t("edit.help")) }
        (general(problems, l))
        form method="post" action={ "/plans/" (plan) "/items/" (code) "/edit" } novalidate {
            input type="hidden" name="csrf" value=(v.csrf());
            input type="hidden" name="version" value=(f.version);
            (fields(l, &c, f, problems))
            p.kv { button type="submit" { (l.t("edit.save")) } " " a href=(item_href(plan, code)) { (l.t("edit.cancel_form")) } }
        }
        (actions(v, plan, item, f.version, &c))
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Tree,
        l.t("edit.edit"),
        body,
    ))
}

/// Cancel or restore, move, archive: each a small form with its reason.
fn actions(v: &Viewer, plan: &str, item: &Item, version: i64, c: &CachedPlan) -> Markup {
    let l = v.lang;
    let code = item.code.as_str();
    let form = |action: &'static str, label: &'static str, parent: bool| {
        html! {
            form.act method="post" action={ "/plans/" (plan) "/items/" (code) "/act" } {
                input type="hidden" name="csrf" value=(v.csrf());
                input type="hidden" name="version" value=(version);
                input type="hidden" name="action" value=(action);
                @if parent {
                    label { (l.t("edit.new_parent")) " "
                        select name="parent" {
                            option value="" { (l.t("edit.top")) }
                            @for i in c.items.iter().filter(|i| i.code != item.code && item.kind.may_sit_under(i.kind)) {
                                option value=(i.code.as_str()) selected[item.parent.as_ref() == Some(&i.code)] { (i.code) " " (l.pick(&i.title)) }
                            }
                        } }
                }
                label { (l.t("edit.act_reason")) " " input type="text" name="reason" required; }
                button type="submit" { (l.t(label)) }
            }
        }
    };
    html! {
        section.acts aria-labelledby="item-acts" {
            h2 #item-acts { (l.t("edit.other_actions")) }
            @if item.cancelled { (form("restore", "edit.do.restore", false)) } @else { (form("cancel", "edit.do.cancel", false)) }
            (form("move", "edit.do.move", true))
            (form("archive", "edit.do.archive", false))
            p.small.muted { (l.t("edit.actions_help")) }
        }
    }
}

pub async fn save(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
    Form(f): Form<ItemForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::EditPlan)?;
    let l = v.lang;
    let (item, _) = item_of(&st, &plan, &code).await?;
    let problems = match f.item(l, &item) {
        Err(mut p) => {
            // Every problem at once: the reason's too.
            if let Err(r) = tuijin_core::edit::check_reason(&f.reason) {
                p.extend(r.problems().iter().map(|x| (x.field.clone(), x.message(l))));
            }
            p
        }
        Ok(new) => {
            let header = st.plans.header(&st.store, &plan).await?;
            match st
                .store
                .edit_item(
                    &plan,
                    &ItemEdit::Update(new),
                    Some(f.version),
                    &f.reason,
                    &st.stamp(&v.who.name, &header),
                )
                .await
            {
                Ok(_) => return Ok(Redirect::to(&item_href(&plan, &code)).into_response()),
                // Moved on: the form again with what the item says now (and the reason typed),
                // at its new version, so it can be checked and sent again.
                Err(StoreError::Stale { .. }) => {
                    let (now, version) = item_of(&st, &plan, &code).await?;
                    let mut fresh = ItemForm::of(&now, version);
                    fresh.reason = f.reason.clone();
                    let msg = vec![(String::new(), l.t("edit.moved_on").to_string())];
                    let page = render_edit(&st, &v, &plan, &now, &fresh, &msg).await?;
                    return Ok((StatusCode::CONFLICT, page).into_response());
                }
                Err(e) => by_field(l, &code, e)?,
            }
        }
    };
    let page = render_edit(&st, &v, &plan, &item, &f, &problems).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn new_form(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, parent)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    v.require(Action::EditPlan)?;
    let (p, _) = item_of(&st, &plan, &parent).await?;
    // Nothing sits under a milestone: say so rather than offer an empty form.
    let Some(kind) = <ItemKind as tuijin_core::VariantArray>::VARIANTS
        .iter()
        .copied()
        .find(|k| k.may_sit_under(p.kind))
    else {
        return Err(PageError::invalid(
            tuijin_core::problem::Problem::new("parent", tuijin_core::problem::Rule::NoChildKind)
                .with("kind", format!("@kind.{}", p.kind.as_str())),
        ));
    };
    let f = ItemForm {
        kind: kind.as_str().into(),
        lead: code_text(&p.lead),
        start: text_of(p.start),
        due: text_of(p.due),
        weight: "1".into(),
        public: if p.public { "1".into() } else { String::new() },
        ..Default::default()
    };
    render_new(&st, &v, &plan, &p, &f, &[]).await
}

/// A code for a new item below `parent` that no item has: the parent's code and the next
/// free number.
fn next_code(c: &CachedPlan, parent: &str) -> String {
    (1..)
        .map(|n| format!("{parent}.{n}"))
        .find(|code| !c.items.iter().any(|i| i.code.as_str() == code))
        .unwrap_or_default()
}

async fn render_new(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    parent: &Item,
    f: &ItemForm,
    problems: &[(String, String)],
) -> Result<Html<String>, PageError> {
    let l = v.lang;
    let c = st.plans.get(&st.store, plan).await?;
    let pcode = parent.code.as_str();
    let err: Vec<&String> = problems
        .iter()
        .filter(|p| p.0 == "code" || p.0 == "kind")
        .map(|p| &p.1)
        .collect();
    let body = html! {
        p.crumbs { a href=(item_href(plan, pcode)) { span.code { (pcode) } " " (l.pick(&parent.title)) } " › " (l.t("edit.add_child")) }
        h1 { (l.t("edit.add_child")) }
        p.muted.small { (l.f("edit.under", &[("parent", &format!("{} {}", pcode, l.pick(&parent.title)))])) }
        (general(problems, l))
        form method="post" action={ "/plans/" (plan) "/items/" (pcode) "/new" } novalidate {
            input type="hidden" name="csrf" value=(v.csrf());
            div class=(if err.is_empty() { "field" } else { "field invalid" }) {
                label for="code" { (l.t("edit.code")) }
                input #code name="code" type="text" required value=(f.code) placeholder=(next_code(&c, pcode));
                label for="kind" { (l.t("edit.kind")) }
                select #kind name="kind" {
                    @for k in <ItemKind as tuijin_core::VariantArray>::VARIANTS.iter().filter(|k| k.may_sit_under(parent.kind)) {
                        option value=(k.as_str()) selected[f.kind == k.as_str()] { (l.t(kind_key(*k))) }
                    }
                }
                @for e in &err { p.err { (e) } }
            }
            (fields(l, &c, f, problems))
            p.kv { button type="submit" { (l.t("edit.create")) } " " a href=(item_href(plan, pcode)) { (l.t("edit.cancel_form")) } }
        }
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Tree,
        l.t("edit.add_child"),
        body,
    ))
}

pub async fn create(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, parent)): Path<(String, String)>,
    Form(f): Form<ItemForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::EditPlan)?;
    let l = v.lang;
    let (p, _) = item_of(&st, &plan, &parent).await?;
    let mut problems = Vec::new();
    let code = Code::parse(f.code.trim());
    if code.is_err() {
        problems.push(("code".to_string(), l.t("edit.bad_code").to_string()));
    }
    let kind = ItemKind::parse(&f.kind);
    if kind.is_none() {
        problems.push(("kind".to_string(), l.t("edit.bad_kind").to_string()));
    }
    if let (Ok(code), Some(kind)) = (code, kind) {
        let blank = crate::api::edits::blank_item(code.clone(), kind, Some(p.code.clone()));
        match f.item(l, &blank) {
            Err(mut e) => problems.append(&mut e),
            Ok(new) => {
                let header = st.plans.header(&st.store, &plan).await?;
                match st
                    .store
                    .edit_item(
                        &plan,
                        &ItemEdit::Create(new),
                        None,
                        &f.reason,
                        &st.stamp(&v.who.name, &header),
                    )
                    .await
                {
                    Ok(_) => {
                        return Ok(Redirect::to(&item_href(&plan, code.as_str())).into_response());
                    }
                    Err(e) => problems = by_field(l, code.as_str(), e)?,
                }
            }
        }
    }
    let page = render_new(&st, &v, &plan, &p, &f, &problems).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    action: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    reason: String,
}

/// Cancel, restore, move or archive; back to the item (or its parent, once archived).
pub async fn act(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
    Form(f): Form<ActForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::EditPlan)?;
    let l = v.lang;
    let (item, _) = item_of(&st, &plan, &code).await?;
    let c = item.code.clone();
    let edit = match f.action.as_str() {
        "cancel" => ItemEdit::Cancel { code: c },
        "restore" => ItemEdit::Restore { code: c },
        "archive" => ItemEdit::Archive { code: c },
        "move" => ItemEdit::Move {
            code: c,
            parent: Code::parse(f.parent.trim()).ok(),
        },
        other => return Err(PageError::bad_request(format!("action `{other}`"))),
    };
    let header = st.plans.header(&st.store, &plan).await?;
    match st
        .store
        .edit_item(
            &plan,
            &edit,
            Some(f.version),
            &f.reason,
            &st.stamp(&v.who.name, &header),
        )
        .await
    {
        Ok(out) => {
            let to = match (out.item, &item.parent) {
                (Some(_), _) => item_href(&plan, &code),
                (None, Some(p)) => item_href(&plan, p.as_str()),
                (None, None) => format!("/plans/{plan}/tree"),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let problems = by_field(l, &code, e)?;
            let (now, version) = item_of(&st, &plan, &code).await?;
            let page = render_edit(
                &st,
                &v,
                &plan,
                &now,
                &ItemForm::of(&now, version),
                &problems,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct NoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

/// The office adds a note, a leader an instruction; back to the item's notes.
pub async fn add_note(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
    Form(f): Form<NoteForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::AddNote)?;
    let header = st.plans.header(&st.store, &plan).await?;
    match tuijin_store::BaselineStore::add_note(
        &st.store,
        &plan,
        &code,
        &f.text,
        v.who.role == tuijin_core::policy::Role::Leader,
        &st.stamp(&v.who.name, &header),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}#notes", item_href(&plan, &code))).into_response()),
        // A blank or overlong note: the failure page lists every problem.
        Err(e) => Err(e.into()),
    }
}
