//! The window of a simulated board: a file in /dev/shm laid out as
//! `docs/window.md` specifies, which other host processes (`tilekit board
//! validate`, `dump`, later the host library) map to see the board.
//!
//! The simulator writes the ROM once, keeps the control page's STATUS,
//! SERVER_PID and HEARTBEAT current, and publishes every tile's registers,
//! CU_STATE, EXIT_CODE, VIOLATIONS and PRINT ring into its tile region.

use std::path::PathBuf;
use std::sync::Arc;

use board_window::layout::{
    CONTROL_OFFSET, ControlReg, CuState, PRINT_RING_OFFSET, PRINT_RING_SIZE, STATUS_UP,
    TileEventReg, WINDOW_SIZE, tile_region,
};

use crate::shm::SharedMem;

/// Where the window of simulated board `name` lives.
pub fn window_path(name: &str) -> PathBuf {
    PathBuf::from(format!("/dev/shm/tilekit-{name}.window"))
}

/// A mapped window file.
pub struct WindowFile {
    shm: Arc<SharedMem>,
    /// The file in /dev/shm (`None`: an in-process board's private window).
    path: Option<PathBuf>,
    owner: bool,
    /// Held while this process is the board's one writer.
    lock: Option<std::fs::File>,
}

/// Another process owns the board.
#[derive(Debug, thiserror::Error)]
#[error("busy: board `{name}` is owned by PID {pid} ({command}); wait for it, or stop it")]
pub struct Busy {
    /// The board.
    pub name: String,
    /// The owner's PID.
    pub pid: u64,
    /// The owner's command line.
    pub command: String,
}

/// Whether process `pid` exists.
fn alive(pid: u64) -> bool {
    pid != 0 && std::path::Path::new(&format!("/proc/{pid}")).exists()
}

impl WindowFile {
    /// Creates the window of board `name` with `rom`; fails if a window of
    /// that name exists (a board is served once).
    pub fn create(name: &str, rom: &[u8]) -> std::io::Result<Self> {
        let path = window_path(name);
        // Reclaim a stale board: its window exists but its server is gone.
        if let Ok(old) = WindowFile::open(name) {
            let server = old.read(ControlReg::ServerPid.window_offset());
            if !alive(server) {
                tracing::info!(
                    "reclaiming stale simulated board `{name}` (server {server} is gone)"
                );
                let _ = std::fs::remove_file(&path);
            }
        }
        // Build the window under a private name, then link it into place
        // atomically: nobody ever sees a window without its ROM, and a
        // served board of the same name makes the link fail.
        let tmp = path.with_extension(format!("window.new-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let shm = SharedMem::file(&tmp, WINDOW_SIZE as usize, true)?;
        shm.write(0, rom);
        shm.store(
            ControlReg::ServerPid.window_offset(),
            u64::from(std::process::id()),
        );
        shm.store(ControlReg::Status.window_offset(), STATUS_UP.mask());
        let linked = std::fs::hard_link(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
        linked.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                std::io::Error::new(e.kind(), format!("a board named `{name}` is already served ({}); stop it or pick another --name", path.display()))
            } else {
                e
            }
        })?;
        Ok(Self {
            shm: Arc::new(shm),
            path: Some(path),
            owner: true,
            lock: None,
        })
    }

    /// The private window of an in-process board: the same layout in a
    /// memfd that no other process maps (the host tile's registers and
    /// bounce buffer live here, as in a served window).
    pub(crate) fn private(rom: &[u8]) -> std::io::Result<Self> {
        let shm = SharedMem::new("tilekit-window", WINDOW_SIZE as usize)?;
        shm.write(0, rom);
        shm.store(
            ControlReg::ServerPid.window_offset(),
            u64::from(std::process::id()),
        );
        shm.store(ControlReg::Status.window_offset(), STATUS_UP.mask());
        Ok(Self {
            shm: Arc::new(shm),
            path: None,
            owner: true,
            lock: None,
        })
    }

    /// The mapping (the simulator keeps the host tile's mirror in it).
    pub(crate) fn shm(&self) -> &Arc<SharedMem> {
        &self.shm
    }

    /// Maps the window of a served board `name`.
    pub fn open(name: &str) -> std::io::Result<Self> {
        let path = window_path(name);
        let shm = SharedMem::file(&path, WINDOW_SIZE as usize, false).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                std::io::Error::new(e.kind(), format!("no simulated board `{name}` is served (no {}); start one with `tilekit sim --board FILE --name {name}`", path.display()))
            } else {
                e
            }
        })?;
        Ok(Self {
            shm: Arc::new(shm),
            path: Some(path),
            owner: false,
            lock: None,
        })
    }

    /// Maps the window of board `name` as its one writer: takes the board's
    /// lock and records this process as owner (PID, time, command line).
    /// Another live writer makes this fail with [`Busy`]; an owner that died
    /// left the lock free and is simply replaced.
    pub fn open_writer(name: &str, command: &str) -> Result<Self, WriterError> {
        let mut w = WindowFile::open(name)?;
        let f = std::fs::File::open(window_path(name))?;
        if f.try_lock().is_err() {
            let pid = w.read(ControlReg::OwnerPid.window_offset());
            let mut cmd = [0u8; 64];
            for k in 0..8u8 {
                let word = w
                    .read(ControlReg::OwnerCmd(k).window_offset())
                    .to_le_bytes();
                cmd[usize::from(k) * 8..usize::from(k) * 8 + 8].copy_from_slice(&word);
            }
            let end = cmd.iter().position(|b| *b == 0).unwrap_or(64);
            let command = String::from_utf8_lossy(&cmd[..end]).into_owned();
            return Err(WriterError::Busy(Busy {
                name: name.to_owned(),
                pid,
                command,
            }));
        }
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        w.write(
            ControlReg::OwnerPid.window_offset(),
            u64::from(std::process::id()),
        );
        w.write(ControlReg::OwnerSince.window_offset(), since);
        let mut cmd = [0u8; 64];
        let n = command.len().min(63);
        cmd[..n].copy_from_slice(&command.as_bytes()[..n]);
        for k in 0..8u8 {
            let mut word = [0u8; 8];
            word.copy_from_slice(&cmd[usize::from(k) * 8..usize::from(k) * 8 + 8]);
            w.write(
                ControlReg::OwnerCmd(k).window_offset(),
                u64::from_le_bytes(word),
            );
        }
        w.lock = Some(f);
        Ok(w)
    }

    /// The file's path (`None` for an in-process board's private window).
    pub fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }

    /// A single 64-bit load at `offset`.
    pub fn read(&self, offset: u64) -> u64 {
        self.shm.load(offset)
    }

    /// A single 64-bit store at `offset`.
    pub fn write(&self, offset: u64, value: u64) {
        self.shm.store(offset, value);
    }

    /// Copies `buf.len()` bytes at `offset` (the ROM, the print ring).
    pub fn read_bytes(&self, offset: u64, buf: &mut [u8]) {
        self.shm.read(offset, buf);
    }

    /// Copies `data` to `offset` (the bounce buffer).
    pub fn write_bytes(&self, offset: u64, data: &[u8]) {
        self.shm.write(offset, data);
    }

    /// Stores `new` at `offset` only if it still holds `old` (a host may
    /// have written the word since the simulator last published it).
    pub(crate) fn publish_if_unchanged(&self, offset: u64, old: u64, new: u64) -> bool {
        self.shm.compare_exchange(offset, old, new)
    }

    pub(crate) fn publish_reg(&self, slot: u64, offset: u64, value: u64) {
        self.shm.store(tile_region(slot) + offset, value);
    }

    pub(crate) fn set_cu(&self, slot: u64, state: CuState, code: u64) {
        self.shm
            .store(tile_region(slot) + TileEventReg::ExitCode.offset(), code);
        self.shm.store(
            tile_region(slot) + TileEventReg::CuState.offset(),
            state as u64,
        );
    }

    pub(crate) fn append_print(&self, slot: u64, text: &[u8]) {
        let head_off = tile_region(slot) + TileEventReg::PrintHead.offset();
        let mut head = self.shm.load(head_off);
        for b in text {
            let at = tile_region(slot) + PRINT_RING_OFFSET + head % PRINT_RING_SIZE;
            self.shm.write(at, &[*b]);
            head += 1;
        }
        self.shm.store(head_off, head);
    }

    /// Clears a tile region's shared events (after a board reset).
    pub(crate) fn clear_events(&self, slot: u64) {
        for r in [
            TileEventReg::CuState,
            TileEventReg::ExitCode,
            TileEventReg::PrintHead,
            TileEventReg::Violations,
        ] {
            self.shm.store(tile_region(slot) + r.offset(), 0);
        }
    }

    pub(crate) fn heartbeat(&self) {
        let off = ControlReg::Heartbeat.window_offset();
        self.shm.store(off, self.shm.load(off).wrapping_add(1));
    }

    /// Offset of the control page (for tools).
    pub const CONTROL: u64 = CONTROL_OFFSET;
}

/// Why a board could not be opened for writing.
#[derive(Debug, thiserror::Error)]
pub enum WriterError {
    /// Another process owns it.
    #[error(transparent)]
    Busy(#[from] Busy),
    /// It is not served, or the file cannot be opened.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Drop for WindowFile {
    fn drop(&mut self) {
        if self.lock.is_some() {
            self.shm.store(ControlReg::OwnerPid.window_offset(), 0);
        }
        if self.owner {
            self.shm.store(ControlReg::Status.window_offset(), 0);
            if let Some(path) = &self.path {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}
