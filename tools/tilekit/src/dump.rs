//! `tilekit dump --board URI --tile N`: decodes one tile's TCU from the
//! board's window (read-only: no ownership needed) — every valid endpoint,
//! pending messages, the violation counter, the compute unit's state and
//! the end of its PRINT output.

use std::fmt::Write as _;

use board_window::layout::{
    CuState, PRINT_RING_OFFSET, PRINT_RING_SIZE, ROM_SIZE, TileEventReg, tile_region,
};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::json;
use tcu_mmio::ep::{EP_REGS, EpConfig};
use tcu_mmio::regs::{Features, Layout};
use tcu_mmio::{EpId, Reg, TileId};
use tilekit_sim::window::WindowFile;

use crate::exit::Exit;

/// Options of `tilekit dump`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The board: `sim:NAME` (a board served by `tilekit sim`).
    #[arg(long, value_name = "URI")]
    board: String,
    /// The tile: its number on chip 0 (e.g. `3`) or its name (e.g. `C0T03`).
    #[arg(long)]
    tile: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn parse_tile(s: &str) -> Option<TileId> {
    if let Ok(n) = s.parse::<u8>() {
        return Some(TileId::on_chip0(n));
    }
    let rest = s.strip_prefix('C')?;
    let (chip, tile) = rest.split_once('T')?;
    TileId::new(chip.parse().ok()?, tile.parse().ok()?).ok()
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

/// Prints the tile's TCU state.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    let Some(name) = args.board.strip_prefix("sim:") else {
        eprintln!(
            "{}: dump reads a served board's window; give sim:NAME (the PCIe backend is still to come)",
            args.board
        );
        return Ok(Exit::Unavailable);
    };
    let Some(tile) = parse_tile(&args.tile) else {
        eprintln!(
            "`{}` is not a tile: give its number (3) or name (C0T03)",
            args.tile
        );
        return Ok(Exit::Failed);
    };
    let w = match WindowFile::open(name) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("sim:{name}: {e}");
            return Ok(Exit::Unavailable);
        }
    };
    let mut rom = vec![0u8; ROM_SIZE as usize];
    w.read_bytes(0, &mut rom);
    let rom = board_window::decode(&rom)?;
    let Some((slot, rt)) = rom.tiles.iter().enumerate().find(|(_, t)| t.id == tile) else {
        let ids: Vec<String> = rom.tiles.iter().map(|t| t.id.to_string()).collect();
        eprintln!(
            "board `{}` has no tile {tile}; it has {}",
            rom.name,
            ids.join(", ")
        );
        return Ok(Exit::Failed);
    };
    let base = tile_region(slot as u64);
    let layout = Layout::new(rt.eps).unwrap_or(Layout::HW);
    let features = Features::from_raw(w.read(base + Reg::FEATURES.offset(layout)));
    let cu = CuState::try_from(w.read(base + TileEventReg::CuState.offset()));
    let exit = w.read(base + TileEventReg::ExitCode.offset());
    let violations = w.read(base + TileEventReg::Violations.offset());
    let mut eps = Vec::new();
    for e in 0..rt.eps {
        let mut words = [0u64; EP_REGS];
        for (k, word) in words.iter_mut().enumerate() {
            *word = w.read(
                base + Reg::Ep {
                    ep: EpId(e),
                    word: k as u8,
                }
                .offset(layout),
            );
        }
        match EpConfig::from_regs(words) {
            Ok(EpConfig::Invalid) => {}
            Ok(cfg) => eps.push((EpId(e), Ok(cfg))),
            Err(err) => eps.push((EpId(e), Err(format!("undecodable: {err}")))),
        }
    }
    let head = w.read(base + TileEventReg::PrintHead.offset());
    let n = head.min(PRINT_RING_SIZE);
    let mut printed = vec![0u8; n as usize];
    for (k, b) in printed.iter_mut().enumerate() {
        let at = (head - n + k as u64) % PRINT_RING_SIZE;
        let mut one = [0u8; 1];
        w.read_bytes(base + PRINT_RING_OFFSET + at, &mut one);
        *b = one[0];
    }
    let pending: u32 = eps
        .iter()
        .filter_map(|(_, c)| match c {
            Ok(EpConfig::Receive(r)) => Some(r.unread.count_ones()),
            _ => None,
        })
        .sum();
    let cu_name = match cu {
        Ok(CuState::Stopped) => "stopped".to_owned(),
        Ok(CuState::Running) => "running".to_owned(),
        Ok(CuState::Exited) => format!("exited with {exit}"),
        Ok(CuState::Crashed) => format!("crashed (signal {})", exit.saturating_sub(128)),
        Err(v) => format!("unknown state {v}"),
    };
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
            "board": rom.name, "tile": tile.to_string(), "kind": rt.kind.name(),
            "privileged": features.kernel, "compute_unit": cu_name, "violations": violations,
            "pending_messages": pending, "endpoints": list,
            "print_tail": String::from_utf8_lossy(&printed),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(Exit::Success);
    }
    let mut o = format!(
        "tile {tile} of board `{}`: {} tile, {}, compute unit {cu_name}, {} violation(s), {pending} unread message(s)\n",
        rom.name,
        rt.kind.name(),
        if features.kernel {
            "privileged"
        } else {
            "deprivileged"
        },
        violations
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
    if !printed.is_empty() {
        let _ = write!(o, "last output:\n{}", String::from_utf8_lossy(&printed));
        if !o.ends_with('\n') {
            o.push('\n');
        }
    }
    print!("{o}");
    Ok(Exit::Success)
}
