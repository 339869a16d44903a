//! The assessment scheme file (`docs/assessment-format.md`): TOML read through serde (which
//! reports syntax errors, unknown fields and wrong types at their span), then checked by
//! `tuijin_core::assess::check_scheme`, each problem located by walking the document to the
//! field its path names.

use std::fmt;
use std::ops::Range;

use serde::Serialize;
use toml::de::{DeTable, DeValue};
use tuijin_core::Unit;
use tuijin_core::assess::{Scheme, check_scheme};
use tuijin_core::problem::Problem;
use tuijin_core::text::Lang;

use crate::planfile::line_column;

/// One problem of a scheme file, at its place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemeProblem {
    pub line: usize,
    pub column: usize,
    /// The field, e.g. `category[0].criterion[2].weight`; absent for syntax errors.
    pub path: Option<String>,
    /// The rule's code, or `syntax` for what the TOML reader refused.
    pub code: String,
    #[serde(skip)]
    problem: Option<Problem>,
    #[serde(skip)]
    syntax: String,
}

impl SchemeProblem {
    /// The problem as the API answers it: the field path (or `source` for syntax), with the
    /// line and column among its values.
    pub fn to_problem(&self) -> Problem {
        let p = match &self.problem {
            Some(p) => p.clone(),
            None => Problem::new("source", tuijin_core::problem::Rule::FileSyntax)
                .with("message", &self.syntax),
        };
        p.with("line", self.line).with("column", self.column)
    }

    pub fn message(&self, lang: Lang) -> String {
        match &self.problem {
            Some(p) => p.message(lang),
            None => self.syntax.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemeFileErrors {
    pub file: String,
    pub problems: Vec<SchemeProblem>,
}

impl SchemeFileErrors {
    /// `file:line:column: message [path]`, one per line.
    pub fn render(&self, lang: Lang) -> String {
        let mut s = String::new();
        for p in &self.problems {
            let at = p
                .path
                .as_ref()
                .map(|x| format!(" [{x}]"))
                .unwrap_or_default();
            s.push_str(&format!(
                "{}:{}:{}: {}{at}\n",
                self.file,
                p.line,
                p.column,
                p.message(lang)
            ));
        }
        s
    }
}

impl fmt::Display for SchemeFileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

impl std::error::Error for SchemeFileErrors {}

/// Reads a scheme and checks it against the plan's units and notice levels.
pub fn read_scheme(
    file: &str,
    src: &str,
    units: &[Unit],
    levels: &[String],
) -> Result<Scheme, SchemeFileErrors> {
    let fail = |problems| SchemeFileErrors {
        file: file.to_string(),
        problems,
    };
    let scheme: Scheme = match toml::from_str(src) {
        Ok(s) => s,
        Err(e) => {
            let (line, column) = line_column(src, e.span().map_or(0, |s| s.start));
            return Err(fail(vec![SchemeProblem {
                line,
                column,
                path: None,
                code: "syntax".into(),
                problem: None,
                syntax: e.message().trim().to_string(),
            }]));
        }
    };
    let problems = check_scheme(&scheme, units, levels);
    if problems.is_empty() {
        return Ok(scheme);
    }
    let root = DeTable::parse(src).map_err(|_| fail(Vec::new()))?;
    let mut out: Vec<SchemeProblem> = problems
        .into_iter()
        .map(|p| {
            let at = locate(root.get_ref(), &p.field).unwrap_or(0..0);
            let (line, column) = line_column(src, at.start);
            SchemeProblem {
                line,
                column,
                path: Some(p.field.clone()),
                code: p.rule.code().to_string(),
                problem: Some(p),
                syntax: String::new(),
            }
        })
        .collect();
    out.sort_by_key(|p| (p.line, p.column));
    Err(fail(out))
}

/// The span of the value a path names (`a[1].b.c`), or of the deepest part of it that exists.
fn locate(root: &DeTable<'_>, path: &str) -> Option<Range<usize>> {
    let mut table = root;
    let mut best = None;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let (key, index) = match part.split_once('[') {
            Some((k, i)) => (k, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let (k, v) = table.get_key_value(key)?;
        best = Some(k.span());
        let mut value = v;
        if let Some(i) = index {
            match value.get_ref() {
                DeValue::Array(a) => match a.get(i) {
                    Some(x) => value = x,
                    None => return best,
                },
                _ => return best,
            }
        }
        best = Some(value.span());
        if parts.peek().is_some() {
            match value.get_ref() {
                DeValue::Table(t) => {
                    // An array-of-tables entry's span is its first key: better than `[[…]]`.
                    table = t;
                }
                _ => return best,
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use tuijin_core::{Code, Text, UnitKind};

    fn units() -> Vec<Unit> {
        ["d1", "d2"]
            .iter()
            .map(|c| Unit {
                code: Code::parse(c).unwrap(),
                name: Text::new(*c, *c),
                kind: UnitKind::District,
                parent: None,
                assumed: false,
            })
            .collect()
    }

    fn levels() -> Vec<String> {
        vec!["blue".into(), "yellow".into(), "red".into()]
    }

    const GOOD: &str = "[scheme]\ncode = \"s\"\ntitle = \"方案\"\n\n[[category]]\ncode = \"d\"\nname = \"县区\"\ntotal = 100\nkinds = [\"district\"]\n\n[[category.criterion]]\nkind = \"completion\"\nweight = 60\n\n[[category.criterion]]\nkind = \"reports\"\nweight = 40\n";

    /// Every field of every table, as `docs/assessment-format.md` lists them.
    const FIELDS: &[(&str, &[&str])] = &[
        (
            "scheme",
            &[
                "code",
                "title",
                "title_en",
                "plan",
                "example",
                "description",
                "description_en",
            ],
        ),
        ("grade", &["name", "name_en", "min"]),
        (
            "category",
            &[
                "code",
                "name",
                "name_en",
                "total",
                "kinds",
                "units",
                "criterion",
            ],
        ),
        (
            "criterion",
            &[
                "kind",
                "weight",
                "when_none",
                "cooperating",
                "partial",
                "sign_within",
                "deduct",
                "bonus_cap",
                "deduction_cap",
            ],
        ),
        (
            "adjustment",
            &[
                "unit",
                "period",
                "points",
                "reason",
                "evidence",
                "approved_by",
            ],
        ),
    ];

    #[test]
    fn the_format_document_lists_every_field_the_reader_takes() {
        let doc = include_str!("../../../docs/assessment-format.md");
        let sample = serde_json::json!({
            "scheme": {"code": "s", "title": "t", "title_en": "", "plan": "p", "example": true,
                "description": "", "description_en": ""},
            "grade": [{"name": "g", "name_en": "", "min": 1.0}],
            "category": [{"code": "c", "name": "n", "name_en": "", "total": 1.0, "kinds": [],
                "units": [], "criterion": [{"kind": "completion", "weight": 1.0, "when_none": "full",
                "cooperating": 0.5, "partial": true, "sign_within": 1, "deduct": {},
                "bonus_cap": 1.0, "deduction_cap": 1.0}]}],
            "adjustment": [{"unit": "u", "period": "2019", "points": 1.0, "reason": "r",
                "evidence": "e", "approved_by": "a"}]
        });
        // The reader takes every listed field, and no other (it refuses unknown fields).
        let back: Scheme = serde_json::from_value(sample.clone()).unwrap();
        let again = serde_json::to_value(&back).unwrap();
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v.as_object().unwrap().keys().cloned().collect()
        };
        let mut got = [
            ("scheme", keys(&again["scheme"])),
            ("grade", keys(&again["grade"][0])),
            ("category", keys(&again["category"][0])),
            ("criterion", keys(&again["category"][0]["criterion"][0])),
            ("adjustment", keys(&again["adjustment"][0])),
        ];
        for ((table, listed), (t, taken)) in FIELDS.iter().zip(got.iter_mut()) {
            assert_eq!(table, t);
            let mut listed: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
            listed.sort();
            taken.sort();
            assert_eq!(&listed, taken, "{table}");
            for f in &listed {
                assert!(
                    doc.contains(&format!("| `{f}` |")),
                    "docs/assessment-format.md lacks `{f}` of [{table}]"
                );
            }
        }
    }

    #[test]
    fn a_good_scheme_reads() {
        let s = read_scheme("s.toml", GOOD, &units(), &levels()).unwrap();
        assert_eq!(s.category[0].criterion.len(), 2);
    }

    #[test]
    fn syntax_unknown_fields_and_wrong_types_are_located() {
        let e = read_scheme(
            "s.toml",
            "[scheme]\ncode = \"s\"\ntitle = \"x\"\ncolour = 1\n",
            &units(),
            &levels(),
        )
        .unwrap_err();
        assert_eq!(
            (e.problems[0].line, e.problems[0].code.as_str()),
            (4, "syntax")
        );
        assert!(
            e.render(Lang::En).contains("colour"),
            "{}",
            e.render(Lang::En)
        );
        let bad = GOOD.replace("weight = 40", "weight = \"forty\"");
        let e = read_scheme("s.toml", &bad, &units(), &levels()).unwrap_err();
        assert_eq!(e.problems[0].line, 17);
        let e = read_scheme("s.toml", "[scheme\n", &units(), &levels()).unwrap_err();
        assert_eq!(e.problems[0].line, 1);
    }

    #[test]
    fn rule_problems_point_at_their_field() {
        let bad = GOOD.replace("weight = 40", "weight = 30");
        let e = read_scheme("s.toml", &bad, &units(), &levels()).unwrap_err();
        let p = &e.problems[0];
        assert_eq!((p.line, p.column, p.code.as_str()), (8, 9, "weights_sum"));
        assert!(
            e.render(Lang::Zh)
                .starts_with("s.toml:8:9: 各项指标分值合计 90.00 分"),
            "{}",
            e.render(Lang::Zh)
        );
        let bad = GOOD.replace(
            "kind = \"reports\"\nweight = 40",
            "kind = \"reports\"\nweight = 40\ncooperating = 0.5",
        );
        let e = read_scheme("s.toml", &bad, &units(), &levels()).unwrap_err();
        assert_eq!(
            (e.problems[0].line, e.problems[0].code.as_str()),
            (18, "not_for_kind")
        );
        let bad = GOOD.replace(
            "kinds = [\"district\"]",
            "kinds = [\"district\"]\nunits = [\"d1\", \"ghost\"]",
        );
        let e = read_scheme("s.toml", &bad, &units(), &levels()).unwrap_err();
        let p = e
            .problems
            .iter()
            .find(|p| p.code == "unknown_unit")
            .unwrap();
        assert_eq!((p.line, p.column), (10, 16));
    }
}
