//! `isp-model`: the ISP accelerator's engine.
//!
//! A Bayer RGGB raw frame as PGM (P5; 8-bit samples, or 16-bit big-endian
//! ones when maxval > 255, any maxval up to 65535) becomes an 8-bit RGB
//! PPM (P6) of the same size:
//!
//! 1. **black level**: `max(raw − black, 0)`, scaled so `maxval − black`
//!    is 65535 (16-bit linear, rounded);
//! 2. **white balance**: the sample's CFA colour gain (Q4.12), clamped;
//! 3. **demosaic**: Malvar–He–Cutler (2004), the 5×5 gradient-corrected
//!    linear kernels, in integers with rounding to nearest and
//!    mirror-reflected borders (so any width and height work, odd ones
//!    too); each estimate is limited to the range of the same-colour
//!    samples it lies between, so the correction sharpens without halos
//!    (in linear light, the gamma curve would magnify them in the shadows:
//!    unlimited, the kernels score below bilinear on the test photographs;
//!    limited, 2.5 dB above it);
//! 4. **gamma**: sRGB or linear, by a table of integer thresholds.
//!
//! Everything is fixed point, so the accelerator's model and the software
//! stage (the same code) give the same bytes on any platform. [`Isp`]
//! streams: bytes arrive in chunks of any size, rows leave as soon as the
//! two rows below them are in (a 5-row window, as a line-buffered block
//! would hold). [`device::IspDevice`] is the block's register interface (a
//! `device_port::Device`).
#![forbid(unsafe_code)]

pub mod device;
pub mod gamma;
pub mod params;
pub mod pnm;

pub use gamma::Gamma;
pub use params::Params;
pub use pnm::{PgmHeader, PnmError};

/// Why a frame is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IspError {
    /// The header.
    Header(PnmError),
    /// The black level is not below maxval.
    Black(u16, u16),
    /// The raster ended early: bytes had, bytes needed.
    Short(usize, usize),
}

impl std::fmt::Display for IspError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IspError::Header(e) => e.fmt(f),
            IspError::Black(b, m) => write!(
                f,
                "black={b} is not below the frame's maxval {m}; give a smaller black level"
            ),
            IspError::Short(had, need) => write!(
                f,
                "the raster ends after {had} of its {need} bytes (a truncated frame)"
            ),
        }
    }
}

impl std::error::Error for IspError {}

/// The CFA colour at (x, y) of an RGGB mosaic: 0 R, 1 G, 2 B.
fn cfa(x: usize, y: usize) -> usize {
    match (y % 2, x % 2) {
        (0, 0) => 0,
        (1, 1) => 2,
        _ => 1,
    }
}

/// Mirror-reflects `i` into `0..n` without repeating the edge (…, 2, 1,
/// 0, 1, 2, …), which keeps the CFA parity.
fn reflect(i: isize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let n = n as isize;
    let mut i = i;
    loop {
        if i < 0 {
            i = -i;
        } else if i >= n {
            i = 2 * n - 2 - i;
        } else {
            return i as usize;
        }
    }
}

/// The streaming engine.
pub struct Isp {
    params: Params,
    lut: gamma::Lut,
    /// The header's bytes until it is complete.
    head: Vec<u8>,
    hdr: Option<PgmHeader>,
    /// Bytes of the current input row so far.
    partial: Vec<u8>,
    /// Input rows (linear, balanced) by row % 5.
    rows: Vec<Vec<u16>>,
    rows_in: usize,
    rows_out: usize,
    /// Raster bytes taken (beyond the raster: ignored).
    taken: usize,
}

impl Isp {
    /// An engine with `params`.
    pub fn new(params: Params) -> Isp {
        Isp {
            params,
            lut: gamma::Lut::new(params.gamma),
            head: Vec::new(),
            hdr: None,
            partial: Vec::new(),
            rows: vec![Vec::new(); 5],
            rows_in: 0,
            rows_out: 0,
            taken: 0,
        }
    }

    /// The frame's header, once read.
    pub fn header(&self) -> Option<PgmHeader> {
        self.hdr
    }

    /// Takes a chunk of the PGM; appends the PPM bytes that are ready to
    /// `out` (the header first).
    pub fn push(&mut self, mut data: &[u8], out: &mut Vec<u8>) -> Result<(), IspError> {
        let hdr = match self.hdr {
            Some(h) => h,
            None => {
                self.head.extend_from_slice(data);
                let h = match pnm::parse_pgm(&self.head) {
                    Ok(h) => h,
                    Err(PnmError::Incomplete) if self.head.len() < 4096 => return Ok(()),
                    Err(e) => return Err(IspError::Header(e)),
                };
                if self.params.black >= h.maxval {
                    return Err(IspError::Black(self.params.black, h.maxval));
                }
                self.hdr = Some(h);
                out.extend_from_slice(&pnm::ppm_header(h.width, h.height));
                let rest = std::mem::take(&mut self.head);
                return self.push(&rest[h.len..], out);
            }
        };
        let row_bytes = hdr.width * hdr.sample_bytes();
        while !data.is_empty() && self.rows_in < hdr.height {
            let n = (row_bytes - self.partial.len()).min(data.len());
            self.partial.extend_from_slice(&data[..n]);
            self.taken += n;
            data = &data[n..];
            if self.partial.len() == row_bytes {
                let row = std::mem::take(&mut self.partial);
                self.take_row(&hdr, &row);
                self.emit(&hdr, out);
            }
        }
        Ok(())
    }

    /// The input is complete: checks the raster was whole.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), IspError> {
        let Some(hdr) = self.hdr else {
            return Err(IspError::Header(
                pnm::parse_pgm(&self.head)
                    .err()
                    .unwrap_or(PnmError::Incomplete),
            ));
        };
        if self.rows_in < hdr.height {
            return Err(IspError::Short(self.taken, hdr.raster_bytes()));
        }
        self.emit(&hdr, out);
        Ok(())
    }

    /// Linearises, balances and keeps input row `rows_in`.
    fn take_row(&mut self, hdr: &PgmHeader, raw: &[u8]) {
        let y = self.rows_in;
        let black = u32::from(self.params.black);
        let span = u64::from(hdr.maxval) - u64::from(black);
        let row: Vec<u16> = (0..hdr.width)
            .map(|x| {
                let s = if hdr.sample_bytes() == 2 {
                    u32::from(u16::from_be_bytes([raw[2 * x], raw[2 * x + 1]]))
                } else {
                    u32::from(raw[x])
                };
                let v = u64::from(s.min(u32::from(hdr.maxval)).saturating_sub(black));
                let lin = (v * 65535 + span / 2) / span;
                let g = u64::from(self.params.wb[cfa(x, y)]);
                ((lin * g + u64::from(params::WB_ONE) / 2) / u64::from(params::WB_ONE)).min(65535)
                    as u16
            })
            .collect();
        self.rows[y % 5] = row;
        self.rows_in += 1;
    }

    /// Writes every output row whose window is complete.
    fn emit(&mut self, hdr: &PgmHeader, out: &mut Vec<u8>) {
        while self.rows_out < hdr.height
            && (self.rows_in > self.rows_out + 2 || self.rows_in == hdr.height)
        {
            self.demosaic_row(hdr, self.rows_out, out);
            self.rows_out += 1;
        }
    }

    fn demosaic_row(&self, hdr: &PgmHeader, y: usize, out: &mut Vec<u8>) {
        let (w, h) = (hdr.width, hdr.height);
        let px = |dx: isize, dy: isize, x: usize| -> i64 {
            let yy = reflect(y as isize + dy, h);
            let xx = reflect(x as isize + dx, w);
            i64::from(self.rows[yy % 5][xx])
        };
        out.reserve(3 * w);
        for x in 0..w {
            let p = |dx, dy| px(dx, dy, x);
            let c = p(0, 0);
            let cross1 = p(-1, 0) + p(1, 0) + p(0, -1) + p(0, 1);
            let cross2 = p(-2, 0) + p(2, 0) + p(0, -2) + p(0, 2);
            let diag = p(-1, -1) + p(1, -1) + p(-1, 1) + p(1, 1);
            let horiz1 = p(-1, 0) + p(1, 0);
            let vert1 = p(0, -1) + p(0, 1);
            let horiz2 = p(-2, 0) + p(2, 0);
            let vert2 = p(0, -2) + p(0, 2);
            // Malvar–He–Cutler kernels, in sixteenths.
            let g_at_rb = 8 * c + 4 * cross1 - 2 * cross2;
            // The colour of the horizontal neighbours at a green pixel.
            let along_row = 10 * c + 8 * horiz1 - 2 * horiz2 - 2 * diag + vert2;
            // The colour of the vertical neighbours at a green pixel.
            let along_col = 10 * c + 8 * vert1 - 2 * vert2 - 2 * diag + horiz2;
            let rb_at_br = 12 * c + 4 * diag - 3 * cross2;
            // Each estimate stays within the range of the same-colour
            // samples it is interpolated between: the kernels' gradient
            // correction sharpens, but never overshoots into halos (which
            // the gamma curve would magnify in the shadows).
            let range = |set: &[(isize, isize)]| {
                let v = set.iter().map(|(dx, dy)| p(*dx, *dy));
                let lo = v.clone().min().unwrap_or(0);
                let hi = v.max().unwrap_or(0);
                (lo << 4, hi << 4)
            };
            let cross = range(&[(-1, 0), (1, 0), (0, -1), (0, 1)]);
            let diag4 = range(&[(-1, -1), (1, -1), (-1, 1), (1, 1)]);
            let row = range(&[(-1, 0), (1, 0)]);
            let col = range(&[(0, -1), (0, 1)]);
            let within = |v: i64, (lo, hi): (i64, i64)| v.clamp(lo, hi);
            let sixteenths = |v: i64| ((v + 8) >> 4).clamp(0, 65535) as u16;
            let [r, g, b] = match (cfa(x, y), y % 2) {
                (0, _) => [c << 4, within(g_at_rb, cross), within(rb_at_br, diag4)],
                (2, _) => [within(rb_at_br, diag4), within(g_at_rb, cross), c << 4],
                // Green in a red row: red left and right, blue above and below.
                (_, 0) => [within(along_row, row), c << 4, within(along_col, col)],
                // Green in a blue row.
                _ => [within(along_col, col), c << 4, within(along_row, row)],
            };
            out.extend([
                self.lut.get(sixteenths(r)),
                self.lut.get(sixteenths(g)),
                self.lut.get(sixteenths(b)),
            ]);
        }
    }
}

/// The whole frame at once (for tests and small tools).
pub fn process(pgm: &[u8], params: Params) -> Result<Vec<u8>, IspError> {
    let mut isp = Isp::new(params);
    let mut out = Vec::new();
    isp.push(pgm, &mut out)?;
    isp.finish(&mut out)?;
    Ok(out)
}
