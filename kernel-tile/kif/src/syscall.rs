//! Syscalls: opcodes and message layouts, defined once.
//!
//! A syscall is a TCU message to the kernel's syscall receive endpoint
//! ([`crate::eps::KERNEL_SYSCALL`]); its label tells the kernel which
//! activity sent it. The payload is a sequence of little-endian 64-bit
//! words: the opcode, then the syscall's arguments in the order this
//! module declares them. The reply carries a [`Code`](crate::Code) in its
//! first word, then the syscall's results.
//!
//! Every message type has `encode` (to words) and, through [`decode`],
//! a checked decoding that never panics: a short message, an unknown
//! opcode or a field out of its type's range is [`DecodeError`].

use tcu_mmio::ep::Perm;
use tcu_mmio::{EpId, Label, TileId};

use crate::{CapRange, CapSel};

/// Most words a syscall message may have (a 512-byte slot holds the
/// 32-byte header and 60 words).
pub const MAX_WORDS: usize = 60;

/// A value that travels as one 64-bit word.
pub trait Arg: Sized + Copy {
    /// The word.
    fn to_word(self) -> u64;
    /// The value of a word, if the word is in range.
    fn from_word(w: u64) -> Option<Self>;
}

impl Arg for u64 {
    fn to_word(self) -> u64 {
        self
    }
    fn from_word(w: u64) -> Option<Self> {
        Some(w)
    }
}

impl Arg for u8 {
    fn to_word(self) -> u64 {
        self.into()
    }
    fn from_word(w: u64) -> Option<Self> {
        u8::try_from(w).ok()
    }
}

impl Arg for bool {
    fn to_word(self) -> u64 {
        self.into()
    }
    fn from_word(w: u64) -> Option<Self> {
        match w {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

impl Arg for CapSel {
    fn to_word(self) -> u64 {
        self.0
    }
    fn from_word(w: u64) -> Option<Self> {
        Some(CapSel(w))
    }
}

impl Arg for EpId {
    fn to_word(self) -> u64 {
        self.raw().into()
    }
    fn from_word(w: u64) -> Option<Self> {
        u16::try_from(w).ok().map(EpId)
    }
}

impl Arg for TileId {
    fn to_word(self) -> u64 {
        self.raw().into()
    }
    fn from_word(w: u64) -> Option<Self> {
        TileId::from_raw(u16::try_from(w).ok()?).ok()
    }
}

impl Arg for Label {
    fn to_word(self) -> u64 {
        self.0
    }
    fn from_word(w: u64) -> Option<Self> {
        Some(Label(w))
    }
}

impl Arg for Perm {
    fn to_word(self) -> u64 {
        self.bits()
    }
    fn from_word(w: u64) -> Option<Self> {
        Perm::from_bits(w)
    }
}

/// Why words are not a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// No opcode word.
    Empty,
    /// The opcode is not a syscall.
    UnknownOpcode(u64),
    /// Fewer words than the syscall has arguments.
    Truncated {
        /// The syscall.
        op: Opcode,
        /// Words it needs.
        need: usize,
        /// Words there were.
        have: usize,
    },
    /// An argument's word is out of its type's range.
    BadArg {
        /// The syscall.
        op: Opcode,
        /// The argument's name.
        arg: &'static str,
        /// The word.
        word: u64,
    },
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DecodeError::Empty => f.write_str("empty syscall message"),
            DecodeError::UnknownOpcode(op) => write!(f, "unknown syscall opcode {op}"),
            DecodeError::Truncated { op, need, have } => {
                write!(f, "{op:?} needs {need} words, the message has {have}")
            }
            DecodeError::BadArg { op, arg, word } => {
                write!(f, "{op:?}: argument `{arg}` = {word:#x} is out of range")
            }
        }
    }
}

macro_rules! syscalls {
    ($(
        $(#[$m:meta])*
        $op:ident = $num:literal {
            $( $(#[$fm:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    )*) => {
        /// Syscall opcodes (the first word of a syscall message).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u64)]
        pub enum Opcode { $( $(#[$m])* $op = $num, )* }

        impl Opcode {
            /// Every opcode, in numeric order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$op,)*];
        }

        impl TryFrom<u64> for Opcode {
            type Error = DecodeError;
            fn try_from(raw: u64) -> Result<Self, DecodeError> {
                match raw {
                    $( $num => Ok(Opcode::$op), )*
                    other => Err(DecodeError::UnknownOpcode(other)),
                }
            }
        }

        /// The argument structs, one per syscall.
        pub mod msg {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[$m])*
                #[derive(Clone, Copy, Debug, PartialEq, Eq)]
                pub struct $op { $( $(#[$fm])* pub $field: $ty, )* }

                impl $op {
                    /// Words of the message: the opcode and one per argument.
                    pub const WORDS: usize = 1 $( + { let _ = stringify!($field); 1 } )*;

                    /// The message's words.
                    pub fn encode(&self) -> [u64; Self::WORDS] {
                        [Opcode::$op as u64 $( , Arg::to_word(self.$field) )*]
                    }

                    /// Decodes the argument words (after the opcode).
                    #[allow(unused_variables, unused_mut, unused_assignments)]
                    pub(crate) fn decode_args(words: &[u64]) -> Result<Self, DecodeError> {
                        let need = Self::WORDS;
                        if words.len() + 1 < need {
                            return Err(DecodeError::Truncated { op: Opcode::$op, need, have: words.len() + 1 });
                        }
                        let mut i = 0;
                        Ok(Self { $( $field: {
                            let w = words[i];
                            i += 1;
                            <$ty as Arg>::from_word(w).ok_or(DecodeError::BadArg {
                                op: Opcode::$op,
                                arg: stringify!($field),
                                word: w,
                            })?
                        }, )* })
                    }
                }
            )*
        }

        /// A decoded syscall.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Syscall { $( $(#[$m])* $op(msg::$op), )* }

        impl Syscall {
            /// Its opcode.
            pub fn opcode(&self) -> Opcode {
                match self { $( Syscall::$op(_) => Opcode::$op, )* }
            }
        }

        /// Decodes a syscall message (words after the header). Words
        /// beyond the syscall's arguments are ignored.
        pub fn decode(words: &[u64]) -> Result<Syscall, DecodeError> {
            let (&op, args) = words.split_first().ok_or(DecodeError::Empty)?;
            match Opcode::try_from(op)? {
                $( Opcode::$op => msg::$op::decode_args(args).map(Syscall::$op), )*
            }
        }
    };
}

syscalls! {
    /// Does nothing; answers SUCCESS (round-trip measurements).
    Noop = 0 {}
    /// Creates a receive gate of 2^order bytes in slots of 2^msg_order
    /// bytes at `dst`. Result: none.
    CreateRGate = 1 {
        /// Where the capability goes.
        dst: CapSel,
        /// log2 of the buffer size.
        order: u8,
        /// log2 of a slot's size.
        msg_order: u8,
    }
    /// Creates a send gate onto receive gate `rgate` at `dst`, with `label`
    /// and `credits` (0: unlimited).
    CreateSGate = 2 {
        /// Where the capability goes.
        dst: CapSel,
        /// The receive gate messages go to.
        rgate: CapSel,
        /// The label every message carries.
        label: Label,
        /// Messages in flight at once (0: unlimited).
        credits: u8,
    }
    /// Derives a memory gate at `dst` covering `size` bytes at `offset` of
    /// memory gate `src`, with permissions `perm` (a subset of `src`'s).
    DeriveMem = 3 {
        /// Where the capability goes.
        dst: CapSel,
        /// The gate it is derived from.
        src: CapSel,
        /// Offset in `src`.
        offset: u64,
        /// Size.
        size: u64,
        /// Permissions (a subset of `src`'s).
        perm: Perm,
    }
    /// Allocates endpoint `ep` (or, with `EpId::INVALID`, any free one) on
    /// the tile of activity `act`, plus `replies` reply endpoints after it;
    /// the EP capability goes to `dst`. Result: the endpoint's number.
    AllocEp = 4 {
        /// Where the capability goes.
        dst: CapSel,
        /// The activity whose tile it is on.
        act: CapSel,
        /// The endpoint wanted (`EpId::INVALID`: any).
        ep: EpId,
        /// Reply endpoints to reserve after it.
        replies: u64,
    }
    /// Binds `gate` (a send, receive or memory gate) to endpoint capability
    /// `ep`: the kernel writes the endpoint's registers. A receive gate
    /// needs its buffer: `rbuf_mem` (a memory gate onto the owner's local
    /// memory, or `CapSel(u64::MAX)` for the tile's own memory) at
    /// `rbuf_off`.
    Activate = 5 {
        /// The endpoint capability.
        ep: CapSel,
        /// The gate.
        gate: CapSel,
        /// The receive buffer's memory (receive gates only).
        rbuf_mem: CapSel,
        /// Offset of the receive buffer in it.
        rbuf_off: u64,
    }
    /// Copies the capabilities `own` of the caller to `other` at activity
    /// `act` (delegate), or those at `other` of `act` to `own` (obtain).
    /// The copies become children of the originals.
    Exchange = 6 {
        /// The other activity.
        act: CapSel,
        /// First selector of the caller's range.
        own_start: CapSel,
        /// Length of the range.
        count: u64,
        /// First selector of the other activity's range.
        other_start: CapSel,
        /// true: obtain; false: delegate.
        obtain: bool,
    }
    /// Revokes the capabilities `start..start+count` of the caller: every
    /// capability derived from them, in every activity, and (unless `own`
    /// is false) the capabilities themselves.
    Revoke = 7 {
        /// First selector.
        start: CapSel,
        /// How many.
        count: u64,
        /// Revoke the capabilities themselves too, not only their children.
        own: bool,
    }
    /// Splits `quota` bytes off kernel-memory capability `kmem` into a new
    /// one at `dst`.
    DeriveKMem = 8 {
        /// Where the capability goes.
        dst: CapSel,
        /// The quota it is taken from.
        kmem: CapSel,
        /// Bytes.
        quota: u64,
    }
    /// The quota of kernel-memory capability `kmem`. Result: total bytes,
    /// bytes left.
    KMemQuota = 9 {
        /// The capability.
        kmem: CapSel,
    }
    /// The caller ends with `code`: the kernel revokes all its
    /// capabilities (what others derived from them goes too, and their
    /// endpoints are invalidated, so peers get errors instead of waiting)
    /// and frees its endpoints. There is no reply.
    Exit = 10 {
        /// The exit code.
        code: u64,
    }
    /// Creates an activity on the tile of tile capability `tile` (which
    /// runs no activity), paying from kernel-memory capability `kmem`,
    /// whose quota becomes the new activity's; its capability goes to
    /// `dst`. The tile's memory must hold the program already. Result: the
    /// activity's id.
    CreateAct = 11 {
        /// Where the capability goes.
        dst: CapSel,
        /// The tile.
        tile: CapSel,
        /// The quota it gets (a capability the caller derived for it).
        kmem: CapSel,
    }
    /// Starts (true) or stops (false) activity `act`'s tile. Stopping ends
    /// the activity as if it had exited with code 0x7FFF_FFFF.
    ActCtrl = 12 {
        /// The activity.
        act: CapSel,
        /// Start or stop.
        start: bool,
    }
    /// Waits until activity `act` has exited. Result: its exit code. The
    /// reply comes when it exits (at once if it has).
    ActWait = 13 {
        /// The activity.
        act: CapSel,
    }
    /// Creates a service at `dst` on the caller's receive gate `rgate`
    /// (activated, slots of at least 2^[`MIN_MSG_ORDER`] bytes): the kernel
    /// sends it the requests of [`crate::service`]. The service capability
    /// is derived from the receive gate's: revoking the gate ends the
    /// service and every session of it.
    ///
    /// [`MIN_MSG_ORDER`]: crate::service::MIN_MSG_ORDER
    CreateSrv = 14 {
        /// Where the capability goes.
        dst: CapSel,
        /// The receive gate requests arrive at.
        rgate: CapSel,
    }
    /// Opens a session with service `srv` (the kernel asks the server with
    /// `Open { arg }`); the session capability goes to `dst`. The reply
    /// comes when the server has answered, or with `TIMEOUT` if it does not
    /// in time. Result: the session's ident.
    OpenSess = 15 {
        /// Where the capability goes.
        dst: CapSel,
        /// The service.
        srv: CapSel,
        /// A word for the server.
        arg: u64,
    }
    /// Exchanges capabilities with the server of session `sess`: obtains
    /// up to `count` of them to `own_start…` or delegates `own_start…`; the
    /// server decides which of its selectors take part. Result: how many
    /// were exchanged, and the server's result word.
    ExchangeSess = 16 {
        /// The session.
        sess: CapSel,
        /// First selector of the caller's range.
        own_start: CapSel,
        /// Length of the range (1..=64).
        count: u64,
        /// true: obtain; false: delegate.
        obtain: bool,
        /// First word for the server.
        arg0: u64,
        /// Second word for the server.
        arg1: u64,
    }
    /// Asks to be told when activity `act` exits — by an upcall
    /// ([`crate::upcall::Upcall::Exited`] with `ident`), so the caller keeps
    /// serving meanwhile. Answers at once; if `act` has exited already the
    /// upcall is sent at once too.
    ActWatch = 17 {
        /// The activity.
        act: CapSel,
        /// A word for the upcall (which activity it was, for the caller).
        ident: u64,
    }
    /// The server of service `srv` creates a session of it with `ident`
    /// at `dst`, without asking itself (a server that opens sessions for
    /// others — root for its file service — cannot wait for its own
    /// answer). Revoking it sends the server `Close` as usual.
    CreateSess = 18 {
        /// Where the capability goes.
        dst: CapSel,
        /// The service (the caller must be its server).
        srv: CapSel,
        /// The session's ident.
        ident: u64,
    }
    /// The size and permissions of memory gate `mem`. Result: size,
    /// permission bits.
    MemInfo = 19 {
        /// The gate.
        mem: CapSel,
    }
}

impl msg::Exchange {
    /// The caller's range.
    pub fn own(&self) -> CapRange {
        CapRange {
            start: self.own_start,
            count: self.count,
        }
    }
}

/// Packs words into message bytes (little-endian).
pub fn words_to_bytes(words: &[u64], out: &mut [u8]) -> usize {
    let mut n = 0;
    for (w, chunk) in words.iter().zip(out.chunks_exact_mut(8)) {
        chunk.copy_from_slice(&w.to_le_bytes());
        n += 8;
    }
    n
}

/// Unpacks message bytes into words (a trailing partial word is dropped).
pub fn bytes_to_words(bytes: &[u8], out: &mut [u64]) -> usize {
    let mut n = 0;
    for (chunk, w) in bytes.chunks_exact(8).zip(out.iter_mut()) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *w = u64::from_le_bytes(b);
        n += 1;
    }
    n
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    extern crate std;

    use super::*;

    #[test]
    fn every_syscall_round_trips() {
        let s = msg::CreateSGate {
            dst: CapSel(9),
            rgate: CapSel(4),
            label: Label(0xdead),
            credits: 2,
        };
        assert_eq!(decode(&s.encode()), Ok(Syscall::CreateSGate(s)));
        let d = msg::DeriveMem {
            dst: CapSel(5),
            src: CapSel(3),
            offset: 0x1000,
            size: 0x2000,
            perm: Perm::R,
        };
        assert_eq!(decode(&d.encode()), Ok(Syscall::DeriveMem(d)));
        assert_eq!(
            decode(&msg::Noop {}.encode()),
            Ok(Syscall::Noop(msg::Noop {}))
        );
        for (n, op) in Opcode::ALL.iter().enumerate() {
            assert_eq!(*op as u64, n as u64, "opcodes are dense");
        }
    }

    #[test]
    fn bad_messages_are_refused_never_panic() {
        assert_eq!(decode(&[]), Err(DecodeError::Empty));
        assert_eq!(decode(&[999]), Err(DecodeError::UnknownOpcode(999)));
        assert_eq!(
            decode(&[Opcode::CreateRGate as u64, 3]),
            Err(DecodeError::Truncated {
                op: Opcode::CreateRGate,
                need: 4,
                have: 2
            })
        );
        assert_eq!(
            decode(&[Opcode::CreateRGate as u64, 3, 300, 8]),
            Err(DecodeError::BadArg {
                op: Opcode::CreateRGate,
                arg: "order",
                word: 300
            })
        );
        assert!(matches!(
            decode(&[Opcode::Revoke as u64, 3, 1, 2]),
            Err(DecodeError::BadArg { arg: "own", .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn random_words_decode_or_fail_cleanly(words in proptest::collection::vec(proptest::num::u64::ANY, 0..12)) {
            if let Ok(s) = decode(&words) {
                proptest::prop_assert_eq!(s.opcode() as u64, words[0]);
            }
        }

        #[test]
        fn small_opcodes_with_small_args(op in 0u64..21, args in proptest::collection::vec(0u64..4, 0..8)) {
            let mut words = std::vec![op];
            words.extend(args);
            if let Ok(s) = decode(&words) {
                proptest::prop_assert_eq!(s.opcode() as u64, op);
            }
        }
    }
}
