//! Excel in the pages: the unit's page to download its report template and responsibility
//! list and to upload the filled template (as drafts, or submitted), showing every problem of a
//! refused file in place — a table of sheet, cell and what to fix; and the download links the
//! office finds on a unit's page and on the plan.

use axum::extract::{FromRequest, Multipart, Path, Query, State};
use axum::response::Html;
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::i18n::Lang;
use tuijin_core::policy::{Action, Role};
use tuijin_core::report::{Period, Relation};
use tuijin_export::xlsx::CellProblem;

use super::{PageError, Section, layout};
use crate::AppState;
use crate::session::Viewer;
use crate::workbooks::{self, WorkbookError};

/// The download links of a unit's workbooks, for a period.
pub fn links(l: Lang, plan: &str, unit: &str, period: Period) -> Markup {
    html! {
        a.button href={ "/api/v1/plans/" (plan) "/units/" (unit) "/template.xlsx?period=" (period) } download {
            (l.f("excel.template_for", &[("period", &period)]))
        }
        " "
        a.button href={ "/api/v1/plans/" (plan) "/units/" (unit) "/duties.xlsx" } download { (l.t("excel.duties")) }
    }
}

/// The links of a unit's workbooks in a table row: this period's template and the list.
pub fn row_links(l: Lang, plan: &str, unit: &str) -> Markup {
    html! {
        a href={ "/api/v1/plans/" (plan) "/units/" (unit) "/template.xlsx" } download { (l.t("excel.template")) }
        " · "
        a href={ "/api/v1/plans/" (plan) "/units/" (unit) "/duties.xlsx" } download { (l.t("excel.duties")) }
    }
}

/// The plan workbook's download link, for the office and leaders.
pub fn plan_link(l: Lang, v: &Viewer, plan: &str) -> Markup {
    html! {
        @if v.allowed(Action::ReadReports { unit: "" }) {
            a.button href={ "/api/v1/plans/" (plan) "/workbook.xlsx" } download { (l.t("excel.plan_workbook")) }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ExcelQuery {
    period: Option<String>,
}

/// What an upload came to.
enum Outcome {
    None,
    Filed {
        unit: String,
        count: usize,
        submitted: bool,
    },
    Refused {
        unit: String,
        problems: Vec<CellProblem>,
    },
}

fn unit_user(v: &Viewer) -> Result<(), PageError> {
    v.require(Action::ReadPlan)?;
    if v.who.role != Role::Unit {
        return Err(PageError::forbidden("workspace.units_only"));
    }
    Ok(())
}

async fn render(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    period: Option<&str>,
    outcome: Outcome,
) -> Result<Html<String>, PageError> {
    let l = v.lang;
    let c = st.plans.get(&st.store, plan).await?;
    let today = st.today(&c.plan);
    let period = period
        .and_then(|p| workbooks::parse_period(c.plan.cadence, p).ok())
        .unwrap_or_else(|| Period::containing(c.plan.cadence, today));
    let body = html! {
        h1 { (l.t("excel.title")) }
        p.muted { (l.pick(&c.plan.title)) " · " (l.t("excel.help")) }
        form method="get" {
            label { (l.t("excel.period")) " " input type="text" name="period" value=(period) size="8"; }
            " " button type="submit" { (l.t("excel.show")) }
        }
        @match &outcome {
            Outcome::Filed { unit, count, submitted } => {
                p.notice.good role="status" {
                    (l.f(if *submitted { "excel.submitted" } else { "excel.saved" }, &[("count", count), ("unit", unit)]))
                }
            }
            Outcome::Refused { unit, problems } => {
                section.notice.bad role="alert" aria-labelledby="excel-problems" {
                    h2 id="excel-problems" { (l.f("excel.refused", &[("count", &tuijin_export::xlsx::problem_count(problems)), ("unit", unit)])) }
                    (problem_table(l, problems))
                }
            }
            Outcome::None => {}
        }
        @for unit in &v.who.units {
            h2 { (c.unit_name(unit.as_str()).map(|t| l.pick(t).to_string()).unwrap_or_else(|| unit.to_string())) " (" (unit) ")" }
            p { (links(l, plan, unit.as_str(), period)) }
            form method="post" enctype="multipart/form-data" action={ "/workspace/excel/" (plan) } {
                input type="hidden" name="csrf" value=(v.csrf());
                input type="hidden" name="unit" value=(unit);
                label { (l.t("excel.file")) " " input type="file" name="workbook" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required; }
                " "
                button type="submit" name="action" value="draft" { (l.t("excel.upload_draft")) }
                " "
                button type="submit" name="action" value="submit" { (l.t("excel.upload_submit")) }
            }
        }
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Workspace,
        l.t("excel.title"),
        body,
    ))
}

/// Every problem of a refused file: sheet, cell, what to fix.
pub fn problem_table(l: Lang, problems: &[CellProblem]) -> Markup {
    html! {
        div.tablewrap { table.wide.excel-problems {
            thead { tr { th { (l.t("excel.col.sheet")) } th { (l.t("excel.col.cell")) } th { (l.t("excel.col.problem")) } } }
            tbody {
                @for p in problems {
                    tr { td { (p.sheet) } td.code { (p.cell) } td { (p.problem.message(l)) } }
                }
            }
        } }
    }
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Query(q): Query<ExcelQuery>,
) -> Result<Html<String>, PageError> {
    unit_user(&v)?;
    render(&st, &v, &plan, q.period.as_deref(), Outcome::None).await
}

pub async fn upload(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    req: axum::extract::Request,
) -> Result<Html<String>, PageError> {
    unit_user(&v)?;
    let bad = |e: String| PageError::from(crate::ApiError::BadRequest(format!("form: {e}")));
    // A body that is no multipart form carries no anti-forgery token: refused as such first.
    let Ok(mut m) = Multipart::from_request(req, &()).await else {
        v.check_csrf("")?;
        return Err(bad("not a multipart form".into()));
    };
    let (mut csrf, mut unit, mut action, mut file) =
        (String::new(), String::new(), String::new(), Vec::new());
    let mut file_name = String::from("upload.xlsx");
    while let Some(field) = m.next_field().await.map_err(|e| bad(e.to_string()))? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "workbook" {
            // The name the person chose, as the problems name the file: its last part only,
            // without control characters, at most 100 characters.
            if let Some(n) = field
                .file_name()
                .and_then(|n| n.rsplit(['/', '\\']).next())
                .map(|n| {
                    n.chars()
                        .filter(|c| !c.is_control())
                        .take(100)
                        .collect::<String>()
                })
                .filter(|n| !n.trim().is_empty())
            {
                file_name = n;
            }
            file = field
                .bytes()
                .await
                .map_err(|e| bad(e.to_string()))?
                .to_vec();
        } else {
            let text = field.text().await.map_err(|e| bad(e.to_string()))?;
            match name.as_str() {
                "csrf" => csrf = text,
                "unit" => unit = text,
                "action" => action = text,
                _ => {}
            }
        }
    }
    v.check_csrf(&csrf)?;
    v.require(Action::WriteReport {
        unit: &unit,
        item: "",
        relation: Relation::Lead,
    })?;
    let p = st.plans.header(&st.store, &plan).await?;
    let stamp = st.stamp(&v.who.name, &p);
    let submit = action == "submit";
    let outcome =
        match workbooks::import_template(&st.store, &plan, &unit, &file_name, file, submit, &stamp)
            .await
        {
            Ok(done) => Outcome::Filed {
                unit,
                count: done.len(),
                submitted: submit,
            },
            Err(WorkbookError::Cells(problems)) => Outcome::Refused { unit, problems },
            Err(WorkbookError::Store(e)) => return Err(crate::ApiError::from(e).into()),
            Err(WorkbookError::Write(e)) => return Err(crate::ApiError::Internal(e).into()),
        };
    render(&st, &v, &plan, None, outcome).await
}
