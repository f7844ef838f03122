//! `dsp-model`: the DSP accelerator's FIR engine.
//!
//! `y[n] = clamp((Σ_k h[k]·x[n−k] + 2^14) >> 15, −32768, 32767)` over
//! 16-bit little-endian mono PCM, with Q15 taps `h`, `x[m] = 0` for
//! `m < 0`, an arithmetic shift and a 64-bit accumulator (no overflow even
//! with 1024 taps of 32767 on full-scale input). The output is as long as
//! the input. [`Fir`] streams: the history (the last `taps − 1` samples)
//! and a byte left over between chunks carry across calls, so any chunking
//! gives the same bytes.
//!
//! [`taps`] reads a taps file (whitespace-separated integers); [`wav`]
//! accepts a WAV header on input (16-bit PCM mono only, others refused with
//! the fix). [`device::DspDevice`] is the block's register interface (a
//! `device_port::Device`). The software stage on a core tile uses the same
//! engine.
#![forbid(unsafe_code)]

pub mod device;
pub mod taps;
pub mod wav;

/// Most taps a filter has.
pub const MAX_TAPS: usize = 1024;

/// A streaming FIR filter.
pub struct Fir {
    taps: Vec<i16>,
    /// The last `taps.len() - 1` input samples, oldest first.
    history: Vec<i16>,
    /// A byte of a sample cut by a chunk boundary.
    odd: Option<u8>,
}

/// One output sample from a window of `taps.len()` inputs (oldest first).
fn sample(taps: &[i16], window: &[i16]) -> i16 {
    let mut acc: i64 = 0;
    // h[k] multiplies x[n-k]: the newest input meets h[0].
    for (h, x) in taps.iter().zip(window.iter().rev()) {
        acc += i64::from(*h) * i64::from(*x);
    }
    let y = (acc + (1 << 14)) >> 15;
    y.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16
}

impl Fir {
    /// A filter with `taps` (1 to [`MAX_TAPS`]; checked by
    /// [`taps::parse`]).
    pub fn new(taps: Vec<i16>) -> Fir {
        let n = taps.len().max(1);
        Fir {
            taps,
            history: vec![0; n - 1],
            odd: None,
        }
    }

    /// The taps.
    pub fn taps(&self) -> &[i16] {
        &self.taps
    }

    /// Filters `samples`, appending as many to `out`.
    pub fn samples(&mut self, samples: &[i16], out: &mut Vec<i16>) {
        let keep = self.history.len();
        let mut window = std::mem::take(&mut self.history);
        window.extend_from_slice(samples);
        out.reserve(samples.len());
        for end in keep + 1..=window.len() {
            out.push(sample(&self.taps, &window[end - keep - 1..end]));
        }
        self.history = window[window.len() - keep..].to_vec();
    }

    /// Filters a chunk of little-endian PCM bytes, appending the output
    /// bytes to `out`. A chunk may end in the middle of a sample: its byte
    /// waits for the next chunk.
    pub fn bytes(&mut self, data: &[u8], out: &mut Vec<u8>) {
        let mut bytes = Vec::with_capacity(data.len() + 1);
        bytes.extend(self.odd.take());
        bytes.extend_from_slice(data);
        if bytes.len() % 2 == 1 {
            self.odd = bytes.pop();
        }
        let samples: Vec<i16> = bytes
            .chunks_exact(2)
            .map(|p| i16::from_le_bytes([p[0], p[1]]))
            .collect();
        let mut y = Vec::new();
        self.samples(&samples, &mut y);
        out.extend(y.iter().flat_map(|s| s.to_le_bytes()));
    }

    /// Whether a byte of an unfinished sample is left (the input ended in
    /// the middle of a sample: an error for 16-bit PCM).
    pub fn has_odd_byte(&self) -> bool {
        self.odd.is_some()
    }
}

/// The direct definition, sample by sample, for tests and references:
/// every output from the whole input at once.
pub fn reference(taps: &[i16], x: &[i16]) -> Vec<i16> {
    (0..x.len())
        .map(|n| {
            let mut acc: i128 = 0;
            for (k, h) in taps.iter().enumerate() {
                if let Some(m) = n.checked_sub(k) {
                    acc += i128::from(*h) * i128::from(x[m]);
                }
            }
            ((acc + (1 << 14)) >> 15).clamp(-32768, 32767) as i16
        })
        .collect()
}
