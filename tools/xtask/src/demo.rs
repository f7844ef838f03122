//! `cargo xtask demo`: builds every binary and runs the main job.
//!
//! The main job is the camera pipeline on the simulated board (a raw frame
//! through the ISP and AES-CTR tiles into a file). Until the SDK and the
//! accelerators exist, this runs what exists — and says so: the demo board
//! checked and shown, the ping-pong sample as two sandboxed tile processes
//! on the simulated demo board with its timing, and the kernel booting the
//! board and starting hello.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tcu_mmio::TileId;
use tilekit_sim::{Sim, TileExit};

fn cargo(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("starting {cargo}"))?;
    if !status.success() {
        bail!("`cargo {}` failed with {status}", args.join(" "));
    }
    Ok(())
}

/// Builds everything, then runs what exists of the main job.
pub fn run(root: &Path) -> anyhow::Result<()> {
    println!("demo: building every binary of the workspace");
    cargo(root, &["build", "--workspace", "--all-targets", "--locked"])?;
    println!("\ndemo: the camera pipeline (raw frame -> ISP -> AES-CTR -> file) is not built yet:");
    println!(
        "demo: it needs the SDK's file protocol and the accelerator tiles. Running what exists.\n"
    );
    cargo(
        root,
        &[
            "run",
            "--quiet",
            "--locked",
            "-p",
            "tilekit",
            "--",
            "board",
            "show",
            "boards/demo.yaml",
        ],
    )?;
    ping_pong_on_the_demo_board(root)?;
    println!("\ndemo: the kernel boots the demo board and starts hello (`tilekit -v run hello`)");
    cargo(
        root,
        &[
            "run", "--quiet", "--locked", "-p", "tilekit", "--", "-v", "run", "hello", "--", "demo",
        ],
    )?;
    println!("\ndemo: done (see README.md, \"What exists\")");
    Ok(())
}

/// ping and pong on two cores of the simulated demo board, wired as the
/// kernel will wire them.
fn ping_pong_on_the_demo_board(root: &Path) -> anyhow::Result<()> {
    let board = board_schema::load(
        &root.join("boards/demo.yaml"),
        &board_schema::Catalog::builtin(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let t0 = Instant::now();
    let sim = Sim::new(&board)?;
    let (ping, pong) = (TileId::on_chip0(2), TileId::on_chip0(3));
    for (tile, ep, cfg) in ping_pong::endpoint_plan(ping, pong) {
        sim.configure_ep(tile, ep, &cfg)?;
    }
    sim.deprivilege(ping)?;
    sim.deprivilege(pong)?;
    let bin = root.join("target/debug");
    let rounds = "1000";
    sim.spawn(pong, &bin.join("pong"), &[rounds])?;
    sim.spawn(ping, &bin.join("ping"), &[rounds, "--time"])?;
    let started = t0.elapsed();
    let ping_exit = sim.wait(ping, Duration::from_secs(60))?;
    let pong_exit = sim.wait(pong, Duration::from_secs(60))?;
    println!(
        "\ndemo: ping-pong on the simulated demo board (board up and both tiles started in {:.1} ms)",
        started.as_secs_f64() * 1e3
    );
    for (tile, exit) in [(ping, ping_exit), (pong, pong_exit)] {
        for line in sim.output(tile).lines() {
            println!("  [{tile}] {line}");
        }
        if exit != TileExit::Exited(0) {
            bail!("tile {tile} ended with {exit:?}");
        }
    }
    let ns: f64 = sim
        .output(ping)
        .lines()
        .find_map(|l| l.strip_prefix("ping: ").and_then(|r| r.strip_suffix(" ns")))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    println!(
        "demo: {rounds} round trips took {:.1} ms ({:.1} µs each)",
        ns / 1e6,
        ns / 1e3 / 1000.0
    );
    Ok(())
}
