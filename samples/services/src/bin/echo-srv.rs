//! echo-srv: a service whose sessions each obtain a send gate; messages on
//! it come back upper-cased, prefixed with the session's ident. With
//! `echo-srv die` it ends (exit 7) at the first message, unanswered.
#![forbid(unsafe_code)]

use kif::CapSel;
use kif::service::{ExchangeReply, Request};
use services::{RecvGate, Service};
use tile_runtime::tcu_mmio::{EpId, Label};
use tile_syscalls::{SyscallError, Syscalls};

/// Send gates handed out: the one of session `ident` is at `SGATES + ident`.
const SGATES: u64 = 100;

fn main() {
    tile_runtime::run(|tile| {
        let sys = Syscalls::new(tile);
        match serve(tile, &sys) {
            Ok(code) => code,
            Err(e) => {
                tile.print(&format!("echo-srv: {e}\n"));
                1
            }
        }
    })
}

fn serve(tile: &tile_runtime::Tile, sys: &Syscalls<'_>) -> Result<i32, SyscallError> {
    let srv = Service::create(sys, CapSel(20), 0x2000)?;
    // Clients' messages: 8 slots of 256 bytes.
    let msgs = RecvGate::new(sys, CapSel(22), 11, 8, 0x4000)?;
    tile.print("echo-srv: serving\n");
    let mut next_ident = 1u64;
    loop {
        let _ = tile.tcu().sleep(EpId::INVALID);
        while let Some((m, req)) = srv.next(tile) {
            let answer: Vec<u64> = match req {
                Request::Open { arg } => {
                    let ident = next_ident;
                    next_ident += 1;
                    tile.print(&format!("echo-srv: session {ident} opened (arg {arg})\n"));
                    vec![kif::Code::Success as u64, ident]
                }
                Request::Exchange {
                    ident,
                    obtain: true,
                    ..
                } => {
                    // A send gate with the session's ident as label.
                    let sel = CapSel(SGATES + ident);
                    let made = sys.create_sgate(sel, msgs.sel, Label(ident), 1);
                    match made {
                        Ok(()) | Err(SyscallError::Kernel(kif::Code::Exists)) => ExchangeReply {
                            start: sel.0,
                            count: 1,
                            result: 0,
                        }
                        .encode()
                        .to_vec(),
                        Err(e) => {
                            tile.print(&format!("echo-srv: send gate for {ident}: {e}\n"));
                            vec![kif::Code::NoSpace as u64]
                        }
                    }
                }
                Request::Exchange { obtain: false, .. } => vec![kif::Code::NotSup as u64],
                Request::Close { ident } => {
                    let _ = sys.revoke(CapSel(SGATES + ident));
                    tile.print(&format!("echo-srv: session {ident} closed\n"));
                    vec![kif::Code::Success as u64]
                }
            };
            srv.gate.reply_words(tile, &m, &answer);
        }
        while let Some(m) = msgs.fetch(tile) {
            if tile.args().first().is_some_and(|a| a == "die") {
                tile.print("echo-srv: ending with a message unanswered\n");
                return Ok(7);
            }
            let text = String::from_utf8_lossy(&m.payload).to_uppercase();
            let out = format!("[{}] {text}", m.header.label.0);
            msgs.reply(tile, &m, out.as_bytes());
        }
    }
}
