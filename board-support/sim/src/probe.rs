//! Raw system calls for the sandbox probe (`tilekit-sandbox-probe`): each
//! returns whether the attempt succeeded.

/// PTRACE_ATTACH to `pid` (and detach again on success).
pub fn ptrace_attach(pid: i32) -> bool {
    // SAFETY: ptrace(2) with plain integer arguments.
    let r = unsafe { libc::ptrace(libc::PTRACE_ATTACH, pid, 0usize, 0usize) };
    if r == 0 {
        // SAFETY: as above.
        unsafe { libc::ptrace(libc::PTRACE_DETACH, pid, 0usize, 0usize) };
    }
    r == 0
}

/// Sends SIGCONT (harmless) to `pid`.
pub fn signal(pid: i32) -> bool {
    // SAFETY: kill(2) with plain integer arguments.
    unsafe { libc::kill(pid, libc::SIGCONT) == 0 }
}

/// Grows the inherited tile descriptor by 1 MiB (more memory than granted).
pub fn grow_fd() -> bool {
    let mut st: libc::stat = unsafe_zeroed_stat();
    // SAFETY: fstat writes the buffer we own.
    if unsafe { libc::fstat(tile_sim_abi::TILE_FD, &mut st) } != 0 {
        return false;
    }
    // SAFETY: ftruncate on the inherited descriptor.
    unsafe { libc::ftruncate(tile_sim_abi::TILE_FD, st.st_size + (1 << 20)) == 0 }
}

fn unsafe_zeroed_stat() -> libc::stat {
    // SAFETY: libc::stat is plain old data; all zeroes is a valid value.
    unsafe { std::mem::zeroed() }
}
