//! The list pages as CSV (`?format=csv`, the "Download CSV" link of `csv_out::PageCsv`): the
//! same rows the page shows under the same filters, every page of them, with column headers
//! and values (states, kinds, unit names, titles) in the viewer's language. Numbers stay
//! numbers: a percent is `42.5`, not `42.5%`, so a spreadsheet can sum it.

use chrono::NaiveDate;
use tuijin_core::assess::CriterionKind;
use tuijin_core::board::Board;
use tuijin_core::report::{Change, Relation, change};
use tuijin_export::table_csv::Table;
use tuijin_store::{AssessmentRecord, NoticeRecord, ReportRecord, WarningRecord};

use super::widgets::fmt1;
use super::{severity_key, status_key, warning_key};
use crate::cache::CachedPlan;
use crate::i18n::Lang;

fn opt(v: Option<f64>) -> String {
    v.map(fmt1).unwrap_or_default()
}

fn unit_name(l: Lang, c: &CachedPlan, code: &str) -> String {
    c.unit_name(code)
        .map(|t| l.pick(t).to_string())
        .unwrap_or_else(|| code.to_string())
}

fn header(l: Lang, keys: &[&'static str]) -> Vec<&'static str> {
    keys.iter().map(|&k| l.t(k)).collect()
}

/// The tree's items (the matches of its filters, or the whole tree in its order).
pub fn tree(l: Lang, c: &CachedPlan, b: &Board, rows: &[usize]) -> Table {
    let mut t = Table::new(header(
        l,
        &[
            "csv.code",
            "csv.title",
            "col.kind",
            "col.lead",
            "col.co",
            "col.leader",
            "col.progress",
            "csv.expected",
            "col.status",
            "col.start",
            "col.due",
            "col.weight",
        ],
    ));
    for &n in rows {
        let i = &c.items[n];
        let r = b.row_at(n);
        let p = b
            .aligned(n)
            .filter(|_| r.progress.percent.is_none())
            .unwrap_or(r.progress);
        t.push([
            i.code.to_string(),
            l.pick(&i.title).to_string(),
            super::widgets::kind(l, &c.plan, i),
            i.lead
                .as_ref()
                .map(|u| unit_name(l, c, u.as_str()))
                .unwrap_or_default(),
            i.co.iter()
                .map(|u| unit_name(l, c, u.as_str()))
                .collect::<Vec<_>>()
                .join("、"),
            i.extra
                .leader
                .as_ref()
                .map(|p| person(l, c, p.as_str()))
                .unwrap_or_default(),
            opt(p.percent),
            opt(r.expected),
            l.t(status_key(r.status)).to_string(),
            i.start.map(|d| d.to_string()).unwrap_or_default(),
            i.due.map(|d| d.to_string()).unwrap_or_default(),
            fmt1(i.weight.value()),
        ]);
    }
    t
}

/// Every item of the tree in its order (parents first), leaving out what is out of the plan,
/// as the page opened fully would show it.
pub fn whole_tree(b: &Board) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack: Vec<usize> = b.roots().iter().rev().copied().collect();
    while let Some(n) = stack.pop() {
        if b.is_out(n) {
            continue;
        }
        out.push(n);
        stack.extend(b.children(n).iter().rev().map(|&c| c as usize));
    }
    out
}

fn person(l: Lang, c: &CachedPlan, code: &str) -> String {
    c.people
        .get(code)
        .map(|p| {
            let post = l.pick(&p.post);
            if post.is_empty() {
                l.pick(&p.name).to_string()
            } else {
                format!("{} · {post}", l.pick(&p.name))
            }
        })
        .unwrap_or_else(|| code.to_string())
}

/// The warnings page's chase list.
pub fn warnings(
    l: Lang,
    c: &CachedPlan,
    b: &Board,
    list: &[WarningRecord],
    today: NaiveDate,
) -> Table {
    let mut t = Table::new(header(
        l,
        &[
            "warnings.severity",
            "csv.code",
            "csv.title",
            "warnings.kind",
            "csv.details",
            "col.lead",
            "col.leader",
            "warnings.since",
            "warnings.days",
        ],
    ));
    for w in list {
        t.push([
            l.t(severity_key(w.severity)).to_string(),
            w.item.clone(),
            c.item(b, &w.item)
                .map(|i| l.pick(&i.title).to_string())
                .unwrap_or_else(|| w.item_title.clone()),
            l.t(warning_key(w.kind)).to_string(),
            tuijin_core::warning::render_details(&w.details, l),
            w.lead
                .as_deref()
                .map(|u| unit_name(l, c, u))
                .unwrap_or_default(),
            w.leader
                .as_deref()
                .map(|p| person(l, c, p))
                .unwrap_or_default(),
            w.raised_on.to_string(),
            (today - w.raised_on).num_days().to_string(),
        ]);
    }
    t
}

/// The review queue: each report with its role, previous figure and change.
pub fn review(
    l: Lang,
    queue: &[ReportRecord],
    title: impl Fn(&str, &str) -> String,
    unit: impl Fn(&str) -> String,
) -> Table {
    let mut t = Table::new(header(
        l,
        &[
            "csv.report",
            "csv.code",
            "csv.title",
            "col.period",
            "col.unit",
            "col.role",
            "col.previous",
            "col.percent",
            "col.change",
            "col.narrative",
            "col.problems",
            "col.next_steps",
            "col.figures",
            "col.submitted",
            "csv.author",
        ],
    ));
    for r in queue {
        let delta = match change(r.previous_percent, r.percent) {
            Some(Change::Jump(d) | Change::Fall(d) | Change::Steady(d)) => fmt1(d),
            Some(Change::First) => l.t("review.first").to_string(),
            None => String::new(),
        };
        t.push([
            r.id.to_string(),
            r.item.to_string(),
            title(r.plan.as_str(), r.item.as_str()),
            r.period.to_string(),
            unit(r.unit.as_str()),
            l.t(match r.relation {
                Relation::Lead => "relation.lead",
                Relation::Co => "relation.co",
                Relation::None => "relation.none",
            })
            .to_string(),
            opt(r.previous_percent.map(|p| p.value())),
            opt(r.percent.map(|p| p.value())),
            delta,
            r.narrative.clone(),
            r.problems.clone(),
            r.next_steps.clone(),
            r.figures
                .iter()
                .map(|f| format!("{} {}", f.indicator, fmt1(f.value.value())))
                .collect::<Vec<_>>()
                .join("; "),
            r.submitted_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            r.author.clone(),
        ]);
    }
    t
}

/// The notices board.
pub fn notices(l: Lang, c: &CachedPlan, list: &[NoticeRecord], today: NaiveDate) -> Table {
    let s = &c.plan.notices;
    let mut t = Table::new(header(
        l,
        &[
            "notices.number",
            "notices.level",
            "notices.subject",
            "csv.items",
            "col.unit",
            "notices.reply_by",
            "notices.overdue",
            "col.state",
        ],
    ));
    for n in list {
        let level = n.level_on(today, s);
        t.push([
            n.number.clone(),
            s.levels
                .get(level)
                .map(|name| {
                    // The levels the catalogue knows by name (blue…red), else the settings' word.
                    l.lookup(&format!("notice.level.{name}"))
                        .map(str::to_string)
                        .unwrap_or_else(|| name.clone())
                })
                .unwrap_or_default(),
            n.title.clone(),
            n.items.join("、"),
            n.units
                .iter()
                .map(|u| unit_name(l, c, &u.code))
                .collect::<Vec<_>>()
                .join("、"),
            n.reply_by.to_string(),
            if n.state.awaits_reply() && today > n.reply_by {
                l.t("notices.overdue").to_string()
            } else {
                String::new()
            },
            l.t(super::notices::state_key(n.state)).to_string(),
        ]);
    }
    t
}

/// An assessment run's rankings: one row per unit and category, with each criterion's points.
pub fn ranking(l: Lang, c: &CachedPlan, a: &AssessmentRecord) -> Table {
    // The criteria of every category, in the order the scheme first names them.
    let mut kinds: Vec<CriterionKind> = Vec::new();
    for cat in &a.scheme.category {
        for k in &cat.criterion {
            if !kinds.contains(&k.kind) {
                kinds.push(k.kind);
            }
        }
    }
    let mut head: Vec<String> = header(
        l,
        &[
            "csv.category",
            "assess.rank",
            "csv.unit_code",
            "col.unit",
            "assess.score",
            "csv.total",
            "assess.grade",
        ],
    )
    .into_iter()
    .map(str::to_string)
    .collect();
    head.extend(
        kinds
            .iter()
            .map(|k| l.t(super::assessments::kind_key(*k)).to_string()),
    );
    let mut t = Table::new(head);
    for (cat, scheme_cat) in a.outcome.categories.iter().zip(&a.scheme.category) {
        for u in &cat.units {
            let mut row = vec![
                super::assessments::named(l, &scheme_cat.name, &scheme_cat.name_en).to_string(),
                u.rank.to_string(),
                u.unit.clone(),
                unit_name(l, c, &u.unit),
                u.score.to_string(),
                cat.total.to_string(),
                super::assessments::grade_name(l, &a.scheme, u.grade),
            ];
            for k in &kinds {
                row.push(
                    u.criteria
                        .iter()
                        .find(|x| x.kind == *k)
                        .map(|x| x.points.to_string())
                        .unwrap_or_default(),
                );
            }
            t.push(row);
        }
    }
    t
}
