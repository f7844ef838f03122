//! The crypto engines against the standards' vectors, RustCrypto's `ctr`
//! and `openssl enc`.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use crypto_model::{AesCtr, Sha256, hex};
use ctr::cipher::{KeyIvInit, StreamCipher};
use proptest::prelude::*;

const PLAIN: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
                     30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
const IV: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

fn ctr(key: &str, iv: &str, data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    AesCtr::new(&hex::key(key).unwrap(), hex::iv(iv).unwrap())
        .unwrap()
        .apply(&mut out);
    out
}

#[test]
fn nist_sp800_38a_ctr_vectors() {
    // F.5.1 CTR-AES128.Encrypt and F.5.5 CTR-AES256.Encrypt.
    let plain = hex::decode(PLAIN).unwrap();
    for (key, cipher) in [
        (
            "2b7e151628aed2a6abf7158809cf4f3c",
            "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff\
             5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
        ),
        (
            "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
            "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5\
             2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
        ),
    ] {
        let out = ctr(key, IV, &plain);
        assert_eq!(hex::encode(&out), cipher.replace(' ', ""), "key {key}");
        // Decryption is the same operation (F.5.2, F.5.6).
        assert_eq!(ctr(key, IV, &out), plain);
    }
}

/// RustCrypto's CTR with the whole block as a big-endian counter.
fn rustcrypto(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    match key.len() {
        16 => ctr::Ctr128BE::<aes::Aes128>::new_from_slices(key, iv)
            .unwrap()
            .apply_keystream(&mut out),
        _ => ctr::Ctr128BE::<aes::Aes256>::new_from_slices(key, iv)
            .unwrap()
            .apply_keystream(&mut out),
    }
    out
}

fn random(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

#[test]
fn counters_cross_2_pow_64_and_wrap_at_2_pow_128() {
    let data = random(16 * 9 + 5, 3);
    for (key_len, iv) in [
        (16, "0000000000000000fffffffffffffffc"), // the low half carries into the high
        (32, "0123456789abcdeffffffffffffffffd"),
        (16, "fffffffffffffffffffffffffffffffd"), // wraps to all zeros
        (32, "ffffffffffffffffffffffffffffffff"),
    ] {
        let key = random(key_len, 7);
        let iv = hex::iv(iv).unwrap();
        let mut ours = data.clone();
        let mut engine = AesCtr::new(&key, iv).unwrap();
        engine.apply(&mut ours);
        assert_eq!(
            ours,
            rustcrypto(&key, &iv, &data),
            "iv {}",
            hex::encode(&iv)
        );
        // Ten blocks used (the last partly): the counter moved by ten, modulo 2^128.
        let moved = u128::from_be_bytes(iv).wrapping_add(10);
        assert_eq!(engine.counter(), moved.to_be_bytes());
    }
}

#[test]
fn chunking_never_changes_the_output() {
    let data = random(200_003, 11);
    let key = random(32, 5);
    let iv: [u8; 16] = random(16, 9).try_into().unwrap();
    let whole = rustcrypto(&key, &iv, &data);
    for chunk in [1, 15, 17, 4095, 65537] {
        let mut engine = AesCtr::new(&key, iv).unwrap();
        let mut out = data.clone();
        for c in out.chunks_mut(chunk) {
            engine.apply(c);
        }
        assert!(out == whole, "chunk {chunk}");
        let mut sha = Sha256::new();
        data.chunks(chunk).for_each(|c| sha.update(c));
        let mut one = Sha256::new();
        one.update(&data);
        assert_eq!(sha.finish(), one.finish(), "chunk {chunk}");
    }
}

#[test]
fn fips_180_sha256_vectors() {
    let million_a = vec![b'a'; 1_000_000];
    for (msg, digest) in [
        (
            &b""[..],
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            b"abc",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
        (
            &million_a,
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        ),
    ] {
        let mut s = Sha256::new();
        s.update(msg);
        assert_eq!(hex::encode(&s.finish()), digest);
    }
}

#[test]
fn equals_openssl_enc_on_any_length() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    for (len, key_len) in [(0, 16), (1, 16), (17, 32), (4096 + 3, 16), (100_001, 32)] {
        let data = random(len, len as u64 + 1);
        let key = random(key_len, 21);
        let iv: [u8; 16] = random(16, 23).try_into().unwrap();
        let mut child = Command::new("openssl")
            .args([
                "enc",
                if key_len == 16 {
                    "-aes-128-ctr"
                } else {
                    "-aes-256-ctr"
                },
                "-K",
                &hex::encode(&key),
                "-iv",
                &hex::encode(&iv),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("openssl (the reference) must be installed: apt install openssl");
        let mut stdin = child.stdin.take().unwrap();
        let input = data.clone();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert!(out.status.success());
        let mut ours = data;
        AesCtr::new(&key, iv).unwrap().apply(&mut ours);
        assert!(ours == out.stdout, "length {len}, key {key_len} bytes");
    }
}

#[test]
fn bad_keys_and_ivs_are_refused_with_the_reason() {
    assert_eq!(
        AesCtr::new(&[0; 24], [0; 16]).err().unwrap().to_string(),
        "an AES key has 16 bytes (AES-128) or 32 bytes (AES-256), not 24"
    );
    assert_eq!(
        hex::key("00ff").unwrap_err().to_string(),
        "2 bytes, expected 16 (AES-128) or 32 (AES-256)"
    );
    assert_eq!(
        hex::iv("0g").unwrap_err().to_string(),
        "character 2 is not a hex digit"
    );
    assert_eq!(
        hex::decode("abc").unwrap_err().to_string(),
        "an odd number of hex digits (two per byte)"
    );
}

proptest! {
    #[test]
    fn any_split_of_any_input_matches_rustcrypto(
        data in proptest::collection::vec(any::<u8>(), 0..600),
        cuts in proptest::collection::vec(0usize..600, 0..6),
        iv in any::<[u8; 16]>(),
        wide in any::<bool>(),
    ) {
        let key = random(if wide { 32 } else { 16 }, 99);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
        cuts.sort_unstable();
        let mut out = data.clone();
        let mut engine = AesCtr::new(&key, iv).unwrap();
        let mut at = 0;
        for c in cuts.into_iter().chain([data.len()]) {
            engine.apply(&mut out[at..c]);
            at = c;
        }
        prop_assert_eq!(out, rustcrypto(&key, &iv, &data));
    }
}
