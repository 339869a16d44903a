//! Reading a plan file into a `PlanDocument`, collecting located problems.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use tuijin_core::VariantArray;

use chrono::NaiveDate;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};
use tuijin_core::validate::{FieldPath, ProblemKind, Section, validate};
use tuijin_core::{
    Cadence, Code, Direction, Frequency, Indicator, IndicatorTarget, Item, ItemKind, LevelLabel,
    ManualProgress, Percent, Person, Plan, PlanDocument, PlanSource, Reporting, RollupRule, Stage,
    Target, Text, Thresholds, TrajectoryPoint, Unit, UnitKind, Weight, text::Lang,
};

use super::{Located, PlanFileErrors, line_column, path_string};

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
    "reporting",
];
const SOURCE: &[&str] = &["title", "title_en", "date", "occasion", "occasion_en"];
const THRESHOLDS: &[&str] = &["at_risk", "off_track"];
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
    "code", "name", "name_en", "post", "post_en", "unit", "assumed",
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
];
const TRAJECTORY: &[&str] = &["date", "percent"];
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
];
const INDICATOR_TARGET: &[&str] = &["year", "value"];

/// Reads and validates a plan file. `file` is the name used in messages.
pub fn read_plan(file: &str, src: &str) -> Result<PlanDocument, PlanFileErrors> {
    let mut r = Reader {
        src,
        spans: HashMap::new(),
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
            let (offset, entry) = r_locate(&r.spans, &r.codes, &p.path);
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

fn r_locate(
    spans: &HashMap<FieldPath, usize>,
    codes: &HashMap<Section, String>,
    path: &FieldPath,
) -> (usize, Option<String>) {
    let offset = spans
        .get(path)
        .or_else(|| {
            spans.get(&FieldPath {
                index: None,
                ..path.clone()
            })
        })
        .or_else(|| {
            // `target.indicator` and the like: fall back to the outer field.
            let outer = path.field.split('.').next().unwrap_or_default();
            spans.get(&FieldPath::new(path.section, outer))
        })
        .or_else(|| spans.get(&FieldPath::new(path.section, "")))
        .copied()
        .unwrap_or(0);
    (offset, codes.get(&path.section).cloned())
}

struct Reader<'s> {
    src: &'s str,
    /// Start offset of every field read, and of each section (field "").
    spans: HashMap<FieldPath, usize>,
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
                Some(t) => {
                    self.spans
                        .insert(FieldPath::new(Section::Plan, ""), v.span().start);
                    self.plan(&Fields {
                        table: t,
                        section: Section::Plan,
                        prefix: String::new(),
                    })
                }
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
            self.spans
                .insert(FieldPath::new(sec, ""), entry.span().start);
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
        let v = f.table.get(key)?;
        self.spans.insert(
            FieldPath::new(f.section, format!("{}{key}", f.prefix)),
            v.span().start,
        );
        Some(v)
    }

    fn required<'t, 'i>(&mut self, f: &Fields<'t, 'i>, key: &str) -> Option<Val<'t, 'i>> {
        let v = self.get(f, key);
        if v.is_none() {
            let offset = self
                .spans
                .get(&FieldPath::new(f.section, ""))
                .copied()
                .unwrap_or(0);
            self.problem(
                offset,
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
        Text { zh, en }
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
            self.spans.insert(
                FieldPath::at(f.section, format!("{}{key}", f.prefix), i),
                e.span().start,
            );
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

    fn plan(&mut self, f: &Fields<'_, '_>) -> Option<Plan> {
        self.unknown_fields(f, PLAN);
        let mut ok = true;
        let code = self.req_code(f, "code", &mut ok);
        if self.get(f, "title").is_none() {
            self.required(f, "title");
            ok = false;
        }
        let title = self.text(f, "title", &mut ok);
        let description = self.text(f, "description", &mut ok);
        let timezone = self.opt_str(f, "timezone").unwrap_or_else(|()| {
            ok = false;
            None
        });
        let cadence = self.choice(
            f,
            "cadence",
            Cadence::parse,
            &["monthly", "quarterly"],
            false,
            &mut ok,
        );
        let start = self.req_date(f, "start", &mut ok);
        let end = self.req_date(f, "end", &mut ok);
        let mut source = PlanSource::default();
        if let Some(s) = self.nested(f, "source", SOURCE, &mut ok) {
            source.title = self.text(&s, "title", &mut ok);
            source.date = self.opt_date(&s, "date", &mut ok);
            source.occasion = self.text(&s, "occasion", &mut ok);
        }
        let rules: Vec<&str> = RollupRule::VARIANTS.iter().map(|r| r.as_str()).collect();
        let rollup = self.choice(f, "rollup", RollupRule::parse, &rules, false, &mut ok);
        let mut reporting = Reporting::default();
        if let Some(r) = self.nested(f, "reporting", REPORTING, &mut ok) {
            for (key, slot, range) in [
                ("due_day", &mut reporting.due_day, 1..=28),
                ("grace_days", &mut reporting.grace_days, 0..=60),
                ("stale_days", &mut reporting.stale_days, 1..=3650),
            ] {
                if let Some(v) = self.get(&r, key) {
                    match self.number_of(&r, key, v) {
                        Some(n) if n.fract() == 0.0 && range.contains(&(n as u32)) && n >= 0.0 => {
                            *slot = n as u32
                        }
                        Some(n) => {
                            let path = FieldPath::new(Section::Plan, format!("reporting.{key}"));
                            self.problem(
                                v.span().start,
                                path,
                                ProblemKind::BadValue {
                                    message: format!(
                                        "{n} is not a whole number from {} to {}",
                                        range.start(),
                                        range.end()
                                    ),
                                },
                            );
                            ok = false;
                        }
                        None => ok = false,
                    }
                }
            }
        }
        let mut thresholds = Thresholds::default();
        if let Some(t) = self.nested(f, "thresholds", THRESHOLDS, &mut ok) {
            if let Some(v) = self.opt_number(&t, "at_risk", &mut ok) {
                thresholds.at_risk = v;
            }
            if let Some(v) = self.opt_number(&t, "off_track", &mut ok) {
                thresholds.off_track = v;
            }
            if !(thresholds.at_risk >= 0.0 && thresholds.off_track >= thresholds.at_risk) {
                let offset = self
                    .spans
                    .get(&FieldPath::new(Section::Plan, "thresholds"))
                    .copied()
                    .unwrap_or(0);
                self.problem(
                    offset,
                    FieldPath::new(Section::Plan, "thresholds"),
                    ProblemKind::BadValue {
                        message: "thresholds need 0 <= at_risk <= off_track".into(),
                    },
                );
                ok = false;
            }
        }
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(Plan {
            code: code?,
            title,
            description,
            source,
            timezone: timezone.unwrap_or_else(|| "Asia/Shanghai".to_string()),
            cadence: cadence.unwrap_or_default(),
            start: start?,
            end: end?,
            thresholds,
            rollup: rollup.unwrap_or_default(),
            reporting,
            stages: Vec::new(),
            levels: Vec::new(),
        })
    }

    fn stage(&mut self, f: &Fields<'_, '_>) -> Option<Stage> {
        let mut ok = true;
        let code = self.req_code(f, "code", &mut ok);
        let title = self.text(f, "title", &mut ok);
        let description = self.text(f, "description", &mut ok);
        let end = self.req_date(f, "end", &mut ok);
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(Stage {
            code: code?,
            title,
            description,
            end: end?,
        })
    }

    fn level(&mut self, f: &Fields<'_, '_>) -> Option<LevelLabel> {
        let mut ok = true;
        let kind = self.choice(f, "kind", ItemKind::parse, &kind_names(), true, &mut ok);
        let label = self.text(f, "label", &mut ok);
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(LevelLabel { kind: kind?, label })
    }

    fn unit(&mut self, f: &Fields<'_, '_>) -> Option<Unit> {
        let mut ok = true;
        let code = self.req_code(f, "code", &mut ok);
        let name = self.text(f, "name", &mut ok);
        let names: Vec<&str> = UnitKind::VARIANTS.iter().map(|k| k.as_str()).collect();
        let kind = self.choice(f, "kind", UnitKind::parse, &names, false, &mut ok);
        let parent = self.opt_code(f, "parent", &mut ok);
        let assumed = self.bool_or(f, "assumed", false, &mut ok);
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(Unit {
            code: code?,
            name,
            kind: kind.unwrap_or(UnitKind::Department),
            parent,
            assumed,
        })
    }

    fn person(&mut self, f: &Fields<'_, '_>) -> Option<Person> {
        let mut ok = true;
        let code = self.req_code(f, "code", &mut ok);
        let name = self.text(f, "name", &mut ok);
        let post = self.text(f, "post", &mut ok);
        let unit = self.opt_code(f, "unit", &mut ok);
        let assumed = self.bool_or(f, "assumed", false, &mut ok);
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(Person {
            code: code?,
            name,
            post,
            unit,
            assumed,
        })
    }

    fn item(&mut self, f: &Fields<'_, '_>) -> Option<Item> {
        let mut ok = true;
        let code = self.req_code(f, "code", &mut ok);
        let kind = self.choice(f, "kind", ItemKind::parse, &kind_names(), true, &mut ok);
        let parent = self.opt_code(f, "parent", &mut ok);
        let title = self.text(f, "title", &mut ok);
        let description = self.text(f, "description", &mut ok);
        let lead = self.opt_code(f, "lead", &mut ok);
        let co = self.code_list(f, "co", &mut ok);
        let leader = self.opt_code(f, "leader", &mut ok);
        let leader_in_charge = self.opt_code(f, "leader_in_charge", &mut ok);
        let start = self.opt_date(f, "start", &mut ok);
        let due = self.opt_date(f, "due", &mut ok);
        let weight = match self.get(f, "weight") {
            None => Weight::ONE,
            Some(v) => match self.number_of(f, "weight", v).map(Weight::new) {
                Some(Ok(w)) => w,
                Some(Err(e)) => {
                    self.problem(
                        v.span().start,
                        FieldPath::new(f.section, "weight"),
                        ProblemKind::WeightNotPositive {
                            value: e.0.to_string(),
                        },
                    );
                    ok = false;
                    Weight::ONE
                }
                None => {
                    ok = false;
                    Weight::ONE
                }
            },
        };
        let public = self.bool_or(f, "public", false, &mut ok);
        let supports = self.code_list(f, "supports", &mut ok);
        let source = self.opt_str(f, "source").unwrap_or_else(|()| {
            ok = false;
            None
        });
        let trajectory = self.trajectory(f, &mut ok);
        let mut target = None;
        if let Some(t) = self.nested(f, "target", TARGET, &mut ok) {
            let value = self
                .required(&t, "value")
                .and_then(|v| self.number_of(&t, "value", v));
            let unit = self.str_or_empty(&t, "unit", &mut ok);
            let by = self.opt_date(&t, "by", &mut ok);
            let indicator = self.opt_code(&t, "indicator", &mut ok);
            match value {
                Some(value) => {
                    target = Some(Target {
                        value,
                        unit,
                        by,
                        indicator,
                    })
                }
                None => ok = false,
            }
        }
        let three_ones = self.bool_or(f, "three_ones", false, &mut ok);
        let rules: Vec<&str> = RollupRule::VARIANTS.iter().map(|r| r.as_str()).collect();
        let rollup = self.choice(f, "rollup", RollupRule::parse, &rules, false, &mut ok);
        let cancelled = self.bool_or(f, "cancelled", false, &mut ok);
        let mut manual = None;
        if let Some(m) = self.nested(f, "manual", MANUAL, &mut ok) {
            let reason = self.str_or_empty(&m, "reason", &mut ok);
            let percent = self.required(&m, "percent").and_then(|pv| {
                let n = self.number_of(&m, "percent", pv)?;
                match Percent::new(n) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        self.problem(
                            pv.span().start,
                            FieldPath::new(f.section, "manual.percent"),
                            ProblemKind::BadValue {
                                message: e.to_string(),
                            },
                        );
                        None
                    }
                }
            });
            match percent {
                Some(percent) => manual = Some(ManualProgress { percent, reason }),
                None => ok = false,
            }
        }
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(Item {
            code: code?,
            kind: kind?,
            parent,
            title,
            description,
            lead,
            co,
            leader,
            leader_in_charge,
            start,
            due,
            weight,
            public,
            supports,
            source,
            trajectory,
            target,
            three_ones,
            rollup,
            manual,
            cancelled,
        })
    }

    fn trajectory(&mut self, f: &Fields<'_, '_>, ok: &mut bool) -> Vec<TrajectoryPoint> {
        let Some(v) = self.get(f, "trajectory") else {
            return Vec::new();
        };
        let Some(arr): Option<&DeArray<'_>> = v.get_ref().as_array() else {
            self.wrong_type(f, "trajectory", v, "array of { date, percent } tables");
            *ok = false;
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, e) in arr.iter().enumerate() {
            let path = FieldPath::at(f.section, "trajectory", i);
            self.spans.insert(path.clone(), e.span().start);
            let Some(t) = e.get_ref().as_table() else {
                self.problem(
                    e.span().start,
                    path,
                    ProblemKind::WrongType {
                        expected: "{ date, percent } table",
                        found: e.get_ref().type_str().into(),
                    },
                );
                *ok = false;
                continue;
            };
            let p = Fields {
                table: t,
                section: f.section,
                prefix: format!("trajectory[{i}]."),
            };
            self.unknown_fields(&p, TRAJECTORY);
            let date = self.req_date(&p, "date", ok);
            let percent = self.required(&p, "percent").and_then(|pv| {
                let n = self.number_of(&p, "percent", pv)?;
                match Percent::new(n) {
                    Ok(pc) => Some(pc),
                    Err(e) => {
                        self.problem(
                            pv.span().start,
                            path.clone(),
                            ProblemKind::BadValue {
                                message: e.to_string(),
                            },
                        );
                        None
                    }
                }
            });
            match (date, percent) {
                (Some(date), Some(percent)) => out.push(TrajectoryPoint { date, percent }),
                _ => *ok = false,
            }
        }
        out
    }

    fn indicator(&mut self, f: &Fields<'_, '_>) -> Option<Indicator> {
        let mut ok = true;
        let code = self.req_code(f, "code", &mut ok);
        let name = self.text(f, "name", &mut ok);
        let unit = self.str_or_empty(f, "unit", &mut ok);
        let dirs: Vec<&str> = Direction::VARIANTS.iter().map(|d| d.as_str()).collect();
        let direction = self.choice(f, "direction", Direction::parse, &dirs, false, &mut ok);
        let freqs: Vec<&str> = Frequency::VARIANTS.iter().map(|d| d.as_str()).collect();
        let frequency = self.choice(f, "frequency", Frequency::parse, &freqs, false, &mut ok);
        let baseline = self.opt_number(f, "baseline", &mut ok);
        let baseline_year = self.opt_year(f, "baseline_year", &mut ok);
        let owner = self.opt_code(f, "owner", &mut ok);
        let scope = self.str_or_empty(f, "scope", &mut ok);
        let public = self.bool_or(f, "public", false, &mut ok);
        let mut targets = Vec::new();
        if let Some(v) = self.get(f, "targets") {
            match v.get_ref().as_array() {
                None => {
                    self.wrong_type(f, "targets", v, "array of { year, value } tables");
                    ok = false;
                }
                Some(arr) => {
                    for (i, e) in arr.iter().enumerate() {
                        self.spans
                            .insert(FieldPath::at(f.section, "targets", i), e.span().start);
                        let Some(t) = e.get_ref().as_table() else {
                            self.problem(
                                e.span().start,
                                FieldPath::at(f.section, "targets", i),
                                ProblemKind::WrongType {
                                    expected: "{ year, value } table",
                                    found: e.get_ref().type_str().into(),
                                },
                            );
                            ok = false;
                            continue;
                        };
                        let p = Fields {
                            table: t,
                            section: f.section,
                            prefix: format!("targets[{i}]."),
                        };
                        self.unknown_fields(&p, INDICATOR_TARGET);
                        if self.required(&p, "year").is_none()
                            || self.required(&p, "value").is_none()
                        {
                            ok = false;
                            continue;
                        }
                        let year = self.opt_year(&p, "year", &mut ok);
                        let value = self.opt_number(&p, "value", &mut ok);
                        if let (Some(year), Some(value)) = (year, value) {
                            targets.push(IndicatorTarget { year, value });
                        }
                    }
                }
            }
        }
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(Indicator {
            code: code?,
            name,
            unit,
            direction: direction.unwrap_or(Direction::Increase),
            frequency: frequency.unwrap_or(Frequency::Annual),
            baseline_year,
            baseline,
            targets,
            owner,
            scope,
            public,
        })
    }
}

fn kind_names() -> Vec<&'static str> {
    ItemKind::VARIANTS.iter().map(|k| k.as_str()).collect()
}
