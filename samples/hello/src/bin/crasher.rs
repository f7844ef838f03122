//! crasher: ends badly on purpose, for tests of what the kernel does when
//! a program dies: `crasher panic` panics, `crasher exit N` returns N.
#![forbid(unsafe_code)]

fn main() {
    tile_runtime::run(|tile| {
        let args = tile.args();
        match args.first().map(String::as_str) {
            Some("panic") => panic!("on purpose, as asked"),
            Some("exit") => args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1),
            _ => {
                tile.print("crasher: give `panic` or `exit N`\n");
                2
            }
        }
    })
}
