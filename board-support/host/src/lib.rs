//! `board-host`: the host side of the window.
//!
//! Tools and out-of-tree HIL tests use this crate to reach a board:
//!
//! - [`BoardUri`]: which board — `sim:NAME` (a board served by `tilekit
//!   sim`), `pcie:DDDD:BB:DD.F` (an FPGA), or a board file simulated in this
//!   process; `TILEKIT_BOARD` supplies the default, else the embedded demo
//!   board.
//! - [`Board`]: opens it as its one writer (or read-only), reads and checks
//!   the ROM (against a board file when given, refusing a mismatch naming
//!   expected vs actual), resets it, loads images into cores' memory and
//!   starts and stops cores (bring-up), waits for tiles, and reads the
//!   debug view ([`TileView`]) of every tile.
//! - [`HostTile`]: the host's own TCU on the NoC — SEND, FETCH, REPLY,
//!   ACK, READ and WRITE through its registers in the window, with data in
//!   the bounce buffer.
//!
//! Everything goes through the window with single 64-bit accesses; the
//! same code drives the simulator and (with the PCIe backend) an FPGA.
#![forbid(unsafe_code)]

mod board;
mod error;
mod host_activity;
mod host_files;
mod host_tile;
pub mod images;
mod link;
mod uri;
mod view;

pub use board::{Board, OpenOptions, install_firmware};
pub use error::HostError;
pub use host_activity::HostSyscalls;
pub use host_files::HostFiles;
pub use host_tile::{Bounce, HostTile, Message};
pub use link::Window;
pub use uri::{BoardUri, DEMO_BOARD, ENV_BOARD};
pub use view::{EpView, TileView};

pub use board_window::layout::CuState;
pub use tilekit_sim::Isolation;
