//! `isp-shim`: the ISP tile's driver — how the controller drives the ISP
//! block's registers (`isp_model::device`) for the `isp` stage
//! (`black=N wb=R,G,B gamma=srgb|linear`): the parameters go into
//! `BLACK`, `WB_*` and `GAMMA`, the first PUSH LOADs them; every input
//! buffer is PUSHed, the end FINISHes the frame, and the output FIFO is
//! DRAINed into the output buffer as often as it holds more (a frame's
//! output is about three times its input).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use accel_controller::{Driver, Failure, ParamFiles, Port, Step, check_status};
use filter_proto::Job;
use isp_model::device::{ctrl, err, reg, status};
use isp_model::{Gamma, Params};

/// What the block is doing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Nothing started.
    #[default]
    Idle,
    /// A PUSH or FINISH runs; its output goes to `dst`.
    Feeding { dst: u64, room: u64 },
    /// A DRAIN runs.
    Draining,
}

/// The ISP block's driver.
#[derive(Debug, Default)]
pub struct IspDriver {
    loaded: bool,
    phase: Phase,
}

fn describe(code: u64) -> &'static str {
    match code {
        err::RANGE => "a job's buffers leave the local buffers",
        err::FORMAT => "the input is not a valid PGM frame",
        err::NO_FRAME => "input before a frame was begun",
        err::PARAMS => "parameters out of range",
        err::OP => "an operation the block does not have",
        _ => "an error code the block does not document",
    }
}

impl IspDriver {
    fn drain(&mut self, port: &dyn Port, dst: u64, room: u64) {
        port.write(reg::DST, dst);
        port.write(reg::LEN, room);
        port.write(reg::CTRL, ctrl::START | ctrl::OP_DRAIN);
        self.phase = Phase::Draining;
    }
}

impl Driver for IspDriver {
    fn setup(&mut self, port: &dyn Port, job: &Job<'_>, _: &dyn ParamFiles) -> Result<(), Failure> {
        if job.param("op") != Some("isp") {
            return Err(Failure::params("the ISP tile runs op=isp"));
        }
        let words: Vec<&str> = job
            .params
            .split_whitespace()
            .filter(|w| !w.starts_with("op="))
            .collect();
        let words: String = words.join(" ");
        let p = Params::parse(&words).map_err(|e| Failure::params(format!("isp: {e}")))?;
        port.write(reg::BLACK, u64::from(p.black));
        port.write(reg::WB_R, u64::from(p.wb[0]));
        port.write(reg::WB_G, u64::from(p.wb[1]));
        port.write(reg::WB_B, u64::from(p.wb[2]));
        let gamma = match p.gamma {
            Gamma::Srgb => 0,
            Gamma::Linear => 1,
        };
        port.write(reg::GAMMA, gamma);
        Ok(())
    }

    fn input_share(&self, pair: u64) -> u64 {
        (pair / 4) & !63
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
        let load = if self.loaded { 0 } else { ctrl::LOAD };
        self.loaded = true;
        let op = if len == 0 {
            ctrl::OP_FINISH
        } else {
            ctrl::OP_PUSH
        };
        port.write(reg::SRC, src);
        port.write(reg::LEN, len);
        port.write(reg::CTRL, ctrl::START | op | load);
        self.phase = Phase::Feeding { dst, room };
        Ok(())
    }

    fn step(&mut self, port: &dyn Port) -> Result<Step, Failure> {
        let st = port.read(reg::STATUS);
        let code = (st >> status::ERROR_SHIFT) & 0xFF;
        if code == err::FORMAT {
            return Err(Failure::input(
                "the input is not a Bayer RGGB PGM frame (P5, 8- or 16-bit, maxval up to 65535)",
            ));
        }
        check_status("ISP", st, status::ERROR_SHIFT, status::DONE, describe)?;
        match self.phase {
            Phase::Feeding { dst, room } => {
                if st & status::MORE != 0 {
                    self.drain(port, dst, room);
                    Ok(Step::Again)
                } else {
                    self.phase = Phase::Idle;
                    Ok(Step::Done(0))
                }
            }
            Phase::Draining => {
                let n = port.read(reg::OUT_LEN);
                if st & status::MORE != 0 {
                    Ok(Step::More(n))
                } else {
                    self.phase = Phase::Idle;
                    Ok(Step::Done(n))
                }
            }
            Phase::Idle => Ok(Step::Done(0)),
        }
    }

    fn more(&mut self, port: &dyn Port, dst: u64, room: u64) -> Result<(), Failure> {
        self.drain(port, dst, room);
        Ok(())
    }
}
