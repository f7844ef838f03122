//! Keys and IVs in hex, as `openssl enc -K … -iv …` takes them.

/// Why a hex string is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HexError {
    /// A character that is not a hex digit, at this position (0-based).
    NotHex(usize),
    /// An odd number of digits.
    Odd,
    /// Not the length wanted: bytes given, bytes wanted (in words).
    Length(usize, &'static str),
}

impl std::fmt::Display for HexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HexError::NotHex(i) => write!(f, "character {} is not a hex digit", i + 1),
            HexError::Odd => f.write_str("an odd number of hex digits (two per byte)"),
            HexError::Length(n, want) => write!(f, "{n} bytes, expected {want}"),
        }
    }
}

impl std::error::Error for HexError {}

/// The bytes of `s` (hex digits, either case; no prefix or spaces).
pub fn decode(s: &str) -> Result<Vec<u8>, HexError> {
    let s = s.trim();
    if let Some(i) = s.find(|c: char| !c.is_ascii_hexdigit()) {
        return Err(HexError::NotHex(i));
    }
    if s.len() % 2 == 1 {
        return Err(HexError::Odd);
    }
    Ok(s.as_bytes()
        .chunks(2)
        .map(|p| {
            let d = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            d(p[0]) << 4 | d(p[1])
        })
        .collect())
}

/// A 16-byte IV (32 hex digits).
pub fn iv(s: &str) -> Result<[u8; 16], HexError> {
    let b = decode(s)?;
    b.as_slice()
        .try_into()
        .map_err(|_| HexError::Length(b.len(), "16 (32 hex digits)"))
}

/// A key of 16 or 32 bytes.
pub fn key(s: &str) -> Result<Vec<u8>, HexError> {
    let b = decode(s)?;
    match b.len() {
        16 | 32 => Ok(b),
        n => Err(HexError::Length(n, "16 (AES-128) or 32 (AES-256)")),
    }
}

/// Lower-case hex of `b`.
pub fn encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
