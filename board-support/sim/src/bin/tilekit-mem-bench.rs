//! A tile program for the READ/WRITE benchmark: `tilekit-mem-bench
//! read|write SIZE ROUNDS` moves SIZE bytes ROUNDS times through memory EP 2
//! (at local address 0) and prints the time it took (the TCU's CUR_TIME).
#![forbid(unsafe_code)]

use tile_runtime::tcu_mmio::{EpId, LocalAddr};

fn main() {
    tile_runtime::run(|tile| {
        let args = tile.args();
        let write = args.first().is_some_and(|a| a == "write");
        let size: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(4096);
        let rounds: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100);
        let t0 = tile.tcu().cur_time();
        for _ in 0..rounds {
            let r = if write {
                tile.tcu().write(EpId(2), LocalAddr(0), size, 0)
            } else {
                tile.tcu().read(EpId(2), LocalAddr(0), size, 0)
            };
            if let Err(e) = r {
                tile.print(&format!("error: {e}\n"));
                return 1;
            }
        }
        let ns = tile.tcu().cur_time().saturating_sub(t0);
        tile.print(&format!("{ns}\n"));
        0
    })
}
