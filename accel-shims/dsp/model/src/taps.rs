//! The taps file: Q15 coefficients as whitespace-separated integers.

/// Why a taps file is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TapsError {
    /// A word that is not an integer in −32768..=32767: line, word.
    Bad(usize, String),
    /// No taps at all.
    Empty,
    /// More than [`crate::MAX_TAPS`].
    TooMany(usize),
}

impl std::fmt::Display for TapsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TapsError::Bad(line, w) => write!(
                f,
                "line {line}: `{w}` is not a Q15 tap (an integer from -32768 to 32767)"
            ),
            TapsError::Empty => f.write_str("the taps file has no taps"),
            TapsError::TooMany(n) => {
                write!(f, "{n} taps; at most {} are supported", crate::MAX_TAPS)
            }
        }
    }
}

impl std::error::Error for TapsError {}

/// The taps in `text`.
pub fn parse(text: &str) -> Result<Vec<i16>, TapsError> {
    let mut taps = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for w in line.split_whitespace() {
            let t = w
                .parse::<i16>()
                .map_err(|_| TapsError::Bad(n + 1, w.chars().take(40).collect()))?;
            taps.push(t);
        }
    }
    match taps.len() {
        0 => Err(TapsError::Empty),
        n if n > crate::MAX_TAPS => Err(TapsError::TooMany(n)),
        _ => Ok(taps),
    }
}
