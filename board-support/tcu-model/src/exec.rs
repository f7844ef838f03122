//! Command execution: SEND, REPLY, READ, WRITE, FETCH_MSG, ACK_MSG, SLEEP,
//! the receive side, and INV_EP — following the spec's pseudo code, with a
//! [`Rule`] at every error branch.

use tcu_mmio::cmd::{CommandStatus, INV_EP_EP, INV_EP_FORCE};
use tcu_mmio::ep::{Credits, EpConfig, MemEp, Perm, RecvEp, SendEp};
use tcu_mmio::header::{HEADER_SIZE, Header, HeaderInfo};
use tcu_mmio::regs::MMIO_BASE;
use tcu_mmio::{ActId, CmdOp, Code, EpId, Label, TileId};

use crate::{Access, Model, Rule};

/// Messages must start 16-byte aligned in local memory.
const MSG_ALIGN: u64 = 16;
/// The largest message size exponent (2 KiB messages).
const MAX_MSG_SIZE_LOG2: u8 = 11;

impl Model {
    fn idx(&self, id: TileId) -> Option<usize> {
        self.index.get(&id).copied()
    }

    /// Copies local memory of tile `i`; `None` outside it.
    pub(crate) fn local_read(&self, i: usize, addr: u64, len: u64) -> Option<Vec<u8>> {
        let r = self.tiles[i].local?;
        let off = r.translate(addr, len)?;
        let mut buf = vec![0; usize::try_from(len).ok()?];
        self.backings.get(r.backing.0)?.read(off, &mut buf);
        Some(buf)
    }

    pub(crate) fn local_write(&mut self, i: usize, addr: u64, data: &[u8]) -> bool {
        let Some(r) = self.tiles[i].local else {
            return false;
        };
        let Some(off) = r.translate(addr, data.len() as u64) else {
            return false;
        };
        match self.backings.get_mut(r.backing.0) {
            Some(b) => {
                b.write(off, data);
                true
            }
            None => false,
        }
    }

    /// Runs the command just written to COMMAND of tile `i`.
    pub(crate) fn exec_command(&mut self, i: usize) {
        let raw = self.tiles[i].command;
        let op = CmdOp::try_from(tcu_mmio::cmd::CMD_OP.get(raw));
        let ep = EpId(tcu_mmio::cmd::CMD_EP.get(raw) as u16);
        let arg0 = tcu_mmio::cmd::CMD_ARG0.get(raw) as u32;
        // What a trace shows of it, read before it runs (it may change the
        // endpoint).
        let (bytes, peer) = match (op, self.tiles[i].ep(ep)) {
            (Ok(CmdOp::Send), EpConfig::Send(s)) => (self.tiles[i].data_size, Some(s.target_tile)),
            (Ok(CmdOp::Read | CmdOp::Write), EpConfig::Memory(m)) => {
                (self.tiles[i].data_size, Some(m.target_tile))
            }
            (Ok(CmdOp::Reply), _) => (self.tiles[i].data_size, None),
            _ => (0, None),
        };
        let result = match op {
            Ok(CmdOp::Idle) => Ok(()),
            Ok(CmdOp::Send) => self.cmd_send(i, ep, arg0),
            Ok(CmdOp::Reply) => self.cmd_reply(i, ep, arg0),
            Ok(CmdOp::Read) => self.cmd_mem(i, ep, false),
            Ok(CmdOp::Write) => self.cmd_mem(i, ep, true),
            Ok(CmdOp::FetchMsg) => self.cmd_fetch(i, ep),
            Ok(CmdOp::AckMsg) => self.cmd_ack(i, ep, arg0),
            Ok(CmdOp::Sleep) => match self.sleep_ready(i, EpId(arg0 as u16)) {
                Ok(true) => Ok(()),
                // Stays pending: COMMAND keeps op SLEEP until a message comes.
                Ok(false) => return,
                Err(rule) => Err(rule),
            },
            Err(_) => Err(Rule::CmdUnknown),
        };
        if let Ok(op) = op
            && self.records.is_some()
        {
            self.push_record(crate::Record::Command {
                tile: self.tiles[i].id,
                op,
                ep,
                error: result.map_or_else(|r| r.error_code(), |()| Code::None),
                bytes,
                peer,
            });
        }
        self.finish(i, ep, arg0, result);
    }

    fn finish(&mut self, i: usize, ep: EpId, arg0: u32, result: Result<(), Rule>) {
        let error = match result {
            Ok(()) => Code::None,
            Err(rule) => rule.error_code(),
        };
        let st = CommandStatus {
            op: CmdOp::Idle,
            ep,
            error,
            arg0,
        };
        self.tiles[i].command = st.encode();
        self.events.push(self.tiles[i].id);
    }

    fn check_act(&self, i: usize, act: ActId) -> bool {
        self.tiles[i].cur_act() == act
    }

    fn cmd_send(&mut self, i: usize, ep: EpId, arg0: u32) -> Result<(), Rule> {
        // The order of the checks is the spec's (unpriv.tex, SEND).
        let EpConfig::Send(s) = self.tiles[i].ep(ep) else {
            return Err(Rule::SendNoSep);
        };
        if s.reply {
            return Err(Rule::SendReplyEp);
        }
        if !self.check_act(i, s.act) {
            return Err(Rule::SendForeign);
        }
        let (addr, size) = (self.tiles[i].data_addr, self.tiles[i].data_size);
        let payload = self.message_payload(i, addr, size, s.msg_size_log2)?;
        let reply_ep = EpId(arg0 as u16);
        let reply_size_log2 = if reply_ep.is_invalid() {
            HEADER_SIZE.trailing_zeros() as u8
        } else {
            match self.tiles[i].ep(reply_ep) {
                EpConfig::Receive(r) => r.slot_size_log2,
                _ => return Err(Rule::SendReplyRep),
            }
        };
        if !s.cur_credits.is_unlimited() && s.cur_credits.raw() == 0 {
            return Err(Rule::SendNoCredits);
        }
        let info = HeaderInfo {
            reply: false,
            reply_size_log2: reply_size_log2.min(15),
            sender_tile: self.tiles[i].id,
            length: payload.len() as u16,
            sender_ep: if s.cur_credits.is_unlimited() {
                EpId::INVALID
            } else {
                ep
            },
            reply_ep,
            reply_label: Label(self.tiles[i].arg1),
            label: s.label,
        };
        self.deliver(s.target_tile, s.target_ep, &info, &payload)?;
        self.tiles[i].payload[1] += payload.len() as u64;
        if !s.cur_credits.is_unlimited() {
            let mut s2 = s;
            s2.cur_credits = Credits::new(s.cur_credits.raw() - 1).unwrap_or(s.cur_credits);
            self.tiles[i].set_ep(ep, &EpConfig::Send(s2));
        }
        Ok(())
    }

    /// Checks a message (size, alignment) and copies its payload from local
    /// memory, in the spec's order.
    fn message_payload(
        &self,
        i: usize,
        addr: u64,
        size: u64,
        msg_size_log2: u8,
    ) -> Result<Vec<u8>, Rule> {
        if msg_size_log2 > MAX_MSG_SIZE_LOG2 {
            return Err(Rule::SendInvMsgSz);
        }
        if size.saturating_add(HEADER_SIZE as u64) > 1u64 << msg_size_log2 {
            return Err(Rule::SendTooBig);
        }
        if !addr.is_multiple_of(MSG_ALIGN) {
            return Err(Rule::SendUnaligned);
        }
        self.local_read(i, addr, size).ok_or(Rule::SendLocalMem)
    }

    /// Whether a receive EP's reply-EP range leaves the TCU's endpoints.
    fn rpl_eps_invalid(&self, t: usize, r: &RecvEp) -> bool {
        !r.reply_eps.is_invalid()
            && u32::from(r.reply_eps.raw()) + (1u32 << r.slots_log2)
                > u32::from(self.tiles[t].layout.eps())
    }

    /// The receive side (unpriv.tex, RECEIVE): places a message in a slot of
    /// `tgt_ep` at `tgt`.
    fn deliver(
        &mut self,
        tgt: TileId,
        tgt_ep: EpId,
        info: &HeaderInfo,
        payload: &[u8],
    ) -> Result<(), Rule> {
        let Some(t) = self.idx(tgt) else {
            return Err(Rule::SendNoc);
        };
        let EpConfig::Receive(mut r) = self.tiles[t].ep(tgt_ep) else {
            return Err(Rule::RecvGone);
        };
        let slot_size = 1u64
            .checked_shl(u32::from(r.slot_size_log2))
            .unwrap_or(u64::MAX);
        if (HEADER_SIZE + payload.len()) as u64 > slot_size {
            return Err(Rule::RecvTooBig);
        }
        if self.rpl_eps_invalid(t, &r) {
            return Err(Rule::RecvInvRplEps);
        }
        let count = 1u32 << r.slots_log2;
        let slot = (0..count)
            .map(|k| (u32::from(r.wpos) + k) % count)
            .find(|s| r.occupied & (1 << s) == 0)
            .ok_or(Rule::RecvNoSpace)?;
        let header = Header::new(info).map_err(|_| Rule::RecvTooBig)?;
        let mut bytes = header.to_bytes().to_vec();
        bytes.extend_from_slice(payload);
        let at = r
            .buf_addr
            .checked_add(u64::from(slot) << r.slot_size_log2)
            .ok_or(Rule::RecvBufMem)?;
        if !self.local_write(t, at, &bytes) {
            return Err(Rule::RecvBufMem);
        }
        r.occupied |= 1 << slot;
        r.unread |= 1 << slot;
        r.wpos = ((slot + 1) % count) as u8;
        self.tiles[t].set_ep(tgt_ep, &EpConfig::Receive(r));
        self.push_record(crate::Record::Delivered {
            from: info.sender_tile,
            to: tgt,
            ep: tgt_ep,
            bytes: payload.len() as u64,
            label: info.label.0,
            reply: info.reply,
        });
        if !info.reply && !r.reply_eps.is_invalid() && !info.reply_ep.is_invalid() {
            let reply = SendEp {
                act: r.act,
                cur_credits: Credits::new(1).unwrap_or(Credits::UNLIMITED),
                max_credits: Credits::new(1).unwrap_or(Credits::UNLIMITED),
                msg_size_log2: info.reply_size_log2,
                credit_ep: info.sender_ep,
                reply: true,
                target_tile: info.sender_tile,
                target_ep: info.reply_ep,
                label: info.reply_label,
            };
            self.tiles[t].set_ep(
                EpId(r.reply_eps.raw() + slot as u16),
                &EpConfig::Send(reply),
            );
        }
        if info.reply && !info.reply_ep.is_invalid() {
            self.return_credit(t, info.reply_ep);
        }
        self.wake_sleeper(t, tgt_ep);
        self.events.push(tgt);
        self.tiles[t].payload[0] += payload.len() as u64;
        Ok(())
    }

    /// A reply arrived: the send EP it answers (header `rep` = the reply
    /// EP's crd_ep) gets its credit back.
    fn return_credit(&mut self, t: usize, crd_ep: EpId) {
        if let EpConfig::Send(mut s) = self.tiles[t].ep(crd_ep)
            && !s.cur_credits.is_unlimited()
            && s.cur_credits.raw() < s.max_credits.raw()
        {
            s.cur_credits = Credits::new(s.cur_credits.raw() + 1).unwrap_or(s.cur_credits);
            self.tiles[t].set_ep(crd_ep, &EpConfig::Send(s));
        }
    }

    /// Completes a pending SLEEP of tile `t` if it waits for `ep` or any EP.
    fn wake_sleeper(&mut self, t: usize, ep: EpId) {
        let raw = self.tiles[t].command;
        if let Ok(st) = CommandStatus::decode(raw) {
            let waits_for = EpId(st.arg0 as u16);
            if st.op == CmdOp::Sleep && (waits_for.is_invalid() || waits_for == ep) {
                self.finish(t, st.ep, st.arg0, Ok(()));
            }
        }
    }

    /// SLEEP returns at once if a message is unread on `ep` (any receive EP
    /// of the current activity for 0xFFFF).
    fn sleep_ready(&self, i: usize, ep: EpId) -> Result<bool, Rule> {
        let t = &self.tiles[i];
        if ep.is_invalid() {
            return Ok((0..t.layout.eps()).any(|e| matches!(t.ep(EpId(e)), EpConfig::Receive(r) if r.unread != 0 && r.act == t.cur_act())));
        }
        match t.ep(ep) {
            EpConfig::Receive(r) => Ok(r.unread != 0),
            _ => Err(Rule::SleepNoRep),
        }
    }

    fn recv_ep(&self, i: usize, ep: EpId, not_rep: Rule, foreign: Rule) -> Result<RecvEp, Rule> {
        let EpConfig::Receive(r) = self.tiles[i].ep(ep) else {
            return Err(not_rep);
        };
        if !self.check_act(i, r.act) {
            return Err(foreign);
        }
        Ok(r)
    }

    /// The slot an offset names (the spec checks only that it is a slot).
    fn slot_of(r: &RecvEp, off: u32) -> Option<u32> {
        let slot = off >> r.slot_size_log2;
        (slot < (1 << r.slots_log2)).then_some(slot)
    }

    fn cmd_reply(&mut self, i: usize, ep: EpId, off: u32) -> Result<(), Rule> {
        // The order of the checks is the spec's (unpriv.tex, REPLY).
        let EpConfig::Receive(r) = self.tiles[i].ep(ep) else {
            return Err(Rule::ReplyNoRep);
        };
        if r.reply_eps.is_invalid() {
            return Err(Rule::ReplyDisabled);
        }
        if self.rpl_eps_invalid(i, &r) {
            return Err(Rule::ReplyInvRplEps);
        }
        if !self.check_act(i, r.act) {
            return Err(Rule::ReplyForeign);
        }
        let slot = Self::slot_of(&r, off).ok_or(Rule::ReplyMsgOff)?;
        let rep_id = EpId(r.reply_eps.raw().wrapping_add(slot as u16));
        let EpConfig::Send(rep) = self.tiles[i].ep(rep_id) else {
            return Err(Rule::ReplyNoSep);
        };
        if !rep.reply {
            return Err(Rule::ReplyNotReplyEp);
        }
        if !rep.credit_ep.is_invalid() && rep.credit_ep.raw() >= self.tiles[i].layout.eps() {
            return Err(Rule::ReplyInvCrdEp);
        }
        let (addr, size) = (self.tiles[i].data_addr, self.tiles[i].data_size);
        let payload = self.message_payload(i, addr, size, rep.msg_size_log2)?;
        let info = HeaderInfo {
            reply: true,
            reply_size_log2: 0,
            sender_tile: self.tiles[i].id,
            length: payload.len() as u16,
            sender_ep: ep,
            // For a reply, `rep` names the requester's send EP that gets
            // the credit back.
            reply_ep: rep.credit_ep,
            reply_label: Label(0),
            label: rep.label,
        };
        self.deliver(rep.target_tile, rep.target_ep, &info, &payload)?;
        self.tiles[i].payload[1] += payload.len() as u64;
        self.tiles[i].set_ep(rep_id, &EpConfig::Invalid);
        // Delivery may have changed this EP (a reply to ourselves): re-read it.
        if let EpConfig::Receive(mut now) = self.tiles[i].ep(ep) {
            now.occupied &= !(1 << slot);
            now.unread &= !(1 << slot);
            self.tiles[i].set_ep(ep, &EpConfig::Receive(now));
        }
        Ok(())
    }

    fn cmd_fetch(&mut self, i: usize, ep: EpId) -> Result<(), Rule> {
        let mut r = self.recv_ep(i, ep, Rule::FetchNoRep, Rule::FetchForeign)?;
        let count = 1u32 << r.slots_log2;
        let found = (0..count)
            .map(|k| (u32::from(r.rpos) + k) % count)
            .find(|s| r.unread & (1 << s) != 0);
        self.tiles[i].arg1 = match found {
            Some(slot) => {
                r.unread &= !(1 << slot);
                r.rpos = ((slot + 1) % count) as u8;
                self.tiles[i].set_ep(ep, &EpConfig::Receive(r));
                u64::from(slot) << r.slot_size_log2
            }
            None => u64::MAX,
        };
        Ok(())
    }

    fn cmd_ack(&mut self, i: usize, ep: EpId, off: u32) -> Result<(), Rule> {
        // The order of the checks is the spec's (unpriv.tex, ACK_MSG).
        let EpConfig::Receive(mut r) = self.tiles[i].ep(ep) else {
            return Err(Rule::AckNoRep);
        };
        if self.rpl_eps_invalid(i, &r) {
            return Err(Rule::AckInvRplEps);
        }
        if !self.check_act(i, r.act) {
            return Err(Rule::AckForeign);
        }
        let slot = Self::slot_of(&r, off).ok_or(Rule::AckMsgOff)?;
        r.occupied &= !(1 << slot);
        r.unread &= !(1 << slot);
        self.tiles[i].set_ep(ep, &EpConfig::Receive(r));
        if !r.reply_eps.is_invalid() {
            let rep = EpId(r.reply_eps.raw().wrapping_add(slot as u16));
            self.tiles[i].set_ep(rep, &EpConfig::Invalid);
        }
        Ok(())
    }

    fn cmd_mem(&mut self, i: usize, ep: EpId, write: bool) -> Result<(), Rule> {
        let r = self.transfer(i, ep, write);
        if r.is_ok()
            && let EpConfig::Memory(m) = self.tiles[i].ep(ep)
        {
            // The bytes left one tile and entered the other.
            let size = self.tiles[i].data_size;
            let (from, to) = if write {
                (Some(i), self.idx(m.target_tile))
            } else {
                (self.idx(m.target_tile), Some(i))
            };
            if let Some(f) = from {
                self.tiles[f].payload[1] += size;
            }
            if let Some(t) = to {
                self.tiles[t].payload[0] += size;
            }
        }
        r
    }

    fn transfer(&mut self, i: usize, ep: EpId, write: bool) -> Result<(), Rule> {
        let EpConfig::Memory(m) = self.tiles[i].ep(ep) else {
            return Err(Rule::MemNoMep);
        };
        if !self.check_act(i, m.act) {
            return Err(Rule::MemForeign);
        }
        if !m.perm.contains(if write { Perm::W } else { Perm::R }) {
            return Err(Rule::MemNoPerm);
        }
        let (addr, size, offset) = (
            self.tiles[i].data_addr,
            self.tiles[i].data_size,
            self.tiles[i].arg1,
        );
        if size == 0 {
            // The spec finishes an empty transfer before any bounds check.
            return Ok(());
        }
        let end = offset.checked_add(size).ok_or(Rule::MemBounds)?;
        if end > m.size {
            return Err(Rule::MemBounds);
        }
        let remote = m.addr.checked_add(offset).ok_or(Rule::MemBounds)?;
        if remote < MMIO_BASE {
            return self.copy_memory(i, addr, &m, remote, size, write);
        }
        if write {
            let data = self.local_read(i, addr, size).ok_or(Rule::MemLocal)?;
            self.remote_write(i, &m, remote, &data)
        } else {
            // Check the local side first so a failing READ changes nothing.
            if self.tiles[i]
                .local
                .and_then(|r| r.translate(addr, size))
                .is_none()
            {
                return Err(Rule::MemLocal);
            }
            let data = self.remote_read(&m, remote, size)?;
            if self.local_write(i, addr, &data) {
                Ok(())
            } else {
                Err(Rule::MemLocal)
            }
        }
    }

    /// READ or WRITE between local memory and remote memory: one copy from
    /// backing to backing, without a temporary buffer where the backings
    /// allow it.
    fn copy_memory(
        &mut self,
        i: usize,
        addr: u64,
        m: &MemEp,
        remote: u64,
        size: u64,
        write: bool,
    ) -> Result<(), Rule> {
        let local = self.tiles[i].local.ok_or(Rule::MemLocal)?;
        let local_off = local.translate(addr, size).ok_or(Rule::MemLocal)?;
        let t = self.idx(m.target_tile).ok_or(Rule::MemNoc)?;
        let far = self.tiles[t].local.ok_or(Rule::MemRemote)?;
        let far_off = far.translate(remote, size).ok_or(Rule::MemRemote)?;
        let ((src, src_off), (dst, dst_off)) = if write {
            ((local.backing.0, local_off), (far.backing.0, far_off))
        } else {
            ((far.backing.0, far_off), (local.backing.0, local_off))
        };
        if src == dst {
            let mut buf = vec![0u8; size as usize];
            self.backings[src].read(src_off, &mut buf);
            self.backings[dst].write(dst_off, &buf);
            return Ok(());
        }
        let (src_b, dst_b) = if src < dst {
            let (a, b) = self.backings.split_at_mut(dst);
            (&a[src], &mut b[0])
        } else {
            let (a, b) = self.backings.split_at_mut(src);
            (&b[0], &mut a[dst])
        };
        src_b.copy_to(src_off, dst_b.as_mut(), dst_off, size);
        Ok(())
    }

    /// Reads remote memory or, at MMIO_BASE and above, remote registers.
    fn remote_read(&self, m: &MemEp, addr: u64, size: u64) -> Result<Vec<u8>, Rule> {
        let t = self.idx(m.target_tile).ok_or(Rule::MemNoc)?;
        if addr >= MMIO_BASE {
            let words = register_words(addr, size)?;
            let mut out = Vec::with_capacity(size as usize);
            for k in 0..words {
                out.extend_from_slice(
                    &self
                        .read_reg(m.target_tile, addr - MMIO_BASE + k * 8)
                        .to_le_bytes(),
                );
            }
            return Ok(out);
        }
        self.local_read(t, addr, size).ok_or(Rule::MemRemote)
    }

    /// Writes remote memory or, at MMIO_BASE and above, remote registers
    /// (as remote accesses: the NoC is modelled literally).
    fn remote_write(&mut self, i: usize, m: &MemEp, addr: u64, data: &[u8]) -> Result<(), Rule> {
        let t = self.idx(m.target_tile).ok_or(Rule::MemNoc)?;
        if addr >= MMIO_BASE {
            register_words(addr, data.len() as u64)?;
            let source = Some(self.tiles[i].id);
            for (k, chunk) in data.chunks(8).enumerate() {
                let mut w = [0u8; 8];
                w.copy_from_slice(chunk);
                self.write_reg_from(
                    source,
                    m.target_tile,
                    addr - MMIO_BASE + k as u64 * 8,
                    u64::from_le_bytes(w),
                    Access::Remote,
                );
            }
            return Ok(());
        }
        if self.local_write(t, addr, data) {
            Ok(())
        } else {
            Err(Rule::MemRemote)
        }
    }

    /// INV_EP: invalidates an EP; returns the unread mask of a receive EP.
    pub(crate) fn inv_ep(&mut self, i: usize, arg: u64) -> Result<u64, Rule> {
        let ep = EpId(INV_EP_EP.get(arg) as u16);
        let force = INV_EP_FORCE.get(arg) != 0;
        if usize::from(ep.raw()) >= self.tiles[i].eps.len() {
            return Err(Rule::InvEpRange);
        }
        let unread = match self.tiles[i].ep(ep) {
            EpConfig::Send(s)
                if !force && !s.cur_credits.is_unlimited() && s.cur_credits != s.max_credits =>
            {
                return Err(Rule::InvEpCredits);
            }
            EpConfig::Receive(r) => u64::from(r.unread),
            _ => 0,
        };
        if let Some(w) = self.tiles[i].eps.get_mut(usize::from(ep.raw())) {
            *w = [0; 3];
        }
        Ok(unread)
    }
}

/// Register accesses through a memory EP move whole 64-bit registers.
fn register_words(addr: u64, size: u64) -> Result<u64, Rule> {
    if !addr.is_multiple_of(8)
        || !size.is_multiple_of(8)
        || addr - MMIO_BASE + size > tcu_mmio::regs::REGION_SIZE
    {
        return Err(Rule::MemRemote);
    }
    Ok(size / 8)
}
