//! `tile-syscalls`: the SDK's syscall client.
//!
//! A syscall is a message on the activity's syscall send endpoint
//! (`kif::eps::SYSCALL_SEND`, one credit) with replies to its syscall
//! reply endpoint; the kernel answers with a `kif::Code` and up to two
//! result words. The messages are `kif`'s ([`kif::syscall::msg`]); this
//! crate only moves them.
#![forbid(unsafe_code)]

use kif::eps;
use kif::syscall::msg;
use kif::{CapRange, CapSel, Code, SEL_ACT};
use tile_runtime::Tile;
use tile_runtime::tcu_mmio::header::HEADER_SIZE;
use tile_runtime::tcu_mmio::{EpId, Label, LocalAddr};

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
    pub fn kmem_quota(&self, kmem: CapSel) -> Result<(u64, u64), SyscallError> {
        self.call(&msg::KMemQuota { kmem }.encode())
            .map(|[q, l]| (q, l))
    }

    /// A receive gate of 2^`order` bytes in slots of 2^`msg_order` at `dst`.
    pub fn create_rgate(&self, dst: CapSel, order: u8, msg_order: u8) -> Result<(), SyscallError> {
        let m = msg::CreateRGate {
            dst,
            order,
            msg_order,
        };
        self.call(&m.encode()).map(drop)
    }

    /// A send gate onto `rgate` at `dst`, with `label` and `credits` (0:
    /// unlimited).
    pub fn create_sgate(
        &self,
        dst: CapSel,
        rgate: CapSel,
        label: Label,
        credits: u8,
    ) -> Result<(), SyscallError> {
        let m = msg::CreateSGate {
            dst,
            rgate,
            label,
            credits,
        };
        self.call(&m.encode()).map(drop)
    }

    /// Allocates any free endpoint of this activity's tile (and `replies`
    /// reply endpoints after it) as capability `dst`; returns the endpoint.
    pub fn alloc_ep(&self, dst: CapSel, replies: u64) -> Result<EpId, SyscallError> {
        let m = msg::AllocEp {
            dst,
            act: SEL_ACT,
            ep: EpId::INVALID,
            replies,
        };
        self.call(&m.encode()).map(|[ep, _]| EpId(ep as u16))
    }

    /// Allocates endpoint `ep` on the tile of activity `act` (a child this
    /// activity holds), with `replies` reply endpoints after it, as
    /// capability `dst` — how a client sets up an accelerator's endpoints.
    pub fn alloc_ep_on(
        &self,
        dst: CapSel,
        act: CapSel,
        ep: EpId,
        replies: u64,
    ) -> Result<EpId, SyscallError> {
        let m = msg::AllocEp {
            dst,
            act,
            ep,
            replies,
        };
        self.call(&m.encode()).map(|[ep, _]| EpId(ep as u16))
    }

    /// Binds `gate` to endpoint capability `ep`; a receive gate's buffer
    /// lies at `rbuf_off` of the local memory of the endpoint's tile
    /// (ignored for other gates).
    pub fn activate(&self, ep: CapSel, gate: CapSel, rbuf_off: u64) -> Result<(), SyscallError> {
        let m = msg::Activate {
            ep,
            gate,
            rbuf_mem: CapSel(u64::MAX),
            rbuf_off,
        };
        self.call(&m.encode()).map(drop)
    }

    /// Revokes `sel` and everything derived from it.
    pub fn revoke(&self, sel: CapSel) -> Result<(), SyscallError> {
        let m = msg::Revoke {
            start: sel,
            count: 1,
            own: true,
        };
        self.call(&m.encode()).map(drop)
    }

    /// Asks for an upcall ([`kif::upcall::Upcall::Exited`] with `ident`)
    /// when activity `act` exits; see [`Syscalls::upcall`].
    pub fn act_watch(&self, act: CapSel, ident: u64) -> Result<(), SyscallError> {
        self.call(&msg::ActWatch { act, ident }.encode()).map(drop)
    }

    /// Starts (`true`) or stops activity `act`.
    pub fn act_ctrl(&self, act: CapSel, start: bool) -> Result<(), SyscallError> {
        self.call(&msg::ActCtrl { act, start }.encode()).map(drop)
    }

    /// Waits until activity `act` has exited; its exit code. Blocks the
    /// caller (see [`Syscalls::act_watch`] to keep working meanwhile).
    pub fn act_wait(&self, act: CapSel) -> Result<u64, SyscallError> {
        self.call(&msg::ActWait { act }.encode()).map(|[c, _]| c)
    }

    /// Delegates (`obtain == false`) capabilities `own` to activity `act`
    /// at `other…`, or obtains `act`'s `other…` into `own`.
    pub fn exchange(
        &self,
        act: CapSel,
        own: CapRange,
        other: CapSel,
        obtain: bool,
    ) -> Result<(), SyscallError> {
        let m = msg::Exchange {
            act,
            own_start: own.start,
            count: own.count,
            other_start: other,
            obtain,
        };
        self.call(&m.encode()).map(drop)
    }

    /// The next upcall of the kernel, if one is unread (fetched and acked).
    pub fn upcall(&self) -> Option<kif::upcall::Upcall> {
        let tcu = self.tile.tcu();
        let off = tcu.fetch_msg(eps::UPCALL).ok()??;
        let mut msg = [0u8; 1 << kif::upcall::MSG_ORDER];
        self.tile
            .read_mem(LocalAddr(eps::UPCALL_BUF + u64::from(off.0)), &mut msg);
        let _ = tcu.ack_msg(eps::UPCALL, off);
        let mut w = [0u64; 3];
        kif::syscall::bytes_to_words(&msg[HEADER_SIZE..], &mut w);
        kif::upcall::Upcall::decode(&w).ok()
    }

    /// Creates a service at `dst` on receive gate `rgate` (activated; the
    /// kernel sends it `kif::service` requests).
    pub fn create_srv(&self, dst: CapSel, rgate: CapSel) -> Result<(), SyscallError> {
        self.call(&msg::CreateSrv { dst, rgate }.encode()).map(drop)
    }

    /// Size and permission bits of memory gate `mem`.
    pub fn mem_info(&self, mem: CapSel) -> Result<(u64, u64), SyscallError> {
        self.call(&msg::MemInfo { mem }.encode())
            .map(|[s, p]| (s, p))
    }

    /// Derives a memory gate at `dst`: `size` bytes at `offset` of `src`
    /// with permission bits `perm` (a subset of `src`'s).
    pub fn derive_mem(
        &self,
        dst: CapSel,
        src: CapSel,
        offset: u64,
        size: u64,
        perm: tile_runtime::tcu_mmio::ep::Perm,
    ) -> Result<(), SyscallError> {
        let m = msg::DeriveMem {
            dst,
            src,
            offset,
            size,
            perm,
        };
        self.call(&m.encode()).map(drop)
    }

    /// Creates a session of this activity's own service `srv` with
    /// `ident` at `dst` (no request to itself).
    pub fn create_sess(&self, dst: CapSel, srv: CapSel, ident: u64) -> Result<(), SyscallError> {
        self.call(&msg::CreateSess { dst, srv, ident }.encode())
            .map(drop)
    }

    /// Opens a session with service `srv` at `dst`; returns its ident.
    /// Fails with `TIMEOUT` if the server does not answer in time.
    pub fn open_sess(&self, dst: CapSel, srv: CapSel, arg: u64) -> Result<u64, SyscallError> {
        self.call(&msg::OpenSess { dst, srv, arg }.encode())
            .map(|[ident, _]| ident)
    }

    /// Obtains (`obtain`) up to `own.count` capabilities from the server of
    /// `sess` into `own`, or delegates `own` to it. Returns how many were
    /// exchanged and the server's result word.
    pub fn exchange_sess(
        &self,
        sess: CapSel,
        own: CapRange,
        obtain: bool,
        args: [u64; 2],
    ) -> Result<(u64, u64), SyscallError> {
        let m = msg::ExchangeSess {
            sess,
            own_start: own.start,
            count: own.count,
            obtain,
            arg0: args[0],
            arg1: args[1],
        };
        self.call(&m.encode()).map(|[n, r]| (n, r))
    }
}
