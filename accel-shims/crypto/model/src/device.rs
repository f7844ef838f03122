//! The crypto block's register interface, as its vendor documents it.
//!
//! | reg | name | access | meaning |
//! |---|---|---|---|
//! | 0 | `CTRL` | w | bit 0 START; bits 1–2 OP (0 AES-CTR, 1 SHA-256 update, 2 SHA-256 finish); bit 3 LOAD (AES: load `KEY`/`IV` into the engine first; SHA: begin a new digest first) |
//! | 1 | `STATUS` | r | bit 0 BUSY, bit 1 DONE, bits 8–15 ERROR ([`err`]) |
//! | 2 | `KEY_LEN` | rw | 16 or 32 |
//! | 3–6 | `KEY0..3` | w | the key, 8 bytes per register, first byte in bits 0–7 |
//! | 7–8 | `IV0..1` | w | the initial counter block, likewise |
//! | 9 | `SRC` | rw | offset of the input in the local buffers |
//! | 10 | `DST` | rw | offset of the output (AES; may equal `SRC`) |
//! | 11 | `LEN` | rw | bytes to process |
//! | 12–15 | `DIGEST0..3` | r | the SHA-256 digest after a finish, first byte in bits 0–7 of `DIGEST0` |
//! | 16 | `BLOCKS` | r | blocks the last job processed (16-byte AES blocks begun, 64-byte SHA blocks completed) |
//!
//! AES-CTR continues its keystream across jobs until the next LOAD, so a
//! stream may be cut into jobs of any length; so does SHA-256 until a
//! finish.

use device_port::{Buffers, Device};

use crate::{AesCtr, Sha256};

/// Register indices.
pub mod reg {
    /// Control (write).
    pub const CTRL: u16 = 0;
    /// Status (read).
    pub const STATUS: u16 = 1;
    /// Key length in bytes.
    pub const KEY_LEN: u16 = 2;
    /// First key register.
    pub const KEY0: u16 = 3;
    /// First IV register.
    pub const IV0: u16 = 7;
    /// Input offset.
    pub const SRC: u16 = 9;
    /// Output offset.
    pub const DST: u16 = 10;
    /// Length.
    pub const LEN: u16 = 11;
    /// First digest register.
    pub const DIGEST0: u16 = 12;
    /// Blocks of the last job.
    pub const BLOCKS: u16 = 16;
}

/// `CTRL` bits.
pub mod ctrl {
    /// Start a job.
    pub const START: u64 = 1;
    /// Operation: AES-CTR.
    pub const OP_AES: u64 = 0 << 1;
    /// Operation: feed SHA-256.
    pub const OP_SHA_UPDATE: u64 = 1 << 1;
    /// Operation: feed and finish SHA-256.
    pub const OP_SHA_FINISH: u64 = 2 << 1;
    /// Load the key and IV (AES) or begin a digest (SHA) first.
    pub const LOAD: u64 = 1 << 3;
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
    /// `SRC`/`DST` + `LEN` leave the local buffers.
    pub const RANGE: u64 = 1;
    /// AES without a loaded key.
    pub const NO_KEY: u64 = 2;
    /// `KEY_LEN` is not 16 or 32.
    pub const KEY_LEN: u64 = 3;
    /// An OP that does not exist.
    pub const OP: u64 = 4;
}

/// The crypto block.
#[derive(Default)]
pub struct CryptoDevice {
    key: [u8; 32],
    key_len: u64,
    iv: [u8; 16],
    src: u64,
    dst: u64,
    len: u64,
    status: u64,
    digest: [u8; 32],
    blocks: u64,
    /// The job a START asked for.
    pending: u64,
    aes: Option<AesCtr>,
    sha: Option<Sha256>,
}

fn put_word(bytes: &mut [u8], i: usize, v: u64) {
    bytes[8 * i..8 * i + 8].copy_from_slice(&v.to_le_bytes());
}

fn get_word(bytes: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[8 * i..8 * i + 8]);
    u64::from_le_bytes(w)
}

impl CryptoDevice {
    /// A block after reset.
    pub fn new() -> CryptoDevice {
        CryptoDevice::default()
    }

    fn job(&mut self, bufs: &dyn Buffers) -> Result<(), u64> {
        let c = self.pending;
        let op = (c >> 1) & 3;
        let len = usize::try_from(self.len).map_err(|_| err::RANGE)?;
        let size = usize::try_from(bufs.len()).unwrap_or(usize::MAX);
        let src = device_port::range(self.src, len, size).ok_or(err::RANGE)?;
        let mut data = vec![0u8; len];
        if !bufs.read(src.start as u64, &mut data) {
            return Err(err::RANGE);
        }
        match op {
            0 => {
                if c & ctrl::LOAD != 0 {
                    let klen = match self.key_len {
                        16 => 16,
                        32 => 32,
                        _ => return Err(err::KEY_LEN),
                    };
                    self.aes = AesCtr::new(&self.key[..klen], self.iv).ok();
                }
                let aes = self.aes.as_mut().ok_or(err::NO_KEY)?;
                let dst = device_port::range(self.dst, len, size).ok_or(err::RANGE)?;
                aes.apply(&mut data);
                if !bufs.write(dst.start as u64, &data) {
                    return Err(err::RANGE);
                }
                self.blocks = self.len.div_ceil(16);
            }
            1 | 2 => {
                if c & ctrl::LOAD != 0 || self.sha.is_none() {
                    self.sha = Some(Sha256::new());
                }
                let sha = self.sha.as_mut().ok_or(err::OP)?;
                let before = sha.len() / 64;
                sha.update(&data);
                self.blocks = sha.len() / 64 - before;
                if op == 2 {
                    self.digest = self.sha.take().map(Sha256::finish).unwrap_or_default();
                }
            }
            _ => return Err(err::OP),
        }
        Ok(())
    }
}

impl Device for CryptoDevice {
    fn read(&mut self, r: u16) -> u64 {
        match r {
            reg::STATUS => self.status,
            reg::KEY_LEN => self.key_len,
            reg::SRC => self.src,
            reg::DST => self.dst,
            reg::LEN => self.len,
            reg::DIGEST0..=15 => get_word(&self.digest, usize::from(r - reg::DIGEST0)),
            reg::BLOCKS => self.blocks,
            _ => 0,
        }
    }

    fn write(&mut self, r: u16, v: u64) -> bool {
        match r {
            reg::CTRL if v & ctrl::START != 0 => {
                self.pending = v;
                self.status = status::BUSY;
                return true;
            }
            reg::KEY_LEN => self.key_len = v,
            reg::KEY0..=6 => put_word(&mut self.key, usize::from(r - reg::KEY0), v),
            reg::IV0..=8 => put_word(&mut self.iv, usize::from(r - reg::IV0), v),
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
