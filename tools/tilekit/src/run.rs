//! `tilekit run PROGRAM [-- ARGS…]`: boots the board with the kernel,
//! which starts the program on a core; streams what it prints and exits
//! with the program's exit code. `--bare` loads and starts the program without a
//! kernel. Without `--board` the embedded demo board runs in this process.
//! Programs are found by the search order of [`crate::images`].

use std::io::Write as _;
use std::time::{Duration, Instant};

use board_host::CuState;
use board_schema::TileKind;
use serde_json::json;

use crate::exit::Exit;
use crate::open::{BoardArgs, parse_tile, report};

/// Options of `tilekit run`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    board: BoardArgs,
    /// The core to run on: its number (2) or name (C0T02). Default: the
    /// first core tile.
    #[arg(long)]
    tile: Option<String>,
    /// Stop the tile and fail after this many seconds.
    #[arg(long, default_value_t = 60.0, value_name = "SECS")]
    timeout: f64,
    /// Print the result as JSON (tile, state, exit code, wall time, output)
    /// instead of streaming the output.
    #[arg(long)]
    json: bool,
    /// Run the program without the kernel: load it and switch its core on
    /// directly (bring-up and tests of raw TCU use).
    #[arg(long)]
    bare: bool,
    /// Put a file of this machine onto the board's file system before the
    /// program starts (parent directories created); repeatable.
    #[arg(long = "put", value_name = "LOCAL=REMOTE", value_parser = crate::transfer::parse_put)]
    put: Vec<crate::transfer::Pair>,
    /// Make the program wait at its entry (before `main`) and print how to
    /// attach a debugger to it; Enter lets it run. Needs a board simulated
    /// in this process.
    #[arg(long)]
    stop_at_entry: bool,
    /// Get a file of the board's file system after the program ended
    /// (parent folders created); repeatable.
    #[arg(long = "get", value_name = "REMOTE=LOCAL", value_parser = crate::transfer::parse_get)]
    get: Vec<crate::transfer::Pair>,
    /// The program: a tile image's name (found next to `tilekit`, in
    /// `images/`, or in $TILEKIT_IMAGE_PATH) or path.
    image: String,
    /// Arguments for the program (after `--`).
    #[arg(last = true)]
    args: Vec<String>,
}

/// Runs the image and follows its output.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    run_traced(args, None)
}

/// Writes the trace of the run when dropped (at every way out of it).
struct TraceGuard<'b> {
    board: &'b board_host::Board,
    out: &'b std::path::Path,
}

impl Drop for TraceGuard<'_> {
    fn drop(&mut self) {
        if let Some(trace) = self.board.local_sim().and_then(|s| s.take_trace())
            && let Err(e) = crate::trace::write(&trace, self.board.rom(), self.out)
        {
            eprintln!("error: {e:#}");
        }
    }
}

/// Runs the image and follows its output; with `trace_out`, records every
/// TCU command and message and writes them there (`tilekit trace`).
pub fn run_traced(args: &Args, trace_out: Option<&std::path::Path>) -> anyhow::Result<Exit> {
    let t0 = Instant::now();
    let read = crate::images::read;
    let (path, image) = match read(&args.image) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Failed);
        }
    };
    let kernel = if args.bare {
        None
    } else {
        match read("tilekit-kernel") {
            Ok((_, k)) => Some(k),
            Err(e) => {
                eprintln!(
                    "error: {e}
(or run the program without the kernel: --bare)"
                );
                return Ok(Exit::Failed);
            }
        }
    };
    let board = match args.board.open(false) {
        Ok(b) => b,
        Err(code) => return Ok(code),
    };
    let _trace = match (trace_out, board.local_sim()) {
        (None, _) => None,
        (Some(out), Some(sim)) => {
            sim.start_trace();
            Some(TraceGuard { board: &board, out })
        }
        (Some(_), None) => {
            eprintln!(
                "error: a trace needs a board simulated in this process (the demo board or --board FILE); {} is simulated elsewhere",
                board.uri()
            );
            return Ok(Exit::Usage);
        }
    };
    let tile = match &args.tile {
        Some(t) => match parse_tile(t) {
            Some(t) => t,
            None => {
                eprintln!("error: `{t}` is not a tile: give its number (2) or name (C0T02)");
                return Ok(Exit::Usage);
            }
        },
        // With the kernel and two cores or more, root takes the first core
        // and the program the next; otherwise the program the first.
        None => {
            let cores: Vec<_> = board
                .rom()
                .tiles
                .iter()
                .filter(|t| t.kind == TileKind::Core)
                .map(|t| t.id)
                .collect();
            match (cores.len(), kernel.is_some()) {
                (0, _) => {
                    eprintln!("error: board `{}` has no core tile", board.rom().name);
                    return Ok(Exit::Failed);
                }
                (1, _) | (_, false) => cores[0],
                _ => cores[1],
            }
        }
    };
    // Root, the resource manager, runs on a core beside the program's, if
    // the board has one; the kernel starts root, root starts the program.
    let root_tile = board
        .rom()
        .tiles
        .iter()
        .find(|t| t.kind == TileKind::Core && t.id != tile)
        .map(|t| t.id);
    let root = match (&kernel, root_tile) {
        (Some(_), Some(rt)) => match read("tilekit-root") {
            Ok((_, r)) => Some((rt, r)),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(Exit::Failed);
            }
        },
        _ => None,
    };
    let transfers = !args.put.is_empty() || !args.get.is_empty();
    let has_host = board.rom().tiles.iter().any(|t| t.kind == TileKind::Host);
    if args.stop_at_entry && (root.is_none() || !has_host || board.local_sim().is_none()) {
        eprintln!(
            "error: --stop-at-entry needs a board simulated in this process (no sim:/pcie: URI) with a host tile and two cores or more, without --bare"
        );
        return Ok(Exit::Usage);
    }
    if transfers && (root.is_none() || !has_host) {
        eprintln!(
            "error: --put/--get need the kernel with root and a host tile: a board with a host tile and two cores or more, without --bare"
        );
        return Ok(Exit::Usage);
    }
    // Root's plan: the program gets a session with the file service (and
    // the host one, to put and get); with puts, the host starts it.
    let plan = kif::plan::RootPlan {
        entries: vec![kif::plan::PlanEntry {
            serves: false,
            sessions: vec![kif::plan::FILES],
            host_starts: !args.put.is_empty() || args.stop_at_entry,
            parent: None,
        }],
        host_sessions: if transfers {
            vec![kif::plan::FILES]
        } else {
            vec![]
        },
    };
    let plan_args = plan.to_args();
    let root_args: Vec<&str> = plan_args.iter().map(String::as_str).collect();
    let argv: Vec<&str> = args.args.iter().map(String::as_str).collect();
    let started = Instant::now();
    let mut head = match board.output_since(tile, 0) {
        Ok((_, h, _)) => h,
        Err(e) => return Ok(report(e)),
    };
    let mut host_files = None;
    // Loading images over a board's link takes a while on hardware.
    let bar = if args.stop_at_entry {
        indicatif::ProgressBar::hidden()
    } else {
        crate::progress::spinner(&format!("loading {} onto {}", args.image, board.uri()))
    };
    let started_up = match (&kernel, &root) {
        (Some(k), Some((rt, r))) => board
            .boot_with_root(k, (*rt, r, root_args), &[(tile, &image, argv.clone())])
            .and_then(|_| {
                bar.finish_and_clear();
                if args.stop_at_entry {
                    hold(&board, tile, true)?;
                }
                if !args.put.is_empty() {
                    host_files = Some(put_and_start(&board, &args.put)?);
                } else if args.stop_at_entry {
                    start_held(&board)?;
                }
                wait_started(&board, tile)?;
                if args.stop_at_entry {
                    debugger(&board, tile, &path);
                    hold(&board, tile, false)?;
                }
                Ok(())
            }),
        (Some(k), None) => board
            .boot(k, &[(tile, &image, argv.clone())])
            .and_then(|_| wait_started(&board, tile)),
        (None, _) => board.run(tile, &image, &argv),
    };
    bar.finish_and_clear();
    if let Err(e) = started_up {
        // A kernel that died at boot is the cause, not the program's tile.
        if let Some(why) = kernel.as_ref().and_then(|_| board.kernel_failure()) {
            eprintln!("error: {why}");
            return Ok(Exit::Failed);
        }
        return Ok(report(e));
    }
    if kernel.is_some() {
        // Booting reset the board: its PRINT rings start empty.
        head = 0;
    }
    tracing::info!(
        "{} started on tile {tile} of {}{}",
        path.display(),
        board.uri(),
        match (&kernel, &root) {
            (Some(_), Some((rt, _))) => format!(" by root (on {rt})"),
            (Some(_), None) => " by the kernel".to_owned(),
            _ => String::new(),
        }
    );
    let deadline = started + Duration::from_secs_f64(args.timeout.max(0.0));
    let mut output = Vec::new();
    let mut stdout = std::io::stdout();
    loop {
        let (bytes, h, lost) = board
            .output_since(tile, head)
            .map_err(anyhow::Error::from)?;
        head = h;
        if lost > 0 {
            let note =
                format!("\n[tilekit: {lost} bytes of output lost: the PRINT ring wrapped]\n");
            output.extend_from_slice(note.as_bytes());
            if !args.json {
                let _ = stdout.write_all(note.as_bytes());
            }
        }
        if !bytes.is_empty() {
            if output.is_empty() {
                tracing::info!(
                    "first output {:.1} ms after the command",
                    t0.elapsed().as_secs_f64() * 1e3
                );
            }
            output.extend_from_slice(&bytes);
            if !args.json {
                let _ = stdout.write_all(&bytes);
                let _ = stdout.flush();
            }
        }
        if board.cu_state(tile).map_err(anyhow::Error::from)? != Ok(CuState::Running) {
            let view = board.tile_view(tile).map_err(anyhow::Error::from)?;
            // Output printed just before the end.
            let (bytes, _, _) = board
                .output_since(tile, head)
                .map_err(anyhow::Error::from)?;
            output.extend_from_slice(&bytes);
            if !args.json {
                let _ = stdout.write_all(&bytes);
            }
            // Files come back after the program, then the host is done
            // (root, which waits for it, ends).
            if transfers {
                let files = match host_files.take() {
                    Some(f) => f,
                    None => crate::transfer::host_files(&board).map_err(anyhow::Error::from)?,
                };
                let got = crate::transfer::get_all(&files, &args.get);
                let _ = files.syscalls().exit(0);
                if let Err(e) = got {
                    eprintln!("error: {e:#}");
                    return Ok(Exit::Failed);
                }
            }
            return Ok(finish(args, tile, &view, started.elapsed(), &output));
        }
        if Instant::now() >= deadline {
            let _ = board.stop(tile);
            eprintln!(
                "error: tile {tile} did not finish within {:.1} s; it was stopped",
                args.timeout
            );
            // As timeout(1) reports it.
            return Ok(Exit::Program(124));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn finish(
    args: &Args,
    tile: tcu_mmio::TileId,
    view: &board_host::TileView,
    wall: Duration,
    output: &[u8],
) -> Exit {
    // The program's exit code, as a shell reports it: the code itself, or
    // 128 + the signal after a crash.
    let code = u8::try_from(view.exit_code.min(255)).unwrap_or(255);
    if args.json {
        let out = json!({
            "tile": tile.to_string(),
            "state": view.cu_description(),
            "exit_code": view.exit_code,
            "wall_ms": wall.as_secs_f64() * 1e3,
            "output": String::from_utf8_lossy(output),
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        eprintln!(
            "tilekit: tile {tile} {} after {:.1} ms",
            view.cu_description(),
            wall.as_secs_f64() * 1e3
        );
    }
    match view.cu {
        Ok(CuState::Exited | CuState::Crashed) => Exit::Program(code),
        _ => Exit::Failed,
    }
}

/// Holds (or releases) `tile`'s program at its entry.
fn hold(
    board: &board_host::Board,
    tile: tcu_mmio::TileId,
    on: bool,
) -> Result<(), board_host::HostError> {
    match board.local_sim() {
        Some(sim) => sim
            .hold_at_entry(tile, on)
            .map_err(board_host::HostError::from),
        None => Ok(()),
    }
}

/// Starts the program root handed the host (once root has handed it).
fn start_held(board: &board_host::Board) -> Result<(), board_host::HostError> {
    let start = kif::syscall::msg::ActCtrl {
        act: kif::plan::HOST_ACTS,
        start: true,
    };
    board
        .host_syscalls()?
        .call_when_ready(&start.encode(), Duration::from_secs(10))
        .map(drop)
}

/// The process whose tile descriptor (fd 3) is `tile`'s memory
/// (`memfd:tilekit-C0T02`), found through /proc.
fn tile_process(tile: tcu_mmio::TileId) -> Option<u32> {
    let want = format!("/memfd:tilekit-{tile}");
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let link = std::fs::read_link(e.path().join("fd/3")).ok()?;
        link.to_string_lossy().starts_with(&want).then_some(pid)
    })
}

/// Says how to attach a debugger to the held program and waits for Enter.
fn debugger(board: &board_host::Board, tile: tcu_mmio::TileId, image: &std::path::Path) {
    // The compute unit is on; its process may take a moment to exist.
    let give_up = Instant::now() + Duration::from_secs(5);
    let pid = loop {
        let pid = board
            .local_sim()
            .and_then(|s| s.pid(tile))
            .or_else(|| tile_process(tile));
        if pid.is_some() || Instant::now() >= give_up {
            break pid;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let pid = pid.map_or_else(|| "?".to_owned(), |p| p.to_string());
    eprintln!(
        "tilekit: {tile} waits at the entry of {} (process {pid}).
  Attach a debugger from another terminal:
    gdb -p {pid} {}        (or: rust-gdb …; lldb -p {pid})
  then set breakpoints and `continue`. Attaching needs ptrace rights over
  this process: run gdb as root, or `sudo sysctl kernel.yama.ptrace_scope=0`.
  Press Enter here to let the program run.",
        image.display(),
        image.display()
    );
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

/// Puts the files, then starts the program root handed the host.
fn put_and_start<'b>(
    board: &'b board_host::Board,
    puts: &[crate::transfer::Pair],
) -> Result<board_host::HostFiles<'b>, board_host::HostError> {
    let files = crate::transfer::host_files(board)?;
    crate::transfer::put_all(&files, puts)
        .map_err(|e| board_host::HostError::Files(format!("{e:#}")))?;
    let start = kif::syscall::msg::ActCtrl {
        act: kif::plan::HOST_ACTS,
        start: true,
    };
    files.syscalls().call(&start.encode())?;
    Ok(files)
}

/// Waits up to 10 s for the kernel (or root) to start `tile`, giving up at
/// once if the kernel has ended (the caller then names it as the cause).
fn wait_started(
    board: &board_host::Board,
    tile: tcu_mmio::TileId,
) -> Result<(), board_host::HostError> {
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        match board.wait_started(tile, Duration::from_millis(50)) {
            Ok(()) => return Ok(()),
            Err(e) if Instant::now() >= give_up || board.kernel_failure().is_some() => {
                return Err(e);
            }
            Err(_) => {}
        }
    }
}
