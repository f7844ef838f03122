//! One tile's authoritative TCU state.

use tcu_mmio::ep::{EP_REGS, EpConfig};
use tcu_mmio::regs::{Features, Layout, PRINT_REGS};
use tcu_mmio::{ActId, EpId, TileId};

use crate::memory::Region;

/// Everything the TCU of one tile holds. Only the model changes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TileState {
    /// The tile.
    pub id: TileId,
    /// Its register layout (endpoint count).
    pub layout: Layout,
    /// FEATURES.
    pub features: u64,
    /// TILE_DESC (set at construction, read-only).
    pub tile_desc: u64,
    /// EXT_CMD as last written/answered.
    pub ext_cmd: u64,
    /// COMMAND (op, ep, error, arg0).
    pub command: u64,
    /// DATA_ADDR.
    pub data_addr: u64,
    /// DATA_SIZE.
    pub data_size: u64,
    /// ARG1.
    pub arg1: u64,
    /// PRINT (length being printed; 0 when idle).
    pub print: u64,
    /// The print buffer.
    pub print_buf: [u64; PRINT_REGS as usize],
    /// Privileged registers CU_REQ … CLEAR_IRQ.
    pub privileged: [u64; 6],
    /// Configuration registers: core enable, core reset.
    pub config: [u64; 2],
    /// Endpoint registers, 3 words each.
    pub eps: Vec<[u64; EP_REGS]>,
    /// The tile's local memory (a core's DRAM slice, an accelerator's
    /// buffers, a memory tile's DRAM).
    pub local: Option<Region>,
    /// Writes the TCU ignored, per rule id.
    pub violations: u64,
    /// Payload bytes that crossed this tile's TCU: `[in, out]` — message
    /// payloads delivered to it and sent or replied by it, bytes READ into
    /// its memory or read out of it by another tile, bytes WRITTEN out of
    /// it or into it by another tile. (Where data went, counted: data
    /// between two accelerators never crosses the app's tile.)
    pub payload: [u64; 2],
}

impl TileState {
    /// A tile after reset: privileged (FEATURES.kernel = 1, as every tile
    /// starts), all endpoints invalid, CUR_ACT = 0xFFFF.
    pub fn new(id: TileId, layout: Layout, tile_desc: u64, local: Option<Region>) -> Self {
        let features = Features {
            kernel: true,
            vm: false,
            ctxsw: false,
            version: tcu_mmio::SPEC_VERSION,
        }
        .to_raw();
        let mut privileged = [0; 6];
        privileged[tcu_mmio::regs::PrivReg::CurAct as usize] = u64::from(ActId::INVALID.raw());
        Self {
            id,
            layout,
            features,
            tile_desc,
            ext_cmd: 0,
            command: 0,
            data_addr: 0,
            data_size: 0,
            arg1: 0,
            print: 0,
            print_buf: [0; PRINT_REGS as usize],
            privileged,
            config: [0; 2],
            eps: vec![[0; EP_REGS]; usize::from(layout.eps())],
            local,
            violations: 0,
            payload: [0; 2],
        }
    }

    /// Whether the tile is privileged (FEATURES.kernel).
    pub fn is_privileged(&self) -> bool {
        Features::from_raw(self.features).kernel
    }

    /// The current activity (CUR_ACT.id).
    pub fn cur_act(&self) -> ActId {
        let raw = self.privileged[tcu_mmio::regs::PrivReg::CurAct as usize];
        ActId(tcu_mmio::regs::CUR_ACT_ID.get(raw) as u16)
    }

    /// The raw words of `ep`, if it exists.
    pub fn ep_words(&self, ep: EpId) -> Option<[u64; EP_REGS]> {
        self.eps.get(usize::from(ep.raw())).copied()
    }

    /// The decoded configuration of `ep`; a missing EP or words that do not
    /// decode count as invalid (the TCU treats them as unusable).
    pub fn ep(&self, ep: EpId) -> EpConfig {
        self.ep_words(ep)
            .and_then(|w| EpConfig::from_regs(w).ok())
            .unwrap_or(EpConfig::Invalid)
    }

    /// Stores `cfg` in `ep` (the model only writes encodable configurations).
    pub fn set_ep(&mut self, ep: EpId, cfg: &EpConfig) {
        if let (Some(slot), Ok(words)) = (self.eps.get_mut(usize::from(ep.raw())), cfg.to_regs()) {
            *slot = words;
        }
    }
}
