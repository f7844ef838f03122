//! noop-bench: times N `Noop` syscalls (argument 1, default 10 000): each
//! a message to the kernel and its reply. Prints `noop: N syscalls, X ns
//! each`.
#![forbid(unsafe_code)]

use tile_syscalls::Syscalls;

fn main() {
    tile_runtime::run(|tile| {
        let n: u32 = tile
            .args()
            .first()
            .and_then(|a| a.parse().ok())
            .unwrap_or(10_000);
        let sys = Syscalls::new(tile);
        // Warm up: the first calls fault pages in.
        for _ in 0..100 {
            if let Err(e) = sys.noop() {
                tile.print(&format!("noop: {e}\n"));
                return 1;
            }
        }
        let t0 = std::time::Instant::now();
        for _ in 0..n {
            if sys.noop().is_err() {
                return 1;
            }
        }
        let ns = t0.elapsed().as_nanos() as f64 / f64::from(n.max(1));
        tile.print(&format!("noop: {n} syscalls, {ns:.0} ns each\n"));
        0
    })
}
