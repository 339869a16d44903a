//! Units (单位) — the organisations that lead and co-operate on items — and the people who hold
//! responsibility for them.

use serde::{Deserialize, Serialize};

use crate::{Code, Text};

/// What sort of organisation a unit is. Used for grouping in assessments and lists.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum UnitKind {
    /// The leading body and its office (推进办).
    Office,
    /// A municipal department (市直单位).
    Department,
    /// A district, county or county-level city (县市区).
    District,
    /// A development zone (开发区).
    Zone,
    /// A state-owned company.
    Company,
    /// Anything above or outside the city: the province, a central ministry, a railway bureau.
    External,
    /// Any other body.
    Other,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub code: Code,
    pub name: Text,
    pub kind: UnitKind,
    /// The unit above this one (a street office's district), if any.
    pub parent: Option<Code>,
    /// True when the plan's source does not name this unit and it was chosen as a plausible
    /// owner; shown to users so nobody mistakes an assumption for the source's word.
    pub assumed: bool,
}

/// A person who carries responsibility: a responsible leader (责任领导) or a leader in charge
/// (分管领导). Plans often name posts rather than people, so the name may be a post.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub code: Code,
    pub name: Text,
    /// The post held, e.g. 副市长.
    pub post: Text,
    pub unit: Option<Code>,
    /// A telephone number to reach them on, for the office's chase list (催办); seen by
    /// signed-in users only, never published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub assumed: bool,
}

/// Whether `s` reads as a telephone number: digits with the signs numbers are written with
/// (`+86 371-6718 8000`, `(0371)67188000`, `…转 8001` / `ext. 8001`), at least five digits.
pub fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
    let rest = s
        .replace("转", "")
        .replace("ext.", "")
        .replace("ext", "")
        .replace("分机", "");
    digits >= 5
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()（）/".contains(c))
}
