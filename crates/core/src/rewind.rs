//! The plan's items as they stood on a past day, for documents that must say what they said
//! then (a briefing of 2019-Q3 made today): today's items with every change made after the day
//! undone, newest first. Each change carries the item as it was before it (`None` when the
//! change added the item), as the history of events records it.

use std::collections::{HashMap, HashSet};

use crate::{Code, Item};

/// One recorded change of an item, with the item as it stood before it.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemChange {
    pub code: Code,
    /// The item before the change: `None` when the change added it, or when the item was
    /// archived then (a change that restored it).
    pub before: Option<Item>,
}

/// The items as they stood before `changes` (in the order they were made), given the live
/// items now in plan order. Items that existed then and not now (archived since) come back
/// after their siblings, or after their parent; items added since are left out.
pub fn items_before(items: &[Item], changes: &[ItemChange]) -> Vec<Item> {
    let mut state: HashMap<&Code, Option<&Item>> =
        items.iter().map(|i| (&i.code, Some(i))).collect();
    for c in changes.iter().rev() {
        state.insert(&c.code, c.before.as_ref());
    }
    let mut out: Vec<Item> = items
        .iter()
        .filter_map(|i| state.get(&i.code).copied().flatten().cloned())
        .collect();
    let now: HashSet<&Code> = items.iter().map(|i| &i.code).collect();
    // Those back from the archive: parents before their children, each placed after the last
    // item with the same parent (or after the parent itself), else at the end.
    let mut back: Vec<&Item> = state
        .iter()
        .filter(|(code, _)| !now.contains(*code))
        .filter_map(|(_, i)| *i)
        .collect();
    back.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    let mut placed = true;
    while !back.is_empty() && placed {
        placed = false;
        let mut rest = Vec::new();
        for item in back {
            let parent_at = item
                .parent
                .as_ref()
                .map(|p| out.iter().position(|i| &i.code == p));
            let at = match parent_at {
                // Its parent is not back yet: try again after the others.
                Some(None) => {
                    rest.push(item);
                    continue;
                }
                Some(Some(p)) => match out.iter().rposition(|i| i.parent == item.parent) {
                    Some(s) => end_of_subtree(&out, s),
                    None => p + 1,
                },
                None => out.len(),
            };
            out.insert(at, item.clone());
            placed = true;
        }
        back = rest;
    }
    // An item whose parent is gone as well (an inconsistent history): kept, at the end.
    out.extend(back.into_iter().cloned());
    out
}

/// Puts the items `order` names in that order, in the places they hold among the others (an
/// item it does not name stays where it is): the order of the items before a reordering.
pub fn reorder(items: &mut [Item], order: &[String]) {
    let rank: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(n, c)| (c.as_str(), n))
        .collect();
    let places: Vec<usize> = (0..items.len())
        .filter(|&n| rank.contains_key(items[n].code.as_str()))
        .collect();
    let mut named: Vec<Item> = places.iter().map(|&n| items[n].clone()).collect();
    named.sort_by_key(|i| rank[i.code.as_str()]);
    for (place, item) in places.into_iter().zip(named) {
        items[place] = item;
    }
}

/// Entries of a list (units, indicators) as they stood before `changes` (in the order they
/// were made; each with the entry before it, `None` when the change added it), given the
/// entries now, in order. An entry changed since reads as it did; one added since is left out;
/// one removed since (in `changes` with its old self, and not in `now`) comes back at the end.
pub fn entries_before<T: Clone>(
    now: &[(Code, T)],
    changes: &[(Code, Option<T>)],
) -> Vec<(Code, T)> {
    let mut state: HashMap<&Code, Option<&T>> = now.iter().map(|(c, t)| (c, Some(t))).collect();
    for (code, before) in changes.iter().rev() {
        state.insert(code, before.as_ref());
    }
    let present: HashSet<&Code> = now.iter().map(|(c, _)| c).collect();
    let mut out: Vec<(Code, T)> = now
        .iter()
        .filter_map(|(c, _)| {
            state
                .get(c)
                .copied()
                .flatten()
                .map(|t| (c.clone(), t.clone()))
        })
        .collect();
    let mut back: Vec<(Code, T)> = state
        .iter()
        .filter(|(c, _)| !present.contains(*c))
        .filter_map(|(c, t)| t.map(|t| ((*c).clone(), t.clone())))
        .collect();
    back.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    out.extend(back);
    out
}

/// The index just past the item at `at` and everything below it (which follows it in plan
/// order).
fn end_of_subtree(items: &[Item], at: usize) -> usize {
    let parent: HashMap<&Code, &Code> = items
        .iter()
        .filter_map(|i| i.parent.as_ref().map(|p| (&i.code, p)))
        .collect();
    let root = &items[at].code;
    let below = |code: &Code| {
        let mut c = parent.get(code);
        while let Some(p) = c {
            if *p == root {
                return true;
            }
            c = parent.get(p);
        }
        false
    };
    let mut k = at + 1;
    while k < items.len() && below(&items[k].code) {
        k += 1;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, parent: Option<&str>, title: &str) -> Item {
        let mut i = crate::generate::generated_plan("t", 2, 1, 1).items[0].clone();
        i.code = Code::parse(code).unwrap();
        i.parent = parent.map(|p| Code::parse(p).unwrap());
        i.title = crate::Text::new(title, i.title.en());
        i
    }

    fn codes(items: &[Item]) -> Vec<String> {
        items.iter().map(|i| i.code.to_string()).collect()
    }

    #[test]
    fn changes_since_the_day_are_undone_newest_first() {
        let now = vec![
            item("A", None, "甲"),
            item("A1", Some("A"), "新名称"),
            item("A3", Some("A"), "后加的"),
        ];
        let changes = vec![
            // A2 archived, A1 retitled twice, A3 added: all after the day.
            ItemChange {
                code: Code::parse("A2").unwrap(),
                before: Some(item("A2", Some("A"), "已撤销")),
            },
            ItemChange {
                code: Code::parse("A1").unwrap(),
                before: Some(item("A1", Some("A"), "原名称")),
            },
            ItemChange {
                code: Code::parse("A1").unwrap(),
                before: Some(item("A1", Some("A"), "中间名称")),
            },
            ItemChange {
                code: Code::parse("A3").unwrap(),
                before: None,
            },
        ];
        let then = items_before(&now, &changes);
        assert_eq!(codes(&then), ["A", "A1", "A2"]);
        assert_eq!(
            then[1].title.zh(),
            "原名称",
            "the oldest change's before wins"
        );
        assert_eq!(items_before(&now, &[]), now, "nothing changed since");
    }

    #[test]
    fn a_reordering_is_undone_around_the_items_it_did_not_name() {
        let mut items = vec![
            item("B", None, "乙"),
            item("X", None, "新"),
            item("A", None, "甲"),
        ];
        reorder(&mut items, &["A".into(), "B".into()]);
        assert_eq!(codes(&items), ["A", "X", "B"]);
    }

    #[test]
    fn list_entries_read_as_they_were() {
        let c = |s: &str| Code::parse(s).unwrap();
        let now = vec![(c("A"), "甲新"), (c("C"), "丙")];
        let changes = vec![
            (c("A"), Some("甲")),
            (c("B"), Some("乙")),
            (c("C"), None),
            (c("A"), Some("甲二")),
        ];
        assert_eq!(
            entries_before(&now, &changes),
            [(c("A"), "甲"), (c("B"), "乙")]
        );
    }

    #[test]
    fn an_archived_branch_comes_back_parents_first_in_place() {
        let now = vec![
            item("A", None, "甲"),
            item("A2", Some("A"), "子二"),
            item("A2.1", Some("A2"), "子二之一"),
            item("B", None, "乙"),
        ];
        let changes = vec![
            ItemChange {
                code: Code::parse("A1.1").unwrap(),
                before: Some(item("A1.1", Some("A1"), "孙")),
            },
            ItemChange {
                code: Code::parse("A1").unwrap(),
                before: Some(item("A1", Some("A"), "子")),
            },
            // Restored after the day: archived then.
            ItemChange {
                code: Code::parse("B").unwrap(),
                before: Some(item("B", None, "乙")),
            },
        ];
        let mut restored = changes.clone();
        restored[2].before = None;
        let then = items_before(&now, &restored);
        assert_eq!(codes(&then), ["A", "A2", "A2.1", "A1", "A1.1"]);
    }
}
