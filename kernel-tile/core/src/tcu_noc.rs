//! The kernel's [`Noc`] on a real TCU: remote endpoints are written
//! through the kernel tile's scratch memory endpoint onto the remote tile's
//! register region, as M3's kernel does — the only way the kernel reaches
//! another tile's TCU. Used by the kernel tile's platform layer and by the
//! tests on the in-process TCU model alike.

use tcu_mmio::cmd::ExtCmd;
use tcu_mmio::ep::{EpConfig, MemEp, Perm};
use tcu_mmio::regs::{Layout, MMIO_BASE, PrivReg};
use tcu_mmio::tcu::{ConfigAuthority, LocalAddr, Tcu};
use tcu_mmio::{ActId, Code, EpId, Reg, RegisterAccess, TileId};

use crate::kernel::Noc;

/// The kernel tile's local memory, where the scratch buffer lies.
pub trait LocalMemory {
    /// Copies `data` to local address `addr`; false outside the memory.
    fn write(&mut self, addr: u64, data: &[u8]) -> bool;
}

/// Remote endpoint configuration through the scratch endpoint.
pub struct TcuNoc<A: RegisterAccess, M: LocalMemory> {
    tcu: Tcu<A>,
    auth: ConfigAuthority,
    mem: M,
    /// Local address of a 24-byte scratch buffer.
    scratch: u64,
}

impl<A: RegisterAccess, M: LocalMemory> TcuNoc<A, M> {
    /// The NoC of the kernel tile whose TCU is `tcu` (with the authority to
    /// configure its own endpoints) and whose memory is `mem`, using the
    /// 24 bytes at local address `scratch`.
    pub fn new(tcu: Tcu<A>, auth: ConfigAuthority, mem: M, scratch: u64) -> Self {
        Self {
            tcu,
            auth,
            mem,
            scratch,
        }
    }

    /// The kernel tile's TCU.
    pub fn tcu(&self) -> &Tcu<A> {
        &self.tcu
    }

    /// Clears FEATURES.kernel of `tile`: its software can no longer
    /// configure its own endpoints (boot deprivileges every other tile).
    pub fn deprivilege(&mut self, tile: TileId) -> Result<(), Code> {
        self.write_remote(tile, Reg::FEATURES.offset(Layout::HW), &[0])
    }

    /// Starts `tile`'s compute unit through its configuration registers
    /// (CORE_RESET cleared, CORE_ENABLE set): it runs what its memory holds.
    pub fn start_core(&mut self, tile: TileId) -> Result<(), Code> {
        use tcu_mmio::regs::ConfigReg;
        self.write_remote(tile, ConfigReg::CoreReset.offset(), &[0])?;
        self.write_remote(tile, ConfigReg::CoreEnable.offset(), &[1])
    }

    /// Writes `words` to the remote register region of `tile` at `offset`.
    fn write_remote(&mut self, tile: TileId, offset: u64, words: &[u64]) -> Result<(), Code> {
        let size = (words.len() * 8) as u64;
        let window = EpConfig::Memory(MemEp {
            act: ActId::INVALID,
            perm: Perm::W,
            target_tile: tile,
            addr: MMIO_BASE + offset,
            size,
        });
        self.tcu
            .configure_ep(&self.auth, kif::eps::KERNEL_SCRATCH, &window)
            .map_err(|_| Code::Abort)?;
        let mut bytes = [0u8; 24];
        for (w, chunk) in words.iter().zip(bytes.chunks_exact_mut(8)) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        if !self.mem.write(self.scratch, &bytes[..size as usize]) {
            return Err(Code::NoPmpEp);
        }
        let r = self
            .tcu
            .write(kif::eps::KERNEL_SCRATCH, LocalAddr(self.scratch), size, 0);
        // The scratch window closes again: it reaches registers.
        let _ = self
            .tcu
            .configure_ep(&self.auth, kif::eps::KERNEL_SCRATCH, &EpConfig::Invalid);
        r
    }
}

impl<A: RegisterAccess, M: LocalMemory> Noc for TcuNoc<A, M> {
    fn config_ep(&mut self, tile: TileId, ep: EpId, cfg: &EpConfig) -> Result<(), Code> {
        let words = cfg.to_regs().map_err(|_| Code::Abort)?;
        let offset = Reg::Ep { ep, word: 0 }.offset(Layout::HW);
        self.write_remote(tile, offset, &words)
    }

    fn set_running(&mut self, tile: TileId, act: ActId) -> Result<(), Code> {
        let offset = Reg::Priv(PrivReg::CurAct).offset(Layout::HW);
        self.write_remote(tile, offset, &[u64::from(act.raw())])
    }

    fn core_control(&mut self, tile: TileId, run: bool) -> Result<(), Code> {
        if run {
            self.start_core(tile)
        } else {
            use tcu_mmio::regs::ConfigReg;
            self.write_remote(tile, ConfigReg::CoreEnable.offset(), &[0])
        }
    }

    fn invalidate_ep(&mut self, tile: TileId, ep: EpId) -> Result<(), Code> {
        let cmd = ExtCmd::InvEp { ep, force: true }
            .encode()
            .map_err(|_| Code::Abort)?;
        self.write_remote(tile, Reg::EXT_CMD.offset(Layout::HW), &[cmd])
    }
}
