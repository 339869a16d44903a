//! Baselines (基线): the plan as approved — each item's dates, weight and target as they stood
//! when the office set the baseline — and what has moved since. A deadline moved later is not
//! forgotten: the item shows its slip against the baseline ("due 2019-06-30, baseline
//! 2018-12-31, +181 days"), and the office lists every slip of the plan.

use chrono::NaiveDate;
use serde::Serialize;

use crate::Item;

/// One item as a baseline keeps it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BaselineItem {
    pub code: String,
    pub start: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub weight: f64,
    pub target_value: Option<f64>,
    pub target_by: Option<NaiveDate>,
    pub parent: Option<String>,
    pub cancelled: bool,
}

impl BaselineItem {
    pub fn of(i: &Item) -> BaselineItem {
        BaselineItem {
            code: i.code.to_string(),
            start: i.start,
            due: i.due,
            weight: i.weight.value(),
            target_value: i.extra.target.as_ref().map(|t| t.value),
            target_by: i.extra.target.as_ref().and_then(|t| t.by),
            parent: i.parent.as_ref().map(|p| p.to_string()),
            cancelled: i.cancelled,
        }
    }
}

/// The start and due date of each item in a baseline, by code: what status is judged by when
/// the plan judges against its baseline (`StatusAgainst::Baseline`).
pub type JudgedDates = std::collections::HashMap<String, (Option<NaiveDate>, Option<NaiveDate>)>;

pub fn judged_dates(baseline: &[BaselineItem]) -> JudgedDates {
    baseline
        .iter()
        .map(|b| (b.code.clone(), (b.start, b.due)))
        .collect()
}

/// The items as their status is judged under a baseline: an item the baseline holds takes
/// its start and due date from it (a deadline moved later is still late against the plan as
/// approved), keeping the trajectory points that lie strictly between them; an item added
/// since keeps its own dates.
pub fn judged(items: &[Item], dates: &JudgedDates) -> Vec<Item> {
    items.iter().map(|i| judged_item(i, dates)).collect()
}

/// One item as judged under a baseline (see `judged`).
pub fn judged_item(item: &Item, dates: &JudgedDates) -> Item {
    let mut out = item.clone();
    if let Some(&(start, due)) = dates.get(item.code.as_str())
        && (start, due) != (item.start, item.due)
    {
        out.start = start;
        out.due = due;
        out.extra
            .trajectory
            .retain(|p| start.is_none_or(|s| p.date > s) && due.is_none_or(|d| p.date < d));
    }
    out
}

/// A date then and now, and how many days it moved (positive: later).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DateMove {
    pub baseline: Option<NaiveDate>,
    pub current: Option<NaiveDate>,
    /// Days later than the baseline (negative: earlier); absent when either date is.
    pub days: Option<i64>,
}

impl DateMove {
    fn of(baseline: Option<NaiveDate>, current: Option<NaiveDate>) -> Option<DateMove> {
        (baseline != current).then(|| DateMove {
            baseline,
            current,
            days: baseline.zip(current).map(|(b, c)| (c - b).num_days()),
        })
    }
}

/// What changed of one item since the baseline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Slip {
    pub code: String,
    /// Not in the baseline: added since.
    pub added: bool,
    /// In the baseline, not in the plan now: archived since.
    pub dropped: bool,
    pub start: Option<DateMove>,
    pub due: Option<DateMove>,
    pub target_by: Option<DateMove>,
    /// (baseline, now), when the weight changed.
    pub weight: Option<(f64, f64)>,
    /// (baseline, now), when the target's value changed.
    pub target_value: Option<(Option<f64>, Option<f64>)>,
    /// (baseline, now), when it moved to another parent (none: the top).
    pub parent: Option<(Option<String>, Option<String>)>,
    /// Now cancelled (true) or restored (false), when that changed.
    pub cancelled: Option<bool>,
}

impl Slip {
    fn new(code: &str) -> Slip {
        Slip {
            code: code.to_string(),
            added: false,
            dropped: false,
            start: None,
            due: None,
            target_by: None,
            weight: None,
            target_value: None,
            parent: None,
            cancelled: None,
        }
    }

    /// How many days the due date slipped (positive: later), when it moved.
    pub fn due_days(&self) -> Option<i64> {
        self.due.and_then(|d| d.days)
    }
}

/// The change of one item against its baseline entry, if anything changed.
pub fn slip(base: &BaselineItem, now: &Item) -> Option<Slip> {
    let cur = BaselineItem::of(now);
    let mut s = Slip::new(&base.code);
    s.start = DateMove::of(base.start, cur.start);
    s.due = DateMove::of(base.due, cur.due);
    s.target_by = DateMove::of(base.target_by, cur.target_by);
    s.weight = ((base.weight - cur.weight).abs() > 1e-9).then_some((base.weight, cur.weight));
    s.target_value =
        (base.target_value != cur.target_value).then_some((base.target_value, cur.target_value));
    s.parent = (base.parent != cur.parent).then(|| (base.parent.clone(), cur.parent.clone()));
    s.cancelled = (base.cancelled != cur.cancelled).then_some(cur.cancelled);
    let changed = s.start.is_some()
        || s.due.is_some()
        || s.target_by.is_some()
        || s.weight.is_some()
        || s.target_value.is_some()
        || s.parent.is_some()
        || s.cancelled.is_some();
    changed.then_some(s)
}

/// Every change of the plan since the baseline: items changed, added and dropped, in the
/// plan's order (dropped ones last, in the baseline's order).
pub fn slips(baseline: &[BaselineItem], items: &[Item]) -> Vec<Slip> {
    let then: std::collections::HashMap<&str, &BaselineItem> =
        baseline.iter().map(|b| (b.code.as_str(), b)).collect();
    let now: std::collections::HashSet<&str> = items.iter().map(|i| i.code.as_str()).collect();
    let mut out: Vec<Slip> = items
        .iter()
        .filter_map(|i| match then.get(i.code.as_str()) {
            Some(b) => slip(b, i),
            None => Some(Slip {
                added: true,
                ..Slip::new(i.code.as_str())
            }),
        })
        .collect();
    out.extend(
        baseline
            .iter()
            .filter(|b| !now.contains(b.code.as_str()))
            .map(|b| Slip {
                dropped: true,
                ..Slip::new(&b.code)
            }),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Code, ItemKind};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn item(code: &str, due: &str) -> Item {
        let mut i = Item::new(Code::parse(code).unwrap(), ItemKind::Project, code);
        i.start = Some(d("2018-01-01"));
        i.due = Some(d(due));
        i
    }

    #[test]
    fn a_moved_deadline_stays_visible_against_the_baseline() {
        let base: Vec<BaselineItem> = [
            item("A", "2018-12-31"),
            item("B", "2019-06-30"),
            item("C", "2019-06-30"),
        ]
        .iter()
        .map(BaselineItem::of)
        .collect();
        let mut a = item("A", "2019-06-30");
        a.weight = crate::Weight::new(2.0).unwrap();
        let mut b = item("B", "2019-06-30");
        b.cancelled = true;
        b.parent = Some(Code::parse("A").unwrap());
        let now = vec![a, b, item("D", "2020-01-31")];
        let s = slips(&base, &now);
        let codes: Vec<(&str, bool, bool)> = s
            .iter()
            .map(|x| (x.code.as_str(), x.added, x.dropped))
            .collect();
        assert_eq!(
            codes,
            [
                ("A", false, false),
                ("B", false, false),
                ("D", true, false),
                ("C", false, true)
            ]
        );
        assert_eq!(s[1].cancelled, Some(true), "a cancellation is a change");
        assert_eq!(s[1].parent, Some((None, Some("A".into()))), "so is a move");
        assert_eq!(s[0].due_days(), Some(181), "2018-12-31 → 2019-06-30");
        assert_eq!(s[0].weight, Some((1.0, 2.0)));
        assert_eq!(s[0].start, None);
        // A date set where there was none moves by no number of days.
        let mut b = item("B", "2019-06-30");
        b.due = None;
        let s = slip(&base[1], &b).unwrap();
        assert_eq!(s.due.unwrap().days, None);
    }
}
