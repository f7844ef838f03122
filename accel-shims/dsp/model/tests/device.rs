//! The DSP block through its registers, as a shim drives it.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use std::sync::Arc;

use device_port::{Buffers, Runner, VecBuffers};
use dsp_model::device::{DspDevice, ctrl, err, reg, status};

fn job(d: &Runner<DspDevice>, src: u64, dst: u64, len: u64, c: u64) -> u64 {
    d.write(reg::SRC, src);
    d.write(reg::DST, dst);
    d.write(reg::LEN, len);
    d.write(reg::CTRL, c | ctrl::START);
    d.wait_idle();
    d.read(reg::STATUS)
}

#[test]
fn taps_then_filter_jobs_of_odd_sizes_match_the_definition() {
    let bufs = Arc::new(VecBuffers::new(32 << 10));
    let d = Runner::new(DspDevice::new(), bufs.clone());
    let e = |s: u64| s >> status::ERROR_SHIFT;
    assert_eq!(e(job(&d, 0, 0, 100, ctrl::OP_FILTER)), err::NO_TAPS);
    let taps: Vec<i16> = vec![32767, -16384, 1000, 5, -32768, 77];
    let tb: Vec<u8> = taps.iter().flat_map(|t| t.to_le_bytes()).collect();
    bufs.write(0, &tb);
    assert_eq!(e(job(&d, 0, 0, 3, ctrl::OP_LOAD_TAPS)), err::TAPS);
    assert_eq!(
        job(&d, 0, 0, tb.len() as u64, ctrl::OP_LOAD_TAPS),
        status::DONE
    );
    assert_eq!(d.read(reg::NTAPS), 6);
    let x: Vec<i16> = (0..9000)
        .map(|i| ((i * 7919) % 65536 - 32768) as i16)
        .collect();
    let bytes: Vec<u8> = x.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut got = Vec::new();
    for (k, chunk) in bytes.chunks(4095).enumerate() {
        bufs.write(1024, chunk);
        let c = if k == 0 { ctrl::RESET } else { 0 };
        assert_eq!(job(&d, 1024, 16 << 10, chunk.len() as u64, c), status::DONE);
        let n = d.read(reg::OUT_LEN) as usize;
        assert!(n.abs_diff(chunk.len()) <= 1);
        let mut out = vec![0u8; n];
        bufs.read(16 << 10, &mut out);
        got.extend(out);
    }
    let want: Vec<u8> = dsp_model::reference(&taps, &x)
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    assert!(got == want);
    assert_eq!(e(job(&d, 32 << 10, 0, 2, ctrl::OP_FILTER)), err::RANGE);
}
