//! The small parts every page uses: status badges, progress bars with the expected marker,
//! links to items, unit names, count cards.

use maud::{Markup, html};
use tuijin_core::VariantArray;
use tuijin_core::board::{Board, Counts, status_index};
use tuijin_core::{Item, Status, Text};

use super::{kind_key, status_key};
use crate::cache::CachedPlan;
use crate::i18n::Lang;

/// A status: its colour, its shape and its word (colour is never the only signal).
pub fn status(l: Lang, s: Status) -> Markup {
    html! { span class={ "st st-" (s.as_str()) } { (l.t(status_key(s))) } }
}

fn pct_class(prefix: &str, v: f64) -> String {
    format!("{prefix}{}", v.clamp(0.0, 100.0).round() as u32)
}

/// Progress as a bar, with a marker where it should be and the figures in words; unknown
/// progress is hatched and says so, with the share of weight unreported.
pub fn progress(
    l: Lang,
    percent: Option<f64>,
    unknown_share: f64,
    expected: Option<f64>,
) -> Markup {
    // The headline is what accepted reports vouch for: with part of the weight unreported, a
    // lower bound ("≥ 75%"), never the known part's figure alone, which would make an
    // incomplete parent look finished.
    let partial = percent.is_some() && unknown_share > 0.005;
    let percent = tuijin_core::Progress {
        percent,
        unknown_share,
    }
    .vouched();
    let at_least = if partial { "≥ " } else { "" };
    let label = match (percent, expected) {
        (Some(p), Some(e)) => format!(
            "{at_least}{}",
            l.f("progress.aria", &[("p", &fmt1(p)), ("e", &fmt1(e))])
        ),
        (Some(p), None) => format!("{at_least}{}%", fmt1(p)),
        (None, _) => l.t("progress.unknown").to_string(),
    };
    html! {
        span.pb role="img" aria-label=(label) {
            span.track {
                @match percent {
                    Some(p) => span class={ "fill " (pct_class("w", p)) } {},
                    None => span class="fill unknown" {},
                }
                @if let Some(e) = expected {
                    span class={ "exp " (pct_class("x", e)) } title=(l.f("progress.expected", &[("e", &fmt1(e))])) {}
                }
            }
            span.v {
                @match percent {
                    Some(p) => { (at_least) (fmt1(p)) "%" }
                    None => { (l.t("progress.unknown")) }
                }
                @if let Some(e) = expected { " / " (fmt1(e)) "%" }
                @if partial {
                    " " span.muted.small { (l.f("progress.unknown_share", &[("s", &fmt0(unknown_share * 100.0))])) }
                }
            }
        }
    }
}

/// Item `n`'s progress as a row shows it: its own figure, or when it has none yet, what serves
/// it (`Board::aligned`).
pub fn row_progress(l: Lang, b: &Board, n: usize) -> Markup {
    let r = b.row_at(n);
    let p = b
        .aligned(n)
        .filter(|_| r.progress.percent.is_none())
        .unwrap_or(r.progress);
    progress(l, p.percent, p.unknown_share, r.expected)
}

/// A moment as the plan's office reads it: in the plan's time zone (Asia/Shanghai unless the
/// plan says otherwise), with the zone's offset, never in UTC.
pub fn local_time(tz: chrono_tz::Tz, at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M (UTC%:z)")
        .to_string()
}

pub fn fmt1(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

pub fn fmt0(v: f64) -> String {
    format!("{v:.0}")
}

pub fn item_href(plan: &str, code: &str) -> String {
    format!("/plans/{plan}/items/{code}")
}

/// An item's code and title, linked to its page.
pub fn item_link(l: Lang, plan: &str, i: &Item) -> Markup {
    html! {
        a href=(item_href(plan, i.code.as_str())) {
            span.code { (i.code) } " " (l.pick(&i.title))
        }
    }
}

pub fn kind(l: Lang, plan: &tuijin_core::Plan, i: &Item) -> String {
    // The plan's own word for the level when it has one, else the generic one.
    let label = plan.level_label(i.kind);
    if label.zh().is_empty() {
        l.t(kind_key(i.kind)).to_string()
    } else {
        l.pick(&label).to_string()
    }
}

pub fn unit(l: Lang, c: &CachedPlan, code: Option<&tuijin_core::Code>) -> String {
    match code {
        Some(u) => c
            .unit_name(u.as_str())
            .map(|t: &Text| l.pick(t).to_string())
            .unwrap_or_else(|| u.to_string()),
        None => "—".into(),
    }
}

/// Status counts as cards, each a link to the tree filtered to that status.
/// The status counts as cards; the cancelled card counts the items out of the plan's figures
/// (`cancelled`), which the status counts leave out.
pub fn count_cards(
    l: Lang,
    counts: &Counts,
    cancelled: u32,
    href: impl Fn(Status) -> String,
) -> Markup {
    html! {
        ul.cards {
            @for &s in Status::VARIANTS {
                li.card {
                    a href=(href(s)) {
                        span.n { (if s == Status::Cancelled { cancelled } else { counts[status_index(s)] }) }
                        (status(l, s))
                    }
                }
            }
        }
    }
}

/// A unit of measure in the reader's language (`core::i18n::unit_of_measure`).
pub fn unit_of_measure(l: Lang, unit: &str) -> String {
    tuijin_core::i18n::unit_of_measure(l, unit)
}

/// A form's problems by field name: each field's box class and its messages beside it.
pub struct FieldProblems<'a>(pub &'a [(String, String)]);

impl FieldProblems<'_> {
    fn of(&self, field: &str) -> impl Iterator<Item = &String> {
        self.0.iter().filter(move |p| p.0 == field).map(|p| &p.1)
    }

    pub fn class(&self, field: &str) -> &'static str {
        if self.of(field).next().is_none() {
            "field"
        } else {
            "field invalid"
        }
    }

    pub fn messages(&self, field: &str) -> Markup {
        html! { @for e in self.of(field) { p.err { (e) } } }
    }
}
