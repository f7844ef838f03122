//! WAV on input: a RIFF header before 16-bit mono PCM is skipped; any
//! other WAV is refused with the fix.

/// What the start of the input is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// Raw PCM: every byte is sample data.
    Raw,
    /// A WAV of 16-bit mono PCM whose data starts at this byte and runs
    /// for this many bytes.
    Wav {
        /// Offset of the first sample byte.
        data_at: usize,
        /// Length of the data chunk.
        data_len: u64,
    },
    /// More bytes are needed to tell (a RIFF header cut short).
    NeedMore,
}

/// Why a WAV is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WavError(pub String);

impl std::fmt::Display for WavError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WavError {}

const FIX: &str =
    "convert it first, e.g. `sox in.wav -r 48000 -c 1 -b 16 -e signed-integer out.wav`";

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// Looks at the first bytes of the input (at least 12, better the whole
/// header; the caller gives more on [`Start::NeedMore`]).
pub fn detect(head: &[u8], at_end: bool) -> Result<Start, WavError> {
    if head.len() < 4 || &head[..4] != b"RIFF" {
        if head.len() < 4 && !at_end && b"RIFF".starts_with(head) {
            return Ok(Start::NeedMore);
        }
        return Ok(Start::Raw);
    }
    let more = || {
        if at_end {
            Err(WavError("the WAV header is cut short".into()))
        } else {
            Ok(Start::NeedMore)
        }
    };
    if head.len() < 12 {
        return more();
    }
    if &head[8..12] != b"WAVE" {
        return Err(WavError(format!(
            "a RIFF file that is not WAVE; give raw 16-bit PCM or a WAV ({FIX})"
        )));
    }
    let mut at = 12;
    let mut fmt_ok = false;
    loop {
        let (Some(id), Some(len)) = (head.get(at..at + 4), u32_at(head, at + 4)) else {
            return more();
        };
        let body = at + 8;
        if id == b"fmt " {
            let (Some(format), Some(channels), Some(bits)) = (
                u16_at(head, body),
                u16_at(head, body + 2),
                u16_at(head, body + 14),
            ) else {
                return more();
            };
            // 1: PCM; 0xFFFE: WAVE_FORMAT_EXTENSIBLE (PCM subformat assumed
            // only when it says so — refused here for simplicity).
            if format != 1 || channels != 1 || bits != 16 {
                return Err(WavError(format!(
                    "a WAV with format {format}, {channels} channel(s), {bits} bits; the FIR takes 16-bit PCM mono: {FIX}"
                )));
            }
            fmt_ok = true;
        } else if id == b"data" {
            if !fmt_ok {
                return Err(WavError("a WAV whose data comes before its format".into()));
            }
            return Ok(Start::Wav {
                data_at: body,
                data_len: u64::from(len),
            });
        }
        // Chunks are padded to even lengths.
        at = body + len as usize + (len as usize & 1);
        if at > 1 << 20 {
            return Err(WavError("no data chunk in the first MiB of the WAV".into()));
        }
    }
}
