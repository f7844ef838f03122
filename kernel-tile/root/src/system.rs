//! Root as the system activity: the file service and the wait for the
//! programs, in one loop on the blocking receive.

use std::collections::BTreeMap;

use fs_server::FsHandler;
use kif::CapSel;
use kif::service::ExchangeReply;
use kif::syscall::msg;
use kif::upcall::Upcall;
use tile_gates::server::{Answer, Handler, Server};
use tile_gates::{Env, GateError, Msg};
use tile_runtime::Tile;
use tile_syscalls::Syscalls;

use crate::Started;

/// Where root's file service capability lives.
const FILES_SRV: CapSel = CapSel(299);

/// The file service: its server and handler.
pub(crate) struct Files {
    server: Server,
    fs: FsHandler,
}

impl Files {
    /// The file system over the first memory gate the kernel gave root.
    pub(crate) fn new(env: &Env<'_>) -> Result<Files, GateError> {
        let fs = FsHandler::new(env, kif::boot::ROOT_MEM_CAPS).unwrap_or_else(|e| {
            env.tile.print(&format!(
                "root: no memory for files ({e}): the file system is empty and full\n"
            ));
            FsHandler::without_memory()
        });
        // Clients' requests: 16 slots of a file-protocol message.
        let order = file_proto::MSG_ORDER;
        let server = Server::new(env, FILES_SRV, order + 4, order)?;
        env.tile.print(&format!(
            "root: file service up ({} MiB)\n",
            fs.free() >> 20
        ));
        Ok(Files { server, fs })
    }

    /// Creates a session of the file service and delegates it to `act` at
    /// `to`. Failures are reported, not fatal.
    pub(crate) fn give_session(
        &mut self,
        sys: &Syscalls<'_>,
        tile: &Tile,
        act: CapSel,
        to: CapSel,
        next: &mut u64,
        whom: &str,
    ) {
        let sess = CapSel(*next);
        *next += 1;
        let ident = self.fs.add_session();
        let r = sys.create_sess(sess, FILES_SRV, ident).and_then(|()| {
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
            Ok(_) => tile.print(&format!("root: {whom} has a session with fs\n")),
            Err(e) => tile.print(&format!("root: no session with fs for {whom}: {e}\n")),
        }
    }
}

/// Root's loop: files served, programs' exits counted.
struct System {
    fs: FsHandler,
    /// Programs that do not serve, by id, until they exit.
    running: BTreeMap<u64, CapSel>,
    servers: Vec<CapSel>,
    first: Option<u64>,
    /// Nothing to wait for: serve until the board is reset.
    forever: bool,
}

impl Handler for System {
    fn open(&mut self, env: &Env<'_>, srv: &Server, arg: u64) -> Result<u64, kif::Code> {
        self.fs.open(env, srv, arg)
    }
    fn obtain(
        &mut self,
        env: &Env<'_>,
        srv: &Server,
        ident: u64,
        count: u64,
        args: [u64; 2],
    ) -> Result<ExchangeReply, kif::Code> {
        self.fs.obtain(env, srv, ident, count, args)
    }
    fn delegate(
        &mut self,
        env: &Env<'_>,
        srv: &Server,
        ident: u64,
        count: u64,
        args: [u64; 2],
    ) -> Result<ExchangeReply, kif::Code> {
        self.fs.delegate(env, srv, ident, count, args)
    }
    fn close(&mut self, env: &Env<'_>, srv: &Server, ident: u64) {
        self.fs.close(env, srv, ident);
    }
    fn message(&mut self, env: &Env<'_>, srv: &Server, m: &Msg) -> Answer {
        self.fs.message(env, srv, m)
    }
    fn upcall(&mut self, env: &Env<'_>, _srv: &Server, up: Upcall) -> bool {
        let Upcall::Exited { ident, code } = up else {
            return true;
        };
        if ident == HOST {
            self.running.remove(&ident);
            env.tile.print("root: the host tile is done\n");
        } else if self.running.remove(&ident).is_some() {
            env.tile
                .print(&format!("root: activity {ident} exited with {code}\n"));
            self.first.get_or_insert(code);
        }
        // Keep serving while a program (or the host) runs — on a board of
        // servers only, for ever.
        !self.running.is_empty() || self.forever
    }
}

/// The watch ident of the host tile's activity.
const HOST: u64 = u64::MAX;

/// Serves files and waits for the programs — and for the host tile, if it
/// has a session of the file service (it may still get files after the
/// programs end; it says it is done by exiting) — then returns root's exit
/// code.
pub(crate) fn serve(env: &Env<'_>, files: Files, started: Vec<Started>, host_files: bool) -> i32 {
    let mut running = BTreeMap::new();
    if host_files {
        match env.sys.act_watch(kif::plan::ROOT_HOST_ACT, HOST) {
            Ok(()) => {
                running.insert(HOST, kif::plan::ROOT_HOST_ACT);
            }
            Err(e) => env
                .tile
                .print(&format!("root: cannot watch the host tile: {e}\n")),
        }
    }
    for s in started.iter().filter(|s| !s.serves && !s.child) {
        match env.sys.act_watch(s.act, s.id) {
            Ok(()) => {
                running.insert(s.id, s.act);
            }
            Err(e) => env
                .tile
                .print(&format!("root: cannot watch activity {}: {e}\n", s.id)),
        }
    }
    let forever = running.is_empty() && started.iter().all(|s| s.serves || s.child);
    let mut sys = System {
        fs: files.fs,
        running,
        servers: started
            .iter()
            .filter(|s| s.serves || s.child)
            .map(|s| s.act)
            .collect(),
        first: None,
        forever,
    };
    if !sys.running.is_empty() || forever {
        files.server.run(env, &mut sys);
    }
    // The programs are done: the servers (and children their parents left
    // running) are stopped.
    for act in &sys.servers {
        let _ = env.sys.call(
            &msg::ActCtrl {
                act: *act,
                start: false,
            }
            .encode(),
        );
    }
    sys.first.map_or(0, |c| c as i32)
}
