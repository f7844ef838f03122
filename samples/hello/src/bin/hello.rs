//! hello: greets from its tile, proves the way to the kernel and back
//! with two syscalls, and exits 0.
#![forbid(unsafe_code)]

use tile_syscalls::Syscalls;

fn main() {
    tile_runtime::run(|tile| {
        let sys = Syscalls::new(tile);
        if let Err(e) = sys.noop() {
            tile.print(&format!("hello: no kernel: {e}\n"));
            return 1;
        }
        let (quota, left) = match sys.kmem_quota(kif::SEL_KMEM) {
            Ok(q) => q,
            Err(e) => {
                tile.print(&format!("hello: quota: {e}\n"));
                return 2;
            }
        };
        let who = tile
            .args()
            .first()
            .cloned()
            .unwrap_or_else(|| "world".into());
        tile.print(&format!(
            "Hello, {who}! from tile {} (kernel memory: {left} of {quota} bytes left)\n",
            tile.name()
        ));
        0
    })
}
