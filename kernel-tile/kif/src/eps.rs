//! Endpoints with a fixed role.
//!
//! The kernel tile's receive endpoints and the endpoints every activity's
//! tile has configured before the activity starts (as M3 lays them out,
//! without the multiplexer's: one activity per tile).

use tcu_mmio::EpId;

/// Kernel tile: the receive EP for syscalls (label = the caller's activity).
pub const KERNEL_SYSCALL: EpId = EpId(4);
/// Kernel tile: the receive EP for services' replies to the kernel.
pub const KERNEL_SERVICE_REPLIES: EpId = EpId(5);
/// Kernel tile: the scratch memory EP through which the kernel writes
/// other tiles' registers (remote endpoint configuration).
pub const KERNEL_SCRATCH: EpId = EpId(6);
/// Kernel tile: the send EP the kernel points at a service's receive gate
/// for each request it sends (replies come to [`KERNEL_SERVICE_REPLIES`]).
pub const KERNEL_SERVICE_SEND: EpId = EpId(7);
/// Kernel tile: the first reply EP of the syscall receive EP.
pub const KERNEL_REPLY_EPS: EpId = EpId(8);

/// Activity: the send EP to the kernel's syscall receive EP (one credit).
pub const SYSCALL_SEND: EpId = EpId(0);
/// Activity: the receive EP for syscall replies.
pub const SYSCALL_REPLY: EpId = EpId(1);
/// Activity: the receive EP for upcalls (activity waits, service events).
pub const UPCALL: EpId = EpId(2);
/// Activity: the reply EP of the upcall receive EP.
pub const UPCALL_REPLY: EpId = EpId(3);
/// Core tiles: the PMP endpoint — a memory endpoint onto the core's DRAM
/// slice, set by the kernel at boot (on hardware the core's own memory
/// accesses go through it; software cannot use it: its activity id is
/// none).
pub const PMP: EpId = EpId(4);
/// Activity: the first endpoint it may allocate.
pub const FIRST_FREE: EpId = EpId(5);

/// Activity: where the syscall-reply and upcall receive buffers lie in its
/// local memory (kernel and SDK agree on it; 2 KiB each).
pub const SYSCALL_REPLY_BUF: u64 = 0x0;
/// Activity: the upcall receive buffer (1 KiB, `crate::upcall`).
pub const UPCALL_BUF: u64 = 0x800;
/// Activity: where an `Exit` message is assembled when the activity ends
/// (by its runtime, or — after a crash — by the board on its behalf).
pub const EXIT_MSG_BUF: u64 = 0xE00;
/// Activity: local memory below this address belongs to the runtime.
pub const RUNTIME_AREA_END: u64 = 0x1000;

/// Size order (log2) of a syscall message slot: 512 bytes (header
/// included), so at most 60 argument words.
pub const SYSCALL_MSG_ORDER: u8 = 9;
