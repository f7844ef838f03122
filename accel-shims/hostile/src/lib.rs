//! `hostile-accel`: an accelerator that attacks its tile on purpose, for
//! the containment tests (`system/stages/tests/containment.rs`).
//!
//! The device copies its input to its output, but its `MODE` register
//! makes it misbehave: write outside the local buffers, never finish a
//! job, or claim more output than it wrote. The driver sets `MODE` from
//! the stage's `op=` (`copy`, `overrun`, `hang`, `overclaim`). The
//! firmware (`shim-hostile`) also issues TCU commands on endpoints it was
//! never given before it serves (`rogue` module). None of it may reach
//! anything outside the tile.
#![forbid(unsafe_code)]

pub mod rogue;

use accel_controller::{Driver, Failure, ParamFiles, Port, Step};
use device_port::{Buffers, Device};
use filter_proto::Job;

/// Register indices.
pub mod reg {
    /// Control: writing 1 starts a job.
    pub const CTRL: u16 = 0;
    /// Status: bit 0 busy, bit 1 done, bit 8 error.
    pub const STATUS: u16 = 1;
    /// Input offset.
    pub const SRC: u16 = 2;
    /// Output offset.
    pub const DST: u16 = 3;
    /// Length.
    pub const LEN: u16 = 4;
    /// Bytes the last job claims it wrote.
    pub const OUT_LEN: u16 = 5;
    /// How to misbehave ([`crate::Mode`]).
    pub const MODE: u16 = 6;
}

/// How the device misbehaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u64)]
pub enum Mode {
    /// Behave: copy.
    #[default]
    Copy = 0,
    /// Write past the end of the local buffers and at huge offsets.
    Overrun = 1,
    /// Never finish a job.
    Hang = 2,
    /// Claim a megabyte more output than written.
    Overclaim = 3,
}

impl Mode {
    /// The mode a stage's `op=` names.
    pub fn from_op(op: &str) -> Option<Mode> {
        Some(match op {
            "copy" => Mode::Copy,
            "overrun" => Mode::Overrun,
            "hang" => Mode::Hang,
            "overclaim" => Mode::Overclaim,
            _ => return None,
        })
    }
}

/// The hostile device.
#[derive(Debug, Default)]
pub struct HostileDevice {
    regs: [u64; 7],
}

impl Device for HostileDevice {
    fn read(&mut self, reg: u16) -> u64 {
        self.regs.get(usize::from(reg)).copied().unwrap_or(0)
    }

    fn write(&mut self, reg: u16, value: u64) -> bool {
        if let Some(r) = self.regs.get_mut(usize::from(reg)) {
            *r = value;
        }
        reg == reg::CTRL && value & 1 == 1
    }

    fn run(&mut self, bufs: &dyn Buffers) {
        let r = self.regs;
        let (src, dst, len) = (r[2], r[3], r[4] as usize);
        let mode = r[6];
        if mode == Mode::Hang as u64 {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
        let mut data = vec![0u8; len];
        let ok = bufs.read(src, &mut data) && bufs.write(dst, &data);
        let mut claimed = if ok { len as u64 } else { 0 };
        let mut error = !ok;
        if mode == Mode::Overrun as u64 {
            // Every one of these must be refused by the port.
            let tries = [bufs.len(), bufs.len() - 1, u64::MAX - 3, 1 << 40];
            let escaped = tries
                .iter()
                .filter(|&&at| bufs.write(at, &[0xAA; 16]))
                .count();
            error = true;
            claimed = escaped as u64;
        }
        if mode == Mode::Overclaim as u64 {
            claimed = len as u64 + (1 << 20);
        }
        self.regs[usize::from(reg::OUT_LEN)] = claimed;
        self.regs[usize::from(reg::STATUS)] = 2 | (u64::from(error) << 8);
    }

    fn busy_status(&self) -> (u16, u64) {
        (reg::STATUS, 1)
    }
}

/// The driver: copies, in the device's mode.
#[derive(Debug, Default)]
pub struct HostileDriver {
    idle: bool,
}

impl Driver for HostileDriver {
    fn setup(&mut self, port: &dyn Port, job: &Job<'_>, _: &dyn ParamFiles) -> Result<(), Failure> {
        let op = job.param("op").unwrap_or_default();
        let mode =
            Mode::from_op(op).ok_or_else(|| Failure::params(format!("hostile: no mode `{op}`")))?;
        port.write(reg::MODE, mode as u64);
        Ok(())
    }

    fn start(
        &mut self,
        port: &dyn Port,
        src: u64,
        len: u64,
        _cap: u64,
        dst: u64,
        _room: u64,
    ) -> Result<(), Failure> {
        self.idle = len == 0;
        if !self.idle {
            port.write(reg::SRC, src);
            port.write(reg::DST, dst);
            port.write(reg::LEN, len);
            port.write(reg::CTRL, 1);
        }
        Ok(())
    }

    fn step(&mut self, port: &dyn Port) -> Result<Step, Failure> {
        if self.idle {
            return Ok(Step::Done(0));
        }
        if port.read(reg::STATUS) & (1 << 8) != 0 {
            let escaped = port.read(reg::OUT_LEN);
            return Err(Failure::device(format!(
                "the hostile device reports an error ({escaped} writes outside its buffers got through)"
            )));
        }
        Ok(Step::Done(port.read(reg::OUT_LEN)))
    }

    fn more(&mut self, _: &dyn Port, _: u64, _: u64) -> Result<(), Failure> {
        Err(Failure::device("no more output"))
    }
}
