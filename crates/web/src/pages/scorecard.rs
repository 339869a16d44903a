//! A unit's scorecard (考核得分明细) in one run: its score, rank and grade, each criterion with
//! the lines that gave its points — every line naming the item, milestone, report, notice,
//! indicator or approved adjustment behind it, with dates and a link — and the unit's
//! objections (申诉) with the form to file one. Also a unit across periods, the unit's
//! latest results in its workspace, and the latest rankings on the cockpit.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::assess::{AssessPeriod, Basis, Line, RunState};
use tuijin_core::i18n::Lang;
use tuijin_core::policy::Action;
use tuijin_store::{AssessStore, AssessmentRecord, StoreError};

use super::assessments::{
    card_href, grade_name, kind_key, named, run_for, run_href, runs_for, score_bar, state_chip,
    unit_name,
};
use super::widgets::{fmt1, item_href, local_time};
use super::{PageError, Section, layout, urlencode};
use crate::AppState;
use crate::cache::CachedPlan;
use crate::session::Viewer;

fn item_ref(l: Lang, plan: &str, c: &CachedPlan, code: &str, anchor: &str) -> Markup {
    let title = c
        .items
        .iter()
        .find(|i| i.code.as_str() == code)
        .map(|i| l.pick(&i.title).to_string())
        .unwrap_or_default();
    html! { a href={ (item_href(plan, code)) (anchor) } { span.code { (code) } " " (title) } }
}

fn notice_ref(id: i64, number: &str) -> Markup {
    html! { a href={ "/notices/" (id) } { (number) } }
}

fn yes_no(l: Lang, met: Option<bool>) -> Markup {
    match met {
        Some(true) => html! { span.met { "✓ " (l.t("assess.met")) } },
        Some(false) => html! { span.missed { "✗ " (l.t("assess.missed")) } },
        None => html! {},
    }
}

/// What one line of the explanation rests on, in words, with a link to the record.
fn basis(l: Lang, plan: &str, c: &CachedPlan, b: &Basis) -> Markup {
    let done_on = |key: &'static str, d: &Option<chrono::NaiveDate>, none: &'static str| match d {
        Some(d) => l.f(key, &[("date", d)]),
        None => l.t(none).to_string(),
    };
    match b {
        Basis::Item {
            item,
            due,
            weight,
            share,
            percent,
        } => html! {
            (item_ref(l, plan, c, item, "")) br;
            span.small.muted {
                (l.f("assess.basis.item", &[("due", due), ("weight", weight)]))
                @if *share < 1.0 { " · " (l.f("assess.basis.share", &[("share", &fmt1(share * 100.0))])) }
                " · " @match percent { Some(p) => { (l.f("assess.basis.percent", &[("p", &fmt1(*p))])) }, None => { (l.t("assess.basis.unreported")) } }
            }
        },
        Basis::Milestone {
            item,
            due,
            reached_on,
        } => html! {
            (item_ref(l, plan, c, item, "")) br;
            span.small.muted { (l.f("assess.basis.milestone", &[("due", due)])) " · "
                (done_on("assess.basis.reached_on", reached_on, "assess.basis.not_reached")) }
        },
        Basis::Report {
            item,
            period,
            due,
            report,
            submitted_on,
        } => {
            let anchor = report.map(|r| format!("#report-{r}")).unwrap_or_default();
            html! {
                (item_ref(l, plan, c, item, &anchor)) br;
                span.small.muted { (l.f("assess.basis.report", &[("period", period), ("due", due)])) " · "
                    (done_on("assess.basis.submitted_on", submitted_on, "assess.basis.not_submitted")) }
            }
        }
        Basis::NoticeSign {
            notice,
            number,
            by,
            signed_on,
        } => html! {
            (notice_ref(*notice, number)) br;
            span.small.muted { (l.f("assess.basis.sign_by", &[("by", by)])) " · "
                (done_on("assess.basis.signed_on", signed_on, "assess.basis.not_signed")) }
        },
        Basis::NoticeReply {
            notice,
            number,
            by,
            replied_on,
        } => html! {
            (notice_ref(*notice, number)) br;
            span.small.muted { (l.f("assess.basis.reply_by", &[("by", by)])) " · "
                (done_on("assess.basis.replied_on", replied_on, "assess.basis.not_replied")) }
        },
        Basis::NoticeLevel {
            notice,
            number,
            level,
        } => {
            let s = &c.plan.notices;
            let chip = match s.levels.iter().position(|x| x == level) {
                Some(k) => super::notices::level_chip(l, s, k),
                None => html! { (level) },
            };
            html! { (notice_ref(*notice, number)) br; span.small.muted { (l.t("assess.basis.level")) " " (chip) } }
        }
        Basis::Indicator {
            indicator,
            period,
            value,
            expected,
            share,
        } => {
            let name = c
                .measures
                .indicators
                .get(indicator)
                .map(|(i, _)| l.pick(&i.name).to_string())
                .unwrap_or_else(|| indicator.clone());
            let measured = c.items.iter().find(|i| {
                i.extra
                    .target
                    .as_ref()
                    .and_then(|t| t.indicator.as_ref())
                    .is_some_and(|x| x.as_str() == indicator)
            });
            html! {
                @match measured {
                    Some(i) => a href=(item_href(plan, i.code.as_str())) { (name) },
                    None => (name),
                }
                br;
                span.small.muted {
                    @match (period, value) {
                        (Some(p), Some(v)) => { (l.f("assess.basis.figure", &[("period", p), ("value", &fmt1(*v))])) }
                        _ => { (l.t("assess.basis.no_figure")) }
                    }
                    @if let Some(e) = expected { " · " (l.f("assess.basis.expected", &[("value", &fmt1(*e))])) }
                    @if *share > 0.0 && *share < 1.0 { " · " (l.f("assess.basis.attained", &[("share", &fmt1(share * 100.0))])) }
                }
            }
        }
        Basis::Adjustment {
            reason,
            evidence,
            approved_by,
            ..
        } => html! {
            (reason) br;
            span.small.muted { (l.f("assess.basis.adjustment", &[("evidence", evidence), ("by", approved_by)])) }
        },
        Basis::NothingDue => html! { span.muted { (l.t("assess.basis.nothing_due")) } },
        Basis::Cap => html! { span.muted { (l.t("assess.basis.cap")) } },
        Basis::Floor => html! { span.muted { (l.t("assess.basis.floor")) } },
    }
}

/// Lines past which the earned ones are folded away, so the missed ones stand out.
const FOLD: usize = 12;

fn lines_table(l: Lang, plan: &str, c: &CachedPlan, lines: &[Line]) -> Markup {
    let table = |rows: &[&Line]| {
        html! {
            div.tablewrap { table.lines {
                thead { tr { th { (l.t("assess.col.basis")) } th { (l.t("assess.result")) } th.num { (l.t("assess.points")) } } }
                tbody { @for ln in rows {
                    tr { td { (basis(l, plan, c, &ln.basis)) } td { (yes_no(l, ln.met)) } td.num { (ln.points) } }
                } }
            } }
        }
    };
    let met = lines.iter().filter(|x| x.met == Some(true)).count();
    let missed = lines.iter().filter(|x| x.met == Some(false)).count();
    let all: Vec<&Line> = lines.iter().collect();
    if lines.len() <= FOLD || met == 0 {
        return html! {
            @if met + missed > 0 { p.small { (l.f("assess.tally", &[("met", &met), ("missed", &missed)])) } }
            (table(&all))
        };
    }
    let (earned, rest): (Vec<&Line>, Vec<&Line>) = all.iter().partition(|x| x.met == Some(true));
    html! {
        p.small { (l.f("assess.tally", &[("met", &met), ("missed", &missed)])) }
        @if !rest.is_empty() { (table(&rest)) }
        details.earned {
            summary { (l.f("assess.show_earned", &[("n", &met)])) }
            (table(&earned))
        }
    }
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Path((id, unit)): Path<(i64, String)>,
) -> Result<Html<String>, PageError> {
    let a = run_for(&st, &v, id).await?;
    render(&st, &v, &a, &unit, "", &[]).await
}

async fn render(
    st: &AppState,
    v: &Viewer,
    a: &AssessmentRecord,
    unit: &str,
    draft: &str,
    problems: &[String],
) -> Result<Html<String>, PageError> {
    let l = v.lang;
    let Some((k, r)) = a.outcome.unit(unit) else {
        return Err(PageError::not_found(format!(
            "unit `{unit}` in assessment #{}",
            a.id
        )));
    };
    let c = st.plans.get(&st.store, &a.plan).await?;
    let tz = c.plan.tz();
    let cat = &a.outcome.categories[k];
    let scat = &a.scheme.category[k];
    let name = unit_name(l, &c, unit);
    let may_object = a.state == RunState::Published
        && v.who.units.iter().any(|u| u.as_str() == unit)
        && v.allowed(Action::ObjectToAssessment { unit });
    let mine: Vec<_> = a.objections.iter().filter(|o| o.unit == unit).collect();
    // The corrected runs the viewer may open (a unit: published ones only).
    let mut readable = Vec::new();
    for r in mine.iter().filter_map(|o| o.rerun) {
        if crate::api::assessments::readable(st, &v.who, r)
            .await
            .is_ok()
        {
            readable.push(r);
        }
    }
    let title = format!("{name} · {}", a.period);
    let body = html! {
        p.crumbs {
            a href={ "/plans/" (a.plan) "/assessments" } { (l.t("assess.title")) } " › "
            a href=(run_href(a.id)) { (a.period) } " › " (name)
        }
        h1 { (name) " " span.muted { (l.f("assess.run_title", &[("period", &a.period)])) } " " (state_chip(l, a.state)) }
        div.cards {
            div.card { span.small.muted { (l.t("assess.score")) } br; strong.big { (r.score) } " / " (cat.total.as_f64()) }
            div.card { span.small.muted { (l.t("assess.rank")) } br;
                strong { (l.f("assess.rank_of", &[("rank", &r.rank), ("n", &cat.units.len())])) } " · " (named(l, &scat.name, &scat.name_en)) }
            @let g = grade_name(l, &a.scheme, r.grade);
            @if !g.is_empty() { div.card { span.small.muted { (l.t("assess.grade")) } br; strong { (g) } } }
        }
        p.muted.small { (l.f("assess.card_help", &[("date", &a.as_of)])) " "
            a href={ "/plans/" (a.plan) "/assessments/units/" (urlencode(unit)) } { (l.t("assess.across")) } }
        @for cr in &r.criteria {
            @let hid = format!("crit-{}", cr.kind.as_str());
            section aria-labelledby=(hid) {
                h2 id=(hid) { (l.t(kind_key(cr.kind))) " "
                    span.muted.small { (cr.points) @if cr.weight.as_f64() > 0.0 { " / " (cr.weight) } } }
                @if cr.lines.is_empty() { p.muted { (l.t("assess.no_lines")) } }
                @else { (lines_table(l, &a.plan, &c, &cr.lines)) }
            }
        }
        section aria-labelledby="objections" {
            h2 #objections { (l.t("assess.objections")) }
            @if mine.is_empty() && !may_object { p { (l.t("assess.no_objections")) } }
            @for o in &mine {
                article.objection {
                    p.small.muted { (local_time(tz, o.filed_at)) " · " (o.filed_by) }
                    p.pre { (o.reason) }
                    @match &o.answer {
                        Some(ans) => p { strong { (l.t("assess.answer")) ": " } span.pre { (ans) }
                            @if let Some(r) = o.rerun { " · " (l.t("assess.rerun_made")) @if readable.contains(&r) { " " a href=(run_href(r)) { "#" (r) } } } },
                        None => p.muted { (l.t("assess.awaiting_answer")) },
                    }
                }
            }
            @if !problems.is_empty() {
                div.notice.bad role="alert" { ul { @for p in problems { li { (p) } } } }
            }
            @if may_object {
                section.acts {
                    form.act method="post" action={ "/assessments/" (a.id) "/objections" } {
                        input type="hidden" name="csrf" value=(v.csrf());
                        input type="hidden" name="unit" value=(unit);
                        label { (l.t("assess.object_reason")) textarea name="reason" required { (draft) } }
                        button type="submit" { (l.t("assess.do.object")) }
                    }
                    p.muted.small { (l.t("assess.object_help")) }
                }
            }
        }
    };
    Ok(layout(
        st,
        v,
        Some(&a.plan),
        Section::Assessments,
        &title,
        body,
    ))
}

#[derive(Deserialize, Default)]
pub struct ObjectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    reason: String,
}

/// A scored unit objects to a published run, saying why; back to its scorecard.
pub async fn object(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<ObjectForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::ObjectToAssessment { unit: &f.unit })?;
    let a = run_for(&st, &v, id).await?;
    let header = st.plans.header(&st.store, &a.plan).await?;
    let l = v.lang;
    let (msgs, status): (Vec<String>, StatusCode) = match st
        .store
        .file_objection(id, &f.unit, &f.reason, &st.stamp(&v.who.name, &header))
        .await
    {
        Ok(_) => {
            let to = format!("{}#objections", card_href(id, &f.unit));
            return Ok(Redirect::to(&to).into_response());
        }
        Err(StoreError::Invalid(ps)) => (
            ps.iter().map(|p| p.message(l)).collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(StoreError::Conflict(p)) => (vec![p.message(l)], StatusCode::CONFLICT),
        Err(e) => return Err(e.into()),
    };
    let page = render(&st, &v, &a, &f.unit, &f.reason, &msgs).await?;
    Ok((status, page).into_response())
}

/// A unit across periods: each run it was scored in, oldest first, with its score, rank,
/// grade and points per criterion, and the change from the last period of the same length.
pub async fn across(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, unit)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let mut runs = runs_for(&st, &v, &plan).await?;
    // Replaced only by a published correction; a draft correction replaces nothing yet.
    let superseded: Vec<i64> = runs
        .iter()
        .filter(|a| a.state == RunState::Published)
        .filter_map(|a| a.supersedes)
        .collect();
    runs.retain(|a| a.outcome.unit(&unit).is_some());
    runs.sort_by_key(|a| (a.as_of, a.period.len(), a.id));
    if runs.is_empty() && c.unit_name(&unit).is_none() {
        return Err(PageError::not_found(format!("unit `{unit}`")));
    }
    let name = unit_name(l, &c, &unit);
    // The change from the last published, standing run of the same kind of period (quarter
    // to quarter, half to half, year to year).
    let kind = |p: &str| match AssessPeriod::parse(p) {
        Ok(AssessPeriod::Quarter { .. }) => 'Q',
        Ok(AssessPeriod::Half { .. }) => 'H',
        _ => 'Y',
    };
    let mut last: std::collections::HashMap<char, f64> = std::collections::HashMap::new();
    let mut rows = Vec::new();
    for a in &runs {
        let (k, r) = a.outcome.unit(&unit).expect("retained");
        let total = a.outcome.categories[k].total.as_f64();
        let pct = if total > 0.0 {
            r.score.as_f64() / total * 100.0
        } else {
            0.0
        };
        let old = superseded.contains(&a.id);
        let change = if old || a.state != RunState::Published {
            None
        } else {
            let before = last.insert(kind(&a.period), pct);
            before.map(|b| pct - b)
        };
        rows.push((a, k, r, old, change));
    }
    let kinds: Vec<_> = runs
        .last()
        .and_then(|a| a.outcome.unit(&unit))
        .map(|(_, r)| r.criteria.iter().map(|x| x.kind).collect())
        .unwrap_or_default();
    let title = l.f("assess.across_title", &[("unit", &name)]);
    let body = html! {
        p.crumbs { a href={ "/plans/" (plan) "/assessments" } { (l.t("assess.title")) } " › " (name) }
        h1 { (title) }
        @if rows.is_empty() { p { (l.t("assess.no_runs")) } } @else {
            div.tablewrap { table.ranking {
                thead { tr {
                    th { (l.t("assess.period")) } th { (l.t("col.state")) } th { (l.t("assess.score")) }
                    th.num { (l.t("assess.change")) } th { (l.t("assess.rank")) } th { (l.t("assess.grade")) }
                    @for k in &kinds { th.num.opt { (l.t(kind_key(*k))) } }
                } }
                tbody { @for (a, k, r, old, change) in &rows {
                    tr.superseded[*old] {
                        td { a href=(card_href(a.id, &unit)) { (a.period) } }
                        td { (state_chip(l, a.state)) }
                        td { (score_bar(l, r.score, a.outcome.categories[*k].total)) }
                        td.num { @if let Some(d) = change { (if *d > 0.0 { "+" } else { "" }) (fmt1(*d)) } }
                        td { (l.f("assess.rank_of", &[("rank", &r.rank), ("n", &a.outcome.categories[*k].units.len())])) }
                        td { (grade_name(l, &a.scheme, r.grade)) }
                        @for k in &kinds {
                            td.num.opt { @if let Some(x) = r.criteria.iter().find(|x| x.kind == *k) { (x.points) } }
                        }
                    }
                } }
            } }
            p.muted.small { (l.t("assess.change_help")) }
        }
    };
    Ok(layout(
        &st,
        &v,
        Some(&plan),
        Section::Assessments,
        &title,
        body,
    ))
}

/// The latest published results of `mine` in a plan, for the unit's workspace.
pub async fn workspace_section(
    st: &AppState,
    l: Lang,
    plan: &str,
    c: &CachedPlan,
    mine: &[&str],
) -> Result<Markup, PageError> {
    let runs = st.store.list_assessments(plan, true).await?;
    let superseded: Vec<i64> = runs.iter().filter_map(|a| a.supersedes).collect();
    let rows: Vec<_> = runs
        .iter()
        .filter(|a| !superseded.contains(&a.id))
        .flat_map(|a| {
            mine.iter()
                .filter_map(move |u| a.outcome.unit(u).map(|(k, r)| (a, *u, k, r)))
        })
        .take(4)
        .collect();
    Ok(html! {
        @if !rows.is_empty() {
            section aria-labelledby={ "asm-" (plan) } {
                h3 id={ "asm-" (plan) } { (l.t("workspace.assessments")) }
                ul {
                    @for (a, u, k, r) in &rows {
                        li {
                            a href=(card_href(a.id, u)) { (a.period) " · " (unit_name(l, c, u)) }
                            " — " (r.score) " / " (a.outcome.categories[*k].total.as_f64())
                            " · " (l.f("assess.rank_of", &[("rank", &r.rank), ("n", &a.outcome.categories[*k].units.len())]))
                            @let g = grade_name(l, &a.scheme, r.grade);
                            @if !g.is_empty() { " · " (g) }
                            @if a.objections.iter().any(|o| o.unit == *u && o.answer.is_none()) { " · " span.muted { (l.t("assess.awaiting_answer")) } }
                        }
                    }
                }
            }
        }
    })
}

/// The few at the top and the bottom of each category in the latest published run, for the
/// cockpit (the leader's "who leads, who lags").
pub async fn cockpit_section(
    st: &AppState,
    l: Lang,
    plan: &str,
    c: &CachedPlan,
) -> Result<Markup, PageError> {
    const ENDS: usize = 3;
    let Some(a) = st.store.latest_published(plan).await? else {
        return Ok(html! {});
    };
    Ok(html! {
        section aria-labelledby="ranking" {
            h2 #ranking { (l.f("assess.cockpit", &[("period", &a.period)])) }
            div.grid2 {
                @for (cat, scat) in a.outcome.categories.iter().zip(&a.scheme.category) {
                    @let n = cat.units.len();
                    div {
                        h3 { (named(l, &scat.name, &scat.name_en)) }
                        table {
                            tbody {
                                @for (k, u) in cat.units.iter().enumerate() {
                                    @if k == ENDS && n > 2 * ENDS { tr { td.num.muted { "…" } td {} td {} } }
                                    @if k < ENDS || k + ENDS >= n {
                                        tr {
                                            td.num { (u.rank) }
                                            td { a href=(card_href(a.id, &u.unit)) { (unit_name(l, c, &u.unit)) } }
                                            td { (score_bar(l, u.score, cat.total)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p { a href=(run_href(a.id)) { (l.t("assess.all_rankings")) } }
        }
    })
}
