//! `tilekit board`: check, show and describe board files.

mod check;
mod schema;
mod show;
mod validate;

use clap::Subcommand;

use crate::exit::Exit;

/// Subcommands of `tilekit board`.
#[derive(Subcommand, Debug)]
pub enum BoardCommand {
    /// Check board files: YAML 1.1/1.2 safety, structure and every semantic rule.
    Check(check::Args),
    /// Show a board's tiles and endpoints as a table, JSON or Graphviz DOT.
    Show(show::Args),
    /// Print the JSON Schema of board files (for editors and CI).
    Schema(schema::Args),
    /// Run the window conformance checks against a board (sim:NAME or a board file).
    Validate(validate::Args),
}

/// Runs a `tilekit board` subcommand.
pub fn run(cmd: BoardCommand) -> anyhow::Result<Exit> {
    match cmd {
        BoardCommand::Check(a) => check::run(&a),
        BoardCommand::Show(a) => show::run(&a),
        BoardCommand::Schema(a) => schema::run(&a),
        BoardCommand::Validate(a) => validate::run(&a),
    }
}

/// The names boards may use: the programs and models tilekit ships and
/// every accelerator kind registered by a manifest on the search path
/// (`board_schema::manifest`). A manifest that does not parse is reported
/// and the built-in kinds are used.
pub fn catalog() -> board_schema::Catalog {
    match board_schema::manifest::Registry::load() {
        Ok(r) => r.catalog(),
        Err(e) => {
            eprintln!("warning: {e}");
            board_schema::Catalog::builtin()
        }
    }
}
