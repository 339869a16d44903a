//! Lists as CSV downloads (`tuijin_export::table_csv` writes the file).
//!
//! In the API, a list route listed in [`LISTS`] answers CSV when asked by `?format=csv` or by an
//! `Accept` header that prefers `text/csv`. The CSV is made from the route's own JSON answers
//! ([`api`], a middleware around the routes): it asks the handler for the list with the
//! request's filters and credentials, page after page, so the rows are exactly those the
//! caller may see in JSON (a unit's, an anonymous reader's public part), all of them rather than
//! one page, up to [`MAX_ROWS`]. The columns are JSON fields by their JSON names; a column of an
//! object's field is `object_field` (`title_zh`), a list is joined by `;`.
//!
//! On the pages, a list page answers `?format=csv` itself, with headers in the viewer's
//! language ([`PageCsv`] reads the request and offers the link carrying the page's filters).

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::Value;
use tuijin_core::problem::{Problem, Rule};
use tuijin_export::table_csv::Table;

use crate::i18n::Lang;
use crate::{ApiError, AppState};

/// The most rows one download holds. A province's plan has about 100,000 items, so every list
/// of one plan fits; a larger list (years of reports of every plan) is refused with 422 on
/// `rows` rather than cut short without a word: narrow the filters.
pub const MAX_ROWS: usize = 100_000;

/// The page size asked of a paged list while gathering (its largest).
const PAGE: &str = "1000";

/// Where a list's rows are in its JSON answer.
#[derive(Debug, Clone, Copy)]
pub enum Rows {
    /// `{"items": [...]}`, with `next_cursor` when paged.
    Items,
    /// A bare array.
    Array,
    /// An assessment run: one row per unit and category, with each criterion's points.
    Ranking,
}

/// A list route the API answers as CSV.
#[derive(Debug)]
pub struct List {
    /// The route under `/api/v1`, as registered.
    pub path: &'static str,
    /// The word in the file name: `{plan}-{name}-{today}.csv`.
    pub name: &'static str,
    /// Paged by `limit` and `cursor`.
    pub paged: bool,
    pub rows: Rows,
    /// JSON paths, separated by spaces: `code`, `title.zh` (a field of an object),
    /// `units[].code` (a field of every element of a list); `header=path` names the column
    /// otherwise than the path does.
    pub columns: &'static str,
}

const ITEM_COLUMNS: &str = "plan code kind parent title.zh title.en lead co leader leader_in_charge start due weight public target.value target.unit target.by target.indicator three_ones cancelled archived child_count source version";

/// Every list the API answers as CSV, with its columns (documented in `docs/csv.md`).
pub const LISTS: &[List] = &[
    List {
        path: "/items",
        name: "items",
        paged: true,
        rows: Rows::Items,
        columns: ITEM_COLUMNS,
    },
    List {
        path: "/plans/{plan}/items/{code}/subtree",
        name: "subtree",
        paged: false,
        rows: Rows::Items,
        columns: ITEM_COLUMNS,
    },
    List {
        path: "/reports",
        name: "reports",
        paged: true,
        rows: Rows::Items,
        columns: "id plan item period unit relation percent previous_percent narrative \
                  problems next_steps state author reviewer review_comment supersedes \
                  figures submitted_at reviewed_at version",
    },
    List {
        path: "/warnings",
        name: "warnings",
        paged: true,
        rows: Rows::Items,
        columns: "id plan item item_title lead leader kind severity details raised_on cleared_on",
    },
    List {
        path: "/notices",
        name: "notices",
        paged: true,
        rows: Rows::Items,
        columns: "id plan number level_issued level title actions reply_by \
                  first_reply_by state overdue items units=units[].code leader reply \
                  replied_on comment closed_on",
    },
    List {
        path: "/plans/{plan}/notice-proposals",
        name: "notice-proposals",
        paged: false,
        rows: Rows::Array,
        columns: "item item_title unit severity since level reply_by title actions \
                  warnings dismissed",
    },
    List {
        path: "/plans/{plan}/assessments",
        name: "assessments",
        paged: false,
        rows: Rows::Array,
        columns: "id plan period as_of scheme state supersedes created_by created_at \
                  locked_at published_at digest",
    },
    List {
        path: "/assessments/{run}",
        name: "ranking",
        paged: false,
        rows: Rows::Ranking,
        columns: "run period category category_name category_name_en rank unit score \
                  grade grade_en completion milestones reports notices indicators \
                  adjustments",
    },
    List {
        path: "/plans",
        name: "plans",
        paged: false,
        rows: Rows::Items,
        columns: "code title.zh title.en cadence timezone start end item_count version",
    },
    List {
        path: "/units",
        name: "units",
        paged: false,
        rows: Rows::Items,
        columns: "code name.zh name.en kind parent assumed lead_count",
    },
    List {
        path: "/plans/{plan}/units",
        name: "units",
        paged: false,
        rows: Rows::Items,
        columns: "code name.zh name.en kind parent assumed version",
    },
    List {
        path: "/plans/{plan}/people",
        name: "people",
        paged: false,
        rows: Rows::Items,
        columns: "code name.zh name.en post.zh post.en unit phone assumed version",
    },
    List {
        path: "/plans/{plan}/indicators",
        name: "indicators",
        paged: false,
        rows: Rows::Items,
        columns: "code name.zh name.en unit direction frequency baseline baseline_year \
                  targets owner scope public basis publication_lag path source",
    },
    List {
        path: "/plans/{plan}/indicators/{code}/actuals",
        name: "actuals",
        paged: false,
        rows: Rows::Items,
        columns: "id indicator period period_end value source report superseded state \
                  review_comment reason",
    },
    List {
        path: "/plans/{plan}/baselines",
        name: "baselines",
        paged: false,
        rows: Rows::Array,
        columns: "id name note created_by created_at item_count",
    },
    List {
        path: "/plans/{plan}/change-requests",
        name: "change-requests",
        paged: false,
        rows: Rows::Array,
        columns: "id item unit due target_value co reason evidence state filed_by \
                  filed_at decided_by decided_at decision version",
    },
];

impl List {
    /// The header row: each column's name.
    pub fn header(&self) -> Vec<String> {
        self.columns().map(|c| column(c).0).collect()
    }

    fn columns(&self) -> impl Iterator<Item = &'static str> {
        self.columns.split_whitespace()
    }
}

/// A column's name and JSON path.
fn column(spec: &str) -> (String, &str) {
    match spec.split_once('=') {
        Some((name, path)) => (name.to_string(), path),
        None => (spec.replace("[]", "").replace('.', "_"), spec),
    }
}

/// The list a matched route is, if any.
pub fn list_at(route: &str) -> Option<&'static List> {
    let route = route.strip_prefix("/api/v1").unwrap_or(route);
    LISTS.iter().find(|l| l.path == route)
}

/// Whether a request asks for CSV: `format=csv` (or `json`), else an `Accept` header that
/// names `text/csv` with a quality no lower than `application/json`'s. Another `format` is
/// refused (422).
pub fn wants_csv(query: Option<&str>, headers: &HeaderMap) -> Result<bool, ApiError> {
    match query_value(query, "format").as_deref() {
        Some("csv") => return Ok(true),
        Some("json") => return Ok(false),
        None | Some("") => {}
        Some(other) => {
            return Err(ApiError::invalid(
                Problem::new("format", Rule::NotOneOf)
                    .with("value", other)
                    .with("allowed", "json, csv"),
            ));
        }
    }
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let (mut csv, mut json) = (0.0f32, 0.0f32);
    for range in accept.split(',') {
        let mut bits = range.split(';');
        let kind = bits.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = bits
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match kind.as_str() {
            "text/csv" => csv = csv.max(q),
            "application/json" => json = json.max(q),
            _ => {}
        }
    }
    Ok(csv > 0.0 && csv >= json)
}

/// The first value of a query parameter, decoded.
fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    pairs(query)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .and_then(|q| serde_html_form::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
}

/// The middleware that answers the lists of [`LISTS`] as CSV when asked (see the module
/// documentation); every other request passes untouched.
pub async fn api(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let Some(list) = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| list_at(m.as_str()))
    else {
        return next.run(req).await;
    };
    match wants_csv(req.uri().query(), req.headers()) {
        Ok(true) => {}
        Ok(false) => return next.run(req).await,
        Err(e) => return e.into_response(),
    }
    match gather(&st, list, req, next).await {
        Ok(r) | Err(r) => r,
    }
}

/// Asks the handler for every page of the list and writes them as one table; the handler's
/// first refusal (a bad filter, a forbidden unit) is the answer as it stands.
async fn gather(
    st: &AppState,
    list: &List,
    req: Request,
    next: Next,
) -> Result<Response, Response> {
    let (mut parts, _) = req.into_parts();
    let asked = pairs(parts.uri.query());
    let mut plan = match RawPathParams::from_request_parts(&mut parts, &()).await {
        Ok(p) => p
            .iter()
            .find(|(k, _)| *k == "plan")
            .map(|(_, v)| v.to_string()),
        Err(_) => None,
    };
    if plan.is_none() {
        plan = asked
            .iter()
            .find(|(k, v)| k == "plan" && !v.is_empty())
            .map(|(_, v)| v.clone());
    }
    // The caller's `cursor` is where the rows start, and its `limit` the size of the first page
    // read: both checked by the list's own handler (a malformed one is refused as in JSON). The
    // pages after it are read at the largest size, so that `limit=1` costs one more request,
    // not one request per row (a demo's reports with `limit=1` took 14 s).
    let given = |name: &str| {
        asked
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut page_size = given("limit").unwrap_or_else(|| PAGE.into());
    let mut cursor: Option<String> = given("cursor");
    let kept: Vec<(String, String)> = asked
        .into_iter()
        .filter(|(k, _)| !matches!(k.as_str(), "format" | "limit" | "cursor"))
        .collect();
    let mut table = Table::new(list.header());
    loop {
        let mut query = kept.clone();
        if list.paged {
            query.push((
                "limit".into(),
                std::mem::replace(&mut page_size, PAGE.into()),
            ));
            if let Some(c) = cursor.take() {
                query.push(("cursor".into(), c));
            }
        }
        let query = serde_html_form::to_string(&query).unwrap_or_default();
        let uri = format!("{}?{query}", parts.uri.path());
        let mut page = Request::new(Body::empty());
        *page.method_mut() = Method::GET;
        *page.uri_mut() = uri.parse().map_err(|_| internal("page uri"))?;
        *page.headers_mut() = parts.headers.clone();
        page.headers_mut()
            .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        *page.extensions_mut() = parts.extensions.clone();
        let res = next.clone().run(page).await;
        if res.status() != StatusCode::OK {
            return Err(res);
        }
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .map_err(|_| internal("list body"))?;
        let v: Value = serde_json::from_slice(&body).map_err(|_| internal("list json"))?;
        if plan.is_none() {
            plan = v["plan"].as_str().map(str::to_string);
        }
        for row in rows(list.rows, &v) {
            table.push(list.columns().map(|c| cell(&row, column(c).1)));
        }
        if table.len() > MAX_ROWS {
            return Err(ApiError::invalid(
                Problem::new("rows", Rule::OutOfRange)
                    .with("min", 0)
                    .with("max", MAX_ROWS),
            )
            .into_response());
        }
        cursor = v["next_cursor"].as_str().map(str::to_string);
        if !list.paged || cursor.is_none() {
            break;
        }
    }
    let name = file_name(plan.as_deref(), list.name, st.today_default());
    Ok(download(&table, &name))
}

fn internal(what: &str) -> Response {
    ApiError::Internal(format!("CSV of a list: unreadable {what}")).into_response()
}

/// The rows of a list's JSON answer, each an object.
fn rows(kind: Rows, v: &Value) -> Vec<Value> {
    let array = |v: &Value| v.as_array().cloned().unwrap_or_default();
    match kind {
        Rows::Items => array(&v["items"]),
        Rows::Array => array(v),
        Rows::Ranking => {
            let mut out = Vec::new();
            for cat in v["categories"].as_array().into_iter().flatten() {
                for u in cat["units"].as_array().into_iter().flatten() {
                    let mut row = serde_json::json!({
                        "run": v["id"],
                        "period": v["period"],
                        "category": cat["code"],
                        "category_name": cat["name"],
                        "category_name_en": cat["name_en"],
                        "rank": u["rank"],
                        "unit": u["unit"],
                        "score": u["score"],
                        "grade": u["grade"],
                        "grade_en": u["grade_en"],
                    });
                    for k in u["criteria"].as_array().into_iter().flatten() {
                        if let Some(kind) = k["kind"].as_str() {
                            row[kind] = k["points"].clone();
                        }
                    }
                    out.push(row);
                }
            }
            out
        }
    }
}

/// The text of a JSON path in a row: scalars as JSON writes them (null empty), a list of
/// scalars joined by `;`, anything else as compact JSON.
fn cell(row: &Value, path: &str) -> String {
    let mut found = Vec::new();
    pick(row, path, &mut found);
    let mut parts = Vec::new();
    for v in found {
        match v {
            Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
                parts.extend(a.iter().map(scalar));
            }
            other => parts.push(scalar(other)),
        }
    }
    parts.join(";")
}

fn pick<'a>(v: &'a Value, path: &str, out: &mut Vec<&'a Value>) {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let (name, each) = match head.strip_suffix("[]") {
        Some(n) => (n, true),
        None => (head, false),
    };
    let Some(next) = v.get(name) else { return };
    let targets: Vec<&Value> = if each {
        next.as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    } else {
        vec![next]
    };
    for t in targets {
        match rest {
            Some(r) => pick(t, r, out),
            None => out.push(t),
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// `{plan}-{list}-{date}.csv`, or `tuijin-{list}-{date}.csv` for a list of every plan; only
/// characters safe in any file system and header.
pub fn file_name(plan: Option<&str>, list: &str, today: chrono::NaiveDate) -> String {
    let raw = format!("{}-{list}-{today}.csv", plan.unwrap_or("tuijin"));
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The answer carrying a table as a file to save.
pub fn download(table: &Table, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        table.to_bytes(),
    )
        .into_response()
}

/// Documents the CSV option of every list of [`LISTS`] in the OpenAPI document: the `format`
/// parameter and a `text/csv` answer beside the JSON one.
pub fn document(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{Content, RefOr, Required};
    for (path, item) in doc.paths.paths.iter_mut() {
        let (Some(list), Some(op)) = (list_at(path), item.get.as_mut()) else {
            continue;
        };
        let format = ParameterBuilder::new()
            .name("format")
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some(
                "`csv` for the whole list as CSV (as `Accept: text/csv` asks); `json` or left \
                 out for JSON.",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["", "json", "csv"])),
            ))
            .build();
        op.parameters.get_or_insert_with(Vec::new).push(format);
        let columns = list.header().join(", ");
        let paged = if list.paged {
            format!(
                " Every page from `cursor` on (the first page of `limit` rows, the rest of {PAGE}), at most {MAX_ROWS} rows, or 422 \
                 on `rows`."
            )
        } else {
            String::new()
        };
        if let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") {
            let text = ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(format!(
                    "UTF-8 with a byte-order mark, CRLF line ends, a header row: {columns}. A cell \
                 starting with = + - @, a tab or a carriage return is prefixed with an \
                 apostrophe.{paged}"
                )));
            ok.content
                .insert("text/csv".to_string(), Content::new(Some(text)));
        }
    }
}

/// A list page's CSV option: whether this request asks for it (`?format=csv`), and the link
/// to it, which carries the page's filters (but not its paging: the file has every row).
#[derive(Debug, Clone)]
pub struct PageCsv {
    pub wanted: bool,
    href: String,
}

impl<S: Send + Sync> FromRequestParts<S> for PageCsv {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let asked = pairs(parts.uri.query());
        let wanted = asked.iter().any(|(k, v)| k == "format" && v == "csv");
        let mut kept: Vec<(String, String)> = asked
            .into_iter()
            .filter(|(k, v)| {
                !v.is_empty() && !matches!(k.as_str(), "format" | "page" | "after" | "open")
            })
            .collect();
        kept.push(("format".into(), "csv".into()));
        let query = serde_html_form::to_string(&kept).unwrap_or_default();
        Ok(PageCsv {
            wanted,
            href: format!("{}?{query}", parts.uri.path()),
        })
    }
}

impl PageCsv {
    /// The visible link to the download.
    pub fn link(&self, l: Lang) -> Markup {
        link_to(l, &self.href)
    }
}

/// The visible "Download CSV" link to a list's CSV.
pub fn link_to(l: Lang, href: &str) -> Markup {
    html! {
        p.download.noprint { a href=(href) download { (l.t("csv.download")) } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(a: &str) -> bool {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(a).unwrap());
        wants_csv(None, &h).unwrap()
    }

    #[test]
    fn csv_is_asked_by_format_or_accept() {
        assert!(wants_csv(Some("format=csv&plan=x"), &HeaderMap::new()).unwrap());
        assert!(!wants_csv(Some("format=json"), &HeaderMap::new()).unwrap());
        assert!(!wants_csv(None, &HeaderMap::new()).unwrap());
        assert!(wants_csv(Some("format=xml"), &HeaderMap::new()).is_err());
        assert!(accept("text/csv"));
        assert!(accept("text/csv;q=0.9, */*;q=0.1"));
        assert!(!accept("application/json, text/csv;q=0.5"));
        assert!(!accept("*/*"));
        assert!(!accept("text/html,application/xhtml+xml,*/*;q=0.8"));
        assert!(!accept("text/csv;q=0"));
    }

    #[test]
    fn cells_follow_paths() {
        let row = serde_json::json!({
            "code": "E1", "title": {"zh": "畅通", "en": "Smooth"}, "co": ["FGW", "ZDQ"],
            "units": [{"code": "A"}, {"code": "B"}], "lead": null, "weight": 1.5,
            "figures": [{"indicator": "g", "value": 2.0}], "public": true
        });
        assert_eq!(cell(&row, "title.zh"), "畅通");
        assert_eq!(cell(&row, "co"), "FGW;ZDQ");
        assert_eq!(cell(&row, "units[].code"), "A;B");
        assert_eq!(cell(&row, "lead"), "");
        assert_eq!(cell(&row, "missing"), "");
        assert_eq!(cell(&row, "weight"), "1.5");
        assert_eq!(cell(&row, "public"), "true");
        assert_eq!(cell(&row, "figures"), r#"[{"indicator":"g","value":2.0}]"#);
        assert_eq!(
            column("units=units[].code"),
            ("units".to_string(), "units[].code")
        );
        assert_eq!(column("title.zh").0, "title_zh");
    }

    #[test]
    fn every_list_is_a_get_route_once_and_names_are_safe() {
        let mut seen = std::collections::HashSet::new();
        for l in LISTS {
            assert!(seen.insert(l.path), "{} twice", l.path);
            assert!(l.columns().count() > 2, "{}", l.path);
        }
        assert_eq!(
            file_name(Some("zz-ncc-2017"), "items", "2020-06-30".parse().unwrap()),
            "zz-ncc-2017-items-2020-06-30.csv"
        );
        assert_eq!(
            file_name(Some("a\"b"), "x", "2020-06-30".parse().unwrap()),
            "a_b-x-2020-06-30.csv"
        );
    }
}
