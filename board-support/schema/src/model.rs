//! The board description as Rust types: what a board YAML file may say.
//!
//! Field types that semantic checks point at are wrapped in [`Spanned`], so
//! a validation error can name the line and column of the offending value.
//! Unknown keys are errors everywhere (`deny_unknown_fields`).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::size::Size;

/// The format version this crate reads.
pub const FORMAT_VERSION: u32 = 1;

/// A board: its tiles and what boots on them.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Board {
    /// Format version of the file; must be 1.
    #[schemars(with = "u32")]
    pub tilekit_board: Spanned<u32>,
    /// Board name: lower-case letters, digits and `-`; names simulated boards
    /// (`sim:NAME`) and appears in the window's ROM.
    #[schemars(with = "String", regex(pattern = r"^[a-z0-9][a-z0-9-]{0,30}$"))]
    pub name: Spanned<String>,
    /// One line on what the board is for.
    #[serde(default)]
    pub description: Option<String>,
    /// The tiles, in any order.
    pub tiles: Vec<TileSpec>,
    /// Programs the root resource manager starts after boot.
    #[serde(default)]
    pub boot: Vec<BootEntry>,
    /// Services (named by boot entries' `serves`) the host tile gets a
    /// session with at boot, in order.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub host_sessions: Vec<Spanned<String>>,
}

/// What a tile is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TileKind {
    /// The kernel's tile: the only privileged one after boot.
    Kernel,
    /// A general-purpose core running tile programs.
    Core,
    /// A third-party accelerator behind a TCU (a file-protocol filter).
    Accel,
    /// A memory tile (DRAM) that core tiles get their memory from.
    Memory,
    /// The host PC's tile: host tools take part in the NoC through it.
    Host,
}

impl TileKind {
    /// The name as written in YAML.
    pub const fn name(self) -> &'static str {
        match self {
            TileKind::Kernel => "kernel",
            TileKind::Core => "core",
            TileKind::Accel => "accel",
            TileKind::Memory => "memory",
            TileKind::Host => "host",
        }
    }
}

/// Instruction set of a tile's compute unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IsaName {
    /// A simulated core running native host executables (tilekit extension).
    HostNative,
    /// RISC-V (hardware boards).
    Riscv,
}

impl IsaName {
    /// The ISA code of TILE_DESC.
    pub const fn isa(self) -> tcu_mmio::tile_desc::Isa {
        match self {
            IsaName::HostNative => tcu_mmio::tile_desc::Isa::HostNative,
            IsaName::Riscv => tcu_mmio::tile_desc::Isa::RiscV,
        }
    }

    /// The name as written in YAML.
    pub const fn name(self) -> &'static str {
        self.isa().name()
    }
}

/// One tile.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TileSpec {
    /// Tile number on its chip (0..=255).
    #[schemars(with = "u8")]
    pub id: Spanned<u8>,
    /// Chip number (0..=63); default 0.
    #[serde(default)]
    #[schemars(with = "Option<u8>")]
    pub chip: Option<Spanned<u8>>,
    /// What the tile is.
    #[schemars(with = "TileKind")]
    pub kind: Spanned<TileKind>,
    /// A short human-readable label (shown by `board show`).
    #[serde(default)]
    pub label: Option<String>,
    /// Instruction set (kernel, core; accel controllers default to host-native).
    #[serde(default)]
    #[schemars(with = "Option<IsaName>")]
    pub isa: Option<Spanned<IsaName>>,
    /// Number of TCU endpoints (default 128; at most 327 in spec v2).
    #[serde(default)]
    #[schemars(with = "Option<u16>")]
    pub eps: Option<Spanned<u16>>,
    /// Kernel and core tiles: size of the DRAM slice their PMP endpoint grants.
    #[serde(default)]
    #[schemars(with = "Option<Size>")]
    pub dram: Option<Spanned<Size>>,
    /// Kernel and core tiles: byte offset of the slice in the memory tile
    /// (default: placed after the previous slices).
    #[serde(default)]
    #[schemars(with = "Option<u64>")]
    pub dram_at: Option<Spanned<u64>>,
    /// Memory tiles: size of the memory.
    #[serde(default)]
    #[schemars(with = "Option<Size>")]
    pub size: Option<Spanned<Size>>,
    /// Accel tiles: the accelerator kind, a registered name (`isp`, `dsp`, `crypto`, …).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub accel: Option<Spanned<String>>,
    /// Accel tiles: which device model simulates the block (default `behavioural`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub model: Option<Spanned<String>>,
    /// Accel tiles: size of the tile-local buffers the device reaches (default 64 KiB).
    #[serde(default)]
    #[schemars(with = "Option<Size>")]
    pub spm: Option<Spanned<Size>>,
    /// NoC placement: the router the tile is attached to (default 0).
    #[serde(default)]
    #[schemars(with = "Option<u8>")]
    pub router: Option<Spanned<u8>>,
}

/// A program the root resource manager starts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BootEntry {
    /// Name of the tile image (a program built by the workspace).
    #[schemars(with = "String")]
    pub program: Spanned<String>,
    /// The core tile it runs on.
    #[schemars(with = "u8")]
    pub tile: Spanned<u8>,
    /// Chip of that tile (default 0).
    #[serde(default)]
    pub chip: Option<u8>,
    /// Command-line arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// The name of the service the program creates (others name it in
    /// `sessions`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub serves: Option<Spanned<String>>,
    /// Services of earlier boot entries the program gets a session with
    /// before it starts, in order (at most 6).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub sessions: Vec<Spanned<String>>,
    /// The tile (same chip) of the boot entry that starts this program:
    /// root hands that program the activity instead of starting it (a
    /// pipeline's filters, say). At most 8 children per parent; a parent
    /// and its children do not serve.
    #[serde(default)]
    #[schemars(with = "Option<u8>")]
    pub parent: Option<Spanned<u8>>,
}
