//! Evidence files (佐证材料) in the pages: the forms that take files (the report form, the
//! notice's reply) are read whole — their fields and their files — by `read_form`; a list of a
//! report's or notice's files links each to its download (`/api/v1/evidence/{id}`, which
//! serves it as an attachment); the file input says what is accepted.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use maud::{Markup, html};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;
use tuijin_core::i18n::Lang;
use tuijin_store::{EvidenceRecord, NewEvidence};

use super::PageError;
use crate::ApiError;

/// The name of the forms' file input.
pub const FIELD: &str = "evidence";

fn refused(e: impl std::fmt::Display, status: StatusCode) -> PageError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge.into()
    } else {
        ApiError::BadRequest(format!("form: {e}")).into()
    }
}

/// A form's fields and its files: a multipart form (one that takes files) or a plain one.
/// File parts with no name and no content — a file input left empty — are no file.
pub async fn read_form<T: DeserializeOwned>(
    req: Request,
) -> Result<(T, Vec<NewEvidence>), PageError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let bytes = axum::body::Bytes::from_request(req, &())
            .await
            .map_err(|e| refused(&e, e.status()))?;
        let f =
            serde_html_form::from_bytes(&bytes).map_err(|e| refused(e, StatusCode::BAD_REQUEST))?;
        return Ok((f, Vec::new()));
    }
    let mut m = Multipart::from_request(req, &())
        .await
        .map_err(|e| refused(e.body_text(), e.status()))?;
    let mut pairs = Vec::new();
    let mut files = Vec::new();
    while let Some(field) = m.next_field().await.map_err(|e| refused(&e, e.status()))? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file) => {
                let bytes = field.bytes().await.map_err(|e| refused(&e, e.status()))?;
                if name == FIELD && !(file.is_empty() && bytes.is_empty()) {
                    if files.len() == tuijin_core::evidence::MAX_FILES {
                        return Err(ApiError::invalid(
                            tuijin_core::problem::Problem::new(
                                FIELD,
                                tuijin_core::problem::Rule::TooManyFiles,
                            )
                            .with("max", tuijin_core::evidence::MAX_FILES),
                        )
                        .into());
                    }
                    files.push(NewEvidence {
                        name: file,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            None => {
                let text = field.text().await.map_err(|e| refused(&e, e.status()))?;
                pairs.push(format!(
                    "{}={}",
                    utf8_percent_encode(&name, NON_ALPHANUMERIC),
                    utf8_percent_encode(&text, NON_ALPHANUMERIC)
                ));
            }
        }
    }
    let f = serde_html_form::from_str(&pairs.join("&"))
        .map_err(|e| refused(e, StatusCode::BAD_REQUEST))?;
    Ok((f, files))
}

/// The problems of files about to be added, each named by its file (`core::evidence::check`):
/// shown before anything is written.
pub fn check(l: Lang, files: &[NewEvidence], max: u64) -> Vec<(String, String)> {
    files
        .iter()
        .filter_map(|f| tuijin_core::evidence::check(FIELD, &f.name, &f.bytes, max).err())
        .flat_map(|r| {
            r.problems()
                .iter()
                .map(|p| (FIELD.to_string(), p.message(l)))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A size as people read it: bytes, KB or MB.
fn size(n: i64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.0} KB", n as f64 / 1024.0),
        n => format!("{:.1} MB", n as f64 / (1024.0 * 1024.0)),
    }
}

/// The files, each a download link with its size, uploader and day.
pub fn list(l: Lang, files: &[EvidenceRecord]) -> Markup {
    html! {
        @if !files.is_empty() {
            ul.evidence {
                @for e in files {
                    li {
                        a href={ "/api/v1/evidence/" (e.id) } download=(e.name) { (e.name) }
                        " " span.small.muted { (size(e.size)) " · " (e.uploaded_by) " · " (e.uploaded_on) }
                    }
                }
            }
        } @else {
            p.small.muted { (l.t("evidence.none")) }
        }
    }
}

/// The file input of a form that takes evidence, saying what it accepts.
pub fn input(l: Lang, max: u64, error: Option<String>) -> Markup {
    let mb = format!("{:.0}", max as f64 / (1024.0 * 1024.0));
    html! {
        div class=(if error.is_some() { "field invalid" } else { "field" }) {
            label for=(FIELD) { (l.t("evidence.title")) " " span.hint { (l.f("evidence.hint", &[("max", &mb)])) } }
            input #evidence name=(FIELD) type="file" multiple
                accept=".jpg,.jpeg,.png,.gif,.webp,.bmp,.tif,.tiff,.heic,.pdf,.docx,.xlsx,.pptx,.doc,.xls,.ppt,.wps,.et,.dps,.txt,.csv,.md";
            @if let Some(e) = error { p.err { (e) } }
        }
    }
}
