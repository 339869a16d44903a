//! Stable codes: the human-readable keys (`T5.2`, `FGW`, `gdp`) by which plans, items, units,
//! people and indicators are referred to in files, URLs and conversations.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest code accepted; long enough for generated codes like `T10.3.12.4.7`.
pub const MAX_CODE_LEN: usize = 64;

/// What `Code::parse` accepts, as a regular expression (ECMA-262 and Rust `regex` alike), for
/// the API's published description; a test holds the two to the same answers.
pub const CODE_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

/// A validated code: 1 to 64 characters of ASCII letters, digits, `.`, `-` and `_`, starting
/// with a letter or digit. Codes appear in URLs and spreadsheet cells, so nothing that needs
/// escaping is allowed.
///
/// Held as an `EcoString`: 16 bytes, and a code of up to 15 characters (nearly all) needs no
/// allocation of its own — an item carries up to five codes and a million-item plan in memory
/// a million items (a `String` apiece was 24 bytes and a 16-byte allocation).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(ecow::EcoString);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a code may not be empty")]
    Empty,
    #[error("a code is at most {MAX_CODE_LEN} characters long (this one has {0})")]
    TooLong(usize),
    #[error(
        "a code may hold only ASCII letters, digits, '.', '-' and '_' (found {0:?} at position {1})"
    )]
    BadChar(char, usize),
    #[error("a code must start with a letter or digit")]
    BadStart,
}

impl Code {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        if s.is_empty() {
            return Err(CodeError::Empty);
        }
        let len = s.chars().count();
        if len > MAX_CODE_LEN {
            return Err(CodeError::TooLong(len));
        }
        for (i, c) in s.chars().enumerate() {
            if !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')) {
                return Err(CodeError::BadChar(c, i + 1));
            }
        }
        if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(CodeError::BadStart);
        }
        Ok(Code(s.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Code {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Code::parse(&s)
    }
}

impl From<Code> for String {
    fn from(c: Code) -> String {
        c.0.into()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<(), CodeError>) {
        assert_eq!(Code::parse(input).map(|_| ()), expected, "input {input:?}");
    }

    #[test]
    fn a_code_is_two_words_and_a_short_one_is_held_inline() {
        assert_eq!(std::mem::size_of::<Code>(), 16);
        assert!(std::mem::size_of::<Option<Code>>() <= 24);
        let c = Code::parse("T10.3.12.4.7").unwrap();
        let text = c.as_str().as_ptr() as usize;
        let at = &c as *const Code as usize;
        assert!(
            (at..at + 16).contains(&text),
            "a 12-character code is inline"
        );
        let long = Code::parse(&"a".repeat(64)).unwrap();
        assert_eq!(long.as_str().len(), 64);
    }

    #[test]
    fn codes() {
        check("T5.2", Ok(()));
        check("zz-ncc_2017", Ok(()));
        check("", Err(CodeError::Empty));
        check(&"a".repeat(65), Err(CodeError::TooLong(65)));
        check("T 5", Err(CodeError::BadChar(' ', 2)));
        check("任务", Err(CodeError::BadChar('任', 1)));
        check(".T5", Err(CodeError::BadStart));
    }

    proptest::proptest! {
        /// The published pattern and the parser agree on every string, near-codes included.
        #[test]
        fn the_pattern_says_what_the_parser_accepts(s in "[A-Za-z0-9._ -]{0,70}|.{0,5}") {
            let pattern = regex::Regex::new(CODE_PATTERN).unwrap();
            proptest::prop_assert_eq!(pattern.is_match(&s), Code::parse(&s).is_ok(), "{:?}", s);
        }
    }
}
