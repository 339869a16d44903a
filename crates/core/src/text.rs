//! Bilingual text. Chinese is the primary language of every plan; English is the second and may
//! be missing on a draft, never the Chinese.

use serde::{Deserialize, Serialize};

pub use crate::i18n::Lang;

/// Both languages in one allocation: where the Chinese ends (its length in bytes, in decimal,
/// then `:`), the Chinese, then the English. A server keeps a million items' titles and
/// descriptions in memory; two `String`s each would be 96 bytes an item before any text, this
/// is 16 (and the few bytes of the length). The length is written in the text rather than
/// beside it because a `u32` beside a `Box<str>` pads the pair to 24 bytes. The empty text has
/// no length at all.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Fields", into = "Fields")]
pub struct Text {
    both: Box<str>,
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
        if zh.is_empty() && en.is_empty() {
            return Text::default();
        }
        let len = zh.len().to_string();
        // One allocation of the exact size: a million items' titles are loaded at once, and
        // growing a buffer per title would leave the allocator's pages full of holes.
        let mut both = String::with_capacity(len.len() + 1 + zh.len() + en.len());
        both.push_str(&len);
        both.push(':');
        both.push_str(zh);
        both.push_str(en);
        Text {
            both: both.into_boxed_str(),
        }
    }

    /// The Chinese and the English.
    fn parts(&self) -> (&str, &str) {
        // `new` wrote the length; nothing else makes a `Text`.
        let Some((len, rest)) = self.both.split_once(':') else {
            return ("", "");
        };
        rest.split_at(
            len.parse()
                .expect("a text begins with its Chinese's length"),
        )
    }

    /// The Chinese.
    pub fn zh(&self) -> &str {
        self.parts().0
    }

    /// The English; empty when the plan has none.
    pub fn en(&self) -> &str {
        self.parts().1
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
    fn a_text_is_two_words() {
        assert_eq!(std::mem::size_of::<Text>(), 16);
    }

    /// The length written ahead of the Chinese is never taken for the text: a Chinese that
    /// itself begins with digits and a colon, or holds colons, comes back whole.
    #[test]
    fn digits_and_colons_in_the_text_are_the_texts() {
        for (zh, en) in [
            ("2020:年", "2020: the year"),
            ("12:", ""),
            (":", ":"),
            ("", "3:x"),
            ("一：二:三", "a:b"),
        ] {
            let t = Text::new(zh, en);
            assert_eq!((t.zh(), t.en()), (zh, en));
        }
        let long = "字".repeat(20_000);
        let t = Text::new(&long, "x");
        assert_eq!((t.zh(), t.en()), (long.as_str(), "x"));
    }
}
