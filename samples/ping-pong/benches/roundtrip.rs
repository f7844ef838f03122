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
use std::time::Duration;

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

#[path = "baseline/mod.rs"]
mod baseline;
use baseline::futex_pingpong;

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
