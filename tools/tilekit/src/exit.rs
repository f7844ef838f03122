//! The exit codes of every tilekit command (documented in docs/cli.md).

use std::process::ExitCode;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Success,
    /// The check or the operation failed (invalid board, failing test, …).
    Failed,
    /// The command line is wrong (clap reports most of these itself).
    Usage,
    /// The board or the machine is not available (not served, busy, no permission).
    Unavailable,
    /// `tilekit run`: the program's own exit code (128 + signal after a
    /// crash, 124 when stopped at the timeout).
    Program(u8),
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        match e {
            Exit::Success => ExitCode::SUCCESS,
            Exit::Failed => ExitCode::from(1),
            Exit::Usage => ExitCode::from(2),
            Exit::Unavailable => ExitCode::from(3),
            Exit::Program(code) => ExitCode::from(code),
        }
    }
}
