//! The sandbox of tile processes.
//!
//! A tile process gets exactly its descriptor (fd 3) and /dev/null on fds
//! 0–2, and then, before it runs a single instruction of the tile program:
//!
//! - a non-root identity without capabilities: `nobody` when the simulator
//!   runs as root, otherwise a fresh user namespace in which it has no
//!   mapped identity (capabilities are dropped at exec);
//! - `no_new_privs`, a parent-death signal, rlimits (no core dumps, no file
//!   writes, few descriptors, bounded address space);
//! - Landlock: no file may be opened or executed but the shared libraries
//!   a tile program needs to start (the program itself runs from a sealed
//!   memfd holding the image found in the tile's memory);
//! - a seccomp allow-list: memory, futexes, time, threads — no new
//!   processes (`clone` only with `CLONE_THREAD`, `clone3` answered
//!   `ENOSYS` so the C library falls back to `clone`), no signals to others,
//!   no ptrace, no sockets, no resizing of its descriptor. Anything else
//!   kills the process.
//!
//! Everything that allocates (the BPF program, the Landlock ruleset) is
//! prepared in the simulator before `fork`; the child only makes
//! async-signal-safe system calls.

use std::path::Path;

use landlock::{
    ABI, Access, AccessFs, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset, RulesetAttr,
    RulesetCreated, RulesetCreatedAttr,
};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

/// Whether tile processes are sandboxed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isolation {
    /// Every layer of the sandbox (the default).
    Sandboxed,
    /// No sandbox: tiles are ordinary processes of the user (`--insecure`).
    Insecure,
}

/// Why the sandbox cannot be set up.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot sandbox tile processes: {0}; see docs/simulator.md (\"The sandbox\"), or run with --insecure"
)]
pub struct SandboxError(pub String);

/// What the child applies before exec.
pub(crate) struct Prepared {
    filters: Vec<BpfProgram>,
    /// The Landlock ruleset, as a descriptor (created in the simulator).
    landlock: Option<std::os::fd::OwnedFd>,
    as_root: bool,
}

const NOBODY: libc::uid_t = 65534;

/// Directories the dynamic loader reads shared libraries from.
const LIB_DIRS: &[&str] = &[
    "/lib",
    "/lib64",
    "/usr/lib",
    "/usr/lib64",
    "/etc/ld.so.cache",
];

/// The system calls a tile program may make (x86-64).
const ALLOWED: &[i64] = &[
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_close,
    libc::SYS_poll,
    libc::SYS_ppoll,
    libc::SYS_lseek,
    libc::SYS_pread64,
    libc::SYS_mmap,
    libc::SYS_mprotect,
    libc::SYS_munmap,
    libc::SYS_madvise,
    libc::SYS_mremap,
    libc::SYS_brk,
    libc::SYS_rt_sigaction,
    libc::SYS_rt_sigprocmask,
    libc::SYS_rt_sigreturn,
    libc::SYS_sigaltstack,
    libc::SYS_access,
    libc::SYS_openat,
    libc::SYS_newfstatat,
    libc::SYS_fstat,
    libc::SYS_statx,
    libc::SYS_fcntl,
    libc::SYS_execve,
    // A tile image runs from a sealed memfd (fexecve).
    libc::SYS_execveat,
    libc::SYS_arch_prctl,
    libc::SYS_set_tid_address,
    libc::SYS_set_robust_list,
    libc::SYS_rseq,
    libc::SYS_getrandom,
    libc::SYS_gettid,
    libc::SYS_getpid,
    libc::SYS_getuid,
    libc::SYS_geteuid,
    libc::SYS_getgid,
    libc::SYS_getegid,
    libc::SYS_sched_getaffinity,
    libc::SYS_sched_yield,
    libc::SYS_futex,
    libc::SYS_clock_gettime,
    libc::SYS_clock_nanosleep,
    libc::SYS_nanosleep,
    libc::SYS_exit,
    libc::SYS_exit_group,
    libc::SYS_clone3,
];

fn err(what: impl std::fmt::Display) -> SandboxError {
    SandboxError(what.to_string())
}

fn cond(arg: u8, op: SeccompCmpOp, val: u64) -> Result<SeccompCondition, SandboxError> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Qword, op, val).map_err(err)
}

fn filters() -> Result<Vec<BpfProgram>, SandboxError> {
    let mut rules: std::collections::BTreeMap<i64, Vec<SeccompRule>> =
        ALLOWED.iter().map(|s| (*s, vec![])).collect();
    let thread = libc::CLONE_THREAD as u64;
    rules.insert(
        libc::SYS_clone,
        vec![
            SeccompRule::new(vec![cond(0, SeccompCmpOp::MaskedEq(thread), thread)?])
                .map_err(err)?,
        ],
    );
    // Reading rlimits is fine; changing them is not.
    rules.insert(
        libc::SYS_prlimit64,
        vec![SeccompRule::new(vec![cond(2, SeccompCmpOp::Eq, 0)?]).map_err(err)?],
    );
    // Thread names and giving up dumpability are the only prctl uses.
    rules.insert(
        libc::SYS_prctl,
        vec![
            SeccompRule::new(vec![cond(0, SeccompCmpOp::Eq, libc::PR_SET_NAME as u64)?])
                .map_err(err)?,
            SeccompRule::new(vec![cond(
                0,
                SeccompCmpOp::Eq,
                libc::PR_SET_DUMPABLE as u64,
            )?])
            .map_err(err)?,
        ],
    );
    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(err)?;
    let allow = SeccompFilter::new(
        rules,
        SeccompAction::KillProcess,
        SeccompAction::Allow,
        arch,
    )
    .map_err(err)?;
    // clone3 cannot be filtered by its flags (they live in memory): answer
    // ENOSYS, and the C library falls back to clone, which is checked.
    let clone3 = SeccompFilter::new(
        [(libc::SYS_clone3, vec![])].into_iter().collect(),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch,
    )
    .map_err(err)?;
    // The permissive clone3 filter goes first: installing the allow-list
    // takes prctl(NO_NEW_PRIVS) and seccomp(), which the allow-list forbids.
    Ok(vec![
        clone3.try_into().map_err(err)?,
        allow.try_into().map_err(err)?,
    ])
}

fn ruleset(program: Option<&Path>) -> Result<RulesetCreated, SandboxError> {
    let abi = ABI::V3;
    let read_exec = AccessFs::from_read(abi) | AccessFs::Execute;
    let mut rs = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(abi))
        .map_err(err)?
        .create()
        .map_err(|e| err(format!("Landlock is not available ({e})")))?;
    let file_access = AccessFs::ReadFile | AccessFs::Execute;
    if let Some(program) = program {
        let prog = PathFd::new(program).map_err(|e| err(format!("{}: {e}", program.display())))?;
        rs = rs
            .add_rule(PathBeneath::new(prog, file_access))
            .map_err(err)?;
    }
    for dir in LIB_DIRS {
        let access = if Path::new(dir).is_dir() {
            read_exec
        } else {
            file_access
        };
        if let Ok(fd) = PathFd::new(dir) {
            rs = rs.add_rule(PathBeneath::new(fd, access)).map_err(err)?;
        }
    }
    Ok(rs)
}

/// Prepares the sandbox (in the simulator, before fork) for `program`, or
/// for an image executed from a memfd (`None`: no file but the shared
/// libraries may be opened).
pub(crate) fn prepare(program: Option<&Path>) -> Result<Prepared, SandboxError> {
    // SAFETY: geteuid has no preconditions.
    let as_root = unsafe { libc::geteuid() } == 0;
    let rs: Option<std::os::fd::OwnedFd> = ruleset(program)?.into();
    let rs = rs.ok_or_else(|| err("Landlock is not enforced by this kernel"))?;
    // The child puts the tile's descriptor on fd 3: keep the ruleset above it.
    let rs = {
        use std::os::fd::{AsRawFd, FromRawFd};
        // SAFETY: F_DUPFD_CLOEXEC on a descriptor we own; the result is checked.
        let moved = unsafe {
            libc::fcntl(
                rs.as_raw_fd(),
                libc::F_DUPFD_CLOEXEC,
                tile_sim_abi::TILE_FD + 1,
            )
        };
        if moved < 0 {
            return Err(err(std::io::Error::last_os_error()));
        }
        // SAFETY: `moved` is a fresh descriptor we own.
        unsafe { std::os::fd::OwnedFd::from_raw_fd(moved) }
    };
    Ok(Prepared {
        filters: filters()?,
        landlock: Some(rs),
        as_root,
    })
}

fn check(r: libc::c_int) -> std::io::Result<()> {
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn limit(res: libc::__rlimit_resource_t, v: libc::rlim_t) -> std::io::Result<()> {
    let l = libc::rlimit {
        rlim_cur: v,
        rlim_max: v,
    };
    // SAFETY: setrlimit with a valid struct; async-signal-safe.
    check(unsafe { libc::setrlimit(res, &l) })
}

/// Marks every descriptor above the tile's (fd 3) close-on-exec: whatever
/// the simulator's own parent left open must not reach a tile. (Marking
/// rather than closing keeps the pipe on which the standard library learns
/// whether exec failed.)
pub(crate) fn close_inherited() -> std::io::Result<()> {
    const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
    let first = (tile_sim_abi::TILE_FD + 1) as libc::c_uint;
    // SAFETY: close_range(2) on this (child) process's descriptors.
    let r = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first,
            libc::c_uint::MAX,
            CLOSE_RANGE_CLOEXEC,
        )
    };
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Applies the sandbox in the child, between fork and exec. Only
/// async-signal-safe system calls; nothing allocates.
pub(crate) fn apply(p: &mut Prepared) -> std::io::Result<()> {
    limit(libc::RLIMIT_CORE, 0)?;
    limit(libc::RLIMIT_FSIZE, 0)?;
    limit(libc::RLIMIT_NOFILE, 16)?;
    limit(libc::RLIMIT_AS, 16 << 30)?;
    if p.as_root {
        // SAFETY: dropping supplementary groups; async-signal-safe.
        check(unsafe { libc::setgroups(0, std::ptr::null()) })?;
        // SAFETY: setgid/setuid to nobody; async-signal-safe.
        check(unsafe { libc::setgid(NOBODY) })?;
        // SAFETY: as above; after this the process has no capabilities.
        check(unsafe { libc::setuid(NOBODY) })?;
    } else {
        // SAFETY: a new user namespace for this process only.
        check(unsafe { libc::unshare(libc::CLONE_NEWUSER) })?;
    }
    // Credentials changed: the parent-death signal must be set again.
    // SAFETY: prctl with a valid signal.
    check(unsafe {
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        )
    })?;
    // SAFETY: prctl(PR_SET_NO_NEW_PRIVS) has no preconditions.
    check(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) })?;
    if let Some(rs) = p.landlock.as_ref() {
        use std::os::fd::AsRawFd;
        // SAFETY: landlock_restrict_self(2) with a ruleset descriptor we own.
        let r = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, rs.as_raw_fd(), 0u32) };
        if r < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    close_inherited()?;
    for f in &p.filters {
        // The child can report only an errno.
        seccompiler::apply_filter(f)
            .map_err(|_| std::io::Error::from_raw_os_error(libc::ECANCELED))?;
    }
    Ok(())
}

/// A command for `program` in the same sandbox as a tile, but without a
/// board: fds 0–2 on /dev/null, nothing else inherited. The start-up
/// benchmark uses it as its baseline.
pub fn sandboxed_command(program: &Path) -> Result<std::process::Command, SandboxError> {
    use std::os::unix::process::CommandExt;
    let mut prepared = prepare(Some(program))?;
    let mut cmd = std::process::Command::new(program);
    cmd.env_clear()
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: the closure runs in the child between fork and exec and makes
    // only async-signal-safe system calls (see `apply`).
    unsafe { cmd.pre_exec(move || apply(&mut prepared)) };
    Ok(cmd)
}
