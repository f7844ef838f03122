//! Benchmark: starting a 16-tile simulated board and running a program on
//! each of its 15 compute tiles, against starting 15 plain processes in the
//! same sandbox, measured in the same run.
//!
//! Run: `cargo bench -p tilekit-sim --bench startup`
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use board_schema::Catalog;
use tcu_mmio::TileId;
use tilekit_sim::{Sim, TileExit, sandbox};

const PROBE: &str = env!("CARGO_BIN_EXE_tilekit-sandbox-probe");
const RUNS: usize = 7;

fn board16() -> board_schema::BoardDesc {
    let mut yaml = String::from(
        "tilekit_board: 1\nname: sixteen\ntiles:\n  - { id: 0, kind: kernel, isa: host-native, dram: 16 MiB }\n",
    );
    for t in 1..15 {
        yaml.push_str(&format!(
            "  - {{ id: {t}, kind: core, isa: host-native, dram: 16 MiB }}\n"
        ));
    }
    yaml.push_str("  - { id: 15, kind: memory, size: 512 MiB }\n");
    board_schema::parse("sixteen.yaml", &yaml, &Catalog::builtin()).unwrap()
}

/// Times of one board run: (board built, images loaded, all started and
/// exited), each since the start.
fn board_run(board: &board_schema::BoardDesc) -> (Duration, Duration, Duration) {
    let t0 = Instant::now();
    let sim = Sim::new(board).unwrap();
    let built = t0.elapsed();
    let tiles: Vec<TileId> = board
        .tiles
        .iter()
        .filter(|t| t.kind != board_schema::TileKind::Memory)
        .map(|t| t.id)
        .collect();
    // One image for all cores, read once (as a loader would), written into
    // every core's memory.
    let image = std::fs::read(PROBE).unwrap();
    for t in &tiles {
        sim.load_image(*t, &image, &["sleep", "0"]).unwrap();
    }
    let loaded = t0.elapsed();
    for t in &tiles {
        sim.start(*t).unwrap();
    }
    for t in &tiles {
        assert_eq!(
            sim.wait(*t, Duration::from_secs(30)).unwrap(),
            TileExit::Exited(0)
        );
    }
    (built, loaded, t0.elapsed())
}

fn plain_run(n: usize) -> Duration {
    let t0 = Instant::now();
    let mut children: Vec<_> = (0..n)
        .map(|_| {
            sandbox::sandboxed_command(Path::new(PROBE))
                .unwrap()
                .args(["sleep", "0"])
                .spawn()
                .unwrap()
        })
        .collect();
    for c in &mut children {
        assert!(c.wait().unwrap().success());
    }
    t0.elapsed()
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let board = board16();
    board_run(&board);
    plain_run(15);
    let (mut built, mut loaded, mut sim, mut plain) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let (b, l, all) = board_run(&board);
        built.push(b.as_secs_f64() * 1e3);
        loaded.push(l.as_secs_f64() * 1e3);
        sim.push(all.as_secs_f64() * 1e3);
        plain.push(plain_run(15).as_secs_f64() * 1e3);
    }
    let image = std::fs::metadata(PROBE).map_or(0, |m| m.len());
    let (bm, bmin, bmax) = stats(built);
    let (lm, lmin, lmax) = stats(loaded);
    let (sm, smin, smax) = stats(sim);
    let (pm, pmin, pmax) = stats(plain);
    println!(
        "start-up, {RUNS} runs (median, min..max), same run; image {:.1} MiB:",
        image as f64 / (1 << 20) as f64
    );
    println!("| what | ms | min..max |");
    println!("|---|---|---|");
    println!(
        "| 15 plain sandboxed processes, started and exited | {pm:.1} | {pmin:.1}..{pmax:.1} |"
    );
    println!(
        "| 16-tile board built (memories, TCUs, window, threads) | {bm:.1} | {bmin:.1}..{bmax:.1} |"
    );
    println!("| ... and the image loaded into 15 cores' memory | {lm:.1} | {lmin:.1}..{lmax:.1} |");
    println!("| ... and 15 tile programs started and exited | {sm:.1} | {smin:.1}..{smax:.1} |");
    println!(
        "ratio board / plain: {:.2} (board built: {:.2})",
        sm / pm,
        bm / pm
    );
}
