//! The ISP on the CC0 photographs (tests/data, see SOURCE.md): each is
//! linearised, mosaicked into an RGGB raw frame, run through the ISP with
//! its defaults, and compared with the original (PSNR) — and with a plain
//! bilinear demosaic computed here, which the ISP must beat.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use isp_model::{Params, process};

/// Width, height and 8-bit sRGB pixels of a PNG in tests/data.
fn photo(name: &str) -> (usize, usize, Vec<u8>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    (info.width as usize, info.height as usize, buf)
}

fn to_linear(c: u8) -> f64 {
    let x = f64::from(c) / 255.0;
    if x <= 0.04045 {
        x / 12.92
    } else {
        ((x + 0.055) / 1.055).powf(2.4)
    }
}

fn to_srgb8(l: f64) -> u8 {
    let x = l.clamp(0.0, 1.0);
    let v = if x <= 0.0031308 {
        12.92 * x
    } else {
        1.055 * x.powf(1.0 / 2.4) - 0.055
    };
    (v * 255.0 + 0.5) as u8
}

fn cfa(x: usize, y: usize) -> usize {
    match (y % 2, x % 2) {
        (0, 0) => 0,
        (1, 1) => 2,
        _ => 1,
    }
}

/// The linear RGGB mosaic (0..=1) of an sRGB image.
fn mosaic(w: usize, h: usize, rgb: &[u8]) -> Vec<f64> {
    (0..w * h)
        .map(|i| to_linear(rgb[3 * i + cfa(i % w, i / w)]))
        .collect()
}

/// A PGM of the mosaic with samples up to `maxval`.
fn pgm(w: usize, h: usize, m: &[f64], maxval: u16) -> Vec<u8> {
    let mut out = format!("P5\n# a test frame\n{w} {h}\n{maxval}\n").into_bytes();
    for v in m {
        let s = (v * f64::from(maxval)).round() as u16;
        if maxval > 255 {
            out.extend(s.to_be_bytes());
        } else {
            out.push(s as u8);
        }
    }
    out
}

/// Plain bilinear demosaic (the same-colour neighbours' mean), mirrored
/// borders, to sRGB.
fn bilinear(w: usize, h: usize, m: &[f64]) -> Vec<u8> {
    let at = |x: isize, y: isize| {
        let r = |i: isize, n: usize| {
            let n = n as isize;
            let i = if i < 0 { -i } else { i };
            (if i >= n { 2 * n - 2 - i } else { i }) as usize
        };
        let (x, y) = (r(x, w), r(y, h));
        (m[y * w + x], cfa(x, y))
    };
    let mut out = Vec::with_capacity(3 * w * h);
    let cross = [(-1, 0), (1, 0), (0, -1), (0, 1)];
    let diagonal = [(-1, -1), (1, -1), (-1, 1), (1, 1)];
    for y in 0..h as isize {
        for x in 0..w as isize {
            let (v, c) = at(x, y);
            for k in 0..3 {
                let mean = |set: &[(isize, isize)]| {
                    let vals: Vec<f64> = set
                        .iter()
                        .map(|(dx, dy)| at(x + dx, y + dy))
                        .filter(|(_, kk)| *kk == k)
                        .map(|(v, _)| v)
                        .collect();
                    (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
                };
                // The pixel's own colour; else the same-colour neighbours
                // on the cross, else on the diagonals.
                let l = if k == c {
                    v
                } else {
                    mean(&cross).or_else(|| mean(&diagonal)).unwrap_or(v)
                };
                out.push(to_srgb8(l));
            }
        }
    }
    out
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mse: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    10.0 * (255.0f64 * 255.0 / mse).log10()
}

/// The ISP's RGB bytes of a PPM (checking its header).
fn ppm_pixels(ppm: &[u8], w: usize, h: usize) -> &[u8] {
    let header = format!("P6\n{w} {h}\n255\n");
    assert!(ppm.starts_with(header.as_bytes()));
    let px = &ppm[header.len()..];
    assert_eq!(px.len(), 3 * w * h);
    px
}

#[test]
fn photos_through_the_isp_beat_bilinear() {
    let mut failed = Vec::new();
    for (name, floor) in [("coffee.png", 27.0), ("chelsea.png", 32.0)] {
        let (w, h, rgb) = photo(name);
        let m = mosaic(w, h, &rgb);
        let isp = process(&pgm(w, h, &m, 65535), Params::default()).unwrap();
        let ours = psnr(ppm_pixels(&isp, w, h), &rgb);
        let theirs = psnr(&bilinear(w, h, &m), &rgb);
        eprintln!("{name} ({w}×{h}): ISP (Malvar-He-Cutler) {ours:.2} dB, bilinear {theirs:.2} dB");
        if ours < theirs || ours < floor {
            failed.push(format!(
                "{name}: {ours:.2} dB (bilinear {theirs:.2} dB, floor {floor} dB)"
            ));
        }
    }
    assert!(failed.is_empty(), "{failed:?}");
}

#[test]
fn eight_bit_frames_odd_sizes_and_any_maxval_work() {
    let (w, h, rgb) = photo("chelsea.png");
    // Odd width (451) and, cropped, odd height.
    let h = h - 1;
    let rgb = &rgb[..3 * w * h];
    let m = mosaic(w, h, rgb);
    for maxval in [255, 1023, 4095, 65535] {
        let isp = process(&pgm(w, h, &m, maxval), Params::default()).unwrap();
        let q = psnr(ppm_pixels(&isp, w, h), rgb);
        eprintln!("chelsea {w}×{h}, maxval {maxval}: {q:.2} dB");
        // 8-bit linear samples lose the shadows; the rest keep most.
        assert!(
            q > if maxval == 255 { 24.0 } else { 30.0 },
            "maxval {maxval}: {q:.2} dB"
        );
    }
}
