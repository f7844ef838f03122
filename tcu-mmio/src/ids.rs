//! Newtypes for the identifiers and addresses of the TCU world.
//!
//! Raw integers never cross an API boundary: a tile is a [`TileId`], an
//! endpoint an [`EpId`], an activity an [`ActId`]. Constructors check the
//! spec's widths, so an out-of-range id cannot be built.

use crate::field::{Field, FieldOverflow};

/// The tile number inside a chip (bits 7..0 of a NoC id).
pub const NOC_ID_TILE: Field = Field::new("tile", 7, 0, "tile number within its chip");
/// The chip number (bits 13..8 of a NoC id).
pub const NOC_ID_CHIP: Field = Field::new("chip", 13, 8, "chip number");

/// A tile on the network-on-chip: chip (6 bits) and tile (8 bits), together
/// the 14-bit NoC id of the spec (`chip << 8 | tile`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TileId {
    chip: u8,
    tile: u8,
}

impl TileId {
    /// Largest chip number (6 bits).
    pub const MAX_CHIP: u8 = NOC_ID_CHIP.max() as u8;

    /// The tile `tile` on chip `chip`; fails if `chip` exceeds 6 bits.
    pub const fn new(chip: u8, tile: u8) -> Result<Self, FieldOverflow> {
        if chip > Self::MAX_CHIP {
            return Err(FieldOverflow {
                field: NOC_ID_CHIP.name,
                width: NOC_ID_CHIP.width,
                max: NOC_ID_CHIP.max(),
                value: chip as u64,
            });
        }
        Ok(Self { chip, tile })
    }

    /// Tile `tile` on chip 0, the common single-chip case.
    pub const fn on_chip0(tile: u8) -> Self {
        Self { chip: 0, tile }
    }

    /// The chip number.
    pub const fn chip(self) -> u8 {
        self.chip
    }

    /// The tile number within the chip.
    pub const fn tile(self) -> u8 {
        self.tile
    }

    /// The 14-bit NoC id.
    pub const fn raw(self) -> u16 {
        ((self.chip as u16) << NOC_ID_CHIP.lo) | self.tile as u16
    }

    /// Parses a 14-bit NoC id; fails if bits above 13 are set.
    pub const fn from_raw(raw: u16) -> Result<Self, FieldOverflow> {
        let raw = raw as u64;
        if raw >> (NOC_ID_CHIP.hi() + 1) != 0 {
            return Err(FieldOverflow {
                field: "noc_id",
                width: NOC_ID_CHIP.hi() + 1,
                max: (1 << (NOC_ID_CHIP.hi() + 1)) - 1,
                value: raw,
            });
        }
        Ok(Self {
            chip: NOC_ID_CHIP.get(raw) as u8,
            tile: NOC_ID_TILE.get(raw) as u8,
        })
    }
}

impl core::fmt::Display for TileId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "C{}T{:02}", self.chip, self.tile)
    }
}

impl core::str::FromStr for TileId {
    type Err = ();

    /// Parses the [`Display`](core::fmt::Display) form, `C<chip>T<tile>`.
    fn from_str(s: &str) -> Result<Self, ()> {
        let (chip, tile) = s
            .strip_prefix('C')
            .and_then(|r| r.split_once('T'))
            .ok_or(())?;
        let chip = chip.parse().map_err(drop)?;
        let tile = tile.parse().map_err(drop)?;
        TileId::new(chip, tile).map_err(drop)
    }
}

/// An endpoint number of a TCU (16 bits in commands and EP registers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EpId(pub u16);

impl EpId {
    /// "No endpoint": no reply EP in SEND, replies disabled in RECEIVE, or
    /// "any EP" for SLEEP.
    pub const INVALID: EpId = EpId(0xFFFF);

    /// The raw number.
    pub const fn raw(self) -> u16 {
        self.0
    }

    /// Whether this is [`EpId::INVALID`].
    pub const fn is_invalid(self) -> bool {
        self.0 == Self::INVALID.0
    }
}

impl core::fmt::Display for EpId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.is_invalid() {
            f.write_str("EP-")
        } else {
            write!(f, "EP{}", self.0)
        }
    }
}

/// An activity id (16 bits); tags endpoints so the TCU can tell activities
/// sharing a tile apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActId(pub u16);

impl ActId {
    /// The tile's privileged software or the kernel, and "no activity"
    /// (M3: TileMux / kernel id 0xFFFF).
    pub const INVALID: ActId = ActId(0xFFFF);
    /// The idle activity of the tile multiplexer.
    pub const IDLE: ActId = ActId(0xFFFE);

    /// The raw number.
    pub const fn raw(self) -> u16 {
        self.0
    }
}

impl core::fmt::Display for ActId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "A{}", self.0)
    }
}

/// The 64-bit label a send EP stamps on every message; receivers identify
/// senders by it (the kernel uses the sender's activity id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Label(pub u64);

/// The valid marker of a global (NoC) address.
pub const GLOBAL_VALID: Field = Field::new("valid", 63, 63, "marks a global address");
/// The NoC id part of a global address.
pub const GLOBAL_TILE: Field = Field::new("noc_id", 62, 49, "chip << 8 | tile");
/// The offset part of a global address.
pub const GLOBAL_OFFSET: Field = Field::new("offset", 48, 0, "byte offset within the tile");

/// A global address: a byte offset within a tile's address space, as the NoC
/// carries it (`valid << 63 | noc_id << 49 | offset`, 49-bit offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalAddr {
    tile: TileId,
    offset: u64,
}

impl GlobalAddr {
    /// The address `offset` within `tile`; fails if the offset exceeds 49 bits.
    pub const fn new(tile: TileId, offset: u64) -> Result<Self, FieldOverflow> {
        if !GLOBAL_OFFSET.fits(offset) {
            return Err(FieldOverflow {
                field: GLOBAL_OFFSET.name,
                width: GLOBAL_OFFSET.width,
                max: GLOBAL_OFFSET.max(),
                value: offset,
            });
        }
        Ok(Self { tile, offset })
    }

    /// The tile.
    pub const fn tile(self) -> TileId {
        self.tile
    }

    /// The offset within the tile.
    pub const fn offset(self) -> u64 {
        self.offset
    }

    /// The raw 64-bit encoding.
    pub fn raw(self) -> u64 {
        let packed = GLOBAL_VALID
            .set(0, 1)
            .and_then(|r| GLOBAL_TILE.set(r, self.tile.raw() as u64))
            .and_then(|r| GLOBAL_OFFSET.set(r, self.offset));
        // Every part was range-checked on construction, so this cannot fail.
        packed.unwrap_or_default()
    }

    /// Decodes a raw global address; `None` without the valid marker.
    pub fn from_raw(raw: u64) -> Option<Self> {
        if GLOBAL_VALID.get(raw) == 0 {
            return None;
        }
        let tile = TileId::from_raw(GLOBAL_TILE.get(raw) as u16).ok()?;
        Some(Self {
            tile,
            offset: GLOBAL_OFFSET.get(raw),
        })
    }
}

impl core::fmt::Display for GlobalAddr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}:{:#x}", self.tile, self.offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn tile_id_round_trips_and_rejects_wide_chips() {
        let t = TileId::new(3, 17).unwrap();
        assert_eq!(t.raw(), 3 << 8 | 17);
        assert_eq!(TileId::from_raw(t.raw()), Ok(t));
        assert!(TileId::new(64, 0).is_err());
        assert!(TileId::from_raw(0x4000).is_err());
        assert_eq!(t.to_string(), "C3T17");
    }

    #[test]
    fn global_addr_encoding() {
        let a = GlobalAddr::new(TileId::new(1, 2).unwrap(), 0x1000).unwrap();
        assert_eq!(a.raw(), 1 << 63 | (0x102u64 << 49) | 0x1000);
        assert_eq!(GlobalAddr::from_raw(a.raw()), Some(a));
        assert_eq!(GlobalAddr::from_raw(0x1000), None);
        assert!(GlobalAddr::new(TileId::on_chip0(0), 1 << 49).is_err());
    }
}
