//! The plan file: a human-editable TOML document (`docs/plan-format.md`).
//!
//! Reading keeps the byte span of every table and value, so that each problem — a TOML syntax
//! error, an unknown field, a wrong type, or a cross-field rule from `tuijin_core::validate` —
//! is reported at its file:line:column. Every problem is collected; none stops the read.

mod read;
mod write;

use std::fmt;

use serde::Serialize;
use tuijin_core::text::Lang;
use tuijin_core::validate::{FieldPath, ProblemKind};

pub use read::{FIELDS, read_plan};
pub use write::write_plan;

/// One problem at a place in a file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Located {
    pub line: usize,
    pub column: usize,
    /// Where in the document, e.g. `item[12].parent`; absent for syntax errors.
    pub path: Option<String>,
    /// The item, unit… code of the entry the problem is in, when known.
    pub entry: Option<String>,
    pub class: &'static str,
    #[serde(skip)]
    pub kind: ProblemKind,
    pub message: String,
}

/// All problems of one file, in file order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanFileErrors {
    pub file: String,
    pub problems: Vec<Located>,
}

impl PlanFileErrors {
    /// Renders each problem as `file:line:column: message`, in the requested language.
    pub fn render(&self, lang: Lang) -> String {
        let mut s = String::new();
        for p in &self.problems {
            let msg = p.kind.message(lang);
            let at = match (&p.path, &p.entry) {
                (Some(path), Some(e)) => format!(" [{path}, {e}]"),
                (Some(path), None) => format!(" [{path}]"),
                _ => String::new(),
            };
            s.push_str(&format!(
                "{}:{}:{}: {msg}{at}\n",
                self.file, p.line, p.column
            ));
        }
        s
    }
}

impl fmt::Display for PlanFileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

impl std::error::Error for PlanFileErrors {}

/// 1-based line and column (in characters, so CJK text counts one per character) of a byte
/// offset.
pub(crate) fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..floor_char_boundary(src, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub(crate) fn path_string(path: &FieldPath) -> String {
    path.to_string()
}
