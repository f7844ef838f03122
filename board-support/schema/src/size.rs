//! Byte sizes as board files write them: `64 MiB`, `1 GiB`, `4096`.
//!
//! Binary units only (KiB, MiB, GiB, TiB; `B` or none for bytes): "MB"
//! would be ambiguous between 10^6 and 2^20, so it is refused with the fix.

use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A size in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Size(pub u64);

impl Size {
    /// The size in bytes.
    pub const fn bytes(self) -> u64 {
        self.0
    }

    /// Parses `N`, `N B`, `N KiB`, `N MiB`, `N GiB` or `N TiB` (space optional).
    pub fn parse(text: &str) -> Result<Size, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        if num.is_empty() {
            return Err(format!(
                "`{text}` is not a size: write a number and a unit, e.g. `64 MiB`"
            ));
        }
        if num.len() > 1 && num.starts_with('0') {
            return Err(format!(
                "`{text}`: a size may not start with 0 (YAML 1.1 would read it as octal)"
            ));
        }
        let n: u64 = num.parse().map_err(|_| format!("`{text}` is too large"))?;
        let shift = match unit.trim() {
            "" | "B" => 0,
            "KiB" => 10,
            "MiB" => 20,
            "GiB" => 30,
            "TiB" => 40,
            u @ ("K" | "KB" | "kB" | "M" | "MB" | "G" | "GB" | "T" | "TB") => {
                let fix = match u.chars().next() {
                    Some('K' | 'k') => "KiB",
                    Some('M') => "MiB",
                    Some('G') => "GiB",
                    _ => "TiB",
                };
                return Err(format!(
                    "`{text}`: unit `{u}` is ambiguous; write `{num} {fix}` (binary units)"
                ));
            }
            u => {
                return Err(format!(
                    "`{text}`: unknown unit `{u}`; use B, KiB, MiB, GiB or TiB"
                ));
            }
        };
        n.checked_mul(1u64 << shift)
            .map(Size)
            .ok_or_else(|| format!("`{text}` does not fit in 64 bits"))
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
            if b >= 1 << shift && b.is_multiple_of(1 << shift) {
                return write!(f, "{} {unit}", b >> shift);
            }
        }
        write!(f, "{b} B")
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size such as `64 MiB` or a number of bytes")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Size, E> {
                Ok(Size(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Size, E> {
                u64::try_from(v)
                    .map(Size)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Size, E> {
                Size::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Size {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Size".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A size in bytes: a number, or a number and a binary unit (`64 MiB`).",
            "oneOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": "^\\s*(0|[1-9][0-9]*)\\s*(B|KiB|MiB|GiB|TiB)?\\s*$" }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binary_units() {
        assert_eq!(Size::parse("64 MiB"), Ok(Size(64 << 20)));
        assert_eq!(Size::parse("1GiB"), Ok(Size(1 << 30)));
        assert_eq!(Size::parse("4096"), Ok(Size(4096)));
        assert_eq!(Size::parse("0"), Ok(Size(0)));
        assert_eq!(Size(64 << 20).to_string(), "64 MiB");
        assert_eq!(Size(1000).to_string(), "1000 B");
    }

    #[test]
    fn refuses_ambiguous_or_bad_sizes() {
        assert!(Size::parse("64 MB").unwrap_err().contains("write `64 MiB`"));
        assert!(Size::parse("010").unwrap_err().contains("octal"));
        assert!(Size::parse("MiB").is_err());
        assert!(
            Size::parse("5 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(
            Size::parse("99999999999 TiB")
                .unwrap_err()
                .contains("64 bits")
        );
    }
}
