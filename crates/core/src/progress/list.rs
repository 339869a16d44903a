//! Every item's progress by position, in 16 bytes an item: a million-item plan's progress is
//! kept by the server for every board of it, and `Vec<Progress>` spends 24 (the `Option`'s tag
//! pads the percent to 16).

use super::Progress;

/// Each position's progress: its percent (`NaN` for none known: a percent is never `NaN`,
/// `Percent` refuses it) and its unknown share.
#[derive(Clone, Debug, Default)]
pub struct ProgressList {
    percent: Vec<f64>,
    unknown_share: Vec<f64>,
}

impl ProgressList {
    /// `len` positions, nothing known of any.
    pub fn unknown(len: usize) -> ProgressList {
        ProgressList {
            percent: vec![f64::NAN; len],
            unknown_share: vec![Progress::UNKNOWN.unknown_share; len],
        }
    }

    pub fn get(&self, n: usize) -> Progress {
        let p = self.percent[n];
        Progress {
            percent: (!p.is_nan()).then_some(p),
            unknown_share: self.unknown_share[n],
        }
    }

    pub fn set(&mut self, n: usize, p: Progress) {
        debug_assert!(
            p.percent.is_none_or(|v| !v.is_nan()),
            "a percent is a number"
        );
        self.percent[n] = p.percent.unwrap_or(f64::NAN);
        self.unknown_share[n] = p.unknown_share;
    }

    pub fn len(&self) -> usize {
        self.percent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.percent.is_empty()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Progress> + '_ {
        (0..self.len()).map(|n| self.get(n))
    }
}

/// Equal when every position's progress is (`NaN`, none known, equals itself here).
impl PartialEq for ProgressList {
    fn eq(&self, other: &ProgressList) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl FromIterator<Progress> for ProgressList {
    fn from_iter<I: IntoIterator<Item = Progress>>(iter: I) -> ProgressList {
        let iter = iter.into_iter();
        let mut out = ProgressList {
            percent: Vec::with_capacity(iter.size_hint().0),
            unknown_share: Vec::with_capacity(iter.size_hint().0),
        };
        for p in iter {
            out.percent.push(p.percent.unwrap_or(f64::NAN));
            out.unknown_share.push(p.unknown_share);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_set_is_read_back() {
        let given = [
            Progress::UNKNOWN,
            Progress::known(0.0),
            Progress {
                percent: Some(37.5),
                unknown_share: 0.25,
            },
            Progress::known(100.0),
        ];
        let list: ProgressList = given.iter().copied().collect();
        assert_eq!(list.iter().collect::<Vec<_>>(), given);
        let mut blank = ProgressList::unknown(given.len());
        assert!(blank.iter().all(|p| p == Progress::UNKNOWN));
        for (n, p) in given.iter().enumerate().rev() {
            blank.set(n, *p);
        }
        assert_eq!(blank, list);
    }
}
