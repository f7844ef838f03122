//! `tile-syscalls`: the SDK's syscall client.
//!
//! A syscall is a message on the activity's syscall send endpoint
//! (`kif::eps::SYSCALL_SEND`, one credit) with replies to its syscall
//! reply endpoint; the kernel answers with a `kif::Code` and up to two
//! result words. The messages are `kif`'s ([`kif::syscall::msg`]); this
//! crate only moves them.
#![forbid(unsafe_code)]

use kif::Code;
use kif::eps;
use kif::syscall::msg;
use tile_runtime::Tile;
use tile_runtime::tcu_mmio::header::HEADER_SIZE;
use tile_runtime::tcu_mmio::{Label, LocalAddr};

/// Where outgoing syscall messages are assembled (in the runtime's area).
const STAGE: u64 = 0xC00;

/// Why a syscall failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyscallError {
    /// The kernel refused it.
    Kernel(Code),
    /// The TCU refused to carry it (no syscall endpoints: the tile was not
    /// started by the kernel).
    Tcu(tile_runtime::tcu_mmio::Code),
}

impl std::fmt::Display for SyscallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyscallError::Kernel(c) => write!(f, "the kernel refused: {c}"),
            SyscallError::Tcu(c) => write!(
                f,
                "the TCU refused the syscall ({c}); was this tile started by the kernel?"
            ),
        }
    }
}

/// The syscall client of one activity.
pub struct Syscalls<'t> {
    tile: &'t Tile,
}

impl<'t> Syscalls<'t> {
    /// The client of the activity running on `tile`.
    pub fn new(tile: &'t Tile) -> Self {
        Self { tile }
    }

    /// Sends `words` and waits for the reply: the result words.
    pub fn call(&self, words: &[u64]) -> Result<[u64; 2], SyscallError> {
        let tcu = self.tile.tcu();
        let mut bytes = [0u8; 8 * kif::syscall::MAX_WORDS];
        let n = kif::syscall::words_to_bytes(words, &mut bytes);
        self.tile.write_mem(LocalAddr(STAGE), &bytes[..n]);
        tcu.send(
            eps::SYSCALL_SEND,
            LocalAddr(STAGE),
            n as u64,
            eps::SYSCALL_REPLY,
            Label(0),
        )
        .map_err(SyscallError::Tcu)?;
        let off = loop {
            tcu.sleep(eps::SYSCALL_REPLY).map_err(SyscallError::Tcu)?;
            if let Some(off) = tcu
                .fetch_msg(eps::SYSCALL_REPLY)
                .map_err(SyscallError::Tcu)?
            {
                break off;
            }
        };
        let mut reply = [0u8; HEADER_SIZE + 24];
        self.tile.read_mem(
            LocalAddr(eps::SYSCALL_REPLY_BUF + u64::from(off.0)),
            &mut reply,
        );
        let _ = tcu.ack_msg(eps::SYSCALL_REPLY, off);
        let mut w = [0u64; 3];
        kif::syscall::bytes_to_words(&reply[HEADER_SIZE..], &mut w);
        match Code::try_from(w[0]) {
            Ok(Code::Success) => Ok([w[1], w[2]]),
            Ok(c) => Err(SyscallError::Kernel(c)),
            Err(_) => Err(SyscallError::Kernel(Code::InvMsg)),
        }
    }

    /// The no-op syscall: proves the path to the kernel and back.
    pub fn noop(&self) -> Result<(), SyscallError> {
        self.call(&msg::Noop {}.encode()).map(drop)
    }

    /// The kernel-memory quota of `kmem`: (total, left).
    pub fn kmem_quota(&self, kmem: kif::CapSel) -> Result<(u64, u64), SyscallError> {
        self.call(&msg::KMemQuota { kmem }.encode())
            .map(|[q, l]| (q, l))
    }
}
