//! Endpoint configurations (spec v2, "Endpoints"): three 64-bit registers
//! per endpoint, typed here as [`EpConfig`].
//!
//! All four kinds share `type` and `act` in register 0. Every other field is
//! a [`Field`] constant below; [`EpConfig::to_regs`] and
//! [`EpConfig::from_regs`] go through them only. Packing rejects values that
//! do not fit; unpacking rejects unknown types and bits set outside the
//! defined fields, so a decoded configuration re-encodes to the same words.

use crate::field::{Field, FieldOverflow};
use crate::ids::{ActId, EpId, Label, TileId};

/// Number of 64-bit registers per endpoint in spec v2.
pub const EP_REGS: usize = 3;

/// Register 0, all kinds: the endpoint type.
pub const EP_TYPE: Field = Field::new("type", 2, 0, "0 invalid, 1 send, 2 receive, 3 memory");
/// Register 0, all kinds: the activity the endpoint belongs to.
pub const EP_ACT: Field = Field::new("act", 18, 3, "owning activity id");

/// Send EP, register 0: current credits.
pub const SEND_CUR_CRD: Field = Field::new("cur_crd", 24, 19, "credits left (0x3F = unlimited)");
/// Send EP, register 0: maximum credits.
pub const SEND_MAX_CRD: Field = Field::new("max_crd", 30, 25, "credits when full");
/// Send EP, register 0: maximum message size.
pub const SEND_MSG_SZ: Field =
    Field::new("msg_sz", 36, 31, "log2 of the largest message incl. header");
/// Send EP, register 0: the EP that gets credits back.
pub const SEND_CRD_EP: Field = Field::new(
    "crd_ep",
    52,
    37,
    "send EP to return the credit to (reply EPs)",
);
/// Send EP, register 0: this is a one-shot reply EP.
pub const SEND_REPLY: Field = Field::new("reply", 53, 53, "1 = reply EP created by the TCU");
/// Send EP, register 1: target endpoint.
pub const SEND_TGT_EP: Field = Field::new("tgt_ep", 15, 0, "receive EP at the target tile");
/// Send EP, register 1: target tile.
pub const SEND_TGT_TILE: Field = Field::new("tgt_tile", 23, 16, "target tile number");
/// Send EP, register 1: target chip.
pub const SEND_TGT_CHIP: Field = Field::new("tgt_chip", 29, 24, "target chip number");
/// Send EP, register 2: label.
pub const SEND_LABEL: Field = Field::new("label", 63, 0, "label stamped on every message");

/// Receive EP, register 0: first reply EP.
pub const RECV_RPL_EPS: Field = Field::new(
    "rpl_eps",
    34,
    19,
    "first reply EP (0xFFFF = replies disabled)",
);
/// Receive EP, register 0: number of slots.
pub const RECV_SLOTS: Field = Field::new("slots", 40, 35, "log2 of the slot count");
/// Receive EP, register 0: slot size.
pub const RECV_SLOT_SIZE: Field = Field::new("slot_size", 46, 41, "log2 of the slot size in bytes");
/// Receive EP, register 0: write position.
pub const RECV_WPOS: Field = Field::new(
    "wpos",
    52,
    47,
    "slot where the next search for a free slot starts",
);
/// Receive EP, register 0: read position.
pub const RECV_RPOS: Field = Field::new("rpos", 58, 53, "slot where the next FETCH starts");
/// Receive EP, register 1: buffer address.
pub const RECV_BUF_ADDR: Field = Field::new("buffer", 63, 0, "local address of the receive buffer");
/// Receive EP, register 2: occupied slots.
pub const RECV_OCCUPIED: Field = Field::new("occupied", 31, 0, "bit per slot: holds a message");
/// Receive EP, register 2: unread slots.
pub const RECV_UNREAD: Field = Field::new("unread", 63, 32, "bit per slot: not fetched yet");

/// Memory EP, register 0: permissions.
pub const MEM_PERM: Field = Field::new("rw", 22, 19, "permissions: read = 1, write = 2");
/// Memory EP, register 0: target tile.
pub const MEM_TILE: Field = Field::new("tile", 30, 23, "target tile number");
/// Memory EP, register 0: target chip.
pub const MEM_CHIP: Field = Field::new("chip", 36, 31, "target chip number");
/// Memory EP, register 1: base address.
pub const MEM_ADDR: Field = Field::new("addr", 63, 0, "base address at the target tile");
/// Memory EP, register 2: size.
pub const MEM_SIZE: Field = Field::new("size", 63, 0, "size of the region in bytes");

/// The register layout of each endpoint type: for each register, its fields
/// in ascending bit order. Used by the generated reference and by tests.
pub const EP_LAYOUTS: [(EpType, [&[Field]; EP_REGS]); 4] = [
    (EpType::Invalid, [&[EP_TYPE, EP_ACT], &[], &[]]),
    (
        EpType::Send,
        [
            &[
                EP_TYPE,
                EP_ACT,
                SEND_CUR_CRD,
                SEND_MAX_CRD,
                SEND_MSG_SZ,
                SEND_CRD_EP,
                SEND_REPLY,
            ],
            &[SEND_TGT_EP, SEND_TGT_TILE, SEND_TGT_CHIP],
            &[SEND_LABEL],
        ],
    ),
    (
        EpType::Receive,
        [
            &[
                EP_TYPE,
                EP_ACT,
                RECV_RPL_EPS,
                RECV_SLOTS,
                RECV_SLOT_SIZE,
                RECV_WPOS,
                RECV_RPOS,
            ],
            &[RECV_BUF_ADDR],
            &[RECV_OCCUPIED, RECV_UNREAD],
        ],
    ),
    (
        EpType::Memory,
        [
            &[EP_TYPE, EP_ACT, MEM_PERM, MEM_TILE, MEM_CHIP],
            &[MEM_ADDR],
            &[MEM_SIZE],
        ],
    ),
];

/// The endpoint type (register 0, bits 2..0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EpType {
    /// Not configured.
    Invalid = 0,
    /// Sends messages to a receive EP.
    Send = 1,
    /// Receives messages into a buffer of slots.
    Receive = 2,
    /// Reads and writes a remote memory region.
    Memory = 3,
}

impl EpType {
    /// The spec's name.
    pub const fn name(self) -> &'static str {
        match self {
            EpType::Invalid => "INVALID",
            EpType::Send => "SEND",
            EpType::Receive => "RECEIVE",
            EpType::Memory => "MEMORY",
        }
    }
}

impl TryFrom<u64> for EpType {
    type Error = EpDecodeError;
    fn try_from(raw: u64) -> Result<Self, Self::Error> {
        match raw {
            0 => Ok(EpType::Invalid),
            1 => Ok(EpType::Send),
            2 => Ok(EpType::Receive),
            3 => Ok(EpType::Memory),
            other => Err(EpDecodeError::UnknownType(other)),
        }
    }
}

/// Credits of a send EP (6 bits); [`Credits::UNLIMITED`] disables counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Credits(u8);

impl Credits {
    /// Unlimited credits (all six bits set).
    pub const UNLIMITED: Credits = Credits(SEND_CUR_CRD.max() as u8);

    /// A credit count; fails above 63 (63 itself means unlimited).
    pub const fn new(n: u8) -> Result<Self, FieldOverflow> {
        if !SEND_CUR_CRD.fits(n as u64) {
            return Err(FieldOverflow {
                field: SEND_CUR_CRD.name,
                width: SEND_CUR_CRD.width,
                max: SEND_CUR_CRD.max(),
                value: n as u64,
            });
        }
        Ok(Credits(n))
    }

    /// The raw count.
    pub const fn raw(self) -> u8 {
        self.0
    }

    /// Whether credits are not counted.
    pub const fn is_unlimited(self) -> bool {
        self.0 == Self::UNLIMITED.0
    }
}

/// Permissions of a memory EP: read (1) and write (2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Perm(u8);

impl Perm {
    /// No access.
    pub const NONE: Perm = Perm(0);
    /// Read (READ command).
    pub const R: Perm = Perm(1);
    /// Write (WRITE command).
    pub const W: Perm = Perm(2);
    /// Read and write.
    pub const RW: Perm = Perm(3);

    /// The raw bits.
    pub const fn bits(self) -> u64 {
        self.0 as u64
    }

    /// Parses raw bits; `None` if any bit beyond R and W is set.
    pub const fn from_bits(bits: u64) -> Option<Perm> {
        if bits & !Self::RW.bits() != 0 {
            None
        } else {
            Some(Perm(bits as u8))
        }
    }

    /// Whether every permission in `other` is also in `self`.
    pub const fn contains(self, other: Perm) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::fmt::Display for Perm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let r = if self.contains(Perm::R) { "r" } else { "-" };
        let w = if self.contains(Perm::W) { "w" } else { "-" };
        write!(f, "{r}{w}")
    }
}

/// A send endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SendEp {
    /// Owning activity.
    pub act: ActId,
    /// Credits left.
    pub cur_credits: Credits,
    /// Credits when full.
    pub max_credits: Credits,
    /// log2 of the largest message (header included).
    pub msg_size_log2: u8,
    /// Send EP that gets the credit back (meaningful for reply EPs).
    pub credit_ep: EpId,
    /// A one-shot reply EP created by the receiving TCU.
    pub reply: bool,
    /// Target tile.
    pub target_tile: TileId,
    /// Target receive EP.
    pub target_ep: EpId,
    /// Label of every message sent.
    pub label: Label,
}

/// A receive endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecvEp {
    /// Owning activity.
    pub act: ActId,
    /// First reply EP; [`EpId::INVALID`] disables replies.
    pub reply_eps: EpId,
    /// log2 of the slot count (at most 5: the masks have 32 bits).
    pub slots_log2: u8,
    /// log2 of the slot size in bytes.
    pub slot_size_log2: u8,
    /// Slot where the search for a free slot starts.
    pub wpos: u8,
    /// Slot where the next FETCH starts.
    pub rpos: u8,
    /// Local address of the buffer.
    pub buf_addr: u64,
    /// Occupied slots (bit per slot).
    pub occupied: u32,
    /// Unread slots (bit per slot).
    pub unread: u32,
}

/// A memory endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemEp {
    /// Owning activity.
    pub act: ActId,
    /// Permissions.
    pub perm: Perm,
    /// Tile that holds the memory.
    pub target_tile: TileId,
    /// Base address at that tile.
    pub addr: u64,
    /// Size of the region in bytes.
    pub size: u64,
}

/// The configuration of one endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EpConfig {
    /// Not configured.
    Invalid,
    /// Send endpoint.
    Send(SendEp),
    /// Receive endpoint.
    Receive(RecvEp),
    /// Memory endpoint.
    Memory(MemEp),
}

/// Why three register words are not a valid endpoint configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EpDecodeError {
    /// The type field holds a value the spec does not define.
    #[error("unknown endpoint type {0} (spec v2 defines 0..=3)")]
    UnknownType(u64),
    /// Bits outside every defined field are set.
    #[error("register {reg} of a {kind} endpoint has reserved bits set: {bits:#x}")]
    ReservedBits {
        /// Endpoint type name.
        kind: &'static str,
        /// Register index 0..=2.
        reg: usize,
        /// The offending bits.
        bits: u64,
    },
    /// The permission field has bits beyond R and W.
    #[error("memory endpoint permission {0:#x} has bits beyond R (1) and W (2)")]
    BadPerm(u64),
    /// A field violates a semantic limit of the spec.
    #[error(transparent)]
    Field(#[from] FieldOverflow),
}

/// Why an endpoint configuration cannot be encoded.
pub type EpEncodeError = FieldOverflow;

fn put(reg: u64, f: Field, v: u64) -> Result<u64, FieldOverflow> {
    f.set(reg, v)
}

fn tile_of(chip: u64, tile: u64) -> Result<TileId, FieldOverflow> {
    // Both values come from fields of at most 8 bits; the chip field is
    // 6 bits wide, which TileId::new checks again.
    TileId::new(chip as u8, tile as u8)
}

impl EpConfig {
    /// The endpoint type.
    pub const fn ep_type(&self) -> EpType {
        match self {
            EpConfig::Invalid => EpType::Invalid,
            EpConfig::Send(_) => EpType::Send,
            EpConfig::Receive(_) => EpType::Receive,
            EpConfig::Memory(_) => EpType::Memory,
        }
    }

    /// The owning activity, if configured.
    pub const fn act(&self) -> Option<ActId> {
        match self {
            EpConfig::Invalid => None,
            EpConfig::Send(s) => Some(s.act),
            EpConfig::Receive(r) => Some(r.act),
            EpConfig::Memory(m) => Some(m.act),
        }
    }

    /// Encodes the three register words; fails if a value does not fit.
    pub fn to_regs(&self) -> Result<[u64; EP_REGS], EpEncodeError> {
        let base = |act: ActId| -> Result<u64, FieldOverflow> {
            put(
                EP_TYPE.set(0, self.ep_type() as u64)?,
                EP_ACT,
                act.raw().into(),
            )
        };
        Ok(match self {
            EpConfig::Invalid => [0; EP_REGS],
            EpConfig::Send(s) => {
                let mut r0 = base(s.act)?;
                r0 = put(r0, SEND_CUR_CRD, s.cur_credits.raw().into())?;
                r0 = put(r0, SEND_MAX_CRD, s.max_credits.raw().into())?;
                r0 = put(r0, SEND_MSG_SZ, s.msg_size_log2.into())?;
                r0 = put(r0, SEND_CRD_EP, s.credit_ep.raw().into())?;
                r0 = SEND_REPLY.set_flag(r0, s.reply)?;
                let mut r1 = put(0, SEND_TGT_EP, s.target_ep.raw().into())?;
                r1 = put(r1, SEND_TGT_TILE, s.target_tile.tile().into())?;
                r1 = put(r1, SEND_TGT_CHIP, s.target_tile.chip().into())?;
                [r0, r1, put(0, SEND_LABEL, s.label.0)?]
            }
            EpConfig::Receive(r) => {
                check_slots(r.slots_log2)?;
                let mut r0 = base(r.act)?;
                r0 = put(r0, RECV_RPL_EPS, r.reply_eps.raw().into())?;
                r0 = put(r0, RECV_SLOTS, r.slots_log2.into())?;
                r0 = put(r0, RECV_SLOT_SIZE, r.slot_size_log2.into())?;
                r0 = put(r0, RECV_WPOS, r.wpos.into())?;
                r0 = put(r0, RECV_RPOS, r.rpos.into())?;
                let mut r2 = put(0, RECV_OCCUPIED, r.occupied.into())?;
                r2 = put(r2, RECV_UNREAD, r.unread.into())?;
                [r0, put(0, RECV_BUF_ADDR, r.buf_addr)?, r2]
            }
            EpConfig::Memory(m) => {
                let mut r0 = base(m.act)?;
                r0 = put(r0, MEM_PERM, m.perm.bits())?;
                r0 = put(r0, MEM_TILE, m.target_tile.tile().into())?;
                r0 = put(r0, MEM_CHIP, m.target_tile.chip().into())?;
                [r0, put(0, MEM_ADDR, m.addr)?, put(0, MEM_SIZE, m.size)?]
            }
        })
    }

    /// Decodes three register words.
    ///
    /// An endpoint whose type is INVALID decodes as [`EpConfig::Invalid`]
    /// whatever its other bits hold (the TCU ignores them); for the other
    /// types, reserved bits must be zero.
    pub fn from_regs(regs: [u64; EP_REGS]) -> Result<Self, EpDecodeError> {
        let ty = EpType::try_from(EP_TYPE.get(regs[0]))?;
        if ty == EpType::Invalid {
            return Ok(EpConfig::Invalid);
        }
        if let Some((_, layout)) = EP_LAYOUTS.iter().find(|(t, _)| *t == ty) {
            for (i, fields) in layout.iter().enumerate() {
                let used = fields.iter().fold(0u64, |m, f| m | f.mask());
                let extra = regs[i] & !used;
                if extra != 0 {
                    return Err(EpDecodeError::ReservedBits {
                        kind: ty.name(),
                        reg: i,
                        bits: extra,
                    });
                }
            }
        }
        let act = ActId(EP_ACT.get(regs[0]) as u16);
        Ok(match ty {
            EpType::Invalid => EpConfig::Invalid,
            EpType::Send => EpConfig::Send(SendEp {
                act,
                cur_credits: Credits(SEND_CUR_CRD.get(regs[0]) as u8),
                max_credits: Credits(SEND_MAX_CRD.get(regs[0]) as u8),
                msg_size_log2: SEND_MSG_SZ.get(regs[0]) as u8,
                credit_ep: EpId(SEND_CRD_EP.get(regs[0]) as u16),
                reply: SEND_REPLY.get(regs[0]) != 0,
                target_tile: tile_of(SEND_TGT_CHIP.get(regs[1]), SEND_TGT_TILE.get(regs[1]))?,
                target_ep: EpId(SEND_TGT_EP.get(regs[1]) as u16),
                label: Label(SEND_LABEL.get(regs[2])),
            }),
            EpType::Receive => {
                let slots_log2 = RECV_SLOTS.get(regs[0]) as u8;
                check_slots(slots_log2)?;
                EpConfig::Receive(RecvEp {
                    act,
                    reply_eps: EpId(RECV_RPL_EPS.get(regs[0]) as u16),
                    slots_log2,
                    slot_size_log2: RECV_SLOT_SIZE.get(regs[0]) as u8,
                    wpos: RECV_WPOS.get(regs[0]) as u8,
                    rpos: RECV_RPOS.get(regs[0]) as u8,
                    buf_addr: RECV_BUF_ADDR.get(regs[1]),
                    occupied: RECV_OCCUPIED.get(regs[2]) as u32,
                    unread: RECV_UNREAD.get(regs[2]) as u32,
                })
            }
            EpType::Memory => {
                let raw_perm = MEM_PERM.get(regs[0]);
                let perm = Perm::from_bits(raw_perm).ok_or(EpDecodeError::BadPerm(raw_perm))?;
                EpConfig::Memory(MemEp {
                    act,
                    perm,
                    target_tile: tile_of(MEM_CHIP.get(regs[0]), MEM_TILE.get(regs[0]))?,
                    addr: MEM_ADDR.get(regs[1]),
                    size: MEM_SIZE.get(regs[2]),
                })
            }
        })
    }
}

/// The largest slot count exponent: the occupied/unread masks have 32 bits.
pub const MAX_SLOTS_LOG2: u8 = 5;

fn check_slots(slots_log2: u8) -> Result<(), FieldOverflow> {
    if slots_log2 > MAX_SLOTS_LOG2 {
        return Err(FieldOverflow {
            field: "slots (log2; the occupied/unread masks hold 32 slots)",
            width: RECV_SLOTS.width,
            max: MAX_SLOTS_LOG2 as u64,
            value: slots_log2 as u64,
        });
    }
    Ok(())
}
