//! Languages and the one message catalogue: Chinese (the default) and English. Every piece of
//! text shown to a person — page labels, rule problems, plan-file problems, warning details —
//! is looked up by key in `locales/zh.toml` and `locales/en.toml`, compiled into the binary.
//! Tests fail when a key used anywhere in the workspace is missing from either catalogue, or
//! when the two catalogues do not hold the same keys. Domain text (titles, names) carries both
//! languages itself (`Text`); `Lang::pick` chooses.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::Text;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

const ZH: &str = include_str!("../locales/zh.toml");
const EN: &str = include_str!("../locales/en.toml");

fn parse(name: &str, src: &str) -> HashMap<String, String> {
    toml::from_str(src).unwrap_or_else(|e| panic!("catalogue {name}: {e}"))
}

static CATALOGUES: LazyLock<[HashMap<String, String>; 2]> =
    LazyLock::new(|| [parse("zh.toml", ZH), parse("en.toml", EN)]);

/// A unit of measure in the reader's language: the catalogue knows the common ones (亿元, 万人,
/// 公里, …); any other is shown as the plan wrote it. One home for the pages, the documents and
/// the warning details.
pub fn unit_of_measure(l: Lang, unit: &str) -> String {
    let key = match unit {
        "亿元" => "uom.yi_yuan",
        "万人" => "uom.wan_people",
        "万元" => "uom.wan_yuan",
        "公里" | "km" => "uom.km",
        "条" => "uom.tiao",
        "个" => "uom.ge",
        "%" => "uom.percent",
        _ => return unit.to_string(),
    };
    l.t(key).to_string()
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-cn" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language an `Accept-Language` header prefers, of the two we have; Chinese when it
    /// names neither.
    pub fn from_accept(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("zh") {
                return Lang::Zh;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Zh
    }

    /// `zh` or `en`: what the cookie and the user record hold.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The value for the `lang` attribute of a page.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The message for `key`; the key itself if a catalogue lacks it (which a test forbids).
    pub fn t(self, key: &'static str) -> &'static str {
        self.lookup(key).unwrap_or(key)
    }

    /// The message for a key built at run time (`problem.{rule}`), if the catalogue has it.
    pub fn lookup(self, key: &str) -> Option<&'static str> {
        let cat: &'static HashMap<String, String> = &CATALOGUES[self as usize];
        cat.get(key).map(String::as_str)
    }

    /// Whether the catalogues have a message for `key`.
    pub fn has(key: &str) -> bool {
        CATALOGUES[0].contains_key(key)
    }

    /// The message for `key` with `{name}` placeholders filled in.
    pub fn f(self, key: &'static str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        fill(self.t(key), args)
    }

    /// The text of a domain object in this language, falling back to Chinese.
    pub fn pick(self, t: &Text) -> &str {
        t.get(self)
    }
}

/// Fills `{name}` placeholders of a message.
pub fn fill(message: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut s = message.to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), &value.to_string());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_catalogues_hold_the_same_keys_and_no_empty_messages() {
        let [zh, en] = &*CATALOGUES;
        let zk: BTreeSet<&String> = zh.keys().collect();
        let ek: BTreeSet<&String> = en.keys().collect();
        let only_zh: Vec<_> = zk.difference(&ek).collect();
        let only_en: Vec<_> = ek.difference(&zk).collect();
        assert!(only_zh.is_empty(), "missing in en.toml: {only_zh:?}");
        assert!(only_en.is_empty(), "missing in zh.toml: {only_en:?}");
        for (k, v) in zh.iter().chain(en.iter()) {
            assert!(!v.trim().is_empty(), "empty message for {k}");
        }
        // The same placeholders in both languages.
        let holes = |s: &str| -> BTreeSet<String> {
            s.split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .collect()
        };
        for (k, z) in zh {
            assert_eq!(holes(z), holes(&en[k]), "placeholders of {k} differ");
        }
    }

    /// Every key the code asks for (`.t("…")` and `.f("…"`), in every crate of the workspace,
    /// is in the catalogues.
    #[test]
    fn every_key_used_in_the_code_exists() {
        let [zh, _] = &*CATALOGUES;
        let mut missing = Vec::new();
        let crates = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut stack: Vec<std::path::PathBuf> = std::fs::read_dir(crates)
            .unwrap()
            .map(|e| e.unwrap().path().join("src"))
            .filter(|p| p.is_dir())
            .collect();
        let mut used = 0;
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.ends_with("i18n.rs") {
                    continue; // this file names the patterns in its comments
                }
                let src = std::fs::read_to_string(&path).unwrap();
                for pat in [".t(\"", ".f(\""] {
                    for (at, _) in src.match_indices(pat) {
                        let rest = &src[at + pat.len()..];
                        let key = &rest[..rest.find('"').unwrap()];
                        used += 1;
                        if !zh.contains_key(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(used > 100, "the scan found only {used} keys");
        assert!(
            missing.is_empty(),
            "keys missing from the catalogues: {missing:#?}"
        );
    }

    #[test]
    fn placeholders_are_filled_and_languages_negotiated() {
        let unknown = "no.such.key";
        assert_eq!(Lang::En.t(unknown), unknown);
        let s = Lang::En.f("demo.banner", &[("date", &"2020-06-30")]);
        assert!(s.contains("2020-06-30"), "{s}");
        assert_eq!(Lang::from_accept("en-GB,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(Lang::from_accept("fr"), Lang::Zh);
    }
}
