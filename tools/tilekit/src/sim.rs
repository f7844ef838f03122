//! `tilekit sim`: serves a simulated board until stopped.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use tilekit_sim::{Isolation, Sim};

use crate::exit::Exit;

/// Options of `tilekit sim`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The board file to simulate.
    #[arg(long, value_name = "FILE")]
    board: PathBuf,
    /// Name to serve it under (`sim:NAME`); default: the board's name.
    #[arg(long)]
    name: Option<String>,
    /// Run tile processes without the sandbox (a hostile tile can then reach
    /// your files and processes).
    #[arg(long)]
    insecure: bool,
}

/// Serves the board until SIGINT or SIGTERM, then cleans up.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    let board = match board_schema::load(&args.board, &crate::board::catalog()) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return Ok(Exit::Failed);
        }
    };
    let name = args.name.clone().unwrap_or_else(|| board.name.clone());
    let isolation = if args.insecure {
        Isolation::Insecure
    } else {
        Isolation::Sandboxed
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).context("installing the signal handler")?;
    }
    let sim = Sim::serve(&board, isolation, &name)?;
    board_host::install_firmware(&sim, &board, &crate::board::catalog());
    let path = tilekit_sim::window::window_path(&name);
    println!(
        "serving board `{}` as sim:{name} ({} tiles, window {})",
        board.name,
        board.tiles.len(),
        path.display()
    );
    println!("stop with Ctrl-C");
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(sim);
    println!("stopped sim:{name}");
    Ok(Exit::Success)
}
