//! The DSP block's register interface, as its vendor documents it.
//!
//! | reg | name | access | meaning |
//! |---|---|---|---|
//! | 0 | `CTRL` | w | bit 0 START; bits 1–2 OP (0 FILTER, 1 LOAD_TAPS); bit 3 RESET (clear the history and a held byte first) |
//! | 1 | `STATUS` | r | bit 0 BUSY, bit 1 DONE, bits 8–15 ERROR ([`err`]) |
//! | 2 | `SRC` | rw | input offset in the local buffers |
//! | 3 | `DST` | rw | output offset (FILTER) |
//! | 4 | `LEN` | rw | input bytes: 16-bit little-endian samples (FILTER) or Q15 taps (LOAD_TAPS) |
//! | 5 | `NTAPS` | r | taps loaded |
//! | 6 | `OUT_LEN` | r | bytes the last FILTER wrote (a sample cut by the end of a job is held for the next: `LEN ± 1`; leave `LEN + 1` bytes at `DST`) |
//! | 7 | `SAMPLES` | r | samples the last FILTER produced |

use device_port::{Buffers, Device};

use crate::Fir;

/// Register indices.
pub mod reg {
    /// Control (write).
    pub const CTRL: u16 = 0;
    /// Status (read).
    pub const STATUS: u16 = 1;
    /// Input offset.
    pub const SRC: u16 = 2;
    /// Output offset.
    pub const DST: u16 = 3;
    /// Input length.
    pub const LEN: u16 = 4;
    /// Taps loaded.
    pub const NTAPS: u16 = 5;
    /// Output length of the last job.
    pub const OUT_LEN: u16 = 6;
    /// Samples of the last job.
    pub const SAMPLES: u16 = 7;
}

/// `CTRL` bits.
pub mod ctrl {
    /// Start a job.
    pub const START: u64 = 1;
    /// Operation: filter.
    pub const OP_FILTER: u64 = 0;
    /// Operation: load taps.
    pub const OP_LOAD_TAPS: u64 = 1 << 1;
    /// Clear the history first.
    pub const RESET: u64 = 1 << 3;
}

/// `STATUS` bits.
pub mod status {
    /// A job runs.
    pub const BUSY: u64 = 1;
    /// The last job ended.
    pub const DONE: u64 = 2;
    /// The error code's shift.
    pub const ERROR_SHIFT: u32 = 8;
}

/// Error codes in `STATUS`.
pub mod err {
    /// Outside the local buffers.
    pub const RANGE: u64 = 1;
    /// FILTER before any taps.
    pub const NO_TAPS: u64 = 2;
    /// LOAD_TAPS of 0 taps, more than `MAX_TAPS`, or an odd length.
    pub const TAPS: u64 = 3;
    /// An OP that does not exist.
    pub const OP: u64 = 4;
}

/// The DSP block.
#[derive(Default)]
pub struct DspDevice {
    src: u64,
    dst: u64,
    len: u64,
    status: u64,
    out_len: u64,
    samples: u64,
    pending: u64,
    fir: Option<Fir>,
}

impl DspDevice {
    /// A block after reset.
    pub fn new() -> DspDevice {
        DspDevice::default()
    }

    fn job(&mut self, bufs: &dyn Buffers) -> Result<(), u64> {
        let c = self.pending;
        let len = usize::try_from(self.len).map_err(|_| err::RANGE)?;
        let size = usize::try_from(bufs.len()).unwrap_or(usize::MAX);
        let src = device_port::range(self.src, len, size).ok_or(err::RANGE)?;
        let mut data = vec![0u8; len];
        if !bufs.read(src.start as u64, &mut data) {
            return Err(err::RANGE);
        }
        match (c >> 1) & 3 {
            0 => {
                let fir = self.fir.as_mut().ok_or(err::NO_TAPS)?;
                if c & ctrl::RESET != 0 {
                    *fir = Fir::new(fir.taps().to_vec());
                }
                let mut out = Vec::with_capacity(len + 1);
                fir.bytes(&data, &mut out);
                let dst = device_port::range(self.dst, out.len(), size).ok_or(err::RANGE)?;
                if !bufs.write(dst.start as u64, &out) {
                    return Err(err::RANGE);
                }
                self.out_len = out.len() as u64;
                self.samples = self.out_len / 2;
            }
            1 => {
                if len == 0 || len % 2 == 1 || len / 2 > crate::MAX_TAPS {
                    return Err(err::TAPS);
                }
                let taps = data
                    .chunks_exact(2)
                    .map(|p| i16::from_le_bytes([p[0], p[1]]))
                    .collect();
                self.fir = Some(Fir::new(taps));
            }
            _ => return Err(err::OP),
        }
        Ok(())
    }
}

impl Device for DspDevice {
    fn read(&mut self, r: u16) -> u64 {
        match r {
            reg::STATUS => self.status,
            reg::SRC => self.src,
            reg::DST => self.dst,
            reg::LEN => self.len,
            reg::NTAPS => self.fir.as_ref().map_or(0, |f| f.taps().len() as u64),
            reg::OUT_LEN => self.out_len,
            reg::SAMPLES => self.samples,
            _ => 0,
        }
    }

    fn write(&mut self, r: u16, v: u64) -> bool {
        match r {
            reg::CTRL if v & ctrl::START != 0 => {
                self.pending = v;
                self.status = status::BUSY;
                self.out_len = 0;
                self.samples = 0;
                return true;
            }
            reg::SRC => self.src = v,
            reg::DST => self.dst = v,
            reg::LEN => self.len = v,
            _ => {}
        }
        false
    }

    fn run(&mut self, bufs: &dyn Buffers) {
        self.status = match self.job(bufs) {
            Ok(()) => status::DONE,
            Err(e) => status::DONE | (e << status::ERROR_SHIFT),
        };
    }

    fn busy_status(&self) -> (u16, u64) {
        (reg::STATUS, status::BUSY)
    }
}
