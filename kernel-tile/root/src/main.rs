//! `tilekit-root`: the root resource manager.
//!
//! The kernel starts root at boot and gives it a tile capability for every
//! loaded program that it did not start (`kif::boot::ROOT_TILE_CAPS` on).
//! Root gives each a share of its kernel memory, creates an activity on
//! its tile, starts it, and waits for all of them; it exits with the first
//! program's exit code. Services, sessions and the board file's `boot:`
//! section are the next steps (docs/kernel.md).
#![forbid(unsafe_code)]

use kif::syscall::msg;
use kif::{CapSel, Code, SEL_KMEM};
use tile_syscalls::{SyscallError, Syscalls};

/// Kernel memory each program gets.
const PROGRAM_KMEM: u64 = 64 << 10;
/// Where root keeps the quota and activity capabilities it makes.
const KMEM_SELS: u64 = 100;
const ACT_SELS: u64 = 200;

fn main() {
    tile_runtime::run(|tile| {
        let sys = Syscalls::new(tile);
        match run(&sys, tile) {
            Ok(code) => code,
            Err(e) => {
                tile.print(&format!("root: {e}\n"));
                100
            }
        }
    })
}

fn run(sys: &Syscalls<'_>, tile: &tile_runtime::Tile) -> Result<i32, SyscallError> {
    let mut started = Vec::new();
    for i in 0.. {
        let tile_sel = CapSel(kif::boot::ROOT_TILE_CAPS.0 + i);
        let (kmem, act) = (CapSel(KMEM_SELS + i), CapSel(ACT_SELS + i));
        sys.call(
            &msg::DeriveKMem {
                dst: kmem,
                kmem: SEL_KMEM,
                quota: PROGRAM_KMEM,
            }
            .encode(),
        )?;
        let id = match sys.call(
            &msg::CreateAct {
                dst: act,
                tile: tile_sel,
                kmem,
            }
            .encode(),
        ) {
            Ok([id, _]) => id,
            // No more tiles: the quota goes back.
            Err(SyscallError::Kernel(Code::NoCap)) => {
                sys.call(
                    &msg::Revoke {
                        start: kmem,
                        count: 1,
                        own: true,
                    }
                    .encode(),
                )?;
                break;
            }
            Err(e) => return Err(e),
        };
        sys.call(&msg::ActCtrl { act, start: true }.encode())?;
        tile.print(&format!("root: started activity {id}\n"));
        started.push((act, id));
    }
    let mut first = None;
    for (act, id) in started {
        let [code, _] = sys.call(&msg::ActWait { act }.encode())?;
        tile.print(&format!("root: activity {id} exited with {code}\n"));
        first.get_or_insert(code as i32);
    }
    Ok(first.unwrap_or(0))
}
