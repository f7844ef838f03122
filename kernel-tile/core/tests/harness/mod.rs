//! The kernel on the in-process TCU model: a kernel tile K, user tiles A
//! and B, a memory tile M. The kernel reaches A's and B's endpoints only
//! through K's scratch memory endpoint ([`kernel_core::tcu_noc::TcuNoc`]
//! on K's TCU in the model).
#![allow(dead_code, clippy::unwrap_used)]

use std::cell::RefCell;
use std::rc::Rc;

use kernel_core::tcu_noc::{LocalMemory, TcuNoc};
use kernel_core::{Kernel, Noc, Reply};
use kif::CapSel;
use kif::syscall::MAX_WORDS;
use tcu_mmio::ep::{EpConfig, Perm};
use tcu_mmio::regs::Layout;
use tcu_mmio::tcu::Tcu;
use tcu_mmio::{ActId, EpId, Reg, RegisterAccess, TileId};
use tcu_model::{Access, Model, Region, VecBacking};

pub const K: TileId = TileId::on_chip0(0);
pub const A: TileId = TileId::on_chip0(1);
pub const B: TileId = TileId::on_chip0(2);
pub const M: TileId = TileId::on_chip0(3);
pub const EPS: u16 = 64;
pub const LOCAL: u64 = 64 << 10;
pub const MEM: u64 = 1 << 20;
/// Where the kernel's scratch buffer lies in K's memory.
pub const SCRATCH: u64 = 0x100;
/// The memory gate root... every activity of the harness gets at MEM_SEL.
pub const MEM_SEL: CapSel = CapSel(10);

pub type Shared = Rc<RefCell<Model>>;

/// A tile's registers in the shared model, accessed as its own CU.
pub struct ModelRegs {
    pub m: Shared,
    pub tile: TileId,
}

impl RegisterAccess for ModelRegs {
    fn read(&self, offset: u64) -> u64 {
        self.m.borrow().read_reg(self.tile, offset)
    }
    fn write(&self, offset: u64, value: u64) {
        self.m
            .borrow_mut()
            .write_reg(self.tile, offset, value, Access::Local);
    }
}

pub struct ModelMem {
    pub m: Shared,
    pub tile: TileId,
}

impl LocalMemory for ModelMem {
    fn write(&mut self, addr: u64, data: &[u8]) -> bool {
        self.m.borrow_mut().write_local(self.tile, addr, data)
    }
}

pub struct Harness {
    pub m: Shared,
    pub k: Kernel,
    pub noc: TcuNoc<ModelRegs, ModelMem>,
    pub a: ActId,
    pub b: ActId,
}

/// A NoC that refuses everything (a board fault).
pub struct BrokenNoc;

impl Noc for BrokenNoc {
    fn config_ep(&mut self, _: TileId, _: EpId, _: &EpConfig) -> Result<(), tcu_mmio::Code> {
        Err(tcu_mmio::Code::TimeoutNoc)
    }
    fn invalidate_ep(&mut self, _: TileId, _: EpId) -> Result<(), tcu_mmio::Code> {
        Err(tcu_mmio::Code::TimeoutNoc)
    }
    fn set_running(&mut self, _: TileId, _: ActId) -> Result<(), tcu_mmio::Code> {
        Err(tcu_mmio::Code::TimeoutNoc)
    }
    fn core_control(&mut self, _: TileId, _: bool) -> Result<(), tcu_mmio::Code> {
        Err(tcu_mmio::Code::TimeoutNoc)
    }
}

impl Harness {
    /// The board after boot: A and B deprivileged, activities a (on A) and
    /// b (on B) with `kmem` bytes each and a memory gate onto M's first
    /// 64 KiB (RW) at MEM_SEL.
    pub fn new(kmem: u64) -> Self {
        let mut model = Model::new();
        for t in [K, A, B] {
            let b = model.add_backing(Box::new(VecBacking::zeroed(LOCAL as usize)));
            model
                .add_tile(
                    t,
                    Layout::new(EPS).unwrap(),
                    0,
                    Some(Region {
                        backing: b,
                        offset: 0,
                        size: LOCAL,
                    }),
                )
                .unwrap();
        }
        let b = model.add_backing(Box::new(VecBacking::zeroed(MEM as usize)));
        model
            .add_tile(
                M,
                Layout::new(0).unwrap(),
                0,
                Some(Region {
                    backing: b,
                    offset: 0,
                    size: MEM,
                }),
            )
            .unwrap();
        // Boot deprivileges every tile but the kernel's.
        for t in [A, B] {
            model.write_reg(t, Reg::FEATURES.offset(Layout::HW), 0, Access::Remote);
        }
        let m = Rc::new(RefCell::new(model));
        let tcu = Tcu::new(
            ModelRegs {
                m: m.clone(),
                tile: K,
            },
            Layout::new(EPS).unwrap(),
        );
        let auth = tcu
            .claim_authority()
            .expect("the kernel tile is privileged");
        let mut noc = TcuNoc::new(
            tcu,
            auth,
            ModelMem {
                m: m.clone(),
                tile: K,
            },
            SCRATCH,
        );
        let mut k = Kernel::new(K);
        k.add_tile(A, EPS, LOCAL);
        k.add_tile(B, EPS, LOCAL);
        let a = k.create_activity(&mut noc, A, "a", kmem).unwrap();
        let b = k.create_activity(&mut noc, B, "b", kmem).unwrap();
        for act in [a, b] {
            k.grant_mgate(
                act,
                MEM_SEL,
                kernel_core::objects::MGate {
                    tile: M,
                    addr: 0,
                    size: 64 << 10,
                    perm: Perm::RW,
                },
            )
            .unwrap();
        }
        Harness { m, k, noc, a, b }
    }

    /// Syscall `words` as activity `act`, with message token `token`.
    pub fn sys_token(&mut self, act: ActId, token: u64, words: &[u64]) -> Reply {
        self.k
            .syscall(&mut self.noc, act.raw().into(), token, words)
    }

    /// Syscall `words` as activity `act`.
    pub fn sys(&mut self, act: ActId, words: &[u64]) -> Reply {
        assert!(words.len() <= MAX_WORDS);
        self.k.syscall(&mut self.noc, act.raw().into(), 0, words)
    }

    /// Syscall through a NoC that fails.
    pub fn sys_broken(&mut self, act: ActId, words: &[u64]) -> Reply {
        self.k.syscall(&mut BrokenNoc, act.raw().into(), 0, words)
    }

    /// Endpoint `ep` of `tile` as the model holds it.
    pub fn ep(&self, tile: TileId, ep: EpId) -> EpConfig {
        self.m.borrow().tile(tile).unwrap().ep(ep)
    }

    /// A snapshot of every TCU and memory, and the kernel's counts.
    pub fn state(&self) -> (tcu_model::Snapshot, (usize, usize)) {
        let mut snap = self.m.borrow().snapshot();
        // The kernel's own tile changes with every remote write (scratch
        // EP, command registers, scratch buffer): compare the user tiles.
        snap.tiles.retain(|t| t.id != K);
        snap.backings.remove(0);
        (snap, self.k.counts())
    }
}
