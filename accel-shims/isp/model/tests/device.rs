//! The ISP block through its registers, as a shim drives it.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use std::sync::Arc;

use device_port::{Buffers, Runner, VecBuffers};
use isp_model::device::{IspDevice, ctrl, err, reg, status};
use isp_model::{Params, process};

fn job(d: &Runner<IspDevice>, c: u64) -> u64 {
    d.write(reg::CTRL, c | ctrl::START);
    d.wait_idle();
    d.read(reg::STATUS)
}

/// Drains the FIFO through a 5000-byte window at 40000.
fn drain(d: &Runner<IspDevice>, bufs: &VecBuffers, out: &mut Vec<u8>) {
    while d.read(reg::STATUS) & status::MORE != 0 {
        d.write(reg::DST, 40_000);
        d.write(reg::LEN, 5000);
        assert_eq!(job(d, ctrl::OP_DRAIN) & !status::MORE, status::DONE);
        let n = d.read(reg::OUT_LEN) as usize;
        let mut b = vec![0u8; n];
        bufs.read(40_000, &mut b);
        out.extend(b);
    }
}

#[test]
fn a_frame_pushed_in_jobs_and_drained_matches_the_engine() {
    let (w, h) = (61, 37);
    let mut pgm = format!("P5\n{w} {h}\n1023\n").into_bytes();
    for i in 0..w * h {
        pgm.extend((((i * 37) % 1024) as u16).to_be_bytes());
    }
    let params = Params::parse("black=16 wb=1.5,1,2.25 gamma=linear").unwrap();
    let want = process(&pgm, params).unwrap();
    let bufs = Arc::new(VecBuffers::new(64 << 10));
    let d = Runner::new(IspDevice::new(), bufs.clone());
    d.write(reg::BLACK, 16);
    d.write(reg::WB_R, 6144);
    d.write(reg::WB_B, 9216);
    d.write(reg::GAMMA, 1);
    let mut out = Vec::new();
    for (k, chunk) in pgm.chunks(3001).enumerate() {
        bufs.write(0, chunk);
        d.write(reg::SRC, 0);
        d.write(reg::LEN, chunk.len() as u64);
        let c = ctrl::OP_PUSH | if k == 0 { ctrl::LOAD } else { 0 };
        assert_eq!(job(&d, c) & !status::MORE, status::DONE);
        drain(&d, &bufs, &mut out);
    }
    assert_eq!(job(&d, ctrl::OP_FINISH) & !status::MORE, status::DONE);
    drain(&d, &bufs, &mut out);
    assert_eq!((d.read(reg::WIDTH), d.read(reg::HEIGHT)), (61, 37));
    assert!(out == want);
}

#[test]
fn bad_frames_and_parameters_end_with_an_error_code() {
    let bufs = Arc::new(VecBuffers::new(4096));
    let d = Runner::new(IspDevice::new(), bufs.clone());
    let e = |s: u64| (s & !status::MORE) >> status::ERROR_SHIFT;
    d.write(reg::LEN, 4);
    assert_eq!(e(job(&d, ctrl::OP_PUSH)), err::NO_FRAME);
    d.write(reg::GAMMA, 7);
    assert_eq!(e(job(&d, ctrl::OP_PUSH | ctrl::LOAD)), err::PARAMS);
    d.write(reg::GAMMA, 0);
    bufs.write(0, b"P6\n1 1\n255\nabc");
    d.write(reg::LEN, 14);
    assert_eq!(e(job(&d, ctrl::OP_PUSH | ctrl::LOAD)), err::FORMAT);
    // After an error the frame is gone until the next LOAD.
    assert_eq!(e(job(&d, ctrl::OP_PUSH)), err::NO_FRAME);
    d.write(reg::SRC, 4090);
    d.write(reg::LEN, 10);
    assert_eq!(e(job(&d, ctrl::OP_PUSH | ctrl::LOAD)), err::RANGE);
    // A frame cut short is refused at FINISH.
    bufs.write(0, b"P5 2 2 255\nab");
    d.write(reg::SRC, 0);
    d.write(reg::LEN, 13);
    assert_eq!(
        job(&d, ctrl::OP_PUSH | ctrl::LOAD) & !status::MORE,
        status::DONE
    );
    assert_eq!(e(job(&d, ctrl::OP_FINISH)), err::FORMAT);
}
