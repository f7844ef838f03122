//! The baseline of the message benchmarks: a futex ping-pong between two
//! plain processes that sleep at once. Shared by the benchmarks that compare
//! against it (ping-pong's round trip, the kernel's syscall round trip).
#![allow(clippy::unwrap_used)]

use std::time::Instant;

fn futex(word: *mut u32, op: i32, val: u32) {
    // SAFETY: futex on a word of a shared anonymous mapping both processes hold.
    unsafe { libc::syscall(libc::SYS_futex, word, op, val, 0usize, 0usize, 0u32) };
}

/// Futex ping-pong between two processes, each sleeping at once: ns per round trip.
pub fn futex_pingpong(rounds: u32) -> f64 {
    // SAFETY: a fresh shared anonymous mapping of one page; checked below.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    let ping = p.cast::<u32>();
    let pong = ping.wrapping_add(16);
    let load = |w: *mut u32| {
        // SAFETY: aligned words inside the mapping.
        unsafe { w.read_volatile() }
    };
    let store = |w: *mut u32, v: u32| {
        // SAFETY: aligned words inside the mapping.
        unsafe { w.write_volatile(v) }
    };
    // SAFETY: fork; the child only touches the mapping and exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        for n in 1..=rounds {
            while load(ping) != n {
                futex(ping, libc::FUTEX_WAIT, n - 1);
            }
            store(pong, n);
            futex(pong, libc::FUTEX_WAKE, 1);
        }
        // SAFETY: leave the child without running the parent's destructors.
        unsafe { libc::_exit(0) };
    }
    let t0 = Instant::now();
    for n in 1..=rounds {
        store(ping, n);
        futex(ping, libc::FUTEX_WAKE, 1);
        while load(pong) != n {
            futex(pong, libc::FUTEX_WAIT, n - 1);
        }
    }
    let ns = t0.elapsed().as_nanos() as f64 / f64::from(rounds);
    let mut status = 0;
    // SAFETY: reaping our child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    ns
}
