//! The ISP's parameters: `black=N`, `wb=R,G,B`, `gamma=srgb|linear`.

use crate::gamma::Gamma;

/// White-balance gains are Q4.12: 4096 is 1.0; at most 15.999….
pub const WB_ONE: u32 = 4096;

/// What the ISP does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Subtracted from every raw sample (in the frame's units).
    pub black: u16,
    /// Gains for R, G, B in Q4.12.
    pub wb: [u32; 3],
    /// The output curve.
    pub gamma: Gamma,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            black: 0,
            wb: [WB_ONE; 3],
            gamma: Gamma::Srgb,
        }
    }
}

/// A decimal like `1.5` or `2` in Q4.12, exactly rounded (no floating
/// point, so every platform agrees).
fn q12(s: &str) -> Option<u32> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if (int.is_empty() && frac.is_empty()) || frac.len() > 6 {
        return None;
    }
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    if !digits(int) || !digits(frac) {
        return None;
    }
    let int: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let scale = 10u64.pow(frac.len() as u32);
    let frac: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let value = (int.checked_mul(scale)? + frac) * u64::from(WB_ONE);
    let q = (value + scale / 2) / scale;
    (q < 16 * u64::from(WB_ONE)).then_some(q as u32)
}

impl Params {
    /// Parses `key=value` words (any order; unknown keys refused).
    pub fn parse(words: &str) -> Result<Params, String> {
        let mut p = Params::default();
        for w in words.split_whitespace() {
            let (k, v) = w
                .split_once('=')
                .ok_or_else(|| format!("isp: `{w}` is not key=value"))?;
            match k {
                "black" => {
                    p.black = v
                        .parse()
                        .map_err(|_| format!("isp: black={v} is not a number 0..=65535"))?;
                }
                "wb" => {
                    let g: Vec<Option<u32>> = v.split(',').map(q12).collect();
                    match g.as_slice() {
                        [Some(r), Some(g), Some(b)] => p.wb = [*r, *g, *b],
                        _ => {
                            return Err(format!(
                                "isp: wb={v} is not three gains R,G,B (decimals from 0 to below 16, e.g. wb=2,1,1.5)"
                            ));
                        }
                    }
                }
                "gamma" => {
                    p.gamma = match v {
                        "srgb" => Gamma::Srgb,
                        "linear" => Gamma::Linear,
                        _ => return Err(format!("isp: gamma={v}; use gamma=srgb or gamma=linear")),
                    }
                }
                _ => {
                    return Err(format!(
                        "isp: unknown parameter `{k}` (black=N, wb=R,G,B, gamma=srgb|linear)"
                    ));
                }
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn gains_are_exact_fixed_point() {
        assert_eq!(q12("1"), Some(4096));
        assert_eq!(q12("1.5"), Some(6144));
        assert_eq!(q12(".25"), Some(1024));
        assert_eq!(q12("0.0001"), Some(0));
        assert_eq!(q12("0.0002"), Some(1));
        assert_eq!(q12("16"), None);
        assert_eq!(q12("1e3"), None);
        assert_eq!(q12("-1"), None);
        assert_eq!(q12("."), None);
    }

    #[test]
    fn parameters_parse_or_say_what_to_write() {
        let p = Params::parse("wb=2,1,1.5 black=64 gamma=linear").unwrap();
        assert_eq!(p.black, 64);
        assert_eq!(p.wb, [8192, 4096, 6144]);
        assert_eq!(p.gamma, Gamma::Linear);
        assert_eq!(Params::parse("").unwrap(), Params::default());
        for (bad, why) in [
            ("black=-1", "black=-1 is not a number"),
            ("wb=1,1", "three gains"),
            ("gamma=2.2", "use gamma=srgb or gamma=linear"),
            ("sharpen=1", "unknown parameter `sharpen`"),
            ("black", "not key=value"),
        ] {
            let e = Params::parse(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
