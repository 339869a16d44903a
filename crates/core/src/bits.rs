//! A bit per item with its rank: whether item `n` has a property, and how many items before it
//! have it, in a few bytes per 64 items. The in-memory plan uses it where most items lack
//! a property and what only some have is kept in a dense list, found by rank: the items with
//! children (`shape::Shape::branch`) and the paths that are not plain (`path::Paths`).
//!
//! Written here because the rank is two lines and a succinct-structure crate would bring far
//! more than it.

/// One bit per item, and the set bits before each block of 64 items.
#[derive(Debug, Default)]
pub(crate) struct RankedBits {
    words: Vec<u64>,
    ranks: Vec<u32>,
    ones: usize,
}

impl RankedBits {
    /// The bits of `len` items, `set(n)` telling item `n`'s.
    pub(crate) fn of(len: usize, mut set: impl FnMut(usize) -> bool) -> RankedBits {
        let blocks = len.div_ceil(64);
        let mut out = RankedBits {
            words: vec![0; blocks],
            ranks: Vec::with_capacity(blocks),
            ones: 0,
        };
        for n in 0..len {
            if n % 64 == 0 {
                out.ranks
                    .push(u32::try_from(out.ones).expect("fewer than 4 billion items"));
            }
            if set(n) {
                out.words[n / 64] |= 1 << (n % 64);
                out.ones += 1;
            }
        }
        out
    }

    /// Whether item `n`'s bit is set.
    pub(crate) fn get(&self, n: usize) -> bool {
        self.words[n / 64] >> (n % 64) & 1 == 1
    }

    /// How many items before `n` have their bit set.
    pub(crate) fn rank(&self, n: usize) -> usize {
        let below = self.words[n / 64] & ((1u64 << (n % 64)) - 1);
        self.ranks[n / 64] as usize + below.count_ones() as usize
    }

    /// How many items have their bit set.
    pub(crate) fn ones(&self) -> usize {
        self.ones
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_count_the_set_bits_before_across_blocks() {
        for len in [0, 1, 63, 64, 65, 200] {
            let set = |n: usize| n.is_multiple_of(3) || n == 64;
            let bits = RankedBits::of(len, set);
            let mut before = 0;
            for n in 0..len {
                assert_eq!(bits.get(n), set(n), "{len} {n}");
                assert_eq!(bits.rank(n), before, "{len} {n}");
                before += usize::from(set(n));
            }
            assert_eq!(bits.ones(), before);
        }
    }
}
