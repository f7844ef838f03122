//! `boot-harness`: what tests on the simulated board share.
//!
//! [`boot`] opens the demo board in the test's process and boots it the
//! way `tilekit up` does: the kernel, root on tile 1 with a plan, and the
//! programs on tiles 2, 3, … (their images from the build's target folder:
//! build the workspace first). [`host_files`] waits for the host's file
//! session; [`start_held`] starts an activity root handed the host;
//! [`random_bytes`] makes reproducible test data.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::time::Duration;

use board_host::{Board, BoardUri, HostFiles, OpenOptions};
use kif::plan::{PlanEntry, RootPlan};
use tcu_mmio::TileId;

/// Where root runs.
pub const ROOT: TileId = TileId::on_chip0(1);

/// The build's folder of tile images: the test executable sits in its
/// `deps/`.
fn image_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let deps = exe.parent().map(PathBuf::from).unwrap_or_default();
    deps.parent().map(PathBuf::from).unwrap_or(deps)
}

/// The tile image `name` of this build.
///
/// # Panics
/// If it is not built (the message says how to build it).
pub fn image(name: &str) -> Vec<u8> {
    let p = image_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (build the workspace first: cargo build --workspace)",
            p.display()
        )
    })
}

/// A program to boot: its image's name, its arguments, its part of root's
/// plan. An image named `accel:KIND` is the board's accelerator tile of
/// that kind (its controller runs the kind's firmware; no image is
/// loaded).
#[derive(Clone, Debug)]
pub struct Program {
    /// The image.
    pub image: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its plan entry (sessions, serves, host starts, parent).
    pub entry: PlanEntry,
}

impl Program {
    /// `image` with `args` and `entry`.
    pub fn new(image: &str, args: &[&str], entry: PlanEntry) -> Program {
        Program {
            image: image.into(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            entry,
        }
    }
}

/// Boots the demo board with the kernel, root (on [`ROOT`]) and `programs`
/// on tiles 2, 3, … (accelerators on their tiles); the host gets sessions with `host_sessions`.
/// Returns the board and the programs' tiles.
///
/// # Panics
/// If the board does not open or boot.
pub fn boot(programs: &[Program], host_sessions: Vec<usize>) -> (Board, Vec<TileId>) {
    let board = Board::open(&BoardUri::Demo, &OpenOptions::default())
        .unwrap_or_else(|e| panic!("the demo board does not open: {e}"));
    let plan = RootPlan {
        entries: programs.iter().map(|p| p.entry.clone()).collect(),
        host_sessions,
    };
    let images: Vec<Vec<u8>> = programs
        .iter()
        .map(|p| match p.image.strip_prefix("accel:") {
            Some(_) => Vec::new(),
            None => image(&p.image),
        })
        .collect();
    let mut cores = (2u8..).map(TileId::on_chip0);
    let apps: Vec<(TileId, &[u8], Vec<&str>)> = programs
        .iter()
        .zip(&images)
        .map(|(p, img)| {
            let tile = match p.image.strip_prefix("accel:") {
                Some(kind) => {
                    board
                        .rom()
                        .tiles
                        .iter()
                        .find(|t| t.accel.as_deref() == Some(kind))
                        .unwrap_or_else(|| panic!("the demo board has no `{kind}` tile"))
                        .id
                }
                None => cores.next().unwrap_or(ROOT),
            };
            (
                tile,
                img.as_slice(),
                p.args.iter().map(String::as_str).collect(),
            )
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
        .unwrap_or_else(|e| panic!("the board does not boot: {e}"));
    let tiles = apps.iter().map(|a| a.0).collect();
    (board, tiles)
}

/// The host's file client, once root has given the host its session.
///
/// # Panics
/// If root does not within 10 s.
pub fn host_files(board: &Board) -> HostFiles<'_> {
    HostFiles::when_ready(board, kif::plan::SESSION_SELS, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("no file session for the host: {e}"))
}

/// Starts the `k`-th activity root handed the host (`host_starts`).
///
/// # Panics
/// If the kernel refuses.
pub fn start_held(files: &HostFiles<'_>, k: u64) {
    let start = kif::syscall::msg::ActCtrl {
        act: kif::CapSel(kif::plan::HOST_ACTS.0 + k),
        start: true,
    };
    files
        .syscalls()
        .call(&start.encode())
        .unwrap_or_else(|e| panic!("cannot start held activity {k}: {e}"));
}

/// `n` reproducible pseudo-random bytes (xorshift from `seed`).
pub fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
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

/// What a run of the `pipeline` app did.
#[derive(Debug)]
pub struct PipelineRun {
    /// The app's exit code.
    pub code: u64,
    /// What the app printed, then what each stage's tile printed.
    pub printed: String,
    /// `/out` afterwards, if it exists.
    pub out: Option<Vec<u8>>,
    /// Per tile: the payload bytes that crossed its TCU, `[in, out]`
    /// (`tcu_model::TileState::payload`), when the pipeline had ended.
    pub payload: Vec<(TileId, [u64; 2])>,
    /// The tiles of the app and of each stage, in order.
    pub tiles: Vec<TileId>,
    /// Per tile: register writes its TCU ignored (`TileState::violations`).
    pub violations: Vec<(TileId, u64)>,
    /// Every file the host put, as it reads back after the run.
    pub files_after: Vec<(String, Option<Vec<u8>>)>,
}

/// Boots the `pipeline` app with `args` on tile 2 and the filter images
/// `stages` on tiles 3, 4, … (`accel:KIND`: the accelerator tile) as its
/// children (every one with a session of
/// root's `fs`); the host puts `files` (parent folders created), starts
/// the app, waits for it (2 minutes at most), and gets `/out`.
///
/// # Panics
/// If the board does not boot, a put fails or the app hangs.
pub fn run_pipeline(args: &[&str], stages: &[&str], files: &[(&str, &[u8])]) -> PipelineRun {
    run_pipeline_with(args, stages, files, &|_| {})
}

/// [`run_pipeline`], calling `prepare` with the board after it booted and
/// before the app starts (to swap an accelerator's firmware, say).
///
/// # Panics
/// As [`run_pipeline`].
pub fn run_pipeline_with(
    args: &[&str],
    stages: &[&str],
    files: &[(&str, &[u8])],
    prepare: &dyn Fn(&Board),
) -> PipelineRun {
    use board_host::CuState;
    use kif::plan::FILES;
    let mut programs = vec![Program::new(
        "pipeline",
        args,
        PlanEntry {
            sessions: vec![FILES],
            host_starts: true,
            ..PlanEntry::default()
        },
    )];
    programs.extend(stages.iter().map(|s| {
        Program::new(
            s,
            &[],
            PlanEntry {
                sessions: vec![FILES],
                parent: Some(0),
                ..PlanEntry::default()
            },
        )
    }));
    let (board, tiles) = boot(&programs, vec![FILES]);
    let host = host_files(&board);
    for (path, data) in files {
        if let Some((dir, _)) = path.rsplit_once('/')
            && !dir.is_empty()
        {
            host.mkdir_all(dir)
                .unwrap_or_else(|e| panic!("mkdir {dir}: {e}"));
        }
        host.put(path, data, &mut |_| {})
            .unwrap_or_else(|e| panic!("put {path}: {e}"));
    }
    prepare(&board);
    start_held(&host, 0);
    let v = board
        .wait(tiles[0], Duration::from_secs(120))
        .unwrap_or_else(|e| panic!("{e}\nroot: {}", board.output(ROOT).unwrap_or_default()));
    assert_eq!(v.cu, Ok(CuState::Exited), "{}", v.printed);
    let (payload, violations) = board
        .local_sim()
        .map(|sim| {
            sim.with_model(|m| {
                let states: Vec<_> = board
                    .rom()
                    .tiles
                    .iter()
                    .filter_map(|t| m.tile(t.id).map(|s| (t.id, s.payload, s.violations)))
                    .collect();
                (
                    states.iter().map(|s| (s.0, s.1)).collect(),
                    states.iter().map(|s| (s.0, s.2)).collect(),
                )
            })
        })
        .unwrap_or_default();
    let files_after = files
        .iter()
        .map(|(path, _)| ((*path).to_owned(), host.get(path, &mut |_| {}).ok()))
        .collect();
    let out = host.get("/out", &mut |_| {}).ok();
    let mut printed = v.printed;
    for t in &tiles[1..] {
        printed += &format!("[{t}] {}", board.output(*t).unwrap_or_default());
    }
    // The pipes are gone again.
    let tmp = host.read_dir("/tmp").unwrap_or_default();
    assert!(tmp.is_empty(), "pipes left behind: {tmp:?}");
    let _ = host.syscalls().exit(0);
    PipelineRun {
        code: v.exit_code,
        printed,
        out,
        payload,
        tiles,
        violations,
        files_after,
    }
}
