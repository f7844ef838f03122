//! The filter's side: ask for the job, transform input into output,
//! report.

use std::io::{self, Read, Write};

use filter_proto::{Ctrl, Job, MSG_ORDER, Report, code};
use tile_files::{FileSession, flags};
use tile_gates::{Env, RecvGate, SendGate};
use tile_runtime::Tile;

use crate::CTRL_SEL;

/// Why a filter's transformation failed: a code for the report (see
/// `filter_proto::code`) and a message for the tile's log.
#[derive(Debug)]
pub struct Failure {
    /// The report's code.
    pub code: u64,
    /// What went wrong, for the log.
    pub why: String,
}

impl Failure {
    /// Parameters the filter does not understand.
    pub fn params(why: impl Into<String>) -> Failure {
        Failure {
            code: code::BAD_PARAMS,
            why: why.into(),
        }
    }

    /// Input not in the filter's format.
    pub fn input(why: impl Into<String>) -> Failure {
        Failure {
            code: code::BAD_INPUT,
            why: why.into(),
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        // The file protocol's error number when the file server said no.
        let code = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<tile_files::FileError>())
            .and_then(|fe| match fe {
                tile_files::FileError::Fs(err) => Some(*err as u64),
                _ => None,
            })
            .unwrap_or(file_proto::Error::InvArgs as u64);
        Failure {
            code,
            why: e.to_string(),
        }
    }
}

/// Counts the bytes that pass.
struct Counted<T> {
    inner: T,
    bytes: u64,
}

impl<T: Read> Read for Counted<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<T: Write> Write for Counted<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The raw tile id (`TileId::raw`) of a tile named `CxTyy` (0 if the
/// name is not one).
fn tile_raw(name: &str) -> u64 {
    use tile_runtime::tcu_mmio::TileId;
    name.parse::<TileId>().map_or(0, |t| u64::from(t.raw()))
}

/// Runs the filter on `tile`: asks its parent for the job (over the gate
/// at [`crate::CTRL_SEL`]), opens the job's input for reading and its
/// output for writing (created, truncated) on the first file session, and
/// hands both to `transform` with the session (for files the parameters
/// name: taps, keys). Closes both (a pipe's reader sees EOF),
/// reports to the parent, and returns the exit code (0 on success, else
/// the report's code).
pub fn run<F>(tile: &Tile, transform: F) -> i32
where
    F: FnOnce(&Job<'_>, &mut dyn Read, &mut dyn Write, &FileSession<'_>) -> Result<(), Failure>,
{
    let env = Env::new(tile);
    let ctrl = match Control::new(&env) {
        Ok(c) => c,
        Err(e) => {
            tile.print(&format!(
                "{}: no control gate from a parent ({e}); a filter is started by a pipeline\n",
                tile.name()
            ));
            return code::BAD_PARAMS as i32;
        }
    };
    let job_bytes = match ctrl.call(&env, Ctrl::Job) {
        Ok(b) => b,
        Err(e) => {
            tile.print(&format!("{}: no job from the parent: {e}\n", tile.name()));
            return code::BAD_PARAMS as i32;
        }
    };
    let mut report = Report {
        tile: tile_raw(tile.name()),
        ..Report::default()
    };
    let r = match Job::decode(&job_bytes) {
        Ok(job) => transform_files(&env, &job, transform, &mut report),
        Err(e) => Err(Failure::params(format!("the job does not decode: {e}"))),
    };
    if let Err(f) = r {
        tile.print(&format!("{}: filter failed: {}\n", tile.name(), f.why));
        report.code = f.code;
    }
    if let Err(e) = ctrl.call(&env, Ctrl::Done(report)) {
        tile.print(&format!(
            "{}: cannot report to the parent: {e}\n",
            tile.name()
        ));
    }
    i32::try_from(report.code).unwrap_or(i32::MAX)
}

fn transform_files<F>(
    env: &Env<'_>,
    job: &Job<'_>,
    transform: F,
    report: &mut Report,
) -> Result<(), Failure>
where
    F: FnOnce(&Job<'_>, &mut dyn Read, &mut dyn Write, &FileSession<'_>) -> Result<(), Failure>,
{
    let files = FileSession::first(env).map_err(|e| Failure {
        code: file_proto::Error::InvArgs as u64,
        why: format!("no file session (give the filter `sessions: [fs]`): {e}"),
    })?;
    let input = files
        .open(job.input, flags::READ)
        .map_err(io::Error::from)?;
    let output = files
        .open(job.output, flags::WRITE | flags::CREATE | flags::TRUNC)
        .map_err(io::Error::from)?;
    let mut input = Counted {
        inner: input,
        bytes: 0,
    };
    let mut output = Counted {
        inner: output,
        bytes: 0,
    };
    let r = transform(job, &mut input, &mut output, &files);
    let flushed = output.flush();
    report.bytes_in = input.bytes;
    report.bytes_out = output.bytes;
    // Closing the output commits it and tells a pipe's reader EOF; the
    // input's close tells a pipe's writer nobody reads on.
    let closed = output.inner.close().map_err(io::Error::from);
    let _ = input.inner.close();
    r?;
    flushed?;
    closed?;
    Ok(())
}

/// The filter's control gate and the gate its answers come to.
struct Control {
    sgate: SendGate,
    reply: RecvGate,
}

impl Control {
    fn new(env: &Env<'_>) -> Result<Control, tile_gates::GateError> {
        Ok(Control {
            sgate: SendGate::activate(env, CTRL_SEL)?,
            reply: RecvGate::new(env, MSG_ORDER, MSG_ORDER)?,
        })
    }

    fn call(&self, env: &Env<'_>, c: Ctrl) -> Result<Vec<u8>, tile_gates::GateError> {
        let mut b = [0u8; 40];
        let n = c.encode(&mut b);
        self.sgate.call(env, &b[..n], &self.reply)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::tile_raw;

    #[test]
    fn tile_names_give_raw_ids() {
        assert_eq!(tile_raw("C0T03"), 3);
        let c1t12 = tile_runtime::tcu_mmio::TileId::new(1, 12).unwrap();
        assert_eq!(tile_raw("C1T12"), u64::from(c1t12.raw()));
        assert_eq!(tile_raw("tile"), 0);
    }
}
