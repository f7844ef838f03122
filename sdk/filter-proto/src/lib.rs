//! The filter control protocol, defined once (`no_std`: accelerator shims
//! use it as well as software filters and the SDK's `Pipeline`).
//!
//! A **filter** is an activity that reads one file endpoint and writes
//! another — a file, a pipe, whatever the file protocol serves — so that
//! data between two filters never crosses the tile of the app that
//! chained them. Its parent connects it to a control gate before starting
//! it (a software filter finds a send gate at `tile_filters::CTRL_SEL`; an
//! accelerator's shim gets an endpoint configured by the kernel — this
//! crate knows neither selectors nor the kernel, so shims can use it).
//! Over that gate the filter
//!
//! 1. asks for its job ([`Ctrl::Job`]); the answer ([`Job`]) names the
//!    input and output paths on the filter's file session and the
//!    filter's parameters (`key=value` words, as on a command line);
//! 2. when it is done, reports ([`Ctrl::Done`]): a code (0 = success, else
//!    a `file_proto` error number or the filter's own, ≥ 1000), the bytes
//!    it read and wrote, and its tile.
//!
//! Messages are little-endian words; a job's strings follow its three
//! length words and the two endpoint numbers. Everything fits one message of 2^[`MSG_ORDER`] bytes.
#![no_std]
#![forbid(unsafe_code)]

/// log2 of a control message's slot (header included).
pub const MSG_ORDER: u8 = 9;
/// Bytes a job's three strings may take together.
pub const MAX_JOB_BYTES: usize = (1 << MSG_ORDER) - 32 - JOB_HEADER;

/// A job's words before its strings: three lengths, two endpoint numbers.
const JOB_HEADER: usize = 5 * 8;

/// Request opcodes.
const OP_JOB: u64 = 1;
const OP_DONE: u64 = 2;

/// A filter's message to its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctrl {
    /// "What do I do?" — answered with a [`Job`].
    Job,
    /// "Done": answered with an empty message.
    Done(Report),
}

/// What a filter did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// 0 on success.
    pub code: u64,
    /// Bytes read from the input.
    pub bytes_in: u64,
    /// Bytes written to the output.
    pub bytes_out: u64,
    /// The tile it ran on (`TileId::raw`), to show where each stage ran.
    pub tile: u64,
}

/// Codes a filter reports besides 0 and the file protocol's errors.
pub mod code {
    /// The parameters are not understood.
    pub const BAD_PARAMS: u64 = 1000;
    /// The input is not in the format the filter takes.
    pub const BAD_INPUT: u64 = 1001;
    /// The device (an accelerator) failed.
    pub const DEVICE: u64 = 1002;
}

/// Why a control message does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtoError {
    /// Too short, or lengths that run past its end.
    Truncated,
    /// An opcode this protocol does not have.
    UnknownOp(u64),
    /// A string is not UTF-8.
    NotUtf8,
    /// The strings do not fit one message.
    TooLong,
}

impl core::fmt::Display for ProtoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ProtoError::Truncated => f.write_str("the control message is cut short"),
            ProtoError::UnknownOp(op) => write!(f, "unknown control opcode {op}"),
            ProtoError::NotUtf8 => f.write_str("a job string is not UTF-8"),
            ProtoError::TooLong => write!(
                f,
                "the job's paths and parameters exceed {MAX_JOB_BYTES} bytes"
            ),
        }
    }
}

fn word(b: &[u8], i: usize) -> Result<u64, ProtoError> {
    let s = b.get(i * 8..i * 8 + 8).ok_or(ProtoError::Truncated)?;
    let mut w = [0u8; 8];
    w.copy_from_slice(s);
    Ok(u64::from_le_bytes(w))
}

impl Ctrl {
    /// Encodes into `out`; returns the length.
    pub fn encode(&self, out: &mut [u8; 40]) -> usize {
        let words: &[u64] = match self {
            Ctrl::Job => &[OP_JOB],
            Ctrl::Done(r) => &[OP_DONE, r.code, r.bytes_in, r.bytes_out, r.tile],
        };
        for (i, w) in words.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        words.len() * 8
    }

    /// Decodes a message's payload.
    pub fn decode(b: &[u8]) -> Result<Ctrl, ProtoError> {
        match word(b, 0)? {
            OP_JOB => Ok(Ctrl::Job),
            OP_DONE => Ok(Ctrl::Done(Report {
                code: word(b, 1)?,
                bytes_in: word(b, 2)?,
                bytes_out: word(b, 3)?,
                tile: word(b, 4)?,
            })),
            op => Err(ProtoError::UnknownOp(op)),
        }
    }
}

/// A filter's job: where to read, where to write, how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job<'a> {
    /// Input path on the filter's file session.
    pub input: &'a str,
    /// Output path on the filter's file session.
    pub output: &'a str,
    /// Parameters, whitespace-separated `key=value` words.
    pub params: &'a str,
    /// For an accelerator: the numbers (in its file session) of the memory
    /// endpoints its client configured on its tile for the input and the
    /// output ([`accel::EP_IN`], [`accel::EP_OUT`]), to name in `Open`.
    /// Software filters have their own and get `[0, 0]`.
    pub eps: [u64; 2],
}

impl<'a> Job<'a> {
    /// Encodes into `out`; returns the length, or `TooLong`.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, ProtoError> {
        let parts = [self.input, self.output, self.params];
        let total: usize = parts.iter().map(|p| p.len()).sum();
        if total > MAX_JOB_BYTES || out.len() < JOB_HEADER + total {
            return Err(ProtoError::TooLong);
        }
        out[24..32].copy_from_slice(&self.eps[0].to_le_bytes());
        out[32..40].copy_from_slice(&self.eps[1].to_le_bytes());
        let mut at = JOB_HEADER;
        for (i, p) in parts.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&(p.len() as u64).to_le_bytes());
            out[at..at + p.len()].copy_from_slice(p.as_bytes());
            at += p.len();
        }
        Ok(at)
    }

    /// Decodes a job from a reply's payload.
    pub fn decode(b: &'a [u8]) -> Result<Job<'a>, ProtoError> {
        let mut at = JOB_HEADER;
        let mut parts = [""; 3];
        for (i, part) in parts.iter_mut().enumerate() {
            let len = usize::try_from(word(b, i)?).map_err(|_| ProtoError::Truncated)?;
            let end = at.checked_add(len).ok_or(ProtoError::Truncated)?;
            let bytes = b.get(at..end).ok_or(ProtoError::Truncated)?;
            *part = core::str::from_utf8(bytes).map_err(|_| ProtoError::NotUtf8)?;
            at = end;
        }
        Ok(Job {
            input: parts[0],
            output: parts[1],
            params: parts[2],
            eps: [word(b, 3)?, word(b, 4)?],
        })
    }

    /// The value of parameter `key` (`key=value` among the words).
    pub fn param(&self, key: &str) -> Option<&'a str> {
        self.params.split_whitespace().find_map(|w| {
            let (k, v) = w.split_once('=')?;
            (k == key).then_some(v)
        })
    }
}

/// A pipeline's report of one stage, one line of text (tab-separated:
/// `stage`, index, name, tile, bytes in, bytes out, µs from the start
/// until it reported) — what an app writes for a tool to read
/// (`tilekit pipe`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageLine<'a> {
    /// Position in the pipeline.
    pub index: u64,
    /// The stage's name.
    pub name: &'a str,
    /// The tile it ran on (`TileId::raw`).
    pub tile: u64,
    /// Bytes read.
    pub bytes_in: u64,
    /// Bytes written.
    pub bytes_out: u64,
    /// Microseconds from the pipeline's start until the stage reported.
    pub micros: u64,
}

impl core::fmt::Display for StageLine<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "stage\t{}\t{}\t{}\t{}\t{}\t{}",
            self.index, self.name, self.tile, self.bytes_in, self.bytes_out, self.micros
        )
    }
}

impl<'a> StageLine<'a> {
    /// Reads a line written by `Display` (`None` if it is not one).
    pub fn parse(line: &'a str) -> Option<StageLine<'a>> {
        let mut f = line.trim_end().split('\t');
        let mut fields = [""; 7];
        for x in &mut fields {
            *x = f.next()?;
        }
        let [tag, index, name, tile, bytes_in, bytes_out, micros] = fields;
        if tag != "stage" || name.is_empty() || f.next().is_some() {
            return None;
        }
        Some(StageLine {
            index: index.parse().ok()?,
            name,
            tile: tile.parse().ok()?,
            bytes_in: bytes_in.parse().ok()?,
            bytes_out: bytes_out.parse().ok()?,
            micros: micros.parse().ok()?,
        })
    }
}

/// The fixed layout of an accelerator tile, as its controller (the shim)
/// and its client (the SDK's `Pipeline`) both see it.
///
/// The controller never talks to the kernel. Before its parent starts
/// it, the client has the kernel configure these endpoints on the tile
/// (the client holds the tile's activity, so it may allocate endpoints
/// there): a send gate to the client's control gate, a receive gate for
/// every answer the controller waits for, a send gate over the tile's own
/// file session, and two memory endpoints delegated to that session, which
/// the file server points at file data. Local memory below [`accel::BUFFERS`]
/// belongs to the tile's runtime and these gates; the device reaches only
/// `BUFFERS..` (its local buffers).
pub mod accel {
    /// Send EP to the client's control receive gate (labelled with the
    /// stage, one credit): [`crate::Ctrl`] messages.
    pub const EP_CTRL: u16 = 5;
    /// Receive EP for the answers to the controller's requests (the job,
    /// file-protocol replies); its buffer is [`REPLY_BUF`].
    pub const EP_REPLIES: u16 = 6;
    /// Send EP over the tile's file session (file-protocol requests).
    pub const EP_FILES: u16 = 7;
    /// Memory EP the file server points at input pieces.
    pub const EP_IN: u16 = 8;
    /// Memory EP the file server points at output pieces.
    pub const EP_OUT: u16 = 9;
    /// The endpoints the client configures, in order.
    pub const EPS: [u16; 5] = [EP_CTRL, EP_REPLIES, EP_FILES, EP_IN, EP_OUT];
    /// The reply receive buffer in local memory.
    pub const REPLY_BUF: u64 = 0x1000;
    /// log2 of its size (four slots).
    pub const REPLY_ORDER: u8 = 11;
    /// log2 of a slot (a job fits).
    pub const REPLY_MSG_ORDER: u8 = crate::MSG_ORDER;
    /// Where the controller assembles the messages it sends.
    pub const MSG_BUF: u64 = 0x1800;
    /// The device's local buffers: from here to the end of local memory.
    pub const BUFFERS: u64 = 0x2000;

    const _: () = assert!(REPLY_BUF + (1 << REPLY_ORDER) <= MSG_BUF);
    const _: () = assert!(MSG_BUF + (1 << crate::MSG_ORDER) <= BUFFERS);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn control_messages_round_trip() {
        let mut b = [0u8; 40];
        for c in [
            Ctrl::Job,
            Ctrl::Done(Report {
                code: 7,
                bytes_in: 1 << 40,
                bytes_out: 3,
                tile: 0x103,
            }),
        ] {
            let n = c.encode(&mut b);
            assert_eq!(Ctrl::decode(&b[..n]), Ok(c));
        }
        assert_eq!(Ctrl::decode(&[]), Err(ProtoError::Truncated));
        assert_eq!(
            Ctrl::decode(&9u64.to_le_bytes()),
            Err(ProtoError::UnknownOp(9))
        );
        // A Done cut short.
        assert_eq!(Ctrl::decode(&b[..16]), Err(ProtoError::Truncated));
    }

    #[test]
    fn jobs_round_trip_and_params_are_found() {
        let job = Job {
            input: "/in/raw.pgm",
            output: "/pipes/0",
            params: "black=64 wb=2,1,1.5",
            eps: [3, 4],
        };
        let mut b = [0u8; 512];
        let n = job.encode(&mut b).unwrap();
        let back = Job::decode(&b[..n]).unwrap();
        assert_eq!(back, job);
        assert_eq!(back.param("black"), Some("64"));
        assert_eq!(back.param("wb"), Some("2,1,1.5"));
        assert_eq!(back.param("gamma"), None);
    }

    #[test]
    fn oversized_and_broken_jobs_are_refused() {
        let long = "x".repeat(MAX_JOB_BYTES + 1);
        let job = Job {
            input: &long,
            output: "",
            params: "",
            eps: [0, 0],
        };
        assert_eq!(job.encode(&mut [0u8; 1024]), Err(ProtoError::TooLong));
        let mut b = [0u8; 40];
        b[0] = 200; // input length past the end
        assert_eq!(Job::decode(&b), Err(ProtoError::Truncated));
        let mut b = [0u8; 41];
        b[0] = 1;
        b[40] = 0xFF;
        assert_eq!(Job::decode(&b), Err(ProtoError::NotUtf8));
    }

    #[test]
    fn stage_lines_round_trip() {
        use std::string::ToString;
        let l = StageLine {
            index: 1,
            name: "aes-ctr",
            tile: 9,
            bytes_in: 1 << 26,
            bytes_out: 1 << 26,
            micros: 123_456,
        };
        let text = l.to_string();
        assert_eq!(text, "stage\t1\taes-ctr\t9\t67108864\t67108864\t123456");
        assert_eq!(StageLine::parse(&text), Some(l));
        assert_eq!(StageLine::parse("stage\t1\tx\t2\t3\t4"), None);
        assert_eq!(StageLine::parse("pipeline: done"), None);
        assert_eq!(StageLine::parse("stage\t1\tx\t2\t3\t4\t5\t6"), None);
    }

    proptest! {
        #[test]
        fn decoding_any_bytes_never_panics(b in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = Ctrl::decode(&b);
            let _ = Job::decode(&b);
        }
    }
}
