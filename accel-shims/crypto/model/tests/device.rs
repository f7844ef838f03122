//! The crypto block through its registers, as a shim drives it.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use std::sync::Arc;

use crypto_model::device::{CryptoDevice, ctrl, err, reg, status};
use crypto_model::{AesCtr, Sha256};
use device_port::{Buffers, Runner, VecBuffers};

const BUF: usize = 64 << 10;

fn block() -> (Runner<CryptoDevice>, Arc<VecBuffers>) {
    let bufs = Arc::new(VecBuffers::new(BUF));
    (Runner::new(CryptoDevice::new(), bufs.clone()), bufs)
}

fn words(bytes: &[u8]) -> Vec<u64> {
    bytes
        .chunks(8)
        .map(|c| {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            u64::from_le_bytes(w)
        })
        .collect()
}

/// Starts a job and waits for it; the status word.
fn job(d: &Runner<CryptoDevice>, src: u64, dst: u64, len: u64, c: u64) -> u64 {
    d.write(reg::SRC, src);
    d.write(reg::DST, dst);
    d.write(reg::LEN, len);
    d.write(reg::CTRL, c | ctrl::START);
    loop {
        let s = d.read(reg::STATUS);
        if s & status::BUSY == 0 {
            return s;
        }
        std::hint::spin_loop();
    }
}

fn load_key(d: &Runner<CryptoDevice>, key: &[u8], iv: &[u8; 16]) {
    d.write(reg::KEY_LEN, key.len() as u64);
    for (i, w) in words(key).into_iter().enumerate() {
        d.write(reg::KEY0 + i as u16, w);
    }
    for (i, w) in words(iv).into_iter().enumerate() {
        d.write(reg::IV0 + i as u16, w);
    }
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 131 % 251) as u8).collect()
}

#[test]
fn aes_ctr_jobs_continue_the_keystream() {
    let (d, bufs) = block();
    let key: Vec<u8> = (0..32).collect();
    let iv = [0xF0; 16];
    load_key(&d, &key, &iv);
    let input = data(40_000);
    let mut want = input.clone();
    AesCtr::new(&key, iv).unwrap().apply(&mut want);
    let mut got = Vec::new();
    let mut first = true;
    // Jobs of odd sizes, output in place and elsewhere.
    for (k, chunk) in input.chunks(4097).enumerate() {
        bufs.write(0, chunk);
        let dst = if k % 2 == 0 { 0 } else { 32 << 10 };
        let c = ctrl::OP_AES | if first { ctrl::LOAD } else { 0 };
        first = false;
        assert_eq!(job(&d, 0, dst, chunk.len() as u64, c), status::DONE);
        assert_eq!(d.read(reg::BLOCKS), (chunk.len() as u64).div_ceil(16));
        let mut out = vec![0u8; chunk.len()];
        bufs.read(dst, &mut out);
        got.extend(out);
    }
    assert!(got == want);
}

#[test]
fn sha256_updates_then_finishes() {
    let (d, bufs) = block();
    let input = data(100_001);
    let mut first = true;
    let chunks: Vec<&[u8]> = input.chunks(30_000).collect();
    for (k, chunk) in chunks.iter().enumerate() {
        bufs.write(100, chunk);
        let op = if k + 1 == chunks.len() {
            ctrl::OP_SHA_FINISH
        } else {
            ctrl::OP_SHA_UPDATE
        };
        let c = op | if first { ctrl::LOAD } else { 0 };
        first = false;
        assert_eq!(job(&d, 100, 0, chunk.len() as u64, c), status::DONE);
    }
    let mut sha = Sha256::new();
    sha.update(&input);
    let want = sha.finish();
    let got: Vec<u8> = (0..4)
        .flat_map(|i| d.read(reg::DIGEST0 + i).to_le_bytes())
        .collect();
    assert_eq!(got, want);
}

#[test]
fn bad_jobs_end_with_an_error_code_and_touch_nothing() {
    let (d, bufs) = block();
    let e = |s: u64| s >> status::ERROR_SHIFT;
    // AES before any key.
    assert_eq!(e(job(&d, 0, 0, 16, ctrl::OP_AES)), err::NO_KEY);
    // A bad key length.
    d.write(reg::KEY_LEN, 24);
    assert_eq!(
        e(job(&d, 0, 0, 16, ctrl::OP_AES | ctrl::LOAD)),
        err::KEY_LEN
    );
    // Outside the local buffers: source, destination, overflow.
    load_key(&d, &[7; 16], &[0; 16]);
    assert_eq!(
        job(&d, 1024, 1024, 16, ctrl::OP_AES | ctrl::LOAD),
        status::DONE
    );
    bufs.write(0, &[0xAA; 64]);
    assert_eq!(e(job(&d, BUF as u64 - 8, 0, 16, ctrl::OP_AES)), err::RANGE);
    assert_eq!(e(job(&d, 0, BUF as u64 - 8, 16, ctrl::OP_AES)), err::RANGE);
    assert_eq!(e(job(&d, u64::MAX, 0, 16, ctrl::OP_AES)), err::RANGE);
    let mut after = [0u8; 64];
    bufs.read(0, &mut after);
    assert_eq!(after, [0xAA; 64], "a refused job wrote");
    assert_eq!(e(job(&d, 0, 0, 16, 3 << 1)), err::OP);
}
