//! Board URIs: which board a command talks to.

use std::path::PathBuf;

use crate::HostError;

/// The environment variable that may supply the default board URI.
pub const ENV_BOARD: &str = "TILEKIT_BOARD";

/// The demo board, embedded: what commands use when no board is named.
pub const DEMO_BOARD: &str = include_str!("../../../boards/demo.yaml");

/// A board, as named on a command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BoardUri {
    /// `sim:NAME`: a simulated board served by `tilekit sim`.
    Sim(String),
    /// `pcie:DDDD:BB:DD.F[?id=VVVV:DDDD]`: a board behind PCIe.
    Pcie(String),
    /// A board file, simulated in this process.
    File(PathBuf),
    /// The embedded demo board, simulated in this process.
    Demo,
}

impl BoardUri {
    /// Parses `sim:NAME`, `pcie:…` or a path to a board file.
    pub fn parse(text: &str) -> Result<Self, HostError> {
        let bad = |why: &str| HostError::Uri {
            uri: text.to_owned(),
            why: why.to_owned(),
        };
        if let Some(name) = text.strip_prefix("sim:") {
            let ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
            if !ok {
                return Err(bad(
                    "a simulated board's name is letters, digits, `-`, `_` and `.` (e.g. sim:demo)",
                ));
            }
            return Ok(BoardUri::Sim(name.to_owned()));
        }
        if text.starts_with("pcie:") {
            board_pcie::PcieUri::parse(text).map_err(|e| bad(&e.to_string()))?;
            return Ok(BoardUri::Pcie(text.to_owned()));
        }
        if text == "demo" {
            return Ok(BoardUri::Demo);
        }
        if text.contains(':') && !std::path::Path::new(text).exists() {
            return Err(bad(
                "not a board URI: use sim:NAME, pcie:DDDD:BB:DD.F, or the path of a board file",
            ));
        }
        Ok(BoardUri::File(PathBuf::from(text)))
    }

    /// The board named on the command line, else `TILEKIT_BOARD`, else the
    /// embedded demo board.
    pub fn or_default(given: Option<&str>) -> Result<Self, HostError> {
        Self::resolve(given, std::env::var(ENV_BOARD).ok().as_deref())
    }

    /// [`BoardUri::or_default`] with the environment's value given.
    pub fn resolve(given: Option<&str>, env: Option<&str>) -> Result<Self, HostError> {
        match (given, env) {
            (Some(t), _) => BoardUri::parse(t),
            (None, Some(t)) if !t.is_empty() => BoardUri::parse(t),
            _ => Ok(BoardUri::Demo),
        }
    }
}

impl std::fmt::Display for BoardUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BoardUri::Sim(n) => write!(f, "sim:{n}"),
            BoardUri::Pcie(p) => f.write_str(p),
            BoardUri::File(p) => write!(f, "{}", p.display()),
            BoardUri::Demo => f.write_str("the demo board"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn uris_parse_and_bad_ones_say_what_to_use() {
        assert_eq!(
            BoardUri::parse("sim:demo").unwrap(),
            BoardUri::Sim("demo".into())
        );
        assert_eq!(
            BoardUri::parse("boards/demo.yaml").unwrap(),
            BoardUri::File("boards/demo.yaml".into())
        );
        assert_eq!(
            BoardUri::parse("pcie:0000:01:00.0").unwrap(),
            BoardUri::Pcie("pcie:0000:01:00.0".into())
        );
        let e = BoardUri::parse("sim:").unwrap_err().to_string();
        assert!(e.contains("sim:demo"), "{e}");
        let e = BoardUri::parse("ftp:x").unwrap_err().to_string();
        assert!(e.contains("sim:NAME"), "{e}");
        assert!(BoardUri::parse("pcie:zz").is_err());
    }
}
