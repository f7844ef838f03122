//! The ping-pong sample: `ping` sends numbered requests to `pong`, which
//! answers each with a reply; both check every byte.
//!
//! Until the kernel exists, whoever starts the two tiles configures their
//! endpoints as this module says (the test harness does; later the kernel
//! and root will, from the board's `boot:` section).
#![forbid(unsafe_code)]

use tile_runtime::Tile;
use tile_runtime::tcu_mmio::ep::{Credits, EpConfig, RecvEp, SendEp};
use tile_runtime::tcu_mmio::tcu::MsgOffset;
use tile_runtime::tcu_mmio::{ActId, Code, EpId, Label, LocalAddr, TileId};

/// ping: send EP onto pong's receive EP.
pub const PING_SEND: EpId = EpId(0);
/// ping: receive EP for the replies.
pub const PING_REPLIES: EpId = EpId(1);
/// pong: receive EP for the requests.
pub const PONG_RECV: EpId = EpId(0);
/// pong: first reply EP (one per slot of PONG_RECV).
pub const PONG_REPLY_EPS: EpId = EpId(8);
/// Both: where outgoing messages are assembled in local memory.
pub const MSG_BUF: u64 = 0x0;
/// Both: the receive buffer in local memory.
pub const RECV_BUF: u64 = 0x1000;
/// Slots are 256 bytes (log2 8); ping has 2 slots, pong 4.
pub const SLOT_SIZE_LOG2: u8 = 8;

/// The endpoints this pair needs, as (tile, endpoint, configuration): what
/// the kernel will set up from a board's `boot:` section, and what tests
/// and benchmarks configure until then.
pub fn endpoint_plan(ping: TileId, pong: TileId) -> Vec<(TileId, EpId, EpConfig)> {
    let recv = |slots_log2, reply_eps| {
        EpConfig::Receive(RecvEp {
            act: ActId::INVALID,
            reply_eps,
            slots_log2,
            slot_size_log2: SLOT_SIZE_LOG2,
            wpos: 0,
            rpos: 0,
            buf_addr: RECV_BUF,
            occupied: 0,
            unread: 0,
        })
    };
    // One credit: ping has one request out at a time.
    let one = Credits::new(1).unwrap_or(Credits::UNLIMITED);
    let send = EpConfig::Send(SendEp {
        act: ActId::INVALID,
        cur_credits: one,
        max_credits: one,
        msg_size_log2: SLOT_SIZE_LOG2,
        credit_ep: EpId::INVALID,
        reply: false,
        target_tile: pong,
        target_ep: PONG_RECV,
        label: Label(0x5157),
    });
    vec![
        (ping, PING_SEND, send),
        (ping, PING_REPLIES, recv(1, EpId::INVALID)),
        (pong, PONG_RECV, recv(2, PONG_REPLY_EPS)),
    ]
}

/// Waits for the next message on `ep` and returns (offset, payload).
pub fn receive(tile: &Tile, ep: EpId) -> Result<(MsgOffset, Vec<u8>), Code> {
    loop {
        // SLEEP returns at once when a message is already unread, so it
        // goes first: one command less per message than FETCH-then-SLEEP.
        tile.tcu().sleep(ep)?;
        if let Some(off) = tile.tcu().fetch_msg(ep)? {
            let mut slot = [0u8; 1 << SLOT_SIZE_LOG2];
            if !tile.read_mem(LocalAddr(RECV_BUF + u64::from(off.0)), &mut slot) {
                return Err(Code::NoPmpEp);
            }
            let header = tile_runtime::tcu_mmio::Header::read_from(&slot).ok_or(Code::Abort)?;
            let info = header.info().map_err(|_| Code::Abort)?;
            let end = 32 + usize::from(info.length).min(slot.len() - 32);
            return Ok((off, slot[32..end].to_vec()));
        }
    }
}

/// Puts `text` into the message buffer; returns its length.
pub fn stage(tile: &Tile, text: &str) -> u64 {
    tile.write_mem(LocalAddr(MSG_BUF), text.as_bytes());
    text.len() as u64
}
