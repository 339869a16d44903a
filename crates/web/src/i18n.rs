//! Interface languages: Chinese (the default) and English. Every piece of interface text is
//! looked up by key in the message catalogues `locales/zh.toml` and `locales/en.toml`, which
//! are compiled into the binary; a test fails when a key used in the code is missing from
//! either, or when the two catalogues do not hold the same keys. Domain text (titles, names)
//! carries both languages itself (`core::Text`); `Lang::pick` chooses.

use std::collections::HashMap;
use std::sync::LazyLock;

use tuijin_core::Text;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
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

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
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
        let cat = &CATALOGUES[self as usize];
        cat.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The message for `key` with `{name}` placeholders filled in.
    pub fn f(self, key: &'static str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut s = self.t(key).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), &value.to_string());
        }
        s
    }

    /// The text of a domain object in this language, falling back to Chinese.
    pub fn pick(self, t: &Text) -> &str {
        match self {
            Lang::En if !t.en.is_empty() => &t.en,
            _ => &t.zh,
        }
    }
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
    }

    /// Every key the code asks for (`.t("…")` and `.f("…"`) is in the catalogues.
    #[test]
    fn every_key_used_in_the_code_exists() {
        let [zh, _] = &*CATALOGUES;
        let mut missing = Vec::new();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut stack = vec![std::path::PathBuf::from(dir)];
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
    fn placeholders_are_filled() {
        let unknown = "no.such.key";
        assert_eq!(Lang::En.t(unknown), unknown);
        let s = Lang::En.f("demo.banner", &[("date", &"2020-06-30")]);
        assert!(s.contains("2020-06-30"), "{s}");
    }
}
