//! The item form as typed and what it becomes: the fields of an item as text (so a bad value
//! comes back as it was entered), read from an item and turned into one with every problem by
//! its field.

use chrono::NaiveDate;
use serde::Deserialize;
use tuijin_core::i18n::Lang;
use tuijin_core::{Code, Item, Percent, Target, TrajectoryPoint, Weight};

/// The form as typed: text, so a bad value comes back as it was entered.
#[derive(Deserialize, Default, Clone)]
pub struct ItemForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) version: i64,
    #[serde(default)]
    pub(super) code: String,
    #[serde(default)]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) title: String,
    #[serde(default)]
    pub(super) title_en: String,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) description_en: String,
    #[serde(default)]
    pub(super) lead: String,
    #[serde(default)]
    pub(super) co: Vec<String>,
    #[serde(default)]
    pub(super) leader: String,
    #[serde(default)]
    pub(super) leader_in_charge: String,
    #[serde(default)]
    pub(super) start: String,
    #[serde(default)]
    pub(super) due: String,
    #[serde(default)]
    pub(super) weight: String,
    #[serde(default)]
    pub(super) public: String,
    #[serde(default)]
    pub(super) three_ones: String,
    #[serde(default)]
    pub(super) target_value: String,
    #[serde(default)]
    pub(super) target_unit: String,
    #[serde(default)]
    pub(super) target_by: String,
    #[serde(default)]
    pub(super) target_indicator: String,
    #[serde(default)]
    pub(super) trajectory: String,
    #[serde(default)]
    pub(super) supports: String,
    #[serde(default)]
    pub(super) source: String,
    #[serde(default)]
    pub(super) reason: String,
}

pub(super) fn text_of(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

pub(super) fn code_text(c: &Option<Code>) -> String {
    c.as_ref().map(|c| c.to_string()).unwrap_or_default()
}

impl ItemForm {
    pub(super) fn of(i: &Item, version: i64) -> ItemForm {
        let e = &*i.extra;
        ItemForm {
            version,
            code: i.code.to_string(),
            kind: i.kind.as_str().into(),
            title: i.title.zh().to_string(),
            title_en: i.title.en().to_string(),
            description: e.description.zh().to_string(),
            description_en: e.description.en().to_string(),
            lead: code_text(&i.lead),
            co: i.co.iter().map(|c| c.to_string()).collect(),
            leader: code_text(&e.leader),
            leader_in_charge: code_text(&e.leader_in_charge),
            start: text_of(i.start),
            due: text_of(i.due),
            // As stored, not rounded: a form saved unchanged must not change them.
            weight: i.weight.value().to_string(),
            public: if i.public { "1".into() } else { String::new() },
            three_ones: if i.three_ones {
                "1".into()
            } else {
                String::new()
            },
            target_value: e
                .target
                .as_ref()
                .map(|t| t.value.to_string())
                .unwrap_or_default(),
            target_unit: e
                .target
                .as_ref()
                .map(|t| t.unit.clone())
                .unwrap_or_default(),
            target_by: e.target.as_ref().map(|t| text_of(t.by)).unwrap_or_default(),
            target_indicator: e
                .target
                .as_ref()
                .map(|t| code_text(&t.indicator))
                .unwrap_or_default(),
            trajectory: e
                .trajectory
                .iter()
                .map(|p| format!("{} {}", p.date, p.percent.value()))
                .collect::<Vec<_>>()
                .join("\n"),
            supports: e
                .supports
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            source: i.extra.source.as_deref().unwrap_or_default().to_string(),
            ..Default::default()
        }
    }

    /// The item the form describes, over `base` (its code, kind, parent and the fields the
    /// form does not show are kept); every value that does not read is a problem by field.
    pub(super) fn item(&self, l: Lang, base: &Item) -> Result<Item, Vec<(String, String)>> {
        let mut out = base.clone();
        let mut problems = Vec::new();
        let mut bad = |field: &str, key: &'static str| {
            problems.push((field.to_string(), l.t(key).to_string()))
        };
        let date = |s: &str| -> Result<Option<NaiveDate>, ()> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| ())
        };
        let code = |s: &str| -> Result<Option<Code>, ()> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            Code::parse(s).map(Some).map_err(|_| ())
        };
        out.title = tuijin_core::Text::new(self.title.trim(), self.title_en.trim());
        out.extra.description =
            tuijin_core::Text::new(self.description.trim(), self.description_en.trim());
        out.extra.source = Some(self.source.trim())
            .filter(|s| !s.is_empty())
            .map(Box::from);
        out.public = !self.public.is_empty();
        out.three_ones = !self.three_ones.is_empty();
        match code(&self.lead) {
            Ok(c) => out.lead = c,
            Err(()) => bad("lead", "edit.bad_code"),
        }
        let extra = &mut *out.extra;
        for (field, value, slot) in [
            ("leader", &self.leader, &mut extra.leader),
            (
                "leader_in_charge",
                &self.leader_in_charge,
                &mut extra.leader_in_charge,
            ),
        ] {
            match code(value) {
                Ok(c) => *slot = c,
                Err(()) => bad(field, "edit.bad_code"),
            }
        }
        out.co = Default::default();
        for c in &self.co {
            match code(c) {
                Ok(Some(c)) => out.co.push(c),
                Ok(None) => {}
                Err(()) => bad("co", "edit.bad_code"),
            }
        }
        // A list box gives its choices in its own order: the same units in the item's order
        // are no change.
        let same = |a: &[Code], b: &[Code]| {
            let (mut a, mut b) = (a.to_vec(), b.to_vec());
            a.sort();
            b.sort();
            a == b
        };
        if same(&out.co, &base.co) {
            out.co = base.co.clone();
        }
        out.extra.supports = Default::default();
        for c in self.supports.split([' ', ',', '，', '、', '\n']) {
            match code(c) {
                Ok(Some(c)) => out.extra.supports.push(c),
                Ok(None) => {}
                Err(()) => bad("supports", "edit.bad_code"),
            }
        }
        match date(&self.start) {
            Ok(d) => out.start = d,
            Err(()) => bad("start", "edit.bad_date"),
        }
        match date(&self.due) {
            Ok(d) => out.due = d,
            Err(()) => bad("due", "edit.bad_date"),
        }
        match self.weight.trim().parse::<f64>().ok().map(Weight::new) {
            Some(Ok(w)) => out.weight = w,
            _ => bad("weight", "edit.bad_weight"),
        }
        out.extra.target = if self.target_value.trim().is_empty() {
            None
        } else {
            match (
                self.target_value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite()),
                date(&self.target_by),
                code(&self.target_indicator),
            ) {
                (Some(value), Ok(by), Ok(indicator)) => Some(Box::new(Target {
                    value,
                    unit: self.target_unit.trim().to_string(),
                    by,
                    indicator,
                })),
                _ => {
                    bad("target", "edit.bad_target");
                    base.extra.target.clone()
                }
            }
        };
        out.extra.trajectory = Default::default();
        for line in self
            .trajectory
            .lines()
            .map(str::trim)
            .filter(|x| !x.is_empty())
        {
            let mut parts = line.split_whitespace();
            let point = match (parts.next(), parts.next(), parts.next()) {
                (Some(d), Some(p), None) => date(d).ok().flatten().zip(
                    p.trim_end_matches('%')
                        .parse::<f64>()
                        .ok()
                        .and_then(|p| Percent::new(p).ok()),
                ),
                _ => None,
            };
            match point {
                Some((date, percent)) => {
                    out.extra.trajectory.push(TrajectoryPoint { date, percent })
                }
                None => bad("trajectory", "edit.bad_trajectory"),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_shows_figures_as_stored_so_an_unchanged_save_changes_nothing() {
        let mut i = Item::new(Code::parse("A").unwrap(), tuijin_core::ItemKind::Task, "甲");
        i.weight = Weight::new(0.04).unwrap();
        i.extra.trajectory = tuijin_core::thin_vec![TrajectoryPoint {
            date: NaiveDate::from_ymd_opt(2020, 3, 31).unwrap(),
            percent: Percent::new(33.33).unwrap(),
        }];
        let f = ItemForm::of(&i, 1);
        assert_eq!(f.weight, "0.04");
        assert_eq!(f.trajectory, "2020-03-31 33.33");
        i.weight = Weight::new(2.0).unwrap();
        assert_eq!(ItemForm::of(&i, 1).weight, "2");
    }
}
