//! `tilekit list`: the boards this machine can reach.

use serde::Serialize;
use tilekit_sim::window::WindowFile;

use crate::exit::Exit;

/// Options of `tilekit list`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Where sysfs is mounted (tests point it at a fake tree).
    #[arg(long, default_value = "/sys", hide = true)]
    sysfs: std::path::PathBuf,
}

#[derive(Serialize)]
struct Entry {
    uri: String,
    board: String,
    tiles: usize,
    state: &'static str,
    server_pid: u64,
    owner_pid: u64,
    /// For PCIe devices: what sysfs says about them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pcie: Option<PcieEntry>,
}

#[derive(Serialize)]
struct PcieEntry {
    vendor: String,
    device: String,
    bars: usize,
    iommu_group: Option<u32>,
    driver: Option<String>,
}

fn alive(pid: u64) -> bool {
    pid != 0 && std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Lists simulated boards served on this machine.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    use board_window::layout::{ControlReg, ROM_SIZE};
    let mut entries = Vec::new();
    let dir = std::fs::read_dir("/dev/shm")
        .map(|d| d.filter_map(Result::ok).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut names: Vec<String> = dir
        .iter()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_prefix("tilekit-")?
                .strip_suffix(".window")
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    for name in names {
        let Ok(w) = WindowFile::open(&name) else {
            continue;
        };
        let mut rom = vec![0u8; ROM_SIZE as usize];
        w.read_bytes(0, &mut rom);
        let (board, tiles) = match board_window::decode(&rom) {
            Ok(r) => (r.name, r.tiles.len()),
            Err(e) => (format!("(bad ROM: {e})"), 0),
        };
        let server_pid = w.read(ControlReg::ServerPid.window_offset());
        let owner = w.read(ControlReg::OwnerPid.window_offset());
        entries.push(Entry {
            uri: format!("sim:{name}"),
            board,
            tiles,
            state: if alive(server_pid) {
                "served"
            } else {
                "stale (server gone; `tilekit sim` reclaims it)"
            },
            server_pid,
            owner_pid: if alive(owner) { owner } else { 0 },
            pcie: None,
        });
    }
    let sims = entries.len();
    // PCIe: devices that can carry a tilekit window (ivshmem in a VM,
    // Xilinx FPGAs); which of them is a board shows once its ROM is read.
    for bdf in board_pcie::list(&args.sysfs) {
        let uri = board_pcie::PcieUri { bdf, ids: None };
        if let Ok(d) = board_pcie::discover(&args.sysfs, &uri)
            && matches!((d.vendor, d.device), (0x1af4, 0x1110) | (0x10ee, _))
        {
            entries.push(Entry {
                uri: format!("pcie:{bdf}"),
                board: "(its ROM is read once the PCIe backend maps BARs)".into(),
                tiles: 0,
                state: "pcie device",
                server_pid: 0,
                owner_pid: 0,
                pcie: Some(PcieEntry {
                    vendor: format!("{:04x}", d.vendor),
                    device: format!("{:04x}", d.device),
                    bars: d.bars.len(),
                    iommu_group: d.iommu_group,
                    driver: d.driver.clone(),
                }),
            });
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(Exit::Success);
    }
    if sims == 0 {
        println!("no simulated boards are served (start one with `tilekit sim --board FILE`)");
    }
    for e in &entries {
        if let Some(p) = &e.pcie {
            println!(
                "{:<24} {}:{}, {} BARs, IOMMU group {}, driver {} {}",
                e.uri,
                p.vendor,
                p.device,
                p.bars,
                p.iommu_group.map_or("none".into(), |g| g.to_string()),
                p.driver.as_deref().unwrap_or("none"),
                e.board
            );
            continue;
        }
        let owner = if e.owner_pid == 0 {
            "free".to_owned()
        } else {
            format!("owned by PID {}", e.owner_pid)
        };
        println!(
            "{:<24} board `{}`, {} tiles, {}, server PID {}, {owner}",
            e.uri, e.board, e.tiles, e.state, e.server_pid
        );
    }
    Ok(Exit::Success)
}
