//! Benchmark: a message round trip between two tile processes on the
//! simulated board (SEND, blocking receive, REPLY, receive) against a futex
//! ping-pong between two plain processes that sleep at once, measured in
//! the same run. Prints a table for docs/performance.md.
//!
//! Run: `cargo bench -p ping-pong --bench roundtrip`
//!
//! Hops per simulated round trip: ping → service thread (SEND) → pong woken
//! (SLEEP ends) → pong → service thread (FETCH, REPLY) → ping woken; each arrow
//! is a futex wake unless the waiter is still spinning (see LIMITS.md).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use board_schema::Catalog;
use ping_pong::*;
use tile_runtime::tcu_mmio::TileId;
use tilekit_sim::{Sim, TileExit};

/// Round trips per run (`BENCH_ROUNDS` overrides) and runs per side.
fn rounds() -> u32 {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}
const RUNS: usize = 7;

fn futex(word: *mut u32, op: i32, val: u32) {
    // SAFETY: futex on a word of a shared anonymous mapping both processes hold.
    unsafe { libc::syscall(libc::SYS_futex, word, op, val, 0usize, 0usize, 0u32) };
}

/// Futex ping-pong between two processes, each sleeping at once: ns per round trip.
fn futex_pingpong(rounds: u32) -> f64 {
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

/// ping-pong on the simulated board: ns per round trip (ping's CUR_TIME).
fn sim_pingpong(rounds: u32) -> f64 {
    let yaml = "tilekit_board: 1\nname: bench\ntiles:\n  - { id: 0, kind: kernel, isa: host-native, dram: 16 MiB }\n  - { id: 1, kind: core, isa: host-native, dram: 16 MiB }\n  - { id: 2, kind: core, isa: host-native, dram: 16 MiB }\n  - { id: 3, kind: memory, size: 64 MiB }\n";
    let board = board_schema::parse("bench.yaml", yaml, &Catalog::builtin()).unwrap();
    let sim = Sim::new(&board).unwrap();
    let (ping, pong) = (TileId::on_chip0(1), TileId::on_chip0(2));
    for (tile, ep, cfg) in endpoint_plan(ping, pong) {
        sim.configure_ep(tile, ep, &cfg).unwrap();
    }
    let n = rounds.to_string();
    sim.spawn(pong, Path::new(env!("CARGO_BIN_EXE_pong")), &[&n])
        .unwrap();
    sim.spawn(ping, Path::new(env!("CARGO_BIN_EXE_ping")), &[&n, "--time"])
        .unwrap();
    assert_eq!(
        sim.wait(ping, Duration::from_secs(120)).unwrap(),
        TileExit::Exited(0)
    );
    let out = sim.output(ping);
    let ns: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("ping: ").and_then(|r| r.strip_suffix(" ns")))
        .and_then(|v| v.parse().ok())
        .unwrap();
    ns / f64::from(rounds)
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    // Warm up both.
    futex_pingpong(2000);
    sim_pingpong(2000);
    let mut base = Vec::new();
    let mut sim = Vec::new();
    let rounds = rounds();
    for _ in 0..RUNS {
        base.push(futex_pingpong(rounds));
        sim.push(sim_pingpong(rounds));
    }
    let (bm, bmin, bmax) = stats(base);
    let (sm, smin, smax) = stats(sim);
    println!("round trip, {rounds} rounds x {RUNS} runs (median, min..max), same run:");
    println!("| what | µs per round trip | min..max |");
    println!("|---|---|---|");
    println!(
        "| futex ping-pong, 2 processes sleeping at once | {:.2} | {:.2}..{:.2} |",
        bm / 1e3,
        bmin / 1e3,
        bmax / 1e3
    );
    println!(
        "| tilekit sim: SEND, SLEEP+FETCH, REPLY, SLEEP+FETCH+ACK | {:.2} | {:.2}..{:.2} |",
        sm / 1e3,
        smin / 1e3,
        smax / 1e3
    );
    println!("ratio sim / futex ping-pong: {:.2} (target <= 3)", sm / bm);
}
