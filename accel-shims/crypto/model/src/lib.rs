//! `crypto-model`: the crypto accelerator's engines.
//!
//! The block a vendor would ship: AES-128 and AES-256 in CTR mode
//! ([`AesCtr`]) and SHA-256 ([`Sha256`]), each streaming — a job may be
//! cut into chunks of any size and the output is the same as in one piece.
//! The AES block function is RustCrypto's `aes`; the counter mode is this
//! crate's, exactly as NIST SP 800-38A defines it: the whole 16-byte
//! counter block is one big-endian integer, incremented per block and
//! wrapping at 2^128. SHA-256 is RustCrypto's `sha2` behind the engine's
//! streaming interface. Both are checked against the standards' vectors,
//! RustCrypto's `ctr` and `openssl enc` (tests/).
//!
//! [`device::CryptoDevice`] is the block's register interface (a
//! `device_port::Device`), as the shim drives it. The software stages on
//! core tiles use the same engines, so a tile and a core give identical
//! bytes.
#![forbid(unsafe_code)]

mod aes_ctr;
pub mod device;
pub mod hex;
mod sha256;

pub use aes_ctr::{AesCtr, KeyError};
pub use sha256::Sha256;
