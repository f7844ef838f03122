//! What the TCUs did, for traces: every command a tile issued and every
//! message delivered, recorded while [`crate::Model::record`] is on.
//!
//! Recording costs a push per command; it is off unless a tool asks
//! (`tilekit trace`). The records carry no time: the simulator stamps them
//! when it drains them, right after the command ran.

use tcu_mmio::cmd::CmdOp;
use tcu_mmio::{Code, EpId, TileId};

/// One thing a TCU did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    /// A command completed (SLEEP only when it did not have to wait).
    Command {
        /// The tile that issued it.
        tile: TileId,
        /// The command.
        op: CmdOp,
        /// Its endpoint.
        ep: EpId,
        /// The error it completed with (`Code::None`: success).
        error: Code,
        /// Bytes it moved or sent (DATA_SIZE), 0 for the others.
        bytes: u64,
        /// Where a SEND's or a memory command's endpoint points.
        peer: Option<TileId>,
    },
    /// A message landed in a receive buffer.
    Delivered {
        /// The sender.
        from: TileId,
        /// The receiver.
        to: TileId,
        /// The receive endpoint.
        ep: EpId,
        /// Payload bytes.
        bytes: u64,
        /// The message's label.
        label: u64,
        /// A reply (not a request).
        reply: bool,
    },
}
