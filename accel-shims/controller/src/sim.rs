//! The controller as a simulated accelerator tile's firmware.
//!
//! The simulator starts the firmware of the tile's kind when the tile's
//! client starts its activity (the tile's CORE_ENABLE), as a sandboxed
//! process like any tile's: the tile's memfd at fd 3. Here the device
//! model runs on its own thread ([`device_port::Runner`]) with a port onto
//! the local buffers only — `accel::BUFFERS` to the end of local memory —
//! and the controller runs one job and ends; the board tells the kernel.

use std::sync::Arc;

use device_port::{Buffers, Device, Runner};
use filter_proto::accel;
use tcu_mmio::regs::Layout;
use tcu_mmio::{Tcu, TileId};
use tile_platform::{Mapping, SimRegs};

use crate::{Controller, Driver, Local, Port, Tile};

/// Local memory through the mapping.
struct Mem<'m>(&'m Mapping);

impl Local for Mem<'_> {
    fn size(&self) -> u64 {
        self.0.mem_size()
    }
    fn read(&self, addr: u64, buf: &mut [u8]) -> bool {
        self.0.mem_read(addr, buf)
    }
    fn write(&self, addr: u64, data: &[u8]) -> bool {
        self.0.mem_write(addr, data)
    }
}

/// The device's port: the local buffers, and nothing below them.
struct LocalBuffers {
    map: Mapping,
    len: u64,
}

impl Buffers for LocalBuffers {
    fn len(&self) -> u64 {
        self.len
    }
    fn read(&self, off: u64, buf: &mut [u8]) -> bool {
        off.checked_add(buf.len() as u64)
            .is_some_and(|end| end <= self.len)
            && self.map.mem_read(accel::BUFFERS + off, buf)
    }
    fn write(&self, off: u64, data: &[u8]) -> bool {
        off.checked_add(data.len() as u64)
            .is_some_and(|end| end <= self.len)
            && self.map.mem_write(accel::BUFFERS + off, data)
    }
}

/// The controller's port: the device's registers through its runner.
struct RunnerPort<'r, D: Device> {
    runner: &'r Runner<D>,
    bufs: &'r LocalBuffers,
}

impl<D: Device> Port for RunnerPort<'_, D> {
    fn read(&self, reg: u16) -> u64 {
        self.runner.read(reg)
    }
    fn write(&self, reg: u16, value: u64) {
        self.runner.write(reg, value);
    }
    fn wait_idle(&self) {
        self.runner.wait_idle();
    }
    fn read_buffer(&self, off: u64, buf: &mut [u8]) -> bool {
        self.bufs.read(off, buf)
    }
    fn write_buffer(&self, off: u64, data: &[u8]) -> bool {
        self.bufs.write(off, data)
    }
}

/// Runs the firmware: `device` behind `driver`, one job; exits the
/// process (0 when the job succeeded, 1 when it failed, 125 without a
/// board).
pub fn run<D: Device>(device: D, mut driver: impl Driver) -> ! {
    match attach() {
        Ok((tcu, bufs)) => {
            let name = std::env::var(tile_sim_abi::ENV_TILE).unwrap_or_else(|_| "accel".into());
            let id = name.parse::<TileId>().map_or(0, |t| u64::from(t.raw()));
            let runner = Runner::new(device, bufs.clone());
            let port = RunnerPort {
                runner: &runner,
                bufs: &bufs,
            };
            let mem = Mem(tcu.regs().mapping());
            let tile = Tile {
                tcu: &tcu,
                mem: &mem,
                id,
            };
            let (code, why) = Controller::new(&tile).run(&mut driver, &port);
            if let Some(why) = why {
                tcu.print(format!("{name}: {why}\n").as_bytes());
            }
            drop(runner);
            std::process::exit(i32::from(code != 0))
        }
        Err(e) => {
            eprintln!("accel-controller: {e}");
            std::process::exit(125)
        }
    }
}

fn attach() -> Result<(Tcu<SimRegs>, Arc<LocalBuffers>), String> {
    let map = Mapping::attach().map_err(|e| e.to_string())?;
    let regs = SimRegs::new(map);
    let layout = Layout::new(regs.eps()).map_err(|e| format!("bad endpoint count: {e}"))?;
    let size = regs.mapping().mem_size();
    if size <= accel::BUFFERS {
        return Err(format!(
            "local memory of {size} bytes leaves no buffers above {:#x}",
            accel::BUFFERS
        ));
    }
    let bufs = LocalBuffers {
        map: Mapping::attach().map_err(|e| e.to_string())?,
        len: size - accel::BUFFERS,
    };
    Ok((Tcu::new(regs, layout), Arc::new(bufs)))
}
