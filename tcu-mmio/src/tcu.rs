//! The TCU driver: unprivileged operations with the spec's semantics, and
//! the authority token for writes that grant authority.
//!
//! Unprivileged commands follow the hand-off of the spec: write DATA_ADDR,
//! DATA_SIZE and ARG1, fence, write COMMAND last; then poll COMMAND until its
//! opcode reads IDLE (calling [`RegisterAccess::relax`] in between) and
//! decode the error field.
//!
//! Writes that grant authority — endpoint configuration and privileged
//! commands — take a [`ConfigAuthority`]. Only platform layers (which may use
//! `unsafe`) can mint one, so code above them, the kernel included, can
//! `#![forbid(unsafe_code)]` and still configure endpoints, while every such
//! write is visible in its signature.

use crate::access::RegisterAccess;
use crate::cmd::{CmdOp, Command, CommandStatus, PRIV_CMD_ERROR, PRIV_CMD_OP, PrivCmd, PrivOp};
use crate::ep::{EP_REGS, EpConfig, EpDecodeError, EpEncodeError};
use crate::error::Code;
use crate::ids::{EpId, Label};
use crate::regs::{Features, Layout, PRINT_BUF_BYTES, PrivReg, Reg, UnprivReg};

/// An address in the tile's local memory, as DATA_ADDR takes it.
///
/// What the address means is the platform's business (a physical address on
/// the FPGA, an offset into the tile's mapped memory in the simulator); the
/// TCU only checks it against the tile's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalAddr(pub u64);

/// Permission to write endpoint registers and issue privileged commands.
///
/// A zero-sized token: holding one is the authority. It cannot be cloned;
/// safe code gets one only from a TCU that reports its tile privileged
/// ([`Tcu::claim_authority`]) — the state in which the hardware accepts
/// the writes the token permits.
#[derive(Debug)]
pub struct ConfigAuthority {
    _private: (),
}

impl ConfigAuthority {
    /// Mints the token.
    ///
    /// # Safety
    /// Only the platform layer of a privileged tile (the kernel tile, or the
    /// trusted bring-up code of the host before it hands the board to the
    /// kernel) may call this, and it must hand the token only to the code
    /// that is entitled to configure endpoints. Writing endpoint registers
    /// grants communication rights, so a token in the wrong hands breaks the
    /// isolation every other tile relies on.
    pub unsafe fn new_unchecked() -> Self {
        Self { _private: () }
    }
}

/// The result of FETCH_MSG: the offset of the message within the receive
/// buffer (`slot << slot_size`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MsgOffset(pub u32);

/// A tile's TCU, accessed through `A`.
#[derive(Debug)]
pub struct Tcu<A> {
    regs: A,
    layout: Layout,
}

impl<A: RegisterAccess> Tcu<A> {
    /// A driver for the TCU behind `regs` with `layout`'s endpoint count.
    pub fn new(regs: A, layout: Layout) -> Self {
        Self { regs, layout }
    }

    /// The register access (for platform glue that also reaches memory
    /// through it).
    pub fn regs(&self) -> &A {
        &self.regs
    }

    /// The register layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Reads any register (every register is readable by everyone).
    pub fn read_reg(&self, reg: Reg) -> u64 {
        self.regs.read(reg.offset(self.layout))
    }

    /// Decodes FEATURES.
    pub fn features(&self) -> Features {
        Features::from_raw(self.read_reg(Reg::FEATURES))
    }

    /// Reads and decodes an endpoint's configuration.
    pub fn ep_config(&self, ep: EpId) -> Result<EpConfig, EpDecodeError> {
        let mut words = [0u64; EP_REGS];
        for (i, w) in words.iter_mut().enumerate() {
            *w = self.read_reg(Reg::Ep { ep, word: i as u8 });
        }
        EpConfig::from_regs(words)
    }

    /// The authority to configure this TCU's endpoints and issue
    /// privileged commands, if the TCU reports its tile privileged
    /// (FEATURES.kernel: the kernel tile, or any tile before boot
    /// deprivileges it). `None` on a deprivileged tile.
    pub fn claim_authority(&self) -> Option<ConfigAuthority> {
        self.features()
            .kernel
            .then_some(ConfigAuthority { _private: () })
    }

    /// The TCU's clock: nanoseconds since boot.
    pub fn cur_time(&self) -> u64 {
        self.read_reg(Reg::Unpriv(UnprivReg::CurTime))
    }

    fn write_unpriv(&self, r: UnprivReg, v: u64) {
        self.regs.write(Reg::Unpriv(r).offset(self.layout), v);
    }

    /// Issues `cmd` with the given DATA and ARG1 and waits for it.
    /// Returns ARG1 after completion (FETCH_MSG's result).
    fn exec(&self, cmd: Command, data: Option<(LocalAddr, u64)>, arg1: u64) -> Result<u64, Code> {
        if let Some((addr, size)) = data {
            self.write_unpriv(UnprivReg::DataAddr, addr.0);
            self.write_unpriv(UnprivReg::DataSize, size);
        }
        self.write_unpriv(UnprivReg::Arg1, arg1);
        // Data in local memory must be visible before the TCU starts.
        self.regs.fence();
        self.write_unpriv(UnprivReg::Command, cmd.encode());
        let status = loop {
            let raw = self.read_reg(Reg::Unpriv(UnprivReg::Command));
            match CommandStatus::decode(raw) {
                Ok(s) if s.op == CmdOp::Idle => break s,
                Ok(_) if self.regs.give_up() => return Err(Code::TimeoutNoc),
                Ok(_) => self.regs.relax(),
                // A register that does not decode is a broken TCU or link.
                Err(_) => return Err(Code::Abort),
            }
        };
        // Data the TCU wrote must be visible after completion.
        self.regs.fence();
        status.error.into_result()?;
        Ok(self.read_reg(Reg::Unpriv(UnprivReg::Arg1)))
    }

    /// SEND: sends `len` bytes at `msg` through send EP `ep`. Replies go to
    /// receive EP `reply_ep` (or none with [`EpId::INVALID`]) carrying
    /// `reply_label`.
    pub fn send(
        &self,
        ep: EpId,
        msg: LocalAddr,
        len: u64,
        reply_ep: EpId,
        reply_label: Label,
    ) -> Result<(), Code> {
        let cmd = Command {
            op: CmdOp::Send,
            ep,
            arg0: reply_ep.raw().into(),
        };
        self.exec(cmd, Some((msg, len)), reply_label.0).map(drop)
    }

    /// REPLY: answers the message at offset `msg_off` of receive EP `ep`
    /// with `len` bytes at `reply`.
    pub fn reply(
        &self,
        ep: EpId,
        reply: LocalAddr,
        len: u64,
        msg_off: MsgOffset,
    ) -> Result<(), Code> {
        let cmd = Command {
            op: CmdOp::Reply,
            ep,
            arg0: msg_off.0,
        };
        self.exec(cmd, Some((reply, len)), 0).map(drop)
    }

    /// READ: copies `len` bytes at `offset` of memory EP `ep` to `dst`.
    pub fn read(&self, ep: EpId, dst: LocalAddr, len: u64, offset: u64) -> Result<(), Code> {
        let cmd = Command {
            op: CmdOp::Read,
            ep,
            arg0: 0,
        };
        self.exec(cmd, Some((dst, len)), offset).map(drop)
    }

    /// WRITE: copies `len` bytes at `src` to `offset` of memory EP `ep`.
    pub fn write(&self, ep: EpId, src: LocalAddr, len: u64, offset: u64) -> Result<(), Code> {
        let cmd = Command {
            op: CmdOp::Write,
            ep,
            arg0: 0,
        };
        self.exec(cmd, Some((src, len)), offset).map(drop)
    }

    /// FETCH_MSG: the offset of the next unread message of receive EP `ep`,
    /// or `None` if there is none.
    pub fn fetch_msg(&self, ep: EpId) -> Result<Option<MsgOffset>, Code> {
        let cmd = Command {
            op: CmdOp::FetchMsg,
            ep,
            arg0: 0,
        };
        let arg1 = self.exec(cmd, None, 0)?;
        // The TCU answers -1 (all ones) when no message is unread.
        Ok(u32::try_from(arg1).ok().map(MsgOffset))
    }

    /// ACK_MSG: frees the slot at `msg_off` of receive EP `ep` without replying.
    pub fn ack_msg(&self, ep: EpId, msg_off: MsgOffset) -> Result<(), Code> {
        let cmd = Command {
            op: CmdOp::AckMsg,
            ep,
            arg0: msg_off.0,
        };
        self.exec(cmd, None, 0).map(drop)
    }

    /// SLEEP (gem5/M3 extension): waits until a message arrives at `ep`
    /// (any EP with [`EpId::INVALID`]).
    pub fn sleep(&self, ep: EpId) -> Result<(), Code> {
        let cmd = Command {
            op: CmdOp::Sleep,
            ep,
            arg0: ep.raw().into(),
        };
        self.exec(cmd, None, 0).map(drop)
    }

    /// PRINT: writes `text` (at most 256 bytes per call; longer text is
    /// split) to the tile's debug output.
    pub fn print(&self, text: &[u8]) {
        for chunk in text.chunks(PRINT_BUF_BYTES) {
            for (i, word) in chunk.chunks(8).enumerate() {
                let mut bytes = [0u8; 8];
                bytes[..word.len()].copy_from_slice(word);
                self.regs.write(
                    Reg::PrintBuf(i as u8).offset(self.layout),
                    u64::from_le_bytes(bytes),
                );
            }
            self.regs.fence();
            self.write_unpriv(UnprivReg::Print, chunk.len() as u64);
            // The TCU writes 0 back once the text is out.
            while self.read_reg(Reg::Unpriv(UnprivReg::Print)) != 0 {
                if self.regs.give_up() {
                    return;
                }
                self.regs.relax();
            }
        }
    }

    /// Writes `cfg` into the endpoint registers of `ep` on this tile.
    ///
    /// The TCU applies it only while FEATURES.kernel is set; on a
    /// deprivileged tile the write is ignored (and counted as a violation
    /// by the simulator).
    pub fn configure_ep(
        &self,
        _auth: &ConfigAuthority,
        ep: EpId,
        cfg: &EpConfig,
    ) -> Result<(), EpEncodeError> {
        let words = cfg.to_regs()?;
        for (i, w) in words.iter().enumerate() {
            self.regs
                .write(Reg::Ep { ep, word: i as u8 }.offset(self.layout), *w);
        }
        self.regs.fence();
        Ok(())
    }

    /// Issues a privileged command (tile multiplexer) and waits for it;
    /// returns PRIV_CMD_ARG afterwards.
    pub fn priv_cmd(
        &self,
        _auth: &ConfigAuthority,
        cmd: PrivCmd,
        arg: u64,
    ) -> Result<u64, PrivCmdError> {
        let raw = cmd.encode()?;
        let reg = |r| Reg::Priv(r).offset(self.layout);
        self.regs.write(reg(PrivReg::PrivCmdArg), arg);
        self.regs.fence();
        self.regs.write(reg(PrivReg::PrivCmd), raw);
        loop {
            let v = self.regs.read(reg(PrivReg::PrivCmd));
            if PRIV_CMD_OP.get(v) == PrivOp::Idle as u64 {
                let code = Code::try_from(PRIV_CMD_ERROR.get(v))
                    .map_err(|_| PrivCmdError::Tcu(Code::Abort))?;
                code.into_result().map_err(PrivCmdError::Tcu)?;
                return Ok(self.regs.read(reg(PrivReg::PrivCmdArg)));
            }
            if self.regs.give_up() {
                return Err(PrivCmdError::Tcu(Code::TimeoutNoc));
            }
            self.regs.relax();
        }
    }
}

/// Why a privileged command failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrivCmdError {
    /// The argument does not fit.
    #[error(transparent)]
    Encode(#[from] crate::field::FieldOverflow),
    /// The TCU reported an error.
    #[error("TCU error {0}")]
    Tcu(Code),
}
