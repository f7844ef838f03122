//! pong: answers N requests (argument 1, default 10) `ping N` with `pong N`.
#![forbid(unsafe_code)]

use ping_pong::{PONG_RECV, receive, stage};
use tile_runtime::tcu_mmio::LocalAddr;

fn main() {
    tile_runtime::run(|tile| {
        let rounds: u32 = tile
            .args()
            .first()
            .and_then(|a| a.parse().ok())
            .unwrap_or(10);
        for n in 0..rounds {
            let (off, msg) = match receive(tile, PONG_RECV) {
                Ok(m) => m,
                Err(e) => {
                    tile.print(&format!("pong: receive failed: {e}\n"));
                    return 1;
                }
            };
            if msg != format!("ping {n}").as_bytes() {
                tile.print(&format!(
                    "pong: request {n} was {:?}\n",
                    String::from_utf8_lossy(&msg)
                ));
                return 2;
            }
            let len = stage(tile, &format!("pong {n}"));
            if let Err(e) = tile
                .tcu()
                .reply(PONG_RECV, LocalAddr(ping_pong::MSG_BUF), len, off)
            {
                tile.print(&format!("pong: REPLY failed: {e}\n"));
                return 3;
            }
        }
        tile.print(&format!("pong: answered {rounds} from {}\n", tile.name()));
        0
    })
}
