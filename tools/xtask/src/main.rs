//! `cargo xtask`: the project's automation, written in Rust so it runs the
//! same on every machine with only cargo installed.
//!
//! - `cargo xtask ci` runs every check CI runs (see `docs/ci.md`).
//! - `cargo xtask gen-docs` regenerates the generated parts of `docs/`.
//! - `cargo xtask layering` checks the dependency and `unsafe` rules.
//! - `cargo xtask demo` builds every binary and runs the main job.
#![forbid(unsafe_code)]

mod ci;
mod demo;
mod fuzz;
mod kernel_rules_reference;
mod layering;
mod rules_reference;
mod steps;
mod tcu_reference;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Project automation for tilekit.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every check CI runs; prints PASSED/FAILED/SKIPPED per step and a count.
    Ci(ci::CiArgs),
    /// Regenerate docs/tcu.md and docs/tcu-rules.md from the code (`--check` only compares).
    GenDocs {
        /// Fail instead of writing when the committed file differs.
        #[arg(long)]
        check: bool,
    },
    /// Check the workspace's layering and `unsafe` rules.
    Layering,
    /// Build every binary and run the main job (what exists of it).
    Demo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let result = match cli.command {
        Command::Ci(args) => ci::run(&root, &args),
        Command::GenDocs { check } => tcu_reference::gen_docs(&root, check),
        Command::Layering => layering::check_workspace(&root),
        Command::Demo => demo::run(&root),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: two levels above this crate's manifest.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(PathBuf::from)
        .unwrap_or(manifest)
}
