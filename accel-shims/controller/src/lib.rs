//! `accel-controller`: what runs on an accelerator tile's controller.
//!
//! The controller is the only code of the tile that knows both sides: the
//! TCU (endpoints its client configured, [`filter_proto::accel`]) and the
//! device (its registers, through a [`Port`]). It never talks to the
//! kernel. For one job it
//!
//! 1. asks its client for the job over the control endpoint
//!    ([`filter_proto::Ctrl::Job`]);
//! 2. lets the kind's [`Driver`] set the device up from the parameters
//!    (reading parameter files, such as a key or taps, through its file
//!    session);
//! 3. opens input and output through its file session (the file server
//!    points the tile's two memory endpoints at the pieces) and streams:
//!    while the device works on one buffer, the controller writes the
//!    previous buffer's output and reads the next input into the other
//!    (double buffering, inside [`Controller::run`]);
//! 4. reports bytes and a code ([`filter_proto::Ctrl::Done`]) and ends.
//!
//! `no_std` with `alloc`, as it would run on a small controller core; the
//! `sim` feature adds the glue that runs it as a simulated tile's firmware.
#![cfg_attr(not(feature = "sim"), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod files;
mod stream;

#[cfg(feature = "sim")]
pub mod sim;

use alloc::string::String;
use alloc::vec::Vec;

use filter_proto::{Job, code};
use tcu_mmio::{RegisterAccess, Tcu};

pub use files::FsFail;

pub use files::{FileEnd, Files};
pub use stream::Controller;

/// The tile's local memory as its controller sees it (addresses from 0).
pub trait Local {
    /// Its size in bytes.
    fn size(&self) -> u64;
    /// Copies `buf.len()` bytes at `addr` into `buf`; false outside.
    fn read(&self, addr: u64, buf: &mut [u8]) -> bool;
    /// Copies `data` to `addr`; false outside.
    fn write(&self, addr: u64, data: &[u8]) -> bool;
}

/// The device as the controller drives it: registers, and whether a job
/// runs. Offsets into the device's local buffers count from
/// [`filter_proto::accel::BUFFERS`].
pub trait Port {
    /// Reads register `reg`.
    fn read(&self, reg: u16) -> u64;
    /// Writes register `reg` (a write may start a job).
    fn write(&self, reg: u16, value: u64);
    /// Waits until no job runs.
    fn wait_idle(&self);
    /// Copies bytes at `off` of the local buffers into `buf` (the
    /// controller may look at what it fed the device).
    fn read_buffer(&self, off: u64, buf: &mut [u8]) -> bool;
    /// Copies `data` to `off` of the local buffers.
    fn write_buffer(&self, off: u64, data: &[u8]) -> bool;
}

/// What a device job produced, once the device is idle again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Another device job runs: wait for it, then ask again.
    Again,
    /// `n` output bytes lie at the output buffer and more will follow:
    /// take them, then call [`Driver::more`].
    More(u64),
    /// `n` output bytes lie at the output buffer; the input given is used
    /// up.
    Done(u64),
}

/// Why a job failed: a code for the report ([`filter_proto::code`] or a
/// file-protocol error) and words for the tile's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The report's code.
    pub code: u64,
    /// What happened.
    pub why: String,
}

impl Failure {
    /// Parameters the driver does not understand.
    pub fn params(why: impl Into<String>) -> Failure {
        Failure {
            code: code::BAD_PARAMS,
            why: why.into(),
        }
    }
    /// Input not in the device's format.
    pub fn input(why: impl Into<String>) -> Failure {
        Failure {
            code: code::BAD_INPUT,
            why: why.into(),
        }
    }
    /// The device reported an error.
    pub fn device(why: impl Into<String>) -> Failure {
        Failure {
            code: code::DEVICE,
            why: why.into(),
        }
    }
}

/// One accelerator kind's knowledge of its device: how parameters become
/// register values and how a stream becomes device jobs.
pub trait Driver {
    /// Sets the device up for `job` (`op=STAGE` first among its
    /// parameters); may read parameter files through `files`.
    fn setup(
        &mut self,
        port: &dyn Port,
        job: &Job<'_>,
        files: &dyn ParamFiles,
    ) -> Result<(), Failure>;

    /// How many input bytes to feed per job when each of the two buffer
    /// pairs has `pair` bytes (the rest of the pair is output room).
    fn input_share(&self, pair: u64) -> u64 {
        (pair / 2) & !63
    }

    /// Starts work on `len` input bytes at `src` (`len == 0`: the input has
    /// ended), output to `dst` with `room` bytes. `cap` is the input
    /// buffer's size (a driver may rewrite it, e.g. to drop a header).
    fn start(
        &mut self,
        port: &dyn Port,
        src: u64,
        len: u64,
        cap: u64,
        dst: u64,
        room: u64,
    ) -> Result<(), Failure>;

    /// The device is idle after `start` or `more`: what it produced.
    fn step(&mut self, port: &dyn Port) -> Result<Step, Failure>;

    /// After [`Step::More`]: the output was taken; produce more into `dst`.
    fn more(&mut self, port: &dyn Port, dst: u64, room: u64) -> Result<(), Failure>;
}

/// Checks a device's status word once a job ended, the way most blocks
/// report: an error code in the byte at `error_shift` (0: none), named by
/// `describe`, and a `done` bit.
pub fn check_status(
    block: &str,
    status: u64,
    error_shift: u32,
    done: u64,
    describe: fn(u64) -> &'static str,
) -> Result<(), Failure> {
    let code = (status >> error_shift) & 0xFF;
    if code != 0 {
        return Err(Failure::device(alloc::format!(
            "the {block} block reports error {code}: {}",
            describe(code)
        )));
    }
    if status & done == 0 {
        return Err(Failure::device(alloc::format!(
            "the {block} block is idle but not done"
        )));
    }
    Ok(())
}

/// Parameter files (a key, taps) as a driver reads them before streaming.
pub trait ParamFiles {
    /// The whole file at `path` (at most `max` bytes).
    fn read_whole(&self, path: &str, max: usize) -> Result<Vec<u8>, String>;
}

/// Reads a whole parameter file (at most `max` bytes) as text; `what`
/// names it in errors.
pub fn param_file(
    files: &dyn ParamFiles,
    what: &str,
    path: &str,
    max: usize,
) -> Result<String, Failure> {
    let bytes = files
        .read_whole(path, max)
        .map_err(|e| Failure::params(alloc::format!("{what}: cannot read {path}: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|_| Failure::params(alloc::format!("{what}: {path} is not text")))
}

/// The tile's TCU and local memory.
pub struct Tile<'t, A: RegisterAccess, L: Local> {
    /// The TCU.
    pub tcu: &'t Tcu<A>,
    /// Local memory.
    pub mem: &'t L,
    /// The tile's id (`TileId::raw`), for the report.
    pub id: u64,
}
