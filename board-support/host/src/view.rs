//! The debug view: a tile's TCU state as its window region shows it.

use board_window::layout::{CuState, PRINT_RING_OFFSET, PRINT_RING_SIZE, TileEventReg};
use tcu_mmio::ep::{EP_REGS, EpConfig};
use tcu_mmio::regs::{Features, Layout};
use tcu_mmio::{EpId, Reg, TileId};

use crate::Window;

/// One endpoint that is not invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpView {
    /// The endpoint.
    pub ep: EpId,
    /// Its configuration, or why its words do not decode.
    pub config: Result<EpConfig, String>,
}

/// A tile's state as read from the window (read-only; a snapshot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TileView {
    /// The tile.
    pub tile: TileId,
    /// FEATURES.kernel: the tile may configure its own endpoints.
    pub privileged: bool,
    /// The compute unit's state (`Err`: an unknown value).
    pub cu: Result<CuState, u64>,
    /// The exit code once exited; signal + 128 once crashed.
    pub exit_code: u64,
    /// Writes the TCU ignored (privilege and protocol violations).
    pub violations: u64,
    /// Every endpoint that is not invalid.
    pub eps: Vec<EpView>,
    /// The end of what the tile printed (up to the PRINT ring's 1.5 KiB).
    pub printed: String,
}

impl TileView {
    /// Reads the view of the tile with `eps` endpoints in the region at `base`.
    pub(crate) fn read(w: &dyn Window, tile: TileId, base: u64, eps: u16) -> TileView {
        let layout = Layout::new(eps).unwrap_or(Layout::HW);
        let features = Features::from_raw(w.read(base + Reg::FEATURES.offset(layout)));
        let mut list = Vec::new();
        for e in 0..eps {
            let mut words = [0u64; EP_REGS];
            for (k, word) in words.iter_mut().enumerate() {
                let reg = Reg::Ep {
                    ep: EpId(e),
                    word: k as u8,
                };
                *word = w.read(base + reg.offset(layout));
            }
            match EpConfig::from_regs(words) {
                Ok(EpConfig::Invalid) => {}
                Ok(cfg) => list.push(EpView {
                    ep: EpId(e),
                    config: Ok(cfg),
                }),
                Err(err) => list.push(EpView {
                    ep: EpId(e),
                    config: Err(format!("undecodable: {err}")),
                }),
            }
        }
        TileView {
            tile,
            privileged: features.kernel,
            cu: CuState::try_from(w.read(base + TileEventReg::CuState.offset())),
            exit_code: w.read(base + TileEventReg::ExitCode.offset()),
            violations: w.read(base + TileEventReg::Violations.offset()),
            eps: list,
            printed: print_ring(w, base),
        }
    }

    /// Messages received and not yet fetched, over all receive endpoints.
    pub fn unread_messages(&self) -> u32 {
        self.eps
            .iter()
            .filter_map(|e| match &e.config {
                Ok(EpConfig::Receive(r)) => Some(r.unread.count_ones()),
                _ => None,
            })
            .sum()
    }

    /// The compute unit's state in words (`exited with 3`, `crashed (signal 11)`).
    pub fn cu_description(&self) -> String {
        match self.cu {
            Ok(CuState::Stopped) => "stopped".to_owned(),
            Ok(CuState::Running) => "running".to_owned(),
            Ok(CuState::Exited) => format!("exited with {}", self.exit_code),
            Ok(CuState::Crashed) => {
                format!("crashed (signal {})", self.exit_code.saturating_sub(128))
            }
            Err(v) => format!("unknown state {v}"),
        }
    }
}

/// The last bytes of the PRINT ring of the region at `base`.
pub(crate) fn print_ring(w: &dyn Window, base: u64) -> String {
    let head = w.read(base + TileEventReg::PrintHead.offset());
    let n = head.min(PRINT_RING_SIZE);
    let start = (head - n) % PRINT_RING_SIZE;
    let mut ring = vec![0u8; PRINT_RING_SIZE as usize];
    w.read_bytes(base + PRINT_RING_OFFSET, &mut ring);
    let mut out = Vec::with_capacity(n as usize);
    for k in 0..n {
        out.push(ring[((start + k) % PRINT_RING_SIZE) as usize]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// PRINT ring bytes written since `from` (a PRINT_HEAD value read before)
/// in the region at `base`: (bytes, the new head, bytes lost because the
/// ring wrapped before they were read).
pub(crate) fn print_since(w: &dyn Window, base: u64, from: u64) -> (Vec<u8>, u64, u64) {
    let head = w.read(base + TileEventReg::PrintHead.offset());
    if head <= from {
        return (Vec::new(), head, 0);
    }
    let n = (head - from).min(PRINT_RING_SIZE);
    let lost = head - from - n;
    let mut ring = vec![0u8; PRINT_RING_SIZE as usize];
    w.read_bytes(base + PRINT_RING_OFFSET, &mut ring);
    let start = head - n;
    let out = (start..head)
        .map(|i| ring[(i % PRINT_RING_SIZE) as usize])
        .collect();
    (out, head, lost)
}
