//! `kernel-core`: the kernel, without a platform.
//!
//! M3's kernel rebuilt clean: kernel objects (gates, endpoints, tiles,
//! activities, kernel-memory quotas, services, sessions) in generational arenas
//! ([`arena`]), capabilities naming them in per-activity tables and a
//! derivation tree ([`caps`]), and the syscalls that create, derive,
//! activate, exchange and revoke them ([`Kernel::syscall`]), and the
//! asynchronous requests to services that sessions need ([`services`]). Every
//! syscall validates every argument and answers with a [`kif::Code`]; every
//! refusal names a rule of [`rules::KernelRule`] (`docs/kernel-rules.md`).
//!
//! The core touches no hardware: endpoint registers of other tiles are
//! written through a [`Noc`] the platform provides — on a board, the
//! kernel tile's scratch memory endpoint onto the remote register region.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod arena;
pub mod caps;
mod kernel;
pub mod objects;
pub mod rules;
pub mod services;
mod syscalls;
pub mod tcu_noc;

pub use kernel::{ActivityInfo, Kernel, Noc, Reply};
pub use rules::KernelRule;
pub use services::{DEFAULT_TIMEOUT_NS, ServiceMsg};
