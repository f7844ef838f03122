//! Sample services: the server side of sessions, written directly against
//! the TCU and the syscalls (the SDK's server framework builds on the same
//! steps).
//!
//! A server makes a receive gate for the kernel's requests, activates it,
//! and creates its service on it at [`kif::plan::SERVICE_SEL`], where root
//! finds it. Then it receives: the kernel's [`Request`]s on that gate, and
//! whatever its clients send on gates it hands out over sessions.
#![forbid(unsafe_code)]

use kif::CapSel;
use kif::service::Request;
use tile_runtime::Tile;
use tile_runtime::tcu_mmio::header::{HEADER_SIZE, Header, HeaderInfo};
use tile_runtime::tcu_mmio::tcu::MsgOffset;
use tile_runtime::tcu_mmio::{EpId, LocalAddr};
use tile_syscalls::{SyscallError, Syscalls};

/// Where replies are assembled in local memory.
const REPLY_STAGE: u64 = 0x1000;

/// A receive gate activated on an endpoint of this tile.
#[derive(Clone, Copy, Debug)]
pub struct RecvGate {
    /// Its capability.
    pub sel: CapSel,
    /// The endpoint.
    pub ep: EpId,
    /// Its buffer in local memory.
    pub buf: u64,
    /// Slot size (log2).
    pub msg_order: u8,
}

/// A message taken from a receive gate.
#[derive(Clone, Debug)]
pub struct Msg {
    /// Where it is in the gate's buffer.
    pub off: MsgOffset,
    /// Its header.
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
}

impl RecvGate {
    /// Creates a receive gate at `sel` (2^`order` bytes, slots of
    /// 2^`msg_order`) with one reply endpoint per slot, activated with its
    /// buffer at `buf` (aligned to its size). The endpoint capability goes
    /// to `sel + 1`.
    pub fn new(
        sys: &Syscalls<'_>,
        sel: CapSel,
        order: u8,
        msg_order: u8,
        buf: u64,
    ) -> Result<RecvGate, SyscallError> {
        sys.create_rgate(sel, order, msg_order)?;
        let ep_sel = CapSel(sel.0 + 1);
        let ep = sys.alloc_ep(ep_sel, 1 << (order - msg_order))?;
        sys.activate(ep_sel, sel, buf)?;
        Ok(RecvGate {
            sel,
            ep,
            buf,
            msg_order,
        })
    }

    /// The next unread message, if any.
    pub fn fetch(&self, tile: &Tile) -> Option<Msg> {
        let off = tile.tcu().fetch_msg(self.ep).ok()??;
        let mut slot = vec![0u8; 1 << self.msg_order];
        tile.read_mem(LocalAddr(self.buf + u64::from(off.0)), &mut slot);
        let header = Header::read_from(&slot)?.info().ok()?;
        let len = usize::from(header.length).min(slot.len() - HEADER_SIZE);
        Some(Msg {
            off,
            header,
            payload: slot[HEADER_SIZE..HEADER_SIZE + len].to_vec(),
        })
    }

    /// Answers `msg` with `data`.
    pub fn reply(&self, tile: &Tile, msg: &Msg, data: &[u8]) {
        tile.write_mem(LocalAddr(REPLY_STAGE), data);
        let tcu = tile.tcu();
        if tcu
            .reply(self.ep, LocalAddr(REPLY_STAGE), data.len() as u64, msg.off)
            .is_err()
        {
            // The sender is gone: free the slot.
            let _ = tcu.ack_msg(self.ep, msg.off);
        }
    }

    /// Answers `msg` with words.
    pub fn reply_words(&self, tile: &Tile, msg: &Msg, words: &[u64]) {
        let mut bytes = vec![0u8; words.len() * 8];
        kif::syscall::words_to_bytes(words, &mut bytes);
        self.reply(tile, msg, &bytes);
    }
}

/// A server's service: the gate the kernel's requests arrive at.
pub struct Service {
    /// The gate.
    pub gate: RecvGate,
}

impl Service {
    /// Creates the service at [`kif::plan::SERVICE_SEL`] on a new receive
    /// gate at `sel` (4 slots of 128 bytes, buffer at `buf`).
    pub fn create(sys: &Syscalls<'_>, sel: CapSel, buf: u64) -> Result<Service, SyscallError> {
        let gate = RecvGate::new(
            sys,
            sel,
            kif::service::MIN_MSG_ORDER + 2,
            kif::service::MIN_MSG_ORDER,
            buf,
        )?;
        sys.create_srv(kif::plan::SERVICE_SEL, sel)?;
        Ok(Service { gate })
    }

    /// The next request of the kernel, if any (undecodable ones are
    /// answered with INV_MSG and skipped).
    pub fn next(&self, tile: &Tile) -> Option<(Msg, Request)> {
        let m = self.gate.fetch(tile)?;
        match Request::decode(&m.words()) {
            Ok(r) => Some((m, r)),
            Err(_) => {
                self.gate.reply_words(tile, &m, &[kif::Code::InvMsg as u64]);
                None
            }
        }
    }
}
