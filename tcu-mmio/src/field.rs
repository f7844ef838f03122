//! Bit fields of 64-bit TCU registers.
//!
//! Every field of every register is a [`Field`] constant: its name, its bit
//! range and a one-line meaning. Packing and unpacking go through these
//! constants and nothing else, so a shift is written exactly once (in
//! [`Field::get`] and [`Field::set`]). The register reference in `docs/tcu.md`
//! and the golden-table tests read the same constants.

/// One bit field inside a 64-bit register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// Field name as the spec writes it (lower case).
    pub name: &'static str,
    /// Lowest bit of the field.
    pub lo: u8,
    /// Number of bits (1..=64).
    pub width: u8,
    /// What the field means, in one line.
    pub doc: &'static str,
}

/// A value did not fit the field it was meant for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("value {value:#x} does not fit field `{field}` ({width} bits, at most {max:#x})")]
pub struct FieldOverflow {
    /// Name of the field.
    pub field: &'static str,
    /// Width of the field in bits.
    pub width: u8,
    /// Largest value the field holds.
    pub max: u64,
    /// The rejected value.
    pub value: u64,
}

impl Field {
    /// Defines the field at bits `hi..=lo` (the spec's `[hi:lo]` notation).
    ///
    /// Fails to compile (in const context) if the range is empty or leaves
    /// the 64-bit register.
    pub const fn new(name: &'static str, hi: u8, lo: u8, doc: &'static str) -> Self {
        assert!(hi >= lo, "field range is reversed");
        assert!(hi < 64, "field leaves the 64-bit register");
        Self {
            name,
            lo,
            width: hi - lo + 1,
            doc,
        }
    }

    /// Highest bit of the field.
    pub const fn hi(&self) -> u8 {
        self.lo + self.width - 1
    }

    /// The largest value the field can hold.
    pub const fn max(&self) -> u64 {
        if self.width >= 64 {
            u64::MAX
        } else {
            (1u64 << self.width) - 1
        }
    }

    /// The field's bits in place within the register.
    pub const fn mask(&self) -> u64 {
        self.max() << self.lo
    }

    /// Whether `value` fits the field.
    pub const fn fits(&self, value: u64) -> bool {
        value <= self.max()
    }

    /// Extracts the field from a register value.
    pub const fn get(&self, reg: u64) -> u64 {
        (reg >> self.lo) & self.max()
    }

    /// Returns `reg` with the field replaced by `value`, or an error if the
    /// value does not fit (values are never truncated silently).
    pub const fn set(&self, reg: u64, value: u64) -> Result<u64, FieldOverflow> {
        if !self.fits(value) {
            return Err(FieldOverflow {
                field: self.name,
                width: self.width,
                max: self.max(),
                value,
            });
        }
        Ok((reg & !self.mask()) | (value << self.lo))
    }

    /// Like [`Field::set`] for a boolean flag field.
    pub const fn set_flag(&self, reg: u64, on: bool) -> Result<u64, FieldOverflow> {
        self.set(reg, on as u64)
    }
}

/// Checks that the fields of one register do not overlap; used by tests and
/// by the reference generator.
pub fn fields_overlap(fields: &[Field]) -> Option<(&'static str, &'static str)> {
    for (i, a) in fields.iter().enumerate() {
        for b in &fields[i + 1..] {
            if a.mask() & b.mask() != 0 {
                return Some((a.name, b.name));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    const F: Field = Field::new("f", 7, 4, "test field");
    const FULL: Field = Field::new("full", 63, 0, "whole register");

    #[test]
    fn get_and_set_place_bits() {
        assert_eq!(F.set(0, 0xA), Ok(0xA0));
        assert_eq!(F.get(0xFFA5), 0xA);
        assert_eq!(F.set(0xFFFF, 0), Ok(0xFF0F));
        assert_eq!(FULL.set(0, u64::MAX), Ok(u64::MAX));
        assert_eq!(FULL.max(), u64::MAX);
        assert_eq!(F.hi(), 7);
    }

    #[test]
    fn overflow_is_rejected_not_truncated() {
        let err = F.set(0, 0x10).unwrap_err();
        assert_eq!(err.value, 0x10);
        assert_eq!(err.max, 0xF);
        assert!(err.to_string().contains("does not fit field `f`"));
    }

    #[test]
    fn overlap_is_found() {
        let g = Field::new("g", 4, 4, "");
        assert_eq!(fields_overlap(&[F, g]), Some(("f", "g")));
        assert_eq!(fields_overlap(&[F, Field::new("h", 3, 0, "")]), None);
    }
}
