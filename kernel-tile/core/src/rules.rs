//! The kernel's rules: one id for every check a syscall makes.
//!
//! Every refusal of the kernel names its rule; the error code the caller
//! sees comes from this table, so no refusal is untagged (a test checks
//! the sources). `docs/kernel-rules.md` is generated from it, and every
//! rule has a negative test (`tests/rules.rs`, checked by a meta-test).

use kif::Code;

macro_rules! kernel_rules {
    ($( $(#[$m:meta])* $var:ident = $id:literal => $code:ident, $desc:literal; )*) => {
        /// A rule of the kernel.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum KernelRule { $( $(#[$m])* $var, )* }

        impl KernelRule {
            /// Every rule, in catalogue order.
            pub const ALL: &'static [KernelRule] = &[$(KernelRule::$var,)*];

            /// The rule's id (`CAP-NONE`).
            pub const fn id(self) -> &'static str {
                match self { $(KernelRule::$var => $id,)* }
            }

            /// The error code a refusal by this rule answers with.
            pub const fn code(self) -> Code {
                match self { $(KernelRule::$var => Code::$code,)* }
            }

            /// What the rule checks.
            pub const fn describe(self) -> &'static str {
                match self { $(KernelRule::$var => $desc,)* }
            }
        }
    };
}

kernel_rules! {
    /// The message does not decode as a syscall.
    SysMsg = "SYS-MSG" => InvMsg, "the message is not a syscall: empty, unknown opcode, too short, or an argument out of its type's range";
    /// The selector names no capability.
    CapNone = "CAP-NONE" => NoCap, "a selector names no capability of the caller (never given, or revoked)";
    /// The capability has the wrong type.
    CapType = "CAP-TYPE" => WrongType, "the capability is not of the type the syscall needs";
    /// The destination selector is taken.
    CapExists = "CAP-EXISTS" => Exists, "the destination selector already holds a capability";
    /// The quota cannot pay for the object.
    KmemQuota = "KMEM-QUOTA" => NoKMem, "the caller's kernel-memory quota cannot pay for the new object";
    /// A receive gate's orders are out of range.
    RgateOrder = "RGATE-ORDER" => InvArgs, "receive gate: msg_order must be 6..=11 (64 B to 2 KiB slots) and order msg_order..=msg_order+6 (at most 64 slots)";
    /// A send gate's credits are out of range.
    SgateCredits = "SGATE-CREDITS" => InvArgs, "send gate: credits must be 0 (unlimited) to 62";
    /// A memory derivation leaves its parent.
    MemBounds = "MEM-BOUNDS" => OutOfBounds, "derive memory: the range must be non-empty and lie inside the parent gate";
    /// A memory derivation asks for more permissions.
    MemPerm = "MEM-PERM" => NoPerm, "derive memory: the permissions must be a subset of the parent gate's";
    /// A memory gate would reach TCU registers.
    MemRegs = "MEM-REGS" => RegisterRegion, "no memory gate may cover a TCU register region (0xF000_0000 and above in a tile)";
    /// The endpoint is out of range or reserved.
    EpRange = "EP-RANGE" => InvArgs, "allocate EP: the endpoint and its reply endpoints must exist on the tile and not be one of the activity's standard endpoints";
    /// The endpoint is allocated already.
    EpTaken = "EP-TAKEN" => InUse, "allocate EP: the endpoint (or one of its reply endpoints) is allocated already";
    /// No endpoint is free.
    EpNoneFree = "EP-NONE-FREE" => NoSpace, "allocate EP: no free endpoint (with enough reply endpoints after it) is left on the tile";
    /// The endpoint is bound already.
    ActivateBound = "ACTIVATE-BOUND" => InUse, "activate: the endpoint has a gate bound already; revoke it first";
    /// A receive gate is activated twice.
    ActivateRgateTwice = "ACTIVATE-RGATE-TWICE" => InUse, "activate: a receive gate can be activated on one endpoint only";
    /// The receive buffer lies outside the tile's memory.
    ActivateRbuf = "ACTIVATE-RBUF" => OutOfBounds, "activate: a receive buffer must lie in the tile's local memory, above the runtime's area, aligned to its size";
    /// A send gate's receive gate is not activated.
    ActivateSgateUnready = "ACTIVATE-SGATE-UNREADY" => NotSup, "activate: a send gate's receive gate must be activated first";
    /// The endpoints of replies would not fit.
    ActivateReplyEps = "ACTIVATE-REPLY-EPS" => InvArgs, "activate: a receive gate needs one reply endpoint per slot allocated after its endpoint";
    /// An exchange range is bad.
    XchgRange = "XCHG-RANGE" => InvArgs, "exchange/revoke: the range must hold 1 to 64 selectors and not wrap";
    /// Fixed capabilities cannot be revoked or exchanged.
    CapFixed = "CAP-FIXED" => NoPerm, "exchange/revoke: selectors 0-2 (tile, kernel memory, own activity) cannot be revoked or given away";
    /// The kernel-memory quota to split is too small.
    KmemDerive = "KMEM-DERIVE" => NoKMem, "derive kernel memory: the quota must be at most what the source has left";
    /// The caller has exited.
    ActGone = "ACT-GONE" => Gone, "the calling activity has exited: its syscalls are refused (its endpoints are being invalidated)";
    /// The tile runs an activity already.
    ActTileBusy = "ACT-TILE-BUSY" => InUse, "create activity: the tile must run no activity (one activity per tile, no multiplexer)";
    /// The activity has exited already.
    ActExited = "ACT-EXITED" => Gone, "activity control: the activity has exited already";
    /// The receive gate cannot be a service's.
    SrvRgate = "SRV-RGATE" => InvArgs, "create service: the receive gate must be activated, have slots of at least 128 bytes (kif::service::MIN_MSG_ORDER), and serve no other service";
    /// The service has too many requests.
    SrvBusy = "SRV-BUSY" => NoSpace, "open/exchange session: the service has 4 requests in flight and 8 queued already (kif::service); try again later";
    /// The server did not answer in time.
    SrvTimeout = "SRV-TIMEOUT" => Timeout, "open/exchange session: the server did not answer within the kernel's service timeout; the request is abandoned";
    /// The service is gone.
    SrvGone = "SRV-GONE" => Gone, "open/exchange session: the service ended (its server exited or revoked it) or cannot be reached";
    /// The server's answer breaks the protocol.
    SrvReply = "SRV-REPLY" => InvArgs, "open/exchange session: the server's answer is not valid (too short, count 0 or above what was asked, a range it does not hold or cannot receive)";
    /// The server refused.
    SrvRefused = "SRV-REFUSED" => NotSup, "open/exchange session: the server refused; the caller gets the server's code (NOT_SUP unless it named a valid one)";
    /// Only a service's server creates its sessions directly.
    SrvOwner = "SRV-OWNER" => NoPerm, "create session: only the service's own server may create sessions of it directly (others open them with OpenSess)";
    /// The TCU refused a write of the kernel.
    NocFault = "NOC-FAULT" => Tcu, "the kernel's write of a remote endpoint failed (a fault of the board, reported, never ignored)";
}

impl core::fmt::Display for KernelRule {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.id(), self.code())
    }
}
