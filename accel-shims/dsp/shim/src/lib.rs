//! `dsp-shim`: the DSP tile's driver — how the controller drives the DSP
//! block's registers (`dsp_model::device`) for the `fir` stage
//! (`taps=PATH`): the taps file is read through the tile's file session
//! and LOADed into the block; a WAV header at the start of the input is
//! skipped (other WAVs are refused with the fix); every buffer is one
//! FILTER job, the block carrying the history and a sample cut by a
//! buffer's end into the next.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;

use accel_controller::{Driver, Failure, ParamFiles, Port, Step, check_status, param_file};
use dsp_model::device::{ctrl, err, reg, status};
use dsp_model::taps;
use dsp_model::wav::{Start, detect};
use filter_proto::Job;

/// Where the input stands.
#[derive(Debug, Default)]
enum Head {
    /// Looking for a WAV header: the bytes so far.
    #[default]
    Looking,
    /// Sample data: how many bytes of it are left (a WAV's data chunk may
    /// be followed by other chunks).
    Data(u64),
}

/// The DSP block's driver.
#[derive(Debug, Default)]
pub struct DspDriver {
    head: Head,
    seen: Vec<u8>,
    /// Sample bytes fed so far (an odd total is a cut sample).
    fed: u64,
    /// A step without a device job.
    idle: Option<Step>,
}

fn describe(code: u64) -> &'static str {
    match code {
        err::RANGE => "a job's buffers leave the local buffers",
        err::NO_TAPS => "FILTER before taps were loaded",
        err::TAPS => "taps the block does not take (none, too many, or an odd length)",
        err::OP => "an operation the block does not have",
        _ => "an error code the block does not document",
    }
}

fn check(port: &dyn Port) -> Result<(), Failure> {
    let st = port.read(reg::STATUS);
    check_status("DSP", st, status::ERROR_SHIFT, status::DONE, describe)
}

impl DspDriver {
    /// Feeds `len` sample bytes at `src` to a FILTER job.
    fn filter(
        &mut self,
        port: &dyn Port,
        src: u64,
        len: u64,
        dst: u64,
        room: u64,
    ) -> Result<(), Failure> {
        if len == 0 {
            self.idle = Some(Step::Done(0));
            return Ok(());
        }
        if len + 1 > room {
            return Err(Failure::device("a FILTER job larger than its output room"));
        }
        self.fed += len;
        port.write(reg::SRC, src);
        port.write(reg::DST, dst);
        port.write(reg::LEN, len);
        port.write(reg::CTRL, ctrl::START | ctrl::OP_FILTER);
        Ok(())
    }
}

impl Driver for DspDriver {
    fn setup(
        &mut self,
        port: &dyn Port,
        job: &Job<'_>,
        files: &dyn ParamFiles,
    ) -> Result<(), Failure> {
        if job.param("op") != Some("fir") {
            return Err(Failure::params("the DSP tile runs op=fir"));
        }
        let path = job
            .param("taps")
            .ok_or_else(|| Failure::params("fir needs taps=PATH (a file of Q15 integers)"))?;
        let text = param_file(files, "taps", path, 1 << 20)?;
        let taps = taps::parse(&text).map_err(|e| Failure::params(format!("{path}: {e}")))?;
        let bytes: Vec<u8> = taps.iter().flat_map(|t| t.to_le_bytes()).collect();
        if !port.write_buffer(0, &bytes) {
            return Err(Failure::params(format!(
                "{path}: {} taps do not fit the tile's buffers",
                taps.len()
            )));
        }
        port.write(reg::SRC, 0);
        port.write(reg::LEN, bytes.len() as u64);
        port.write(reg::CTRL, ctrl::START | ctrl::OP_LOAD_TAPS | ctrl::RESET);
        port.wait_idle();
        check(port).map_err(|f| Failure::params(format!("{path}: {}", f.why)))
    }

    fn input_share(&self, pair: u64) -> u64 {
        // Output is as long as the input, plus a held byte.
        ((pair - 64) / 2) & !63
    }

    fn start(
        &mut self,
        port: &dyn Port,
        src: u64,
        len: u64,
        cap: u64,
        dst: u64,
        room: u64,
    ) -> Result<(), Failure> {
        if len == 0 {
            if matches!(self.head, Head::Looking) && !self.seen.is_empty() {
                // A short input: decide on what there is.
                let start = detect(&self.seen, true).map_err(|e| Failure::input(e.to_string()))?;
                return self.begin(port, start, src, cap, dst, room);
            }
            if self.fed % 2 == 1 {
                return Err(Failure::input(
                    "the input ends in the middle of a sample: 16-bit PCM has an even length",
                ));
            }
            self.idle = Some(Step::Done(0));
            return Ok(());
        }
        match self.head {
            Head::Data(left) => {
                let n = len.min(left);
                self.head = Head::Data(left - n);
                self.filter(port, src, n, dst, room)
            }
            Head::Looking => {
                let at = self.seen.len();
                self.seen.resize(at + len as usize, 0);
                if !port.read_buffer(src, &mut self.seen[at..]) {
                    return Err(Failure::device(
                        "the input buffer is outside the local buffers",
                    ));
                }
                match detect(&self.seen, false).map_err(|e| Failure::input(e.to_string()))? {
                    Start::NeedMore => {
                        self.idle = Some(Step::Done(0));
                        Ok(())
                    }
                    start => self.begin(port, start, src, cap, dst, room),
                }
            }
        }
    }

    fn step(&mut self, port: &dyn Port) -> Result<Step, Failure> {
        if let Some(s) = self.idle.take() {
            return Ok(s);
        }
        check(port)?;
        Ok(Step::Done(port.read(reg::OUT_LEN)))
    }

    fn more(&mut self, _: &dyn Port, _: u64, _: u64) -> Result<(), Failure> {
        Err(Failure::device("the DSP block has no further output"))
    }
}

impl DspDriver {
    /// The start of the input is known: the sample bytes seen so far go
    /// back into the input buffer and are filtered.
    fn begin(
        &mut self,
        port: &dyn Port,
        start: Start,
        src: u64,
        cap: u64,
        dst: u64,
        room: u64,
    ) -> Result<(), Failure> {
        let (skip, left) = match start {
            Start::Wav { data_at, data_len } => (data_at, data_len),
            _ => (0, u64::MAX),
        };
        let seen = core::mem::take(&mut self.seen);
        let data = seen.get(skip..).unwrap_or_default();
        let n = (data.len() as u64).min(left);
        if n > cap {
            return Err(Failure::input(
                "the WAV header is longer than the DSP tile's input buffer",
            ));
        }
        if !port.write_buffer(src, &data[..n as usize]) {
            return Err(Failure::device(
                "the input buffer is outside the local buffers",
            ));
        }
        self.head = Head::Data(left - n);
        self.filter(port, src, n, dst, room)
    }
}
