//! Benchmarks: reading a 64 MiB file through the file protocol against a
//! warm memcpy of 64 MiB, and 64 MiB through a pipe between two tiles
//! against a Linux pipe between two processes (`dd` writing zeros, this
//! process reading) — baselines measured in the same run.
//!
//! Run: `cargo build --release -p kernel-sim-platform -p kernel-root && cargo bench -p file-copy --bench files`
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use board_host::{Board, BoardUri, CuState, OpenOptions};
use kif::plan::{FILES, PlanEntry, RootPlan};
use tile_runtime::tcu_mmio::TileId;

const RUNS: usize = 5;
const BYTES: u64 = 64 << 20;
const CHUNK: &str = "1048576";
const RING: &str = "4194304";

fn image(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_BIN_EXE_fcopy")).with_file_name(name);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build them in this profile first: cargo build --release -p kernel-sim-platform -p kernel-root",
            p.display()
        )
    })
}

/// Runs `fcopy` with each of `runs` on tiles 2, 3, … and returns the
/// nanoseconds the `time` run printed.
fn timed(board: &Board, runs: &[Vec<&str>]) -> f64 {
    let root = TileId::on_chip0(1);
    let plan = RootPlan {
        entries: runs
            .iter()
            .map(|_| PlanEntry {
                serves: false,
                sessions: vec![FILES],
                host_starts: false,
                parent: None,
            })
            .collect(),
        host_sessions: vec![],
    };
    let img = image("fcopy");
    let apps: Vec<(TileId, &[u8], Vec<&str>)> = runs
        .iter()
        .enumerate()
        .map(|(i, a)| (TileId::on_chip0(2 + i as u8), img.as_slice(), a.clone()))
        .collect();
    let args = plan.to_args();
    board
        .boot_with_root(
            &image("tilekit-kernel"),
            (
                root,
                &image("tilekit-root"),
                args.iter().map(String::as_str).collect(),
            ),
            &apps,
        )
        .unwrap();
    let mut ns = None;
    for (t, _, _) in &apps {
        let v = board.wait(*t, Duration::from_secs(120)).unwrap();
        assert_eq!(
            (v.cu, v.exit_code),
            (Ok(CuState::Exited), 0),
            "{t}: {}",
            v.printed
        );
        if let Some(l) = v.printed.lines().find(|l| l.starts_with("fcopy: time")) {
            let n: f64 = l
                .rsplit(" in ")
                .next()
                .unwrap()
                .strip_suffix(" ns")
                .unwrap()
                .parse()
                .unwrap();
            assert!(l.contains(&format!(": {BYTES} bytes")), "{l}");
            ns = Some(n);
        }
    }
    board.wait(root, Duration::from_secs(30)).unwrap();
    ns.unwrap()
}

/// ns for a warm memcpy of BYTES.
fn memcpy() -> f64 {
    let src = vec![1u8; BYTES as usize];
    let mut dst = vec![0u8; BYTES as usize];
    dst.copy_from_slice(&src);
    let t = Instant::now();
    dst.copy_from_slice(&src);
    std::hint::black_box(&dst);
    t.elapsed().as_nanos() as f64
}

/// ns from the first byte to the end of BYTES through a Linux pipe from a
/// `dd` process.
fn linux_pipe() -> f64 {
    let mut child = Command::new("dd")
        .args([
            "if=/dev/zero",
            "bs=1M",
            &format!("count={}", BYTES >> 20),
            "status=none",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let (mut total, mut first) = (0u64, None);
    loop {
        let n = out.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        first.get_or_insert_with(Instant::now);
        total += n as u64;
    }
    child.wait().unwrap();
    assert_eq!(total, BYTES);
    first.unwrap().elapsed().as_nanos() as f64
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn gbps(ns: f64) -> f64 {
    BYTES as f64 / ns
}

fn main() {
    let board = Board::open(&BoardUri::Demo, &OpenOptions::default()).unwrap();
    let size = BYTES.to_string();
    let (mut file, mut copy, mut pipe, mut lpipe) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        file.push(gbps(timed(
            &board,
            &[
                vec!["fill", "/f", &size, CHUNK, "--mark", "/f.ready"],
                vec!["--after", "/f.ready", "time", "/f", CHUNK],
            ],
        )));
        copy.push(gbps(memcpy()));
        pipe.push(gbps(timed(
            &board,
            &[
                vec!["mkpipe", "/p", RING, "--mark", "/p.ready"],
                vec!["--after", "/p.ready", "fill", "/p", &size, CHUNK],
                vec!["--after", "/p.ready", "time", "/p", CHUNK],
            ],
        )));
        lpipe.push(gbps(linux_pipe()));
    }
    let row = |what: &str, v: Vec<f64>| {
        let (m, lo, hi) = median(v);
        println!("| {what} | {m:.2} | {lo:.2}..{hi:.2} |");
        m
    };
    println!("64 MiB, {RUNS} runs (median, min..max), GB/s, same run:");
    println!("| what | GB/s | min..max |");
    println!("|---|---|---|");
    let c = row("warm memcpy, 64 MiB", copy);
    let f = row("file read through the file protocol (1 MiB reads)", file);
    let l = row("Linux pipe, dd → this process (1 MiB reads)", lpipe);
    let p = row(
        "pipe between two tiles (4 MiB ring, 1 MiB writes and reads)",
        pipe,
    );
    println!("ratio file read / memcpy: {:.2}", f / c);
    println!("ratio tile pipe / Linux pipe: {:.2}", p / l);
}
