//! Command encodings: the unprivileged COMMAND register, the external
//! EXT_CMD register and the privileged PRIV_CMD register.
//!
//! A command is issued by writing its arguments (DATA_ADDR, DATA_SIZE, ARG1)
//! and then the command register; the TCU sets the opcode back to IDLE when
//! done and leaves the error code in the error field.

use crate::error::{Code, UnknownCode};
use crate::field::{Field, FieldOverflow};
use crate::ids::EpId;
use crate::numbered::numbered_enum;

/// COMMAND: opcode.
pub const CMD_OP: Field = Field::new("op", 3, 0, "command opcode (0 = idle / done)");
/// COMMAND: endpoint.
pub const CMD_EP: Field = Field::new("ep", 19, 4, "endpoint the command works on");
/// COMMAND: error code.
pub const CMD_ERROR: Field = Field::new("error", 24, 20, "error code of the finished command");
/// COMMAND: first argument.
pub const CMD_ARG0: Field = Field::new(
    "arg0",
    56,
    25,
    "reply EP (SEND), message offset (REPLY, ACK_MSG), EP to wait for (SLEEP)",
);

/// EXT_CMD: opcode.
pub const EXT_CMD_OP: Field = Field::new("op", 3, 0, "external command opcode");
/// EXT_CMD: error code.
pub const EXT_CMD_ERROR: Field = Field::new("err", 8, 4, "error code of the finished command");
/// EXT_CMD: argument.
pub const EXT_CMD_ARG: Field = Field::new("arg", 63, 9, "argument / result");
/// INV_EP argument (within EXT_CMD.arg): the endpoint.
pub const INV_EP_EP: Field = Field::new("ep", 15, 0, "endpoint to invalidate");
/// INV_EP argument (within EXT_CMD.arg): force.
pub const INV_EP_FORCE: Field = Field::new(
    "force",
    16,
    16,
    "invalidate even with missing credits / unread messages",
);

/// PRIV_CMD: opcode.
pub const PRIV_CMD_OP: Field = Field::new("op", 3, 0, "privileged command opcode");
/// PRIV_CMD: error code.
pub const PRIV_CMD_ERROR: Field = Field::new("err", 8, 4, "error code of the finished command");
/// PRIV_CMD: first argument.
pub const PRIV_CMD_ARG0: Field = Field::new("arg0", 63, 9, "first argument");

/// An opcode the spec does not define for that register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {register} opcode {value}")]
pub struct UnknownOpcode {
    /// Which opcode set.
    pub register: &'static str,
    /// The rejected number.
    pub value: u64,
}

impl crate::numbered::Unknown for UnknownOpcode {
    fn unknown(register: &'static str, value: u64) -> Self {
        Self { register, value }
    }
}

numbered_enum! {
    UnknownOpcode;
    /// Opcodes of the unprivileged COMMAND register.
    CmdOp {
        /// No command / the last one finished.
        Idle = 0 => "IDLE",
        /// Send a message on a send EP.
        Send = 1 => "SEND",
        /// Reply to a received message.
        Reply = 2 => "REPLY",
        /// Read from a memory EP into local memory.
        Read = 3 => "READ",
        /// Write local memory through a memory EP.
        Write = 4 => "WRITE",
        /// Fetch the next unread message of a receive EP.
        FetchMsg = 5 => "FETCH_MSG",
        /// Free a message slot without replying.
        AckMsg = 6 => "ACK_MSG",
        /// Wait until a message arrives (gem5/M3 extension, not in the spec text).
        Sleep = 7 => "SLEEP",
    }
}

numbered_enum! {
    UnknownOpcode;
    /// Opcodes of the external EXT_CMD register (written over the NoC only).
    ExtOp {
        /// No command / the last one finished.
        Idle = 0 => "IDLE",
        /// Invalidate an endpoint.
        InvEp = 1 => "INV_EP",
        /// Reset (start/stop) the compute unit (gem5 only; hardware uses the
        /// configuration registers).
        Reset = 2 => "RESET",
    }
}

numbered_enum! {
    UnknownOpcode;
    /// Opcodes of the privileged PRIV_CMD register (tile multiplexer only).
    PrivOp {
        /// No command / the last one finished.
        Idle = 0 => "IDLE",
        /// Invalidate one TLB entry (act, virtual page).
        InvPage = 1 => "INV_PAGE",
        /// Invalidate all non-fixed TLB entries.
        InvTlb = 2 => "INV_TLB",
        /// Insert a TLB entry.
        InsTlb = 3 => "INS_TLB",
        /// Exchange the current activity.
        XchgAct = 4 => "XCHG_ACT",
        /// Program the timer (ns; 0 = off).
        SetTimer = 5 => "SET_TIMER",
        /// Abort the running command.
        AbortCmd = 6 => "ABORT_CMD",
    }
}

/// A command to issue through COMMAND.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Command {
    /// The opcode.
    pub op: CmdOp,
    /// The endpoint.
    pub ep: EpId,
    /// The first argument (meaning depends on the opcode).
    pub arg0: u32,
}

/// A decoded COMMAND register value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommandStatus {
    /// The opcode (IDLE once finished).
    pub op: CmdOp,
    /// The endpoint.
    pub ep: EpId,
    /// The error code.
    pub error: Code,
    /// The first argument.
    pub arg0: u32,
}

/// Why a register value does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The opcode is not defined.
    #[error(transparent)]
    Opcode(#[from] UnknownOpcode),
    /// The error code is not defined.
    #[error(transparent)]
    Code(#[from] UnknownCode),
    /// Bits outside the defined fields are set.
    #[error("reserved bits set: {0:#x}")]
    Reserved(u64),
}

impl Command {
    /// The COMMAND register value that issues this command.
    pub fn encode(&self) -> u64 {
        // op (4 bits), ep (16 bits) and arg0 (32 bits) fit by their types.
        let r = CMD_OP
            .set(0, self.op as u64)
            .and_then(|r| CMD_EP.set(r, self.ep.raw().into()));
        let r = r.and_then(|r| CMD_ARG0.set(r, self.arg0.into()));
        r.unwrap_or(0)
    }
}

impl CommandStatus {
    /// Decodes a COMMAND register value.
    pub fn decode(raw: u64) -> Result<Self, DecodeError> {
        let used = CMD_OP.mask() | CMD_EP.mask() | CMD_ERROR.mask() | CMD_ARG0.mask();
        if raw & !used != 0 {
            return Err(DecodeError::Reserved(raw & !used));
        }
        Ok(Self {
            op: CmdOp::try_from(CMD_OP.get(raw))?,
            ep: EpId(CMD_EP.get(raw) as u16),
            error: Code::try_from(CMD_ERROR.get(raw))?,
            arg0: CMD_ARG0.get(raw) as u32,
        })
    }

    /// Encodes the status as the TCU writes it back (used by models).
    pub fn encode(&self) -> u64 {
        let r = CMD_OP
            .set(0, self.op as u64)
            .and_then(|r| CMD_EP.set(r, self.ep.raw().into()))
            .and_then(|r| CMD_ERROR.set(r, self.error.number().into()))
            .and_then(|r| CMD_ARG0.set(r, self.arg0.into()));
        r.unwrap_or(0)
    }
}

/// An external command (EXT_CMD), written by the kernel over the NoC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExtCmd {
    /// Invalidate `ep`; `force` also drops missing credits / unread messages.
    InvEp {
        /// The endpoint.
        ep: EpId,
        /// Invalidate unconditionally.
        force: bool,
    },
    /// Reset the compute unit (gem5 semantics; arg is implementation-defined).
    Reset {
        /// Raw argument.
        arg: u64,
    },
}

impl ExtCmd {
    /// The EXT_CMD register value; fails if the argument does not fit.
    pub fn encode(&self) -> Result<u64, FieldOverflow> {
        match *self {
            ExtCmd::InvEp { ep, force } => {
                let arg = INV_EP_FORCE.set_flag(INV_EP_EP.set(0, ep.raw().into())?, force)?;
                EXT_CMD_ARG.set(EXT_CMD_OP.set(0, ExtOp::InvEp as u64)?, arg)
            }
            ExtCmd::Reset { arg } => EXT_CMD_ARG.set(EXT_CMD_OP.set(0, ExtOp::Reset as u64)?, arg),
        }
    }
}

/// A decoded EXT_CMD register value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExtCmdStatus {
    /// The opcode (IDLE once finished).
    pub op: ExtOp,
    /// The error code.
    pub error: Code,
    /// The argument or result (INV_EP: unread mask of a receive EP).
    pub arg: u64,
}

impl ExtCmdStatus {
    /// Decodes an EXT_CMD register value.
    pub fn decode(raw: u64) -> Result<Self, DecodeError> {
        Ok(Self {
            op: ExtOp::try_from(EXT_CMD_OP.get(raw))?,
            error: Code::try_from(EXT_CMD_ERROR.get(raw))?,
            arg: EXT_CMD_ARG.get(raw),
        })
    }

    /// Encodes the status as the TCU writes it back; fails if `arg` exceeds 55 bits.
    pub fn encode(&self) -> Result<u64, FieldOverflow> {
        let r = EXT_CMD_OP.set(0, self.op as u64)?;
        let r = EXT_CMD_ERROR.set(r, self.error.number().into())?;
        EXT_CMD_ARG.set(r, self.arg)
    }
}

/// A privileged command (PRIV_CMD) with its first argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PrivCmd {
    /// The opcode.
    pub op: PrivOp,
    /// The first argument (55 bits).
    pub arg0: u64,
}

impl PrivCmd {
    /// The PRIV_CMD register value; fails if `arg0` exceeds 55 bits.
    pub fn encode(&self) -> Result<u64, FieldOverflow> {
        PRIV_CMD_ARG0.set(PRIV_CMD_OP.set(0, self.op as u64)?, self.arg0)
    }
}
