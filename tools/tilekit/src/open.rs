//! How every command opens a board: `--board URI|FILE` (else
//! `TILEKIT_BOARD`, else the embedded demo board), `--board-file` for the
//! ROM check, `--insecure` for in-process boards; and which exit code a
//! failure to open maps to.

use std::path::PathBuf;

use board_host::{Board, BoardUri, HostError, Isolation, OpenOptions};
use tcu_mmio::TileId;

use crate::exit::Exit;

/// The board options shared by commands that talk to a board.
#[derive(clap::Args, Debug, Clone)]
pub struct BoardArgs {
    /// The board: `sim:NAME` (served by `tilekit sim`), `pcie:DDDD:BB:DD.F`,
    /// or a board file simulated in this process. Default: $TILEKIT_BOARD,
    /// else the embedded demo board.
    #[arg(long, value_name = "URI|FILE")]
    pub board: Option<String>,
    /// Board file the board's ROM must match (refused with every
    /// difference named otherwise).
    #[arg(long, value_name = "FILE")]
    pub board_file: Option<PathBuf>,
    /// Run tiles simulated in this process without the sandbox (a hostile
    /// tile could then reach your files and processes).
    #[arg(long)]
    pub insecure: bool,
}

impl BoardArgs {
    /// Opens the board (read-only for viewers); on failure prints the
    /// error and returns the exit code to end with.
    pub fn open(&self, read_only: bool) -> Result<Board, Exit> {
        let uri = BoardUri::or_default(self.board.as_deref()).map_err(report)?;
        let opts = OpenOptions {
            board_file: self.board_file.clone(),
            read_only,
            isolation: if self.insecure {
                Isolation::Insecure
            } else {
                Isolation::Sandboxed
            },
            catalog: crate::board::catalog(),
            ..OpenOptions::default()
        };
        Board::open(&uri, &opts).map_err(report)
    }
}

/// Prints an error of the host library and picks the exit code: 3 when the
/// board or the machine is not available, 1 when the board is wrong.
pub fn report(e: HostError) -> Exit {
    eprintln!("error: {e}");
    match e {
        HostError::Unreachable { .. }
        | HostError::Busy { .. }
        | HostError::Pcie(_)
        | HostError::Rom { .. }
        | HostError::Sim(tilekit_sim::SimError::Sandbox(_)) => Exit::Unavailable,
        HostError::Uri { .. } => Exit::Usage,
        _ => Exit::Failed,
    }
}

/// A tile by number on chip 0 (`3`) or by name (`C0T03`).
pub fn parse_tile(s: &str) -> Option<TileId> {
    if let Ok(n) = s.parse::<u8>() {
        return Some(TileId::on_chip0(n));
    }
    let rest = s.strip_prefix('C')?;
    let (chip, tile) = rest.split_once('T')?;
    TileId::new(chip.parse().ok()?, tile.parse().ok()?).ok()
}
