//! `tilekit up`: brings a board up as its board file's `boot:` section
//! says — the kernel, root on a free core, and root starting every boot
//! program with its arguments, services and sessions (root's plan,
//! `kif::plan`) — and follows their output and root's, each line prefixed
//! with its tile, until root has ended (after every program that does not
//! serve; it stops the servers). Exits with the first non-zero exit code
//! of a program that does not serve (0 if all succeeded). With
//! `--console` it also reads commands on stdin and runs them with the host
//! tile's session of the file system (`crate::console`).

use std::io::Write as _;
use std::time::{Duration, Instant};

use board_host::{BoardUri, CuState};
use board_schema::{BoardDesc, TileKind};
use kif::plan::{PlanEntry, RootPlan};
use tcu_mmio::TileId;

use crate::exit::Exit;
use crate::open::{BoardArgs, report};

/// Options of `tilekit up`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    board: BoardArgs,
    /// Stop the programs and fail after this many seconds (not with
    /// `--console`).
    #[arg(long, default_value_t = 60.0, value_name = "SECS")]
    timeout: f64,
    /// Stay attached as the host tile's console: commands on stdin (`help`)
    /// work on the board's file system through the host's session; `quit`
    /// or the end of input lets root end.
    #[arg(long)]
    console: bool,
}

/// The board file that describes the board.
fn board_file(args: &BoardArgs) -> Result<BoardDesc, String> {
    let catalog = crate::board::catalog();
    let uri = BoardUri::or_default(args.board.as_deref()).map_err(|e| e.to_string())?;
    match (&args.board_file, uri) {
        (Some(f), _) => board_schema::load(f, &catalog).map_err(|e| e.to_string()),
        (None, BoardUri::File(f)) => board_schema::load(&f, &catalog).map_err(|e| e.to_string()),
        (None, BoardUri::Demo) => {
            board_schema::parse("demo.yaml (embedded)", board_host::DEMO_BOARD, &catalog)
                .map_err(|e| e.to_string())
        }
        (None, other) => Err(format!(
            "{other}: `up` starts what a board file's boot: section names; give it with --board-file FILE"
        )),
    }
}

/// Root's plan (`kif::plan`) from the boot section: which entries serve,
/// which sessions each gets (validation made sure every name resolves to
/// an earlier entry).
fn root_plan(desc: &BoardDesc) -> RootPlan {
    let server = |name: &String| {
        if name == board_schema::validate::FILE_SERVICE {
            return Some(kif::plan::FILES);
        }
        desc.boot
            .iter()
            .position(|b| b.serves.as_ref() == Some(name))
    };
    RootPlan {
        entries: desc
            .boot
            .iter()
            .map(|b| PlanEntry {
                serves: b.serves.is_some(),
                sessions: b.sessions.iter().filter_map(server).collect(),
                host_starts: false,
                parent: b.parent,
            })
            .collect(),
        host_sessions: desc.host_sessions.iter().filter_map(server).collect(),
    }
}

/// Brings the board up and follows it.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    let desc = match board_file(&args.board) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Failed);
        }
    };
    if desc.boot.is_empty() && !args.console {
        eprintln!(
            "error: board `{}` has no boot: section; add one (e.g. `boot: [{{ program: hello, tile: 2, args: [world] }}]`) or use `tilekit run PROGRAM`",
            desc.name
        );
        return Ok(Exit::Failed);
    }
    let used: Vec<TileId> = desc.boot.iter().map(|b| b.tile).collect();
    let Some(root_tile) = desc
        .tiles
        .iter()
        .find(|t| t.kind == TileKind::Core && !used.contains(&t.id))
        .map(|t| t.id)
    else {
        eprintln!(
            "error: root needs a core tile that no boot entry uses; board `{}` has none left",
            desc.name
        );
        return Ok(Exit::Failed);
    };
    let mut images = Vec::new();
    // An accelerator tile's entry loads nothing: its firmware runs.
    let accel = |b: &board_schema::Boot| {
        desc.tiles
            .iter()
            .any(|t| t.id == b.tile && t.kind == TileKind::Accel)
    };
    for name in ["tilekit-kernel", "tilekit-root"].into_iter().chain(
        desc.boot
            .iter()
            .map(|b| if accel(b) { "" } else { b.program.as_str() }),
    ) {
        if name.is_empty() {
            images.push(Vec::new());
            continue;
        }
        match crate::images::read(name) {
            Ok((_, b)) => images.push(b),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(Exit::Failed);
            }
        }
    }
    let board = match args.board.open(false) {
        Ok(b) => b,
        Err(code) => return Ok(code),
    };
    let apps: Vec<(TileId, &[u8], Vec<&str>)> = desc
        .boot
        .iter()
        .zip(&images[2..])
        .map(|(b, img)| {
            (
                b.tile,
                img.as_slice(),
                b.args.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let mut plan = root_plan(&desc);
    if args.console && !plan.host_sessions.contains(&kif::plan::FILES) {
        plan.host_sessions.push(kif::plan::FILES);
    }
    let host_fs = plan.host_sessions.contains(&kif::plan::FILES);
    let plan_args = plan.to_args();
    let root_args: Vec<&str> = plan_args.iter().map(String::as_str).collect();
    let t0 = Instant::now();
    let bar = crate::progress::spinner(&format!(
        "loading {} programs onto {}",
        apps.len() + 2,
        board.uri()
    ));
    let booted = board.boot_with_root(&images[0], (root_tile, &images[1], root_args), &apps);
    bar.finish_and_clear();
    if let Err(e) = booted {
        return Ok(report(e));
    }
    tracing::info!(
        "{}: kernel up, root on {root_tile}, {} program(s)",
        desc.name,
        apps.len()
    );
    let deadline = t0 + Duration::from_secs_f64(args.timeout.max(0.0));
    // The host's file client: for the console, and to say "done" (root
    // waits for a host that has a session of its file service).
    let files = if host_fs {
        match crate::transfer::host_files(&board) {
            Ok(f) => Some(f),
            Err(e) => return Ok(report(e)),
        }
    } else {
        None
    };
    let lines = args.console.then(crate::console::stdin_lines);
    if args.console {
        eprintln!(
            "tilekit: console on {} ({})",
            desc.name,
            crate::console::HELP
        );
    }
    let mut host_done = false;
    // Root's lines too (sessions given, programs' exits); it ends last.
    let followed: Vec<TileId> = used.iter().copied().chain([root_tile]).collect();
    let mut heads = vec![0u64; followed.len()];
    let mut partial = vec![String::new(); followed.len()];
    let mut stdout = std::io::stdout();
    loop {
        let mut running = 0;
        let mut programs = 0;
        for (k, tile) in followed.iter().enumerate() {
            let (bytes, h, _) = board
                .output_since(*tile, heads[k])
                .map_err(anyhow::Error::from)?;
            heads[k] = h;
            partial[k].push_str(&String::from_utf8_lossy(&bytes));
            while let Some(nl) = partial[k].find('\n') {
                let line: String = partial[k].drain(..=nl).collect();
                let _ = write!(stdout, "[{tile}] {line}");
            }
            // A server stopped by root is done; root itself is running
            // until it has exited.
            let serves = desc.boot.get(k).is_some_and(|b| b.serves.is_some());
            match board.cu_state(*tile).map_err(anyhow::Error::from)? {
                Ok(CuState::Running) => {
                    running += 1;
                    programs += usize::from(*tile != root_tile && !serves);
                }
                Ok(CuState::Stopped) if *tile == root_tile => running += 1,
                _ => {}
            }
        }
        let _ = stdout.flush();
        let mut quit = !args.console && programs == 0;
        if let (Some(rx), Some(f)) = (&lines, &files) {
            while let Ok(line) = rx.try_recv() {
                match line {
                    crate::console::Line::Command(c) => match crate::console::execute(f, &c) {
                        Ok(out) => {
                            let _ = write!(stdout, "{out}");
                            let _ = stdout.flush();
                        }
                        Err(e) => eprintln!("error: {e}"),
                    },
                    crate::console::Line::Quit => quit = true,
                }
            }
        }
        // The host is done: root may end (after its programs).
        if quit && !host_done {
            if let Some(f) = &files {
                let _ = f.syscalls().exit(0);
            }
            host_done = true;
        }
        if running == 0 {
            break;
        }
        if let Some(why) = board.kernel_failure() {
            eprintln!("error: {why}");
            return Ok(Exit::Failed);
        }
        if !args.console && Instant::now() >= deadline {
            eprintln!(
                "error: the boot programs did not all end within {:.1} s",
                args.timeout
            );
            return Ok(Exit::Program(124));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut first_failure = None;
    for (tile, b) in used.iter().zip(&desc.boot) {
        let v = board.tile_view(*tile).map_err(anyhow::Error::from)?;
        eprintln!("tilekit: tile {tile} {}", v.cu_description());
        if b.serves.is_none() && v.exit_code != 0 && first_failure.is_none() {
            first_failure = Some(u8::try_from(v.exit_code.min(255)).unwrap_or(255));
        }
    }
    Ok(first_failure.map_or(Exit::Success, Exit::Program))
}
