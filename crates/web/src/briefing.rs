//! Briefings (工作简报) filled from the store: every figure is read as it stood on the
//! briefing's as-of day — progress from the progress history (a report counts from the day it
//! was accepted), warnings raised by then and not yet cleared, notices by their dates and
//! reply rounds, indicator figures as known then, the assessment published by then — never
//! from today's state, so the 2019-Q3 briefing says the same thing whenever it is made.
//! The plan's items, unit names and indicator definitions too are as they stood then: changes
//! made since (an item added, retitled, moved or archived; a unit renamed; an indicator
//! re-targeted) are undone from the history of events (`core::rewind`).
//!
//! The document itself is `tuijin_core::briefing::Brief`; `html` writes it as a page of its
//! own, `tuijin_export::brief` as Markdown, DOCX and PDF.

mod html;
mod measures;
mod sections;

pub use html::html;

use chrono::NaiveDate;
use tuijin_core::board::Board;
use tuijin_core::briefing::{Brief, BriefPeriod, as_of_day};
use tuijin_core::i18n::Lang;
use tuijin_core::problem::{Problem, Rule};
use tuijin_store::ProgressStore;

use crate::AppState;
use crate::cache::CachedPlan;
use crate::error::ApiError;

/// What a briefing is asked for with.
#[derive(Clone, Debug)]
pub struct BriefRequest {
    pub plan: String,
    pub period: BriefPeriod,
    /// The day the figures are taken on; the period's last day when absent.
    pub as_of: Option<NaiveDate>,
    pub lang: Lang,
}

/// Builds the briefing for `req`: refused (with the field named) for a day before the
/// period's end or after today.
pub async fn build(st: &AppState, req: &BriefRequest) -> Result<Brief, ApiError> {
    let current = st.plans.get(&st.store, &req.plan).await?;
    let l = req.lang;
    let today = st.today(&current.plan);
    let as_of = as_of_day(req.period, req.as_of, today).map_err(|e| {
        let rule = match e {
            tuijin_core::briefing::AsOfError::BeforeEnd { .. } => Rule::BriefBeforePeriodEnd,
            tuijin_core::briefing::AsOfError::Future { .. } => Rule::BriefInFuture,
        };
        ApiError::invalid(Problem::new("as_of", rule).with("date", period_end_arg(req, today)))
    })?;
    let c = plan_as_of(st, &req.plan, &current, as_of).await?;
    // "Since the last briefing": from the day before the period began (the previous
    // period's end) to the as-of day.
    let since = req.period.previous().last_day();
    // Items archived since are part of the plan as it stood: their figures of then count.
    let now = st.store.plan_progress_then(&req.plan, as_of).await?;
    let then = st.store.plan_progress_then(&req.plan, since).await?;
    let board = Board::build(&c.judged, &now, as_of, c.plan.thresholds, &c.measures);
    let before = Board::build(&c.judged, &then, since, c.plan.thresholds, &c.measures);
    let ctx = sections::Ctx {
        st,
        l,
        c: &c,
        plan: &req.plan,
        period: req.period,
        as_of,
        since,
        board: &board,
        before: &before,
        now: &now,
        then: &then,
    };
    let mut sections = Vec::new();
    let overview = sections::overview(&ctx).await?;
    sections.push(overview);
    sections.push(sections::progress(&ctx));
    sections.push(sections::movement(&ctx).await?);
    sections.push(sections::warnings(&ctx).await?);
    if let Some(s) = sections::notices(&ctx).await? {
        sections.push(s);
    }
    if let Some(s) = measures::indicators(&ctx).await? {
        sections.push(s);
    }
    if let Some(s) = measures::ranking(&ctx).await? {
        sections.push(s);
    }
    // Numbered headings: 一、二、… in Chinese, 1. 2. … in English.
    for (k, s) in sections.iter_mut().enumerate() {
        s.heading = format!("{}{}", number(l, k + 1), s.heading);
    }
    let cadence = req.period.cadence();
    Ok(Brief {
        lang: l.code().into(),
        plan: req.plan.clone(),
        period: req.period,
        cadence,
        as_of,
        since,
        title: l.f("brief.title", &[("plan", &l.pick(&c.plan.title))]),
        subtitle: format!(
            "{} · {}",
            period_words(l, req.period),
            l.t(cadence_key(cadence))
        ),
        issued: l.f("brief.issued", &[("date", &as_of)]),
        contents: l.t("brief.contents").into(),
        sections,
    })
}

/// The plan as it stood at the end of `day`: its items, unit names and indicator definitions
/// with every change made after it undone (`core::rewind`) — an item added since is not there,
/// one retitled or moved since reads as it did, one archived since is back; a unit renamed
/// since has its old name; an indicator re-targeted since its old targets. The current plan
/// when nothing changed.
async fn plan_as_of(
    st: &AppState,
    plan: &str,
    current: &std::sync::Arc<CachedPlan>,
    day: NaiveDate,
) -> Result<std::sync::Arc<CachedPlan>, ApiError> {
    use tuijin_core::rewind::{entries_before, items_before};
    use tuijin_store::{BaselineStore, EventStore};
    let end = tuijin_core::clock::local_instant(
        day + chrono::Duration::days(1),
        chrono::NaiveTime::MIN,
        current.plan.tz(),
    );
    let changes = st.store.item_changes_after(plan, end).await?;
    let directory = st.store.directory_changes_after(plan, end).await?;
    let order = st.store.order_after(plan, end).await?;
    if changes.is_empty()
        && directory.units.is_empty()
        && directory.indicators.is_empty()
        && order.is_none()
    {
        return Ok(current.clone());
    }
    let mut items = items_before(&current.items, &changes);
    if let Some(order) = order {
        tuijin_core::rewind::reorder(&mut items, &order);
    }
    let judged = st
        .store
        .judged_dates(plan)
        .await?
        .map(|dates| tuijin_core::baseline::judged(&items, &dates));
    // Unit names: those renamed since read as they were (a unit is its name here).
    let mut units = (*current.units).clone();
    for (code, before) in directory.units.iter().rev() {
        match before {
            Some(u) => units.insert(code.to_string(), u.name.clone()),
            None => units.remove(code.as_str()),
        };
    }
    // Indicators: their definitions of then, with the figures they have (the figures known by
    // the day are chosen where they are read); one archived since is not brought back.
    let now: Vec<(tuijin_core::Code, tuijin_core::Indicator)> = current
        .measures
        .indicators
        .values()
        .map(|(i, _)| (i.code.clone(), i.clone()))
        .collect();
    let mut measures = tuijin_core::Measures::default();
    for (code, def) in entries_before(&now, &directory.indicators) {
        if let Some((_, figures)) = current.measures.indicators.get(code.as_str()) {
            measures
                .indicators
                .insert(code.to_string(), (def, figures.clone()));
        }
    }
    Ok(std::sync::Arc::new(
        current.as_it_stood(items, judged, units, measures),
    ))
}

/// The briefing written in `format`: the bytes of the file.
pub fn render(
    b: &Brief,
    format: tuijin_export::brief::BriefFormat,
) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    use tuijin_export::brief::{BriefFormat, docx, markdown, pdf};
    Ok(match format {
        BriefFormat::Md => markdown(b).into_bytes(),
        BriefFormat::Html => html(b).into_bytes(),
        BriefFormat::Docx => docx(b)?,
        BriefFormat::Pdf => pdf(b)?,
    })
}

fn period_end_arg(req: &BriefRequest, today: NaiveDate) -> String {
    match req.as_of {
        Some(d) if d < req.period.last_day() => req.period.last_day().to_string(),
        _ => today.to_string(),
    }
}

/// The i18n key of a cadence's name (周调度, 月通报, 季推进, 年考评).
pub fn cadence_key(c: tuijin_core::briefing::BriefCadence) -> &'static str {
    use tuijin_core::briefing::BriefCadence as C;
    match c {
        C::Weekly => "brief.cadence.weekly",
        C::Monthly => "brief.cadence.monthly",
        C::Quarterly => "brief.cadence.quarterly",
        C::Annual => "brief.cadence.annual",
    }
}

/// A period in words: 2019年第三季度, Q3 2019, 2019年第35周 …
pub fn period_words(l: Lang, p: BriefPeriod) -> String {
    match p {
        BriefPeriod::Week { year, week } => {
            l.f("brief.period.week", &[("year", &year), ("week", &week)])
        }
        BriefPeriod::Month { year, month } => {
            // A month's name: 6月, June.
            let name = l.lookup(&format!("month.{month}")).unwrap_or_default();
            l.f("brief.period.month", &[("year", &year), ("month", &name)])
        }
        BriefPeriod::Quarter { year, quarter } => {
            let q = match (l, quarter) {
                (Lang::Zh, 1) => "一".to_string(),
                (Lang::Zh, 2) => "二".to_string(),
                (Lang::Zh, 3) => "三".to_string(),
                (Lang::Zh, _) => "四".to_string(),
                (Lang::En, q) => q.to_string(),
            };
            l.f("brief.period.quarter", &[("year", &year), ("quarter", &q)])
        }
        BriefPeriod::Year { year } => l.f("brief.period.year", &[("year", &year)]),
    }
}

fn number(l: Lang, n: usize) -> String {
    const ZH: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    match l {
        Lang::Zh => format!("{}、", ZH.get(n - 1).copied().unwrap_or("十")),
        Lang::En => format!("{n}. "),
    }
}
