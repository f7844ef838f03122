//! The FIR engine against its direct definition, and the edges of its
//! inputs (taps files, WAV headers).
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use dsp_model::wav::{Start, detect};
use dsp_model::{Fir, reference, taps};
use proptest::prelude::*;

fn random(n: usize, seed: u64) -> Vec<i16> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 40) as i16
        })
        .collect()
}

fn run(taps: &[i16], x: &[i16]) -> Vec<i16> {
    let mut out = Vec::new();
    Fir::new(taps.to_vec()).samples(x, &mut out);
    out
}

#[test]
fn random_inputs_and_taps_match_the_direct_definition() {
    for (ntaps, seed) in [(1, 1), (2, 2), (7, 3), (31, 4), (64, 5), (257, 6)] {
        let taps = random(ntaps, seed);
        let x = random(5000, seed + 100);
        assert_eq!(run(&taps, &x), reference(&taps, &x), "{ntaps} taps");
    }
}

#[test]
fn saturation_and_64_taps_of_32767_on_full_scale_input() {
    let taps = vec![32767i16; 64];
    let x: Vec<i16> = (0..500)
        .map(|n| if (n / 37) % 2 == 0 { 32767 } else { -32768 })
        .collect();
    let y = run(&taps, &x);
    assert_eq!(y, reference(&taps, &x));
    // 64 × 32767 × 32767 needs 37 bits: the output saturates both ways.
    assert!(y.contains(&32767) && y.contains(&-32768));
    // The most taps, all at full scale: still no overflow in the accumulator.
    let taps = vec![-32768i16; dsp_model::MAX_TAPS];
    let x = vec![-32768i16; 3000];
    assert_eq!(run(&taps, &x), reference(&taps, &x));
}

#[test]
fn the_rounding_and_the_shift_are_arithmetic() {
    // h = 0.5 (16384): x = 1 → (16384 + 16384) >> 15 = 1; x = -1 → 0;
    // x = -3 → (-49152 + 16384) >> 15 = -1 (floor, not towards zero).
    assert_eq!(run(&[16384], &[1, -1, -3, 3]), vec![1, 0, -1, 2]);
    // The output is as long as the input; x[m] = 0 before the start.
    assert_eq!(run(&[0, 32767], &[100, 200, 300]), vec![0, 100, 200]);
}

#[test]
fn chunking_never_changes_the_output() {
    let taps = random(33, 8);
    let x = random(70_001, 9);
    let bytes: Vec<u8> = x.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut whole = Vec::new();
    Fir::new(taps.clone()).bytes(&bytes, &mut whole);
    let want: Vec<u8> = reference(&taps, &x)
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    assert!(whole == want);
    // Odd chunk sizes cut samples in half: the byte waits, the history
    // carries across chunks.
    for chunk in [1, 15, 17, 4095, 65537] {
        let mut fir = Fir::new(taps.clone());
        let mut out = Vec::new();
        for c in bytes.chunks(chunk) {
            fir.bytes(c, &mut out);
        }
        assert!(!fir.has_odd_byte());
        assert!(out == want, "chunk {chunk}");
    }
    // An input that ends inside a sample leaves its byte behind.
    let mut fir = Fir::new(taps);
    fir.bytes(&bytes[..3], &mut Vec::new());
    assert!(fir.has_odd_byte());
}

#[test]
fn taps_files_are_read_or_refused_with_the_line() {
    assert_eq!(taps::parse("1 2\n  -3\t4\n\n").unwrap(), vec![1, 2, -3, 4]);
    assert_eq!(
        taps::parse("1 2\n3 40000\n").unwrap_err().to_string(),
        "line 2: `40000` is not a Q15 tap (an integer from -32768 to 32767)"
    );
    assert_eq!(
        taps::parse("0.5").unwrap_err().to_string(),
        "line 1: `0.5` is not a Q15 tap (an integer from -32768 to 32767)"
    );
    assert_eq!(
        taps::parse(" \n").unwrap_err().to_string(),
        "the taps file has no taps"
    );
    let many = "1 ".repeat(dsp_model::MAX_TAPS + 1);
    assert!(
        taps::parse(&many)
            .unwrap_err()
            .to_string()
            .contains("at most 1024")
    );
}

/// A WAV header for `data_len` bytes of PCM with these format fields.
fn wav(format: u16, channels: u16, bits: u16, data_len: u32) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_len).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&format.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&48000u32.to_le_bytes());
    h.extend_from_slice(&(48000 * u32::from(channels) * u32::from(bits) / 8).to_le_bytes());
    h.extend_from_slice(&(channels * bits / 8).to_le_bytes());
    h.extend_from_slice(&bits.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

#[test]
fn wav_input_is_accepted_only_as_16_bit_mono_pcm() {
    let h = wav(1, 1, 16, 1000);
    assert_eq!(
        detect(&h, false).unwrap(),
        Start::Wav {
            data_at: 44,
            data_len: 1000
        }
    );
    // Cut short: more bytes, or an error at the end of the input.
    assert_eq!(detect(&h[..30], false).unwrap(), Start::NeedMore);
    assert!(detect(&h[..30], true).is_err());
    assert_eq!(detect(b"RI", false).unwrap(), Start::NeedMore);
    assert_eq!(detect(&[1, 2, 3, 4, 5], false).unwrap(), Start::Raw);
    for (f, c, b) in [(1, 2, 16), (1, 1, 8), (3, 1, 32)] {
        let e = detect(&wav(f, c, b, 10), false).unwrap_err().to_string();
        assert!(e.contains("16-bit PCM mono") && e.contains("sox"), "{e}");
    }
}

proptest! {
    #[test]
    fn any_split_of_any_input_matches_the_definition(
        x in proptest::collection::vec(any::<i16>(), 0..300),
        taps in proptest::collection::vec(any::<i16>(), 1..40),
        cuts in proptest::collection::vec(0usize..600, 0..5),
    ) {
        let bytes: Vec<u8> = x.iter().flat_map(|s| s.to_le_bytes()).collect();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
        cuts.sort_unstable();
        let mut fir = Fir::new(taps.clone());
        let mut out = Vec::new();
        let mut at = 0;
        for c in cuts.into_iter().chain([bytes.len()]) {
            fir.bytes(&bytes[at..c], &mut out);
            at = c;
        }
        let want: Vec<u8> = reference(&taps, &x).iter().flat_map(|s| s.to_le_bytes()).collect();
        prop_assert_eq!(out, want);
    }

    #[test]
    fn detecting_any_bytes_never_panics(b in proptest::collection::vec(any::<u8>(), 0..200), end in any::<bool>()) {
        let _ = detect(&b, end);
    }
}
