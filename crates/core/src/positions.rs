//! Item positions by code, compact: the codes one after another in one string, and a hash
//! table of positions into it. A `HashMap<String, usize>` keeps every code a second time as its
//! own allocation (~70 bytes an item); this keeps ~20, which a million-item plan held in memory
//! per board feels. Written here because no map crate stores string keys out of line like this;
//! `hashbrown`'s `HashTable` does the hashing and probing.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

#[derive(Default)]
pub struct Positions {
    /// Every code, in position order, one after another.
    codes: String,
    /// Where each position's code ends in `codes`.
    ends: Vec<u32>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl Positions {
    /// Positions of `codes` in the order given. A code given twice keeps its first position
    /// (a plan's codes are unique; the first is what a map built in order would keep last, so
    /// callers must not rely on duplicates).
    pub fn of<'a>(codes: impl ExactSizeIterator<Item = &'a str>) -> Positions {
        let mut p = Positions {
            ends: Vec::with_capacity(codes.len()),
            table: HashTable::with_capacity(codes.len()),
            ..Positions::default()
        };
        for code in codes {
            let n = p.ends.len() as u32;
            p.codes.push_str(code);
            p.ends.push(p.codes.len() as u32);
            let hash = p.hasher.hash_one(code);
            let Positions {
                codes: all,
                ends,
                table,
                hasher,
            } = &mut p;
            let code_of = |m: u32| code_at(all, ends, m as usize);
            if table.find(hash, |&m| code_of(m) == code).is_none() {
                table.insert_unique(hash, n, |&m| hasher.hash_one(code_of(m)));
            }
        }
        p.codes.shrink_to_fit();
        p
    }

    pub fn get(&self, code: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(code);
        self.table
            .find(hash, |&m| self.code(m as usize) == code)
            .map(|&m| m as usize)
    }

    /// The code at position `n`.
    pub fn code(&self, n: usize) -> &str {
        code_at(&self.codes, &self.ends, n)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

fn code_at<'a>(codes: &'a str, ends: &[u32], n: usize) -> &'a str {
    let start = if n == 0 { 0 } else { ends[n - 1] as usize };
    &codes[start..ends[n] as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_code_at_its_position_and_nothing_else() {
        let codes: Vec<String> = (0..5000).map(|n| format!("G{n}")).collect();
        let p = Positions::of(codes.iter().map(String::as_str));
        assert_eq!(p.len(), 5000);
        for (n, c) in codes.iter().enumerate() {
            assert_eq!(p.get(c), Some(n), "{c}");
            assert_eq!(p.code(n), c);
        }
        for missing in ["", "G", "G5000", "g1", "G01", "G1 "] {
            assert_eq!(p.get(missing), None, "{missing:?}");
        }
    }

    #[test]
    fn a_repeated_code_keeps_its_first_position() {
        let p = Positions::of(["A", "B", "A"].into_iter());
        assert_eq!(p.get("A"), Some(0));
        assert_eq!(p.get("B"), Some(1));
        assert_eq!(p.code(2), "A");
    }

    #[test]
    fn an_empty_plan_has_no_positions() {
        let p = Positions::of(std::iter::empty());
        assert!(p.is_empty());
        assert_eq!(p.get("A"), None);
    }
}
