//! `tilekit board check FILE…`: validates board files.

use std::path::PathBuf;

use serde::Serialize;

use crate::exit::Exit;

/// Options of `tilekit board check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Board files to check.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print the result as JSON (one object per file) on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct FileResult {
    file: String,
    ok: bool,
    board: Option<String>,
    tiles: Option<usize>,
    diagnostics: Vec<JsonDiag>,
}

#[derive(Serialize)]
struct JsonDiag {
    line: u64,
    column: u64,
    message: String,
    fix: String,
}

/// Checks every file; exit 1 if any is invalid.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    let catalog = super::catalog();
    let mut results = Vec::new();
    for path in &args.files {
        let file = path.display().to_string();
        tracing::info!("checking {file}");
        let r = match board_schema::load(path, &catalog) {
            Ok(b) => FileResult {
                file,
                ok: true,
                board: Some(b.name.clone()),
                tiles: Some(b.tiles.len()),
                diagnostics: vec![],
            },
            Err(err) => {
                let mut diagnostics: Vec<JsonDiag> = err
                    .diagnostics()
                    .iter()
                    .map(|d| JsonDiag {
                        line: d.line,
                        column: d.column,
                        message: d.message.clone(),
                        fix: d.fix.clone(),
                    })
                    .collect();
                if diagnostics.is_empty() {
                    diagnostics.push(JsonDiag {
                        line: 0,
                        column: 0,
                        message: err.to_string(),
                        fix: String::new(),
                    });
                }
                if !args.json {
                    eprintln!("{err}");
                }
                FileResult {
                    file,
                    ok: false,
                    board: None,
                    tiles: None,
                    diagnostics,
                }
            }
        };
        if !args.json && r.ok {
            println!(
                "ok: {} (board `{}`, {} tiles)",
                r.file,
                r.board.as_deref().unwrap_or(""),
                r.tiles.unwrap_or(0)
            );
        }
        results.push(r);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    }
    let failed = results.iter().filter(|r| !r.ok).count();
    if failed > 0 {
        if !args.json {
            eprintln!("{failed} of {} board file(s) invalid", results.len());
        }
        return Ok(Exit::Failed);
    }
    Ok(Exit::Success)
}
