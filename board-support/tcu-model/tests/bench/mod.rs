//! A small board for rule tests: a privileged tile K, two user tiles A and
//! B, and a memory tile M, with helpers that act as the kernel (remote
//! endpoint configuration) and as a tile's compute unit (local commands).
#![allow(dead_code, clippy::unwrap_used)]

use tcu_mmio::cmd::{CommandStatus, EXT_CMD_ERROR};
use tcu_mmio::ep::{Credits, EpConfig, MemEp, Perm, RecvEp, SendEp};
use tcu_mmio::regs::{ExtReg, Layout, UnprivReg};
use tcu_mmio::{ActId, CmdOp, Code, Command, EpId, ExtCmd, Label, Reg, TileId};
use tcu_model::{Access, Model, Region, Snapshot, TileState, VecBacking, WriteOutcome};

pub const K: TileId = TileId::on_chip0(0);
pub const A: TileId = TileId::on_chip0(1);
pub const B: TileId = TileId::on_chip0(2);
pub const M: TileId = TileId::on_chip0(3);
pub const MISSING: TileId = TileId::on_chip0(9);
pub const EPS: u16 = 32;
pub const LOCAL: u64 = 64 << 10;
pub const MEM: u64 = 1 << 20;

/// A's endpoints.
pub const A_SEND: EpId = EpId(0);
pub const A_REPLIES: EpId = EpId(1);
pub const A_MEM: EpId = EpId(2);
/// B's endpoints.
pub const B_RECV: EpId = EpId(0);
pub const B_REPLY_BASE: EpId = EpId(8);
/// Buffers in local memory.
pub const MSG: u64 = 0x100;
pub const A_RBUF: u64 = 0x2000;
pub const B_RBUF: u64 = 0x1000;

/// Where the bench's TCUs live: the model in this process, or a simulated
/// board whose tiles are processes.
pub trait Backend {
    /// A register write by `from` (remote: over the NoC, as the kernel
    /// writes; local: by the tile's own compute unit).
    fn write(&mut self, t: TileId, offset: u64, v: u64, from: Access) -> WriteOutcome;
    /// A register read.
    fn read_reg(&self, t: TileId, offset: u64) -> u64;
    /// A tile's state.
    fn tile(&self, t: TileId) -> Option<TileState>;
    /// Everything observable.
    fn snapshot(&self) -> Snapshot;
    /// Trusted read of a tile's local memory.
    fn read_local(&self, t: TileId, addr: u64, len: usize) -> Option<Vec<u8>>;
    /// Trusted write of a tile's local memory.
    fn write_local(&mut self, t: TileId, addr: u64, data: &[u8]) -> bool;
    /// Size of A's and B's local memory.
    fn local_size(&self) -> u64;
    /// Size of M.
    fn mem_size(&self) -> u64;
}

/// The model in this process.
pub struct ModelBackend {
    pub m: Model,
}

impl Backend for ModelBackend {
    fn write(&mut self, t: TileId, offset: u64, v: u64, from: Access) -> WriteOutcome {
        self.m.write_reg(t, offset, v, from)
    }
    fn read_reg(&self, t: TileId, offset: u64) -> u64 {
        self.m.read_reg(t, offset)
    }
    fn tile(&self, t: TileId) -> Option<TileState> {
        self.m.tile(t).cloned()
    }
    fn snapshot(&self) -> Snapshot {
        self.m.snapshot()
    }
    fn read_local(&self, t: TileId, addr: u64, len: usize) -> Option<Vec<u8>> {
        self.m.read_local(t, addr, len)
    }
    fn write_local(&mut self, t: TileId, addr: u64, data: &[u8]) -> bool {
        self.m.write_local(t, addr, data)
    }
    fn local_size(&self) -> u64 {
        LOCAL
    }
    fn mem_size(&self) -> u64 {
        MEM
    }
}

pub struct Bench {
    pub be: Box<dyn Backend>,
}

pub fn layout() -> Layout {
    Layout::new(EPS).unwrap()
}

impl Bench {
    /// K, A, B with 64 KiB of local memory each and M with 1 MiB, on the
    /// model in this process; wired as [`Bench::wire`] says.
    pub fn new() -> Self {
        let mut m = Model::new();
        for t in [K, A, B] {
            let b = m.add_backing(Box::new(VecBacking::zeroed(LOCAL as usize)));
            m.add_tile(
                t,
                layout(),
                0,
                Some(Region {
                    backing: b,
                    offset: 0,
                    size: LOCAL,
                }),
            )
            .unwrap();
        }
        let b = m.add_backing(Box::new(VecBacking::zeroed(MEM as usize)));
        m.add_tile(
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
        Bench::wire(Box::new(ModelBackend { m }))
    }

    /// The bench's wiring on a fresh board with tiles K, A, B and M: A and
    /// B deprivileged; A can send to B (2 credits, 256-byte messages), gets
    /// replies on A_REPLIES and reaches M[0..0x1000] read-write on A_MEM.
    pub fn wire(be: Box<dyn Backend>) -> Self {
        let mut bench = Bench { be };
        bench.write_local(A, MSG, &[0xAB; 0x400]);
        for t in [A, B] {
            bench.remote(t, Reg::Ext(ExtReg::Features), 0);
        }
        bench.cfg(A, A_SEND, send_to(B, B_RECV, 2));
        bench.cfg(A, A_REPLIES, recv(A_RBUF, 1, 8, EpId::INVALID));
        bench.cfg(A, A_MEM, mem(M, 0, 0x1000, Perm::RW));
        bench.cfg(B, B_RECV, recv(B_RBUF, 2, 8, B_REPLY_BASE));
        bench
    }

    pub fn snapshot(&self) -> Snapshot {
        self.be.snapshot()
    }

    pub fn tile(&self, t: TileId) -> Option<TileState> {
        self.be.tile(t)
    }

    pub fn read_local(&self, t: TileId, addr: u64, len: usize) -> Option<Vec<u8>> {
        self.be.read_local(t, addr, len)
    }

    pub fn write_local(&mut self, t: TileId, addr: u64, data: &[u8]) -> bool {
        self.be.write_local(t, addr, data)
    }

    pub fn local_size(&self) -> u64 {
        self.be.local_size()
    }

    pub fn mem_size(&self) -> u64 {
        self.be.mem_size()
    }

    /// Remote (NoC) register write, as the kernel makes them.
    pub fn remote(&mut self, t: TileId, reg: Reg, v: u64) -> WriteOutcome {
        self.be.write(t, reg.offset(layout()), v, Access::Remote)
    }

    /// Local register write by the tile's compute unit.
    pub fn local(&mut self, t: TileId, reg: Reg, v: u64) -> WriteOutcome {
        self.be.write(t, reg.offset(layout()), v, Access::Local)
    }

    pub fn cfg(&mut self, t: TileId, ep: EpId, c: EpConfig) {
        for (i, w) in c.to_regs().unwrap().iter().enumerate() {
            assert_eq!(
                self.remote(t, Reg::Ep { ep, word: i as u8 }, *w),
                WriteOutcome::Applied
            );
        }
    }

    pub fn ep(&self, t: TileId, ep: EpId) -> EpConfig {
        self.be.tile(t).unwrap().ep(ep)
    }

    /// Issues a command on tile `t` and returns its error code.
    #[allow(clippy::too_many_arguments)] // one per register the command reads
    pub fn cmd(
        &mut self,
        t: TileId,
        op: CmdOp,
        ep: EpId,
        arg0: u32,
        addr: u64,
        size: u64,
        arg1: u64,
    ) -> Code {
        self.local(t, Reg::Unpriv(UnprivReg::DataAddr), addr);
        self.local(t, Reg::Unpriv(UnprivReg::DataSize), size);
        self.local(t, Reg::Unpriv(UnprivReg::Arg1), arg1);
        self.local(
            t,
            Reg::Unpriv(UnprivReg::Command),
            Command { op, ep, arg0 }.encode(),
        );
        self.status(t).error
    }

    pub fn status(&self, t: TileId) -> CommandStatus {
        CommandStatus::decode(self.be.read_reg(t, Reg::COMMAND.offset(layout()))).unwrap()
    }

    pub fn arg1(&self, t: TileId) -> u64 {
        self.be
            .read_reg(t, Reg::Unpriv(UnprivReg::Arg1).offset(layout()))
    }

    /// A sends `len` bytes from MSG with replies to `reply_ep`.
    pub fn send(&mut self, len: u64, reply_ep: EpId) -> Code {
        self.cmd(
            A,
            CmdOp::Send,
            A_SEND,
            reply_ep.raw().into(),
            MSG,
            len,
            0x77,
        )
    }

    /// B fetches its next message; returns the offset (or None).
    pub fn fetch_b(&mut self) -> Option<u32> {
        assert_eq!(self.cmd(B, CmdOp::FetchMsg, B_RECV, 0, 0, 0, 0), Code::None);
        u32::try_from(self.arg1(B)).ok()
    }

    /// B replies to the message at `off` with 16 bytes.
    pub fn reply_b(&mut self, off: u32) -> Code {
        self.cmd(B, CmdOp::Reply, B_RECV, off, MSG, 16, 0)
    }

    /// EXT_CMD from the kernel; returns the error it reports.
    pub fn ext(&mut self, t: TileId, cmd: u64) -> Code {
        self.remote(t, Reg::EXT_CMD, cmd);
        let raw = self.be.read_reg(t, Reg::EXT_CMD.offset(layout()));
        Code::try_from(EXT_CMD_ERROR.get(raw)).unwrap()
    }

    pub fn inv_ep(&mut self, t: TileId, ep: EpId, force: bool) -> Code {
        self.ext(t, ExtCmd::InvEp { ep, force }.encode().unwrap())
    }

    pub fn violations(&self, t: TileId) -> u64 {
        self.be.tile(t).unwrap().violations
    }
}

pub fn send_to(t: TileId, ep: EpId, credits: u8) -> EpConfig {
    EpConfig::Send(SendEp {
        act: ActId::INVALID,
        cur_credits: Credits::new(credits).unwrap(),
        max_credits: Credits::new(credits).unwrap(),
        msg_size_log2: 8,
        credit_ep: EpId::INVALID,
        reply: false,
        target_tile: t,
        target_ep: ep,
        label: Label(0x1234),
    })
}

pub fn recv(buf: u64, slots_log2: u8, slot_size_log2: u8, reply_eps: EpId) -> EpConfig {
    EpConfig::Receive(RecvEp {
        act: ActId::INVALID,
        reply_eps,
        slots_log2,
        slot_size_log2,
        wpos: 0,
        rpos: 0,
        buf_addr: buf,
        occupied: 0,
        unread: 0,
    })
}

pub fn mem(t: TileId, addr: u64, size: u64, perm: Perm) -> EpConfig {
    EpConfig::Memory(MemEp {
        act: ActId::INVALID,
        perm,
        target_tile: t,
        addr,
        size,
    })
}
