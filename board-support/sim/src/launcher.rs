//! Starting tile programs: a process whose fd 3 is the tile's memfd.
//!
//! Every other descriptor is closed on exec (the simulator's own are
//! `CLOEXEC`), fds 0–2 are /dev/null, and the process dies with the
//! simulator (parent-death signal). The sandbox (user namespace, seccomp,
//! Landlock, rlimits) is the next layer on this launcher.

use std::os::fd::AsRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use tile_sim_abi as abi;

use board_window::layout::CuState;

use crate::sandbox::{self, Isolation};
use crate::{Shared, SimError, TileExit, lock, os};

/// Starts `program` on tile `i` and a reaper thread that records its end.
pub(crate) fn spawn(
    shared: &Arc<Shared>,
    i: usize,
    program: &Path,
    args: &[&str],
) -> Result<(), SimError> {
    let t = &shared.tiles[i];
    crate::image::check(program)?;
    let mut prepared = match shared.isolation {
        Isolation::Sandboxed => Some(sandbox::prepare(program)?),
        Isolation::Insecure => None,
    };
    let fd = t.shm.fd().as_raw_fd();
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .env(abi::ENV_TILE, t.id.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child_setup = move || {
        if fd == abi::TILE_FD {
            // Already in place: only clear close-on-exec.
            // SAFETY: fcntl on a descriptor of this (child) process.
            if unsafe { libc::fcntl(fd, libc::F_SETFD, 0) } < 0 {
                return Err(std::io::Error::last_os_error());
            }
        // SAFETY: dup2 on descriptors of this (child) process; async-signal-safe.
        } else if unsafe { libc::dup2(fd, abi::TILE_FD) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let sig = libc::SIGKILL as libc::c_ulong;
        // SAFETY: prctl(PR_SET_PDEATHSIG) with a valid signal; async-signal-safe.
        if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, sig, 0, 0, 0) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        match prepared.as_mut() {
            Some(p) => sandbox::apply(p),
            None => sandbox::close_inherited(),
        }
    };
    // SAFETY: the closure runs in the child between fork and exec and calls
    // only async-signal-safe functions (dup2, prctl).
    unsafe { cmd.pre_exec(child_setup) };
    let mut child = cmd.spawn().map_err(os(format!(
        "starting {} on tile {}",
        program.display(),
        t.id
    )))?;
    {
        let mut st = lock(shared);
        st.pids[i] = Some(child.id());
        st.exits[i] = None;
        if let Some(w) = &shared.window {
            w.set_cu(t.slot, CuState::Running, 0);
        }
    }
    let s = shared.clone();
    std::thread::Builder::new()
        .name(format!("reap-{}", t.id))
        .spawn(move || {
            let exit = match child.wait() {
                Ok(status) => match (status.code(), status.signal()) {
                    (Some(c), _) => TileExit::Exited(c),
                    (None, Some(sig)) => TileExit::Signaled(sig),
                    (None, None) => TileExit::Signaled(0),
                },
                Err(_) => TileExit::Signaled(0),
            };
            let mut st = lock(&s);
            st.pids[i] = None;
            st.exits[i] = Some(exit);
            if let Some(w) = &s.window {
                let (state, code) = match exit {
                    TileExit::Exited(c) => (CuState::Exited, c as u64),
                    TileExit::Signaled(sig) => (CuState::Crashed, 128 + sig as u64),
                };
                w.set_cu(s.tiles[i].slot, state, code);
            }
            s.exited.notify_all();
        })
        .map_err(os("starting a reaper thread"))?;
    Ok(())
}
