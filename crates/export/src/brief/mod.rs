//! A briefing (`tuijin_core::briefing::Brief`) written as a file: Markdown, DOCX (real Word
//! heading and table styles, editable before it is sent) and PDF (A4, typeset by typst with
//! the machine's CJK fonts embedded, page numbers, a table of contents, charts as vectors).
//! The HTML form is the web layer's (`tuijin_web::briefing::html`).

mod docx;
mod markdown;
#[cfg(feature = "pdf")]
mod pdf;
mod raster;

pub use docx::docx;
pub use markdown::markdown;
#[cfg(feature = "pdf")]
pub use pdf::{FontsMissing, pdf};

/// The formats a briefing is written in.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantArray,
)]
#[strum(serialize_all = "lowercase")]
pub enum BriefFormat {
    Pdf,
    Docx,
    Md,
    Html,
}

impl BriefFormat {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    /// The file's media type.
    pub fn media_type(self) -> &'static str {
        match self {
            BriefFormat::Pdf => "application/pdf",
            BriefFormat::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            BriefFormat::Md => "text/markdown; charset=utf-8",
            BriefFormat::Html => "text/html; charset=utf-8",
        }
    }
}
