//! Reading a plan file into a `PlanDocument`, collecting located problems.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use tuijin_core::VariantArray;

use chrono::NaiveDate;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};
use tuijin_core::validate::{FieldPath, ProblemKind, Section, validate};
use tuijin_core::{
    Cadence, Code, CountingBasis, Direction, Frequency, Indicator, IndicatorTarget, Item, ItemKind,
    LevelLabel, ManualProgress, PathKind, PathPoint, Percent, Person, Plan, PlanDocument,
    PlanSource, ProgressFrom, Reporting, RollupRule, Share, Stage, StatusAgainst, Target, Text,
    Thresholds, TrajectoryPoint, Unit, UnitKind, Weight, text::Lang,
};

use super::{Located, PlanFileErrors, line_column, path_string};

mod entries;

const TOP: &[&str] = &[
    "plan",
    "stage",
    "level",
    "unit",
    "person",
    "item",
    "indicator",
];
const PLAN: &[&str] = &[
    "code",
    "title",
    "title_en",
    "description",
    "description_en",
    "timezone",
    "cadence",
    "start",
    "end",
    "source",
    "thresholds",
    "rollup",
    "status_against",
    "reporting",
    "notices",
];
const NOTICES: &[&str] = &[
    "number_format",
    "levels",
    "escalate_every",
    "issuer",
    "issuer_en",
    "contact",
];
const SOURCE: &[&str] = &["title", "title_en", "date", "occasion", "occasion_en"];
const THRESHOLDS: &[&str] = &["at_risk", "off_track", "forecast_miss"];
const REPORTING: &[&str] = &["due_day", "grace_days", "stale_days"];
const MANUAL: &[&str] = &["percent", "reason"];
const STAGE: &[&str] = &[
    "code",
    "title",
    "title_en",
    "description",
    "description_en",
    "end",
];
const LEVEL: &[&str] = &["kind", "label", "label_en"];
const UNIT: &[&str] = &["code", "name", "name_en", "kind", "parent", "assumed"];
const PERSON: &[&str] = &[
    "code", "name", "name_en", "post", "post_en", "unit", "phone", "assumed",
];
const ITEM: &[&str] = &[
    "code",
    "kind",
    "parent",
    "title",
    "title_en",
    "description",
    "description_en",
    "lead",
    "co",
    "leader",
    "leader_in_charge",
    "start",
    "due",
    "weight",
    "public",
    "supports",
    "source",
    "trajectory",
    "target",
    "three_ones",
    "rollup",
    "manual",
    "cancelled",
    "shares",
    "progress",
];
const TRAJECTORY: &[&str] = &["date", "percent"];
const SHARE: &[&str] = &["unit", "share"];
const TARGET: &[&str] = &["value", "unit", "by", "indicator"];
const INDICATOR: &[&str] = &[
    "code",
    "name",
    "name_en",
    "unit",
    "direction",
    "frequency",
    "baseline",
    "baseline_year",
    "targets",
    "owner",
    "scope",
    "public",
    "basis",
    "publication_lag",
    "path",
    "points",
    "source",
];
const INDICATOR_TARGET: &[&str] = &["year", "value"];
const INDICATOR_POINT: &[&str] = &["on", "value"];

/// Every table the reader knows, with the fields it accepts there: what
/// `docs/plan-format.md` must describe (a test holds the two together).
pub const FIELDS: &[(&str, &[&str])] = &[
    ("", TOP),
    ("plan", PLAN),
    ("plan.source", SOURCE),
    ("plan.thresholds", THRESHOLDS),
    ("plan.reporting", REPORTING),
    ("plan.notices", NOTICES),
    ("stage", STAGE),
    ("level", LEVEL),
    ("unit", UNIT),
    ("person", PERSON),
    ("indicator", INDICATOR),
    ("indicator.targets", INDICATOR_TARGET),
    ("indicator.points", INDICATOR_POINT),
    ("item", ITEM),
    ("item.manual", MANUAL),
    ("item.trajectory", TRAJECTORY),
    ("item.shares", SHARE),
    ("item.target", TARGET),
];

/// Reads and validates a plan file. `file` is the name used in messages.
pub fn read_plan(file: &str, src: &str) -> Result<PlanDocument, PlanFileErrors> {
    let mut r = Reader {
        src,
        problems: Vec::new(),
        codes: HashMap::new(),
        unbuilt: HashSet::new(),
    };
    let root = match DeTable::parse(src) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let message = e.message().trim().to_string();
            r.problems
                .push(r.located(offset, None, ProblemKind::Syntax { message }));
            return Err(PlanFileErrors {
                file: file.to_string(),
                problems: r.problems,
            });
        }
    };
    let doc = r.document(root.get_ref(), root.span());
    let mut problems = r.problems;
    if let Some(doc) = &doc {
        for p in validate(doc) {
            let about_unbuilt = match &p.kind {
                ProblemKind::UnknownParent { code }
                | ProblemKind::UnknownItem { code }
                | ProblemKind::UnknownUnit { code }
                | ProblemKind::UnknownPerson { code }
                | ProblemKind::UnknownIndicator { code } => r.unbuilt.contains(code),
                _ => false,
            };
            if about_unbuilt {
                continue;
            }
            let (offset, entry) = r_locate(root.get_ref(), &r.codes, &p.path);
            let (line, column) = line_column(src, offset);
            problems.push(Located {
                line,
                column,
                path: Some(path_string(&p.path)),
                entry,
                class: p.kind.class(),
                message: p.kind.message(Lang::En),
                kind: p.kind,
            });
        }
    }
    problems.sort_by_key(|p| (p.line, p.column));
    match doc {
        Some(doc) if problems.is_empty() => Ok(doc),
        _ => Err(PlanFileErrors {
            file: file.to_string(),
            problems,
        }),
    }
}

/// Where a problem found after reading is in the file: the field its path names, else the
/// same field without its index, else the outer field (`target` for `target.indicator`), else
/// the section. Looked up in the parsed file when a problem needs it: recording where every
/// field was while reading cost a million-item plan ten million map entries (a third of its
/// read time).
fn r_locate(
    root: &DeTable<'_>,
    codes: &HashMap<Section, String>,
    path: &FieldPath,
) -> (usize, Option<String>) {
    let outer = path.field.split('.').next().unwrap_or_default();
    let offset = span_of(root, path)
        .or_else(|| {
            span_of(
                root,
                &FieldPath {
                    index: None,
                    ..path.clone()
                },
            )
        })
        .or_else(|| span_of(root, &FieldPath::new(path.section, outer)))
        .or_else(|| span_of(root, &FieldPath::new(path.section, "")))
        .unwrap_or(0);
    (offset, codes.get(&path.section).cloned())
}

/// Where `path` starts in the parsed file, if the file has it: its section's table, then each
/// dotted part of the field (`shares[1].unit`), then the element `index` names.
fn span_of(root: &DeTable<'_>, path: &FieldPath) -> Option<usize> {
    let (key, n) = match path.section {
        Section::Plan => ("plan", None),
        Section::Stage(n) => ("stage", Some(n)),
        Section::Level(n) => ("level", Some(n)),
        Section::Unit(n) => ("unit", Some(n)),
        Section::Person(n) => ("person", Some(n)),
        Section::Item(n) => ("item", Some(n)),
        Section::Indicator(n) => ("indicator", Some(n)),
    };
    let mut v = root.get(key)?;
    if let Some(n) = n {
        v = v.get_ref().as_array()?.get(n)?;
    }
    if !path.field.is_empty() {
        for part in path.field.split('.') {
            let (name, at) = match part.split_once('[') {
                Some((name, rest)) => (name, Some(rest.strip_suffix(']')?.parse::<usize>().ok()?)),
                None => (part, None),
            };
            v = v.get_ref().as_table()?.get(name)?;
            if let Some(at) = at {
                v = v.get_ref().as_array()?.get(at)?;
            }
        }
    }
    if let Some(i) = path.index {
        v = v.get_ref().as_array()?.get(i)?;
    }
    Some(v.span().start)
}

struct Reader<'s> {
    src: &'s str,
    problems: Vec<Located>,
    codes: HashMap<Section, String>,
    /// Codes of entries too broken to build; references to them are not reported again.
    unbuilt: HashSet<String>,
}

/// One TOML table being read as one section of the document.
struct Fields<'t, 'i> {
    table: &'t DeTable<'i>,
    section: Section,
    /// Prefix for nested tables, e.g. "target." for the keys of an item's target.
    prefix: String,
    /// Where the section starts in the file: where a missing field is reported.
    start: usize,
}

type Val<'t, 'i> = &'t Spanned<DeValue<'i>>;

impl<'s> Reader<'s> {
    fn located(&self, offset: usize, path: Option<&FieldPath>, kind: ProblemKind) -> Located {
        let (line, column) = line_column(self.src, offset);
        Located {
            line,
            column,
            path: path.map(path_string),
            entry: path.and_then(|p| self.codes.get(&p.section).cloned()),
            class: kind.class(),
            message: kind.message(Lang::En),
            kind,
        }
    }

    fn problem(&mut self, offset: usize, path: FieldPath, kind: ProblemKind) {
        let l = self.located(offset, Some(&path), kind);
        self.problems.push(l);
    }

    fn document(&mut self, root: &DeTable<'_>, span: Range<usize>) -> Option<PlanDocument> {
        let top = Fields {
            table: root,
            section: Section::Plan,
            prefix: String::new(),
            start: 0,
        };
        for (k, v) in root {
            if !TOP.contains(&k.get_ref().as_ref()) {
                let kind = ProblemKind::UnknownField {
                    field: k.get_ref().to_string(),
                    expected: TOP.to_vec(),
                };
                self.problem(
                    k.span().start,
                    FieldPath::new(Section::Plan, k.get_ref().to_string()),
                    kind,
                );
                let _ = v;
            }
        }
        let plan = match root.get("plan") {
            Some(v) => match v.get_ref().as_table() {
                Some(t) => self.plan(&Fields {
                    table: t,
                    section: Section::Plan,
                    prefix: String::new(),
                    start: v.span().start,
                }),
                None => {
                    self.wrong_type(&top, "plan", v, "table");
                    None
                }
            },
            None => {
                self.problem(
                    span.start,
                    FieldPath::new(Section::Plan, "plan"),
                    ProblemKind::MissingField {
                        field: "[plan]".into(),
                    },
                );
                None
            }
        };
        let stages = self.list(&top, "stage", Section::Stage, STAGE, Self::stage);
        let levels = self.list(&top, "level", Section::Level, LEVEL, Self::level);
        let units = self.list(&top, "unit", Section::Unit, UNIT, Self::unit);
        let people = self.list(&top, "person", Section::Person, PERSON, Self::person);
        let items = self.list(&top, "item", Section::Item, ITEM, Self::item);
        let indicators = self.list(
            &top,
            "indicator",
            Section::Indicator,
            INDICATOR,
            Self::indicator,
        );
        let mut plan = plan?;
        plan.stages = stages?;
        plan.levels = levels?;
        Some(PlanDocument {
            plan,
            units: units?,
            people: people?,
            items: items?,
            indicators: indicators?,
        })
    }

    /// Reads an array of tables; returns `None` if any entry failed to read (its problems are
    /// recorded), so that cross-field validation only runs over complete documents.
    fn list<T>(
        &mut self,
        top: &Fields<'_, '_>,
        key: &str,
        section: fn(usize) -> Section,
        allowed: &'static [&'static str],
        read: fn(&mut Self, &Fields<'_, '_>) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Some(v) = top.table.get(key) else {
            return Some(Vec::new());
        };
        let Some(arr) = v.get_ref().as_array() else {
            self.wrong_type(top, key, v, "array of tables ([[...]])");
            return None;
        };
        let mut out = Vec::with_capacity(arr.len());
        let mut ok = true;
        for (i, entry) in arr.iter().enumerate() {
            let sec = section(i);
            let Some(t) = entry.get_ref().as_table() else {
                self.problem(
                    entry.span().start,
                    FieldPath::new(sec, ""),
                    ProblemKind::WrongType {
                        expected: "table",
                        found: entry.get_ref().type_str().into(),
                    },
                );
                ok = false;
                continue;
            };
            if let Some(code) = t.get("code").and_then(|c| c.get_ref().as_str()) {
                self.codes.insert(sec, code.to_string());
            }
            let f = Fields {
                table: t,
                section: sec,
                prefix: String::new(),
                start: entry.span().start,
            };
            self.unknown_fields(&f, allowed);
            match read(self, &f) {
                Some(x) => out.push(x),
                None => {
                    if let Some(code) = self.codes.get(&sec) {
                        self.unbuilt.insert(code.clone());
                    }
                }
            }
        }
        ok.then_some(out)
    }

    fn unknown_fields(&mut self, f: &Fields<'_, '_>, allowed: &'static [&'static str]) {
        for (k, _) in f.table {
            let name = k.get_ref().as_ref();
            if !allowed.contains(&name) {
                let path = FieldPath::new(f.section, format!("{}{name}", f.prefix));
                self.problem(
                    k.span().start,
                    path,
                    ProblemKind::UnknownField {
                        field: name.to_string(),
                        expected: allowed.to_vec(),
                    },
                );
            }
        }
    }

    fn wrong_type(
        &mut self,
        f: &Fields<'_, '_>,
        key: &str,
        v: Val<'_, '_>,
        expected: &'static str,
    ) {
        let path = FieldPath::new(f.section, format!("{}{key}", f.prefix));
        self.problem(
            v.span().start,
            path,
            ProblemKind::WrongType {
                expected,
                found: v.get_ref().type_str().into(),
            },
        );
    }

    /// Looks a field up and records where it is.
    fn get<'t, 'i>(&mut self, f: &Fields<'t, 'i>, key: &str) -> Option<Val<'t, 'i>> {
        f.table.get(key)
    }

    fn required<'t, 'i>(&mut self, f: &Fields<'t, 'i>, key: &str) -> Option<Val<'t, 'i>> {
        let v = self.get(f, key);
        if v.is_none() {
            self.problem(
                f.start,
                FieldPath::new(f.section, format!("{}{key}", f.prefix)),
                ProblemKind::MissingField {
                    field: format!("{}{key}", f.prefix),
                },
            );
        }
        v
    }

    fn opt_str(&mut self, f: &Fields<'_, '_>, key: &str) -> Result<Option<String>, ()> {
        match self.get(f, key) {
            None => Ok(None),
            Some(v) => match v.get_ref().as_str() {
                Some(s) => Ok(Some(s.to_string())),
                None => {
                    self.wrong_type(f, key, v, "string");
                    Err(())
                }
            },
        }
    }

    fn str_or_empty(&mut self, f: &Fields<'_, '_>, key: &str, ok: &mut bool) -> String {
        match self.opt_str(f, key) {
            Ok(s) => s.unwrap_or_default(),
            Err(()) => {
                *ok = false;
                String::new()
            }
        }
    }

    /// A bilingual text from `key` (Chinese) and `key_en`.
    fn text(&mut self, f: &Fields<'_, '_>, key: &str, ok: &mut bool) -> Text {
        let zh = self.str_or_empty(f, key, ok);
        let en = self.str_or_empty(f, &format!("{key}_en"), ok);
        Text::new(zh, en)
    }

    fn code_of(
        &mut self,
        f: &Fields<'_, '_>,
        key: &str,
        v: Val<'_, '_>,
        index: Option<usize>,
    ) -> Option<Code> {
        let path = FieldPath {
            section: f.section,
            field: format!("{}{key}", f.prefix),
            index,
        };
        match v.get_ref().as_str() {
            Some(s) => match Code::parse(s) {
                Ok(c) => Some(c),
                Err(e) => {
                    self.problem(
                        v.span().start,
                        path,
                        ProblemKind::BadValue {
                            message: format!("`{s}`: {e}"),
                        },
                    );
                    None
                }
            },
            None => {
                self.problem(
                    v.span().start,
                    path,
                    ProblemKind::WrongType {
                        expected: "string (a code)",
                        found: v.get_ref().type_str().into(),
                    },
                );
                None
            }
        }
    }

    fn opt_code(&mut self, f: &Fields<'_, '_>, key: &str, ok: &mut bool) -> Option<Code> {
        let v = self.get(f, key)?;
        let c = self.code_of(f, key, v, None);
        *ok &= c.is_some();
        c
    }

    fn req_code(&mut self, f: &Fields<'_, '_>, key: &str, ok: &mut bool) -> Option<Code> {
        let Some(v) = self.required(f, key) else {
            *ok = false;
            return None;
        };
        let c = self.code_of(f, key, v, None);
        *ok &= c.is_some();
        c
    }

    fn code_list(&mut self, f: &Fields<'_, '_>, key: &str, ok: &mut bool) -> Vec<Code> {
        let Some(v) = self.get(f, key) else {
            return Vec::new();
        };
        let Some(arr) = v.get_ref().as_array() else {
            self.wrong_type(f, key, v, "array of codes");
            *ok = false;
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, e) in arr.iter().enumerate() {
            match self.code_of(f, key, e, Some(i)) {
                Some(c) => out.push(c),
                None => *ok = false,
            }
        }
        out
    }

    fn date_of(&mut self, f: &Fields<'_, '_>, key: &str, v: Val<'_, '_>) -> Option<NaiveDate> {
        let path = FieldPath::new(f.section, format!("{}{key}", f.prefix));
        let text = match v.get_ref() {
            DeValue::Datetime(d) if d.date.is_some() && d.time.is_none() => d.to_string(),
            DeValue::String(s) => s.to_string(),
            other => {
                self.problem(
                    v.span().start,
                    path,
                    ProblemKind::WrongType {
                        expected: "date (YYYY-MM-DD)",
                        found: other.type_str().into(),
                    },
                );
                return None;
            }
        };
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.problem(
                    v.span().start,
                    path,
                    ProblemKind::BadValue {
                        message: format!("`{text}` is not a date; write YYYY-MM-DD"),
                    },
                );
                None
            }
        }
    }

    fn opt_date(&mut self, f: &Fields<'_, '_>, key: &str, ok: &mut bool) -> Option<NaiveDate> {
        let v = self.get(f, key)?;
        let d = self.date_of(f, key, v);
        *ok &= d.is_some();
        d
    }

    fn req_date(&mut self, f: &Fields<'_, '_>, key: &str, ok: &mut bool) -> Option<NaiveDate> {
        let Some(v) = self.required(f, key) else {
            *ok = false;
            return None;
        };
        let d = self.date_of(f, key, v);
        *ok &= d.is_some();
        d
    }

    fn number_of(&mut self, f: &Fields<'_, '_>, key: &str, v: Val<'_, '_>) -> Option<f64> {
        let n = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .ok()
                .map(|i| i as f64),
            DeValue::Float(x) => x.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        };
        if n.is_none() {
            self.wrong_type(f, key, v, "number");
        }
        n
    }

    fn opt_number(&mut self, f: &Fields<'_, '_>, key: &str, ok: &mut bool) -> Option<f64> {
        let v = self.get(f, key)?;
        let n = self.number_of(f, key, v);
        *ok &= n.is_some();
        n
    }

    fn opt_year(&mut self, f: &Fields<'_, '_>, key: &str, ok: &mut bool) -> Option<i32> {
        let v = self.get(f, key)?;
        let y = match v.get_ref() {
            DeValue::Integer(i) => i
                .as_str()
                .parse::<i32>()
                .ok()
                .filter(|y| (1900..=2200).contains(y)),
            _ => None,
        };
        if y.is_none() {
            self.wrong_type(f, key, v, "year (an integer such as 2020)");
            *ok = false;
        }
        y
    }

    fn bool_or(&mut self, f: &Fields<'_, '_>, key: &str, default: bool, ok: &mut bool) -> bool {
        match self.get(f, key) {
            None => default,
            Some(v) => match v.get_ref().as_bool() {
                Some(b) => b,
                None => {
                    self.wrong_type(f, key, v, "boolean (true or false)");
                    *ok = false;
                    default
                }
            },
        }
    }

    fn choice<T>(
        &mut self,
        f: &Fields<'_, '_>,
        key: &str,
        parse: fn(&str) -> Option<T>,
        names: &[&str],
        required: bool,
        ok: &mut bool,
    ) -> Option<T> {
        let v = if required {
            self.required(f, key)
        } else {
            self.get(f, key)
        };
        let Some(v) = v else {
            *ok &= !required;
            return None;
        };
        let path = FieldPath::new(f.section, format!("{}{key}", f.prefix));
        match v.get_ref().as_str() {
            Some(s) => match parse(s) {
                Some(x) => Some(x),
                None => {
                    self.problem(
                        v.span().start,
                        path,
                        ProblemKind::BadValue {
                            message: format!("`{s}` is not one of: {}", names.join(", ")),
                        },
                    );
                    *ok = false;
                    None
                }
            },
            None => {
                self.wrong_type(f, key, v, "string");
                *ok = false;
                None
            }
        }
    }

    fn nested<'t, 'i>(
        &mut self,
        f: &Fields<'t, 'i>,
        key: &str,
        allowed: &'static [&'static str],
        ok: &mut bool,
    ) -> Option<Fields<'t, 'i>> {
        let v = self.get(f, key)?;
        match v.get_ref().as_table() {
            Some(t) => {
                let n = Fields {
                    table: t,
                    section: f.section,
                    prefix: format!("{}{key}.", f.prefix),
                    start: f.start,
                };
                self.unknown_fields(&n, allowed);
                Some(n)
            }
            None => {
                self.wrong_type(f, key, v, "table");
                *ok = false;
                None
            }
        }
    }
}

fn kind_names() -> Vec<&'static str> {
    ItemKind::VARIANTS.iter().map(|k| k.as_str()).collect()
}
