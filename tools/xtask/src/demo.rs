//! `cargo xtask demo`: builds every binary and runs the main job.
//!
//! The main job is the camera pipeline on the simulated board (a raw frame
//! through the ISP and AES-CTR tiles into a file). Until the simulated
//! board, the kernel, the SDK and the accelerators exist, this runs what
//! exists — the demo board shown by `tilekit board show`, and a tour of the
//! TCU encodings of `tcu-mmio` — and says so.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

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
    println!("\ndemo: the camera pipeline on the simulated board is not built yet;");
    println!("demo: it needs the simulated board, the kernel, the SDK and the accelerator tiles.");
    println!("demo: running what exists: tcu-mmio's encodings of TCU spec v2\n");
    cargo(
        root,
        &[
            "run",
            "--quiet",
            "--locked",
            "-p",
            "tcu-mmio",
            "--example",
            "decode",
        ],
    )?;
    println!("\ndemo: done (foundation only; see README.md, \"What exists\")");
    Ok(())
}
