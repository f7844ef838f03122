//! `file-proto`: M3's file protocol, defined once.
//!
//! A file client talks to a file server over a **session**: requests are
//! messages on a send gate the client obtained over the session, answered
//! with a REPLY. The data does not travel in messages: the client owns a
//! **memory endpoint** it delegated to the server over the session, and the
//! server *configures* it (the kernel's `Activate`) onto the piece of the
//! file the client may read or write next. `NextIn` and `NextOut` answer
//! with where that piece lies in the endpoint's window (offset, length);
//! the client then moves the bytes itself with READ or WRITE through its
//! TCU, and reports with `Commit` how much it used. Length 0 from `NextIn`
//! is end of file. `NextIn`/`NextOut` commit the previous piece in full, as
//! in M3; `Commit` with fewer bytes is a partial commit (a short append).
//!
//! Everything is little-endian 64-bit words after an opcode word, paths
//! are UTF-8 bytes after the words (at most [`MAX_PATH`]); a request fits a
//! 256-byte message slot ([`MSG_ORDER`]). Decoding never panics.
//! Shims on accelerator controllers use this crate too: `no_std`, no
//! allocation.
#![no_std]
#![forbid(unsafe_code)]

/// Slot size (log2) a file server's request gate must have: 256 bytes.
pub const MSG_ORDER: u8 = 8;
/// Longest path in bytes (the header, four words and the path fill a slot).
pub const MAX_PATH: usize = 256 - 32 - 8 * 4;

/// What a client asks over its session (`ExchangeSess`, the first
/// argument word).
pub mod session {
    /// Obtain one capability: a send gate for requests (labelled with the
    /// session).
    pub const OBTAIN_GATE: u64 = 0;
    /// Delegate one capability: a memory endpoint for file data; the
    /// result word is its number for `Open`.
    pub const DELEGATE_EP: u64 = 1;
}

/// Request opcodes (the first word).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Op {
    /// Open a file: flags, the index of a delegated memory EP, the path.
    Open = 0,
    /// The next piece to read.
    NextIn = 1,
    /// The next piece to write.
    NextOut = 2,
    /// How much of the last piece was used.
    Commit = 3,
    /// Move the position.
    Seek = 4,
    /// Size and kind of a path.
    Stat = 5,
    /// Close an open file.
    Close = 6,
    /// Create a directory.
    Mkdir = 7,
    /// Remove a file or an empty directory.
    Unlink = 8,
    /// The name of a directory's entry number `index`.
    ReadDir = 9,
    /// Create a pipe.
    Mkpipe = 10,
}

impl TryFrom<u64> for Op {
    type Error = DecodeError;
    fn try_from(w: u64) -> Result<Self, DecodeError> {
        Ok(match w {
            0 => Op::Open,
            1 => Op::NextIn,
            2 => Op::NextOut,
            3 => Op::Commit,
            4 => Op::Seek,
            5 => Op::Stat,
            6 => Op::Close,
            7 => Op::Mkdir,
            8 => Op::Unlink,
            9 => Op::ReadDir,
            10 => Op::Mkpipe,
            other => return Err(DecodeError::UnknownOp(other)),
        })
    }
}

/// Open flags.
pub mod flags {
    /// Read.
    pub const READ: u64 = 1;
    /// Write.
    pub const WRITE: u64 = 2;
    /// Create the file if it does not exist.
    pub const CREATE: u64 = 4;
    /// Truncate it to 0 bytes.
    pub const TRUNC: u64 = 8;
    /// Start writing at its end.
    pub const APPEND: u64 = 16;
    /// Every flag.
    pub const ALL: u64 = READ | WRITE | CREATE | TRUNC | APPEND;
}

/// Where a seek counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Whence {
    /// From the start.
    Set = 0,
    /// From the current position.
    Cur = 1,
    /// From the end.
    End = 2,
}

/// What a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum FileKind {
    /// A regular file.
    File = 0,
    /// A directory.
    Dir = 1,
    /// A pipe.
    Pipe = 2,
}

impl TryFrom<u64> for FileKind {
    type Error = DecodeError;
    fn try_from(w: u64) -> Result<Self, DecodeError> {
        match w {
            0 => Ok(FileKind::File),
            1 => Ok(FileKind::Dir),
            2 => Ok(FileKind::Pipe),
            _ => Err(DecodeError::BadField("kind")),
        }
    }
}

/// A request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request<'a> {
    /// Opens `path` with `flags` ([`flags`]); the file's data will be
    /// reached through the client's delegated memory EP number `ep`.
    /// Answer: the file descriptor.
    Open {
        /// [`flags`] bits.
        flags: u64,
        /// Which of the EPs the client delegated (0, 1, …).
        ep: u64,
        /// The path.
        path: &'a str,
    },
    /// The next piece to read. Answer: offset in the EP's window, length
    /// (0: end of file).
    NextIn {
        /// The file.
        fd: u64,
    },
    /// The next piece to write. Answer: offset in the EP's window, length.
    NextOut {
        /// The file.
        fd: u64,
    },
    /// `n` bytes of the last piece were used (fewer than its length: the
    /// rest is not part of the file). Answer: none.
    Commit {
        /// The file.
        fd: u64,
        /// Bytes used.
        n: u64,
    },
    /// Moves the position. Answer: the new position.
    Seek {
        /// The file.
        fd: u64,
        /// Offset.
        off: i64,
        /// From where.
        whence: Whence,
    },
    /// Size and kind of `path`. Answer: size, kind.
    Stat {
        /// The path.
        path: &'a str,
    },
    /// Closes `fd` (committing the last piece in full). Answer: none.
    Close {
        /// The file.
        fd: u64,
    },
    /// Creates directory `path`. Answer: none.
    Mkdir {
        /// The path.
        path: &'a str,
    },
    /// Removes `path`: a file nobody has open, an empty directory, or a
    /// pipe (one still open keeps its ring until its last channel closes).
    /// Answer: none.
    Unlink {
        /// The path.
        path: &'a str,
    },
    /// Entry `index` of directory `path`. Answer: its kind and size, and
    /// its name after the words; [`Error::NoEntry`] past the last.
    ReadDir {
        /// Which entry.
        index: u64,
        /// The directory.
        path: &'a str,
    },
    /// Creates a pipe at `path` with a ring of `size` bytes: opened for
    /// reading or writing (not both), from any tile; `NextIn` of an empty
    /// pipe and `NextOut` of a full one are answered when that changes.
    /// Answer: none.
    Mkpipe {
        /// Ring size in bytes.
        size: u64,
        /// The path.
        path: &'a str,
    },
}

/// Why bytes are not a request (or a reply).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the message needs.
    Short,
    /// Not an opcode.
    UnknownOp(u64),
    /// A field out of range (its name).
    BadField(&'static str),
    /// The path is longer than [`MAX_PATH`] or not UTF-8.
    BadPath,
}

/// Why a request cannot be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// The path is longer than [`MAX_PATH`].
    PathTooLong,
    /// The buffer is too small.
    BufferTooSmall,
}

fn word(b: &[u8], i: usize) -> Result<u64, DecodeError> {
    let s = b.get(i * 8..i * 8 + 8).ok_or(DecodeError::Short)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Ok(u64::from_le_bytes(a))
}

fn put(out: &mut [u8], i: usize, w: u64) -> Result<(), EncodeError> {
    out.get_mut(i * 8..i * 8 + 8)
        .ok_or(EncodeError::BufferTooSmall)?
        .copy_from_slice(&w.to_le_bytes());
    Ok(())
}

/// Words before a path: opcode and three fields.
const PATH_AT: usize = 4 * 8;

fn path_of(b: &[u8]) -> Result<&str, DecodeError> {
    let len = word(b, 3)? as usize;
    if len > MAX_PATH {
        return Err(DecodeError::BadPath);
    }
    let bytes = b.get(PATH_AT..PATH_AT + len).ok_or(DecodeError::Short)?;
    core::str::from_utf8(bytes).map_err(|_| DecodeError::BadPath)
}

impl<'a> Request<'a> {
    /// Its opcode.
    pub fn op(&self) -> Op {
        match self {
            Request::Open { .. } => Op::Open,
            Request::NextIn { .. } => Op::NextIn,
            Request::NextOut { .. } => Op::NextOut,
            Request::Commit { .. } => Op::Commit,
            Request::Seek { .. } => Op::Seek,
            Request::Stat { .. } => Op::Stat,
            Request::Close { .. } => Op::Close,
            Request::Mkdir { .. } => Op::Mkdir,
            Request::Unlink { .. } => Op::Unlink,
            Request::ReadDir { .. } => Op::ReadDir,
            Request::Mkpipe { .. } => Op::Mkpipe,
        }
    }

    /// Encodes the request into `out`; returns its length in bytes.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let (a, b, path) = match *self {
            Request::Open { flags, ep, path } => (flags, ep, Some(path)),
            Request::NextIn { fd } | Request::NextOut { fd } | Request::Close { fd } => {
                (fd, 0, None)
            }
            Request::Commit { fd, n } => (fd, n, None),
            Request::Seek { fd, off, whence } => {
                // The whence goes in the path-length word's place.
                put(out, 0, self.op() as u64)?;
                put(out, 1, fd)?;
                put(out, 2, off as u64)?;
                put(out, 3, whence as u64)?;
                return Ok(PATH_AT);
            }
            Request::Stat { path } | Request::Mkdir { path } | Request::Unlink { path } => {
                (0, 0, Some(path))
            }
            Request::ReadDir { index, path } => (index, 0, Some(path)),
            Request::Mkpipe { size, path } => (size, 0, Some(path)),
        };
        let p = path.unwrap_or("");
        if p.len() > MAX_PATH {
            return Err(EncodeError::PathTooLong);
        }
        put(out, 0, self.op() as u64)?;
        put(out, 1, a)?;
        put(out, 2, b)?;
        put(out, 3, p.len() as u64)?;
        let end = PATH_AT + p.len();
        out.get_mut(PATH_AT..end)
            .ok_or(EncodeError::BufferTooSmall)?
            .copy_from_slice(p.as_bytes());
        Ok(end)
    }

    /// Decodes a request (a server reads what a client sent).
    pub fn decode(b: &'a [u8]) -> Result<Request<'a>, DecodeError> {
        let op = Op::try_from(word(b, 0)?)?;
        let (a, c) = (word(b, 1)?, word(b, 2)?);
        Ok(match op {
            Op::Open => {
                if a & !flags::ALL != 0 {
                    return Err(DecodeError::BadField("flags"));
                }
                Request::Open {
                    flags: a,
                    ep: c,
                    path: path_of(b)?,
                }
            }
            Op::NextIn => Request::NextIn { fd: a },
            Op::NextOut => Request::NextOut { fd: a },
            Op::Commit => Request::Commit { fd: a, n: c },
            Op::Seek => Request::Seek {
                fd: a,
                off: c as i64,
                whence: match word(b, 3)? {
                    0 => Whence::Set,
                    1 => Whence::Cur,
                    2 => Whence::End,
                    _ => return Err(DecodeError::BadField("whence")),
                },
            },
            Op::Stat => Request::Stat { path: path_of(b)? },
            Op::Close => Request::Close { fd: a },
            Op::Mkdir => Request::Mkdir { path: path_of(b)? },
            Op::Unlink => Request::Unlink { path: path_of(b)? },
            Op::ReadDir => Request::ReadDir {
                index: a,
                path: path_of(b)?,
            },
            Op::Mkpipe => Request::Mkpipe {
                size: a,
                path: path_of(b)?,
            },
        })
    }
}

/// What went wrong, as a file server answers (the first reply word; 0 is
/// success).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Error {
    /// No such file or directory.
    NoEntry = 1,
    /// It exists already.
    Exists = 2,
    /// A directory where a file was expected.
    IsDir = 3,
    /// Not a directory.
    NotDir = 4,
    /// The directory is not empty.
    NotEmpty = 5,
    /// No space left (file system or pipe buffer memory).
    NoSpace = 6,
    /// Not open for that (reading a write-only file, say).
    NoPerm = 7,
    /// A bad descriptor, flag, offset or memory EP.
    InvArgs = 8,
    /// Too many open files.
    TooMany = 9,
    /// The message is not a request.
    InvMsg = 10,
    /// The memory EP could not be configured (the kernel refused).
    EpFailed = 11,
    /// The other end of a pipe is gone.
    Broken = 12,
}

impl Error {
    /// Every error.
    pub const ALL: &'static [Error] = &[
        Error::NoEntry,
        Error::Exists,
        Error::IsDir,
        Error::NotDir,
        Error::NotEmpty,
        Error::NoSpace,
        Error::NoPerm,
        Error::InvArgs,
        Error::TooMany,
        Error::InvMsg,
        Error::EpFailed,
        Error::Broken,
    ];

    /// What it means.
    pub const fn describe(self) -> &'static str {
        match self {
            Error::NoEntry => "no such file or directory",
            Error::Exists => "exists already",
            Error::IsDir => "is a directory",
            Error::NotDir => "not a directory",
            Error::NotEmpty => "directory not empty",
            Error::NoSpace => "no space left",
            Error::NoPerm => "not open for that",
            Error::InvArgs => "invalid argument (descriptor, flag, offset or memory endpoint)",
            Error::TooMany => "too many open files",
            Error::InvMsg => "not a file-protocol request",
            Error::EpFailed => "the client's memory endpoint could not be configured",
            Error::Broken => "the other end of the pipe is gone",
        }
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.describe())
    }
}

impl TryFrom<u64> for Error {
    type Error = DecodeError;
    fn try_from(w: u64) -> Result<Self, DecodeError> {
        Error::ALL
            .iter()
            .copied()
            .find(|e| *e as u64 == w)
            .ok_or(DecodeError::BadField("error"))
    }
}

/// Words of a reply: the outcome (0 or an [`Error`]) and three results.
pub const REPLY_WORDS: usize = 4;

/// A reply's words for `r` (results as the request's doc says).
pub fn encode_reply(r: Result<[u64; 3], Error>, out: &mut [u8]) -> Result<usize, EncodeError> {
    let w = match r {
        Ok([a, b, c]) => [0, a, b, c],
        Err(e) => [e as u64, 0, 0, 0],
    };
    for (i, x) in w.iter().enumerate() {
        put(out, i, *x)?;
    }
    Ok(REPLY_WORDS * 8)
}

/// The outcome and results of a reply.
pub fn decode_reply(b: &[u8]) -> Result<Result<[u64; 3], Error>, DecodeError> {
    match word(b, 0)? {
        0 => Ok(Ok([word(b, 1)?, word(b, 2)?, word(b, 3)?])),
        e => Ok(Err(Error::try_from(e)?)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;

    fn round_trip(r: Request<'_>) {
        let mut buf = [0u8; 1 << MSG_ORDER];
        let n = r.encode(&mut buf).unwrap();
        assert!(n + 32 <= 1 << MSG_ORDER, "fits a slot with its header");
        assert_eq!(Request::decode(&buf[..n]), Ok(r));
    }

    #[test]
    fn every_request_round_trips() {
        let long = "x".repeat(MAX_PATH);
        for r in [
            Request::Open {
                flags: flags::READ | flags::WRITE,
                ep: 1,
                path: "/data/frame.pgm",
            },
            Request::Open {
                flags: flags::READ,
                ep: 0,
                path: &long,
            },
            Request::NextIn { fd: 3 },
            Request::NextOut { fd: 3 },
            Request::Commit { fd: 3, n: 17 },
            Request::Seek {
                fd: 3,
                off: -5,
                whence: Whence::End,
            },
            Request::Stat { path: "/" },
            Request::Close { fd: 3 },
            Request::Mkdir { path: "/a/b" },
            Request::Unlink { path: "/a/b" },
            Request::ReadDir {
                index: 2,
                path: "/a",
            },
            Request::Mkpipe {
                size: 4096,
                path: "/p",
            },
        ] {
            round_trip(r);
        }
    }

    #[test]
    fn bad_requests_are_refused() {
        let mut buf = [0u8; 300];
        assert_eq!(Request::decode(&[]), Err(DecodeError::Short));
        put(&mut buf, 0, 99).unwrap();
        assert_eq!(Request::decode(&buf), Err(DecodeError::UnknownOp(99)));
        put(&mut buf, 0, Op::Open as u64).unwrap();
        put(&mut buf, 1, 1 << 10).unwrap();
        assert_eq!(Request::decode(&buf), Err(DecodeError::BadField("flags")));
        put(&mut buf, 1, flags::READ).unwrap();
        put(&mut buf, 3, MAX_PATH as u64 + 1).unwrap();
        assert_eq!(Request::decode(&buf), Err(DecodeError::BadPath));
        put(&mut buf, 3, 40).unwrap();
        assert_eq!(Request::decode(&buf[..50]), Err(DecodeError::Short));
        buf[32] = 0xFF;
        assert_eq!(
            Request::decode(&buf),
            Err(DecodeError::BadPath),
            "not UTF-8"
        );
        let long = "y".repeat(MAX_PATH + 1);
        assert_eq!(
            Request::Stat { path: &long }.encode(&mut buf),
            Err(EncodeError::PathTooLong)
        );
        assert_eq!(
            Request::Stat { path: "/" }.encode(&mut buf[..16]),
            Err(EncodeError::BufferTooSmall)
        );
    }

    #[test]
    fn replies_round_trip() {
        let mut buf = [0u8; 32];
        encode_reply(Ok([1, 2, 3]), &mut buf).unwrap();
        assert_eq!(decode_reply(&buf), Ok(Ok([1, 2, 3])));
        for e in Error::ALL {
            encode_reply(Err(*e), &mut buf).unwrap();
            assert_eq!(decode_reply(&buf), Ok(Err(*e)));
        }
        assert!(decode_reply(&[0; 8]).is_err());
    }

    proptest! {
        #[test]
        fn random_bytes_decode_or_fail_cleanly(b in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(r) = Request::decode(&b) {
                let mut buf = [0u8; 300];
                let n = r.encode(&mut buf).unwrap();
                prop_assert_eq!(Request::decode(&buf[..n]), Ok(r));
            }
            let _ = decode_reply(&b);
        }
    }
}
