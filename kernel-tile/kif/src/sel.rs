//! Capability selectors: an activity names its capabilities by number.

/// A capability selector: an index into the caller's capability table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CapSel(pub u64);

/// Every activity's capability for the tile it runs on.
pub const SEL_TILE: CapSel = CapSel(0);
/// Every activity's kernel-memory quota.
pub const SEL_KMEM: CapSel = CapSel(1);
/// Every activity's capability for itself.
pub const SEL_ACT: CapSel = CapSel(2);

impl CapSel {
    /// The first selector an activity may use for capabilities of its own.
    pub const FIRST_FREE: CapSel = CapSel(3);
}

impl core::fmt::Display for CapSel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "sel {}", self.0)
    }
}

/// `count` consecutive selectors from `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CapRange {
    /// The first selector.
    pub start: CapSel,
    /// How many.
    pub count: u64,
}

impl CapRange {
    /// The range of one selector.
    pub const fn one(sel: CapSel) -> Self {
        Self {
            start: sel,
            count: 1,
        }
    }

    /// The selectors, or `None` if the range wraps around.
    pub fn iter(&self) -> Option<impl Iterator<Item = CapSel>> {
        let end = self.start.0.checked_add(self.count)?;
        Some((self.start.0..end).map(CapSel))
    }
}
