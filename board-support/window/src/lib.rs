//! `board-window`: the window, tilekit's one seam between host and board.
//!
//! Host tools see a board only through one byte-addressable window of
//! 64-bit registers — what a PCIe BAR gives. This crate defines it once:
//! the [`layout`] (where the ROM, the control page, the tile regions, the
//! bounce buffer and the apertures lie) and the [`rom`] (what the board is,
//! with a checksum, and how it compares with a board file). The simulator
//! serves a window from a shared-memory file; an FPGA serves it as a BAR.
//! `docs/window.md` is the specification for FPGA teams.
#![forbid(unsafe_code)]

pub mod layout;
pub mod rom;

pub use rom::{Mismatch, Rom, RomError, compare, decode, encode};
