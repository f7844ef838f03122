//! `tcu-mmio`: the single definition of the TCU spec v2 interface.
//!
//! Everything in tilekit that touches a TCU — the kernel, the SDK's tile
//! runtime, the accelerator shims, the simulator's TCU model, the host tools
//! and the tests — uses the definitions in this crate, so every register
//! field, command and header is encoded in exactly one place:
//!
//! - [`field`]: the [`Field`] descriptor every register field is made of;
//! - [`regs`]: the register map of a tile's TCU region (external,
//!   unprivileged, endpoint, print, privileged and configuration registers),
//!   FEATURES and TILE_DESC;
//! - [`ep`]: typed endpoint configurations ([`EpConfig`]);
//! - [`cmd`]: command encodings (COMMAND, EXT_CMD, PRIV_CMD);
//! - [`header`]: the 32-byte message header;
//! - [`error`]: the spec's error codes ([`Code`]);
//! - [`ids`]: newtypes ([`TileId`], [`EpId`], [`ActId`], [`Label`], [`GlobalAddr`]);
//! - [`access`]: the [`RegisterAccess`] trait and volatile [`MmioRegs`];
//! - [`tcu`]: the [`Tcu`] driver with the unprivileged operations, and the
//!   [`ConfigAuthority`] token that authority-granting writes require.
//!
//! The crate is `no_std` and allocation-free. tilekit's own additions to
//! the spec (the host-native ISA code, SLEEP's place in the command set) are
//! marked as extensions where they are defined. `docs/tcu.md` is generated
//! from these definitions (`cargo xtask gen-docs`).
#![no_std]

#[cfg(test)]
extern crate std;

pub mod access;
pub mod cmd;
pub mod ep;
pub mod error;
pub mod field;
pub mod header;
pub mod ids;
mod numbered;
pub mod regs;
pub mod tcu;
pub mod tile_desc;

pub use access::{MmioRegs, RegisterAccess};
pub use cmd::{CmdOp, Command, ExtCmd, ExtOp, PrivCmd, PrivOp};
pub use ep::{Credits, EpConfig, EpType, MemEp, Perm, RecvEp, SendEp};
pub use error::Code;
pub use field::{Field, FieldOverflow};
pub use header::{Header, HeaderInfo};
pub use ids::{ActId, EpId, GlobalAddr, Label, TileId};
pub use regs::{Layout, Reg};
pub use tcu::{ConfigAuthority, LocalAddr, Tcu};

/// The TCU specification version this crate implements (major, minor, patch).
pub const SPEC_VERSION: (u16, u8, u8) = (2, 0, 0);
