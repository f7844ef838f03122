//! Upcalls: messages the kernel sends to an activity, unasked.
//!
//! Every activity has an upcall receive endpoint ([`crate::eps::UPCALL`],
//! 16 slots of 64 bytes at [`crate::eps::UPCALL_BUF`]), configured by the
//! kernel when it creates the activity. An activity that serves while it
//! waits for others (root does) asks with `ActWatch` instead of blocking in
//! `ActWait`, and learns of the exit here. The activity fetches and acks
//! upcalls like any message; unread upcalls beyond 16 are dropped.

use crate::syscall::DecodeError;

/// Slot size (log2) of the upcall receive endpoint.
pub const MSG_ORDER: u8 = 6;
/// Slots (log2) of the upcall receive endpoint.
pub const SLOTS_LOG2: u8 = 4;

/// An upcall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upcall {
    /// A watched activity exited (`ActWatch`).
    Exited {
        /// The word the watcher gave with `ActWatch`.
        ident: u64,
        /// The exit code.
        code: u64,
    },
    /// The kernel invalidated send endpoint `ep` of the activity: the
    /// receive gate it sent to is gone (its server ended or revoked it).
    Invalidated {
        /// The endpoint.
        ep: u64,
    },
}

impl Upcall {
    /// The words.
    pub fn encode(&self) -> [u64; 3] {
        match *self {
            Upcall::Exited { ident, code } => [0, ident, code],
            Upcall::Invalidated { ep } => [1, ep, 0],
        }
    }

    /// Decodes an upcall's words. Never panics.
    pub fn decode(words: &[u64]) -> Result<Upcall, DecodeError> {
        match words {
            [0, ident, code, ..] => Ok(Upcall::Exited {
                ident: *ident,
                code: *code,
            }),
            [1, ep, ..] => Ok(Upcall::Invalidated { ep: *ep }),
            [] | [0] | [0, _] | [1] => Err(DecodeError::Empty),
            [op, ..] => Err(DecodeError::UnknownOpcode(*op)),
        }
    }
}

// An upcall fits its slot with the message header.
const _: () = assert!(32 + 8 * 3 <= 1 << MSG_ORDER);
// The buffer is 1 KiB: from UPCALL_BUF to the SDK's syscall staging area.
const _: () = assert!((1u64 << (MSG_ORDER + SLOTS_LOG2)) <= 0x400);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upcalls_round_trip() {
        let u = Upcall::Exited {
            ident: 7,
            code: 101,
        };
        assert_eq!(Upcall::decode(&u.encode()), Ok(u));
        let u = Upcall::Invalidated { ep: 9 };
        assert_eq!(Upcall::decode(&u.encode()), Ok(u));
        assert!(Upcall::decode(&[]).is_err());
        assert!(Upcall::decode(&[0, 1]).is_err());
        assert!(Upcall::decode(&[5, 1, 2]).is_err());
    }
}
