//! Benchmarks of `tilekit pipe` on the simulated demo board, each against
//! its baseline measured in the same run:
//!
//! 1. AES-128-CTR of 64 MiB on the crypto tile, timed from starting
//!    `tilekit pipe` to its end — board start, putting the input, the
//!    pipeline, getting the output — against `openssl enc -aes-128-ctr`
//!    on the same file (target: at least 0.25× openssl's throughput);
//! 2. the camera pipeline (a 16-bit Bayer frame → ISP → AES-128-CTR) on
//!    the ISP and crypto tiles, against the same two computations as two
//!    Linux processes joined by a pipe (this benchmark re-run in an ISP
//!    and an AES role), and against both in one process.
//!
//! Run (release images first):
//! `cargo build --release --workspace && cargo bench -p tilekit --bench pipe`
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 5;
const KEY: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const IV: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
/// The camera frame: 16-bit Bayer RGGB.
const FRAME: (usize, usize) = (2048, 1536);

fn main() {
    // The roles of the two-process baseline.
    match std::env::var("PIPE_BENCH_ROLE").as_deref() {
        Ok("isp") => return isp_role(),
        Ok("aes") => return aes_role(),
        _ => {}
    }
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench --list` and libtest-style probes.
    }
    let dir = tempfile::tempdir().unwrap();
    aes_bench(dir.path());
    camera_bench(dir.path());
}

fn tilekit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tilekit"))
}

/// Median and range of `runs` durations as MB/s over `bytes`.
fn rate(bytes: usize, runs: &mut [Duration]) -> (f64, f64, f64) {
    runs.sort();
    let mbs = |d: Duration| bytes as f64 / d.as_secs_f64() / 1e6;
    (
        mbs(runs[runs.len() / 2]),
        mbs(runs[runs.len() - 1]),
        mbs(runs[0]),
    )
}

fn time(mut f: impl FnMut()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn pipe_run(input: &Path, output: &Path, stages: &[&str]) {
    let st = tilekit()
        .args(["pipe", "--in"])
        .arg(input)
        .arg("--out")
        .arg(output)
        .args(stages)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "tilekit pipe failed");
}

fn aes_bench(dir: &Path) {
    let bytes = 64 << 20;
    let input = dir.join("in.bin");
    std::fs::write(&input, pseudo_random(bytes, 7)).unwrap();
    let (tile_out, ssl_out) = (dir.join("tile.bin"), dir.join("ssl.bin"));
    let stage = format!("aes-ctr:key={KEY}:iv={IV}");
    let mut ssl = Vec::new();
    let mut tile = Vec::new();
    for _ in 0..RUNS {
        ssl.push(time(|| {
            let st = Command::new("openssl")
                .args(["enc", "-aes-128-ctr", "-K", KEY, "-iv", IV, "-in"])
                .arg(&input)
                .arg("-out")
                .arg(&ssl_out)
                .status()
                .expect("openssl (the baseline) must be installed");
            assert!(st.success());
        }));
        tile.push(time(|| pipe_run(&input, &tile_out, &[&stage])));
    }
    assert!(
        std::fs::read(&tile_out).unwrap() == std::fs::read(&ssl_out).unwrap(),
        "the crypto tile and openssl differ"
    );
    let (s, s_lo, s_hi) = rate(bytes, &mut ssl);
    let (t, t_lo, t_hi) = rate(bytes, &mut tile);
    println!("AES-128-CTR of 64 MiB, {RUNS} runs, median (min..max) MB/s");
    println!("  openssl enc                         {s:8.1} ({s_lo:.1}..{s_hi:.1})");
    println!(
        "  tilekit pipe on the crypto tile     {t:8.1} ({t_lo:.1}..{t_hi:.1})  (board start, put and get included)"
    );
    println!(
        "  ratio tile / openssl                {:8.3}  (target >= 0.25)",
        t / s
    );
}

fn frame() -> Vec<u8> {
    let (w, h) = FRAME;
    let mut pgm = format!("P5\n{w} {h}\n65535\n").into_bytes();
    let noise = pseudo_random(w * h * 2, 11);
    // A smooth gradient with noise: a plausible raw frame.
    for y in 0..h {
        for x in 0..w {
            let v = ((x * 40 + y * 20) as u32 + u32::from(noise[2 * (y * w + x)])) & 0xFFFF;
            pgm.extend_from_slice(&(v as u16).to_be_bytes());
        }
    }
    pgm
}

fn camera_bench(dir: &Path) {
    let pgm = frame();
    let input = dir.join("frame.pgm");
    std::fs::write(&input, &pgm).unwrap();
    let out = dir.join("frame.enc");
    let stages = ["isp".to_owned(), format!("aes-ctr:key={KEY}:iv={IV}")];
    let stages: Vec<&str> = stages.iter().map(String::as_str).collect();
    let (mut board, mut procs, mut one) = (Vec::new(), Vec::new(), Vec::new());
    let mut want = Vec::new();
    for _ in 0..RUNS {
        one.push(time(|| want = both_in_one(&pgm)));
        procs.push(time(|| {
            let got = two_processes(&input);
            assert!(got == want, "the two processes differ from one");
        }));
        board.push(time(|| pipe_run(&input, &out, &stages)));
    }
    assert!(std::fs::read(&out).unwrap() == want, "the board differs");
    let ms = |mut v: Vec<Duration>| {
        v.sort();
        (
            v[RUNS / 2].as_secs_f64() * 1e3,
            v[0].as_secs_f64() * 1e3,
            v[RUNS - 1].as_secs_f64() * 1e3,
        )
    };
    let (w, h) = FRAME;
    println!(
        "camera pipeline, a {w}x{h} 16-bit frame ({} bytes) -> ISP -> AES-128-CTR, {RUNS} runs, median (min..max) ms",
        pgm.len()
    );
    let (b, b_lo, b_hi) = ms(board);
    let (p, p_lo, p_hi) = ms(procs);
    let (o, o_lo, o_hi) = ms(one);
    println!("  both in one process                 {o:8.1} ({o_lo:.1}..{o_hi:.1})");
    println!("  two Linux processes and a pipe      {p:8.1} ({p_lo:.1}..{p_hi:.1})");
    println!(
        "  tilekit pipe, ISP and crypto tiles  {b:8.1} ({b_lo:.1}..{b_hi:.1})  (board start, put and get included)"
    );
    println!("  ratio board / two processes         {:8.3}", p / b);
    println!("  ratio board / one process           {:8.3}", o / b);
}

fn aes(data: &mut [u8]) {
    let key = crypto_model::hex::key(KEY).unwrap();
    let iv = crypto_model::hex::iv(IV).unwrap();
    crypto_model::AesCtr::new(&key, iv).unwrap().apply(data);
}

fn both_in_one(pgm: &[u8]) -> Vec<u8> {
    let mut ppm = isp_model::process(pgm, isp_model::Params::default()).unwrap();
    aes(&mut ppm);
    ppm
}

/// This benchmark as an ISP process piped into itself as an AES process.
fn two_processes(input: &Path) -> Vec<u8> {
    let me = std::env::current_exe().unwrap();
    let mut isp = Command::new(&me)
        .env("PIPE_BENCH_ROLE", "isp")
        .stdin(std::fs::File::open(input).unwrap())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut aes = Command::new(&me)
        .env("PIPE_BENCH_ROLE", "aes")
        .stdin(isp.stdout.take().unwrap())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = Vec::new();
    aes.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    assert!(isp.wait().unwrap().success() && aes.wait().unwrap().success());
    out
}

/// Streams stdin through the ISP engine to stdout.
fn isp_role() {
    let mut isp = isp_model::Isp::new(isp_model::Params::default());
    let (mut stdin, mut stdout) = (std::io::stdin().lock(), std::io::stdout().lock());
    let mut buf = vec![0u8; 256 << 10];
    let mut out = Vec::new();
    loop {
        let n = stdin.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.clear();
        isp.push(&buf[..n], &mut out).unwrap();
        stdout.write_all(&out).unwrap();
    }
    out.clear();
    isp.finish(&mut out).unwrap();
    stdout.write_all(&out).unwrap();
}

/// Streams stdin through AES-128-CTR to stdout.
fn aes_role() {
    let key = crypto_model::hex::key(KEY).unwrap();
    let iv = crypto_model::hex::iv(IV).unwrap();
    let mut engine = crypto_model::AesCtr::new(&key, iv).unwrap();
    let (mut stdin, mut stdout) = (std::io::stdin().lock(), std::io::stdout().lock());
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = stdin.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        engine.apply(&mut buf[..n]);
        stdout.write_all(&buf[..n]).unwrap();
    }
}
