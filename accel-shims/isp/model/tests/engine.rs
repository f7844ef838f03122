//! The ISP engine's arithmetic and its streaming.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use isp_model::gamma::{Gamma, Lut, SRGB_THRESHOLDS};
use isp_model::{Isp, IspError, Params, process};
use proptest::prelude::*;

#[test]
fn the_srgb_thresholds_are_the_formula() {
    let code = |l: u16| {
        let x = f64::from(l) / 65535.0;
        let v = if x <= 0.0031308 {
            12.92 * x
        } else {
            1.055 * x.powf(1.0 / 2.4) - 0.055
        };
        (v * 255.0 + 0.5).floor() as u32
    };
    for (i, t) in SRGB_THRESHOLDS.iter().enumerate() {
        let c = i as u32 + 1;
        assert!(code(*t) >= c && code(t - 1) < c, "code {c} at {t}");
    }
    let lut = Lut::new(Gamma::Srgb);
    assert_eq!((lut.get(0), lut.get(65535)), (0, 255));
    let lin = Lut::new(Gamma::Linear);
    assert_eq!(
        (lin.get(0), lin.get(128), lin.get(129), lin.get(65535)),
        (0, 0, 1, 255)
    );
}

fn frame(w: usize, h: usize, maxval: u16, f: impl Fn(usize, usize) -> u16) -> Vec<u8> {
    let mut out = format!("P5 {w} {h} {maxval}\n").into_bytes();
    for y in 0..h {
        for x in 0..w {
            let v = f(x, y);
            if maxval > 255 {
                out.extend(v.to_be_bytes());
            } else {
                out.push(v as u8);
            }
        }
    }
    out
}

fn pixels(ppm: &[u8]) -> &[u8] {
    // Skip "P6\nW H\n255\n".
    let mut nl = 0;
    let at = ppm.iter().position(|b| {
        nl += usize::from(*b == b'\n');
        nl == 3
    });
    &ppm[at.unwrap() + 1..]
}

#[test]
fn black_level_white_balance_and_gamma() {
    // A flat grey frame at the black level is black.
    let f = frame(6, 4, 1023, |_, _| 64);
    let p = Params::parse("black=64").unwrap();
    assert!(pixels(&process(&f, p).unwrap()).iter().all(|b| *b == 0));
    // A flat frame at half scale, linear out: every channel 128; with
    // wb=2,1,0.5 red doubles (to full), blue halves.
    let f = frame(6, 4, 65535, |_, _| 32768);
    let p = Params::parse("gamma=linear").unwrap();
    assert!(pixels(&process(&f, p).unwrap()).iter().all(|b| *b == 128));
    let p = Params::parse("gamma=linear wb=2,1,0.5").unwrap();
    let px = process(&f, p).unwrap();
    for rgb in pixels(&px).chunks(3) {
        assert_eq!(rgb, [255, 128, 64]);
    }
    // Samples above maxval count as maxval.
    let f = frame(3, 3, 200, |_, _| 255);
    let px = process(&f, Params::parse("gamma=linear").unwrap()).unwrap();
    assert!(pixels(&px).iter().all(|b| *b == 255));
}

#[test]
fn chunking_never_changes_the_output() {
    let f = frame(37, 23, 4095, |x, y| ((x * 97 + y * 31) % 4096) as u16);
    let whole = process(&f, Params::default()).unwrap();
    for chunk in [1, 15, 17, 4095, 65537] {
        let mut isp = Isp::new(Params::default());
        let mut out = Vec::new();
        for c in f.chunks(chunk) {
            isp.push(c, &mut out).unwrap();
        }
        isp.finish(&mut out).unwrap();
        assert!(out == whole, "chunk {chunk}");
    }
}

#[test]
fn tiny_and_odd_frames_work() {
    for (w, h) in [(1, 1), (1, 5), (5, 1), (2, 2), (3, 3), (2, 7), (9, 2)] {
        let f = frame(w, h, 255, |x, y| (x * 40 + y * 17) as u8 as u16);
        let out = process(&f, Params::default()).unwrap();
        assert_eq!(pixels(&out).len(), 3 * w * h, "{w}×{h}");
    }
}

#[test]
fn bad_frames_are_refused_with_the_reason() {
    let e = |b: &[u8], p: &str| {
        process(b, Params::parse(p).unwrap())
            .unwrap_err()
            .to_string()
    };
    assert!(e(b"P6\n2 2\n255\n............", "").contains("a colour PPM"));
    assert!(e(b"P2\n2 2\n255\n1 2 3 4", "").contains("ASCII PGM"));
    assert!(e(b"P5\n0 2\n255\n", "").contains("width and height are 1 to"));
    assert!(e(b"P5\n2 2\n70000\n", "").contains("maxval 70000"));
    assert!(e(b"P5\n2 2\n255\nab", "").contains("after 2 of its 4 bytes"));
    assert!(e(b"P5\n2 2\n255\nabcd", "black=255").contains("not below the frame's maxval 255"));
    assert!(e(b"P5\n2", "").contains("cut short"));
    assert!(matches!(
        process(b"P5 2 2 255\nab", Params::default()),
        Err(IspError::Short(2, 4))
    ));
}

proptest! {
    #[test]
    fn any_bytes_are_processed_or_refused(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = process(&b, Params::default());
        let mut with_header = b"P5 7 5 300\n".to_vec();
        with_header.extend(&b);
        let _ = process(&with_header, Params::default());
    }
}
