//! echo-client: uses the session root gave it (the first, at
//! `kif::plan::SESSION_SELS`): obtains a send gate over it, sends its
//! arguments as a message and prints the answer. Exits 0 on an answer, 3
//! when the server does not answer in time, 2 on other errors.
#![forbid(unsafe_code)]

use kif::{CapRange, CapSel, Code};
use services::RecvGate;
use tile_runtime::tcu_mmio::{Label, LocalAddr};
use tile_syscalls::{SyscallError, Syscalls};

fn main() {
    tile_runtime::run(|tile| {
        let sys = Syscalls::new(tile);
        match talk(tile, &sys) {
            Ok(answer) => {
                tile.print(&format!("echo-client: {answer}\n"));
                0
            }
            Err(SyscallError::Kernel(Code::Timeout)) => {
                tile.print("echo-client: the server did not answer in time (TIMEOUT)\n");
                3
            }
            Err(e) => {
                tile.print(&format!("echo-client: {e}\n"));
                2
            }
        }
    })
}

fn talk(tile: &tile_runtime::Tile, sys: &Syscalls<'_>) -> Result<String, SyscallError> {
    let sess = kif::plan::SESSION_SELS;
    let sgate = CapSel(40);
    sys.exchange_sess(sess, CapRange::one(sgate), true, [0, 0])?;
    // Where answers arrive: one slot of 256 bytes.
    let replies = RecvGate::new(sys, CapSel(41), 8, 8, 0x2000)?;
    let sep = CapSel(43);
    let ep = sys.alloc_ep(sep, 0)?;
    sys.activate(sep, sgate, 0)?;
    let text = tile.args().join(" ");
    tile.write_mem(LocalAddr(0x3000), text.as_bytes());
    let tcu = tile.tcu();
    tcu.send(
        ep,
        LocalAddr(0x3000),
        text.len() as u64,
        replies.ep,
        Label(0),
    )
    .map_err(SyscallError::Tcu)?;
    loop {
        tcu.sleep(replies.ep).map_err(SyscallError::Tcu)?;
        if let Some(m) = replies.fetch(tile) {
            let _ = tcu.ack_msg(replies.ep, m.off);
            return Ok(String::from_utf8_lossy(&m.payload).into_owned());
        }
    }
}
