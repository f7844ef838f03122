//! `tilekit board show FILE`: the tiles and endpoints of a board, as a
//! table, as JSON (`--json`) or as a Graphviz graph of the NoC (`--dot`).

use std::fmt::Write as _;
use std::path::PathBuf;

use board_schema::{BoardDesc, Tile, TileKind};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::json;
use tcu_mmio::regs::Layout;

use crate::exit::Exit;

/// Options of `tilekit board show`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The board file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long, conflicts_with = "dot")]
    json: bool,
    /// Print a Graphviz DOT graph of tiles and routers (`| dot -Tsvg`).
    #[arg(long)]
    dot: bool,
}

/// Shows the board.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    let board = match board_schema::load(&args.file, &super::catalog()) {
        Ok(b) => b,
        Err(err) => {
            eprintln!("{err}");
            return Ok(Exit::Failed);
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&board))?);
    } else if args.dot {
        print!("{}", to_dot(&board));
    } else {
        print!("{}", to_table(&board));
    }
    Ok(Exit::Success)
}

fn memory(t: &Tile) -> String {
    match (t.kind, t.dram, t.size, t.spm) {
        (_, Some(d), _, _) => format!(
            "{} DRAM at {:#x} of {}",
            board_schema::Size(d.size),
            d.offset,
            d.mem_tile
        ),
        (_, _, Some(s), _) => format!("{s}"),
        (TileKind::Accel, _, _, Some(s)) => format!("{s} local buffers"),
        _ => "-".into(),
    }
}

/// The byte range of a tile's endpoint registers within its TCU region.
fn ep_regs(t: &Tile) -> String {
    match Layout::new(t.eps) {
        Ok(l) if t.eps > 0 => format!(
            "{:#06x}..{:#06x}",
            tcu_mmio::regs::EPS_START,
            l.print_buf_start()
        ),
        _ => "-".into(),
    }
}

fn to_table(b: &BoardDesc) -> String {
    let mut out = format!("board `{}`", b.name);
    if let Some(d) = &b.description {
        let _ = write!(out, ": {d}");
    }
    out.push('\n');
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header([
        "tile",
        "kind",
        "label",
        "isa",
        "eps",
        "EP registers",
        "memory",
        "accel (model)",
        "router",
    ]);
    for t in &b.tiles {
        table.add_row([
            t.id.to_string(),
            t.kind.name().to_owned(),
            t.label.clone().unwrap_or_else(|| "-".into()),
            t.isa.map_or("-".into(), |i| i.name().to_owned()),
            t.eps.to_string(),
            ep_regs(t),
            memory(t),
            match (&t.accel, &t.model) {
                (Some(a), Some(m)) => format!("{a} ({m})"),
                _ => "-".into(),
            },
            t.router.to_string(),
        ]);
    }
    let _ = writeln!(out, "{table}");
    if !b.boot.is_empty() {
        out.push_str("boot:\n");
        for e in &b.boot {
            let _ = writeln!(out, "  {} on {} {}", e.program, e.tile, e.args.join(" "));
        }
    }
    out
}

fn to_json(b: &BoardDesc) -> serde_json::Value {
    let tiles: Vec<_> = b
        .tiles
        .iter()
        .map(|t| {
            json!({
                "id": t.id.raw(),
                "chip": t.id.chip(),
                "tile": t.id.tile(),
                "kind": t.kind.name(),
                "label": t.label,
                "isa": t.isa.map(|i| i.name()),
                "eps": t.eps,
                "dram": t.dram.map(|d| json!({"mem_tile": d.mem_tile.raw(), "offset": d.offset, "size": d.size})),
                "size": t.size.map(|s| s.bytes()),
                "accel": t.accel,
                "model": t.model,
                "spm": t.spm.map(|s| s.bytes()),
                "router": t.router,
            })
        })
        .collect();
    let boot: Vec<_> = b
        .boot
        .iter()
        .map(|e| json!({"program": e.program, "tile": e.tile.raw(), "args": e.args}))
        .collect();
    json!({"name": b.name, "description": b.description, "tiles": tiles, "boot": boot})
}

fn to_dot(b: &BoardDesc) -> String {
    let mut out = format!(
        "graph \"{}\" {{\n  rankdir=LR;\n  node [fontname=\"sans-serif\"];\n",
        b.name
    );
    let mut routers: Vec<u8> = b.tiles.iter().map(|t| t.router).collect();
    routers.sort_unstable();
    routers.dedup();
    for r in &routers {
        let _ = writeln!(out, "  r{r} [label=\"router {r}\", shape=diamond];");
    }
    for w in routers.windows(2) {
        let _ = writeln!(out, "  r{} -- r{};", w[0], w[1]);
    }
    for t in &b.tiles {
        let (shape, extra) = match t.kind {
            TileKind::Kernel => ("box", ", style=bold"),
            TileKind::Core => ("box", ""),
            TileKind::Accel => ("component", ""),
            TileKind::Memory => ("cylinder", ""),
            TileKind::Host => ("house", ""),
        };
        let what = t.accel.clone().unwrap_or_else(|| t.kind.name().to_owned());
        let label = t
            .label
            .as_ref()
            .map_or(String::new(), |l| format!("\\n{l}"));
        let _ = writeln!(
            out,
            "  t{} [label=\"{}\\n{what}{label}\", shape={shape}{extra}];",
            t.id.raw(),
            t.id
        );
        let _ = writeln!(out, "  t{} -- r{};", t.id.raw(), t.router);
    }
    out.push_str("}\n");
    out
}
