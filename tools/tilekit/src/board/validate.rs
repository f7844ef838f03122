//! `tilekit board validate URI`: named conformance checks of a board's
//! window (docs/window.md), for the simulator and for new bitstreams alike.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use board_window::layout::{ControlReg, CuState, STATUS_UP, TileEventReg, tile_region};
use serde::Serialize;
use tcu_mmio::regs::{Features, Layout};
use tcu_mmio::tile_desc::TileDesc;
use tilekit_sim::window::WindowFile;
use tilekit_sim::{Isolation, Sim};

use crate::exit::Exit;

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
    // A board file as URI: serve it here for the duration of the checks.
    let mut _local: Option<Sim> = None;
    let (name, board_file) = if let Some(name) = args.uri.strip_prefix("sim:") {
        (name.to_owned(), args.board.clone())
    } else if args.uri.starts_with("pcie:") {
        let uri = match board_pcie::PcieUri::parse(&args.uri) {
            Ok(u) => u,
            Err(e) => {
                eprintln!("{e}");
                return Ok(Exit::Failed);
            }
        };
        match board_pcie::discover(Path::new("/sys"), &uri) {
            Ok(d) => eprintln!(
                "{}: found {:04x}:{:04x}; mapping its BAR (VFIO or sysfs) is not built yet, so the checks cannot run",
                args.uri, d.vendor, d.device
            ),
            Err(e) => eprintln!("{}: {e}", args.uri),
        }
        return Ok(Exit::Unavailable);
    } else {
        let path = Path::new(&args.uri);
        let board = match board_schema::load(path, &catalog) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{e}");
                return Ok(Exit::Failed);
            }
        };
        let name = format!("validate-{}", std::process::id());
        _local = Some(Sim::serve(&board, Isolation::Sandboxed, &name)?);
        (
            name,
            Some(args.board.clone().unwrap_or_else(|| path.to_path_buf())),
        )
    };
    let command = format!("tilekit board validate {}", args.uri);
    let window = match WindowFile::open_writer(&name, &command) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("sim:{name}: {e}");
            return Ok(Exit::Unavailable);
        }
    };
    let checks = checks(&window, board_file.as_deref(), &catalog);
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

fn checks(
    w: &WindowFile,
    board_file: Option<&Path>,
    catalog: &board_schema::Catalog,
) -> Vec<Check> {
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
    out
}

/// Board reset: RESET reads 0 again within 5 s, and afterwards every tile
/// is privileged with all endpoints invalid and its compute unit stopped.
fn check_reset(w: &WindowFile, rom: &board_window::Rom) -> Check {
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
