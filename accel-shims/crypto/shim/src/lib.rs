//! `crypto-shim`: the crypto tile's driver — how the controller drives the
//! crypto block's registers (`crypto_model::device`, the vendor's
//! interface) for the two stages the tile serves:
//!
//! - `aes-ctr` (`key=HEX|@FILE iv=HEX`): the key and IV go into `KEY*` and
//!   `IV*`, the first job LOADs them, every job encrypts its buffer in
//!   place of the output (the block continues the keystream across jobs);
//! - `sha256`: every job feeds the digest, the end FINISHes it and the
//!   32 bytes of `DIGEST*` are the output.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::format;

use accel_controller::{Driver, Failure, ParamFiles, Port, Step, check_status, param_file};
use crypto_model::device::{ctrl, err, reg, status};
use crypto_model::hex;
use filter_proto::Job;

/// Which stage the tile runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Op {
    #[default]
    Aes,
    Sha,
}

/// The crypto block's driver.
#[derive(Debug, Default)]
pub struct CryptoDriver {
    op: Op,
    /// No job has run yet (the next one LOADs).
    loaded: bool,
    /// What the job in flight will have produced.
    out: u64,
    /// The job in flight is SHA-256's finish (its output is the digest).
    finishing: bool,
    /// Where the job in flight puts its output.
    out_at: u64,
    /// A step without a device job.
    idle: Option<Step>,
}

impl CryptoDriver {
    fn go(&mut self, port: &dyn Port, op: u64) {
        let load = if self.loaded { 0 } else { ctrl::LOAD };
        self.loaded = true;
        port.write(reg::CTRL, ctrl::START | op | load);
    }
}

/// The words for an error code of `STATUS`.
fn describe(code: u64) -> &'static str {
    match code {
        err::RANGE => "a job's buffers leave the local buffers",
        err::NO_KEY => "AES without a loaded key",
        err::KEY_LEN => "a key that is not 16 or 32 bytes",
        err::OP => "an operation the block does not have",
        _ => "an error code the block does not document",
    }
}

impl Driver for CryptoDriver {
    fn setup(
        &mut self,
        port: &dyn Port,
        job: &Job<'_>,
        files: &dyn ParamFiles,
    ) -> Result<(), Failure> {
        match job.param("op") {
            Some("aes-ctr") => self.op = Op::Aes,
            Some("sha256") => {
                self.op = Op::Sha;
                return Ok(());
            }
            other => {
                return Err(Failure::params(format!(
                    "the crypto tile runs op=aes-ctr or op=sha256, not {other:?}"
                )));
            }
        }
        let key = match job.param("key") {
            Some(k) if k.starts_with('@') => param_file(files, "key", &k[1..], 4096)?,
            Some(k) => k.into(),
            None => {
                return Err(Failure::params(
                    "aes-ctr needs key=HEX (or key=@FILE) and iv=HEX",
                ));
            }
        };
        let key = hex::key(&key).map_err(|e| Failure::params(format!("aes-ctr key: {e}")))?;
        let iv = job
            .param("iv")
            .ok_or_else(|| Failure::params("aes-ctr needs iv=HEX (32 hex digits)"))?;
        let iv = hex::iv(iv).map_err(|e| Failure::params(format!("aes-ctr iv: {e}")))?;
        port.write(reg::KEY_LEN, key.len() as u64);
        let mut k = [0u8; 32];
        k[..key.len()].copy_from_slice(&key);
        for (i, w) in k.chunks(8).enumerate() {
            port.write(reg::KEY0 + i as u16, word(w));
        }
        for (i, w) in iv.chunks(8).enumerate() {
            port.write(reg::IV0 + i as u16, word(w));
        }
        Ok(())
    }

    fn start(
        &mut self,
        port: &dyn Port,
        src: u64,
        len: u64,
        _cap: u64,
        dst: u64,
        room: u64,
    ) -> Result<(), Failure> {
        self.finishing = false;
        match (self.op, len) {
            (Op::Aes, 0) => self.idle = Some(Step::Done(0)),
            (Op::Aes, _) => {
                if len > room {
                    return Err(Failure::device("an AES job larger than its output room"));
                }
                port.write(reg::SRC, src);
                port.write(reg::DST, dst);
                port.write(reg::LEN, len);
                self.out = len;
                self.go(port, ctrl::OP_AES);
            }
            (Op::Sha, _) => {
                port.write(reg::SRC, src);
                port.write(reg::LEN, len);
                self.out = 0;
                if len == 0 {
                    if room < 32 {
                        return Err(Failure::device("no room for the digest"));
                    }
                    self.finishing = true;
                    self.go(port, ctrl::OP_SHA_FINISH);
                } else {
                    self.go(port, ctrl::OP_SHA_UPDATE);
                }
            }
        }
        // The output offset, for the digest.
        self.out_at = dst;
        Ok(())
    }

    fn step(&mut self, port: &dyn Port) -> Result<Step, Failure> {
        if let Some(s) = self.idle.take() {
            return Ok(s);
        }
        let st = port.read(reg::STATUS);
        check_status("crypto", st, status::ERROR_SHIFT, status::DONE, describe)?;
        if self.finishing {
            let mut d = [0u8; 32];
            for (i, w) in d.chunks_mut(8).enumerate() {
                w.copy_from_slice(&port.read(reg::DIGEST0 + i as u16).to_le_bytes());
            }
            if !port.write_buffer(self.out_at, &d) {
                return Err(Failure::device("the digest does not fit the buffers"));
            }
            return Ok(Step::Done(32));
        }
        Ok(Step::Done(self.out))
    }

    fn more(&mut self, _: &dyn Port, _: u64, _: u64) -> Result<(), Failure> {
        Err(Failure::device("the crypto block has no further output"))
    }
}

/// Eight bytes as a register value, the first byte in bits 0–7.
fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(w)
}
