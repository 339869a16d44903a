//! The OpenAPI document made complete where annotations would repeat themselves: every
//! operation may answer a malformed request (400), refused credentials (401: a bad token is
//! refused on every route, public ones included) and an overloaded or failing storage (503);
//! one with path parameters, not found (404). Every error answer is an RFC 9457 problem
//! document (`application/problem+json`). Schemathesis checks the answers against it in CI.

use utoipa::Modify;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder};

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
                complete(op, api, has_path_params);
            }
        }
    }
}

fn complete(op: &mut Operation, api: bool, has_path_params: bool) {
    let mut add = |code: &str, what: &str| {
        op.responses
            .responses
            .entry(code.to_string())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(what).build()));
    };
    add(
        "503",
        "Overloaded, or the storage cannot take the request now; retry after `Retry-After` seconds.",
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
    }
    if has_path_params {
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
