//! The service protocol: what the kernel asks a service, defined once.
//!
//! A server creates a service ([`crate::syscall::msg::CreateSrv`]) on a
//! receive gate of its own; from then on the kernel is the only sender on
//! that gate. It sends [`Request`]s as TCU messages (words as in
//! [`crate::syscall`]) and the server answers each with a REPLY whose
//! first word is a [`Code`](crate::Code) and whose further words are the
//! reply words in the table below (for an exchange, [`ExchangeReply`]):
//!
//! | request | asked when | reply words after the code |
//! |---|---|---|
//! | `Open { arg }` | an activity opens a session | the session's `ident` |
//! | `Obtain { ident, count, args }` | a client obtains capabilities | the server's `start`, `count`, one result word |
//! | `Delegate { ident, count, args }` | a client delegates capabilities | where they go (`start`), `count`, one result word |
//! | `Close { ident }` | the session's capability was revoked | none |
//!
//! The kernel keeps at most [`MAX_IN_FLIGHT`] requests in flight per
//! service and queues at most [`MAX_QUEUED`] more; a request the server
//! has not answered within the kernel's service timeout fails for its
//! caller with `TIMEOUT`, so a service that never answers stalls no one but
//! its own clients.

use crate::syscall::DecodeError;

/// The smallest slot order a service's receive gate may have: a request
/// (header and 6 words) must fit a slot.
pub const MIN_MSG_ORDER: u8 = 7;
/// Requests the kernel has in flight to one service at most.
pub const MAX_IN_FLIGHT: usize = 4;
/// Requests the kernel queues for one service beyond those in flight.
pub const MAX_QUEUED: usize = 8;
/// Most words a request has.
pub const MAX_REQUEST_WORDS: usize = 6;
/// Most words a reply has (the code included).
pub const MAX_REPLY_WORDS: usize = 4;

// A request (header and words) fits the smallest slot a service may have.
const _: () = assert!(32 + 8 * MAX_REQUEST_WORDS <= 1 << MIN_MSG_ORDER);

/// Request opcodes (the first word).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum ServiceOp {
    /// Open a session.
    Open = 0,
    /// Give capabilities to a client.
    Obtain = 1,
    /// Take capabilities from a client.
    Delegate = 2,
    /// A session is gone.
    Close = 3,
}

/// A request of the kernel to a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// Open a session; the server chooses its `ident`.
    Open {
        /// The opener's argument.
        arg: u64,
    },
    /// Exchange capabilities over session `ident`.
    Exchange {
        /// The session.
        ident: u64,
        /// true: the client obtains from the server; false: it delegates.
        obtain: bool,
        /// How many capabilities the client offers or asks for (1..=64).
        count: u64,
        /// The client's arguments.
        args: [u64; 2],
    },
    /// Session `ident` is closed: its capability was revoked.
    Close {
        /// The session.
        ident: u64,
    },
}

impl Request {
    /// The request's words and how many of them there are.
    pub fn encode(&self) -> ([u64; MAX_REQUEST_WORDS], usize) {
        let mut w = [0u64; MAX_REQUEST_WORDS];
        let n = match *self {
            Request::Open { arg } => {
                w[..2].copy_from_slice(&[ServiceOp::Open as u64, arg]);
                2
            }
            Request::Exchange {
                ident,
                obtain,
                count,
                args,
            } => {
                let op = if obtain {
                    ServiceOp::Obtain
                } else {
                    ServiceOp::Delegate
                };
                w.copy_from_slice(&[op as u64, ident, count, args[0], args[1], 0]);
                5
            }
            Request::Close { ident } => {
                w[..2].copy_from_slice(&[ServiceOp::Close as u64, ident]);
                2
            }
        };
        (w, n)
    }

    /// Decodes a request (a server reads what the kernel sent). Never
    /// panics.
    pub fn decode(words: &[u64]) -> Result<Request, DecodeError> {
        let get = |i: usize| words.get(i).copied().ok_or(DecodeError::Empty);
        Ok(match get(0)? {
            0 => Request::Open { arg: get(1)? },
            op @ (1 | 2) => Request::Exchange {
                ident: get(1)?,
                obtain: op == 1,
                count: get(2)?,
                args: [get(3)?, get(4)?],
            },
            3 => Request::Close { ident: get(1)? },
            other => return Err(DecodeError::UnknownOpcode(other)),
        })
    }
}

/// A server's answer to an exchange: the range of its capabilities that
/// takes part and one result word for the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExchangeReply {
    /// The server's first selector (obtain: what it gives; delegate: where
    /// the client's capabilities go).
    pub start: u64,
    /// How many (at most what the client asked for).
    pub count: u64,
    /// A word for the client.
    pub result: u64,
}

impl ExchangeReply {
    /// The reply's words, the code (success) first.
    pub fn encode(&self) -> [u64; MAX_REPLY_WORDS] {
        [
            crate::Code::Success as u64,
            self.start,
            self.count,
            self.result,
        ]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip() {
        for r in [
            Request::Open { arg: 7 },
            Request::Exchange {
                ident: 3,
                obtain: true,
                count: 2,
                args: [9, 10],
            },
            Request::Exchange {
                ident: 3,
                obtain: false,
                count: 1,
                args: [0, 0],
            },
            Request::Close { ident: 5 },
        ] {
            let (w, n) = r.encode();
            assert!(n <= MAX_REQUEST_WORDS);
            assert_eq!(Request::decode(&w[..n]), Ok(r));
        }
        assert!(Request::decode(&[]).is_err());
        assert!(Request::decode(&[1, 2]).is_err());
        assert_eq!(Request::decode(&[9]), Err(DecodeError::UnknownOpcode(9)));
    }
}
