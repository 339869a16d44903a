//! The plan's own settings, where the office keeps them: thresholds, cadence, reporting days,
//! the rollup rule, the dates status is judged by and the level names — with a reason, against
//! the version the form was read at, every problem beside its field (`core::validate`'s rules,
//! applied by `EditStore::edit_directory`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::html;
use serde::Deserialize;
use tuijin_core::edit::{DirectoryEdit, content_version};
use tuijin_core::i18n::Lang;
use tuijin_core::policy::Action;
use tuijin_core::{
    Cadence, ItemKind, LevelLabel, Plan, RollupRule, StatusAgainst, Text, VariantArray,
};
use tuijin_store::PlanStore;

use super::directory::{general, named, reason_field, reason_problems, save, tabs, text_field};
use super::widgets::FieldProblems;
use super::{PageError, Section, kind_key, layout};
use crate::AppState;
use crate::session::Viewer;

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
    forecast_miss: String,
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
            title: p.title.zh().to_string(),
            title_en: p.title.en().to_string(),
            cadence: p.cadence.as_str().into(),
            at_risk: p.thresholds.at_risk.to_string(),
            off_track: p.thresholds.off_track.to_string(),
            forecast_miss: p.thresholds.forecast_miss.to_string(),
            rollup: p.rollup.as_str().into(),
            status_against: p.status_against.as_str().into(),
            due_day: p.reporting.due_day.to_string(),
            grace_days: p.reporting.grace_days.to_string(),
            stale_days: p.reporting.stale_days.to_string(),
            level_zh: ItemKind::VARIANTS
                .iter()
                .map(|k| label(*k).map(|t| t.zh().to_string()).unwrap_or_default())
                .collect(),
            level_en: ItemKind::VARIANTS
                .iter()
                .map(|k| label(*k).map(|t| t.en().to_string()).unwrap_or_default())
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
        // A form from before the field existed sends none: the setting stays.
        if !self.forecast_miss.trim().is_empty()
            && let Some(v) = number("thresholds", &self.forecast_miss)
        {
            p.thresholds.forecast_miss = v;
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
    let tz = st.plans.header(&st.store, plan).await?.tz();
    let mut events = tuijin_store::EventStore::latest_events_for(
        &st.store,
        tuijin_core::event::Entity::Plan,
        plan,
        20,
    )
    .await?;
    events.retain(|e| crate::auth::may_see_event(&v.who, e));
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
                " " label { (l.t("setup.forecast_miss")) " " input type="text" inputmode="decimal" name="forecast_miss" value=(f.forecast_miss) size="5"; }
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
                            td { input type="text" name="level_zh" value=(f.level_zh.get(n).map(String::as_str).unwrap_or("")) size="12" aria-label={ (l.t(kind_key(*k))) " 中文" }; }
                            td { input type="text" name="level_en" value=(f.level_en.get(n).map(String::as_str).unwrap_or("")) size="20" aria-label={ (l.t(kind_key(*k))) " English" }; }
                        }
                    } }
                } }
                (p.messages("levels"))
            }
            (reason_field(l, &p, &f.reason))
            p { button type="submit" { (l.t("edit.save")) } }
        }
        h2 { (l.t("setup.history")) }
        (super::item::timeline(l, tz, &events))
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
