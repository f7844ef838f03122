//! Netpbm headers: PGM (P5) in, PPM (P6) out.

/// A raw frame's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PgmHeader {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// The largest sample value (1..=65535; above 255 samples take two
    /// bytes, big-endian).
    pub maxval: u16,
    /// Bytes of the header (the raster starts there).
    pub len: usize,
}

impl PgmHeader {
    /// Bytes per sample.
    pub fn sample_bytes(&self) -> usize {
        if self.maxval > 255 { 2 } else { 1 }
    }

    /// Bytes of the raster.
    pub fn raster_bytes(&self) -> usize {
        self.width * self.height * self.sample_bytes()
    }
}

/// Why a header is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PnmError {
    /// More bytes are needed.
    Incomplete,
    /// Not a binary PGM: what it is instead.
    NotPgm(String),
    /// A field out of range or malformed: which, and the fix.
    Bad(String),
}

impl std::fmt::Display for PnmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PnmError::Incomplete => f.write_str("the PGM header is cut short"),
            PnmError::NotPgm(what) => write!(
                f,
                "not a binary PGM (P5) raw frame: {what}; give a Bayer RGGB frame as PGM (e.g. `pnmtopnm`/ImageMagick `-depth 16 pgm:`)"
            ),
            PnmError::Bad(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for PnmError {}

/// Largest width or height accepted.
pub const MAX_SIDE: usize = 1 << 15;

/// Parses a P5 header from the start of `b`: magic, width, height, maxval
/// (whitespace and `#` comments between), then exactly one whitespace byte.
pub fn parse_pgm(b: &[u8]) -> Result<PgmHeader, PnmError> {
    if b.len() < 2 {
        return Err(PnmError::Incomplete);
    }
    if &b[..2] != b"P5" {
        let what = match &b[..2] {
            b"P2" => "an ASCII PGM (P2)".to_owned(),
            b"P6" | b"P3" => "a colour PPM".to_owned(),
            b"P4" | b"P1" => "a bitmap (PBM)".to_owned(),
            _ => "it does not start with P5".to_owned(),
        };
        return Err(PnmError::NotPgm(what));
    }
    let mut at = 2;
    let mut fields = [0u64; 3];
    for (k, field) in fields.iter_mut().enumerate() {
        // Whitespace and comments before each field.
        loop {
            match b.get(at) {
                None => return Err(PnmError::Incomplete),
                Some(c) if c.is_ascii_whitespace() => at += 1,
                Some(b'#') => {
                    while b.get(at).is_some_and(|c| *c != b'\n') {
                        at += 1;
                    }
                    if at >= b.len() {
                        return Err(PnmError::Incomplete);
                    }
                }
                Some(_) => break,
            }
        }
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
            if at - start > 6 {
                return Err(PnmError::Bad("a PGM header number is too long".into()));
            }
        }
        if at == start {
            return Err(PnmError::Bad(format!(
                "the PGM header's {} is not a number",
                ["width", "height", "maxval"][k]
            )));
        }
        if at >= b.len() {
            return Err(PnmError::Incomplete);
        }
        *field = std::str::from_utf8(&b[start..at])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(u64::MAX);
    }
    if !b[at].is_ascii_whitespace() {
        return Err(PnmError::Bad(
            "the PGM header's maxval is not followed by whitespace".into(),
        ));
    }
    let [w, h, maxval] = fields;
    if w == 0 || h == 0 || w > MAX_SIDE as u64 || h > MAX_SIDE as u64 {
        return Err(PnmError::Bad(format!(
            "a {w}×{h} frame; width and height are 1 to {MAX_SIDE}"
        )));
    }
    if maxval == 0 || maxval > 65535 {
        return Err(PnmError::Bad(format!(
            "maxval {maxval}; Netpbm allows 1 to 65535"
        )));
    }
    Ok(PgmHeader {
        width: w as usize,
        height: h as usize,
        maxval: maxval as u16,
        len: at + 1,
    })
}

/// The header of an 8-bit PPM.
pub fn ppm_header(width: usize, height: usize) -> Vec<u8> {
    format!("P6\n{width} {height}\n255\n").into_bytes()
}
