//! What the `fcopy` sample and its tests agree on: the bytes it generates
//! and the checksum it prints.
#![forbid(unsafe_code)]

/// Byte `i` of the generated content with `seed` (an xorshift of the
/// index: no period a chunk size could line up with).
pub fn byte(i: u64, seed: u64) -> u8 {
    let mut x = i.wrapping_add(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> 24) as u8
}

/// FNV-1a over bytes, continued from `h` (start with [`FNV_START`]).
pub fn fnv(mut h: u64, data: &[u8]) -> u64 {
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// FNV-1a's offset basis.
pub const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;
