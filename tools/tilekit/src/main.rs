//! `tilekit`: the command line of the tilekit SDK.
//!
//! Conventions every subcommand follows (docs/cli.md):
//! - clap derive, one module per subcommand;
//! - `-v`/`-q` set the log level (logs go to stderr through `tracing`;
//!   `TILEKIT_LOG` takes an env-filter directive);
//! - data goes to stdout, and `--json` prints it for scripts;
//! - exit codes: 0 success, 1 the check or operation failed, 2 usage error,
//!   3 the board or the machine is not available.
#![forbid(unsafe_code)]

mod accel;
mod board;
mod completions;
mod console;
mod doctor;
mod dump;
mod exit;
use board_host::images;
mod list;
mod open;
mod pipe;
mod progress;
mod run;
mod sim;
mod trace;
mod transfer;
mod up;

use std::process::ExitCode;

use clap::{ArgAction, CommandFactory, Parser, Subcommand};

/// Describe, bring up and test TCU boards — simulated or on PCIe.
#[derive(Parser, Debug)]
#[command(name = "tilekit", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 success, 1 failed, 2 usage error, 3 board or machine unavailable.\nDocumentation: docs/cli.md"
)]
struct Cli {
    /// More log output (repeat for more).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,
    /// Less log output (repeat for less).
    #[arg(short, long, action = ArgAction::Count, global = true, conflicts_with = "verbose")]
    quiet: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check, show and describe board files.
    #[command(subcommand)]
    Board(board::BoardCommand),
    /// Accelerator kinds: list the registered ones, generate a new one.
    #[command(subcommand)]
    Accel(accel::AccelCommand),
    /// Serve a simulated board (`sim:NAME`) until stopped.
    Sim(sim::Args),
    /// List the boards this machine can reach.
    List(list::Args),
    /// Decode one tile's TCU from a board's window (read-only).
    Dump(dump::Args),
    /// Boot the board with the kernel, run a program on a core, follow its output.
    Run(run::Args),
    /// Run a pipeline of filters (ISP, FIR, AES-CTR, SHA-256) on a board, from a file to a file.
    Pipe(pipe::Args),
    /// Run a program like `run` and write its TCU commands and messages as a Chrome/Perfetto trace.
    Trace(trace::TraceArgs),
    /// Bring a board up as its board file's boot: section says, and follow it.
    Up(up::Args),
    /// Check what this machine offers (sandbox, shared memory, VFIO), with the fix for each gap.
    Doctor(doctor::Args),
    /// Print a shell's completion script.
    Completions(completions::Args),
}

fn init_logging(verbose: u8, quiet: u8) {
    let level = match (verbose, quiet) {
        (0, 0) => "warn",
        (_, 1) => "error",
        (_, q) if q > 1 => "off",
        (1, _) => "info",
        (2, _) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TILEKIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let result = match cli.command {
        Command::Board(cmd) => board::run(cmd),
        Command::Accel(cmd) => accel::run(cmd),
        Command::Sim(args) => sim::run(&args),
        Command::List(args) => list::run(&args),
        Command::Dump(args) => dump::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Pipe(args) => pipe::run(&args),
        Command::Trace(args) => trace::run(&args),
        Command::Up(args) => up::run(&args),
        Command::Doctor(args) => Ok(doctor::run(&args)),
        Command::Completions(args) => Ok(completions::run(&args, &mut Cli::command())),
    };
    match result {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("error: {err:#}");
            exit::Exit::Failed.into()
        }
    }
}
