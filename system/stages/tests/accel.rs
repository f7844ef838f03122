//! The accelerator tiles of the demo board (ISP, DSP, crypto) as pipeline
//! stages: each gives the same bytes as its software stage on a core tile
//! and as the reference computed here on the host, and data between two
//! accelerators never crosses the app's tile (the TCUs' payload counters).
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use boot_harness::{PipelineRun, random_bytes as random, run_pipeline};

mod common;
use common::wav;

/// Stage name → (software program, accelerator kind).
fn kind(stage: &str) -> (&'static str, &'static str) {
    match stage {
        "aes-ctr" => ("sw-aes-ctr", "crypto"),
        "sha256" => ("sw-sha256", "crypto"),
        "fir" => ("sw-fir", "dsp"),
        "isp" => ("sw-isp", "isp"),
        other => panic!("no stage {other}"),
    }
}

/// Runs `stages` (name, parameters, on its accelerator?) from `/in` to
/// `/out`, the host putting `files` first.
fn pipe(stages: &[(&str, &str, bool)], files: &[(&str, &[u8])]) -> PipelineRun {
    let mut args = vec!["/in".to_owned(), "/out".to_owned()];
    let mut images = Vec::new();
    for (name, params, accel) in stages {
        let (program, kind) = kind(name);
        if *accel {
            args.push(format!("accel:{name} {params}"));
            images.push(format!("accel:{kind}"));
        } else {
            args.push(format!("{program} {params}"));
            images.push(program.to_owned());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let images: Vec<&str> = images.iter().map(String::as_str).collect();
    run_pipeline(&args, &images, files)
}

/// The output of one stage on its tile, checked to equal the software
/// stage's.
fn on_both(stage: &str, params: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let tile = pipe(&[(stage, params, true)], files);
    assert_eq!(tile.code, 0, "{stage} on its tile: {}", tile.printed);
    let sw = pipe(&[(stage, params, false)], files);
    assert_eq!(sw.code, 0, "{stage} in software: {}", sw.printed);
    let (a, b) = (tile.out.unwrap(), sw.out.unwrap());
    assert!(
        a == b,
        "{stage}: tile and software differ ({} vs {} bytes)",
        a.len(),
        b.len()
    );
    a
}

fn aes_ctr(key: &str, iv: &str, data: &[u8]) -> Vec<u8> {
    use ctr::cipher::{KeyIvInit, StreamCipher};
    let key = crypto_model::hex::key(key).unwrap();
    let iv = crypto_model::hex::iv(iv).unwrap();
    let mut out = data.to_vec();
    match key.len() {
        16 => ctr::Ctr128BE::<aes::Aes128>::new_from_slices(&key, &iv)
            .unwrap()
            .apply_keystream(&mut out),
        _ => ctr::Ctr128BE::<aes::Aes256>::new_from_slices(&key, &iv)
            .unwrap()
            .apply_keystream(&mut out),
    }
    out
}

const KEY256: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
const KEY128: &str = "2b7e151628aed2a6abf7158809cf4f3c";

#[test]
fn the_crypto_tile_matches_rustcrypto_and_the_software_stages() {
    // Many buffers (double buffering), a length no multiple of 16.
    let input = random((1 << 20) + 5, 21);
    // AES-256 with the key in a file on the board.
    let iv = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    let params = format!("key=@/keys/k iv={iv}");
    let key_file = format!("{KEY256}\n");
    let files: &[(&str, &[u8])] = &[("/in", &input), ("/keys/k", key_file.as_bytes())];
    assert!(on_both("aes-ctr", &params, files) == aes_ctr(KEY256, iv, &input));
    // AES-128 with the counter crossing 2^64 and wrapping at 2^128.
    let iv = "ffffffffffffffffffffffffffffff00";
    let params = format!("key={KEY128} iv={iv}");
    let small = &input[..100_003];
    assert!(on_both("aes-ctr", &params, &[("/in", small)]) == aes_ctr(KEY128, iv, small));
    // SHA-256: the digest.
    use sha2::Digest;
    let want: [u8; 32] = sha2::Sha256::digest(&input).into();
    assert_eq!(on_both("sha256", "", &[("/in", &input)]), want);
    let empty: [u8; 32] = sha2::Sha256::digest(b"").into();
    assert_eq!(on_both("sha256", "", &[("/in", b"")]), empty);
}

#[test]
fn the_dsp_tile_matches_the_definition_and_the_software_stage() {
    let x: Vec<i16> = random(2 * 70_001, 22)
        .chunks(2)
        .map(|p| i16::from_le_bytes([p[0], p[1]]))
        .collect();
    // Saturation: 64 taps of 32767.
    let taps: Vec<i16> = vec![32767; 64]
        .into_iter()
        .chain([-20000, 3, 0, -1])
        .collect();
    let taps_text: String = taps.iter().map(|t| format!("{t} ")).collect();
    let want: Vec<u8> = dsp_model::reference(&taps, &x)
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let raw: Vec<u8> = x.iter().flat_map(|s| s.to_le_bytes()).collect();
    for input in [raw, wav(&x, 1)] {
        let out = on_both(
            "fir",
            "taps=/taps.txt",
            &[("/in", &input), ("/taps.txt", taps_text.as_bytes())],
        );
        assert!(out == want, "{} bytes, want {}", out.len(), want.len());
    }
}

/// A Bayer frame: `w`×`h`, 8-bit or 16-bit big-endian with `maxval`.
fn frame(w: usize, h: usize, maxval: u32, seed: u64) -> Vec<u8> {
    let mut pgm = format!("P5\n{w} {h}\n{maxval}\n").into_bytes();
    let noise = random(2 * w * h, seed);
    for p in noise.chunks(2) {
        let v = u32::from(u16::from_le_bytes([p[0], p[1]])) % (maxval + 1);
        if maxval > 255 {
            pgm.extend_from_slice(&(v as u16).to_be_bytes());
        } else {
            pgm.push(v as u8);
        }
    }
    pgm
}

#[test]
fn the_isp_tile_matches_the_engine_and_the_software_stage() {
    for (pgm, params) in [
        (frame(301, 203, 4095, 23), "black=64 wb=1.8,1,1.5"),
        (frame(640, 481, 255, 24), "gamma=linear"),
    ] {
        let out = on_both("isp", params, &[("/in", &pgm)]);
        let p = isp_model::Params::parse(params).unwrap();
        assert!(out == isp_model::process(&pgm, p).unwrap(), "{params}");
    }
}

#[test]
fn data_between_two_accelerators_never_crosses_the_app_tile() {
    let pgm = frame(401, 301, 65535, 25);
    let iv = "000102030405060708090a0b0c0d0e0f";
    let params = format!("key={KEY128} iv={iv}");
    let r = pipe(
        &[("isp", "", true), ("aes-ctr", &params, true)],
        &[("/in", &pgm)],
    );
    assert_eq!(r.code, 0, "{}", r.printed);
    let ppm = isp_model::process(&pgm, isp_model::Params::default()).unwrap();
    assert!(r.out.unwrap() == aes_ctr(KEY128, iv, &ppm));
    let moved = |t| r.payload.iter().find(|p| p.0 == t).map(|p| p.1).unwrap();
    let (app, isp, crypto) = (r.tiles[0], r.tiles[1], r.tiles[2]);
    // The accelerators moved the frame and the image ...
    assert!(moved(isp)[0] >= pgm.len() as u64, "{:?}", moved(isp));
    assert!(moved(isp)[1] >= ppm.len() as u64, "{:?}", moved(isp));
    assert!(moved(crypto)[0] >= ppm.len() as u64, "{:?}", moved(crypto));
    // ... the app only control messages (the job, reports, file requests).
    let [i, o] = moved(app);
    assert!(
        i + o < 16 << 10,
        "the app's tile moved {i} bytes in, {o} out"
    );
}
