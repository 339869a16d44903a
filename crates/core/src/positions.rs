//! Item positions by code, compact: the codes one after another in one string, and the
//! positions sorted by their codes, searched by halves. A `HashMap<String, usize>` keeps every
//! code a second time as its own allocation (~70 bytes an item); a hash table of positions into
//! the string ~22 (its buckets, a power of two at most seven-eighths full, were 10.5 MB of a
//! million-item plan); this keeps ~16, which a million-item plan held in memory feels. A lookup
//! is about twenty comparisons of short codes, well under a microsecond. Written here because
//! no map crate keeps string keys out of line like this.

/// Positions of codes.
#[derive(Default)]
pub struct Positions {
    /// Every code, in position order, one after another.
    codes: String,
    /// Where each position's code ends in `codes`.
    ends: Vec<u32>,
    /// Every position, in the order of its code (equal codes by position).
    sorted: Vec<u32>,
}

impl Positions {
    /// Positions of `codes` in the order given. A code given twice keeps its first position
    /// (a plan's codes are unique; the first is what a map built in order would keep last, so
    /// callers must not rely on duplicates).
    pub fn of<'a>(codes: impl ExactSizeIterator<Item = &'a str>) -> Positions {
        let mut p = Positions {
            ends: Vec::with_capacity(codes.len()),
            ..Positions::default()
        };
        for code in codes {
            p.codes.push_str(code);
            p.ends
                .push(u32::try_from(p.codes.len()).expect("codes under 4 GB in all"));
        }
        p.codes.shrink_to_fit();
        let mut sorted: Vec<u32> = (0..p.ends.len() as u32).collect();
        sorted
            .sort_unstable_by(|&a, &b| p.code(a as usize).cmp(p.code(b as usize)).then(a.cmp(&b)));
        p.sorted = sorted;
        p
    }

    pub fn get(&self, code: &str) -> Option<usize> {
        // The first position whose code is not before `code`: with equal codes by position,
        // the first of a repeated code.
        let at = self
            .sorted
            .partition_point(|&m| self.code(m as usize) < code);
        let &m = self.sorted.get(at)?;
        (self.code(m as usize) == code).then_some(m as usize)
    }

    /// The code at position `n`.
    pub fn code(&self, n: usize) -> &str {
        let start = if n == 0 { 0 } else { self.ends[n - 1] as usize };
        &self.codes[start..self.ends[n] as usize]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
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
