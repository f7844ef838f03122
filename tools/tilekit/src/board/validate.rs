//! `tilekit board validate URI`: named conformance checks of a board's
//! window (docs/window.md), for the simulator and for new bitstreams alike.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use board_host::{Board, BoardUri, OpenOptions, Window};
use board_window::layout::{ControlReg, CuState, STATUS_UP, TileEventReg, tile_region};
use serde::Serialize;
use tcu_mmio::regs::{Features, Layout};
use tcu_mmio::tile_desc::TileDesc;

use crate::exit::Exit;
use crate::open::report;

/// Options of `tilekit board validate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The board: `sim:NAME` (a served simulated board) or a board file
    /// (simulated in this process for the checks).
    #[arg(value_name = "URI")]
    uri: String,
    /// Board file the ROM must match (default: the file given as URI).
    #[arg(long, value_name = "FILE")]
    board: Option<PathBuf>,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Check {
    name: &'static str,
    result: &'static str,
    detail: String,
}

fn pass(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        result: "PASSED",
        detail: detail.into(),
    }
}
fn fail(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        result: "FAILED",
        detail: detail.into(),
    }
}
fn skip(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        result: "SKIPPED",
        detail: detail.into(),
    }
}

/// Runs every check.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    let catalog = super::catalog();
    let uri = match BoardUri::parse(&args.uri) {
        Ok(u) => u,
        Err(e) => return Ok(report(e)),
    };
    // The ROM check is a named check here, not a refusal to open.
    let board_file = match (&uri, &args.board) {
        (_, Some(f)) => Some(f.clone()),
        (BoardUri::File(p), None) => Some(p.clone()),
        _ => None,
    };
    let opts = OpenOptions {
        command: format!("tilekit board validate {}", args.uri),
        catalog: catalog.clone(),
        ..OpenOptions::default()
    };
    let board = match Board::open(&uri, &opts) {
        Ok(b) => b,
        Err(e) => return Ok(report(e)),
    };
    let checks = checks(&board, board_file.as_deref(), &catalog);
    let failed = checks.iter().filter(|c| c.result == "FAILED").count();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&checks)?);
    } else {
        for c in &checks {
            println!("{:<8} {:<28} {}", c.result, c.name, c.detail);
        }
        let count = |r| checks.iter().filter(|c| c.result == r).count();
        println!(
            "validate: {} passed, {failed} failed, {} skipped",
            count("PASSED"),
            count("SKIPPED")
        );
    }
    Ok(if failed > 0 {
        Exit::Failed
    } else {
        Exit::Success
    })
}

fn checks(board: &Board, board_file: Option<&Path>, catalog: &board_schema::Catalog) -> Vec<Check> {
    let w = board.window();
    let mut out = Vec::new();
    let mut rom_bytes = vec![0u8; board_window::layout::ROM_SIZE as usize];
    w.read_bytes(0, &mut rom_bytes);
    let rom = board_window::decode(&rom_bytes);
    out.push(match &rom {
        Ok(r) => pass(
            "rom.header",
            format!(
                "layout {}, TCU {}.{}.{}, board `{}`, {} tiles",
                r.layout_version,
                r.tcu_version.0,
                r.tcu_version.1,
                r.tcu_version.2,
                r.name,
                r.tiles.len()
            ),
        ),
        Err(e) => fail("rom.header", e.to_string()),
    });
    out.push(match (board_file, &rom) {
        (None, _) => skip(
            "rom.matches-board-file",
            "no board file given (--board FILE)",
        ),
        (Some(_), Err(_)) => skip("rom.matches-board-file", "the ROM does not decode"),
        (Some(f), Ok(r)) => match board_schema::load(f, catalog) {
            Err(e) => fail("rom.matches-board-file", e.to_string()),
            Ok(b) => {
                let m = board_window::compare(&b, r);
                if m.is_empty() {
                    pass("rom.matches-board-file", format!("{} agrees", f.display()))
                } else {
                    fail(
                        "rom.matches-board-file",
                        m.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; "),
                    )
                }
            }
        },
    });
    let nonce_off = ControlReg::Nonce.window_offset();
    let nonce = 0x6e6f_6e63_6500_0000
        ^ u64::from(std::process::id())
        ^ (Instant::now().elapsed().as_nanos() as u64);
    w.write(nonce_off, nonce);
    let back = w.read(nonce_off);
    out.push(if back == nonce {
        pass(
            "control.nonce",
            format!("wrote and read back {nonce:#018x}"),
        )
    } else {
        fail(
            "control.nonce",
            format!("wrote {nonce:#018x}, read {back:#018x}"),
        )
    });
    let mut torn = None;
    for k in 0..10_000u64 {
        let v = if k % 2 == 0 {
            0x0123_4567_89AB_CDEF
        } else {
            !0x0123_4567_89AB_CDEF
        };
        w.write(nonce_off, v);
        let r = w.read(nonce_off);
        if r != v {
            torn = Some((v, r));
            break;
        }
    }
    out.push(match torn {
        None => pass(
            "access.64-bit",
            "10 000 alternating 64-bit patterns read back whole",
        ),
        Some((v, r)) => fail(
            "access.64-bit",
            format!("wrote {v:#018x}, read {r:#018x}: accesses are split"),
        ),
    });
    let up = STATUS_UP.get(w.read(ControlReg::Status.window_offset())) == 1;
    let hb0 = w.read(ControlReg::Heartbeat.window_offset());
    let t0 = Instant::now();
    let mut beating = false;
    while t0.elapsed() < Duration::from_secs(1) {
        if w.read(ControlReg::Heartbeat.window_offset()) != hb0 {
            beating = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    out.push(match (up, beating) {
        (true, true) => pass(
            "control.served",
            format!(
                "STATUS up, heartbeat advancing, server pid {}",
                w.read(ControlReg::ServerPid.window_offset())
            ),
        ),
        (false, _) => fail(
            "control.served",
            "STATUS.up is 0: nothing serves this window",
        ),
        (true, false) => fail(
            "control.served",
            "the heartbeat did not advance within 1 s: the server is hung or gone",
        ),
    });
    let Ok(rom) = rom else {
        out.push(skip("tiles.registers", "the ROM does not decode"));
        return out;
    };
    let mut bad = Vec::new();
    for (slot, t) in rom.tiles.iter().enumerate() {
        if t.kind == board_schema::TileKind::Memory {
            continue;
        }
        let base = tile_region(slot as u64);
        let f = Features::from_raw(w.read(base + tcu_mmio::Reg::FEATURES.offset(Layout::HW)));
        if f.version != tcu_mmio::SPEC_VERSION {
            bad.push(format!("{}: FEATURES version {:?}", t.id, f.version));
        }
        match TileDesc::from_raw(w.read(base + tcu_mmio::Reg::TILE_DESC.offset(Layout::HW))) {
            Ok(d) if Some(d.isa) == t.isa || t.isa.is_none() => {}
            Ok(d) => bad.push(format!(
                "{}: TILE_DESC isa {} but the ROM says {:?}",
                t.id,
                d.isa.name(),
                t.isa.map(|i| i.name())
            )),
            Err(e) => bad.push(format!("{}: TILE_DESC {e}", t.id)),
        }
        let cu = w.read(base + TileEventReg::CuState.offset());
        if CuState::try_from(cu).is_err() {
            bad.push(format!("{}: CU_STATE {cu}", t.id));
        }
    }
    out.push(if bad.is_empty() {
        pass(
            "tiles.registers",
            format!(
                "FEATURES version, TILE_DESC and CU_STATE of {} tile regions",
                rom.tiles.len()
            ),
        )
    } else {
        fail("tiles.registers", bad.join("; "))
    });
    out.push(check_reset(w, &rom));
    out.push(check_host_command(board));
    out.push(check_host_memory(board, &rom));
    out.push(check_reset(w, &rom));
    out
}

/// The host tile's command hand-off: a FETCH_MSG on an invalid endpoint
/// (after reset every endpoint is) must complete with the TCU's error.
fn check_host_command(board: &Board) -> Check {
    const NAME: &str = "host.command";
    let host = match board.host_tile() {
        Ok(h) => h,
        Err(e) => return skip(NAME, e.to_string()),
    };
    let t0 = Instant::now();
    match host.fetch(tcu_mmio::EpId(0)) {
        Err(board_host::HostError::Tcu { code, .. }) => pass(
            NAME,
            format!(
                "FETCH_MSG on invalid EP0 answered {code:?} in {:.0} µs",
                t0.elapsed().as_secs_f64() * 1e6
            ),
        ),
        Ok(_) => fail(NAME, "FETCH_MSG on invalid EP0 succeeded; it must fail"),
        Err(e) => fail(NAME, e.to_string()),
    }
}

/// The bounce buffer and the host tile's data path: 64 KiB written to a
/// memory tile through a memory endpoint and read back.
fn check_host_memory(board: &Board, rom: &board_window::Rom) -> Check {
    const NAME: &str = "host.memory";
    let Some(mem) = rom
        .tiles
        .iter()
        .find(|t| t.kind == board_schema::TileKind::Memory)
    else {
        return skip(NAME, "the board has no memory tile");
    };
    let host = match board.host_tile() {
        Ok(h) => h,
        Err(e) => return skip(NAME, e.to_string()),
    };
    let ep = tcu_mmio::EpId(0);
    let cfg = tcu_mmio::EpConfig::Memory(tcu_mmio::MemEp {
        act: tcu_mmio::ActId::INVALID,
        perm: tcu_mmio::Perm::RW,
        target_tile: mem.id,
        addr: 0,
        size: mem.memory.min(1 << 20),
    });
    let pattern: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut back = vec![0u8; pattern.len()];
    let t0 = Instant::now();
    let r = board
        .configure_ep(host.id(), ep, &cfg)
        .and_then(|()| host.write_mem(ep, 0x100, &pattern))
        .and_then(|()| host.read_mem(ep, 0x100, &mut back));
    match r {
        Ok(()) if back == pattern => pass(
            NAME,
            format!(
                "64 KiB written to {} and read back through the bounce buffer in {:.1} ms",
                mem.id,
                t0.elapsed().as_secs_f64() * 1e3
            ),
        ),
        Ok(()) => fail(
            NAME,
            format!("64 KiB written to {} read back different", mem.id),
        ),
        Err(e) => fail(NAME, e.to_string()),
    }
}

/// Board reset: RESET reads 0 again within 5 s, and afterwards every tile
/// is privileged with all endpoints invalid and its compute unit stopped.
fn check_reset(w: &dyn Window, rom: &board_window::Rom) -> Check {
    let reset = ControlReg::Reset.window_offset();
    w.write(reset, 1);
    let t0 = Instant::now();
    while w.read(reset) != 0 {
        if t0.elapsed() > Duration::from_secs(5) {
            return fail("control.reset", "RESET did not read 0 within 5 s");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let took = t0.elapsed();
    let mut bad = Vec::new();
    for (slot, t) in rom.tiles.iter().enumerate() {
        if t.kind == board_schema::TileKind::Memory {
            continue;
        }
        let base = tile_region(slot as u64);
        if !Features::from_raw(w.read(base + tcu_mmio::Reg::FEATURES.offset(Layout::HW))).kernel {
            bad.push(format!("{}: not privileged after reset", t.id));
        }
        let layout = Layout::new(t.eps).unwrap_or(Layout::HW);
        for ep in 0..t.eps {
            let r = tcu_mmio::Reg::Ep {
                ep: tcu_mmio::EpId(ep),
                word: 0,
            };
            if w.read(base + r.offset(layout)) & 0x7 != 0 {
                bad.push(format!("{}: EP{ep} still valid after reset", t.id));
                break;
            }
        }
        if w.read(base + TileEventReg::CuState.offset()) != CuState::Stopped as u64 {
            bad.push(format!("{}: compute unit not stopped", t.id));
        }
    }
    if bad.is_empty() {
        pass(
            "control.reset",
            format!(
                "reset in {:.1} ms: tiles privileged, endpoints invalid, cores stopped",
                took.as_secs_f64() * 1e3
            ),
        )
    } else {
        fail("control.reset", bad.join("; "))
    }
}
