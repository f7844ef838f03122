//! ping: sends `ping N` to pong N times (argument 1, default 10) and checks
//! that each reply says `pong N`. With `--time` as argument 2 it also prints
//! the time the round trips took (the TCU's CUR_TIME).
#![forbid(unsafe_code)]

use ping_pong::{PING_REPLIES, PING_SEND, receive, stage};
use tile_runtime::tcu_mmio::{Label, LocalAddr};

fn main() {
    tile_runtime::run(|tile| {
        let rounds: u32 = tile
            .args()
            .first()
            .and_then(|a| a.parse().ok())
            .unwrap_or(10);
        let start = tile.tcu().cur_time();
        for n in 0..rounds {
            let len = stage(tile, &format!("ping {n}"));
            if let Err(e) = tile.tcu().send(
                PING_SEND,
                LocalAddr(ping_pong::MSG_BUF),
                len,
                PING_REPLIES,
                Label(n.into()),
            ) {
                tile.print(&format!("ping: SEND {n} failed: {e}\n"));
                return 1;
            }
            let (off, reply) = match receive(tile, PING_REPLIES) {
                Ok(r) => r,
                Err(e) => {
                    tile.print(&format!("ping: receiving reply {n} failed: {e}\n"));
                    return 2;
                }
            };
            if reply != format!("pong {n}").as_bytes() {
                tile.print(&format!(
                    "ping: reply {n} was {:?}\n",
                    String::from_utf8_lossy(&reply)
                ));
                return 3;
            }
            if let Err(e) = tile.tcu().ack_msg(PING_REPLIES, off) {
                tile.print(&format!("ping: ACK failed: {e}\n"));
                return 4;
            }
        }
        let elapsed = tile.tcu().cur_time().saturating_sub(start);
        if tile.args().get(1).is_some_and(|a| a == "--time") {
            tile.print(&format!("ping: {elapsed} ns\n"));
        }
        tile.print(&format!(
            "ping: {rounds} round trips with {} ok\n",
            tile.name()
        ));
        0
    })
}
