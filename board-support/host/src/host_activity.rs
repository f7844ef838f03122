//! The host tile's activity: syscalls from the host PC.
//!
//! At boot the kernel makes the host tile an activity like any other: it
//! configures the host tile's syscall endpoints (`kif::eps`) and root hands
//! it its sessions (`kif::plan`). After bring-up this is how the host takes
//! part — with capabilities it was given, never by writing registers. The
//! syscall messages are `kif`'s; replies land in the host activity's
//! runtime area at the start of the bounce buffer.

use std::time::Duration;

use kif::eps;
use kif::syscall::{MAX_WORDS, Opcode};
use tcu_mmio::Label;

use crate::{Board, HostError, HostTile};

/// How long the host waits for the kernel's answer (a syscall that asks a
/// service waits for the kernel's service timeout at most).
const ANSWER: Duration = Duration::from_secs(10);

/// The syscall client of the host tile's activity.
pub struct HostSyscalls<'b> {
    tile: HostTile<'b>,
}

impl Board {
    /// The host tile's syscall client (after a boot with the kernel).
    pub fn host_syscalls(&self) -> Result<HostSyscalls<'_>, HostError> {
        Ok(HostSyscalls {
            tile: self.host_tile()?,
        })
    }
}

impl<'b> HostSyscalls<'b> {
    /// The host tile, for the commands the host's capabilities allow.
    pub fn tile(&self) -> &HostTile<'b> {
        &self.tile
    }

    /// Ends the host tile's activity (`Exit`, which has no answer): the
    /// kernel revokes everything it held; root, if it waits for the host
    /// (a host with a session of its file service), ends too.
    pub fn exit(&self, code: u64) -> Result<(), HostError> {
        let words = kif::syscall::msg::Exit { code }.encode();
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.tile
            .send(eps::SYSCALL_SEND, &bytes, eps::SYSCALL_REPLY, Label(0))
    }

    /// Like [`HostSyscalls::call`], but while the host is not set up yet —
    /// the kernel has not made the host tile an activity, or root has not
    /// handed it the capability the syscall names — it tries again, for up
    /// to `timeout` (boot goes on while the host's tools start).
    pub fn call_when_ready(&self, words: &[u64], timeout: Duration) -> Result<[u64; 2], HostError> {
        retry_until_ready(timeout, || self.call(words))
    }

    /// Sends syscall `words` and waits for the answer: the result words.
    pub fn call(&self, words: &[u64]) -> Result<[u64; 2], HostError> {
        let op = words
            .first()
            .and_then(|w| Opcode::try_from(*w).ok())
            .map_or_else(|| "syscall".to_owned(), |o| format!("{o:?} syscall"));
        let words = &words[..words.len().min(MAX_WORDS)];
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.tile
            .send(eps::SYSCALL_SEND, &bytes, eps::SYSCALL_REPLY, Label(0))?;
        let m = self.tile.recv(eps::SYSCALL_REPLY, ANSWER)?;
        self.tile.ack(eps::SYSCALL_REPLY, &m)?;
        let mut w = [0u64; 3];
        kif::syscall::bytes_to_words(&m.payload, &mut w);
        match kif::Code::try_from(w[0]) {
            Ok(kif::Code::Success) => Ok([w[1], w[2]]),
            Ok(code) => Err(HostError::Syscall { op, code }),
            Err(_) => Err(HostError::Syscall {
                op,
                code: kif::Code::InvMsg,
            }),
        }
    }
}

impl HostError {
    /// Whether the error means "the host is not set up yet": no syscall
    /// endpoint (or not yet the host's activity's), or a capability root
    /// has not handed over yet.
    pub fn host_not_ready(&self) -> bool {
        matches!(
            self,
            HostError::Syscall {
                code: kif::Code::NoCap,
                ..
            } | HostError::Tcu {
                code: tcu_mmio::Code::NoSep | tcu_mmio::Code::ForeignEp,
                ..
            }
        )
    }
}

/// Runs `f` until it succeeds or fails for another reason than the host
/// not being set up yet, for up to `timeout`.
pub(crate) fn retry_until_ready<T>(
    timeout: Duration,
    mut f: impl FnMut() -> Result<T, HostError>,
) -> Result<T, HostError> {
    let give_up = std::time::Instant::now() + timeout;
    loop {
        match f() {
            Err(e) if e.host_not_ready() && std::time::Instant::now() < give_up => {
                std::thread::sleep(Duration::from_millis(5));
            }
            r => return r,
        }
    }
}
