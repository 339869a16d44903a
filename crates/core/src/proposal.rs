//! Proposed notices (督办建议): which open warnings call for a supervision notice, and what the
//! notice would say. Nothing here issues anything: the office confirms each proposal (editing
//! it if it likes) or dismisses it with a reason (PRACTICE.md §1.7).
//!
//! The rule, by the colour of the warning's light:
//! - a red light (high severity: off track, overdue, an indicator far off its path) calls for
//!   a notice at once — Yinchuan's red light brings a 督办函, Suqian's red is "overdue";
//! - a yellow light (medium: at risk, a report missing, an indicator off its path) calls for
//!   one once it has lasted a whole reporting period, so it held at two reports in a row —
//!   Guangyuan's "two yellows → 专函督办", Sanya's "missed two months running"; a report
//!   missing for a whole period is a report missing twice;
//! - a low light (a long silence) never does on its own, and an overdue notice is already a
//!   notice.
//!
//! An item that already has a notice open gets no proposal. An item whose last notice was
//! closed and that lags again is proposed one level above the level that notice reached
//! (Sanming: orange when blue was not met).

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Months, NaiveDate};
use serde::Serialize;

use crate::Cadence;
use crate::warning::{Severity, WarningKind};

/// Days a proposed notice gives for the reply: an item with no stated limit reports within 15
/// days (PRACTICE.md §1.5, [P24]). The office changes it when it confirms.
pub const REPLY_DAYS: i64 = 15;

/// An open warning, as the queue needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenWarning {
    pub id: i64,
    pub item: String,
    pub kind: WarningKind,
    pub severity: Severity,
    pub raised_on: NaiveDate,
}

/// What earlier notices on an item tell the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Noticed {
    /// A notice on it is still open: no second one is proposed.
    Open,
    /// Its notices are closed; the highest level any of them reached.
    Closed { level: usize },
}

/// A proposed notice on one item.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Proposal {
    pub item: String,
    /// The warnings that call for it (ids), most severe first.
    pub warnings: Vec<i64>,
    pub kinds: Vec<WarningKind>,
    pub severity: Severity,
    /// When the oldest of them was raised.
    pub since: NaiveDate,
    /// The level proposed (index into the plan's levels).
    pub level: usize,
    pub reply_by: NaiveDate,
    /// Every warning it rests on was dismissed (with a reason) by the office.
    pub dismissed: bool,
}

/// The number of months in one reporting period.
pub fn period_months(cadence: Cadence) -> u32 {
    match cadence {
        Cadence::Monthly => 1,
        Cadence::Quarterly => 3,
    }
}

/// Whether an open warning calls for a notice on `today`.
pub fn calls_for_notice(w: &OpenWarning, today: NaiveDate, cadence: Cadence) -> bool {
    if w.kind == WarningKind::NoticeOverdue {
        return false;
    }
    match w.severity {
        Severity::High => true,
        Severity::Medium => w
            .raised_on
            .checked_add_months(Months::new(period_months(cadence)))
            .is_some_and(|d| d <= today),
        Severity::Low => false,
    }
}

fn rank(s: Severity) -> u8 {
    match s {
        Severity::High => 0,
        Severity::Medium => 1,
        Severity::Low => 2,
    }
}

/// The queue on `today`: one proposal per item whose open warnings call for a notice, unless
/// a notice on it is open; most severe first, then the longest waiting. `levels` is how many
/// levels the plan has; `dismissed` the warnings the office has dismissed.
pub fn proposals(
    warnings: &[OpenWarning],
    noticed: &HashMap<String, Noticed>,
    dismissed: &HashSet<i64>,
    today: NaiveDate,
    cadence: Cadence,
    levels: usize,
) -> Vec<Proposal> {
    // Grouped by item through an index of the groups: a search of the groups per warning was
    // quadratic (10,000 warnings took a cockpit 0.3 s).
    let mut by_item: Vec<(String, Vec<&OpenWarning>)> = Vec::new();
    let mut group: HashMap<&str, usize> = HashMap::new();
    for w in warnings
        .iter()
        .filter(|w| calls_for_notice(w, today, cadence))
    {
        if matches!(noticed.get(&w.item), Some(Noticed::Open)) {
            continue;
        }
        match group.get(w.item.as_str()) {
            Some(&g) => by_item[g].1.push(w),
            None => {
                group.insert(&w.item, by_item.len());
                by_item.push((w.item.clone(), vec![w]));
            }
        }
    }
    let top = levels.saturating_sub(1);
    let mut out: Vec<Proposal> = by_item
        .into_iter()
        .map(|(item, mut ws)| {
            ws.sort_by_key(|w| (rank(w.severity), w.raised_on, w.id));
            let level = match noticed.get(&item) {
                Some(Noticed::Closed { level }) => (level + 1).min(top),
                _ => 0,
            };
            Proposal {
                warnings: ws.iter().map(|w| w.id).collect(),
                kinds: ws.iter().map(|w| w.kind).collect(),
                severity: ws[0].severity,
                since: ws.iter().map(|w| w.raised_on).min().unwrap_or(today),
                level,
                reply_by: today + Duration::days(REPLY_DAYS),
                dismissed: ws.iter().all(|w| dismissed.contains(&w.id)),
                item,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (rank(a.severity), a.since, &a.item).cmp(&(rank(b.severity), b.since, &b.item))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn w(id: i64, item: &str, kind: WarningKind, severity: Severity, raised: &str) -> OpenWarning {
        OpenWarning {
            id,
            item: item.into(),
            kind,
            severity,
            raised_on: d(raised),
        }
    }

    #[test]
    fn a_red_light_calls_at_once_a_yellow_one_after_a_whole_period_a_low_one_never() {
        let today = d("2020-06-30");
        let m = Cadence::Monthly;
        let red = w(1, "A", WarningKind::Overdue, Severity::High, "2020-06-30");
        assert!(calls_for_notice(&red, today, m));
        let young = w(
            2,
            "A",
            WarningKind::BehindTrajectory,
            Severity::Medium,
            "2020-06-01",
        );
        assert!(!calls_for_notice(&young, today, m));
        let old = w(
            3,
            "A",
            WarningKind::BehindTrajectory,
            Severity::Medium,
            "2020-05-30",
        );
        assert!(calls_for_notice(&old, today, m));
        // A quarter is three months: the same yellow light is too young at quarterly cadence.
        assert!(!calls_for_notice(&old, today, Cadence::Quarterly));
        let missing = w(
            4,
            "A",
            WarningKind::ReportMissing,
            Severity::Medium,
            "2020-03-31",
        );
        assert!(calls_for_notice(&missing, today, Cadence::Quarterly));
        let quiet = w(5, "A", WarningKind::Stale, Severity::Low, "2019-01-01");
        assert!(!calls_for_notice(&quiet, today, m));
        let noticed = w(
            6,
            "A",
            WarningKind::NoticeOverdue,
            Severity::High,
            "2020-06-01",
        );
        assert!(!calls_for_notice(&noticed, today, m));
    }

    #[test]
    fn one_proposal_per_item_none_while_a_notice_is_open_one_level_up_after_a_closed_one() {
        let today = d("2020-06-30");
        let ws = vec![
            w(
                1,
                "A",
                WarningKind::BehindTrajectory,
                Severity::Medium,
                "2020-04-01",
            ),
            w(
                2,
                "A",
                WarningKind::ReportMissing,
                Severity::Medium,
                "2020-05-11",
            ),
            w(3, "B", WarningKind::Overdue, Severity::High, "2020-06-20"),
            w(4, "C", WarningKind::Overdue, Severity::High, "2020-06-01"),
            w(5, "D", WarningKind::Stale, Severity::Low, "2020-01-01"),
        ];
        let mut noticed = HashMap::new();
        noticed.insert("C".to_string(), Noticed::Open);
        noticed.insert("B".to_string(), Noticed::Closed { level: 0 });
        let out = proposals(&ws, &noticed, &HashSet::new(), today, Cadence::Monthly, 3);
        let items: Vec<&str> = out.iter().map(|p| p.item.as_str()).collect();
        assert_eq!(
            items,
            ["B", "A"],
            "red first, C has a notice open, D is only quiet"
        );
        assert_eq!(
            out[0].level, 1,
            "B's last notice was closed at blue: yellow now"
        );
        assert_eq!(out[1].level, 0);
        assert_eq!(out[1].warnings, [1, 2]);
        assert_eq!(out[1].since, d("2020-04-01"));
        assert_eq!(out[1].reply_by, d("2020-07-15"));
        // A closed notice at the top level stays at the top.
        noticed.insert("B".to_string(), Noticed::Closed { level: 2 });
        let out = proposals(&ws, &noticed, &HashSet::new(), today, Cadence::Monthly, 3);
        assert_eq!(out[0].level, 2);
    }

    #[test]
    fn a_proposal_is_dismissed_only_while_every_warning_it_rests_on_is() {
        let today = d("2020-06-30");
        let mut ws = vec![w(
            1,
            "A",
            WarningKind::Overdue,
            Severity::High,
            "2020-06-01",
        )];
        let dismissed: HashSet<i64> = [1].into();
        let out = proposals(&ws, &HashMap::new(), &dismissed, today, Cadence::Monthly, 3);
        assert!(out[0].dismissed);
        // A new warning on the same item brings the proposal back.
        ws.push(w(
            7,
            "A",
            WarningKind::BehindTrajectory,
            Severity::High,
            "2020-06-29",
        ));
        let out = proposals(&ws, &HashMap::new(), &dismissed, today, Cadence::Monthly, 3);
        assert!(!out[0].dismissed);
    }
}
