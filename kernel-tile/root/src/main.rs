//! `tilekit-root`: the root resource manager.
//!
//! The kernel starts root at boot and gives it a tile capability for every
//! loaded program that it did not start (`kif::boot::ROOT_TILE_CAPS` on)
//! and, if the board has a host tile, the host's activity
//! (`kif::plan::ROOT_HOST_ACT`). Root's arguments are its plan
//! (`kif::plan`): which programs serve and which sessions each gets.
//!
//! Root is the **system activity**: it also serves the board's file
//! system (`fs-server`, over the first memory gate the kernel carved for
//! it) as the service `fs`.
//!
//! In boot order, root gives each program a share of its kernel memory,
//! creates its activity, opens the sessions it is to have and hands them
//! over (sessions of `fs` it creates itself), starts it, and — for a
//! server — waits until its service exists and takes a copy. Then it gives
//! the host tile its sessions and serves files while it waits (by upcall)
//! for every program that does not serve; when they have all exited it
//! stops the servers and exits with the first program's exit code. A board
//! whose programs all serve stays up: root serves on.
#![forbid(unsafe_code)]

mod system;

use std::time::{Duration, Instant};

use kif::plan::{RootPlan, SERVICE_SEL, SESSION_SELS};
use kif::syscall::msg;
use kif::{CapSel, Code, SEL_KMEM};
use tile_runtime::Tile;
use tile_syscalls::{SyscallError, Syscalls};

/// Kernel memory each program gets.
const PROGRAM_KMEM: u64 = 64 << 10;
/// Where root keeps what it makes: quotas, activities, services, sessions.
const KMEM_SELS: u64 = 100;
const ACT_SELS: u64 = 200;
const SRV_SELS: u64 = 300;
const SESS_SELS: u64 = 400;
/// How long a server may take to create its service.
const SERVICE_WAIT: Duration = Duration::from_secs(10);

fn main() {
    tile_runtime::run(|tile| {
        let plan = match RootPlan::parse(tile.args()) {
            Ok(p) => p,
            Err(e) => {
                tile.print(&format!("root: bad plan in the arguments: {e}\n"));
                return 100;
            }
        };
        let env = tile_gates::Env::new(tile);
        let mut files = match system::Files::new(&env) {
            Ok(f) => f,
            Err(e) => {
                tile.print(&format!("root: no file service: {e}\n"));
                return 100;
            }
        };
        match run(&env.sys, tile, &plan, &mut files) {
            Ok(started) => {
                let host_files = plan.host_sessions.contains(&kif::plan::FILES);
                system::serve(&env, files, started, host_files)
            }
            Err(e) => {
                tile.print(&format!("root: {e}\n"));
                100
            }
        }
    })
}

/// A program root started.
pub(crate) struct Started {
    pub(crate) act: CapSel,
    pub(crate) id: u64,
    pub(crate) serves: bool,
    /// Its parent starts and waits for it, not root.
    pub(crate) child: bool,
}

fn run(
    sys: &Syscalls<'_>,
    tile: &Tile,
    plan: &RootPlan,
    files: &mut system::Files,
) -> Result<Vec<Started>, SyscallError> {
    let mut started: Vec<Started> = Vec::new();
    let mut held: Vec<(CapSel, u64)> = Vec::new();
    let mut parents: Vec<(CapSel, u64)> = Vec::new();
    let mut children: Vec<(usize, CapSel, u64)> = Vec::new();
    let mut sess_sel = SESS_SELS;
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
                sys.revoke(kmem)?;
                break;
            }
            Err(e) => return Err(e),
        };
        let entry = plan.entries.get(i as usize).cloned().unwrap_or_default();
        for (k, j) in entry.sessions.iter().enumerate() {
            let to = CapSel(SESSION_SELS.0 + k as u64);
            let whom = format!("activity {id}");
            if *j == kif::plan::FILES {
                files.give_session(sys, tile, act, to, &mut sess_sel, &whom);
            } else {
                give_session(sys, tile, *j, i, act, to, &mut sess_sel, &whom);
            }
        }
        if entry.host_starts {
            // The host starts it when it is ready.
            held.push((act, id));
        } else if let Some(p) = entry.parent {
            // Its parent starts it.
            children.push((p, act, id));
        } else if plan.children(i as usize).next().is_some() {
            // A parent starts once its children are in its hands.
            parents.push((act, id));
        } else {
            sys.call(&msg::ActCtrl { act, start: true }.encode())?;
            tile.print(&format!("root: started activity {id}\n"));
        }
        if entry.serves && !entry.host_starts {
            take_service(sys, tile, act, i, id);
        }
        started.push(Started {
            act,
            id,
            serves: entry.serves,
            child: entry.parent.is_some(),
        });
    }
    give_children(sys, tile, &children);
    for (act, id) in parents {
        sys.call(&msg::ActCtrl { act, start: true }.encode())?;
        tile.print(&format!("root: started activity {id}\n"));
    }
    let host = kif::plan::ROOT_HOST_ACT;
    for (k, (act, id)) in held.iter().enumerate() {
        let give = msg::Exchange {
            act: host,
            own_start: *act,
            count: 1,
            other_start: CapSel(kif::plan::HOST_ACTS.0 + k as u64),
            obtain: false,
        };
        match sys.call(&give.encode()) {
            Ok(_) => tile.print(&format!("root: the host tile starts activity {id}\n")),
            Err(e) => tile.print(&format!(
                "root: cannot give the host tile activity {id} to start: {e}\n"
            )),
        }
    }
    for (k, j) in plan.host_sessions.iter().enumerate() {
        let to = CapSel(SESSION_SELS.0 + k as u64);
        if *j == kif::plan::FILES {
            files.give_session(sys, tile, host, to, &mut sess_sel, "the host tile");
        } else {
            give_session(
                sys,
                tile,
                *j,
                u64::MAX,
                host,
                to,
                &mut sess_sel,
                "the host tile",
            );
        }
    }
    Ok(started)
}

/// Hands each child activity to its parent (entry `p`, at `ACT_SELS + p`)
/// at `CHILD_ACTS + k`, k counting the parent's children in entry order.
fn give_children(sys: &Syscalls<'_>, tile: &Tile, children: &[(usize, CapSel, u64)]) {
    for (n, (p, act, id)) in children.iter().enumerate() {
        let k = children[..n].iter().filter(|c| c.0 == *p).count();
        let give = msg::Exchange {
            act: CapSel(ACT_SELS + *p as u64),
            own_start: *act,
            count: 1,
            other_start: CapSel(kif::plan::CHILD_ACTS.0 + k as u64),
            obtain: false,
        };
        match sys.call(&give.encode()) {
            Ok(_) => tile.print(&format!("root: program {p} starts activity {id}\n")),
            Err(e) => tile.print(&format!(
                "root: cannot give program {p} its child activity {id}: {e}\n"
            )),
        }
    }
}

/// Waits until program `i` (activity `act`) has created its service and
/// takes a copy to `SRV_SELS + i`. A server that exits or takes too long is
/// reported; its clients then get no session.
fn take_service(sys: &Syscalls<'_>, tile: &Tile, act: CapSel, i: u64, id: u64) {
    let deadline = Instant::now() + SERVICE_WAIT;
    let obtain = msg::Exchange {
        act,
        own_start: CapSel(SRV_SELS + i),
        count: 1,
        other_start: SERVICE_SEL,
        obtain: true,
    };
    loop {
        match sys.call(&obtain.encode()) {
            Ok(_) => {
                tile.print(&format!("root: activity {id} serves\n"));
                return;
            }
            Err(SyscallError::Kernel(Code::NoCap)) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(SyscallError::Kernel(Code::NoCap)) => {
                tile.print(&format!(
                    "root: activity {id} created no service within {} s\n",
                    SERVICE_WAIT.as_secs()
                ));
                return;
            }
            Err(e) => {
                tile.print(&format!("root: activity {id} has no service: {e}\n"));
                return;
            }
        }
    }
}

/// Opens a session with program `j`'s service and delegates it to `act`
/// at `to`. Failures are reported, not fatal: the program finds no
/// session there.
#[allow(clippy::too_many_arguments)]
fn give_session(
    sys: &Syscalls<'_>,
    tile: &Tile,
    j: usize,
    arg: u64,
    act: CapSel,
    to: CapSel,
    next: &mut u64,
    whom: &str,
) {
    let sess = CapSel(*next);
    *next += 1;
    let r = sys
        .open_sess(sess, CapSel(SRV_SELS + j as u64), arg)
        .and_then(|_| {
            sys.call(
                &msg::Exchange {
                    act,
                    own_start: sess,
                    count: 1,
                    other_start: to,
                    obtain: false,
                }
                .encode(),
            )
        });
    match r {
        Ok(_) => tile.print(&format!("root: {whom} has a session with program {j}\n")),
        Err(e) => tile.print(&format!(
            "root: no session with program {j} for {whom}: {e}\n"
        )),
    }
}
