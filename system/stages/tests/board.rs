//! The software stages on the simulated demo board, chained by the
//! pipeline sample's app, against references computed here on the host
//! (RustCrypto, the FIR's direct definition).
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use boot_harness::{random_bytes as random, run_pipeline};

mod common;
use common::wav;

/// Runs the `pipeline` app over `stages` (program, parameters) from `/in`
/// to `/out`, the host putting `files` first.
fn pipe(stages: &[(&str, &str)], files: &[(&str, &[u8])]) -> (u64, String, Option<Vec<u8>>) {
    let mut args = vec!["/in".to_owned(), "/out".to_owned()];
    args.extend(stages.iter().map(|(p, params)| format!("{p} {params}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let images: Vec<&str> = stages.iter().map(|s| s.0).collect();
    let r = run_pipeline(&args, &images, files);
    (r.code, r.printed, r.out)
}

const KEY: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
const IV: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

#[test]
fn aes_ctr_then_sha256_on_two_tiles_match_rustcrypto() {
    use ctr::cipher::{KeyIvInit, StreamCipher};
    use sha2::Digest;
    let input = random((1 << 20) + 5, 4);
    let params = format!("key={KEY} iv={IV}");
    let (code, printed, out) = pipe(
        &[("sw-aes-ctr", &params), ("sw-sha256", "")],
        &[("/in", &input)],
    );
    assert_eq!(code, 0, "{printed}");
    let mut enc = input.clone();
    let key = crypto_model::hex::key(KEY).unwrap();
    let iv = crypto_model::hex::iv(IV).unwrap();
    ctr::Ctr128BE::<aes::Aes256>::new_from_slices(&key, &iv)
        .unwrap()
        .apply_keystream(&mut enc);
    let want: [u8; 32] = sha2::Sha256::digest(&enc).into();
    assert_eq!(out.as_deref(), Some(&want[..]), "{printed}");
}

#[test]
fn aes_ctr_twice_with_a_key_file_gives_the_input_back() {
    let input = random(100_003, 5);
    let params = format!("key=@/keys/k iv={IV}");
    let (code, printed, out) = pipe(
        &[("sw-aes-ctr", &params), ("sw-aes-ctr", &params)],
        &[
            ("/in", &input),
            ("/keys/k", format!("{}\n", &KEY[..32]).as_bytes()),
        ],
    );
    assert_eq!(code, 0, "{printed}");
    assert!(out.as_deref() == Some(&input[..]), "{printed}");
}

#[test]
fn fir_on_a_wav_matches_the_direct_definition() {
    let x: Vec<i16> = random(2 * 30_001, 6)
        .chunks(2)
        .map(|p| i16::from_le_bytes([p[0], p[1]]))
        .collect();
    let taps: Vec<i16> = vec![32767; 16]
        .into_iter()
        .chain([-12000, 5, 0, 7])
        .collect();
    let taps_text: String = taps.iter().map(|t| format!("{t}\n")).collect();
    let (code, printed, out) = pipe(
        &[("sw-fir", "taps=/taps.txt")],
        &[("/in", &wav(&x, 1)), ("/taps.txt", taps_text.as_bytes())],
    );
    assert_eq!(code, 0, "{printed}");
    let want: Vec<u8> = dsp_model::reference(&taps, &x)
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    assert!(out.as_deref() == Some(&want[..]), "{printed}");
}

#[test]
fn a_stereo_wav_and_a_bad_key_are_refused_with_the_fix() {
    let (code, printed, _) = pipe(
        &[("sw-fir", "taps=/t")],
        &[("/in", &wav(&[1, 2, 3, 4], 2)), ("/t", b"1 2 3")],
    );
    assert_ne!(code, 0, "{printed}");
    assert!(
        printed.contains("16-bit PCM mono") && printed.contains("sox"),
        "{printed}"
    );
    let (code, printed, _) = pipe(&[("sw-aes-ctr", "key=00ff iv=00")], &[("/in", b"x")]);
    assert_ne!(code, 0, "{printed}");
    assert!(
        printed.contains(
            "stage 0 (sw-aes-ctr) on C0T03 failed: it does not understand its parameters"
        ),
        "{printed}"
    );
    assert!(
        printed.contains("aes-ctr key: 2 bytes, expected 16 (AES-128) or 32 (AES-256)"),
        "{printed}"
    );
}

#[test]
fn isp_then_aes_ctr_on_two_tiles_match_the_engines_on_the_host() {
    use ctr::cipher::{KeyIvInit, StreamCipher};
    // A 16-bit raw frame of odd size.
    let (w, h) = (123, 77);
    let mut pgm = format!("P5\n{w} {h}\n4095\n").into_bytes();
    for (i, v) in random(2 * w * h, 12).chunks(2).enumerate() {
        let s = (u16::from_le_bytes([v[0], v[1]]) % 4096).max((i % 4000) as u16);
        pgm.extend(s.to_be_bytes());
    }
    let params = format!("key={} iv={IV}", &KEY[..32]);
    let (code, printed, out) = pipe(
        &[("sw-isp", "black=64 wb=2,1,1.5"), ("sw-aes-ctr", &params)],
        &[("/in", &pgm)],
    );
    assert_eq!(code, 0, "{printed}");
    let mut want = isp_model::process(
        &pgm,
        isp_model::Params::parse("black=64 wb=2,1,1.5").unwrap(),
    )
    .unwrap();
    let key = crypto_model::hex::key(&KEY[..32]).unwrap();
    let iv = crypto_model::hex::iv(IV).unwrap();
    ctr::Ctr128BE::<aes::Aes128>::new_from_slices(&key, &iv)
        .unwrap()
        .apply_keystream(&mut want);
    assert!(out.as_deref() == Some(&want[..]), "{printed}");
}
