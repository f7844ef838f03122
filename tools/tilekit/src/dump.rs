//! `tilekit dump --board URI --tile N`: decodes one tile's TCU from the
//! board's window (read-only: no ownership needed) — every valid endpoint,
//! pending messages, the violation counter, the compute unit's state and
//! the end of its PRINT output.

use std::fmt::Write as _;

use board_host::{Board, BoardUri, OpenOptions};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::json;
use tcu_mmio::EpId;
use tcu_mmio::ep::EpConfig;

use crate::exit::Exit;
use crate::open::{parse_tile, report};

/// Options of `tilekit dump`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The board: `sim:NAME` (a board served by `tilekit sim`) or
    /// `pcie:DDDD:BB:DD.F`.
    #[arg(long, value_name = "URI")]
    board: String,
    /// Board file the board's ROM must match.
    #[arg(long, value_name = "FILE")]
    board_file: Option<std::path::PathBuf>,
    /// The tile: its number on chip 0 (e.g. `3`) or its name (e.g. `C0T03`).
    #[arg(long)]
    tile: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn describe(cfg: &EpConfig) -> (String, String) {
    match cfg {
        EpConfig::Invalid => ("invalid".into(), String::new()),
        EpConfig::Send(s) => (
            if s.reply {
                "send (reply)".into()
            } else {
                "send".into()
            },
            format!(
                "→ {} {}, credits {}/{}, msg ≤ {} B, label {:#x}",
                s.target_tile,
                s.target_ep,
                if s.cur_credits.is_unlimited() {
                    "∞".to_owned()
                } else {
                    s.cur_credits.raw().to_string()
                },
                if s.max_credits.is_unlimited() {
                    "∞".to_owned()
                } else {
                    s.max_credits.raw().to_string()
                },
                1u64 << s.msg_size_log2.min(63),
                s.label.0
            ),
        ),
        EpConfig::Receive(r) => (
            "receive".into(),
            format!(
                "buffer {:#x}, {} slots × {} B, reply EPs {}, occupied {:#b}, unread {:#b}",
                r.buf_addr,
                1u32 << r.slots_log2,
                1u64 << r.slot_size_log2.min(63),
                r.reply_eps,
                r.occupied,
                r.unread
            ),
        ),
        EpConfig::Memory(m) => (
            "memory".into(),
            format!(
                "→ {} {:#x}..{:#x} {}",
                m.target_tile,
                m.addr,
                m.addr.saturating_add(m.size),
                m.perm
            ),
        ),
    }
}

/// A message slot that is taken: its endpoint, slot, local address, and
/// whether the program has fetched it yet.
struct Pending {
    ep: EpId,
    slot: u32,
    addr: u64,
    unread: bool,
}

/// Every taken slot of every receive endpoint. (The messages' bytes lie in
/// the tile's local memory, which the window does not show; the TCU's
/// registers say which slots hold one and whether it was fetched.)
fn pending(eps: &[(EpId, Result<EpConfig, String>)]) -> Vec<Pending> {
    let mut out = Vec::new();
    for (ep, c) in eps {
        let Ok(EpConfig::Receive(r)) = c else {
            continue;
        };
        let slots = 1u32 << r.slots_log2.min(5);
        for slot in 0..slots {
            if (r.occupied >> slot) & 1 == 1 || (r.unread >> slot) & 1 == 1 {
                out.push(Pending {
                    ep: *ep,
                    slot,
                    addr: r.buf_addr + (u64::from(slot) << r.slot_size_log2.min(40)),
                    unread: (r.unread >> slot) & 1 == 1,
                });
            }
        }
    }
    out
}

fn state(p: &Pending) -> &'static str {
    if p.unread {
        "unread"
    } else {
        "fetched, not yet replied to or acked"
    }
}

/// Prints the tile's TCU state.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    let Some(tile) = parse_tile(&args.tile) else {
        eprintln!(
            "error: `{}` is not a tile: give its number (3) or name (C0T03)",
            args.tile
        );
        return Ok(Exit::Failed);
    };
    let uri = match BoardUri::parse(&args.board) {
        Ok(u) => u,
        Err(e) => return Ok(report(e)),
    };
    if matches!(uri, BoardUri::File(_) | BoardUri::Demo) {
        eprintln!(
            "error: {}: dump reads a running board's window; give sim:NAME (a board served by `tilekit sim`) or pcie:DDDD:BB:DD.F",
            args.board
        );
        return Ok(Exit::Usage);
    }
    let opts = OpenOptions {
        read_only: true,
        board_file: args.board_file.clone(),
        catalog: crate::board::catalog(),
        ..OpenOptions::default()
    };
    let board = match Board::open(&uri, &opts) {
        Ok(b) => b,
        Err(e) => return Ok(report(e)),
    };
    let rom = board.rom();
    let view = match board.tile_view(tile) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Failed);
        }
    };
    let kind = rom
        .tiles
        .iter()
        .find(|t| t.id == tile)
        .map_or("?", |t| t.kind.name());
    let eps: Vec<(EpId, Result<EpConfig, String>)> =
        view.eps.iter().map(|e| (e.ep, e.config.clone())).collect();
    let pending_count = view.unread_messages();
    let slots = pending(&eps);
    let cu_name = view.cu_description();
    let violations = view.violations;
    let printed = view.printed.as_bytes();
    let features_kernel = view.privileged;
    if args.json {
        let list: Vec<_> = eps
            .iter()
            .map(|(e, c)| match c {
                Ok(cfg) => {
                    let (kind, detail) = describe(cfg);
                    json!({"ep": e.raw(), "type": kind, "detail": detail})
                }
                Err(err) => json!({"ep": e.raw(), "type": "undecodable", "detail": err}),
            })
            .collect();
        let out = json!({
            "board": rom.name, "tile": tile.to_string(), "kind": kind,
            "privileged": features_kernel, "compute_unit": cu_name, "violations": violations,
            "pending_messages": pending_count, "endpoints": list,
            "taken_slots": slots.iter().map(|p| json!({
                "ep": p.ep.raw(), "slot": p.slot, "addr": p.addr, "state": state(p),
            })).collect::<Vec<_>>(),
            "print_tail": String::from_utf8_lossy(printed),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(Exit::Success);
    }
    let mut o = format!(
        "tile {tile} of board `{}`: {} tile, {}, compute unit {cu_name}, {} violation(s), {pending} unread message(s)\n",
        rom.name,
        kind,
        if features_kernel {
            "privileged"
        } else {
            "deprivileged"
        },
        violations,
        pending = pending_count
    );
    if eps.is_empty() {
        o.push_str("no valid endpoints\n");
    } else {
        let mut table = Table::new();
        table.load_style(UTF8_FULL_CONDENSED);
        table.set_header(["ep", "type", "configuration"]);
        for (e, c) in &eps {
            let (kind, detail) = match c {
                Ok(cfg) => describe(cfg),
                Err(err) => ("?".into(), err.clone()),
            };
            table.add_row([e.to_string(), kind, detail]);
        }
        let _ = writeln!(o, "{table}");
    }
    if !slots.is_empty() {
        let mut table = Table::new();
        table.load_style(UTF8_FULL_CONDENSED);
        table.set_header(["ep", "slot", "at", "message"]);
        for p in &slots {
            table.add_row([
                p.ep.to_string(),
                p.slot.to_string(),
                format!("{:#x}", p.addr),
                state(p).to_owned(),
            ]);
        }
        let _ = writeln!(o, "pending messages:\n{table}");
    }
    if !printed.is_empty() {
        let _ = write!(o, "last output:\n{}", String::from_utf8_lossy(printed));
        if !o.ends_with('\n') {
            o.push('\n');
        }
    }
    print!("{o}");
    Ok(Exit::Success)
}
