//! `tilekit-sim`: the simulated board.
//!
//! The authoritative state of every TCU lives in a [`tcu_model::Model`]
//! inside the simulator. Each compute tile is a process that inherits one
//! memfd (layout: `tile-sim-abi`) holding a mirror of its TCU registers and
//! its local memory. One service thread waits on every tile's doorbell,
//! copies the hand-off (COMMAND, PRINT, register requests) out of the
//! mirror, lets the model act, and publishes the result back, waking the
//! tile through its event word. The model never trusts the mirror: it
//! copies in, validates (the model's rules), and acts.
//!
//! Memory tiles are composites: the DRAM slice of each core lives in that
//! core's memfd (its local memory) and the rest in the memory tile's own
//! memfd, so the same bytes are reachable as the core's local memory and
//! through memory endpoints onto the memory tile.
//!
//! Not yet here (see docs/simulator.md): the sandbox of tile processes, the
//! window file served to other host processes, and images loaded through
//! memory.

pub mod image;
mod launcher;
pub mod probe;
mod reach_in;
mod reset;
pub mod sandbox;
mod service;
mod shm;
pub mod trace;
mod view;
pub mod window;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use board_schema::{BoardDesc, IsaName, TileKind};
use board_window::layout::{BOUNCE_OFFSET, BOUNCE_SIZE, tile_region};
use tcu_mmio::ep::EpConfig;
use tcu_mmio::regs::Layout;
use tcu_mmio::tile_desc::{Isa, TileDesc, TileType};
use tcu_mmio::{EpId, Reg, TileId};
use tcu_model::{Access, Model, Region, WriteOutcome};
use tile_sim_abi as abi;

pub use crate::sandbox::{Isolation, SandboxError};
use crate::shm::{MemTileBacking, SharedMem, ShmBacking};
pub use crate::trace::Trace;

/// How a tile's program ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TileExit {
    /// It exited with this code.
    Exited(i32),
    /// It was killed by this signal (a crash, or killed on a timeout).
    Signaled(i32),
}

/// Errors of the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The simulator cannot run a tile's ISA.
    #[error(
        "tile {tile} has isa `{isa}`: the simulator runs host-native cores only; use a board whose cores say `isa: host-native`, or run this board on its FPGA over PCIe"
    )]
    Isa {
        /// The tile.
        tile: TileId,
        /// Its ISA.
        isa: &'static str,
    },
    /// A tile id the board does not have (or not a compute tile).
    #[error("tile {0} is not a compute tile of this board")]
    NoTile(TileId),
    /// An OS call failed.
    #[error("{what}: {source}")]
    Os {
        /// What was attempted.
        what: String,
        /// The error.
        source: std::io::Error,
    },
    /// A tile did not finish in time.
    #[error(
        "tile {tile} did not exit within {secs:.1} s; it was killed (last output: {last_output:?})"
    )]
    Timeout {
        /// The tile.
        tile: TileId,
        /// The timeout.
        secs: f64,
        /// The end of what it printed.
        last_output: String,
    },
    /// The program is not a tile image.
    #[error(transparent)]
    Image(#[from] image::ImageError),
    /// An image cannot be loaded into a tile's memory.
    #[error("loading an image into tile {tile}: {source}")]
    Load {
        /// The tile.
        tile: TileId,
        /// Why not.
        source: image::LoadError,
    },
    /// A compute unit was switched on but finds no runnable image.
    #[error("tile {tile} has nothing to run: {what}")]
    NoImage {
        /// The tile.
        tile: TileId,
        /// What is wrong.
        what: String,
    },
    /// The sandbox cannot be set up.
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    /// An endpoint configuration could not be written.
    #[error("configuring {ep} of tile {tile}: {what}")]
    Config {
        /// The tile.
        tile: TileId,
        /// The EP.
        ep: EpId,
        /// What went wrong.
        what: String,
    },
}

/// One compute tile as the simulator holds it.
struct SimTile {
    id: TileId,
    /// The memory holding its register mirror and local memory: its own
    /// memfd, or the window for the host tile.
    shm: Arc<SharedMem>,
    /// Offset of its register mirror in `shm`.
    base: u64,
    /// Offset of its local memory in `shm`.
    mem_offset: u64,
    /// Size of its local memory.
    mem_size: u64,
    /// Its region slot in the window (the ROM's tile-table order).
    slot: u64,
    /// The host tile: its mirror is its region of the window, its local
    /// memory the bounce buffer, and it has no compute unit to start.
    host: bool,
}

/// State shared by the service thread, the reapers and the host API.
struct State {
    model: Model,
    /// Per tile: a command has been handed to the model and not completed.
    inflight: Vec<bool>,
    /// Per tile: the COMMAND value handed to the model (while in flight).
    handed: Vec<u64>,
    /// The newest writes the TCUs ignored (at most `service::IGNORED_LOG`).
    ignored: std::collections::VecDeque<tcu_model::Ignored>,
    /// The newest register writes over the NoC (at most
    /// `service::REMOTE_WRITE_LOG`).
    remote_writes: std::collections::VecDeque<tcu_model::RemoteWrite>,
    /// Per tile: what it printed.
    output: Vec<Vec<u8>>,
    /// Per tile: how its process ended.
    exits: Vec<Option<TileExit>>,
    /// Per tile: its process id while running.
    pids: Vec<Option<u32>>,
    /// Per tile: what the window's region last showed (reach-in).
    views: Vec<view::RegionView>,
    /// Per tile: the model changed since its region was last published.
    view_dirty: Vec<bool>,
    /// Per tile: whether the compute unit is on (CORE_ENABLE set and
    /// CORE_RESET clear) as last acted upon.
    core_on: Vec<bool>,
    /// Tiles whose CORE_ENABLE/CORE_RESET changed and await the launcher.
    core_changes: Vec<usize>,
    /// Per tile: why its compute unit could not start, last time.
    start_error: Vec<Option<String>>,
    /// Per tile: its program is being stopped through CORE_ENABLE (its end
    /// is reported as stopped, not crashed).
    stopping: Vec<bool>,
    /// The trace being recorded, if one is.
    trace: Option<trace::Tracer>,
}

struct Shared {
    tiles: Vec<SimTile>,
    index: BTreeMap<TileId, usize>,
    state: Mutex<State>,
    exited: Condvar,
    stop: AtomicBool,
    isolation: Isolation,
    /// Held while compute units are started or stopped.
    launcher: Mutex<()>,
    /// Images executed recently.
    images: Mutex<launcher::ImageCache>,
    /// Per tile: the firmware its controller runs instead of an image from
    /// its memory (accelerator tiles), or why there is none.
    firmware: Mutex<Vec<Option<Result<std::path::PathBuf, String>>>>,
    /// The board's window: served as a file (`sim:NAME`) or private.
    window: window::WindowFile,
}

/// A simulated board running in this process.
pub struct Sim {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

fn os(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> SimError {
    let what = what.into();
    move |source| SimError::Os { what, source }
}

fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl Sim {
    /// Builds the board with sandboxed tiles; refuses to start when the
    /// sandbox cannot be set up on this machine (see [`Sim::with_isolation`]).
    pub fn new(board: &BoardDesc) -> Result<Sim, SimError> {
        Sim::with_isolation(board, Isolation::Sandboxed)
    }

    /// Builds the board's TCUs and memories and starts the service thread for every
    /// compute tile. Tiles start privileged, as after a hardware reset.
    /// With [`Isolation::Insecure`] tile processes run without the sandbox
    /// (and a warning is logged).
    pub fn with_isolation(board: &BoardDesc, isolation: Isolation) -> Result<Sim, SimError> {
        Sim::build(board, isolation, None)
    }

    /// Like [`Sim::with_isolation`], and serves the board's window as
    /// `sim:NAME` (a file in /dev/shm, removed when the simulator stops) for
    /// other host processes.
    pub fn serve(board: &BoardDesc, isolation: Isolation, name: &str) -> Result<Sim, SimError> {
        Sim::build(board, isolation, Some(name))
    }

    fn build(board: &BoardDesc, isolation: Isolation, name: Option<&str>) -> Result<Sim, SimError> {
        match isolation {
            Isolation::Sandboxed => {
                // Check every layer once, so a machine without them is
                // refused before anything starts.
                // (/proc/self/exe opens even when the executable was
                // replaced on disk since it started.)
                sandbox::prepare(None)?;
            }
            Isolation::Insecure => {
                tracing::warn!(
                    "--insecure: tile processes run without the sandbox; a hostile tile can reach your files and processes"
                );
            }
        }
        let rom = board_window::encode(board).map_err(|e| SimError::Config {
            tile: TileId::on_chip0(0),
            ep: EpId(0),
            what: e.to_string(),
        })?;
        let window = match name {
            Some(name) => window::WindowFile::create(name, &rom)
                .map_err(os(format!("creating the window of `{name}`")))?,
            None => window::WindowFile::private(&rom).map_err(os("creating the board's window"))?,
        };
        let mut model = Model::new();
        let mut tiles = Vec::new();
        let mut views = Vec::new();
        let mut index = BTreeMap::new();
        let boot = monotonic_ns();
        // Compute tiles: one memfd each, [region][local memory].
        for t in board.tiles.iter().filter(|t| t.kind != TileKind::Memory) {
            if let Some(isa) = t.isa
                && isa != IsaName::HostNative
            {
                return Err(SimError::Isa {
                    tile: t.id,
                    isa: isa.name(),
                });
            }
            let slot = board.tiles.iter().position(|x| x.id == t.id).unwrap_or(0) as u64;
            let host = t.kind == TileKind::Host;
            let (shm, base, mem_offset, local) = if host {
                // The host tile's mirror is its region of the window and
                // its local memory the window's bounce buffer.
                (
                    window.shm().clone(),
                    tile_region(slot),
                    BOUNCE_OFFSET,
                    BOUNCE_SIZE,
                )
            } else {
                let local = match t.kind {
                    TileKind::Kernel | TileKind::Core => t.dram.map_or(0, |d| d.size),
                    _ => t.spm.map_or(0, |s| s.bytes()),
                };
                let shm = SharedMem::new(
                    &format!("tilekit-{}", t.id),
                    (abi::MEMORY_OFFSET + local) as usize,
                )
                .map_err(os(format!("creating the memory of tile {}", t.id)))?;
                (Arc::new(shm), 0, abi::MEMORY_OFFSET, local)
            };
            shm.store(base + abi::BOOT_NS, boot);
            shm.store(base + abi::EPS, t.eps.into());
            shm.store(base + abi::SPIN_PERMIT, 1);
            let backing = model.add_backing(Box::new(ShmBacking {
                shm: shm.clone(),
                offset: mem_offset,
                len: local,
            }));
            let layout = Layout::new(t.eps).map_err(|e| SimError::Config {
                tile: t.id,
                ep: EpId(0),
                what: e.to_string(),
            })?;
            let desc = TileDesc {
                tile_type: TileType::Compute,
                isa: Isa::HostNative,
                attr: 0,
                mem_pages: local >> 12,
            };
            model
                .add_tile(
                    t.id,
                    layout,
                    desc.to_raw().unwrap_or(0),
                    Some(Region {
                        backing,
                        offset: 0,
                        size: local,
                    }),
                )
                .map_err(|e| SimError::Config {
                    tile: t.id,
                    ep: EpId(0),
                    what: e.to_string(),
                })?;
            index.insert(t.id, tiles.len());
            views.push(view::RegionView::new(tile_region(slot), layout, host));
            tiles.push(SimTile {
                id: t.id,
                shm,
                base,
                mem_offset,
                mem_size: local,
                slot,
                host,
            });
        }
        // Memory tiles: the cores' slices plus a memfd for the rest.
        for m in board.tiles_of(TileKind::Memory) {
            let size = m.size.map_or(0, |s| s.bytes());
            let rest = Arc::new(
                SharedMem::new(&format!("tilekit-{}", m.id), size as usize)
                    .map_err(os(format!("creating memory tile {}", m.id)))?,
            );
            let mut slices: Vec<(u64, u64, ShmBacking)> = board
                .tiles
                .iter()
                .filter_map(|t| t.dram.filter(|d| d.mem_tile == m.id).map(|d| (t.id, d)))
                .filter_map(|(id, d)| {
                    let i = *index.get(&id)?;
                    Some((
                        d.offset,
                        d.size,
                        ShmBacking {
                            shm: tiles[i].shm.clone(),
                            offset: tiles[i].mem_offset,
                            len: d.size,
                        },
                    ))
                })
                .collect();
            slices.sort_by_key(|s| s.0);
            let mut parts = Vec::new();
            let mut at = 0;
            for (off, len, b) in slices {
                if off > at {
                    parts.push((
                        at,
                        off - at,
                        ShmBacking {
                            shm: rest.clone(),
                            offset: at,
                            len: off - at,
                        },
                    ));
                }
                parts.push((off, len, b));
                at = off + len;
            }
            if at < size {
                parts.push((
                    at,
                    size - at,
                    ShmBacking {
                        shm: rest.clone(),
                        offset: at,
                        len: size - at,
                    },
                ));
            }
            let backing = model.add_backing(Box::new(MemTileBacking { parts, size }));
            let desc = TileDesc {
                tile_type: TileType::Memory,
                isa: Isa::None,
                attr: 0,
                mem_pages: size >> 12,
            };
            model
                .add_tile(
                    m.id,
                    Layout::new(0).unwrap_or(Layout::HW),
                    desc.to_raw().unwrap_or(0),
                    Some(Region {
                        backing,
                        offset: 0,
                        size,
                    }),
                )
                .map_err(|e| SimError::Config {
                    tile: m.id,
                    ep: EpId(0),
                    what: e.to_string(),
                })?;
        }
        let n = tiles.len();
        let shared = Arc::new(Shared {
            tiles,
            index,
            state: Mutex::new(State {
                model,
                inflight: vec![false; n],
                handed: vec![0; n],
                ignored: std::collections::VecDeque::new(),
                remote_writes: std::collections::VecDeque::new(),
                output: vec![Vec::new(); n],
                exits: vec![None; n],
                pids: vec![None; n],
                views,
                view_dirty: vec![true; n],
                core_on: vec![false; n],
                core_changes: Vec::new(),
                start_error: vec![None; n],
                stopping: vec![false; n],
                trace: None,
            }),
            exited: Condvar::new(),
            stop: AtomicBool::new(false),
            isolation,
            launcher: Mutex::new(()),
            images: Mutex::new(launcher::ImageCache::new()),
            firmware: Mutex::new(vec![None; n]),
            window,
        });
        for i in 0..n {
            service::publish(&shared, &mut lock(&shared), i);
        }
        let mut threads = Vec::new();
        {
            let s = shared.clone();
            let h = std::thread::Builder::new()
                .name("reach-in".into())
                .spawn(move || reach_in::reach_in_thread(&s))
                .map_err(os("starting the reach-in thread"))?;
            threads.push(h);
        }
        {
            let s = shared.clone();
            let h = std::thread::Builder::new()
                .name("tcu-service".into())
                .spawn(move || service::service_thread(&s))
                .map_err(os("starting the TCU service thread"))?;
            threads.push(h);
        }
        Ok(Sim { shared, threads })
    }

    fn idx(&self, tile: TileId) -> Result<usize, SimError> {
        self.shared
            .index
            .get(&tile)
            .copied()
            .ok_or(SimError::NoTile(tile))
    }

    /// Writes a register of `tile` over the NoC (as the kernel or the host's
    /// bring-up does) and publishes the result. A write that switches a
    /// compute unit on (CORE_ENABLE) starts what its memory holds; a start
    /// that fails is returned as the error.
    pub fn write_remote(
        &self,
        tile: TileId,
        reg: Reg,
        value: u64,
    ) -> Result<WriteOutcome, SimError> {
        let i = self.idx(tile)?;
        let out = {
            let mut st = lock(&self.shared);
            let layout = st.model.tile(tile).map_or(Layout::HW, |t| t.layout);
            let out = st
                .model
                .write_reg(tile, reg.offset(layout), value, Access::Remote);
            service::after_model_step(&self.shared, &mut st, i);
            out
        };
        for (k, r) in launcher::apply_core_changes(&self.shared) {
            if k == i {
                r?;
            }
        }
        // Another thread may have taken the change and started the core;
        // `apply_core_changes` returned only once it was done.
        let st = lock(&self.shared);
        if st.core_on[i]
            && st.pids[i].is_none()
            && st.exits[i] == Some(TileExit::Exited(127))
            && let Some(what) = st.start_error[i].clone()
        {
            return Err(SimError::NoImage { tile, what });
        }
        Ok(out)
    }

    /// Writes the register at `offset` of `tile`'s TCU region over the NoC
    /// (as [`Sim::write_remote`], by offset).
    pub fn write_remote_at(
        &self,
        tile: TileId,
        offset: u64,
        value: u64,
    ) -> Result<WriteOutcome, SimError> {
        let layout = self.with_model(|m| m.tile(tile).map(|t| t.layout));
        match layout.and_then(|l| Reg::at(offset, l)) {
            Some(reg) => self.write_remote(tile, reg, value),
            // Not a register: the model says how it treats that.
            None => {
                let i = self.idx(tile)?;
                let mut st = lock(&self.shared);
                let out = st.model.write_reg(tile, offset, value, Access::Remote);
                service::after_model_step(&self.shared, &mut st, i);
                Ok(out)
            }
        }
    }

    /// Configures endpoint `ep` of `tile` (three remote register writes).
    pub fn configure_ep(&self, tile: TileId, ep: EpId, cfg: &EpConfig) -> Result<(), SimError> {
        let words = cfg.to_regs().map_err(|e| SimError::Config {
            tile,
            ep,
            what: e.to_string(),
        })?;
        for (w, v) in words.iter().enumerate() {
            self.write_remote(tile, Reg::Ep { ep, word: w as u8 }, *v)?;
        }
        Ok(())
    }

    /// Clears FEATURES.kernel of `tile`: its program can no longer write
    /// its own endpoints.
    pub fn deprivilege(&self, tile: TileId) -> Result<(), SimError> {
        self.write_remote(tile, Reg::FEATURES, 0).map(drop)
    }

    /// The board's window (served or private): what a host sees and writes.
    pub fn window(&self) -> &window::WindowFile {
        &self.shared.window
    }

    /// The register writes the TCUs ignored since the last call (the newest
    /// 256; each is also counted in its tile's violation counter).
    pub fn take_ignored(&self) -> Vec<tcu_model::Ignored> {
        lock(&self.shared).ignored.drain(..).collect()
    }

    /// The register writes over the NoC since the last call (the newest
    /// 4096): who wrote which register of which tile — e.g. to show that
    /// an app's endpoints were written by the kernel through its scratch
    /// endpoint.
    pub fn take_remote_writes(&self) -> Vec<tcu_model::RemoteWrite> {
        lock(&self.shared).remote_writes.drain(..).collect()
    }

    /// Starts recording every TCU command and message delivery (a new
    /// trace replaces one under way).
    pub fn start_trace(&self) {
        let mut st = lock(&self.shared);
        st.model.record(true);
        st.trace = Some(trace::Tracer::new());
    }

    /// Stops recording and returns the trace (`None` if none was under
    /// way).
    pub fn take_trace(&self) -> Option<Trace> {
        let mut st = lock(&self.shared);
        let rest = st.model.take_records();
        st.model.record(false);
        let mut t = st.trace.take()?;
        t.take(rest);
        Some(t.finish())
    }

    /// The model's view of a tile (for tests and the debug view).
    pub fn with_model<R>(&self, f: impl FnOnce(&Model) -> R) -> R {
        f(&lock(&self.shared).model)
    }

    /// Writes `tile`'s local memory (trusted: loaders and test harnesses).
    pub fn write_local(&self, tile: TileId, addr: u64, data: &[u8]) -> bool {
        lock(&self.shared).model.write_local(tile, addr, data)
    }

    /// Loads `image` (a tile image's bytes) with `args` into `tile`'s local
    /// memory, as a loader does before switching the core on
    /// (`tile_sim_abi::image` is the layout). Trusted: the in-process
    /// board's loader; hosts load through their TCU (the host library).
    pub fn load_image(&self, tile: TileId, image: &[u8], args: &[&str]) -> Result<(), SimError> {
        let i = self.idx(tile)?;
        let t = &self.shared.tiles[i];
        let what = format!("the image for tile {tile}");
        image::check_bytes(&what, image)?;
        let image = image::loadable(image)
            .map_err(|why| image::ImageError::NotExecutable { path: what, why })?;
        let plan = image::plan_load(t.mem_size, image.len() as u64, args)
            .map_err(|source| SimError::Load { tile, source })?;
        let mut st = lock(&self.shared);
        st.model.write_local(tile, plan.image_at, &image);
        st.model.write_local(tile, plan.header_at, &plan.header);
        Ok(())
    }

    /// Makes `tile` an accelerator tile whose controller runs `firmware`
    /// when its compute unit is switched on (as a block's controller runs
    /// its ROM), not an image from its memory — or, with an error, says
    /// why it cannot start. The accelerator kind's manifest names the
    /// firmware; the host tools resolve it.
    pub fn set_firmware(
        &self,
        tile: TileId,
        firmware: Result<std::path::PathBuf, String>,
    ) -> Result<(), SimError> {
        let i = self.idx(tile)?;
        self.shared
            .firmware
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(firmware);
        Ok(())
    }

    /// Starts `program` with `args` as the compute unit of `tile`: checks
    /// the image, loads it into the tile's memory and switches the core on
    /// (CORE_ENABLE), so the core runs what it finds in its memory.
    pub fn spawn(&self, tile: TileId, program: &Path, args: &[&str]) -> Result<(), SimError> {
        let bytes = image::read(program)?;
        self.load_image(tile, &bytes, args)?;
        self.start(tile)
    }

    /// Switches `tile`'s compute unit on (CORE_RESET clear, CORE_ENABLE
    /// set); it runs the image in its memory. A core that is on already is
    /// switched off first, so a core whose program ended starts again.
    pub fn start(&self, tile: TileId) -> Result<(), SimError> {
        use tcu_mmio::regs::ConfigReg;
        let enable = Reg::Config(ConfigReg::CoreEnable);
        self.write_remote(tile, Reg::Config(ConfigReg::CoreReset), 0)?;
        if self.with_model(|m| m.tile(tile).is_some_and(|s| s.config[0] & 1 == 1)) {
            self.write_remote(tile, enable, 0)?;
            self.wait_stopped(tile);
        }
        self.write_remote(tile, enable, 1).map(drop)
    }

    /// Switches `tile`'s compute unit off (its program is killed).
    pub fn stop(&self, tile: TileId) -> Result<(), SimError> {
        use tcu_mmio::regs::ConfigReg;
        self.write_remote(tile, Reg::Config(ConfigReg::CoreEnable), 0)?;
        self.wait_stopped(tile);
        Ok(())
    }

    fn wait_stopped(&self, tile: TileId) {
        let Ok(i) = self.idx(tile) else { return };
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut st = lock(&self.shared);
        while st.pids[i].is_some() && Instant::now() < deadline {
            st = match self
                .shared
                .exited
                .wait_timeout(st, Duration::from_millis(20))
            {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// Makes `tile`'s program wait at its entry (before `main`) until
    /// released with `hold = false` — time to attach a debugger
    /// (`tilekit run --stop-at-entry`).
    pub fn hold_at_entry(&self, tile: TileId, hold: bool) -> Result<(), SimError> {
        let i = self.idx(tile)?;
        let t = &self.shared.tiles[i];
        t.shm.store(t.base + abi::HOLD_AT_ENTRY, u64::from(hold));
        Ok(())
    }

    /// The process id of `tile`'s program while it runs.
    pub fn pid(&self, tile: TileId) -> Option<u32> {
        self.idx(tile).ok().and_then(|i| lock(&self.shared).pids[i])
    }

    /// Board reset: stops every tile program, resets every TCU (all tiles
    /// privileged again, every endpoint invalid) and clears all memory.
    pub fn reset(&self) {
        reset::reset(&self.shared);
    }

    /// What `tile` printed so far.
    pub fn output(&self, tile: TileId) -> String {
        match self.idx(tile) {
            Ok(i) => String::from_utf8_lossy(&lock(&self.shared).output[i]).into_owned(),
            Err(_) => String::new(),
        }
    }

    /// Waits until `tile`'s program ends; kills it after `timeout`.
    pub fn wait(&self, tile: TileId, timeout: Duration) -> Result<TileExit, SimError> {
        let i = self.idx(tile)?;
        let deadline = Instant::now() + timeout;
        let mut st = lock(&self.shared);
        loop {
            if let Some(e) = st.exits[i] {
                return Ok(e);
            }
            let now = Instant::now();
            if now >= deadline {
                if let Some(pid) = st.pids[i] {
                    // SAFETY: kill(2) on the pid of a child we started and
                    // have not reaped (the reaper clears `pids` first).
                    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                }
                let out = String::from_utf8_lossy(&st.output[i]).into_owned();
                let tail: String = out
                    .chars()
                    .rev()
                    .take(200)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                return Err(SimError::Timeout {
                    tile,
                    secs: timeout.as_secs_f64(),
                    last_output: tail,
                });
            }
            st = match self.shared.exited.wait_timeout(st, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, State> {
    // A panicking service or reaper thread must not take the board down: keep going with
    // the state as it is (every model step leaves it consistent).
    shared
        .state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        {
            let st = lock(&self.shared);
            for pid in st.pids.iter().flatten() {
                // SAFETY: kill(2) on children we started and have not reaped.
                unsafe { libc::kill(*pid as i32, libc::SIGKILL) };
            }
        }
        for t in &self.shared.tiles {
            let d = t.shm.load(t.base + abi::DOORBELL).wrapping_add(1) & 0xFFFF_FFFF;
            t.shm.store(t.base + abi::DOORBELL, d);
            t.shm.wake(t.base + abi::DOORBELL);
        }
        for h in self.threads.drain(..) {
            let _ = h.join();
        }
    }
}
