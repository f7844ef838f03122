//! Free space of the region: sorted, coalesced free ranges, first fit.

use alloc::vec::Vec;

/// The free ranges of a region.
#[derive(Clone, Debug)]
pub struct Extents {
    free: Vec<(u64, u64)>,
}

impl Extents {
    /// A region of `size` bytes, all free.
    pub fn new(size: u64) -> Self {
        let free = if size > 0 {
            alloc::vec![(0, size)]
        } else {
            Vec::new()
        };
        Self { free }
    }

    /// Free bytes.
    pub fn free(&self) -> u64 {
        self.free.iter().map(|f| f.1).sum()
    }

    /// Takes `want` bytes, or — if no free range is that large — the
    /// largest range of at least `min` bytes. Returns (offset, length).
    pub fn take(&mut self, want: u64, min: u64) -> Option<(u64, u64)> {
        let i = match self.free.iter().position(|f| f.1 >= want) {
            Some(i) => i,
            None => {
                let (i, f) = self.free.iter().enumerate().max_by_key(|(_, f)| f.1)?;
                if f.1 < min.max(1) {
                    return None;
                }
                i
            }
        };
        let (at, len) = self.free[i];
        let got = len.min(want);
        if got == len {
            self.free.remove(i);
        } else {
            self.free[i] = (at + got, len - got);
        }
        Some((at, got))
    }

    /// Gives `len` bytes at `at` back (merged with free neighbours).
    pub fn release(&mut self, at: u64, len: u64) {
        if len == 0 {
            return;
        }
        let i = self.free.partition_point(|f| f.0 < at);
        self.free.insert(i, (at, len));
        if i + 1 < self.free.len() && self.free[i].0 + self.free[i].1 == self.free[i + 1].0 {
            self.free[i].1 += self.free[i + 1].1;
            self.free.remove(i + 1);
        }
        if i > 0 && self.free[i - 1].0 + self.free[i - 1].1 == self.free[i].0 {
            self.free[i - 1].1 += self.free[i].1;
            self.free.remove(i);
        }
    }
}
