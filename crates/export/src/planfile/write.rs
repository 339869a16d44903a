//! Writing a `PlanDocument` as a plan file, in one canonical layout: sections in a fixed order,
//! fields in a fixed order, defaults left out. Reading the output gives back the same document.
//!
//! The layout is written by hand because no TOML serializer lets us choose the order of
//! sections, leave out defaults and keep arrays of tables flat at once; every value is still
//! encoded by the `toml` crate so escaping is never ours.

use std::fmt::Write;

use chrono::NaiveDate;
use tuijin_core::{Code, PlanDocument, Text};

pub fn write_plan(doc: &PlanDocument) -> String {
    let mut w = Writer(String::new());
    let p = &doc.plan;
    w.0.push_str("# Tuijin plan file — format: docs/plan-format.md\n\n[plan]\n");
    w.code("code", Some(&p.code));
    w.text("title", &p.title);
    w.text("description", &p.description);
    w.str("timezone", &p.timezone);
    w.str("cadence", p.cadence.as_str());
    w.date("start", Some(p.start));
    w.date("end", Some(p.end));
    if p.rollup != tuijin_core::RollupRule::default() {
        w.str("rollup", p.rollup.as_str());
    }
    if p.status_against != tuijin_core::StatusAgainst::default() {
        w.str("status_against", p.status_against.as_str());
    }
    if !p.source.title.is_empty() || p.source.date.is_some() || !p.source.occasion.is_empty() {
        w.0.push_str("\n[plan.source]\n");
        w.text("title", &p.source.title);
        w.date("date", p.source.date);
        w.text("occasion", &p.source.occasion);
    }
    if p.notices != tuijin_core::notice::NoticeSettings::default() {
        w.0.push_str("\n[plan.notices]\n");
        w.str("number_format", &p.notices.number_format);
        let levels: Vec<String> = p.notices.levels.iter().map(|l| quote(l)).collect();
        w.line("levels", &format!("[{}]", levels.join(", ")));
        w.line("escalate_every", &p.notices.escalate_every.to_string());
        for (name, value) in [
            ("issuer", &p.notices.issuer),
            ("issuer_en", &p.notices.issuer_en),
            ("contact", &p.notices.contact),
        ] {
            if !value.is_empty() {
                w.str(name, value);
            }
        }
    }
    if p.reporting != tuijin_core::Reporting::default() {
        w.0.push_str("\n[plan.reporting]\n");
        w.line("due_day", &p.reporting.due_day.to_string());
        w.line("grace_days", &p.reporting.grace_days.to_string());
        w.line("stale_days", &p.reporting.stale_days.to_string());
    }
    w.0.push_str("\n[plan.thresholds]\n");
    w.num("at_risk", p.thresholds.at_risk);
    w.num("off_track", p.thresholds.off_track);
    if p.thresholds.forecast_miss != tuijin_core::Thresholds::default().forecast_miss {
        w.num("forecast_miss", p.thresholds.forecast_miss);
    }

    for s in &p.stages {
        w.0.push_str("\n[[stage]]\n");
        w.code("code", Some(&s.code));
        w.text("title", &s.title);
        w.text("description", &s.description);
        w.date("end", Some(s.end));
    }
    for l in &p.levels {
        w.0.push_str("\n[[level]]\n");
        w.str("kind", l.kind.as_str());
        w.text("label", &l.label);
    }
    for u in &doc.units {
        w.0.push_str("\n[[unit]]\n");
        w.code("code", Some(&u.code));
        w.text("name", &u.name);
        w.str("kind", u.kind.as_str());
        w.code("parent", u.parent.as_ref());
        w.flag("assumed", u.assumed);
    }
    for person in &doc.people {
        w.0.push_str("\n[[person]]\n");
        w.code("code", Some(&person.code));
        w.text("name", &person.name);
        w.text("post", &person.post);
        w.code("unit", person.unit.as_ref());
        if let Some(phone) = &person.phone {
            w.str("phone", phone);
        }
        w.flag("assumed", person.assumed);
    }
    for ind in &doc.indicators {
        w.0.push_str("\n[[indicator]]\n");
        w.code("code", Some(&ind.code));
        w.text("name", &ind.name);
        w.str("unit", &ind.unit);
        w.str("direction", ind.direction.as_str());
        w.str("frequency", ind.frequency.as_str());
        if let Some(b) = ind.baseline {
            w.num("baseline", b);
        }
        if let Some(y) = ind.baseline_year {
            w.line("baseline_year", &y.to_string());
        }
        w.code("owner", ind.owner.as_ref());
        w.str("scope", &ind.scope);
        w.flag("public", ind.public);
        if ind.basis != tuijin_core::CountingBasis::default() {
            w.str("basis", ind.basis.as_str());
        }
        if let Some(lag) = ind.publication_lag {
            w.line("publication_lag", &lag.to_string());
        }
        if ind.path != tuijin_core::PathKind::default() {
            w.str("path", ind.path.as_str());
        }
        if !ind.points.is_empty() {
            let parts: Vec<String> = ind
                .points
                .iter()
                .map(|p| format!("{{ on = {}, value = {} }}", p.on, number(p.value)))
                .collect();
            w.line("points", &format!("[\n  {},\n]", parts.join(",\n  ")));
        }
        w.str("source", &ind.source);
        if !ind.targets.is_empty() {
            let parts: Vec<String> = ind
                .targets
                .iter()
                .map(|t| format!("{{ year = {}, value = {} }}", t.year, number(t.value)))
                .collect();
            w.line("targets", &format!("[\n  {},\n]", parts.join(",\n  ")));
        }
    }
    for item in &doc.items {
        w.0.push_str("\n[[item]]\n");
        w.code("code", Some(&item.code));
        w.str("kind", item.kind.as_str());
        w.code("parent", item.parent.as_ref());
        w.text("title", &item.title);
        w.text("description", &item.extra.description);
        w.code("lead", item.lead.as_ref());
        w.codes("co", &item.co);
        w.code("leader", item.extra.leader.as_ref());
        w.code("leader_in_charge", item.extra.leader_in_charge.as_ref());
        w.date("start", item.start);
        w.date("due", item.due);
        if item.weight.value() != 1.0 {
            w.num("weight", item.weight.value());
        }
        w.flag("public", item.public);
        w.flag("three_ones", item.three_ones);
        w.flag("cancelled", item.cancelled);
        if let Some(r) = item.rollup {
            w.str("rollup", r.as_str());
        }
        if item.progress_from != tuijin_core::ProgressFrom::default() {
            w.str("progress", item.progress_from.as_str());
        }
        if let Some(m) = &item.extra.manual {
            w.line(
                "manual",
                &format!(
                    "{{ percent = {}, reason = {} }}",
                    number(m.percent.value()),
                    quote(&m.reason)
                ),
            );
        }
        w.codes("supports", &item.extra.supports);
        if let Some(t) = &item.extra.target {
            let mut parts = vec![format!("value = {}", number(t.value))];
            if !t.unit.is_empty() {
                parts.push(format!("unit = {}", quote(&t.unit)));
            }
            if let Some(by) = t.by {
                parts.push(format!("by = {by}"));
            }
            if let Some(i) = &t.indicator {
                parts.push(format!("indicator = {}", quote(i.as_str())));
            }
            w.line("target", &format!("{{ {} }}", parts.join(", ")));
        }
        if !item.extra.trajectory.is_empty() {
            let parts: Vec<String> = item
                .extra
                .trajectory
                .iter()
                .map(|t| {
                    format!(
                        "{{ date = {}, percent = {} }}",
                        t.date,
                        number(t.percent.value())
                    )
                })
                .collect();
            w.line("trajectory", &format!("[\n  {},\n]", parts.join(",\n  ")));
        }
        if !item.extra.shares.is_empty() {
            let parts: Vec<String> = item
                .extra
                .shares
                .iter()
                .map(|s| {
                    format!(
                        "{{ unit = {}, share = {} }}",
                        quote(s.unit.as_str()),
                        number(s.percent.value())
                    )
                })
                .collect();
            w.line("shares", &format!("[{}]", parts.join(", ")));
        }
        if let Some(s) = &item.extra.source {
            w.str("source", s);
        }
    }
    w.0
}

struct Writer(String);

impl Writer {
    fn line(&mut self, key: &str, value: &str) {
        let _ = writeln!(self.0, "{key} = {value}");
    }
    fn str(&mut self, key: &str, value: &str) {
        if !value.is_empty() {
            self.line(key, &quote(value));
        }
    }
    fn text(&mut self, key: &str, t: &Text) {
        self.str(key, t.zh());
        self.str(&format!("{key}_en"), t.en());
    }
    fn code(&mut self, key: &str, c: Option<&Code>) {
        if let Some(c) = c {
            self.line(key, &quote(c.as_str()));
        }
    }
    fn codes(&mut self, key: &str, cs: &[Code]) {
        if !cs.is_empty() {
            let parts: Vec<String> = cs.iter().map(|c| quote(c.as_str())).collect();
            self.line(key, &format!("[{}]", parts.join(", ")));
        }
    }
    fn date(&mut self, key: &str, d: Option<NaiveDate>) {
        if let Some(d) = d {
            self.line(key, &d.to_string());
        }
    }
    fn num(&mut self, key: &str, v: f64) {
        self.line(key, &number(v));
    }
    fn flag(&mut self, key: &str, v: bool) {
        if v {
            self.line(key, "true");
        }
    }
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Whole numbers without a fraction (`300`, read back as 300.0); others in the shortest form
/// that reads back to the same f64.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
