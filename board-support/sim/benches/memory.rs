//! Benchmark: READ and WRITE through a memory endpoint between a tile and
//! a memory tile at 4 KiB, 64 KiB and 1 MiB, against a warm memcpy of the
//! same size in this process, measured in the same run.
//!
//! Run: `cargo bench -p tilekit-sim --bench memory`
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use board_schema::Catalog;
use tcu_mmio::ep::{EpConfig, MemEp, Perm};
use tcu_mmio::{ActId, EpId, TileId};
use tilekit_sim::{Sim, TileExit};

const BENCH: &str = env!("CARGO_BIN_EXE_tilekit-mem-bench");
const RUNS: usize = 5;

/// Warm memcpy with both buffers page-aligned (LIMITS.md: copies must be
/// 64-byte aligned to each other; two plain `vec!`s can land 4 KiB + 16
/// bytes apart and copy at a tenth of the speed).
fn memcpy_gbps(size: usize) -> f64 {
    let mut sbuf = vec![7u8; size + 4096];
    let mut dbuf = vec![0u8; size + 4096];
    let (so, d0) = (
        sbuf.as_ptr().align_offset(4096),
        dbuf.as_ptr().align_offset(4096),
    );
    let src = &mut sbuf[so..so + size];
    src.fill(7);
    let src = &*src;
    let dst = &mut dbuf[d0..d0 + size];
    let rounds = (256 << 20) / size;
    dst.copy_from_slice(src);
    let t0 = Instant::now();
    for _ in 0..rounds {
        dst.copy_from_slice(black_box(src));
        black_box(&mut *dst);
    }
    (size * rounds) as f64 / t0.elapsed().as_secs_f64() / 1e9
}

fn tile_gbps(sim: &Sim, op: &str, size: usize) -> f64 {
    let rounds = ((256 << 20) / size).max(50);
    let a = TileId::on_chip0(1);
    let (sz, r) = (size.to_string(), rounds.to_string());
    sim.spawn(a, Path::new(BENCH), &[op, &sz, &r]).unwrap();
    assert_eq!(
        sim.wait(a, Duration::from_secs(120)).unwrap(),
        TileExit::Exited(0),
        "{}",
        sim.output(a)
    );
    let ns: f64 = sim.output(a).lines().last().unwrap().parse().unwrap();
    (size * rounds) as f64 / ns
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let yaml = "tilekit_board: 1\nname: membench\ntiles:\n  - { id: 0, kind: kernel, isa: host-native, dram: 16 MiB }\n  - { id: 1, kind: core, isa: host-native, dram: 16 MiB }\n  - { id: 2, kind: memory, size: 64 MiB }\n";
    let board = board_schema::parse("membench.yaml", yaml, &Catalog::builtin()).unwrap();
    let sim = Sim::new(&board).unwrap();
    let ep = EpConfig::Memory(MemEp {
        act: ActId::INVALID,
        perm: Perm::RW,
        target_tile: TileId::on_chip0(2),
        addr: 32 << 20,
        size: 2 << 20,
    });
    sim.configure_ep(TileId::on_chip0(1), EpId(2), &ep).unwrap();
    println!(
        "READ/WRITE through a memory EP vs warm memcpy, {RUNS} runs (median, min..max GB/s), same run:"
    );
    println!("| size | memcpy | READ | WRITE | READ/memcpy | WRITE/memcpy |");
    println!("|---|---|---|---|---|---|");
    for size in [4 << 10, 64 << 10, 1 << 20] {
        let (mut m, mut r, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..RUNS {
            m.push(memcpy_gbps(size));
            r.push(tile_gbps(&sim, "read", size));
            w.push(tile_gbps(&sim, "write", size));
        }
        let (mm, ..) = median(m);
        let (rm, rmin, rmax) = median(r);
        let (wm, wmin, wmax) = median(w);
        println!(
            "| {} KiB | {mm:.1} | {rm:.2} ({rmin:.2}..{rmax:.2}) | {wm:.2} ({wmin:.2}..{wmax:.2}) | {:.2} | {:.2} |",
            size >> 10,
            rm / mm,
            wm / mm
        );
    }
}
