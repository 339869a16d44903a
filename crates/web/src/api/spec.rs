//! The OpenAPI document made complete where annotations would repeat themselves: every
//! operation may answer a malformed request (400), refused credentials (401: a bad token is
//! refused on every route, public ones included) and an overloaded or failing storage (503);
//! one that names a record (a path parameter, a plan or unit filter), not found (404). Every error answer is an RFC 9457 problem
//! document (`application/problem+json`). Schemathesis checks the answers against it in CI.
//!
//! It also states, once, the shape of every value the API takes by name (a code, a period, a
//! cursor, free text, a percent), from the same constants the parsers are tested against, so a
//! request the document calls valid is one the server reads.

use tuijin_core::ItemKind;
use tuijin_core::VariantArray;
use tuijin_core::code::CODE_PATTERN;
use tuijin_core::indicator::FIGURE_PERIOD_PATTERN;
use tuijin_core::period::PERIOD_PATTERN;
use tuijin_core::problem::MAX_TEXT_CHARS;
use tuijin_core::report::ReportState;
use tuijin_core::warning::{Severity, WarningKind};
use tuijin_store::{ITEM_CURSOR_PATTERN, WARNING_CURSOR_PATTERN};
use utoipa::Modify;
use utoipa::openapi::path::{Operation, Parameter};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder, Schema};

pub struct Complete;

const PROBLEM: &str = "application/problem+json";

impl Modify for Complete {
    fn modify(&self, doc: &mut OpenApi) {
        for (path, item) in doc.paths.paths.iter_mut() {
            let api = path.starts_with("/api/");
            let has_path_params = path.contains('{');
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                // A list filtered by a plan, item or unit that does not exist answers 404 too.
                let names_a_record = has_path_params
                    || op.parameters.iter().flatten().any(|p| {
                        matches!(
                            p.name.as_str(),
                            "plan" | "item" | "unit" | "branch" | "parent"
                        )
                    });
                complete(op, api, names_a_record);
                for p in op.parameters.iter_mut().flatten() {
                    shape_parameter(path, p);
                }
            }
        }
        crate::csv_out::document(doc);
        // The shapes of fields apply to what requests send: the request bodies and what they
        // refer to (a figure), never to a view that happens to have a field of the same name
        // (an indicator's `unit` is a unit of measure, not a unit code).
        let mut bodies: Vec<String> = Vec::new();
        for item in doc.paths.paths.values() {
            for op in [&item.post, &item.put, &item.patch].into_iter().flatten() {
                if let Some(body) = &op.request_body {
                    for c in body.content.values() {
                        if let Some(RefOr::Ref(r)) = &c.schema {
                            bodies.push(schema_name(r));
                        }
                    }
                }
            }
        }
        if let Some(components) = doc.components.as_mut() {
            let mut i = 0;
            while i < bodies.len() {
                if let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut(&bodies[i]) {
                    let mut refs = Vec::new();
                    for (name, property) in o.properties.iter_mut() {
                        match property {
                            RefOr::T(Schema::Object(p)) => shape_field(&bodies[i], name, p),
                            RefOr::T(Schema::Array(a)) => {
                                if let utoipa::openapi::schema::ArrayItems::RefOrSchema(item) =
                                    &a.items
                                    && let RefOr::Ref(r) = item.as_ref()
                                {
                                    refs.push(schema_name(r));
                                }
                            }
                            _ => {}
                        }
                    }
                    for r in refs {
                        if !bodies.contains(&r) {
                            bodies.push(r);
                        }
                    }
                }
                i += 1;
            }
        }
    }
}

fn schema_name(r: &Ref) -> String {
    r.ref_location
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Free text: no control characters but line breaks and tabs (`problem::check_text`).
const TEXT_PATTERN: &str = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069\\u200E\\u200F\\u061C]*$";
/// The report list resumes after a report id.
const REPORT_CURSOR_PATTERN: &str = "^[0-9]{1,18}$";

/// A pattern that also takes the empty string: a query parameter left empty is one left out
/// (no filter, the first page), except `parent=`, which asks for the roots.
fn or_empty(pattern: &str) -> String {
    let inner = pattern.trim_start_matches('^').trim_end_matches('$');
    format!("^({inner})?$")
}
/// A version as the ETag carries it; `*` is refused (a write names the version it read).
const IF_MATCH_PATTERN: &str = "^\"[0-9]{1,18}\"$";

/// The names of an enumeration as the API spells them, with "" (the same as leaving the
/// filter out).
fn one_of<T>() -> Vec<&'static str>
where
    T: VariantArray + Copy + Into<&'static str>,
{
    std::iter::once("")
        .chain(T::VARIANTS.iter().map(|&v| v.into()))
        .collect()
}

fn shape_parameter(path: &str, p: &mut Parameter) {
    let choices = match (path, p.name.as_str()) {
        ("/api/v1/items", "kind") => Some(one_of::<ItemKind>()),
        ("/api/v1/warnings", "kind") => Some(one_of::<WarningKind>()),
        (_, "severity") => Some(one_of::<Severity>()),
        (p, "state") if p.ends_with("/change-requests") => {
            Some(one_of::<tuijin_core::edit::RequestState>())
        }
        (_, "state") => Some(one_of::<ReportState>()),
        _ => None,
    };
    if let Some(choices) = choices {
        if let Some(RefOr::T(Schema::Object(o))) = p.schema.as_mut() {
            o.enum_values = Some(choices.into_iter().map(Into::into).collect());
        }
        return;
    }
    let in_path = matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Path);
    let pattern = match p.name.as_str() {
        "plan" | "code" | "unit" | "person" if in_path => CODE_PATTERN.to_string(),
        "plan" | "item" | "unit" | "branch" | "parent" => or_empty(CODE_PATTERN),
        "period" if in_path => PERIOD_PATTERN.to_string(),
        "period" => or_empty(PERIOD_PATTERN),
        "cursor" if path == "/api/v1/items" => or_empty(ITEM_CURSOR_PATTERN),
        "cursor" if path == "/api/v1/warnings" => or_empty(WARNING_CURSOR_PATTERN),
        "cursor" => or_empty(REPORT_CURSOR_PATTERN),
        "If-Match" => IF_MATCH_PATTERN.to_string(),
        _ => return,
    };
    if let Some(RefOr::T(Schema::Object(o))) = p.schema.as_mut() {
        o.pattern = Some(pattern);
    }
}

fn shape_field(schema: &str, name: &str, o: &mut utoipa::openapi::schema::Object) {
    match name {
        // An indicator's figure is for a year, a quarter or a month, by its frequency.
        "period" if schema == "FileFigure" => o.pattern = Some(FIGURE_PERIOD_PATTERN.into()),
        // An assessment is of a quarter, a half year or a year.
        "period" if schema == "NewRun" => {
            o.pattern = Some(tuijin_core::assess::ASSESS_PERIOD_PATTERN.into())
        }
        "period" => o.pattern = Some(PERIOD_PATTERN.into()),
        // A figure's unit is a unit of measure (亿元), not a unit's code.
        "unit" | "scope" | "reason" if schema == "FileFigure" => {
            o.pattern = Some(TEXT_PATTERN.into());
            o.max_length = Some(MAX_TEXT_CHARS);
        }
        "basis" if schema == "FileFigure" => {
            o.enum_values = Some(
                tuijin_core::CountingBasis::VARIANTS
                    .iter()
                    .map(|b| b.as_str().into())
                    .collect(),
            )
        }
        "unit" | "indicator" => o.pattern = Some(CODE_PATTERN.into()),
        "narrative" | "problems" | "next_steps" | "comment" | "source" => {
            o.pattern = Some(TEXT_PATTERN.into());
            o.max_length = Some(MAX_TEXT_CHARS);
        }
        "percent" => {
            o.minimum = Some(0.into());
            o.maximum = Some(100.into());
        }
        "value" if schema == "FileFigure" => {
            let m = tuijin_core::indicator::MAX_FIGURE;
            o.minimum = Some((-m).into());
            o.maximum = Some(m.into());
        }
        _ => {}
    }
}

fn complete(op: &mut Operation, api: bool, names_a_record: bool) {
    let mut add = |code: &str, what: &str| {
        op.responses
            .responses
            .entry(code.to_string())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(what).build()));
    };
    add(
        "503",
        "Overloaded, the storage cannot take the request now, or (a read) its plan is still loading; retry after `Retry-After` seconds.",
    );
    if api {
        add(
            "400",
            "The request is malformed: a path or query parameter, a header or the body.",
        );
        add(
            "401",
            "Credentials are needed, or the token sent is unknown, revoked or expired.",
        );
        add(
            "422",
            "A value breaks a rule (a filter that is not a code, `from` after `to`, a period that \
             has not begun): every field's problem is listed in `errors`.",
        );
    }
    if op.request_body.is_some() {
        add("413", "The body is larger than the server takes (2 MiB).");
    }
    if names_a_record {
        add(
            "404",
            "Not found, or not visible to the caller (answered alike).",
        );
    }
    for (code, r) in op.responses.responses.iter_mut() {
        if code.as_str() < "400" {
            continue;
        }
        if let RefOr::T(r) = r {
            r.content.clear();
            r.content.insert(
                PROBLEM.to_string(),
                Content::new(Some(RefOr::Ref(Ref::from_schema_name("ProblemDoc")))),
            );
        }
    }
}
