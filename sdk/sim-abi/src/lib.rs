//! `tile-sim-abi`: what a simulated tile inherits from the simulator.
//!
//! A simulated compute unit is a process that inherits exactly one file
//! descriptor, [`TILE_FD`]. It holds, in this order:
//!
//! ```text
//! 0x0000 .. 0x4000   the tile's TCU region: a mirror of its registers that
//!                    the simulator publishes (spec v2 layout), with the
//!                    transport words below in the backend area at +0x3800
//! 0x4000 .. end      the tile's local memory (a core's DRAM slice, an
//!                    accelerator's buffers); local address 0 is at 0x4000
//! ```
//!
//! The mirror is not authoritative: the simulator copies what it needs out
//! of it, validates, and acts (architecture brief §4). The tile writes the
//! argument registers (DATA_ADDR, DATA_SIZE, ARG1) and the print buffer into
//! the mirror directly; COMMAND and PRINT are hand-offs (the tile writes
//! them only while idle, the simulator only while busy); every other
//! register write travels as a request through [`REQ_STATE`]. This crate is
//! shared by the simulator (board-support) and the tile runtime (sdk), so
//! neither depends on the other.
#![no_std]
#![forbid(unsafe_code)]

/// The descriptor number a tile inherits.
pub const TILE_FD: i32 = 3;
/// Size of the register part (one TCU region).
pub const REGION_SIZE: u64 = 0x4000;
/// Offset of local memory in the descriptor.
pub const MEMORY_OFFSET: u64 = REGION_SIZE;

/// Backend area: the tile increments this 32-bit word (and wakes it with a
/// futex) after writing COMMAND, PRINT or a request.
pub const DOORBELL: u64 = 0x3800;
/// Backend area: the simulator increments this 32-bit word (and wakes it
/// with a futex) when a command or request completes or a message arrives.
pub const EVENT: u64 = 0x3808;
/// Backend area: 1 while a register-write request is pending, 0 when done.
pub const REQ_STATE: u64 = 0x3810;
/// Backend area: the register offset of the pending request.
pub const REQ_OFFSET: u64 = 0x3818;
/// Backend area: the value of the pending request.
pub const REQ_VALUE: u64 = 0x3820;
/// Backend area: the outcome of the last request (0 applied, 1 ignored).
pub const REQ_RESULT: u64 = 0x3828;
/// Backend area: 1 while the tile waits at entry for a debugger
/// (`run --stop-at-entry`); the simulator clears it to let the tile go.
pub const HOLD_AT_ENTRY: u64 = 0x3830;

/// Backend area: CLOCK_MONOTONIC in ns when the board started; CUR_TIME is
/// the time since then.
pub const BOOT_NS: u64 = 0x3838;

/// Backend area: the tile's endpoint count (fixes where the print buffer is).
pub const EPS: u64 = 0x3840;

/// Version of the tile ABI (this descriptor layout and the transport
/// protocol; the kernel interface version joins it when kif exists). A tile
/// image records the version it was built for in its note.
pub const TILE_ABI_VERSION: u32 = 1;

/// ELF note that marks a tile image: owner name (NUL-terminated, padded to
/// 4 bytes in the note).
pub const NOTE_NAME: &[u8; 8] = b"tilekit\0";
/// ELF note type of the tile-image note ("TI").
pub const NOTE_TYPE: u32 = 0x5449;
/// Size of the note's descriptor: ISA code (u32) and tile ABI version (u32).
pub const NOTE_DESC_SIZE: u32 = 8;

/// Environment variable naming the tile (e.g. `C0T03`) for messages.
pub const ENV_TILE: &str = "TILEKIT_TILE";
