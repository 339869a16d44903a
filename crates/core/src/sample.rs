//! A deterministic sample history for a plan: the reports its units would have filed month
//! by month, so that a demo shows a realistic mix of progress and delays. Everything it makes
//! is marked as sample data (`SAMPLE_MARK` in every narrative, author `sample`).

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};

use crate::progress::expected;
use crate::report::Period;
use crate::{Cadence, Code, ItemKind, PlanDocument};

/// Put at the start of every sample narrative, so nobody mistakes it for a real report.
pub const SAMPLE_MARK: &str = "【样例数据 Sample data】";

/// An accepted report of the past.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoricReport {
    pub item: Code,
    pub unit: Code,
    pub period: Period,
    /// The percent reported, or none (a report on a parent or on an item measured by its
    /// indicator says what was done and gives no figure of its own).
    pub percent: Option<f64>,
    pub narrative: String,
    pub problems: String,
    pub next_steps: String,
    pub submitted_on: NaiveDate,
    pub accepted_on: NaiveDate,
    /// Indicator figures reported with it (each for an indicator the unit owns), which become
    /// the indicators' actuals known from the day of acceptance.
    pub figures: Vec<crate::report::Figure>,
}

/// A report still in the workflow on the last day of the history.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenReport {
    pub report: HistoricReport,
    /// Returned once with this comment (and not yet resubmitted).
    pub returned: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SampleHistory {
    pub accepted: Vec<HistoricReport>,
    pub open: Vec<OpenReport>,
}

/// FNV-1a over the parts. Written here rather than using `DefaultHasher`, whose algorithm may
/// change between Rust releases: the sample history must be the same on every build.
fn hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h ^ (h >> 29)
}

const DONE: [&str; 6] = [
    "按计划推进，完成本月工作任务。",
    "完成月度节点，质量安全总体可控。",
    "专班例会研究推进，主要工作按进度完成。",
    "前期手续办理完毕，进入实施阶段。",
    "协调配合单位完成相关工作，进展顺利。",
    "完成阶段性目标，正在开展下阶段准备。",
];
const BEHIND: [&str; 5] = [
    "征地拆迁进度滞后，影响整体工期。",
    "建设资金到位不及时。",
    "用地、规划手续办理周期较长。",
    "跨部门协调难度大，需市级层面协调。",
    "受施工条件限制，部分工程延期。",
];
const NEXT: [&str; 4] = [
    "下月继续按计划推进，确保完成节点任务。",
    "加快手续办理，争取尽快开工。",
    "加强调度，倒排工期，挂图作战。",
    "提请推进办协调解决存在问题。",
];

/// The history of `doc` from its start (not before 2017-09) to `until`: reports on every
/// live leaf item with a lead unit, accepted on the 5th after each period, with paces that
/// differ from item to item; a few items never report, some skip months. Reports for the
/// period of `until` that are already in (submitted or returned) are `open`.
pub fn history(doc: &PlanDocument, until: NaiveDate) -> SampleHistory {
    let parents: HashSet<&str> = doc
        .items
        .iter()
        .filter_map(|i| i.parent.as_ref().map(|p| p.as_str()))
        .collect();
    let first = Period::containing(
        Cadence::Monthly,
        doc.plan
            .start
            .max(NaiveDate::from_ymd_opt(2017, 9, 1).expect("date")),
    );
    let current = Period::containing(Cadence::Monthly, until);
    let mut out = SampleHistory::default();
    for item in &doc.items {
        if parents.contains(item.code.as_str()) || item.cancelled {
            continue;
        }
        let Some(unit) = item.lead.clone() else {
            continue;
        };
        let code = item.code.as_str();
        let h = hash(&[code]);
        if h.is_multiple_of(23) {
            continue; // never reports: stays unknown
        }
        // How fast this item goes compared with its plan. Most work keeps to its plan, give or
        // take (0.95 to 1.15); about one item in eight lags (0.62 to 0.84) — the list an office
        // works through, not half the plan.
        let pace = if h % 100 < 12 {
            0.62 + (h % 12) as f64 * 0.02
        } else {
            0.95 + ((h / 100) % 21) as f64 / 100.0
        };
        let mut last = 0.0f64;
        let mut period = first;
        while period < current {
            let end = period.last_day();
            // Now and then a month is skipped (a unit misses a deadline).
            let skip = hash(&[code, &period.to_string()]).is_multiple_of(29);
            let started = item.start.is_none_or(|s| s <= end);
            if started && !skip && last < 100.0 {
                let percent = if item.kind == ItemKind::Milestone {
                    let due = item.due.unwrap_or(doc.plan.end);
                    let lateness = if pace >= 0.85 {
                        0
                    } else if pace >= 0.7 {
                        60 + (h % 90) as i64
                    } else {
                        10_000
                    };
                    if end >= due + Duration::days(lateness) {
                        100.0
                    } else {
                        0.0
                    }
                } else {
                    let exp =
                        expected(item.start, item.due, &item.extra.trajectory, end).unwrap_or(0.0);
                    let jitter = (hash(&[code, "j", &period.to_string()]) % 7) as f64 - 3.0;
                    let mut p = (exp * pace + jitter).clamp(0.0, 100.0);
                    if item.due.is_some_and(|d| end >= d) && pace >= 0.95 {
                        p = 100.0;
                    }
                    (p.max(last) * 10.0).round() / 10.0
                };
                let behind = expected(item.start, item.due, &item.extra.trajectory, end)
                    .is_some_and(|e| e - percent > 5.0);
                let pick = |list: &[&str], salt: &str| {
                    list[(hash(&[code, salt, &period.to_string()]) % list.len() as u64) as usize]
                        .to_string()
                };
                let report = HistoricReport {
                    item: item.code.clone(),
                    unit: unit.clone(),
                    period,
                    percent: Some(percent),
                    narrative: format!("{SAMPLE_MARK}{}", pick(&DONE, "n")),
                    problems: if behind {
                        pick(&BEHIND, "p")
                    } else {
                        String::new()
                    },
                    next_steps: pick(&NEXT, "s"),
                    submitted_on: period.next().first_day() + Duration::days(2),
                    accepted_on: period.next().first_day() + Duration::days(4),
                    figures: Vec::new(),
                };
                last = percent;
                if report.accepted_on <= until {
                    out.accepted.push(report);
                } else if report.submitted_on <= until {
                    let returned = h
                        .is_multiple_of(5)
                        .then(|| "请补充存在问题和下步措施".to_string());
                    out.open.push(OpenReport { report, returned });
                }
            }
            period = period.next();
        }
    }
    out.accepted
        .sort_by_key(|r| (r.accepted_on, r.item.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::generated_plan;

    #[test]
    fn history_is_deterministic_marked_and_monotone() {
        let mut doc = generated_plan("s", 300, 4, 5);
        doc.plan.start = NaiveDate::from_ymd_opt(2017, 8, 14).unwrap();
        let until = NaiveDate::from_ymd_opt(2021, 6, 30).unwrap();
        let h = history(&doc, until);
        assert_eq!(h, history(&doc, until));
        assert!(h.accepted.len() > 100, "{}", h.accepted.len());
        assert!(
            h.accepted
                .iter()
                .all(|r| r.narrative.starts_with(SAMPLE_MARK) && r.accepted_on <= until)
        );
        assert!(
            h.accepted
                .iter()
                .all(|r| r.percent.is_some_and(|p| (0.0..=100.0).contains(&p)))
        );
        // Per item, percent never goes down from one period to the next.
        let mut by_item: std::collections::HashMap<&str, Vec<&HistoricReport>> = Default::default();
        for r in &h.accepted {
            by_item.entry(r.item.as_str()).or_default().push(r);
        }
        for reports in by_item.values_mut() {
            reports.sort_by_key(|r| r.period);
            assert!(reports.windows(2).all(|w| w[0].percent <= w[1].percent));
        }
        // Nothing for June 2021 is accepted by 30 June.
        assert!(
            h.accepted
                .iter()
                .all(|r| r.period < Period::parse("2021-06").unwrap())
        );
    }
}
