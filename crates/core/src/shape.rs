//! What a plan's boards share: the shape of its tree — positions by code, parents, children,
//! supporters, which items are out of the figures or measured apart, and every item's expected
//! path. It depends on the items alone (not on progress or the date), so a server works it out
//! once per set of items and every board of them — each day asked for, each version after an
//! accepted report — takes it as it is (a million-item plan's rebuild after a report spent most
//! of its 1.4 s redoing this).

use crate::bits::RankedBits;
use crate::path::Paths;
use crate::positions::Positions;
use crate::{Code, Item, ItemKind};

const NO_PARENT: usize = usize::MAX;

/// A list of items for each item (its children, its supporters) kept in one flat array: a
/// million items' lists as a million vectors cost 24 bytes and an allocation apiece.
pub(crate) struct Links {
    /// Where each item's list starts in `flat`; one entry more than there are items.
    start: Vec<u32>,
    /// Positions as `u32`: half of `usize` for the million entries of a large plan.
    flat: Vec<u32>,
}

impl Links {
    /// The lists of `len` items from (owner, member) pairs; each list keeps the pairs' order.
    fn of(len: usize, pairs: impl Iterator<Item = (usize, usize)> + Clone) -> Links {
        let mut start = vec![0u32; len + 1];
        for (owner, _) in pairs.clone() {
            start[owner + 1] += 1;
        }
        for n in 0..len {
            start[n + 1] += start[n];
        }
        let mut next = start.clone();
        let mut flat = vec![0u32; start[len] as usize];
        for (owner, member) in pairs {
            flat[next[owner] as usize] = u32::try_from(member).expect("fewer than 4 billion items");
            next[owner] += 1;
        }
        Links { start, flat }
    }

    /// How many items have a list.
    fn len(&self) -> usize {
        self.start.len() - 1
    }
}

impl std::ops::Index<usize> for Links {
    type Output = [u32];
    fn index(&self, n: usize) -> &[u32] {
        &self.flat[self.start[n] as usize..self.start[n + 1] as usize]
    }
}

pub struct Shape {
    pub(crate) index: Positions,
    pub(crate) children: Links,
    pub(crate) supporters: Links,
    /// Each item's parent's position, `NO_PARENT` for a root.
    parents: Vec<u32>,
    /// One bit per item: it has children. An item's slot among the items with children (where
    /// a board keeps what only branches have) is how many come before it, its bit's rank (a
    /// million items' slots in 160 KB rather than 4 MB).
    has_children: RankedBits,
    pub(crate) roots: Vec<usize>,
    /// Out of the plan's figures: cancelled or under a cancelled item (`item::out_of_plan`).
    pub(crate) out: Vec<bool>,
    /// Measured rather than reported: positionings and goals with no work below them.
    pub(crate) apart: Vec<bool>,
    /// Each item's expected path (`path::paths`).
    pub(crate) paths: Paths,
}

impl Shape {
    /// `items` is a whole plan (cancelled items included), in the order boards will use.
    pub fn of(items: &[Item]) -> Shape {
        let index = Positions::of(items.iter().map(|i| i.code.as_str()));
        // Parents and supports are found through a map kept only while the shape is built: the
        // kept index finds a code by halves, a few cache misses each (~5 µs at a million items),
        // fine for a request's lookups but seconds for every item's parent.
        let mut by_code: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::with_capacity(items.len());
        for (n, i) in items.iter().enumerate() {
            by_code.entry(i.code.as_str()).or_insert(n);
        }
        let find = |code: &Code| by_code.get(code.as_str()).copied();
        let mut parents = vec![NO_PARENT; items.len()];
        let mut supports = Vec::new();
        let mut roots = Vec::new();
        for (n, i) in items.iter().enumerate() {
            match i.parent.as_ref().and_then(find) {
                Some(p) => parents[n] = p,
                None => roots.push(n),
            }
            for s in &i.extra.supports {
                if let Some(t) = find(s) {
                    supports.push((t, n));
                }
            }
        }
        let children = Links::of(
            items.len(),
            parents
                .iter()
                .enumerate()
                .filter(|(_, p)| **p != NO_PARENT)
                .map(|(n, &p)| (p, n)),
        );
        let supporters = Links::of(items.len(), supports.into_iter());
        let order = depth_first(&roots, &children);
        let parent = |n: usize| Some(parents[n]).filter(|&p| p != NO_PARENT);
        let out = crate::item::out_of_plan_by(items, parent);
        // Each item is expected where its own dates say, or a parent where its children are.
        let paths = crate::path::paths_by(items, &out, |n| &children[n], &order);
        // Positionings and goals that have no work of their own below them are measured, not
        // reported (`summary::measured_apart`).
        let mut apart = vec![false; items.len()];
        for &n in order.iter().rev() {
            apart[n] = matches!(items[n].kind, ItemKind::Positioning | ItemKind::Goal)
                && children[n]
                    .iter()
                    .filter(|&&c| !out[c as usize])
                    .all(|&c| apart[c as usize]);
        }
        let has_children = RankedBits::of(items.len(), |n| !children[n].is_empty());
        Shape {
            index,
            children,
            supporters,
            parents: parents.into_iter().map(|p| p as u32).collect(),
            has_children,
            roots,
            out,
            apart,
            paths: Paths::of(&paths),
        }
    }

    pub fn len(&self) -> usize {
        self.parents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parents.is_empty()
    }

    /// Positions by code.
    pub fn positions(&self) -> &Positions {
        &self.index
    }

    /// The position of item `n`'s parent; `None` for a root.
    pub fn parent(&self, n: usize) -> Option<usize> {
        Some(self.parents[n])
            .filter(|&p| p != NO_PARENT as u32)
            .map(|p| p as usize)
    }

    /// Item `n`'s slot among the items with children; `None` for an item without.
    pub fn branch(&self, n: usize) -> Option<usize> {
        self.has_children.get(n).then(|| self.has_children.rank(n))
    }

    /// Every item once, each parent before its children (depth first from the roots): worked
    /// out when a board is built rather than kept (4 MB for a million items).
    pub(crate) fn order(&self) -> Vec<usize> {
        depth_first(&self.roots, &self.children)
    }

    /// How many items have children.
    pub fn branches(&self) -> usize {
        self.has_children.ones()
    }
}

/// Every item under `roots` once, each parent before its children.
fn depth_first(roots: &[usize], children: &Links) -> Vec<usize> {
    let mut order = Vec::with_capacity(children.len());
    let mut stack: Vec<usize> = roots.to_vec();
    while let Some(n) = stack.pop() {
        order.push(n);
        stack.extend(children[n].iter().map(|&c| c as usize));
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_of_items_keep_their_order_and_their_owner() {
        // Owners out of order, one with none, members in the order given.
        let pairs = [(2, 5), (0, 1), (2, 3), (0, 4), (2, 0)];
        let l = Links::of(4, pairs.iter().copied());
        assert_eq!(&l[0], &[1, 4]);
        assert!(l[1].is_empty());
        assert_eq!(&l[2], &[5, 3, 0]);
        assert!(l[3].is_empty());
        let none = Links::of(0, std::iter::empty());
        assert_eq!(none.start, vec![0]);
    }

    /// Each item with children has its own slot, in position order, across the bit set's
    /// blocks of 64; the order walked has every item once, each parent before its children.
    #[test]
    fn branches_are_numbered_in_order_and_the_order_puts_parents_first() {
        let doc = crate::generate::generated_plan("shape", 500, 4, 5);
        let shape = Shape::of(&doc.items);
        let mut next = 0;
        for n in 0..shape.len() {
            if shape.children[n].is_empty() {
                assert_eq!(shape.branch(n), None, "item {n}");
            } else {
                assert_eq!(shape.branch(n), Some(next), "item {n}");
                next += 1;
            }
        }
        assert_eq!(shape.branches(), next);
        assert!(next > 64, "more than one block of branches: {next}");
        let order = shape.order();
        let mut seen = vec![false; shape.len()];
        for &n in &order {
            if let Some(p) = shape.parent(n) {
                assert!(seen[p], "{p} before its child {n}");
            }
            seen[n] = true;
        }
        assert!(seen.iter().all(|&s| s), "every item once");
        assert_eq!(order.len(), shape.len());
    }
}
