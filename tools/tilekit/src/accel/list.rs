//! `tilekit accel list [--json]`: the registered kinds.

use board_schema::manifest::Registry;
use serde_json::json;

use crate::exit::Exit;

/// Options of `tilekit accel list`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Lists every kind on the manifest search path.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    let r = match Registry::load() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Failed);
        }
    };
    if args.json {
        let kinds: Vec<_> = r
            .kinds
            .values()
            .map(|k| {
                json!({
                    "kind": k.manifest.kind, "description": k.manifest.description,
                    "firmware": k.resolve(&k.manifest.firmware), "manifest": k.file,
                    "stages": k.manifest.stages.iter().map(|s| json!({
                        "name": s.name, "params": s.params,
                        "software": s.software.as_deref().map(|p| k.resolve(p)),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&kinds).unwrap_or_default()
        );
        return Ok(Exit::Success);
    }
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(["kind", "stages", "firmware", "manifest"]);
    for k in r.kinds.values() {
        let stages: Vec<String> = k
            .manifest
            .stages
            .iter()
            .map(|s| {
                let sw = if s.software.is_some() {
                    ""
                } else {
                    " (tile only)"
                };
                format!("{} {}{sw}", s.name, s.params).trim_end().to_owned()
            })
            .collect();
        table.add_row([
            k.manifest.kind.clone(),
            stages.join("\n"),
            k.resolve(&k.manifest.firmware),
            k.file.clone(),
        ]);
    }
    println!("{table}");
    Ok(Exit::Success)
}
