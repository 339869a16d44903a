//! Bilingual text. Chinese is the primary language of every plan; English is the second and may
//! be missing on a draft, never the Chinese.

use serde::{Deserialize, Serialize};

pub use crate::i18n::Lang;

/// Both languages in one allocation: the Chinese, then the English, and where the Chinese ends.
/// A server keeps a million items' titles and descriptions in memory; two `String`s each would
/// be 96 bytes an item before any text, this is 48.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Fields", into = "Fields")]
pub struct Text {
    both: Box<str>,
    /// The length of the Chinese in `both`, in bytes.
    zh: u32,
}

/// The serialized form: `{ "zh": …, "en": … }`, the English left out when empty.
#[derive(Serialize, Deserialize)]
struct Fields {
    zh: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    en: String,
}

impl From<Fields> for Text {
    fn from(f: Fields) -> Text {
        Text::new(f.zh, f.en)
    }
}

impl From<Text> for Fields {
    fn from(t: Text) -> Fields {
        Fields {
            zh: t.zh().to_string(),
            en: t.en().to_string(),
        }
    }
}

impl Text {
    pub fn new(zh: impl AsRef<str>, en: impl AsRef<str>) -> Self {
        let (zh, en) = (zh.as_ref(), en.as_ref());
        // Texts are titles and passages read from a plan file or a form, far below 4 GB.
        let zh_len = u32::try_from(zh.len()).expect("a text under 4 GB");
        // One allocation of the exact size: a million items' titles are loaded at once, and
        // growing a buffer per title would leave the allocator's pages full of holes.
        let mut both = String::with_capacity(zh.len() + en.len());
        both.push_str(zh);
        both.push_str(en);
        Text {
            both: both.into_boxed_str(),
            zh: zh_len,
        }
    }

    /// The Chinese.
    pub fn zh(&self) -> &str {
        &self.both[..self.zh as usize]
    }

    /// The English; empty when the plan has none.
    pub fn en(&self) -> &str {
        &self.both[self.zh as usize..]
    }

    /// The text in the requested language, falling back to Chinese when the English is missing.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.en().is_empty() => self.en(),
            _ => self.zh(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.both.is_empty()
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Text")
            .field("zh", &self.zh())
            .field("en", &self.en())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_come_back_as_given() {
        let t = Text::new("郑州", "Zhengzhou");
        assert_eq!((t.zh(), t.en()), ("郑州", "Zhengzhou"));
        assert_eq!(t.get(Lang::En), "Zhengzhou");
        assert_eq!(t.get(Lang::Zh), "郑州");
        let zh_only = Text::new("郑州", "");
        assert_eq!((zh_only.zh(), zh_only.en()), ("郑州", ""));
        assert_eq!(
            zh_only.get(Lang::En),
            "郑州",
            "English falls back to Chinese"
        );
        let en_only = Text::new("", "Zhengzhou");
        assert_eq!((en_only.zh(), en_only.en()), ("", "Zhengzhou"));
        assert!(!en_only.is_empty());
        assert!(Text::default().is_empty());
        assert_eq!(Text::default().zh(), "");
        // Equal texts are equal in both parts, not only in their concatenation.
        assert_ne!(Text::new("ab", "c"), Text::new("a", "bc"));
    }

    #[test]
    fn it_serializes_as_two_fields_and_leaves_an_empty_english_out() {
        let t = Text::new("郑州", "Zhengzhou");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#"{"zh":"郑州","en":"Zhengzhou"}"#);
        assert_eq!(serde_json::from_str::<Text>(&json).unwrap(), t);
        assert_eq!(
            serde_json::to_string(&Text::new("郑州", "")).unwrap(),
            r#"{"zh":"郑州"}"#
        );
        assert_eq!(
            serde_json::from_str::<Text>(r#"{"zh":"郑州"}"#).unwrap(),
            Text::new("郑州", "")
        );
    }

    #[test]
    fn a_text_is_three_words() {
        assert_eq!(std::mem::size_of::<Text>(), 24);
    }
}
