//! Benchmark: a syscall round trip (`Noop`: the app's SEND to the kernel,
//! the kernel's SLEEP ending, FETCH, decode, REPLY, the app's blocking
//! receive of the reply, ACK) on the simulated demo board booted with the
//! kernel, against a futex ping-pong between two plain processes that
//! sleep at once, measured in the same run.
//!
//! Run: `cargo build --release -p kernel-sim-platform && cargo bench -p hello --bench syscall`
//! (`BENCH_ROUNDS=N`).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use board_host::{Board, BoardUri, CuState, OpenOptions};
use tile_runtime::tcu_mmio::TileId;

#[path = "../../ping-pong/benches/baseline/mod.rs"]
mod baseline;

const RUNS: usize = 7;

fn rounds() -> u32 {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn image(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_BIN_EXE_noop-bench")).with_file_name(name);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build the kernel in this profile first: cargo build --release -p kernel-sim-platform",
            p.display()
        )
    })
}

/// ns per Noop syscall, as the app measured it.
fn syscalls(board: &Board, rounds: u32) -> f64 {
    let app = TileId::on_chip0(2);
    let n = rounds.to_string();
    board
        .boot(
            &image("tilekit-kernel"),
            &[(app, &image("noop-bench"), vec![&n])],
        )
        .unwrap();
    let v = board.wait(app, Duration::from_secs(120)).unwrap();
    assert_eq!(
        (v.cu, v.exit_code),
        (Ok(CuState::Exited), 0),
        "{}",
        v.printed
    );
    let line = v.printed.lines().find(|l| l.starts_with("noop:")).unwrap();
    line.split(", ")
        .nth(1)
        .and_then(|s| s.strip_suffix(" ns each"))
        .unwrap()
        .parse()
        .unwrap()
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let board = Board::open(&BoardUri::Demo, &OpenOptions::default()).unwrap();
    let n = rounds();
    let (mut sys, mut base) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        sys.push(syscalls(&board, n) / 1e3);
        base.push(baseline::futex_pingpong(n) / 1e3);
    }
    let (sm, smin, smax) = stats(sys);
    let (bm, bmin, bmax) = stats(base);
    println!("syscall round trip, {n} calls x {RUNS} runs (median, min..max), same run:");
    println!("| what | µs per round trip | min..max |");
    println!("|---|---|---|");
    println!("| futex ping-pong, 2 processes sleeping at once | {bm:.2} | {bmin:.2}..{bmax:.2} |");
    println!("| Noop syscall to the kernel tile | {sm:.2} | {smin:.2}..{smax:.2} |");
    println!("ratio syscall / futex ping-pong: {:.2}", sm / bm);
}
