//! One job from request to report, and the double-buffered stream.

use alloc::string::String;

use file_proto::flags;
use filter_proto::{Ctrl, Job, Report, accel};
use tcu_mmio::RegisterAccess;

use crate::files::{FileEnd, Files};
use crate::{Driver, Failure, Local, Port, Step, Tile};

/// The controller of an accelerator tile.
pub struct Controller<'t, A: RegisterAccess, L: Local> {
    tile: &'t Tile<'t, A, L>,
}

/// One of the two buffer pairs: input at `src` (`cap` bytes), output room
/// at `dst` (`room` bytes); offsets in the device's local buffers.
#[derive(Clone, Copy, Debug)]
struct Pair {
    src: u64,
    cap: u64,
    dst: u64,
    room: u64,
}

impl<'t, A: RegisterAccess, L: Local> Controller<'t, A, L> {
    /// The controller of `tile`.
    pub fn new(tile: &'t Tile<'t, A, L>) -> Self {
        Controller { tile }
    }

    /// Asks for the job, runs it with `driver` over `port`, reports.
    /// Returns the report's code (the tile's exit code), with what went
    /// wrong in words.
    pub fn run(&self, driver: &mut dyn Driver, port: &dyn Port) -> (u64, Option<String>) {
        let files = Files {
            tile: self.tile,
            eps: [0, 0],
        };
        let mut b = [0u8; 40];
        let n = Ctrl::Job.encode(&mut b);
        let job_bytes = match files.call(accel::EP_CTRL, &b[..n]) {
            Ok(j) => j,
            // Nobody to report to.
            Err(e) => {
                return (
                    filter_proto::code::BAD_PARAMS,
                    Some(alloc::format!("no job from a client: {e}")),
                );
            }
        };
        let mut report = Report {
            tile: self.tile.id,
            ..Report::default()
        };
        let why = match Job::decode(&job_bytes) {
            Ok(job) => {
                let mut files = Files {
                    tile: self.tile,
                    eps: job.eps,
                };
                self.job(driver, port, &job, &mut files, &mut report).err()
            }
            Err(e) => Some(Failure::params(alloc::format!(
                "the job does not decode: {e}"
            ))),
        };
        let why = why.map(|f| {
            report.code = f.code;
            f.why
        });
        let mut b = [0u8; 40];
        let n = Ctrl::Done(report).encode(&mut b);
        let reported = files.call(accel::EP_CTRL, &b[..n]);
        let why = match (why, reported) {
            (Some(w), _) => Some(w),
            (None, Err(e)) => Some(alloc::format!("cannot report to the client: {e}")),
            (None, Ok(_)) => None,
        };
        (report.code, why)
    }

    fn job(
        &self,
        driver: &mut dyn Driver,
        port: &dyn Port,
        job: &Job<'_>,
        files: &mut Files<'t, A, L>,
        report: &mut Report,
    ) -> Result<(), Failure> {
        driver.setup(port, job, files)?;
        let mut input = files.open(job.input, flags::READ, false)?;
        let mut output = match files.open(
            job.output,
            flags::WRITE | flags::CREATE | flags::TRUNC,
            true,
        ) {
            Ok(o) => o,
            Err(e) => {
                let _ = input.close(files);
                return Err(e.into());
            }
        };
        let r = self.stream(driver, port, files, &mut input, &mut output);
        report.bytes_in = input.bytes;
        report.bytes_out = output.bytes;
        let closed_in = input.close(files);
        let closed_out = output.close(files);
        r?;
        closed_in?;
        closed_out?;
        Ok(())
    }

    /// Streams `input` through the device to `output` with two buffer
    /// pairs: while the device works on one pair, the controller writes
    /// the other's output and reads the next input into it.
    fn stream(
        &self,
        driver: &mut dyn Driver,
        port: &dyn Port,
        files: &Files<'t, A, L>,
        input: &mut FileEnd,
        output: &mut FileEnd,
    ) -> Result<(), Failure> {
        let size = self.tile.mem.size().saturating_sub(accel::BUFFERS);
        let pair = (size / 2) & !63;
        let cap = driver.input_share(pair).min(pair);
        if cap == 0 || pair - cap == 0 {
            return Err(Failure::device("the tile's local buffers are too small"));
        }
        let pairs = [0, pair].map(|at| Pair {
            src: at,
            cap,
            dst: at + cap,
            room: pair - cap,
        });
        let local = |off: u64| accel::BUFFERS + off;
        let mut cur = 0;
        let mut len = input.fill(files, local(pairs[cur].src), cap)?;
        let p = pairs[cur];
        driver.start(port, p.src, len, p.cap, p.dst, p.room)?;
        loop {
            let ended = len == 0;
            // Overlapped with the device: the next input.
            let next = if ended {
                0
            } else {
                input.fill(files, local(pairs[cur ^ 1].src), cap)?
            };
            // The device's output of this pair.
            let p = pairs[cur];
            let out = loop {
                port.wait_idle();
                match driver.step(port)? {
                    Step::Again => {}
                    Step::More(n) => {
                        check(n, p.room)?;
                        output.emit(files, local(p.dst), n)?;
                        driver.more(port, p.dst, p.room)?;
                    }
                    Step::Done(n) => break check(n, p.room)?,
                }
            };
            if ended {
                output.emit(files, local(p.dst), out)?;
                return Ok(());
            }
            // Start the device on the other pair, then write this one's
            // output while it works.
            cur ^= 1;
            len = next;
            let q = pairs[cur];
            driver.start(port, q.src, len, q.cap, q.dst, q.room)?;
            output.emit(files, local(p.dst), out)?;
        }
    }
}

/// A device that claims more output than its buffer holds is not believed.
fn check(n: u64, room: u64) -> Result<u64, Failure> {
    if n > room {
        return Err(Failure::device(alloc::format!(
            "the device claims {n} bytes of output in a buffer of {room}"
        )));
    }
    Ok(n)
}
