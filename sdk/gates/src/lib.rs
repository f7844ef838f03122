//! `tile-gates`: gates, the activity's environment, and a server framework.
//!
//! An [`Env`] is what a program has: its tile, its syscall client, a
//! supply of free capability selectors and of local memory (for receive
//! buffers and staging). Gates wrap the capabilities and the endpoints they
//! are activated on:
//!
//! - [`RecvGate`]: a receive buffer on an endpoint; fetch, reply, ack, wait;
//! - [`SendGate`]: messages to someone's receive gate, with a reply gate;
//! - [`MemGate`]: READ and WRITE of a range of some tile's memory.
//!
//! [`ChildActivity`] starts, stops and waits for the activities root handed
//! this program. [`server`] runs a service: the kernel's requests and the clients'
//! messages in one loop on the blocking receive (SLEEP).
#![forbid(unsafe_code)]

pub mod activity;
pub mod server;

pub use activity::ChildActivity;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use kif::upcall::Upcall;
use tile_runtime::tcu_mmio::ep::EpConfig;

use kif::CapSel;
use tile_runtime::Tile;
use tile_runtime::tcu_mmio::header::{HEADER_SIZE, Header, HeaderInfo};
use tile_runtime::tcu_mmio::tcu::MsgOffset;
use tile_runtime::tcu_mmio::{EpId, Label, LocalAddr};
use tile_syscalls::{SyscallError, Syscalls};

/// Why a gate operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateError {
    /// A syscall was refused.
    Syscall(SyscallError),
    /// The TCU refused a command.
    Tcu(tile_runtime::tcu_mmio::Code),
    /// Local memory is used up.
    NoMemory,
    /// The receiver is gone (the kernel invalidated the send endpoint:
    /// its server ended) — no answer will come.
    Gone,
}

impl From<SyscallError> for GateError {
    fn from(e: SyscallError) -> Self {
        GateError::Syscall(e)
    }
}

impl std::fmt::Display for GateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GateError::Syscall(e) => e.fmt(f),
            GateError::Tcu(c) => write!(f, "the TCU refused: {c}"),
            GateError::NoMemory => f.write_str("the tile's local memory is used up"),
            GateError::Gone => {
                f.write_str("the receiver is gone (its server ended); no answer will come")
            }
        }
    }
}

/// Where the environment's staging area lies (4 KiB above the runtime's).
const STAGE: u64 = kif::eps::RUNTIME_AREA_END;
const STAGE_SIZE: u64 = 0x1000;
/// The first selector the environment hands out (below: the fixed ones
/// and the conventions of `kif::plan` and `kif::boot`).
const FIRST_SEL: u64 = 1000;

/// A program's environment: tile, syscalls, selectors, local memory.
pub struct Env<'t> {
    /// The tile.
    pub tile: &'t Tile,
    /// Its syscall client.
    pub sys: Syscalls<'t>,
    next_sel: Cell<u64>,
    next_mem: Cell<u64>,
    /// Upcalls taken while waiting for something else.
    upcalls: RefCell<VecDeque<Upcall>>,
}

impl<'t> Env<'t> {
    /// The environment of the program on `tile`.
    pub fn new(tile: &'t Tile) -> Self {
        Self {
            tile,
            sys: Syscalls::new(tile),
            next_sel: Cell::new(FIRST_SEL),
            next_mem: Cell::new(STAGE + STAGE_SIZE),
            upcalls: RefCell::new(VecDeque::new()),
        }
    }

    /// The next upcall of the kernel, if any (those taken while a call
    /// waited first).
    pub fn upcall(&self) -> Option<Upcall> {
        let queued = self.upcalls.borrow_mut().pop_front();
        queued.or_else(|| self.sys.upcall())
    }

    /// Takes the unread upcalls into the queue (so SLEEP blocks again).
    fn take_upcalls(&self) {
        while let Some(u) = self.sys.upcall() {
            self.upcalls.borrow_mut().push_back(u);
        }
    }

    /// A free selector.
    pub fn sel(&self) -> CapSel {
        let s = self.next_sel.get();
        self.next_sel.set(s + 1);
        CapSel(s)
    }

    /// `size` bytes of local memory aligned to `align` (a power of two).
    pub fn mem(&self, size: u64, align: u64) -> Result<u64, GateError> {
        let at = self.next_mem.get().next_multiple_of(align.max(1));
        let end = at.checked_add(size).ok_or(GateError::NoMemory)?;
        if end > self.tile.mem_size() {
            return Err(GateError::NoMemory);
        }
        self.next_mem.set(end);
        Ok(at)
    }

    /// Stages `data` (at most 4 KiB) in local memory for a command.
    fn stage(&self, data: &[u8]) -> Result<LocalAddr, GateError> {
        if data.len() as u64 > STAGE_SIZE {
            return Err(GateError::NoMemory);
        }
        self.tile.write_mem(LocalAddr(STAGE), data);
        Ok(LocalAddr(STAGE))
    }
}

/// A message taken from a receive gate.
#[derive(Clone, Debug)]
pub struct Msg {
    /// Where it is in the gate's buffer (for the reply).
    pub off: MsgOffset,
    /// Its header (the label says who sent it).
    pub header: HeaderInfo,
    /// Its payload.
    pub payload: Vec<u8>,
}

impl Msg {
    /// The payload as little-endian words.
    pub fn words(&self) -> Vec<u64> {
        let mut w = vec![0u64; self.payload.len() / 8];
        kif::syscall::bytes_to_words(&self.payload, &mut w);
        w
    }

    /// The sender's label.
    pub fn label(&self) -> u64 {
        self.header.label.0
    }
}

/// A receive gate activated on an endpoint of this tile.
#[derive(Clone, Copy, Debug)]
pub struct RecvGate {
    /// Its capability.
    pub sel: CapSel,
    /// The endpoint.
    pub ep: EpId,
    buf: u64,
    msg_order: u8,
}

impl RecvGate {
    /// A receive gate of 2^`order` bytes in slots of 2^`msg_order`, with
    /// one reply endpoint per slot, activated on a new endpoint with its
    /// buffer in local memory.
    pub fn new(env: &Env<'_>, order: u8, msg_order: u8) -> Result<RecvGate, GateError> {
        let sel = env.sel();
        env.sys.create_rgate(sel, order, msg_order)?;
        let ep_sel = env.sel();
        let ep = env.sys.alloc_ep(ep_sel, 1 << (order - msg_order))?;
        let buf = env.mem(1 << order, 1 << order)?;
        env.sys.activate(ep_sel, sel, buf)?;
        Ok(RecvGate {
            sel,
            ep,
            buf,
            msg_order,
        })
    }

    /// The next unread message, if any.
    pub fn fetch(&self, env: &Env<'_>) -> Option<Msg> {
        let off = env.tile.tcu().fetch_msg(self.ep).ok()??;
        let mut slot = vec![0u8; 1 << self.msg_order];
        env.tile
            .read_mem(LocalAddr(self.buf + u64::from(off.0)), &mut slot);
        let Some(header) = Header::read_from(&slot).and_then(|h| h.info().ok()) else {
            let _ = env.tile.tcu().ack_msg(self.ep, off);
            return None;
        };
        let len = usize::from(header.length).min(slot.len() - HEADER_SIZE);
        Some(Msg {
            off,
            header,
            payload: slot[HEADER_SIZE..HEADER_SIZE + len].to_vec(),
        })
    }

    /// Waits for the next message (SLEEP on this gate's endpoint).
    pub fn wait(&self, env: &Env<'_>) -> Result<Msg, GateError> {
        loop {
            if let Some(m) = self.fetch(env) {
                return Ok(m);
            }
            env.tile.tcu().sleep(self.ep).map_err(GateError::Tcu)?;
        }
    }

    /// Answers `msg` with `data`; a sender that is gone frees the slot.
    pub fn reply(&self, env: &Env<'_>, msg: &Msg, data: &[u8]) {
        let Ok(at) = env.stage(data) else {
            let _ = env.tile.tcu().ack_msg(self.ep, msg.off);
            return;
        };
        let tcu = env.tile.tcu();
        if tcu.reply(self.ep, at, data.len() as u64, msg.off).is_err() {
            let _ = tcu.ack_msg(self.ep, msg.off);
        }
    }

    /// Answers `msg` with words.
    pub fn reply_words(&self, env: &Env<'_>, msg: &Msg, words: &[u64]) {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.reply(env, msg, &bytes);
    }

    /// Frees `msg`'s slot without answering.
    pub fn ack(&self, env: &Env<'_>, msg: &Msg) {
        let _ = env.tile.tcu().ack_msg(self.ep, msg.off);
    }
}

/// A send gate activated on an endpoint of this tile.
#[derive(Clone, Copy, Debug)]
pub struct SendGate {
    /// Its capability.
    pub sel: CapSel,
    /// The endpoint.
    pub ep: EpId,
}

impl SendGate {
    /// Activates the send gate at `sel` on a new endpoint.
    pub fn activate(env: &Env<'_>, sel: CapSel) -> Result<SendGate, GateError> {
        let ep_sel = env.sel();
        let ep = env.sys.alloc_ep(ep_sel, 0)?;
        env.sys.activate(ep_sel, sel, 0)?;
        Ok(SendGate { sel, ep })
    }

    /// Sends `data`; the answer goes to `reply` (or nowhere).
    pub fn send(
        &self,
        env: &Env<'_>,
        data: &[u8],
        reply: Option<&RecvGate>,
    ) -> Result<(), GateError> {
        let at = env.stage(data)?;
        let rep = reply.map_or(EpId::INVALID, |r| r.ep);
        env.tile
            .tcu()
            .send(self.ep, at, data.len() as u64, rep, Label(0))
            .map_err(GateError::Tcu)
    }

    /// Sends `data` and waits for the answer on `reply` (which must have
    /// no other message outstanding); the answer's slot is freed. If the
    /// receiver goes meanwhile — its server ends — the kernel invalidates
    /// this endpoint and says so by upcall: the wait ends with
    /// [`GateError::Gone`] instead of lasting for ever.
    pub fn call(&self, env: &Env<'_>, data: &[u8], reply: &RecvGate) -> Result<Vec<u8>, GateError> {
        self.send(env, data, Some(reply))?;
        let tcu = env.tile.tcu();
        loop {
            if let Some(m) = reply.fetch(env) {
                reply.ack(env, &m);
                return Ok(m.payload);
            }
            env.take_upcalls();
            if !matches!(tcu.ep_config(self.ep), Ok(EpConfig::Send(_))) {
                return Err(GateError::Gone);
            }
            // Any message wakes it: the answer, or the kernel's upcall.
            tcu.sleep(EpId::INVALID).map_err(GateError::Tcu)?;
        }
    }
}

/// A memory gate activated on an endpoint of this tile.
#[derive(Clone, Copy, Debug)]
pub struct MemGate {
    /// The endpoint.
    pub ep: EpId,
    /// The endpoint's capability (a server configures it onto memory it
    /// chooses: the file protocol's delegated endpoint).
    pub ep_sel: CapSel,
}

impl MemGate {
    /// A new endpoint for memory, not configured yet (to delegate).
    pub fn endpoint(env: &Env<'_>) -> Result<MemGate, GateError> {
        let ep_sel = env.sel();
        let ep = env.sys.alloc_ep(ep_sel, 0)?;
        Ok(MemGate { ep, ep_sel })
    }

    /// Activates the memory gate at `sel` on a new endpoint.
    pub fn activate(env: &Env<'_>, sel: CapSel) -> Result<MemGate, GateError> {
        let g = Self::endpoint(env)?;
        env.sys.activate(g.ep_sel, sel, 0)?;
        Ok(g)
    }

    /// READ: `len` bytes at `off` of the memory into local memory at `to`.
    pub fn read(&self, env: &Env<'_>, to: u64, len: u64, off: u64) -> Result<(), GateError> {
        env.tile
            .tcu()
            .read(self.ep, LocalAddr(to), len, off)
            .map_err(GateError::Tcu)
    }

    /// WRITE: `len` bytes of local memory at `from` to `off` of the memory.
    pub fn write(&self, env: &Env<'_>, from: u64, len: u64, off: u64) -> Result<(), GateError> {
        env.tile
            .tcu()
            .write(self.ep, LocalAddr(from), len, off)
            .map_err(GateError::Tcu)
    }
}
