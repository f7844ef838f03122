//! `tilekit accel`: accelerator kinds — list the registered ones, start a
//! new one.

mod list;
mod new;
mod templates;

use clap::Subcommand;

use crate::exit::Exit;

/// Subcommands of `tilekit accel`.
#[derive(Subcommand, Debug)]
pub enum AccelCommand {
    /// List the registered accelerator kinds, their stages and manifests.
    List(list::Args),
    /// Generate an out-of-tree crate for a new accelerator kind (device model, shim, client, tests, board snippet).
    New(new::Args),
}

/// Runs a `tilekit accel` subcommand.
pub fn run(cmd: AccelCommand) -> anyhow::Result<Exit> {
    match cmd {
        AccelCommand::List(a) => list::run(&a),
        AccelCommand::New(a) => new::run(&a),
    }
}
