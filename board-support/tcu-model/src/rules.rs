//! The rule catalogue: one id for every error branch of the spec's pseudo
//! code, and for every write the TCU ignores.
//!
//! Error sites in the model never name an error code directly: they fail
//! with a [`Rule`], and the code comes from this table. So every error the
//! model can produce has an id, and `docs/tcu-rules.md` (generated from
//! [`Rule::ALL`]) lists them all. Rules without a code are *ignored writes*:
//! they change no state and count a violation on the tile.

use tcu_mmio::Code;

macro_rules! rules {
    ($($(#[$m:meta])* $var:ident = $id:literal, $code:expr, $text:literal;)*) => {
        /// A rule of the TCU: an error branch or an ignored write.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule { $($(#[$m])* $var,)* }

        impl Rule {
            /// Every rule, in catalogue order.
            pub const ALL: &'static [Rule] = &[$(Rule::$var,)*];

            /// The rule's id (e.g. `SEND-CREDITS`).
            pub const fn id(self) -> &'static str {
                match self { $(Rule::$var => $id,)* }
            }

            /// The error code the command reports, or `None` for an
            /// ignored write (counted as a violation).
            pub const fn code(self) -> Option<Code> {
                match self { $(Rule::$var => $code,)* }
            }

            /// What the rule checks.
            pub const fn text(self) -> &'static str {
                match self { $(Rule::$var => $text,)* }
            }
        }
    };
}

rules! {
    /// COMMAND opcode undefined.
    CmdUnknown = "CMD-UNKNOWN", Some(Code::UnknownCmd), "the COMMAND opcode is not defined";
    /// Writing COMMAND while a command runs.
    CmdBusy = "CMD-BUSY", None, "COMMAND written while a command is still running (the write is ignored)";

    /// SEND on a missing or non-send EP.
    SendNoSep = "SEND-NO-SEP", Some(Code::NoSep), "SEND: the EP does not exist or is not a send EP";
    /// SEND on a reply EP.
    SendReplyEp = "SEND-REPLY-EP", Some(Code::SendReplyEp), "SEND: the EP is a reply EP (reply flag set); use REPLY";
    /// SEND on an EP of another activity.
    SendForeign = "SEND-FOREIGN", Some(Code::ForeignEp), "SEND: the EP belongs to another activity than CUR_ACT";
    /// The EP's message size is beyond 2 KiB.
    SendInvMsgSz = "SEND-INV-MSG-SZ", Some(Code::SendInvMsgSz), "SEND/REPLY: the EP's msg_sz is above 11 (messages are at most 2 KiB)";
    /// Message larger than the EP allows.
    SendTooBig = "SEND-TOO-BIG", Some(Code::OutOfBounds), "SEND/REPLY: header plus DATA_SIZE exceed the EP's message size (2^msg_sz)";
    /// Message data not 16-byte aligned.
    SendUnaligned = "SEND-UNALIGNED", Some(Code::MsgUnaligned), "SEND/REPLY: DATA_ADDR is not 16-byte aligned";
    /// Message data outside local memory.
    SendLocalMem = "SEND-LOCAL-MEM", Some(Code::NoPmpEp), "SEND/REPLY: DATA_ADDR..+DATA_SIZE is not in the tile's local memory (tilekit: the PMP endpoints refuse it)";
    /// The reply EP named in arg0 is not a receive EP.
    SendReplyRep = "SEND-REPLY-REP", Some(Code::NoRep), "SEND: arg0 names a reply EP that does not exist or is not a receive EP";
    /// No credits left.
    SendNoCredits = "SEND-NO-CREDITS", Some(Code::NoCredits), "SEND: the EP has no credits left (and is not unlimited)";
    /// Target tile missing.
    SendNoc = "SEND-NOC", Some(Code::TimeoutNoc), "SEND/REPLY: the target tile does not exist on the NoC (tilekit decision)";

    /// Target EP is not a receive EP.
    RecvGone = "RECV-GONE", Some(Code::RecvGone), "receive: the target EP does not exist or is not a receive EP";
    /// Message does not fit a slot.
    RecvTooBig = "RECV-TOO-BIG", Some(Code::RecvOutOfBounds), "receive: header plus payload exceed the slot size (2^slot_size)";
    /// Reply-EP range out of the TCU's EPs.
    RecvInvRplEps = "RECV-INV-RPL-EPS", Some(Code::RecvInvRplEps), "receive: rpl_eps ≠ 0xFFFF and rpl_eps + 2^slots exceeds the receiving TCU's EPs";
    /// No free slot.
    RecvNoSpace = "RECV-NO-SPACE", Some(Code::RecvNoSpace), "receive: every slot of the buffer is occupied";
    /// Receive buffer outside the receiver's memory.
    RecvBufMem = "RECV-BUF-MEM", Some(Code::TimeoutMem), "receive: the slot lies outside the receiving tile's local memory (tilekit decision)";

    /// REPLY on a non-receive EP.
    ReplyNoRep = "REPLY-NO-REP", Some(Code::NoRep), "REPLY: the EP does not exist or is not a receive EP";
    /// Replies disabled.
    ReplyDisabled = "REPLY-DISABLED", Some(Code::RepliesDisabled), "REPLY: the receive EP has replies disabled (rpl_eps = 0xFFFF)";
    /// Reply-EP range out of the TCU's EPs.
    ReplyInvRplEps = "REPLY-INV-RPL-EPS", Some(Code::RecvInvRplEps), "REPLY: rpl_eps + 2^slots exceeds the TCU's EPs";
    /// REPLY on an EP of another activity.
    ReplyForeign = "REPLY-FOREIGN", Some(Code::ForeignEp), "REPLY: the receive EP belongs to another activity";
    /// Offset beyond the slots.
    ReplyMsgOff = "REPLY-MSG-OFF", Some(Code::InvMsgOff), "REPLY: arg0 >> slot_size is not a slot of the buffer";
    /// No reply EP for the slot.
    ReplyNoSep = "REPLY-NO-SEP", Some(Code::NoSep), "REPLY: the slot's reply EP is not a send EP (the sender asked for no reply, or it was used)";
    /// The slot's EP is a send EP but not a reply EP.
    ReplyNotReplyEp = "REPLY-NOT-REPLY-EP", Some(Code::SendReplyEp), "REPLY: the slot's EP is a send EP without the reply flag";
    /// The reply EP's credit EP is out of range.
    ReplyInvCrdEp = "REPLY-INV-CRD-EP", Some(Code::SendInvCrdEp), "REPLY: the reply EP's crd_ep is neither 0xFFFF nor an EP of this TCU";

    /// READ/WRITE on a non-memory EP.
    MemNoMep = "MEM-NO-MEP", Some(Code::NoMep), "READ/WRITE: the EP does not exist or is not a memory EP";
    /// READ/WRITE on an EP of another activity.
    MemForeign = "MEM-FOREIGN", Some(Code::ForeignEp), "READ/WRITE: the EP belongs to another activity";
    /// Missing permission.
    MemNoPerm = "MEM-NO-PERM", Some(Code::NoPerm), "READ needs R, WRITE needs W on the memory EP";
    /// Outside the EP's range.
    MemBounds = "MEM-BOUNDS", Some(Code::OutOfBounds), "READ/WRITE: offset + size exceed the memory EP's size";
    /// Local range outside local memory.
    MemLocal = "MEM-LOCAL", Some(Code::NoPmpEp), "READ/WRITE: DATA_ADDR..+DATA_SIZE is not in the tile's local memory";
    /// Target tile missing.
    MemNoc = "MEM-NOC", Some(Code::TimeoutNoc), "READ/WRITE: the target tile does not exist on the NoC";
    /// Remote range outside the target's memory.
    MemRemote = "MEM-REMOTE", Some(Code::TimeoutMem), "READ/WRITE: the remote range is neither memory nor registers of the target tile";

    /// FETCH on a non-receive EP.
    FetchNoRep = "FETCH-NO-REP", Some(Code::NoRep), "FETCH_MSG: the EP does not exist or is not a receive EP";
    /// FETCH on an EP of another activity.
    FetchForeign = "FETCH-FOREIGN", Some(Code::ForeignEp), "FETCH_MSG: the receive EP belongs to another activity";

    /// ACK on a non-receive EP.
    AckNoRep = "ACK-NO-REP", Some(Code::NoRep), "ACK_MSG: the EP does not exist or is not a receive EP";
    /// Reply-EP range out of the TCU's EPs.
    AckInvRplEps = "ACK-INV-RPL-EPS", Some(Code::RecvInvRplEps), "ACK_MSG: rpl_eps ≠ 0xFFFF and rpl_eps + 2^slots exceeds the TCU's EPs";
    /// ACK on an EP of another activity.
    AckForeign = "ACK-FOREIGN", Some(Code::ForeignEp), "ACK_MSG: the receive EP belongs to another activity";
    /// Offset beyond the slots.
    AckMsgOff = "ACK-MSG-OFF", Some(Code::InvMsgOff), "ACK_MSG: arg0 >> slot_size is not a slot of the buffer";

    /// SLEEP on a non-receive EP.
    SleepNoRep = "SLEEP-NO-REP", Some(Code::NoRep), "SLEEP: arg0 names an EP that is not a receive EP (0xFFFF waits for any)";

    /// INV_EP on a missing EP.
    InvEpRange = "INV-EP-RANGE", Some(Code::NoSep), "INV_EP: the EP does not exist";
    /// Non-forced INV_EP on a send EP with credits out.
    InvEpCredits = "INV-EP-CREDITS", Some(Code::NoCredits), "INV_EP (not forced): the send EP has credits outstanding (cur_crd ≠ max_crd)";
    /// EXT_CMD opcode undefined.
    ExtUnknown = "EXT-UNKNOWN", Some(Code::UnknownCmd), "the EXT_CMD opcode is not defined";

    /// Local write to an EP register without privilege.
    PrivEpWrite = "PRIV-EP-WRITE", None, "the tile wrote its own EP registers while FEATURES.kernel = 0 (ignored)";
    /// Local write to an external register.
    PrivExtWrite = "PRIV-EXT-WRITE", None, "the tile wrote its own FEATURES, TILE_DESC or EXT_CMD; only remote writes count (ignored)";
    /// Local write to a privileged register without privilege.
    PrivPrivWrite = "PRIV-PRIV-WRITE", None, "the tile wrote a privileged register while FEATURES.kernel = 0 (ignored)";
    /// Local write to a configuration register.
    PrivConfigWrite = "PRIV-CONFIG-WRITE", None, "the tile wrote its own core start/stop registers (ignored)";
    /// Remote write to an unprivileged register.
    RemoteUnprivWrite = "REMOTE-UNPRIV-WRITE", None, "a remote write to a tile's unprivileged registers (only its own CU issues commands; ignored)";
    /// Write to a read-only register or to no register.
    RegReadOnly = "REG-READ-ONLY", None, "a write to TILE_DESC, CUR_TIME or an address that is no register (ignored)";
}

impl Rule {
    /// The code a command reports when it fails by this rule (ABORT for an
    /// ignored write, which no command reports).
    pub const fn error_code(self) -> Code {
        match self.code() {
            Some(c) => c,
            None => Code::Abort,
        }
    }
}

impl core::fmt::Display for Rule {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.code() {
            Some(c) => write!(f, "{} ({})", self.id(), c.name()),
            None => write!(f, "{} (ignored write)", self.id()),
        }
    }
}
