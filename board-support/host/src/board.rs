//! Opening a board and bringing it up from the host.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use board_schema::{BoardDesc, Catalog, TileKind};
use board_window::Rom;
use board_window::layout::{
    ControlReg, CuState, ROM_SIZE, STATUS_RESETTING, TileEventReg, tile_region,
};
use board_window::rom::RomTile;
use tcu_mmio::ep::{EpConfig, MemEp, Perm};
use tcu_mmio::regs::{ConfigReg, Features, Layout};
use tcu_mmio::{ActId, EpId, Reg, TileId};
use tilekit_sim::window::{WindowFile, WriterError};
use tilekit_sim::{Isolation, Sim};

use crate::link::Link;
use crate::view::{TileView, print_ring, print_since};
use crate::{BoardUri, HostError, HostTile, Window};

/// How to open a board.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// The board file the board's ROM must match (a board file given as
    /// the URI is checked against itself).
    pub board_file: Option<PathBuf>,
    /// Attach read-only (`dump`, `trace`): no ownership, no writes.
    pub read_only: bool,
    /// Sandbox of tiles simulated in this process.
    pub isolation: Isolation,
    /// The command line recorded as the board's owner.
    pub command: String,
    /// Accelerator kinds board files may name.
    pub catalog: Catalog,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            board_file: None,
            read_only: false,
            isolation: Isolation::Sandboxed,
            command: std::env::args().collect::<Vec<_>>().join(" "),
            catalog: Catalog::builtin(),
        }
    }
}

/// An open board.
pub struct Board {
    link: Link,
    uri: BoardUri,
    rom: Rom,
    read_only: bool,
}

/// The endpoint of the host tile the loader uses (its last one).
fn loader_ep(eps: u16) -> EpId {
    EpId(eps.saturating_sub(1))
}

/// Gives every accelerator tile of `desc` the firmware its kind names in
/// `catalog` (found like a tile image, [`crate::images`]); a tile whose
/// firmware is missing says so when it is started.
pub fn install_firmware(sim: &Sim, desc: &BoardDesc, catalog: &Catalog) {
    for t in &desc.tiles {
        let Some(kind) = &t.accel else { continue };
        let firmware = match catalog.firmware.get(kind) {
            Some(name) => crate::images::find(name)
                .map_err(|e| format!("no firmware for accelerator kind `{kind}`: {e}")),
            None => Err(format!(
                "accelerator kind `{kind}` names no firmware (its manifest's `firmware`)"
            )),
        };
        let _ = sim.set_firmware(t.id, firmware);
    }
}

impl Board {
    /// Opens the board `uri` names: maps its window (as its one writer
    /// unless read-only), reads its ROM and checks it against the board
    /// file, refusing a mismatch.
    pub fn open(uri: &BoardUri, opts: &OpenOptions) -> Result<Board, HostError> {
        let at = uri.to_string();
        let (link, own_file) = match uri {
            BoardUri::Sim(name) => {
                let w = if opts.read_only {
                    WindowFile::open(name).map_err(|source| HostError::Unreachable {
                        uri: at.clone(),
                        source,
                    })?
                } else {
                    WindowFile::open_writer(name, &opts.command).map_err(|e| match e {
                        WriterError::Busy(source) => HostError::Busy {
                            uri: at.clone(),
                            source,
                        },
                        WriterError::Io(source) => HostError::Unreachable {
                            uri: at.clone(),
                            source,
                        },
                    })?
                };
                (Link::Served(w), None)
            }
            BoardUri::Pcie(text) => return Err(pcie_unavailable(text)),
            BoardUri::File(path) => {
                let desc = board_schema::load(path, &opts.catalog)?;
                let sim = Sim::with_isolation(&desc, opts.isolation)?;
                install_firmware(&sim, &desc, &opts.catalog);
                (Link::Local(Box::new(sim)), Some(desc))
            }
            BoardUri::Demo => {
                let desc =
                    board_schema::parse("demo.yaml (embedded)", crate::DEMO_BOARD, &opts.catalog)?;
                let sim = Sim::with_isolation(&desc, opts.isolation)?;
                install_firmware(&sim, &desc, &opts.catalog);
                (Link::Local(Box::new(sim)), Some(desc))
            }
        };
        let rom = read_rom(link.window(), &at)?;
        let expected = match &opts.board_file {
            Some(path) => Some((
                path.display().to_string(),
                board_schema::load(path, &opts.catalog)?,
            )),
            None => own_file.map(|d| (at.clone(), d)),
        };
        if let Some((file, desc)) = expected {
            check_matches(&at, &file, &desc, &rom)?;
        }
        Ok(Board {
            link,
            uri: uri.clone(),
            rom,
            read_only: opts.read_only,
        })
    }

    /// The URI it was opened by.
    pub fn uri(&self) -> &BoardUri {
        &self.uri
    }

    /// Its ROM.
    pub fn rom(&self) -> &Rom {
        &self.rom
    }

    /// Its window.
    pub fn window(&self) -> &dyn Window {
        self.link.window()
    }

    /// The simulator, when the board runs in this process.
    pub fn local_sim(&self) -> Option<&Sim> {
        match &self.link {
            Link::Local(s) => Some(s),
            Link::Served(_) => None,
        }
    }

    fn writable(&self, what: &str) -> Result<(), HostError> {
        if self.read_only {
            return Err(HostError::ReadOnly {
                uri: self.uri.to_string(),
                what: what.to_owned(),
            });
        }
        Ok(())
    }

    /// Writes `value` to NONCE and reads it back: proves the write path and
    /// which board answers.
    pub fn nonce(&self, value: u64) -> Result<bool, HostError> {
        self.writable("writing the nonce")?;
        let w = self.window();
        w.write(ControlReg::Nonce.window_offset(), value);
        Ok(w.read(ControlReg::Nonce.window_offset()) == value)
    }

    /// Board reset: every tile stopped, every TCU reset (all privileged,
    /// all endpoints invalid), all memory cleared.
    pub fn reset(&self, timeout: Duration) -> Result<(), HostError> {
        self.writable("a board reset")?;
        let w = self.window();
        let reset = ControlReg::Reset.window_offset();
        w.write(reset, 1);
        let deadline = Instant::now() + timeout;
        loop {
            let status = w.read(ControlReg::Status.window_offset());
            if w.read(reset) == 0 && status & STATUS_RESETTING.mask() == 0 {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(HostError::Timeout {
                    what: format!("the reset of {}", self.uri),
                    secs: timeout.as_secs_f64(),
                    detail: " (is the board served? see `tilekit list`)".into(),
                });
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// The ROM entry and region slot of `tile`.
    fn slot(&self, tile: TileId) -> Result<(u64, &RomTile), HostError> {
        self.rom
            .tiles
            .iter()
            .enumerate()
            .find(|(_, t)| t.id == tile)
            .map(|(i, t)| (i as u64, t))
            .ok_or_else(|| HostError::NoTile {
                board: self.rom.name.clone(),
                tile,
                have: self
                    .rom
                    .tiles
                    .iter()
                    .map(|t| t.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Asks a simulated board to publish its debug view now (it refreshes
    /// tiles other than the host's lazily, up to 20 ms behind); waits at
    /// most 100 ms. Hardware serves a live view: nothing to do.
    fn sync_view(&self) {
        let w = self.window();
        if w.read(ControlReg::ServerPid.window_offset()) == 0 {
            return;
        }
        let req = w.read(ControlReg::ViewAck.window_offset()).wrapping_add(1);
        w.write(ControlReg::ViewReq.window_offset(), req);
        let deadline = Instant::now() + Duration::from_millis(100);
        while w.read(ControlReg::ViewAck.window_offset()) != req && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(50));
        }
    }

    /// The state of `tile`'s compute unit, read directly (no view sync:
    /// the board publishes it at once).
    pub fn cu_state(&self, tile: TileId) -> Result<Result<CuState, u64>, HostError> {
        let (slot, _) = self.slot(tile)?;
        let raw = self
            .window()
            .read(tile_region(slot) + TileEventReg::CuState.offset());
        Ok(CuState::try_from(raw))
    }

    /// The debug view of `tile`, up to date.
    pub fn tile_view(&self, tile: TileId) -> Result<TileView, HostError> {
        self.sync_view();
        let (slot, rt) = self.slot(tile)?;
        Ok(TileView::read(
            self.window(),
            tile,
            tile_region(slot),
            rt.eps,
        ))
    }

    /// What `tile` printed last (its PRINT ring).
    pub fn output(&self, tile: TileId) -> Result<String, HostError> {
        let (slot, _) = self.slot(tile)?;
        Ok(print_ring(self.window(), tile_region(slot)))
    }

    /// What `tile` printed since PRINT_HEAD was `from`: (bytes, the new
    /// head to pass next time, bytes lost because the PRINT ring wrapped).
    /// Poll it to follow a tile's output as it runs.
    pub fn output_since(&self, tile: TileId, from: u64) -> Result<(Vec<u8>, u64, u64), HostError> {
        let (slot, _) = self.slot(tile)?;
        Ok(print_since(self.window(), tile_region(slot), from))
    }

    /// The host tile.
    pub fn host_tile(&self) -> Result<HostTile<'_>, HostError> {
        let (slot, rt) = self
            .rom
            .tiles
            .iter()
            .enumerate()
            .find(|(_, t)| t.kind == TileKind::Host)
            .ok_or_else(|| HostError::NoHostTile(self.rom.name.clone()))?;
        Ok(HostTile::new(
            self.window(),
            rt.id,
            tile_region(slot as u64),
            rt.eps,
        ))
    }

    /// Whether the host tile may still configure endpoints (bring-up).
    fn host_privileged(&self, host: &HostTile<'_>) -> bool {
        Features::from_raw(host.tcu().read_reg(Reg::FEATURES)).kernel
    }

    /// Configures endpoint `ep` of `tile` (bring-up, before the kernel
    /// exists: what the kernel will do later). The registers are written
    /// into the tile's region of the window and the board applies them as
    /// the TCU's rules say: the host tile's own endpoints only while it is
    /// privileged, other tiles' endpoints as writes over the NoC. Waits
    /// until the configuration reads back.
    pub fn configure_ep(&self, tile: TileId, ep: EpId, cfg: &EpConfig) -> Result<(), HostError> {
        self.writable("configuring endpoints")?;
        let host = self.host_tile()?;
        if tile == host.id() && !self.host_privileged(&host) {
            return Err(HostError::NotPrivileged {
                what: "configuring the host tile's endpoints".into(),
            });
        }
        let words = cfg
            .to_regs()
            .map_err(|e| HostError::TooLarge(format!("endpoint configuration: {e}")))?;
        let (slot, rt) = self.slot(tile)?;
        if ep.raw() >= rt.eps {
            return Err(HostError::NoTile {
                board: self.rom.name.clone(),
                tile,
                have: format!("endpoints 0..{} on that tile (asked for {ep})", rt.eps),
            });
        }
        let base = tile_region(slot);
        let layout = Layout::new(rt.eps).unwrap_or(Layout::HW);
        for (k, v) in words.iter().enumerate() {
            let reg = Reg::Ep { ep, word: k as u8 };
            self.window().write(base + reg.offset(layout), *v);
        }
        // The board notices register writes by polling: wait until the
        // configuration reads back as written.
        let what = format!("the configuration of {ep} on tile {tile}");
        self.wait_for(Duration::from_secs(5), &what, || {
            let mut now = [0u64; tcu_mmio::ep::EP_REGS];
            for (k, w) in now.iter_mut().enumerate() {
                let reg = Reg::Ep { ep, word: k as u8 };
                *w = self.window().read(base + reg.offset(layout));
            }
            now == words
        })
    }

    fn wait_for(
        &self,
        timeout: Duration,
        what: &str,
        mut done: impl FnMut() -> bool,
    ) -> Result<(), HostError> {
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_micros(10);
        while !done() {
            if Instant::now() >= deadline {
                return Err(HostError::Timeout {
                    what: what.to_owned(),
                    secs: timeout.as_secs_f64(),
                    detail: " (the board does not apply register writes: is it served?)".into(),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
        Ok(())
    }

    /// Loads the tile image `image` with `args` into `tile`'s memory
    /// through a memory endpoint of the host tile onto the tile's DRAM
    /// slice (bring-up: the host tile must still be privileged).
    pub fn load(&self, tile: TileId, image: &[u8], args: &[&str]) -> Result<(), HostError> {
        self.writable("loading an image")?;
        let (_, rt) = self.slot(tile)?;
        let not_core = |why: &str| HostError::NotACore {
            tile,
            why: why.to_owned(),
        };
        if !matches!(rt.kind, TileKind::Kernel | TileKind::Core) {
            return Err(not_core(&format!(
                "its kind is `{}`; programs run on kernel and core tiles",
                rt.kind.name()
            )));
        }
        if rt.dram.is_none() {
            return Err(not_core("it has no DRAM slice in the board file"));
        }
        let what = format!("the image for tile {tile}");
        tilekit_sim::image::check_bytes(&what, image)?;
        // Only what runs is loaded (headers and segments), as a loader does.
        let image = tilekit_sim::image::loadable(image).map_err(|why| {
            HostError::Image(tilekit_sim::image::ImageError::NotExecutable { path: what, why })
        })?;
        let plan = tilekit_sim::image::plan_load(rt.memory, image.len() as u64, args)
            .map_err(|source| HostError::Load { tile, source })?;
        self.write_memory(tile, plan.image_at, &image)?;
        self.write_memory(tile, plan.header_at, &plan.header)
    }

    fn write_config(&self, tile: TileId, reg: ConfigReg, value: u64) -> Result<(), HostError> {
        self.writable("starting and stopping cores")?;
        let (slot, _) = self.slot(tile)?;
        self.window().write(tile_region(slot) + reg.offset(), value);
        Ok(())
    }

    /// Switches `tile`'s compute unit on (CORE_RESET clear, CORE_ENABLE
    /// set): it runs the image in its memory. A core that is still on is
    /// switched off first.
    pub fn start(&self, tile: TileId) -> Result<(), HostError> {
        let (slot, _) = self.slot(tile)?;
        let enable = tile_region(slot) + ConfigReg::CoreEnable.offset();
        if self.window().read(enable) & 1 == 1 {
            self.stop(tile)?;
        }
        self.write_config(tile, ConfigReg::CoreReset, 0)?;
        self.write_config(tile, ConfigReg::CoreEnable, 1)?;
        let cu = tile_region(slot) + TileEventReg::CuState.offset();
        let what = format!("the start of tile {tile}");
        self.wait_for(Duration::from_secs(10), &what, || {
            self.window().read(cu) != CuState::Stopped as u64
        })
    }

    /// Switches `tile`'s compute unit off (its program is stopped).
    pub fn stop(&self, tile: TileId) -> Result<(), HostError> {
        let (slot, _) = self.slot(tile)?;
        self.write_config(tile, ConfigReg::CoreEnable, 0)?;
        let cu = tile_region(slot) + TileEventReg::CuState.offset();
        let what = format!("stopping tile {tile}");
        self.wait_for(Duration::from_secs(10), &what, || {
            self.window().read(cu) != CuState::Running as u64
        })
    }

    /// Boots the board with the kernel: resets it, loads `kernel` onto the
    /// kernel tile and every `(tile, image, args)` of `apps` onto its core,
    /// writes the boot information (every tile of the ROM; the apps as boot
    /// entries) into the kernel tile's memory (`kif::boot`), and starts the
    /// kernel's core. The kernel deprivileges the other tiles and starts
    /// the apps. Returns the kernel tile.
    pub fn boot(
        &self,
        kernel: &[u8],
        apps: &[(TileId, &[u8], Vec<&str>)],
    ) -> Result<TileId, HostError> {
        let entries: Vec<(TileId, &[u8], Vec<&str>, bool)> = apps
            .iter()
            .map(|(t, i, a)| (*t, *i, a.clone(), true))
            .collect();
        self.boot_entries(kernel, &entries)
    }

    /// Boots the board with the kernel and the root resource manager `root`
    /// (`tilekit-root`): the kernel starts root only; the `apps` are loaded
    /// and root starts them (it gets their tiles, `kif::boot`). Returns the
    /// kernel tile.
    pub fn boot_with_root(
        &self,
        kernel: &[u8],
        root: (TileId, &[u8], Vec<&str>),
        apps: &[(TileId, &[u8], Vec<&str>)],
    ) -> Result<TileId, HostError> {
        let mut entries = vec![(root.0, root.1, root.2, true)];
        entries.extend(apps.iter().map(|(t, i, a)| (*t, *i, a.clone(), false)));
        self.boot_entries(kernel, &entries)
    }

    /// Boots with `(tile, image, args, started by the kernel)` entries.
    fn boot_entries(
        &self,
        kernel: &[u8],
        apps: &[(TileId, &[u8], Vec<&str>, bool)],
    ) -> Result<TileId, HostError> {
        use kif::boot::{BOOT_INFO_ADDR, BootTile, ENTRY_START, TileKind as K};
        self.reset(Duration::from_secs(10))?;
        let ktile = self
            .rom
            .tiles
            .iter()
            .find(|t| t.kind == TileKind::Kernel)
            .ok_or_else(|| HostError::NotACore {
                tile: TileId::on_chip0(0),
                why: "the board has no kernel tile".into(),
            })?
            .id;
        // Programs must speak the kernel's interface: refused before
        // anything is loaded, naming both versions.
        let kinfo = tilekit_sim::image::check_bytes("the kernel image", kernel)?;
        // An accelerator tile's entry has no image: its controller runs
        // the firmware of its kind.
        let firmware = |tile: &TileId, image: &[u8]| {
            image.is_empty()
                && self
                    .rom
                    .tiles
                    .iter()
                    .any(|t| t.id == *tile && t.kind == TileKind::Accel)
        };
        for (tile, image, _, _) in apps {
            if firmware(tile, image) {
                continue;
            }
            let info =
                tilekit_sim::image::check_bytes(&format!("the program for tile {tile}"), image)?;
            if info.kif != kinfo.kif {
                return Err(HostError::KifVersion {
                    tile: *tile,
                    image: info.kif,
                    kernel: kinfo.kif,
                });
            }
        }
        self.load(ktile, kernel, &[])?;
        for (tile, image, args, _) in apps {
            if !firmware(tile, image) {
                self.load(*tile, image, args)?;
            }
        }
        let tiles: Vec<BootTile> = self
            .rom
            .tiles
            .iter()
            .map(|t| BootTile {
                id: t.id,
                kind: match t.kind {
                    TileKind::Kernel => K::Kernel,
                    TileKind::Core => K::Core,
                    TileKind::Accel => K::Accel,
                    TileKind::Memory => K::Memory,
                    TileKind::Host => K::Host,
                },
                eps: t.eps,
                mem: t.memory,
                dram: t.dram,
            })
            .collect();
        let entries: Vec<(TileId, u64)> = apps
            .iter()
            .map(|a| (a.0, if a.3 { ENTRY_START } else { 0 }))
            .collect();
        let mut words = vec![0u64; kif::boot::size_words(tiles.len(), entries.len())];
        let n = kif::boot::encode(&tiles, &entries, &mut words).unwrap_or(0);
        let bytes: Vec<u8> = words[..n].iter().flat_map(|w| w.to_le_bytes()).collect();
        self.write_memory(ktile, BOOT_INFO_ADDR, &bytes)?;
        self.start(ktile)?;
        Ok(ktile)
    }

    /// Why the kernel is not running after a boot, if it has ended: its
    /// tile, how it ended and what it printed last (`None` while it runs,
    /// or on a board without a kernel tile).
    pub fn kernel_failure(&self) -> Option<String> {
        let k = self
            .rom
            .tiles
            .iter()
            .find(|t| t.kind == TileKind::Kernel)?
            .id;
        let v = self.tile_view(k).ok()?;
        match v.cu {
            Ok(CuState::Exited) | Ok(CuState::Crashed) => Some(format!(
                "the kernel on {k} {} during boot; it printed:\n{}",
                v.cu_description(),
                v.printed.trim_end()
            )),
            _ => None,
        }
    }

    /// Writes `data` into `tile`'s local memory at `addr` through a memory
    /// endpoint of the host tile (bring-up: the host tile must still be
    /// privileged).
    pub fn write_memory(&self, tile: TileId, addr: u64, data: &[u8]) -> Result<(), HostError> {
        self.writable("writing memory")?;
        let (_, rt) = self.slot(tile)?;
        let (mem_tile, offset) = rt.dram.ok_or_else(|| HostError::NotACore {
            tile,
            why: "it has no DRAM slice in the board file".into(),
        })?;
        let host = self.host_tile()?;
        let ep = loader_ep(host.tcu().layout().eps());
        let cfg = EpConfig::Memory(MemEp {
            act: ActId::INVALID,
            perm: Perm::RW,
            target_tile: mem_tile,
            addr: offset,
            size: rt.memory,
        });
        self.configure_ep(host.id(), ep, &cfg)?;
        let written = host.write_mem(ep, addr, data);
        self.configure_ep(host.id(), ep, &EpConfig::Invalid)?;
        written
    }

    /// Loads `image` into `tile` and starts it.
    pub fn run(&self, tile: TileId, image: &[u8], args: &[&str]) -> Result<(), HostError> {
        self.load(tile, image, args)?;
        self.start(tile)
    }

    /// Waits until `tile`'s compute unit has been started (by the host or
    /// by the kernel): CU_STATE leaves `stopped`.
    pub fn wait_started(&self, tile: TileId, timeout: Duration) -> Result<(), HostError> {
        let (slot, _) = self.slot(tile)?;
        let cu = tile_region(slot) + TileEventReg::CuState.offset();
        let what = format!("the start of tile {tile}");
        self.wait_for(timeout, &what, || {
            self.window().read(cu) != CuState::Stopped as u64
        })
    }

    /// Waits until `tile`'s compute unit has run and halted (a core that
    /// is still stopped is first waited for to start); after `timeout` it is
    /// stopped and the error names the tile and what it printed last.
    pub fn wait(&self, tile: TileId, timeout: Duration) -> Result<TileView, HostError> {
        let (slot, _) = self.slot(tile)?;
        let cu = tile_region(slot) + TileEventReg::CuState.offset();
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_micros(20);
        // A core someone else starts (the kernel, root) may not run yet:
        // wait for it to start first.
        while self.window().read(cu) == CuState::Stopped as u64 && Instant::now() < deadline {
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
        while self.window().read(cu) == CuState::Running as u64 {
            if Instant::now() >= deadline {
                let printed = self.output(tile).unwrap_or_default();
                if !self.read_only {
                    let _ = self.stop(tile);
                }
                let tail: String = printed
                    .chars()
                    .rev()
                    .take(300)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                return Err(HostError::Timeout {
                    what: format!("tile {tile}"),
                    secs: timeout.as_secs_f64(),
                    detail: format!("; it was stopped. Last output: {tail:?}"),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
        self.tile_view(tile)
    }
}

fn pcie_unavailable(text: &str) -> HostError {
    let uri = match board_pcie::PcieUri::parse(text) {
        Ok(u) => u,
        Err(e) => return HostError::Pcie(format!("{text}: {e}")),
    };
    match board_pcie::discover(std::path::Path::new("/sys"), &uri) {
        Ok(d) => HostError::Pcie(format!(
            "{text}: found {:04x}:{:04x}, but mapping its BAR (VFIO or sysfs) is not built yet; use a simulated board (sim:NAME or a board file) meanwhile",
            d.vendor, d.device
        )),
        Err(e) => HostError::Pcie(format!("{text}: {e}")),
    }
}

/// Reads and decodes the ROM, telling a dead link from an empty window.
fn read_rom(w: &dyn Window, uri: &str) -> Result<Rom, HostError> {
    let mut bytes = vec![0u8; ROM_SIZE as usize];
    w.read_bytes(0, &mut bytes);
    board_window::decode(&bytes).map_err(|source| HostError::Rom {
        uri: uri.to_owned(),
        source,
    })
}

fn check_matches(uri: &str, file: &str, desc: &BoardDesc, rom: &Rom) -> Result<(), HostError> {
    let diffs = board_window::compare(desc, rom);
    if diffs.is_empty() {
        return Ok(());
    }
    Err(HostError::Mismatch {
        uri: uri.to_owned(),
        file: file.to_owned(),
        diffs,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A window whose every byte reads `fill`.
    struct Filled(u8);

    impl Window for Filled {
        fn read(&self, _: u64) -> u64 {
            u64::from_le_bytes([self.0; 8])
        }
        fn write(&self, _: u64, _: u64) {}
        fn read_bytes(&self, _: u64, buf: &mut [u8]) {
            buf.fill(self.0);
        }
        fn write_bytes(&self, _: u64, _: &[u8]) {}
    }

    #[test]
    fn a_dead_link_and_an_empty_window_are_told_apart() {
        let down = read_rom(&Filled(0xFF), "pcie:0000:01:00.0")
            .unwrap_err()
            .to_string();
        assert!(down.contains("link"), "{down}");
        let empty = read_rom(&Filled(0), "sim:x").unwrap_err().to_string();
        assert!(empty.contains("no board is served"), "{empty}");
    }
}
