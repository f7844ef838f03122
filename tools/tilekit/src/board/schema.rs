//! `tilekit board schema`: prints the JSON Schema of board files.

use crate::exit::Exit;

/// Options of `tilekit board schema`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Prints the schema to stdout.
pub fn run(_: &Args) -> anyhow::Result<Exit> {
    println!("{}", board_schema::json_schema());
    Ok(Exit::Success)
}
