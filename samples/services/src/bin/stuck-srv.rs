//! stuck-srv: a service that never answers — `stuck-srv` ignores every
//! request; `stuck-srv open` opens sessions but never answers anything
//! else. Tests show that it stalls nobody but its own clients.
#![forbid(unsafe_code)]

use kif::CapSel;
use kif::service::Request;
use services::Service;
use tile_runtime::tcu_mmio::EpId;
use tile_syscalls::Syscalls;

fn main() {
    tile_runtime::run(|tile| {
        let sys = Syscalls::new(tile);
        let srv = match Service::create(&sys, CapSel(20), 0x2000) {
            Ok(s) => s,
            Err(e) => {
                tile.print(&format!("stuck-srv: {e}\n"));
                return 1;
            }
        };
        let opens = tile.args().first().is_some_and(|a| a == "open");
        tile.print(&format!(
            "stuck-srv: serving ({})\n",
            if opens {
                "opens only"
            } else {
                "answers nothing"
            }
        ));
        let mut ident = 0;
        loop {
            if opens {
                let _ = tile.tcu().sleep(EpId::INVALID);
                while let Some((m, req)) = srv.next(tile) {
                    if let Request::Open { .. } = req {
                        ident += 1;
                        srv.gate
                            .reply_words(tile, &m, &[kif::Code::Success as u64, ident]);
                    }
                    // Anything else stays unanswered, in its slot.
                }
            } else {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
    })
}
