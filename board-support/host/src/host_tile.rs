//! The host tile: the host PC's own TCU on the NoC, driven through its
//! registers in the window, with its local memory — the bounce buffer —
//! in the window too.
//!
//! The bounce buffer (1 MiB) is split by convention: its first 4 KiB are
//! the host activity's runtime area (syscall replies, as on every tile),
//! the rest of the first half stages outgoing data (messages, memory
//! writes, reads coming back), the second half holds receive buffers of
//! the host tile's receive endpoints.

use std::cell::Cell;
use std::time::{Duration, Instant};

use board_window::layout::{BOUNCE_OFFSET, BOUNCE_SIZE};
use tcu_mmio::header::{HEADER_SIZE, Header, HeaderInfo};
use tcu_mmio::tcu::{LocalAddr, MsgOffset, Tcu};
use tcu_mmio::{Code, EpId, Label, RegisterAccess, TileId};

use crate::{HostError, Window};

/// Where outgoing data is staged in the bounce buffer: above the area an
/// activity's runtime owns (the host tile's activity receives its syscall
/// replies there, `kif::eps`).
const STAGING: u64 = kif::eps::RUNTIME_AREA_END;
/// Size of the staging area (the rest of the first half).
const STAGING_SIZE: u64 = BOUNCE_SIZE / 2 - STAGING;

/// The host tile's registers in the window, with a deadline.
pub struct HostRegs<'b> {
    w: &'b dyn Window,
    base: u64,
    deadline: Cell<Option<Instant>>,
    polls: Cell<u32>,
    timed_out: Cell<bool>,
}

impl RegisterAccess for HostRegs<'_> {
    fn read(&self, offset: u64) -> u64 {
        self.w.read(self.base + offset)
    }
    fn write(&self, offset: u64, value: u64) {
        if offset == tcu_mmio::Reg::COMMAND.offset(tcu_mmio::regs::Layout::HW) {
            // A new command: its wait starts now.
            self.polls.set(0);
        }
        self.w.write(self.base + offset, value);
    }
    fn relax(&self) {
        // The board notices the command by polling (no doorbell): spin
        // briefly, then sleep in small steps.
        let n = self.polls.get();
        self.polls.set(n.saturating_add(1));
        if n < 200 {
            std::hint::spin_loop();
        } else {
            std::thread::sleep(Duration::from_micros(if n < 2000 { 10 } else { 200 }));
        }
    }
    fn give_up(&self) -> bool {
        let late = self.deadline.get().is_some_and(|d| Instant::now() >= d);
        if late {
            self.timed_out.set(true);
        }
        late
    }
}

/// A message received by the host tile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Its offset in the receive buffer (for REPLY and ACK_MSG).
    pub offset: MsgOffset,
    /// Its header.
    pub header: HeaderInfo,
    /// Its payload.
    pub payload: Vec<u8>,
}

/// The bounce buffer: the host tile's local memory in the window.
#[derive(Clone, Copy)]
pub struct Bounce<'b> {
    w: &'b dyn Window,
}

impl Bounce<'_> {
    /// Size of the bounce buffer.
    pub const SIZE: u64 = BOUNCE_SIZE;
    /// Local address where receive buffers of the host tile's endpoints go
    /// (the upper half; the lower half stages outgoing data).
    pub const RECEIVE_AREA: u64 = BOUNCE_SIZE / 2;

    /// Copies `data` to local address `addr`; false outside the buffer.
    pub fn write(&self, addr: u64, data: &[u8]) -> bool {
        let ok = addr
            .checked_add(data.len() as u64)
            .is_some_and(|e| e <= BOUNCE_SIZE);
        if ok {
            self.w.write_bytes(BOUNCE_OFFSET + addr, data);
        }
        ok
    }

    /// Copies local address `addr` into `buf`; false outside the buffer.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> bool {
        let ok = addr
            .checked_add(buf.len() as u64)
            .is_some_and(|e| e <= BOUNCE_SIZE);
        if ok {
            self.w.read_bytes(BOUNCE_OFFSET + addr, buf);
        }
        ok
    }
}

/// The host tile of an open board.
pub struct HostTile<'b> {
    tcu: Tcu<HostRegs<'b>>,
    w: &'b dyn Window,
    id: TileId,
    timeout: Duration,
}

impl<'b> HostTile<'b> {
    pub(crate) fn new(w: &'b dyn Window, id: TileId, base: u64, eps: u16) -> Self {
        let layout = tcu_mmio::regs::Layout::new(eps).unwrap_or(tcu_mmio::regs::Layout::HW);
        let regs = HostRegs {
            w,
            base,
            deadline: Cell::new(None),
            polls: Cell::new(0),
            timed_out: Cell::new(false),
        };
        Self {
            tcu: Tcu::new(regs, layout),
            w,
            id,
            timeout: Duration::from_secs(10),
        }
    }

    /// The host tile's NoC id.
    pub fn id(&self) -> TileId {
        self.id
    }

    /// How long one TCU command may take before it fails with a timeout
    /// (default 10 s: a board that does not answer that long is stuck).
    pub fn set_command_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The TCU driver itself, for tests that issue raw commands.
    pub fn tcu(&self) -> &Tcu<HostRegs<'b>> {
        &self.tcu
    }

    /// The bounce buffer.
    pub fn bounce(&self) -> Bounce<'b> {
        Bounce { w: self.w }
    }

    /// Runs one TCU command with the command timeout.
    fn cmd<T>(
        &self,
        what: &str,
        f: impl FnOnce(&Tcu<HostRegs<'b>>) -> Result<T, Code>,
    ) -> Result<T, HostError> {
        let regs = self.tcu.regs();
        regs.timed_out.set(false);
        regs.deadline.set(Some(Instant::now() + self.timeout));
        let r = f(&self.tcu);
        regs.deadline.set(None);
        r.map_err(|code| {
            if regs.timed_out.get() {
                HostError::Timeout {
                    what: format!("the host tile's {what}"),
                    secs: self.timeout.as_secs_f64(),
                    detail: " (the board does not process the host tile's commands: is it served and not reset? reset it before the next command)".into(),
                }
            } else {
                HostError::Tcu {
                    what: what.to_owned(),
                    code,
                }
            }
        })
    }

    fn stage(&self, data: &[u8]) -> Result<(), HostError> {
        if data.len() as u64 > STAGING_SIZE {
            return Err(HostError::TooLarge(format!(
                "{} bytes do not fit the staging half of the bounce buffer ({STAGING_SIZE} bytes)",
                data.len()
            )));
        }
        self.bounce().write(STAGING, data);
        Ok(())
    }

    /// SEND: sends `data` through send EP `ep`; replies go to receive EP
    /// `reply_ep` (or none: [`EpId::INVALID`]) with `reply_label`.
    pub fn send(
        &self,
        ep: EpId,
        data: &[u8],
        reply_ep: EpId,
        reply_label: Label,
    ) -> Result<(), HostError> {
        self.stage(data)?;
        self.cmd(&format!("SEND on {ep}"), |t| {
            t.send(
                ep,
                LocalAddr(STAGING),
                data.len() as u64,
                reply_ep,
                reply_label,
            )
        })
    }

    /// FETCH_MSG: the next unread message of receive EP `ep`, if any.
    pub fn fetch(&self, ep: EpId) -> Result<Option<Message>, HostError> {
        let Some(off) = self.cmd(&format!("FETCH_MSG on {ep}"), |t| t.fetch_msg(ep))? else {
            return Ok(None);
        };
        let buf = match self.tcu.ep_config(ep) {
            Ok(tcu_mmio::ep::EpConfig::Receive(r)) => r.buf_addr,
            _ => {
                return Err(HostError::Tcu {
                    what: format!("reading the message fetched from {ep} (no longer a receive EP)"),
                    code: Code::NoRep,
                });
            }
        };
        let at = buf + u64::from(off.0);
        let mut head = [0u8; HEADER_SIZE];
        self.bounce().read(at, &mut head);
        let header =
            Header::read_from(&head)
                .and_then(|h| h.info().ok())
                .ok_or(HostError::Tcu {
                    what: format!("decoding the header of the message at {at:#x}"),
                    code: Code::Abort,
                })?;
        let mut payload = vec![0u8; usize::from(header.length)];
        self.bounce().read(at + HEADER_SIZE as u64, &mut payload);
        Ok(Some(Message {
            offset: off,
            header,
            payload,
        }))
    }

    /// Waits up to `timeout` for a message on receive EP `ep`.
    pub fn recv(&self, ep: EpId, timeout: Duration) -> Result<Message, HostError> {
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_micros(5);
        loop {
            if let Some(m) = self.fetch(ep)? {
                return Ok(m);
            }
            if Instant::now() >= deadline {
                return Err(HostError::Timeout {
                    what: format!("a message on the host tile's {ep}"),
                    secs: timeout.as_secs_f64(),
                    detail: String::new(),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(2));
        }
    }

    /// REPLY: answers `msg` (received on `ep`) with `data`.
    pub fn reply(&self, ep: EpId, msg: &Message, data: &[u8]) -> Result<(), HostError> {
        self.stage(data)?;
        self.cmd(&format!("REPLY on {ep}"), |t| {
            t.reply(ep, LocalAddr(STAGING), data.len() as u64, msg.offset)
        })
    }

    /// ACK_MSG: frees the slot of `msg` (received on `ep`) without replying.
    pub fn ack(&self, ep: EpId, msg: &Message) -> Result<(), HostError> {
        self.cmd(&format!("ACK_MSG on {ep}"), |t| t.ack_msg(ep, msg.offset))
    }

    /// WRITE through memory EP `ep`: `data` to `offset` of the memory it
    /// grants, in chunks through the bounce buffer.
    pub fn write_mem(&self, ep: EpId, offset: u64, data: &[u8]) -> Result<(), HostError> {
        let mut at = offset;
        for chunk in data.chunks(STAGING_SIZE as usize) {
            self.bounce().write(STAGING, chunk);
            self.cmd(&format!("WRITE on {ep}"), |t| {
                t.write(ep, LocalAddr(STAGING), chunk.len() as u64, at)
            })?;
            at += chunk.len() as u64;
        }
        Ok(())
    }

    /// READ through memory EP `ep`: `buf.len()` bytes at `offset` of the
    /// memory it grants, in chunks through the bounce buffer.
    pub fn read_mem(&self, ep: EpId, offset: u64, buf: &mut [u8]) -> Result<(), HostError> {
        let mut at = offset;
        for chunk in buf.chunks_mut(STAGING_SIZE as usize) {
            self.cmd(&format!("READ on {ep}"), |t| {
                t.read(ep, LocalAddr(STAGING), chunk.len() as u64, at)
            })?;
            self.bounce().read(STAGING, chunk);
            at += chunk.len() as u64;
        }
        Ok(())
    }
}
