//! The ISP block's register interface, as its vendor documents it.
//!
//! The block takes the PGM byte stream in jobs of any length and keeps the
//! PPM bytes it produced in an output FIFO, which DRAIN jobs move into the
//! local buffers (a frame's output is about three times its input, and
//! rows leave two rows late).
//!
//! | reg | name | access | meaning |
//! |---|---|---|---|
//! | 0 | `CTRL` | w | bit 0 START; bits 1–2 OP (0 PUSH `LEN` bytes at `SRC`, 1 FINISH the frame, 2 DRAIN up to `LEN` bytes of output to `DST`); bit 3 LOAD (begin a new frame with `BLACK`, `WB_*`, `GAMMA` first) |
//! | 1 | `STATUS` | r | bit 0 BUSY, bit 1 DONE, bit 2 MORE (output waits in the FIFO), bits 8–15 ERROR ([`err`]) |
//! | 2 | `SRC` | rw | input offset in the local buffers |
//! | 3 | `DST` | rw | output offset |
//! | 4 | `LEN` | rw | bytes to push, or room at `DST` to drain into |
//! | 5 | `OUT_LEN` | r | bytes the last DRAIN wrote |
//! | 6 | `BLACK` | rw | black level, in the frame's units |
//! | 7–9 | `WB_R`, `WB_G`, `WB_B` | rw | white-balance gains, Q4.12 (4096 = 1.0) |
//! | 10 | `GAMMA` | rw | 0 sRGB, 1 linear |
//! | 11 | `WIDTH` | r | the frame's width once its header is in |
//! | 12 | `HEIGHT` | r | its height |

use std::collections::VecDeque;

use device_port::{Buffers, Device};

use crate::{Gamma, Isp, IspError, Params};

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
    /// Length.
    pub const LEN: u16 = 4;
    /// Bytes drained by the last DRAIN.
    pub const OUT_LEN: u16 = 5;
    /// Black level.
    pub const BLACK: u16 = 6;
    /// Red gain (Q4.12).
    pub const WB_R: u16 = 7;
    /// Green gain.
    pub const WB_G: u16 = 8;
    /// Blue gain.
    pub const WB_B: u16 = 9;
    /// Gamma curve.
    pub const GAMMA: u16 = 10;
    /// Frame width.
    pub const WIDTH: u16 = 11;
    /// Frame height.
    pub const HEIGHT: u16 = 12;
}

/// `CTRL` bits.
pub mod ctrl {
    /// Start a job.
    pub const START: u64 = 1;
    /// Push input.
    pub const OP_PUSH: u64 = 0;
    /// End of the frame's input.
    pub const OP_FINISH: u64 = 1 << 1;
    /// Move output into the local buffers.
    pub const OP_DRAIN: u64 = 2 << 1;
    /// Begin a new frame.
    pub const LOAD: u64 = 1 << 3;
}

/// `STATUS` bits.
pub mod status {
    /// A job runs.
    pub const BUSY: u64 = 1;
    /// The last job ended.
    pub const DONE: u64 = 2;
    /// Output waits in the FIFO.
    pub const MORE: u64 = 4;
    /// The error code's shift.
    pub const ERROR_SHIFT: u32 = 8;
}

/// Error codes in `STATUS`.
pub mod err {
    /// Outside the local buffers.
    pub const RANGE: u64 = 1;
    /// The input is not a valid PGM (header, black level, truncation).
    pub const FORMAT: u64 = 2;
    /// PUSH before LOAD, or after an error.
    pub const NO_FRAME: u64 = 3;
    /// Parameters out of range (gains ≥ 16.0, GAMMA not 0 or 1).
    pub const PARAMS: u64 = 4;
    /// An OP that does not exist.
    pub const OP: u64 = 5;
}

/// The ISP block.
pub struct IspDevice {
    regs: [u64; 13],
    pending: u64,
    isp: Option<Isp>,
    fifo: VecDeque<u8>,
    /// The last format error, for the log.
    last_error: Option<IspError>,
}

impl Default for IspDevice {
    fn default() -> Self {
        let mut regs = [0u64; 13];
        regs[usize::from(reg::WB_R)] = 4096;
        regs[usize::from(reg::WB_G)] = 4096;
        regs[usize::from(reg::WB_B)] = 4096;
        IspDevice {
            regs,
            pending: 0,
            isp: None,
            fifo: VecDeque::new(),
            last_error: None,
        }
    }
}

impl IspDevice {
    /// A block after reset.
    pub fn new() -> IspDevice {
        IspDevice::default()
    }

    /// The last format error (the status has only its code).
    pub fn last_error(&self) -> Option<&IspError> {
        self.last_error.as_ref()
    }

    fn r(&self, i: u16) -> u64 {
        self.regs[usize::from(i)]
    }

    fn params(&self) -> Result<Params, u64> {
        let gain = |i| {
            u32::try_from(self.r(i))
                .ok()
                .filter(|g| *g < 16 * crate::params::WB_ONE)
                .ok_or(err::PARAMS)
        };
        Ok(Params {
            black: u16::try_from(self.r(reg::BLACK)).map_err(|_| err::PARAMS)?,
            wb: [gain(reg::WB_R)?, gain(reg::WB_G)?, gain(reg::WB_B)?],
            gamma: match self.r(reg::GAMMA) {
                0 => Gamma::Srgb,
                1 => Gamma::Linear,
                _ => return Err(err::PARAMS),
            },
        })
    }

    fn job(&mut self, bufs: &dyn Buffers) -> Result<(), u64> {
        let c = self.pending;
        let op = (c >> 1) & 3;
        if c & ctrl::LOAD != 0 {
            self.isp = Some(Isp::new(self.params()?));
            self.fifo.clear();
            self.last_error = None;
        }
        let size = usize::try_from(bufs.len()).unwrap_or(usize::MAX);
        let len = usize::try_from(self.r(reg::LEN)).map_err(|_| err::RANGE)?;
        match op {
            0 | 1 => {
                let isp = self.isp.as_mut().ok_or(err::NO_FRAME)?;
                let mut out = Vec::new();
                let r = if op == 0 {
                    let src = device_port::range(self.regs[usize::from(reg::SRC)], len, size)
                        .ok_or(err::RANGE)?;
                    let mut data = vec![0u8; len];
                    if !bufs.read(src.start as u64, &mut data) {
                        return Err(err::RANGE);
                    }
                    isp.push(&data, &mut out)
                } else {
                    isp.finish(&mut out)
                };
                if let Some(h) = isp.header() {
                    self.regs[usize::from(reg::WIDTH)] = h.width as u64;
                    self.regs[usize::from(reg::HEIGHT)] = h.height as u64;
                }
                self.fifo.extend(out);
                if let Err(e) = r {
                    self.isp = None;
                    self.last_error = Some(e);
                    return Err(err::FORMAT);
                }
            }
            2 => {
                let n = len.min(self.fifo.len());
                let dst = device_port::range(self.r(reg::DST), n, size).ok_or(err::RANGE)?;
                let chunk: Vec<u8> = self.fifo.drain(..n).collect();
                if !bufs.write(dst.start as u64, &chunk) {
                    return Err(err::RANGE);
                }
                self.regs[usize::from(reg::OUT_LEN)] = n as u64;
            }
            _ => return Err(err::OP),
        }
        Ok(())
    }
}

impl Device for IspDevice {
    fn read(&mut self, r: u16) -> u64 {
        match r {
            reg::STATUS => {
                self.regs[usize::from(reg::STATUS)]
                    | if self.fifo.is_empty() {
                        0
                    } else {
                        status::MORE
                    }
            }
            _ => self.regs.get(usize::from(r)).copied().unwrap_or(0),
        }
    }

    fn write(&mut self, r: u16, v: u64) -> bool {
        match r {
            reg::CTRL if v & ctrl::START != 0 => {
                self.pending = v;
                self.regs[usize::from(reg::STATUS)] = status::BUSY;
                self.regs[usize::from(reg::OUT_LEN)] = 0;
                return true;
            }
            reg::SRC
            | reg::DST
            | reg::LEN
            | reg::BLACK
            | reg::WB_R
            | reg::WB_G
            | reg::WB_B
            | reg::GAMMA => self.regs[usize::from(r)] = v,
            _ => {}
        }
        false
    }

    fn run(&mut self, bufs: &dyn Buffers) {
        self.regs[usize::from(reg::STATUS)] = match self.job(bufs) {
            Ok(()) => status::DONE,
            Err(e) => status::DONE | (e << status::ERROR_SHIFT),
        };
    }

    fn busy_status(&self) -> (u16, u64) {
        (reg::STATUS, status::BUSY)
    }
}
