//! Starting and stopping compute units: the simulated core runs what it
//! finds in its memory.
//!
//! When a tile's CORE_ENABLE is set (and CORE_RESET clear), the launcher
//! reads the image header at the top of the tile's local memory
//! (`tile_sim_abi::image`), checks the image it points to, copies it into
//! a sealed memfd and executes that (`fexecve`) as a process whose fd 3 is
//! the tile's memfd. Every other descriptor is closed on exec, fds 0–2 are
//! /dev/null, the process dies with the simulator (parent-death signal),
//! and the sandbox is applied before the image runs. Clearing CORE_ENABLE
//! stops the process.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::Arc;

use tile_sim_abi as abi;

use board_window::layout::CuState;

use crate::sandbox::{self, Isolation};
use crate::{Shared, SimError, TileExit, image, lock, os};

/// Acts on every pending CORE_ENABLE/CORE_RESET change: starts compute
/// units switched on, stops those switched off. Returns what happened to
/// each tile started (a start that fails is also reported in the tile's
/// PRINT ring and as a crashed compute unit).
pub(crate) fn apply_core_changes(shared: &Arc<Shared>) -> Vec<(usize, Result<(), SimError>)> {
    // One launcher at a time: whoever asks after another thread took the
    // change waits here until that start is done.
    let _launching = shared
        .launcher
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let pending: Vec<(usize, bool, Option<u32>)> = {
        let mut st = lock(shared);
        let changes = std::mem::take(&mut st.core_changes);
        changes
            .into_iter()
            .map(|k| (k, st.core_on[k], st.pids[k]))
            .collect()
    };
    let mut started = Vec::new();
    for (k, on, pid) in pending {
        match (on, pid) {
            (true, None) => {
                let r = start_from_memory(shared, k);
                if let Err(e) = &r {
                    let t = &shared.tiles[k];
                    tracing::warn!("tile {}: {e}", t.id);
                    let mut st = lock(shared);
                    let line = format!("tilekit: tile {} cannot start: {e}\n", t.id);
                    st.output[k].extend_from_slice(line.as_bytes());
                    shared.window.append_print(t.slot, line.as_bytes());
                    shared.window.set_cu(t.slot, CuState::Crashed, 127);
                    st.exits[k] = Some(TileExit::Exited(127));
                    st.start_error[k] = Some(e.to_string());
                    shared.exited.notify_all();
                }
                started.push((k, r));
            }
            (false, Some(pid)) => {
                lock(shared).stopping[k] = true;
                // SAFETY: kill(2) on a child we started and have not reaped
                // (the reaper clears `pids` first).
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            }
            _ => {}
        }
    }
    started
}

/// Reads the image header of tile `k`'s memory and starts the image (an
/// accelerator tile starts its firmware instead).
fn start_from_memory(shared: &Arc<Shared>, k: usize) -> Result<(), SimError> {
    use abi::image as layout;
    let firmware = shared
        .firmware
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(k)
        .cloned()
        .flatten();
    if let Some(f) = firmware {
        return start_firmware(shared, k, f);
    }
    let t = &shared.tiles[k];
    let no_image = |what: &str| SimError::NoImage {
        tile: t.id,
        what: what.to_owned(),
    };
    let header_at = layout::place(t.mem_size, 0)
        .ok_or_else(|| no_image("its memory is too small to hold an image"))?
        .header_at;
    let mut words = [0u64; 4];
    for (j, w) in words.iter_mut().enumerate() {
        *w = t.shm.load(t.mem_offset + header_at + 8 * j as u64);
    }
    let h = layout::decode(words, header_at).map_err(|e| match e {
        layout::HeaderError::NoImage => {
            no_image("no image was loaded into its memory (no image header at its top)")
        }
        layout::HeaderError::Corrupt => {
            no_image("the image header at the top of its memory is corrupt")
        }
    })?;
    let mut block = vec![0u8; h.args_len as usize];
    t.shm
        .read(t.mem_offset + header_at + layout::IMAGE_ARGS_AT, &mut block);
    let args = image::split_args(&block);
    let mut cache = shared
        .images
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Copy the image out of the tile's memory (which tiles may write
    // concurrently) into a buffer that stays warm between starts.
    let mut bytes = std::mem::take(&mut cache.scratch);
    bytes.resize(h.image_len as usize, 0);
    t.shm.read(t.mem_offset + h.image_at, &mut bytes);
    let checked = image::check_bytes(&format!("the image in tile {}'s memory", t.id), &bytes);
    let fd = match checked {
        Ok(_) => cache
            .memfd(&bytes)
            .map_err(os(format!("copying the image of tile {}", t.id))),
        Err(e) => Err(e.into()),
    };
    cache.scratch = bytes;
    drop(cache);
    spawn(shared, k, &*fd?, &args)
}

/// Starts the firmware of accelerator tile `k`: an executable the host
/// tools found for the tile's kind, run as any tile's program is (its
/// memfd at fd 3, sandboxed), without arguments.
fn start_firmware(
    shared: &Arc<Shared>,
    k: usize,
    firmware: Result<std::path::PathBuf, String>,
) -> Result<(), SimError> {
    let t = &shared.tiles[k];
    let no_firmware = |what: String| SimError::NoImage { tile: t.id, what };
    let path = firmware.map_err(no_firmware)?;
    let bytes = std::fs::read(&path).map_err(|e| {
        no_firmware(format!(
            "its firmware {} cannot be read: {e}",
            path.display()
        ))
    })?;
    if !bytes.starts_with(b"\x7fELF") {
        return Err(no_firmware(format!(
            "its firmware {} is not an executable",
            path.display()
        )));
    }
    let fd = shared
        .images
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .memfd(&bytes)
        .map_err(os(format!("copying the firmware of tile {}", t.id)))?;
    spawn(shared, k, &fd, &[])
}

/// Images executed recently, as sealed memfds: starting the same image on
/// many cores copies it once (every fresh copy costs page faults).
pub(crate) struct ImageCache {
    /// (the image's bytes, the memfd holding them), most recent last.
    entries: Vec<(Vec<u8>, Arc<OwnedFd>)>,
    /// A buffer reused for reading images out of tile memory.
    scratch: Vec<u8>,
}

impl ImageCache {
    const CAPACITY: usize = 4;

    pub(crate) fn new() -> Self {
        Self {
            entries: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The sealed memfd holding `bytes`: a cached one when the same image
    /// ran before (compared byte for byte), else a new one.
    fn memfd(&mut self, bytes: &[u8]) -> std::io::Result<Arc<OwnedFd>> {
        if let Some(pos) = self.entries.iter().position(|(b, _)| b == bytes) {
            let hit = self.entries.remove(pos);
            let fd = hit.1.clone();
            self.entries.push(hit);
            return Ok(fd);
        }
        let fd = Arc::new(sealed_memfd(bytes)?);
        if self.entries.len() == Self::CAPACITY {
            self.entries.remove(0);
        }
        self.entries.push((bytes.to_vec(), fd.clone()));
        Ok(fd)
    }
}

/// A memfd holding `bytes`, sealed against every change.
fn sealed_memfd(bytes: &[u8]) -> std::io::Result<OwnedFd> {
    let name = c"tilekit-image";
    // SAFETY: memfd_create with a valid C string; the result is checked.
    let raw =
        unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    if raw < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let mut f = std::fs::File::from(fd);
    std::io::Write::write_all(&mut f, bytes)?;
    // The write seal can fail with EBUSY while the kernel still holds
    // references to the pages just written; an executable being run is
    // protected from writes anyway (ETXTBSY), so without it the image stays
    // fixed in size and unsealable.
    let size_seals = libc::F_SEAL_GROW | libc::F_SEAL_SHRINK;
    // SAFETY: fcntl(F_ADD_SEALS) on a descriptor we own.
    if unsafe {
        libc::fcntl(
            f.as_raw_fd(),
            libc::F_ADD_SEALS,
            size_seals | libc::F_SEAL_WRITE,
        )
    } < 0
    {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EBUSY) {
            return Err(e);
        }
        tracing::debug!("image memfd: write seal refused (EBUSY); sealing its size only");
        // SAFETY: as above.
        if unsafe { libc::fcntl(f.as_raw_fd(), libc::F_ADD_SEALS, size_seals) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    // SAFETY: as above; no further seals may be added.
    if unsafe { libc::fcntl(f.as_raw_fd(), libc::F_ADD_SEALS, libc::F_SEAL_SEAL) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // The child puts the tile's descriptor on fd 3 before it executes the
    // image: keep the image's descriptor above it, or dup2 would replace it.
    // SAFETY: F_DUPFD_CLOEXEC on a descriptor we own; the result is checked.
    let moved = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_DUPFD_CLOEXEC, abi::TILE_FD + 1) };
    if moved < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `moved` is a fresh descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(moved) })
}

/// Argument and environment arrays for `fexecve`, built before fork.
struct ExecArgs {
    /// Owns the strings the pointers point into.
    _strings: Vec<CString>,
    argv: Vec<*const libc::c_char>,
    envp: Vec<*const libc::c_char>,
}

// SAFETY: the pointers point into the heap buffers of `_strings`, which
// move with the struct and are never changed; nothing else aliases them.
unsafe impl Send for ExecArgs {}
// SAFETY: as for Send; the arrays are only read.
unsafe impl Sync for ExecArgs {}

impl ExecArgs {
    fn new(args: Vec<CString>, env: Vec<CString>) -> Self {
        let ptrs = |v: &[CString]| {
            let mut p: Vec<*const libc::c_char> = v.iter().map(|c| c.as_ptr()).collect();
            p.push(std::ptr::null());
            p
        };
        let (argv, envp) = (ptrs(&args), ptrs(&env));
        let mut strings = args;
        strings.extend(env);
        Self {
            _strings: strings,
            argv,
            envp,
        }
    }

    /// Executes the image in `fd`; returns only on failure.
    fn fexecve(&self, fd: libc::c_int) -> std::io::Error {
        // SAFETY: fexecve with NULL-terminated argument and environment
        // arrays whose strings `self` owns; async-signal-safe.
        unsafe { libc::fexecve(fd, self.argv.as_ptr(), self.envp.as_ptr()) };
        std::io::Error::last_os_error()
    }
}

/// Starts the image in `image` (a memfd) on tile `i` with `args`, and a
/// reaper thread that records its end.
fn spawn(shared: &Arc<Shared>, i: usize, image: &OwnedFd, args: &[String]) -> Result<(), SimError> {
    let t = &shared.tiles[i];
    let mut prepared = match shared.isolation {
        Isolation::Sandboxed => Some(sandbox::prepare(None)?),
        Isolation::Insecure => None,
    };
    let fd = t.shm.fd().as_raw_fd();
    let image_fd = image.as_raw_fd();
    // Everything the child needs is built before fork: it must not allocate.
    let cstr = |s: &str| {
        CString::new(s).map_err(|_| SimError::NoImage {
            tile: t.id,
            what: format!("argument {s:?} contains a NUL byte"),
        })
    };
    let mut argv = vec![cstr(&t.id.to_string())?];
    for a in args {
        argv.push(cstr(a)?);
    }
    let exec = ExecArgs::new(argv, vec![cstr(&format!("{}={}", abi::ENV_TILE, t.id))?]);
    // The process is started by fexecve in the child; the program named
    // here is never executed.
    let mut cmd = Command::new("/nonexistent/tilekit-image");
    cmd.stdin(Stdio::null())
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
            Some(p) => sandbox::apply(p)?,
            None => sandbox::close_inherited()?,
        }
        Err(exec.fexecve(image_fd))
    };
    // SAFETY: the closure runs in the child between fork and exec and calls
    // only async-signal-safe functions (dup2, prctl, fexecve, the sandbox's).
    unsafe { cmd.pre_exec(child_setup) };
    let mut child = cmd
        .spawn()
        .map_err(os(format!("starting the image of tile {}", t.id)))?;
    {
        let mut st = lock(shared);
        st.pids[i] = Some(child.id());
        st.exits[i] = None;
        st.start_error[i] = None;
        st.stopping[i] = false;
        shared.window.set_cu(t.slot, CuState::Running, 0);
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
            let (state, code) = match exit {
                _ if st.stopping[i] => (CuState::Stopped, 0),
                TileExit::Exited(c) => (CuState::Exited, c as u64),
                TileExit::Signaled(sig) => (CuState::Crashed, 128 + sig as u64),
            };
            let stopped = st.stopping[i];
            st.stopping[i] = false;
            s.window.set_cu(s.tiles[i].slot, state, code);
            if !stopped {
                report_halt(&s, &mut st, i, code);
            }
            s.exited.notify_all();
        })
        .map_err(os("starting a reaper thread"))?;
    Ok(())
}

/// Tells the kernel that tile `i`'s compute unit halted with `code`, as
/// the board's tile controller does: if the kernel gave the tile a syscall
/// endpoint, an `Exit` message goes out through it on the tile's behalf —
/// whatever the program did or did not manage to send (a crash, a kill by
/// the sandbox). A running command is aborted and the endpoint's credit
/// restored first; an `Exit` the program sent itself makes this one a
/// duplicate the kernel refuses.
fn report_halt(shared: &Shared, st: &mut crate::State, i: usize, code: u64) {
    use tcu_mmio::ep::EpConfig;
    use tcu_mmio::regs::UnprivReg;
    use tcu_mmio::{CmdOp, Command, EpId, Reg};
    use tcu_model::Access;
    let id = shared.tiles[i].id;
    let Some(tile) = st.model.tile(id) else {
        return;
    };
    let layout = tile.layout;
    let EpConfig::Send(ep) = tile.ep(kif::eps::SYSCALL_SEND) else {
        return;
    };
    if ep.target_ep != kif::eps::KERNEL_SYSCALL {
        return;
    }
    st.model.abort_command(id);
    st.inflight[i] = false;
    st.model.refill_credits(id, kif::eps::SYSCALL_SEND);
    let mut msg = [0u8; 16];
    kif::syscall::words_to_bytes(&kif::syscall::msg::Exit { code }.encode(), &mut msg);
    if !st.model.write_local(id, kif::eps::EXIT_MSG_BUF, &msg) {
        return;
    }
    let at = |r: UnprivReg| Reg::Unpriv(r).offset(layout);
    st.model.write_reg(
        id,
        at(UnprivReg::DataAddr),
        kif::eps::EXIT_MSG_BUF,
        Access::Local,
    );
    st.model
        .write_reg(id, at(UnprivReg::DataSize), msg.len() as u64, Access::Local);
    st.model
        .write_reg(id, at(UnprivReg::Arg1), 0, Access::Local);
    let send = Command {
        op: CmdOp::Send,
        ep: kif::eps::SYSCALL_SEND,
        arg0: EpId::INVALID.raw().into(),
    };
    st.model.write_reg(
        id,
        Reg::COMMAND.offset(layout),
        send.encode(),
        Access::Local,
    );
    tracing::debug!("tile {id} halted with {code}: Exit sent to the kernel on its behalf");
    crate::service::after_model_step(shared, st, i);
}
