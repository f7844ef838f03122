//! Filters chained by an app on the simulated demo board: the host puts
//! the input, the app (`pipeline`, tile 2) connects `upcase` (tile 3) and
//! `xor` (tile 4) through a pipe on root's file system, starts them, and
//! collects their reports; the host gets the output.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use std::path::Path;
use std::time::Duration;

use board_host::{Board, BoardUri, CuState, OpenOptions};
use kif::plan::{FILES, PlanEntry, RootPlan};
use tile_runtime::tcu_mmio::TileId;

const ROOT: TileId = TileId::on_chip0(1);
const APP: TileId = TileId::on_chip0(2);

fn image(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_BIN_EXE_pipeline")).with_file_name(name);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (build the workspace first: cargo build --workspace)",
            p.display()
        )
    })
}

/// Boots the app with `args` on tile 2 and `filters` on tiles 3, 4, …
/// as its children (all with a session of `fs`; the host has one too and
/// starts the app once it has put `input` at `/in`). Waits for the app
/// and returns its exit code, what it printed, and `/out` if it exists.
fn run(args: &[&str], filters: &[&str], input: &[u8]) -> (u64, String, Option<Vec<u8>>) {
    let board = Board::open(&BoardUri::Demo, &OpenOptions::default()).unwrap();
    let mut entries = vec![PlanEntry {
        sessions: vec![FILES],
        host_starts: true,
        ..PlanEntry::default()
    }];
    entries.extend(filters.iter().map(|_| PlanEntry {
        sessions: vec![FILES],
        parent: Some(0),
        ..PlanEntry::default()
    }));
    let plan = RootPlan {
        entries,
        host_sessions: vec![FILES],
    };
    let images: Vec<Vec<u8>> = std::iter::once("pipeline")
        .chain(filters.iter().copied())
        .map(image)
        .collect();
    let apps: Vec<(TileId, &[u8], Vec<&str>)> = images
        .iter()
        .enumerate()
        .map(|(i, img)| {
            let a = if i == 0 { args.to_vec() } else { vec![] };
            (TileId::on_chip0(2 + i as u8), img.as_slice(), a)
        })
        .collect();
    let root_args = plan.to_args();
    board
        .boot_with_root(
            &image("tilekit-kernel"),
            (
                ROOT,
                &image("tilekit-root"),
                root_args.iter().map(String::as_str).collect(),
            ),
            &apps,
        )
        .unwrap();
    let files =
        board_host::HostFiles::when_ready(&board, kif::plan::SESSION_SELS, Duration::from_secs(10))
            .unwrap();
    files.put("/in", input, &mut |_| {}).unwrap();
    let start = kif::syscall::msg::ActCtrl {
        act: kif::plan::HOST_ACTS,
        start: true,
    };
    files.syscalls().call(&start.encode()).unwrap();
    let v = board
        .wait(APP, Duration::from_secs(120))
        .unwrap_or_else(|e| panic!("{e}\nroot: {}", board.output(ROOT).unwrap_or_default()));
    assert_eq!(v.cu, Ok(CuState::Exited), "{}", v.printed);
    let out = files.get("/out", &mut |_| {}).ok();
    // The pipes are gone again.
    let tmp = files.read_dir("/tmp").unwrap_or_default();
    assert!(tmp.is_empty(), "pipes left behind: {tmp:?}");
    let mut printed = v.printed;
    for k in 0..filters.len() {
        let t = TileId::on_chip0(3 + k as u8);
        printed += &format!("[{t}] {}", board.output(t).unwrap_or_default());
    }
    files.syscalls().exit(0).unwrap();
    let r = board.wait(ROOT, Duration::from_secs(30)).unwrap();
    assert_eq!(r.cu, Ok(CuState::Exited), "{}", r.printed);
    (v.exit_code, printed, out)
}

fn random(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 40) as u8
        })
        .collect()
}

#[test]
fn two_filters_on_two_tiles_transform_a_file_through_a_pipe() {
    let input = random((1 << 20) + 3, 9);
    let (code, printed, out) = run(
        &["/in", "/out", "upcase", "xor key=0x5a"],
        &["upcase", "xor"],
        &input,
    );
    assert_eq!(code, 0, "{printed}");
    let want: Vec<u8> = input
        .iter()
        .map(|b| b.to_ascii_uppercase() ^ 0x5a)
        .collect();
    assert!(
        out.as_deref() == Some(&want[..]),
        "output differs\n{printed}"
    );
    let n = input.len();
    assert!(
        printed.contains(&format!("stage 0 upcase on C0T03: {n} bytes in, {n} out")),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("stage 1 xor on C0T04: {n} bytes in, {n} out")),
        "{printed}"
    );
}

#[test]
fn a_stage_that_refuses_its_parameters_fails_the_pipeline_by_name() {
    let (code, printed, _) = run(
        &["/in", "/out", "upcase", "xor key=300"],
        &["upcase", "xor"],
        &random(100_000, 3),
    );
    assert_ne!(code, 0, "{printed}");
    assert!(
        printed.contains("stage 1 (xor) failed: it does not understand its parameters"),
        "{printed}"
    );
    assert!(printed.contains("`key=300` is not a number"), "{printed}");
}

#[test]
fn a_missing_input_is_reported_by_the_first_stage() {
    let (code, printed, _) = run(&["/nothing", "/out", "upcase"], &["upcase"], b"x");
    assert_ne!(code, 0, "{printed}");
    assert!(
        printed.contains("stage 0 (upcase) failed: the file server said:"),
        "{printed}"
    );
}

#[test]
fn stages_and_handed_filters_must_match() {
    let (code, printed, _) = run(&["/in", "/out", "upcase", "xor key=1"], &["upcase"], b"x");
    assert_ne!(code, 0, "{printed}");
    assert!(
        printed.contains("2 stages named but 1 filters handed over"),
        "{printed}"
    );
}
