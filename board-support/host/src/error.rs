//! What can go wrong reaching a board, each with what to do about it.

use tcu_mmio::TileId;

/// Errors of the host library.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// Not a board URI.
    #[error("`{uri}`: {why}")]
    Uri {
        /// What was given.
        uri: String,
        /// What is wrong and what to use.
        why: String,
    },
    /// A write on a board opened read-only.
    #[error("{uri}: opened read-only; {what} needs the board opened for writing")]
    ReadOnly {
        /// The board.
        uri: String,
        /// What was attempted.
        what: String,
    },
    /// A board file does not load.
    #[error(transparent)]
    BoardFile(#[from] board_schema::BoardError),
    /// The board cannot be reached.
    #[error("{uri}: {source}")]
    Unreachable {
        /// The board.
        uri: String,
        /// Why.
        source: std::io::Error,
    },
    /// Another process owns the board.
    #[error("{uri}: {source}")]
    Busy {
        /// The board.
        uri: String,
        /// Who owns it.
        source: tilekit_sim::window::Busy,
    },
    /// The window has no valid ROM.
    #[error("{uri}: {source}")]
    Rom {
        /// The board.
        uri: String,
        /// What is wrong.
        source: board_window::RomError,
    },
    /// The board is not the one the board file describes.
    #[error(
        "{uri} is not the board {file} describes:\n{}\nfix: name the board file that matches this board (or reprogram the board)",
        .diffs.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n")
    )]
    Mismatch {
        /// The board.
        uri: String,
        /// The board file.
        file: String,
        /// Every difference, expected (file) vs actual (ROM).
        diffs: Vec<board_window::Mismatch>,
    },
    /// A PCIe board that cannot be used yet.
    #[error("{0}")]
    Pcie(String),
    /// The in-process simulator failed.
    #[error(transparent)]
    Sim(#[from] tilekit_sim::SimError),
    /// The board has no such tile.
    #[error("board `{board}` has no tile {tile}; it has {have}")]
    NoTile {
        /// The board's name.
        board: String,
        /// The tile asked for.
        tile: TileId,
        /// The tiles it has.
        have: String,
    },
    /// The board has no host tile.
    #[error(
        "board `{0}` has no host tile: add `- {{ id: N, kind: host, eps: 64 }}` to its board file"
    )]
    NoHostTile(String),
    /// A tile is not a core with memory to load an image into.
    #[error("tile {tile} cannot run programs: {why}")]
    NotACore {
        /// The tile.
        tile: TileId,
        /// Why.
        why: String,
    },
    /// The program is not a loadable tile image.
    #[error(transparent)]
    Image(#[from] tilekit_sim::image::ImageError),
    /// The image does not fit.
    #[error("loading an image into tile {tile}: {source}")]
    Load {
        /// The tile.
        tile: TileId,
        /// Why.
        source: tilekit_sim::image::LoadError,
    },
    /// A TCU command of the host tile failed.
    #[error("host tile: {what} failed with {code:?} ({code})")]
    Tcu {
        /// The command.
        what: String,
        /// The TCU's error code.
        code: tcu_mmio::Code,
    },
    /// Something took too long.
    #[error("{what} did not finish within {secs:.1} s{detail}")]
    Timeout {
        /// What was waited for (names the tile when there is one).
        what: String,
        /// The timeout.
        secs: f64,
        /// What the tile printed last, or other context.
        detail: String,
    },
    /// The host needs privileges its tile no longer has.
    #[error(
        "the host tile is no longer privileged (the kernel took over): {what} is bring-up only; ask root for a session instead"
    )]
    NotPrivileged {
        /// What was attempted.
        what: String,
    },
    /// A program was built for another kernel interface than the kernel.
    #[error(
        "the program for tile {tile} was built for kif ABI {image}, the kernel speaks kif ABI {kernel}: rebuild it against this tilekit"
    )]
    KifVersion {
        /// The tile it was for.
        tile: TileId,
        /// The program's kif ABI version.
        image: u32,
        /// The kernel's.
        kernel: u32,
    },
    /// Data does not fit the bounce buffer or a message.
    #[error("{0}")]
    TooLarge(String),
    /// A file operation of the host failed (the file server's answer).
    #[error("{0}")]
    Files(String),
    /// The kernel refused a syscall of the host tile's activity.
    #[error("the kernel refused the host tile's {op}: {code}")]
    Syscall {
        /// The syscall.
        op: String,
        /// The kernel's code.
        code: kif::Code,
    },
}
