//! The link to a board: whatever serves its window.

use tilekit_sim::Sim;
use tilekit_sim::window::WindowFile;

/// A board's window as a host reaches it: single 64-bit loads and stores,
/// plus byte copies for the ROM, the PRINT rings and the bounce buffer.
/// The PCIe backend implements it over a mapped BAR.
pub trait Window: Send + Sync {
    /// One 64-bit load at `offset`.
    fn read(&self, offset: u64) -> u64;
    /// One 64-bit store at `offset`.
    fn write(&self, offset: u64, value: u64);
    /// Copies bytes out of the window.
    fn read_bytes(&self, offset: u64, buf: &mut [u8]);
    /// Copies bytes into the window.
    fn write_bytes(&self, offset: u64, data: &[u8]);
}

impl Window for WindowFile {
    fn read(&self, offset: u64) -> u64 {
        WindowFile::read(self, offset)
    }
    fn write(&self, offset: u64, value: u64) {
        WindowFile::write(self, offset, value);
    }
    fn read_bytes(&self, offset: u64, buf: &mut [u8]) {
        WindowFile::read_bytes(self, offset, buf);
    }
    fn write_bytes(&self, offset: u64, data: &[u8]) {
        WindowFile::write_bytes(self, offset, data);
    }
}

/// What serves the window of an open board.
pub(crate) enum Link {
    /// A board served by another process (`sim:NAME`).
    Served(WindowFile),
    /// A board simulated in this process (a board file, the demo board).
    Local(Box<Sim>),
}

impl Link {
    pub(crate) fn window(&self) -> &dyn Window {
        match self {
            Link::Served(w) => w,
            Link::Local(sim) => sim.window(),
        }
    }
}
