//! The TCU's error codes (spec v2, "Error codes"), with their numbers.
//!
//! A command's error field (COMMAND bits 24..20, EXT_CMD and PRIV_CMD bits
//! 8..4) decodes through [`TryFrom`]; a number the spec does not define is an
//! [`UnknownCode`], never a transmuted enum.

/// An error the TCU reports for a command (5-bit field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Code {
    /// No error.
    None = 0,
    /// The EP is not a memory EP.
    NoMep = 1,
    /// The EP is not a send EP.
    NoSep = 2,
    /// The EP is not a receive EP.
    NoRep = 3,
    /// The EP belongs to another activity.
    ForeignEp = 4,
    /// SEND on a reply EP (or REPLY on a send EP).
    SendReplyEp = 5,
    /// The receiving EP is gone (not a receive EP any more).
    RecvGone = 6,
    /// The receive buffer has no free slot.
    RecvNoSpace = 7,
    /// Replies are disabled on the receive EP.
    RepliesDisabled = 8,
    /// Access outside the memory EP's range.
    OutOfBounds = 9,
    /// No credits left on the send EP.
    NoCredits = 10,
    /// The memory EP lacks the needed permission.
    NoPerm = 11,
    /// The message offset does not name an occupied slot.
    InvMsgOff = 12,
    /// Address translation failed (virtual memory extension).
    TranslationFault = 13,
    /// The command was aborted.
    Abort = 14,
    /// Unknown command opcode.
    UnknownCmd = 15,
    /// The message does not fit the receiver's slot.
    RecvOutOfBounds = 16,
    /// The receiver's reply-EP range is invalid.
    RecvInvRplEps = 17,
    /// The send EP's credit EP is invalid.
    SendInvCrdEp = 18,
    /// The message is larger than the send EP allows.
    SendInvMsgSz = 19,
    /// A memory access timed out.
    TimeoutMem = 20,
    /// A NoC transfer timed out.
    TimeoutNoc = 21,
    /// The data crosses a page boundary.
    PageBoundary = 22,
    /// The message data is not properly aligned.
    MsgUnaligned = 23,
    /// TLB miss (virtual memory extension).
    TlbMiss = 24,
    /// The TLB is full (virtual memory extension).
    TlbFull = 25,
    /// No PMP endpoint covers the physical address.
    NoPmpEp = 26,
}

/// Every code, in numeric order (the index is the number).
pub const ALL_CODES: [Code; 27] = [
    Code::None,
    Code::NoMep,
    Code::NoSep,
    Code::NoRep,
    Code::ForeignEp,
    Code::SendReplyEp,
    Code::RecvGone,
    Code::RecvNoSpace,
    Code::RepliesDisabled,
    Code::OutOfBounds,
    Code::NoCredits,
    Code::NoPerm,
    Code::InvMsgOff,
    Code::TranslationFault,
    Code::Abort,
    Code::UnknownCmd,
    Code::RecvOutOfBounds,
    Code::RecvInvRplEps,
    Code::SendInvCrdEp,
    Code::SendInvMsgSz,
    Code::TimeoutMem,
    Code::TimeoutNoc,
    Code::PageBoundary,
    Code::MsgUnaligned,
    Code::TlbMiss,
    Code::TlbFull,
    Code::NoPmpEp,
];

/// A number that is not a spec v2 error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown TCU error code {0}: spec v2 defines 0..=26")]
pub struct UnknownCode(pub u64);

impl Code {
    /// The spec's name (upper case, as in the spec's list).
    pub const fn name(self) -> &'static str {
        match self {
            Code::None => "NONE",
            Code::NoMep => "NO_MEP",
            Code::NoSep => "NO_SEP",
            Code::NoRep => "NO_REP",
            Code::ForeignEp => "FOREIGN_EP",
            Code::SendReplyEp => "SEND_REPLY_EP",
            Code::RecvGone => "RECV_GONE",
            Code::RecvNoSpace => "RECV_NO_SPACE",
            Code::RepliesDisabled => "REPLIES_DISABLED",
            Code::OutOfBounds => "OUT_OF_BOUNDS",
            Code::NoCredits => "NO_CREDITS",
            Code::NoPerm => "NO_PERM",
            Code::InvMsgOff => "INV_MSG_OFF",
            Code::TranslationFault => "TRANSLATION_FAULT",
            Code::Abort => "ABORT",
            Code::UnknownCmd => "UNKNOWN_CMD",
            Code::RecvOutOfBounds => "RECV_OUT_OF_BOUNDS",
            Code::RecvInvRplEps => "RECV_INV_RPL_EPS",
            Code::SendInvCrdEp => "SEND_INV_CRD_EP",
            Code::SendInvMsgSz => "SEND_INV_MSG_SZ",
            Code::TimeoutMem => "TIMEOUT_MEM",
            Code::TimeoutNoc => "TIMEOUT_NOC",
            Code::PageBoundary => "PAGE_BOUNDARY",
            Code::MsgUnaligned => "MSG_UNALIGNED",
            Code::TlbMiss => "TLB_MISS",
            Code::TlbFull => "TLB_FULL",
            Code::NoPmpEp => "NO_PMP_EP",
        }
    }

    /// The number the TCU reports.
    pub const fn number(self) -> u8 {
        self as u8
    }

    /// `Ok(())` for [`Code::None`], `Err(self)` otherwise.
    pub const fn into_result(self) -> Result<(), Code> {
        match self {
            Code::None => Ok(()),
            e => Err(e),
        }
    }
}

impl TryFrom<u64> for Code {
    type Error = UnknownCode;

    fn try_from(raw: u64) -> Result<Self, Self::Error> {
        usize::try_from(raw)
            .ok()
            .and_then(|i| ALL_CODES.get(i).copied())
            .ok_or(UnknownCode(raw))
    }
}

impl TryFrom<u8> for Code {
    type Error = UnknownCode;

    fn try_from(raw: u8) -> Result<Self, Self::Error> {
        Code::try_from(u64::from(raw))
    }
}

impl core::fmt::Display for Code {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.name(), self.number())
    }
}

impl core::error::Error for Code {}
