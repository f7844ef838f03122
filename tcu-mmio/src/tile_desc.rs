//! TILE_DESC: what kind of tile a TCU sits in (set by the hardware).
//!
//! tilekit's addition: [`Isa::HostNative`], the ISA of simulated cores that
//! run native executables on the host. Accelerator kinds are not encoded
//! here at all: they are names in the board description and the window ROM.

use crate::field::{Field, FieldOverflow};
use crate::numbered::numbered_enum;

/// TILE_DESC: tile type.
pub const TD_TYPE: Field = Field::new("type", 5, 0, "tile type (0 compute, 1 memory)");
/// TILE_DESC: instruction set.
pub const TD_ISA: Field = Field::new("isa", 10, 6, "ISA of the compute unit");
/// TILE_DESC: attributes.
pub const TD_ATTR: Field = Field::new("attr", 27, 11, "attribute bits");
/// TILE_DESC: memory size.
pub const TD_MEM: Field = Field::new("memory", 63, 28, "tile-internal memory in 4 KiB pages");

/// A TILE_DESC value the spec (or tilekit) does not define.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} value {value} in TILE_DESC")]
pub struct UnknownValue {
    /// Which field.
    pub what: &'static str,
    /// The rejected number.
    pub value: u64,
}

impl crate::numbered::Unknown for UnknownValue {
    fn unknown(what: &'static str, value: u64) -> Self {
        Self { what, value }
    }
}

numbered_enum! {
    UnknownValue;
    /// The tile type.
    TileType {
        /// A compute tile (core or accelerator).
        Compute = 0 => "compute",
        /// A memory tile.
        Memory = 1 => "memory",
    }
}

numbered_enum! {
    UnknownValue;
    /// The compute unit's instruction set.
    Isa {
        /// No programmable core (memory tiles, fixed-function units).
        None = 0 => "none",
        /// RISC-V (the spec does not distinguish 32 and 64 bit).
        RiscV = 1 => "riscv",
        /// tilekit extension: a simulated core running native executables
        /// of the host (x86-64 Linux). Never reported by hardware.
        HostNative = 31 => "host-native",
    }
}

impl Isa {
    /// Whether this code is tilekit's, not the spec's.
    pub const fn is_tilekit_extension(self) -> bool {
        matches!(self, Isa::HostNative)
    }
}

/// The decoded TILE_DESC register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TileDesc {
    /// Tile type.
    pub tile_type: TileType,
    /// Instruction set.
    pub isa: Isa,
    /// Attribute bits (17 bits).
    pub attr: u32,
    /// Tile-internal memory in 4 KiB pages.
    pub mem_pages: u64,
}

/// Why a TILE_DESC value does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TileDescError {
    /// A type or ISA value that is not defined.
    #[error(transparent)]
    Unknown(#[from] UnknownValue),
    /// A value does not fit its field.
    #[error(transparent)]
    Field(#[from] FieldOverflow),
}

impl TileDesc {
    /// Decodes a raw TILE_DESC value.
    pub fn from_raw(raw: u64) -> Result<Self, TileDescError> {
        Ok(Self {
            tile_type: TileType::try_from(TD_TYPE.get(raw))?,
            isa: Isa::try_from(TD_ISA.get(raw))?,
            attr: TD_ATTR.get(raw) as u32,
            mem_pages: TD_MEM.get(raw),
        })
    }

    /// Encodes the register; fails if a value does not fit.
    pub fn to_raw(&self) -> Result<u64, FieldOverflow> {
        let r = TD_TYPE.set(0, self.tile_type as u64)?;
        let r = TD_ISA.set(r, self.isa as u64)?;
        let r = TD_ATTR.set(r, self.attr.into())?;
        TD_MEM.set(r, self.mem_pages)
    }
}
