//! One item: its details, units and leaders, the sentence of the source document it answers
//! to, its progress and status with the reasons, its trajectory, reports, warnings and history,
//! and what it supports. Visitors who are not logged in see the public version: published items
//! only, with no people's names, reports or internal comments.

use axum::extract::{Path, State};
use axum::response::Html;
use maud::{Markup, PreEscaped, html};
use tuijin_core::policy::{Action, Role};
use tuijin_core::progress::{ChildShare, ProgressSource, explain};
use tuijin_core::report::Period;
use tuijin_core::report::Relation;
use tuijin_store::{
    DirectoryStore, EventStore, ItemStore, ProgressStore, ReportFilter, ReportStore, WarningFilter,
    WarningStore,
};

use super::widgets::{fmt1, item_href, kind, progress, row_progress, status, unit};
use super::{PageError, Section, layout, severity_key, warning_key};
use crate::AppState;
use crate::session::Viewer;

/// How far the warnings below an item are counted (more shows as "1000+").
const BELOW_CAP: u64 = 1000;

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPublic)?;
    let full = v.allowed(Action::ReadPlan);
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let today = st.today(&c.plan);
    let b = c.board(today);
    let not_found = || PageError::not_found(code.to_string());
    let Some(n) = b.position(&code) else {
        // Archived items leave the plan but keep their record: shown to those who read the
        // whole plan.
        if full {
            return archived(&st, &v, &plan, &code).await;
        }
        return Err(not_found());
    };
    let i = &c.items[n];
    if !full && !i.public {
        // To the public an unpublished item does not exist.
        return Err(not_found());
    }
    let r = b.row_at(n);
    let children: Vec<usize> = b
        .children(n)
        .iter()
        .map(|&k| k as usize)
        .filter(|&k| full || c.items[k].public)
        .collect();
    let (mut supports, mut supported_by) = st.store.links(&plan, &code).await?;
    if !full {
        supports.retain(|x| x.public);
        supported_by.retain(|x| x.public);
    }
    let link = |code: &str| item_href(&plan, code);
    let head = html! {
        p.crumbs {
            @if let Some(p) = &i.parent {
                @if let Some(pi) = c.item(&b, p.as_str()).filter(|pi| full || pi.public) {
                    a href=(link(p.as_str())) { span.code { (p) } " " (l.pick(&pi.title)) } " › "
                }
            }
            (kind(l, &c.plan, i)) " · " span.code { (i.code) }
        }
        h1 { (l.pick(&i.title)) }
        @if !l.pick(&i.extra.description).is_empty() { p { (l.pick(&i.extra.description)) } }
        p.kv {
            span { (row_progress(l, &b, n)) }
            span { (status(l, r.status)) }
        }
    };
    // A person by name and post ("靳磊（市长）"), or by code when the plan does not name them.
    let person = |code: &str| match c.people.get(code) {
        Some(p) if !l.pick(&p.post).is_empty() => {
            format!("{}（{}）", l.pick(&p.name), l.pick(&p.post))
        }
        Some(p) => l.pick(&p.name).to_string(),
        None => code.to_string(),
    };
    // The newest baseline: a date moved since shows beside the date (the office's view).
    let baseline = if full {
        tuijin_store::BaselineStore::baseline_of_item(&st.store, &plan, &code).await?
    } else {
        None
    };
    let slip = baseline
        .as_ref()
        .and_then(|(_, b)| b.as_ref())
        .and_then(|b| tuijin_core::baseline::slip(b, i));
    let moved = |m: Option<tuijin_core::baseline::DateMove>| {
        html! {
            @if let (Some(m), Some((b, _))) = (m, &baseline) {
                @let date = m.baseline.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
                " " a.slip href={ "/plans/" (plan) "/baselines" } title=(b.name) {
                    @match m.days {
                        Some(n) => (l.f("item.slip_days", &[("date", &date), ("days", &format!("{}{n}", if n > 0 { "+" } else { "" }))])),
                        None => (l.f("item.slip", &[("date", &date)])),
                    }
                }
            }
        }
    };
    let facts = html! {
        dl.facts {
            dt { (l.t("col.lead")) } dd { (unit(l, &c, i.lead.as_ref())) }
            @if !i.co.is_empty() {
                dt { (l.t("col.co")) }
                dd { @for (k, u) in i.co.iter().enumerate() { @if k > 0 { "、" } (unit(l, &c, Some(u))) } }
            }
            @if full {
                @if let Some(p) = &i.extra.leader { dt { (l.t("col.leader")) } dd { (person(p.as_str())) } }
                @if let Some(p) = &i.extra.leader_in_charge { dt { (l.t("col.leader_in_charge")) } dd { (person(p.as_str())) } }
            }
            @if let Some(d) = i.start { dt { (l.t("col.start")) } dd { (d) (moved(slip.as_ref().and_then(|s| s.start))) } }
            @if let Some(d) = i.due { dt { (l.t("col.due")) } dd { (d) (moved(slip.as_ref().and_then(|s| s.due))) } }
            @if let Some((b, None)) = &baseline {
                dt { (l.t("item.baseline")) } dd { a href={ "/plans/" (plan) "/baselines" } { (l.f("item.added_since", &[("name", &b.name)])) } }
            }
            @if let Some(t) = &i.extra.target {
                dt { (l.t("col.target")) }
                dd { (fmt1(t.value)) " " (super::widgets::unit_of_measure(l, &t.unit)) @if let Some(by) = t.by { " (" (by) ")" } }
            }
            @if i.three_ones { dt { (l.t("item.delivery")) } dd { (l.t("item.three_ones")) } }
        }
    };
    let source = html! {
        @if let Some(src) = &i.extra.source {
            h2 { (l.t("item.source")) }
            blockquote lang="zh-CN" { (src) }
            p.small.muted { (l.pick(&c.plan.source.title)) @if let Some(d) = c.plan.source.date { " · " (d) } }
        }
    };
    let kids = html! {
        @if !children.is_empty() {
            h2 { (l.t("item.children")) }
            div.tablewrap { table {
                thead { tr { th { (l.t("col.item")) } th { (l.t("col.progress")) } th { (l.t("col.status")) } @if full { th.num { (l.t("col.weight")) } } } }
                tbody { @for &k in &children {
                    tr {
                        td { a href=(link(c.items[k].code.as_str())) { span.code { (c.items[k].code) } " " (l.pick(&c.items[k].title)) } }
                        td { (row_progress(l, &b, k)) }
                        td { (status(l, b.status(k))) }
                        @if full { td.num { (fmt1(c.items[k].weight.value())) } }
                    }
                } }
            } }
        }
    };
    let links = html! {
        @if !supports.is_empty() {
            h2 { (l.t("item.supports")) }
            ul { @for x in &supports { li { a href=(link(x.code.as_str())) { span.code { (x.code) } " " (l.pick(&x.title)) } } } }
        }
        @if !supported_by.is_empty() {
            h2 { (l.t("item.supported_by")) }
            ul { @for x in &supported_by { li { a href=(link(x.code.as_str())) { span.code { (x.code) } " " (l.pick(&x.title)) } } } }
        }
    };
    // The item's target indicator: its path and its actuals, with their sources.
    let indicator = match i.extra.target.as_ref().and_then(|t| t.indicator.as_ref()) {
        Some(code) => st
            .store
            .list_indicators(&plan)
            .await?
            .into_iter()
            .find(|x| &x.code == code && (full || x.public)),
        None => None,
    };
    let indicator_section = match &indicator {
        Some(ind) => {
            let actuals = st.store.indicator_actuals(&plan, ind.code.as_str()).await?;
            let expected_now = ind.expected_at(today);
            html! {
                h2 { (l.t("item.indicator")) ": " (l.pick(&ind.name)) " (" (super::widgets::unit_of_measure(l, &ind.unit)) ")" }
                p {
                    @if let (Some(b), Some(y)) = (ind.baseline, ind.baseline_year) {
                        (l.t("portal.baseline")) " " (fmt1(b)) " (" (y) ")"
                    }
                    @for t in &ind.targets { " · " (l.t("portal.targets")) " " (t.year) ": " (fmt1(t.value)) }
                    @if let Some(e) = expected_now { " · " (l.f("item.indicator_expected", &[("date", &today), ("v", &fmt1(e))])) }
                }
                @if actuals.is_empty() { p { (l.t("item.no_actuals")) } }
                @else {
                    div.tablewrap { table {
                        thead { tr { th { (l.t("col.period")) } th.num { (l.t("item.actual")) } th.num { (l.t("item.path")) } th { (l.t("item.actual_source")) } } }
                        tbody { @for a in &actuals {
                            tr {
                                td { (a.period) }
                                td.num { (fmt1(a.value.value())) }
                                td.num { @if let Some(e) = ind.expected_at(a.period_end) { (fmt1(e)) } }
                                td.small { (a.source) }
                            }
                        } }
                    } }
                }
            }
        }
        None => html! {},
    };
    if !full {
        let body = html! { (head) (facts) (indicator_section) (source) (kids) (links) };
        return Ok(layout(
            &st,
            &v,
            Some(&plan),
            Section::Portal,
            l.pick(&i.title),
            body,
        ));
    }

    // The explanation of the figures.
    let shares: Vec<ChildShare> = b
        .children(n)
        .iter()
        .map(|&k| k as usize)
        .map(|k| ChildShare {
            code: c.items[k].code.to_string(),
            title: l.pick(&c.items[k].title).to_string(),
            weight: c.items[k].weight.value(),
            cancelled: b.is_out(k),
            progress: b.progress(k),
        })
        .collect();
    let e = explain(
        r.progress,
        b.is_out(n),
        i.rollup.unwrap_or(c.plan.rollup),
        i.extra.manual.as_ref().map(|m| m.reason.as_str()),
        shares,
        i.start,
        i.due,
        b.path(n).as_ref(),
        today,
        c.plan.thresholds,
    )
    .measured(b.measured(n))
    .shared(!i.extra.shares.is_empty())
    .from_indicator(i, &c.measures, today);
    let source_key = match &e.source {
        ProgressSource::Manual { .. } => "explain.source.manual",
        ProgressSource::Children => "explain.source.children",
        ProgressSource::Report => "explain.source.report",
        ProgressSource::Shares => "explain.source.shares",
        ProgressSource::Indicator { .. } => "explain.source.indicator",
        ProgressSource::Served => "explain.source.served",
        ProgressSource::Nothing => "explain.source.nothing",
    };
    let measured = b.is_apart(n) && !b.is_out(n);
    let explanation = html! {
        h2 #explain { (l.t("item.explain")) }
        @if measured {
            // Measured, not reported: by its indicator, or by what serves it.
            @match b.attainment(n) {
                Some(tuijin_core::Attainment::Achieved { on, value }) => p { (l.f("explain.measured.achieved", &[("date", &on), ("value", &fmt1(value))])) " → " (status(l, e.status.status)) },
                Some(tuijin_core::Attainment::Towards { on, value, .. }) => p { (l.f("explain.measured.towards", &[("date", &on), ("value", &fmt1(value))])) " → " (status(l, e.status.status)) },
                Some(tuijin_core::Attainment::NoFigure) => p { (l.t("explain.measured.no_figure")) " → " (status(l, e.status.status)) },
                None => p { (l.t("explain.measured.served")) " → " (status(l, e.status.status)) },
            }
        } @else {
        p {
            (l.t(source_key))
            @if let ProgressSource::Manual { reason } = &e.source { " " q { (reason) } }
            @if let ProgressSource::Indicator { indicator, value, on, baseline, target, unit } = &e.source {
                @let uom = super::widgets::unit_of_measure(l, unit);
                " "
                @match (value, on) {
                    (Some(v), Some(d)) => (l.f("explain.indicator_figure", &[
                        ("value", &format!("{} {uom}", fmt1(*v))), ("on", d),
                        ("baseline", &fmt1(*baseline)), ("target", &format!("{} {uom}", fmt1(*target))),
                    ])),
                    _ => (l.t("explain.indicator_none")),
                }
                " " a href={ "/plans/" (plan) "/indicators/" (indicator) } { (l.t("ind.title")) }
            }
        }
        p {
            (l.f("explain.figures", &[
                ("date", &today),
                ("p", &e.status.progress.map(|p| format!("{}%", fmt1(p))).unwrap_or_else(|| l.t("progress.unknown").into())),
                ("e", &e.status.expected.map(|p| format!("{}%", fmt1(p))).unwrap_or_else(|| "—".into())),
            ]))
            @match e.status.gap {
                Some(g) if g < 0.0 => { " " (l.f("explain.ahead", &[("g", &fmt1(-g))])) }
                Some(g) => { " " (l.f("explain.gap", &[("g", &fmt1(g))])) }
                None => {}
            }
            @if let Some(t) = e.status.threshold { " " (l.f("explain.threshold", &[("t", &fmt1(t))])) }
            " → " (status(l, e.status.status))
        }
        }
        @if r.progress.unknown_share > 0.0 && r.progress.percent.is_some() {
            p.notice { (l.f("explain.unknown", &[("s", &format!("{:.0}", r.progress.unknown_share * 100.0))])) }
        }
        @if let Some(a) = b.aligned(n) {
            p { (l.t("explain.aligned")) " " (progress(l, a.percent, a.unknown_share, None)) }
        }
    };

    let history = st.store.item_history(&plan, &code).await?;
    let chart = crate::charts::trajectory(l, i, b.path(n).as_ref(), &history, today);
    let mut reports = st
        .store
        .list_reports(
            &ReportFilter {
                plan: Some(plan.clone()),
                item: Some(code.clone()),
                ..Default::default()
            },
            100,
        )
        .await?;
    // The reports the viewer may read: the policy decides, as it does for the API.
    reports.retain(|rep| {
        v.allowed(Action::ReadReport {
            unit: rep.unit.as_str(),
            accepted: rep.state == tuijin_core::report::ReportState::Accepted,
        })
    });
    reports.sort_by(|a, b| b.period.cmp(&a.period).then(b.id.cmp(&a.id)));
    // Their evidence (佐证材料), downloadable by the same readers.
    let ids: Vec<i64> = reports.iter().map(|r| r.id).collect();
    let mut files: std::collections::HashMap<i64, Vec<tuijin_store::EvidenceRecord>> =
        std::collections::HashMap::new();
    for e in tuijin_store::EvidenceStore::evidence_of_reports(&st.store, &ids).await? {
        if let Some(r) = e.report {
            files.entry(r).or_default().push(e);
        }
    }
    // The item's own warnings, open and cleared; warnings below explain a parent's lag, and
    // the item shows how many (counted to a cap: "1000+" at the top of a large plan).
    let warnings = st
        .store
        .list_warnings(
            &WarningFilter {
                plan: Some(plan.clone()),
                item: Some(code.clone()),
                include_cleared: true,
                ..Default::default()
            },
            100,
        )
        .await?;
    let below = st
        .store
        .open_warnings_below(&plan, &code, BELOW_CAP)
        .await?;
    let below_text = if below > BELOW_CAP {
        format!("{BELOW_CAP}+")
    } else {
        below.to_string()
    };
    // Each unit's latest accepted figure: the lead's, and what the others contribute.
    let mut latest_by_unit = st
        .store
        .contributions(&plan, std::slice::from_ref(&code))
        .await?;
    if let Some(lead) = reports.iter().find(|r| {
        r.state == tuijin_core::report::ReportState::Accepted
            && i.lead.as_ref().is_some_and(|u| *u == r.unit)
    }) {
        latest_by_unit.insert(0, lead.clone());
    }
    let notes = tuijin_store::BaselineStore::notes_of(&st.store, &plan, &code).await?;
    let mut events = st.store.item_timeline(&plan, &code, 50).await?;
    events.retain(|e| crate::auth::may_see_event(&v.who, e));
    let can_report = v.who.role == Role::Unit
        && v.who.units.iter().any(|u| {
            v.allowed(Action::WriteReport {
                unit: u.as_str(),
                item: i.code.as_str(),
                relation: Relation::of(u.as_str(), i.lead.as_ref(), &i.co),
            })
        });
    let period = Period::containing(c.plan.cadence, today);
    let body = html! {
        (head)
        @if can_report {
            p.kv { a.button href={ "/workspace/report/" (plan) "/" (code) } { (l.f("item.report_now", &[("period", &period)])) }
                @if v.who.units.iter().any(|u| i.lead.as_ref().is_some_and(|l| l.as_str() == u.as_str())) {
                    " " a.button href={ "/plans/" (plan) "/items/" (super::urlencode(&code)) "/request" } { (l.t("request.title")) }
                } }
        }
        @if v.allowed(Action::IssueNotice) || v.allowed(Action::EditPlan) {
            p.kv {
                @if v.allowed(Action::IssueNotice) {
                    a.button href={ "/plans/" (plan) "/notices/new?item=" (super::urlencode(&code)) } { (l.t("item.issue_notice")) }
                }
                @if v.allowed(Action::EditPlan) {
                    " " a.button href={ "/plans/" (plan) "/items/" (super::urlencode(&code)) "/edit" } { (l.t("item.edit")) }
                    @if i.kind != tuijin_core::ItemKind::Milestone {
                        " " a.button href={ "/plans/" (plan) "/items/" (super::urlencode(&code)) "/new" } { (l.t("item.add_child")) }
                    }
                }
            }
        }
        (facts)
        (explanation)
        (indicator_section)
        @if let Some(svg) = chart {
            h2 { (l.t("item.trajectory")) }
            figure {
                div role="img" aria-label=(l.t("item.trajectory_alt")) { (PreEscaped(svg)) }
            }
        }
        (source)
        (kids)
        (links)
        // Only an item that takes reports: a parent's figure is its children's.
        @if !i.co.is_empty() && b.children(n).iter().all(|&k| b.is_out(k as usize)) {
            h2 #contributions { (l.t("item.contributions")) }
            p.muted.small { (l.t(if i.extra.shares.is_empty() { "item.contributions_help" } else { "item.contributions_shared" })) }
            div.tablewrap { table {
                thead { tr { th { (l.t("col.unit")) } th { (l.t("col.our_role")) } th.num { (l.t("item.share")) } th { (l.t("col.period")) } th.num { (l.t("col.percent")) } } }
                tbody { @for u in i.lead.iter().chain(i.co.iter()) {
                    @let rep = latest_by_unit.iter().find(|r| r.unit == *u);
                    @let share = i.extra.shares.iter().find(|s| s.unit == *u);
                    @let is_lead = i.lead.as_ref() == Some(u);
                    tr {
                        td { (c.unit_name(u.as_str()).map(|t| l.pick(t).to_string()).unwrap_or_else(|| u.to_string())) }
                        td { (l.t(if is_lead { "relation.lead" } else { "relation.co" })) }
                        td.num { @match share {
                            Some(s) => { (fmt1(s.percent.value())) "%" }
                            None if i.extra.shares.is_empty() && is_lead => "100%",
                            None => span.muted { (l.t("item.not_counted")) },
                        } }
                        td { @match rep { Some(r) => (r.period), None => span.muted { (l.t("workspace.not_yet")) } } }
                        td.num { @if let Some(p) = rep.and_then(|r| r.percent) { (fmt1(p.value())) "%" } }
                    }
                } }
            } }
        }
        h2 { (l.t("item.reports")) }
        @if reports.is_empty() { p { (l.t("item.no_reports")) } }
        @else {
            div.tablewrap { table {
                thead { tr { th { (l.t("col.period")) } th { (l.t("col.unit")) } th.num { (l.t("col.percent")) } th { (l.t("col.state")) } th { (l.t("col.narrative")) } } }
                tbody { @for rep in &reports {
                    tr id={ "report-" (rep.id) } {
                        td { (rep.period) }
                        td { (c.unit_name(rep.unit.as_str()).map(|t| l.pick(t).to_string()).unwrap_or_else(|| rep.unit.to_string())) }
                        td.num { @if let Some(p) = rep.percent { (fmt1(p.value())) "%" } }
                        td { (l.t(super::report_state_key(rep.state))) }
                        td {
                            (rep.narrative)
                            @if !rep.problems.is_empty() { br; span.small { (l.t("col.problems")) ": " (rep.problems) } }
                            @if !rep.figures.is_empty() { br; span.small { (l.t("col.figures")) ": " @for f in &rep.figures { (f.indicator) " " (fmt1(f.value.value())) " " } } }
                            @if !rep.review_comment.is_empty() { br; span.small.muted { (l.t("col.review_comment")) ": " (rep.review_comment) } }
                            @if let Some(fs) = files.get(&rep.id) { (super::evidence::list(l, fs)) }
                        }
                    }
                } }
            } }
        }
        h2 { (l.t("item.warnings")) }
        @if below > 0 {
            p { a href={ "/plans/" (plan) "/warnings?branch=" (code) } { (l.f("item.warnings_below", &[("n", &below_text)])) } }
        }
        @if warnings.is_empty() { p { (l.t("item.no_warnings")) } }
        ul { @for w in &warnings {
            li {
                (l.t(warning_key(w.kind))) " · " (l.t(severity_key(w.severity))) " · " (w.raised_on)
                @if let Some(cl) = w.cleared_on { " → " (l.f("item.cleared_on", &[("date", &cl)])) }
                br; span.small.muted { (tuijin_core::warning::render_details(&w.details, l)) }
            }
        } }
        h2 #notes { (l.t("item.notes")) }
        @if notes.is_empty() { p.muted { (l.t("item.no_notes")) } }
        ul.notes { @for n in &notes {
            li class=(if n.instruction { "instruction" } else { "note" }) {
                @if n.instruction { strong { (l.t("item.instruction")) } " " }
                span.pre { (n.text) } br;
                span.small.muted { (super::widgets::local_time(c.plan.tz(), n.at)) " · " (n.author) }
                @if n.instruction && v.allowed(Action::IssueNotice) {
                    " · " a.small href={ "/plans/" (plan) "/notices/new?item=" (super::urlencode(&code)) "&note=" (n.id) } { (l.t("item.notice_from_instruction")) }
                }
            }
        } }
        @if v.allowed(Action::AddNote) {
            form.act method="post" action={ "/plans/" (plan) "/items/" (super::urlencode(&code)) "/notes" } {
                input type="hidden" name="csrf" value=(v.csrf());
                label { (l.t(if v.who.role == Role::Leader { "item.add_instruction" } else { "item.add_note" }))
                    textarea name="text" required maxlength=(tuijin_store::NOTE_MAX_CHARS) {} }
                button type="submit" { (l.t("item.save_note")) }
            }
        }
        h2 { (l.t("item.history")) }
        (timeline(l, c.plan.tz(), &events))
    };
    Ok(layout(
        &st,
        &v,
        Some(&plan),
        Section::Tree,
        l.pick(&i.title),
        body,
    ))
}

pub(super) fn timeline(
    l: crate::i18n::Lang,
    tz: chrono_tz::Tz,
    events: &[tuijin_store::Event],
) -> Markup {
    html! {
        ol.small {
            @for e in events {
                li {
                    time datetime=(e.at.to_rfc3339()) { (super::widgets::local_time(tz, e.at)) }
                    " · " (e.actor) " · "
                    (l.lookup(&e.kind.message_key()).unwrap_or(e.kind.as_str()))
                    // What an edit did: its action, and the fields it changed.
                    @if let Some(a) = e.after.as_ref().and_then(|a| a.get("action")).and_then(|a| a.as_str()) {
                        "（" (l.lookup(&format!("edit.action.{a}")).unwrap_or(a)) "）"
                    }
                    @let changed = changed_fields(e);
                    @if !changed.is_empty() { " " span.muted { (changed.join("；")) } }
                    // An edit's reason, a dismissal's, a figure's: what the trail says why.
                    @if let Some(t) = e.after.as_ref().and_then(|a| a.get("text")).and_then(|t| t.as_str()).filter(|t| !t.is_empty()) {
                        " — " q { (t) }
                    }
                }
            }
        }
    }
}

/// The fields an update changed, `field: before → after`, at most six.
fn changed_fields(e: &tuijin_store::Event) -> Vec<String> {
    // An item edit keeps the item under `item`; a unit's, person's or settings edit keeps the
    // record itself beside its `text`.
    let (Some(before), Some(after)) = (
        e.before.as_ref().and_then(|b| b.as_object()),
        e.after
            .as_ref()
            .map(|a| a.get("item").unwrap_or(a))
            .and_then(|a| a.as_object()),
    ) else {
        return Vec::new();
    };
    let show = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Object(o)) if o.contains_key("zh") => {
            o["zh"].as_str().unwrap_or("").to_string()
        }
        Some(v) => v.to_string(),
    };
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !["text", "action", "archived"].contains(&k.as_str()))
        .filter(|k| before.get(*k) != after.get(*k))
        .take(6)
        .map(|k| {
            let cut = |s: String| {
                if s.chars().count() > 40 {
                    format!("{}…", s.chars().take(40).collect::<String>())
                } else {
                    s
                }
            };
            format!(
                "{k}: {} → {}",
                cut(show(before.get(k))),
                cut(show(after.get(k)))
            )
        })
        .collect()
}

/// An archived item: what it was, that it left the plan, and its history (reports kept).
async fn archived(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    code: &str,
) -> Result<Html<String>, PageError> {
    let l = v.lang;
    let r = tuijin_store::ItemStore::get_item(&st.store, plan, code)
        .await
        .map_err(|_| PageError::not_found(code.to_string()))?;
    if !r.archived {
        return Err(PageError::not_found(code.to_string()));
    }
    let c = st.plans.get(&st.store, plan).await?;
    let mut events = st.store.item_timeline(plan, code, 50).await?;
    events.retain(|e| crate::auth::may_see_event(&v.who, e));
    let i = &r.item;
    let body = html! {
        h1 { span.code { (code) } " " (l.pick(&i.title)) }
        div.notice role="status" { (l.t("item.archived_note")) }
        dl.kv {
            dt { (l.t("edit.kind")) } dd { (l.t(super::kind_key(i.kind))) }
            @if let Some(p) = &i.parent { dt { (l.t("item.was_under")) } dd { a href=(item_href(plan, p.as_str())) { span.code { (p) } } } }
            @if let Some(u) = &i.lead { dt { (l.t("col.lead")) } dd { (c.unit_name(u.as_str()).map(|t| l.pick(t).to_string()).unwrap_or_else(|| u.to_string())) } }
            @if let Some(d) = i.due { dt { (l.t("col.due")) } dd { (d) } }
        }
        h2 { (l.t("item.history")) }
        (timeline(l, c.plan.tz(), &events))
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Tree,
        l.pick(&i.title),
        body,
    ))
}
