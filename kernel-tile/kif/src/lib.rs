//! `kif`: the kernel interface, defined once.
//!
//! Everything the kernel and the software talking to it must agree on:
//! syscall opcodes and message layouts ([`syscall`]), the kernel's error
//! codes ([`Code`]), capability selectors ([`CapSel`], [`CapRange`], the
//! fixed selectors every activity starts with), the standard endpoints of
//! an activity ([`eps`]), the protocol between the kernel and services
//! ([`service`]) and the kif ABI version an image is built for.
//! The kernel core decodes with this crate, the SDK's syscall client
//! encodes with it; neither writes a field position itself.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod boot;
mod code;
pub mod eps;
pub mod plan;
mod sel;
pub mod service;
pub mod syscall;
pub mod upcall;

pub use code::Code;
pub use sel::{CapRange, CapSel, SEL_ACT, SEL_KMEM, SEL_TILE};

/// Version of the kernel interface. A tile image records the version it
/// was built for; the kernel refuses an image of another version, naming
/// both.
pub const KIF_ABI_VERSION: u32 = 2;
