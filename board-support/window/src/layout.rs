//! Where everything lies in the window (layout version 1).
//!
//! ```text
//! 0x0000_0000  ROM            64 KiB, read-only: what the board is
//! 0x0001_0000  control page    4 KiB: nonce, owner, reset, status
//! 0x0002_0000  tile regions   64 × 16 KiB: each tile's TCU region
//! 0x0012_0000  (reserved)
//! 0x0020_0000  bounce buffer   1 MiB: the host tile's bulk-data buffer
//! 0x0030_0000  (reserved)
//! 0x0040_0000  apertures       4 × 2 MiB: movable windows onto memory tiles
//! 0x00C0_0000  (reserved) up to the window size, 16 MiB (a power of two)
//! ```
//!
//! Every register is 64 bits wide and accessed with one 64-bit load or
//! store. A tile region is the TCU region of spec v2 (external, unprivileged
//! and endpoint registers from +0x0000, privileged page at +0x2000,
//! configuration page at +0x3000) plus tilekit's shared events in the
//! configuration page.

use tcu_mmio::field::Field;

/// Layout version this crate implements.
pub const LAYOUT_VERSION: u64 = 1;
/// The ROM's magic number: "TKWINDOW" in ASCII, little-endian.
pub const MAGIC: u64 = u64::from_le_bytes(*b"TKWINDOW");

/// Offset of the ROM.
pub const ROM_OFFSET: u64 = 0;
/// Size of the ROM.
pub const ROM_SIZE: u64 = 0x1_0000;
/// Offset of the control page.
pub const CONTROL_OFFSET: u64 = 0x1_0000;
/// Size of the control page.
pub const CONTROL_SIZE: u64 = 0x1000;
/// Offset of tile region 0.
pub const TILES_OFFSET: u64 = 0x2_0000;
/// Distance between tile regions (spec v2 needs 16 KiB).
pub const TILE_STRIDE: u64 = 0x4000;
/// Number of tile regions.
pub const MAX_TILES: u64 = 64;
/// Offset of the host tile's bounce buffer.
pub const BOUNCE_OFFSET: u64 = 0x20_0000;
/// Size of the bounce buffer.
pub const BOUNCE_SIZE: u64 = 0x10_0000;
/// Offset of aperture 0.
pub const APERTURES_OFFSET: u64 = 0x40_0000;
/// Size of one aperture.
pub const APERTURE_SIZE: u64 = 0x20_0000;
/// Number of apertures.
pub const MAX_APERTURES: u64 = 4;
/// Size of the whole window (a power of two, as a PCI BAR must be).
pub const WINDOW_SIZE: u64 = 0x100_0000;

const _: () = assert!(TILES_OFFSET + MAX_TILES * TILE_STRIDE <= BOUNCE_OFFSET);
const _: () = assert!(BOUNCE_OFFSET + BOUNCE_SIZE <= APERTURES_OFFSET);
const _: () = assert!(APERTURES_OFFSET + MAX_APERTURES * APERTURE_SIZE <= WINDOW_SIZE);
const _: () = assert!(WINDOW_SIZE.is_power_of_two());

/// Offset of tile region `slot` (slots are the ROM tile table's order).
pub const fn tile_region(slot: u64) -> u64 {
    TILES_OFFSET + slot * TILE_STRIDE
}

/// Offset of aperture `n`.
pub const fn aperture(n: u64) -> u64 {
    APERTURES_OFFSET + n * APERTURE_SIZE
}

/// Registers of the control page (offsets within it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ControlReg {
    /// The host writes a value and reads it back (link check, proof of path).
    Nonce,
    /// PID of the owning host process (0: no owner).
    OwnerPid,
    /// Unix time the owner took the board.
    OwnerSince,
    /// Write 1: stop every tile, reset every TCU, clear memory; reads 0 when done.
    Reset,
    /// Bit 0: the board is served; bit 1: a reset is in progress.
    Status,
    /// Incremented by the board's server at least every 100 ms while it runs.
    Heartbeat,
    /// PID of the simulator serving the board (0 for hardware).
    ServerPid,
    /// A host writes a new value to ask for an up-to-date debug view
    /// (simulator: every tile region published now).
    ViewReq,
    /// The last VIEW_REQ value whose view has been published (the
    /// simulator copies it; hardware, whose view is always live, may
    /// ignore both).
    ViewAck,
    /// The memory-tile offset aperture `n` shows (n < 4).
    ApertureBase(u8),
    /// Byte `8·n..8·n+8` of the owner's command line (n < 8; NUL padded).
    OwnerCmd(u8),
}

impl ControlReg {
    /// Offset within the control page.
    pub const fn offset(self) -> u64 {
        match self {
            ControlReg::Nonce => 0x000,
            ControlReg::OwnerPid => 0x008,
            ControlReg::OwnerSince => 0x010,
            ControlReg::Reset => 0x018,
            ControlReg::Status => 0x020,
            ControlReg::Heartbeat => 0x028,
            ControlReg::ServerPid => 0x030,
            ControlReg::ViewReq => 0x038,
            ControlReg::ViewAck => 0x040,
            ControlReg::ApertureBase(n) => 0x100 + 8 * n as u64,
            ControlReg::OwnerCmd(n) => 0x200 + 8 * n as u64,
        }
    }

    /// Offset within the window.
    pub const fn window_offset(self) -> u64 {
        CONTROL_OFFSET + self.offset()
    }
}

/// STATUS: the board is served.
pub const STATUS_UP: Field = Field::new("up", 0, 0, "1 = a simulator or the FPGA serves the board");
/// STATUS: a reset is in progress.
pub const STATUS_RESETTING: Field = Field::new("resetting", 1, 1, "1 = board reset in progress");

/// tilekit's shared events in each tile's configuration page (offsets
/// within the tile region). Both backends implement them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TileEventReg {
    /// State of the compute unit: see [`CuState`].
    CuState,
    /// Exit code once the compute unit halted.
    ExitCode,
    /// Total bytes ever written to the PRINT ring.
    PrintHead,
    /// Violations the TCU counted (ignored writes).
    Violations,
}

impl TileEventReg {
    /// Offset within the tile region.
    pub const fn offset(self) -> u64 {
        match self {
            TileEventReg::CuState => 0x3100,
            TileEventReg::ExitCode => 0x3108,
            TileEventReg::PrintHead => 0x3110,
            TileEventReg::Violations => 0x3118,
        }
    }
}

/// Offset of the PRINT ring within a tile region.
pub const PRINT_RING_OFFSET: u64 = 0x3200;
/// Size of the PRINT ring.
pub const PRINT_RING_SIZE: u64 = 0x600;
/// Start of the backend's private area in a tile region (the simulator's
/// transport words); hosts never touch it.
pub const BACKEND_AREA_OFFSET: u64 = 0x3800;

/// The compute unit's state (CU_STATE).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum CuState {
    /// Not started (or stopped).
    Stopped = 0,
    /// Running.
    Running = 1,
    /// Exited; EXIT_CODE holds the code.
    Exited = 2,
    /// Crashed or killed; EXIT_CODE holds the signal number + 128.
    Crashed = 3,
}

impl TryFrom<u64> for CuState {
    type Error = u64;
    fn try_from(v: u64) -> Result<Self, u64> {
        match v {
            0 => Ok(CuState::Stopped),
            1 => Ok(CuState::Running),
            2 => Ok(CuState::Exited),
            3 => Ok(CuState::Crashed),
            other => Err(other),
        }
    }
}
