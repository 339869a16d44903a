//! Briefings (工作简报) in the browser: the office or a leader picks a cadence and a period,
//! the briefing renders in the background (a PDF of a large plan takes seconds), a page shows
//! how long it has been rendering and refreshes itself until the file is ready — no script,
//! like every page — then offers it for download.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use tuijin_core::briefing::{BriefCadence, BriefPeriod};
use tuijin_core::policy::Action;
use tuijin_core::problem::{Problem, Rule};
use tuijin_export::brief::BriefFormat;

use super::{PageError, Section, layout};
use crate::AppState;
use crate::briefing::{BriefRequest, build, cadence_key, period_words, render};
use crate::session::Viewer;

/// Finished briefings are kept this long for their download; each user keeps at most
/// `PER_USER` (their own oldest make room), the server at most `MAX_JOBS`; `AT_ONCE` render at
/// a time (typesetting takes a core and some hundred MB), the others wait their turn.
const KEEP: Duration = Duration::from_secs(30 * 60);
const PER_USER: usize = 8;
const MAX_JOBS: usize = 256;
const AT_ONCE: usize = 2;

enum State_ {
    Queued,
    Running,
    Done {
        bytes: Vec<u8>,
        name: String,
        format: BriefFormat,
    },
    Failed(String),
}

/// A briefing being rendered or done. Its id is a random 128-bit value; anyone who may read
/// briefings may follow it (they could make the same briefing themselves).
struct Job {
    user: String,
    plan: String,
    started: Instant,
    took: Option<Duration>,
    title: String,
    state: State_,
}

/// The briefings being rendered and those waiting for their download, by a random id.
pub struct BriefJobs {
    jobs: Mutex<HashMap<String, Job>>,
    turns: tokio::sync::Semaphore,
}

impl Default for BriefJobs {
    fn default() -> Self {
        BriefJobs {
            jobs: Mutex::default(),
            turns: tokio::sync::Semaphore::new(AT_ONCE),
        }
    }
}

impl BriefJobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn job_id() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the operating system gives randomness");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[derive(Deserialize, Default)]
pub struct BriefForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    cadence: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    lang: String,
}

/// The last period of `c` that has ended by `today`.
fn last_ended(c: BriefCadence, today: chrono::NaiveDate) -> BriefPeriod {
    let p = BriefPeriod::containing(c, today);
    if p.last_day() <= today {
        p
    } else {
        p.previous()
    }
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Query(q): Query<BriefForm>,
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadBriefing)?;
    let c = st.plans.get(&st.store, &plan).await?;
    let today = st.today(&c.plan);
    Ok(form_page(&st, &v, &plan, today, &q, &[]))
}

fn form_page(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    today: chrono::NaiveDate,
    f: &BriefForm,
    errors: &[(String, String)],
) -> Html<String> {
    let l = v.lang;
    let cadence = BriefCadence::parse(&f.cadence).unwrap_or(BriefCadence::Monthly);
    let period = if f.period.trim().is_empty() {
        last_ended(cadence, today).to_string()
    } else {
        f.period.clone()
    };
    let error = |field: &str| {
        errors
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, m)| m.clone())
    };
    let chosen_lang = if f.lang.is_empty() {
        l.code()
    } else {
        f.lang.as_str()
    };
    let body = html! {
        h1 { (l.t("brief.page_title")) }
        p.muted { (l.t("brief.page_help")) }
        section aria-labelledby="latest" {
            h2 #latest { (l.t("brief.latest")) }
            ul {
                @for c in [BriefCadence::Weekly, BriefCadence::Monthly, BriefCadence::Quarterly, BriefCadence::Annual] {
                    @let p = last_ended(c, today);
                    li { a href={ "/plans/" (plan) "/briefings?cadence=" (c.as_str()) "&period=" (p) } {
                        (l.t(cadence_key(c))) " · " (period_words(l, p)) } }
                }
            }
        }
        form.stack method="post" action={ "/plans/" (plan) "/briefings" } {
            input type="hidden" name="csrf" value=(v.csrf());
            @if !errors.is_empty() {
                div.errors role="alert" { ul { @for (_, m) in errors { li { (m) } } } }
            }
            div { label for="cadence" { (l.t("brief.cadence")) }
                select #cadence name="cadence" {
                    @for c in [BriefCadence::Weekly, BriefCadence::Monthly, BriefCadence::Quarterly, BriefCadence::Annual] {
                        option value=(c.as_str()) selected[c == cadence] { (l.t(cadence_key(c))) }
                    }
                } }
            div { label for="period" { (l.t("brief.period")) }
                input #period name="period" value=(period) required aria-invalid=[error("period").map(|_| "true")] aria-describedby="period-help";
                p #period-help .small.muted { (l.t("brief.period_help")) } }
            div { label for="as_of" { (l.t("brief.as_of")) }
                input #as_of name="as_of" type="date" value=(f.as_of) max=(today) aria-invalid=[error("as_of").map(|_| "true")] aria-describedby="as-of-help";
                p #as-of-help .small.muted { (l.t("brief.as_of_help")) } }
            div { label for="format" { (l.t("brief.format")) }
                select #format name="format" {
                    @for (fmt, key) in [(BriefFormat::Pdf, "brief.format.pdf"), (BriefFormat::Docx, "brief.format.docx"), (BriefFormat::Html, "brief.format.html"), (BriefFormat::Md, "brief.format.md")] {
                        option value=(fmt.as_str()) selected[f.format == fmt.as_str()] { (l.t(key)) }
                    }
                } }
            div { label for="lang" { (l.t("brief.lang")) }
                select #lang name="lang" {
                    option value="zh" selected[chosen_lang == "zh"] { "中文" }
                    option value="en" selected[chosen_lang == "en"] { "English" }
                } }
            div { button type="submit" { (l.t("brief.generate")) } }
        }
    };
    layout(
        st,
        v,
        Some(plan),
        Section::Briefings,
        l.t("brief.page_title"),
        body,
    )
}

pub async fn start(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<BriefForm>,
) -> Result<Response, PageError> {
    v.require(Action::ReadBriefing)?;
    v.check_csrf(&f.csrf)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let today = st.today(&c.plan);
    let mut errors = Vec::new();
    let cadence = BriefCadence::parse(&f.cadence);
    let period = match BriefPeriod::parse(&f.period, cadence) {
        Ok(p) => Some(p),
        Err(e) => {
            let rule = match e {
                tuijin_core::briefing::BriefPeriodError::Form(_) => Rule::BriefPeriodFormat,
                tuijin_core::briefing::BriefPeriodError::Cadence { .. } => {
                    Rule::BriefCadenceMismatch
                }
            };
            errors.push((
                "period".to_string(),
                Problem::new("period", rule).message(l),
            ));
            None
        }
    };
    let as_of = match f.as_of.trim() {
        "" => None,
        s => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push((
                    "as_of".into(),
                    Problem::new("as_of", Rule::DateFormat).message(l),
                ));
                None
            }
        },
    };
    let format = match f.format.trim() {
        "" => Some(BriefFormat::Pdf),
        s => BriefFormat::parse(s),
    };
    if format.is_none() {
        errors.push((
            "format".into(),
            Problem::new("format", Rule::NotOneOf)
                .with("value", &f.format)
                .with("allowed", "pdf, docx, html, md")
                .message(l),
        ));
    }
    let lang = match f.lang.trim() {
        "" => Some(l),
        s => tuijin_core::i18n::Lang::parse(s),
    };
    if lang.is_none() {
        errors.push((
            "lang".into(),
            Problem::new("lang", Rule::NotOneOf)
                .with("value", &f.lang)
                .with("allowed", "zh, en")
                .message(l),
        ));
    }
    if let (Some(p), true) = (period, errors.is_empty())
        && let Err(e) = tuijin_core::briefing::as_of_day(p, as_of, today)
    {
        let (rule, date) = match e {
            tuijin_core::briefing::AsOfError::BeforeEnd { end } => {
                (Rule::BriefBeforePeriodEnd, end)
            }
            tuijin_core::briefing::AsOfError::Future { today, .. } => (Rule::BriefInFuture, today),
        };
        errors.push((
            "as_of".into(),
            Problem::new("as_of", rule).with("date", date).message(l),
        ));
    }
    let (Some(period), Some(format), Some(lang), true) = (period, format, lang, errors.is_empty())
    else {
        let page = form_page(&st, &v, &plan, today, &f, &errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let id = job_id();
    let title = format!(
        "{} · {}",
        period_words(lang, period),
        lang.t(cadence_key(period.cadence()))
    );
    {
        let mut jobs = st.briefs.lock();
        jobs.retain(|_, j| j.started.elapsed() < KEEP);
        // A user makes room among their own briefings only, oldest finished first; a server
        // full of briefings refuses more for a while rather than drop anyone's.
        let me = v.who.name.as_str();
        while jobs.values().filter(|j| j.user == me).count() >= PER_USER {
            let oldest = jobs
                .iter()
                .filter(|(_, j)| {
                    j.user == me && !matches!(j.state, State_::Queued | State_::Running)
                })
                .min_by_key(|(_, j)| j.started)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => {
                    jobs.remove(&k);
                }
                None => break,
            }
        }
        if jobs.len() >= MAX_JOBS || jobs.values().filter(|j| j.user == me).count() >= PER_USER {
            drop(jobs);
            let page = form_page(
                &st,
                &v,
                &plan,
                today,
                &f,
                &[("".into(), l.t("brief.busy").into())],
            );
            return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
        }
        jobs.insert(
            id.clone(),
            Job {
                user: v.who.name.clone(),
                plan: plan.clone(),
                started: Instant::now(),
                took: None,
                title,
                state: State_::Queued,
            },
        );
    }
    let req = BriefRequest {
        plan: plan.clone(),
        period,
        as_of,
        lang,
    };
    let st2 = st.clone();
    let id2 = id.clone();
    tokio::spawn(async move {
        // One of `AT_ONCE` turns; the page says it waits until then.
        let Ok(_turn) = st2.briefs.turns.acquire().await else {
            return;
        };
        if let Some(j) = st2.briefs.lock().get_mut(&id2) {
            j.state = State_::Running;
        }
        let outcome = match build(&st2, &req).await {
            Ok(b) => {
                let name = format!("{}.{}", b.file_stem(), format.as_str());
                // Typesetting is CPU work: off the async threads.
                match tokio::task::spawn_blocking(move || {
                    render(&b, format).map_err(|e| e.to_string())
                })
                .await
                {
                    Ok(Ok(bytes)) => State_::Done {
                        bytes,
                        name,
                        format,
                    },
                    Ok(Err(e)) => State_::Failed(e),
                    Err(e) => State_::Failed(e.to_string()),
                }
            }
            Err(e) => State_::Failed(format!("{e:?}")),
        };
        if let State_::Failed(e) = &outcome {
            tracing::warn!(error = %e, "a briefing failed");
        }
        if let Some(j) = st2.briefs.lock().get_mut(&id2) {
            j.took = Some(j.started.elapsed());
            j.state = outcome;
        }
    });
    Ok(Redirect::to(&format!("/briefings/{id}")).into_response())
}

/// The job's page: rendering (refreshing every second), ready, or failed.
pub async fn status(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    v.require(Action::ReadBriefing)?;
    let l = v.lang;
    let (plan, title, state, secs, size) = {
        let jobs = st.briefs.lock();
        let j = jobs
            .get(&id)
            .ok_or_else(|| PageError::not_found(l.t("brief.gone")))?;
        let secs = j.took.unwrap_or_else(|| j.started.elapsed()).as_secs_f64();
        let (state, size) = match &j.state {
            State_::Queued => ("queued", 0),
            State_::Running => ("running", 0),
            State_::Done { bytes, .. } => ("done", bytes.len()),
            State_::Failed(_) => ("failed", 0),
        };
        (j.plan.clone(), j.title.clone(), state, secs, size)
    };
    let body = html! {
        h1 { (l.t("brief.page_title")) }
        p { strong { (title) } }
        @match state {
            "queued" => {
                div.rendering role="status" aria-live="polite" {
                    span.spinner aria-hidden="true" {}
                    (l.t("brief.queued"))
                }
            }
            "running" => {
                div.rendering role="status" aria-live="polite" {
                    span.spinner aria-hidden="true" {}
                    (l.f("brief.rendering", &[("secs", &format!("{secs:.0}"))]))
                }
                p.small.muted { (l.t("brief.rendering_help")) }
            }
            "done" => {
                p role="status" { (l.f("brief.ready", &[("secs", &format!("{secs:.1}")), ("kb", &(size / 1024).max(1))])) }
                p { a.button href={ "/briefings/" (id) "/file" } download { (l.t("brief.download")) } }
            }
            _ => { p.errors role="alert" { (l.t("brief.failed")) } }
        }
        p { a href={ "/plans/" (plan) "/briefings" } { (l.t("brief.another")) } }
    };
    let mut resp = layout(
        &st,
        &v,
        Some(&plan),
        Section::Briefings,
        l.t("brief.page_title"),
        body,
    )
    .into_response();
    if matches!(state, "running" | "queued") {
        resp.headers_mut()
            .insert("refresh", header::HeaderValue::from_static("1"));
    }
    Ok(resp)
}

/// The finished file.
pub async fn file(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    v.require(Action::ReadBriefing)?;
    let jobs = st.briefs.lock();
    let j = jobs
        .get(&id)
        .ok_or_else(|| PageError::not_found(v.lang.t("brief.gone")))?;
    let State_::Done {
        bytes,
        name,
        format,
    } = &j.state
    else {
        return Ok(Redirect::to(&format!("/briefings/{id}")).into_response());
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.media_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes.clone(),
    )
        .into_response())
}
