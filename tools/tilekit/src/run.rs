//! `tilekit run IMAGE [-- ARGS…]`: loads a tile image into a core of a
//! board, starts it, streams what it prints, and ends with its result.
//! Without `--board` the embedded demo board runs in this process.

use std::io::Write as _;
use std::path::PathBuf;
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
    /// The tile image: a program built with the tile runtime.
    image: PathBuf,
    /// Arguments for the program (after `--`).
    #[arg(last = true)]
    args: Vec<String>,
}

/// Runs the image and follows its output.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    let image = match std::fs::read(&args.image) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {}: {e}", args.image.display());
            return Ok(Exit::Failed);
        }
    };
    let board = match args.board.open(false) {
        Ok(b) => b,
        Err(code) => return Ok(code),
    };
    let tile = match &args.tile {
        Some(t) => match parse_tile(t) {
            Some(t) => t,
            None => {
                eprintln!("error: `{t}` is not a tile: give its number (2) or name (C0T02)");
                return Ok(Exit::Usage);
            }
        },
        None => match board.rom().tiles.iter().find(|t| t.kind == TileKind::Core) {
            Some(t) => t.id,
            None => {
                eprintln!("error: board `{}` has no core tile", board.rom().name);
                return Ok(Exit::Failed);
            }
        },
    };
    let argv: Vec<&str> = args.args.iter().map(String::as_str).collect();
    let started = Instant::now();
    let mut head = match board.output_since(tile, 0) {
        Ok((_, h, _)) => h,
        Err(e) => return Ok(report(e)),
    };
    if let Err(e) = board.run(tile, &image, &argv) {
        return Ok(report(e));
    }
    tracing::info!(
        "{} started on tile {tile} of {}",
        args.image.display(),
        board.uri()
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
            output.extend_from_slice(&bytes);
            if !args.json {
                let _ = stdout.write_all(&bytes);
                let _ = stdout.flush();
            }
        }
        let view = board.tile_view(tile).map_err(anyhow::Error::from)?;
        if view.cu != Ok(CuState::Running) {
            // Output printed just before the end.
            let (bytes, _, _) = board
                .output_since(tile, head)
                .map_err(anyhow::Error::from)?;
            output.extend_from_slice(&bytes);
            if !args.json {
                let _ = stdout.write_all(&bytes);
            }
            return Ok(finish(args, tile, &view, started.elapsed(), &output));
        }
        if Instant::now() >= deadline {
            let _ = board.stop(tile);
            eprintln!(
                "error: tile {tile} did not finish within {:.1} s; it was stopped",
                args.timeout
            );
            return Ok(Exit::Failed);
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
    let ok = view.cu == Ok(CuState::Exited) && view.exit_code == 0;
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
    if ok { Exit::Success } else { Exit::Failed }
}
