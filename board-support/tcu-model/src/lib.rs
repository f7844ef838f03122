//! `tcu-model`: TCU spec v2 as a pure, deterministic state machine.
//!
//! The model holds the authoritative state of every tile's TCU
//! ([`TileState`]) and the memories behind them. Everything happens through
//! register accesses, exactly as a compute unit or the NoC would make them:
//! [`Model::write_reg`] with [`Access::Local`] (the tile's own compute unit)
//! or [`Access::Remote`] (the NoC: the kernel through a memory EP, the
//! host's bring-up). Writing COMMAND runs the command to completion at once
//! — the model is synchronous, so the same inputs always give the same state
//! — except SLEEP, which stays pending until a message arrives.
//!
//! Every error branch and every ignored write is a [`Rule`] with an id
//! (`docs/tcu-rules.md`). Ignored writes change nothing but the tile's
//! violation counter.
//!
//! The NoC is modelled literally: a memory EP whose range lies in another
//! tile's register region (at [`tcu_mmio::regs::MMIO_BASE`]) reads and
//! writes those registers as remote accesses. Protection against that is
//! the kernel's job (it never grants such an EP), not the model's.
#![forbid(unsafe_code)]

mod exec;
pub mod memory;
pub mod record;
mod regs;
pub mod rules;
pub mod tile;

use std::collections::BTreeMap;

use tcu_mmio::TileId;
use tcu_mmio::regs::Layout;

pub use memory::{Backing, BackingId, RawWindow, Region, VecBacking};
pub use record::Record;
pub use rules::Rule;
pub use tile::TileState;

/// Who makes a register access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The tile's own compute unit.
    Local,
    /// Another party over the NoC (kernel, host bring-up, a memory EP).
    Remote,
}

/// What became of a register write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The write took effect.
    Applied,
    /// The TCU ignored the write; the tile's violation counter went up.
    Ignored(Rule),
}

/// Errors building a model.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    /// Two tiles with one id.
    #[error("tile {0} is added twice")]
    DuplicateTile(TileId),
    /// A region that leaves its backing.
    #[error("the local memory of tile {0} lies outside its backing")]
    BadRegion(TileId),
}

/// Output a tile printed with the PRINT register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Printed {
    /// The tile.
    pub tile: TileId,
    /// The bytes.
    pub text: Vec<u8>,
}

/// The TCUs of a board and the memories behind them.
pub struct Model {
    tiles: Vec<TileState>,
    index: BTreeMap<TileId, usize>,
    backings: Vec<Box<dyn Backing>>,
    now_ns: u64,
    printed: Vec<Printed>,
    /// Tiles whose COMMAND completed or that received a message since the
    /// last [`Model::take_events`].
    events: Vec<TileId>,
    /// Writes ignored since the last [`Model::take_ignored`].
    ignored: Vec<Ignored>,
    /// Register writes over the NoC since the last
    /// [`Model::take_remote_writes`].
    remote_writes: Vec<RemoteWrite>,
    /// Commands and deliveries since the last [`Model::take_records`],
    /// while recording is on.
    records: Option<Vec<Record>>,
}

/// A register write over the NoC, and who made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemoteWrite {
    /// The tile whose memory endpoint made it (`None`: from outside the
    /// NoC — the host's bring-up, a test harness).
    pub from: Option<TileId>,
    /// The tile whose register was written.
    pub tile: TileId,
    /// The register's offset in that tile's region.
    pub offset: u64,
    /// The value.
    pub value: u64,
    /// Whether the TCU applied it.
    pub applied: bool,
}

/// A register write the TCU ignored, and the rule that says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ignored {
    /// The tile whose register was written.
    pub tile: TileId,
    /// The register's offset in its TCU region.
    pub offset: u64,
    /// The value that was not written.
    pub value: u64,
    /// Why it was ignored.
    pub rule: Rule,
}

impl Default for Model {
    fn default() -> Self {
        Self::new()
    }
}

impl Model {
    /// An empty board.
    pub fn new() -> Self {
        Self {
            tiles: Vec::new(),
            index: BTreeMap::new(),
            backings: Vec::new(),
            now_ns: 0,
            printed: Vec::new(),
            events: Vec::new(),
            ignored: Vec::new(),
            remote_writes: Vec::new(),
            records: None,
        }
    }

    /// Adds a memory backing.
    pub fn add_backing(&mut self, backing: Box<dyn Backing>) -> BackingId {
        self.backings.push(backing);
        BackingId(self.backings.len() - 1)
    }

    /// Adds a tile with `layout`, TILE_DESC `tile_desc` and local memory.
    pub fn add_tile(
        &mut self,
        id: TileId,
        layout: Layout,
        tile_desc: u64,
        local: Option<Region>,
    ) -> Result<(), ModelError> {
        if self.index.contains_key(&id) {
            return Err(ModelError::DuplicateTile(id));
        }
        if let Some(r) = local {
            let fits = self
                .backings
                .get(r.backing.0)
                .is_some_and(|b| r.offset.checked_add(r.size).is_some_and(|e| e <= b.len()));
            if !fits {
                return Err(ModelError::BadRegion(id));
            }
        }
        self.index.insert(id, self.tiles.len());
        self.tiles
            .push(TileState::new(id, layout, tile_desc, local));
        Ok(())
    }

    /// The state of a tile.
    pub fn tile(&self, id: TileId) -> Option<&TileState> {
        self.index.get(&id).map(|&i| &self.tiles[i])
    }

    /// Every tile, in the order they were added.
    pub fn tiles(&self) -> &[TileState] {
        &self.tiles
    }

    /// Sets the clock CUR_TIME reads (ns since boot).
    pub fn set_time(&mut self, now_ns: u64) {
        self.now_ns = now_ns;
    }

    /// Output printed since the last call.
    pub fn take_printed(&mut self) -> Vec<Printed> {
        std::mem::take(&mut self.printed)
    }

    /// Register writes over the NoC since the last call (the simulator
    /// keeps the newest for traces; callers drain it regularly).
    pub fn take_remote_writes(&mut self) -> Vec<RemoteWrite> {
        std::mem::take(&mut self.remote_writes)
    }

    /// Register writes ignored since the last call (each also counted in
    /// its tile's violation counter). Callers drain it regularly.
    pub fn take_ignored(&mut self) -> Vec<Ignored> {
        std::mem::take(&mut self.ignored)
    }

    /// Starts (`true`) or stops recording commands and deliveries
    /// ([`Record`]); stopping drops what was not taken.
    pub fn record(&mut self, on: bool) {
        self.records = on.then(Vec::new);
    }

    /// The records since the last call (empty when not recording).
    pub fn take_records(&mut self) -> Vec<Record> {
        self.records
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    fn push_record(&mut self, r: Record) {
        if let Some(v) = &mut self.records {
            v.push(r);
        }
    }

    /// Tiles with a completed command or a new message since the last call.
    pub fn take_events(&mut self) -> Vec<TileId> {
        let mut e = std::mem::take(&mut self.events);
        e.sort_unstable();
        e.dedup();
        e
    }

    /// Reads `len` bytes of tile `id`'s local memory at `addr` (trusted
    /// access for loaders and tests). `None` outside the memory.
    pub fn read_local(&self, id: TileId, addr: u64, len: usize) -> Option<Vec<u8>> {
        self.local_read(*self.index.get(&id)?, addr, len as u64)
    }

    /// Writes tile `id`'s local memory at `addr` (trusted access). Returns
    /// false outside the memory.
    pub fn write_local(&mut self, id: TileId, addr: u64, data: &[u8]) -> bool {
        match self.index.get(&id) {
            Some(&i) => self.local_write(i, addr, data),
            None => false,
        }
    }

    /// The compute unit of tile `id` is gone (its core halted): a command
    /// it left running (a SLEEP, say) ends, as the TCU's abort would end it,
    /// so the TCU is idle for whoever uses it next. No error code is
    /// recorded (nothing is left to read it); returns whether one was running.
    pub fn abort_command(&mut self, id: TileId) -> bool {
        let Some(&i) = self.index.get(&id) else {
            return false;
        };
        let t = &mut self.tiles[i];
        let running = tcu_mmio::cmd::CommandStatus::decode(t.command)
            .is_ok_and(|c| c.op != tcu_mmio::CmdOp::Idle);
        if running {
            t.command = 0;
            self.events.push(id);
        }
        running
    }

    /// Refills the credits of send endpoint `ep` of tile `id` (its tile
    /// controller, after the core halted, so a last message can go out).
    /// Returns whether `ep` is a send endpoint.
    pub fn refill_credits(&mut self, id: TileId, ep: tcu_mmio::EpId) -> bool {
        let Some(&i) = self.index.get(&id) else {
            return false;
        };
        match self.tiles[i].ep(ep) {
            tcu_mmio::ep::EpConfig::Send(mut s) => {
                s.cur_credits = s.max_credits;
                self.tiles[i].set_ep(ep, &tcu_mmio::ep::EpConfig::Send(s));
                true
            }
            _ => false,
        }
    }

    /// Board reset: every TCU back to its reset state (privileged, all
    /// endpoints invalid, counters zero) and every memory cleared.
    pub fn reset(&mut self) {
        for t in &mut self.tiles {
            *t = TileState::new(t.id, t.layout, t.tile_desc, t.local);
        }
        for b in &mut self.backings {
            b.clear();
        }
        self.printed.clear();
        self.events.clear();
        self.ignored.clear();
        self.remote_writes.clear();
    }

    /// A snapshot of everything observable: every register word of every
    /// tile and a hash of every backing. Negative tests compare snapshots
    /// before and after a refused operation.
    pub fn snapshot(&self) -> Snapshot {
        let backings = self
            .backings
            .iter()
            .map(|b| {
                // FNV-1a over the contents taken as 64-bit words (eight
                // times fewer multiplications than bytewise; snapshots of
                // simulated boards hash tens of MiB), in 64 KiB chunks.
                let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                let mut buf = vec![0u8; 64 << 10];
                let mut off = 0;
                while off < b.len() {
                    let n = (b.len() - off).min(buf.len() as u64) as usize;
                    b.read(off, &mut buf[..n]);
                    for chunk in buf[..n].chunks(8) {
                        let mut w = [0u8; 8];
                        w[..chunk.len()].copy_from_slice(chunk);
                        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(0x0100_0000_01b3);
                        h ^= h >> 29;
                    }
                    off += n as u64;
                }
                h
            })
            .collect();
        Snapshot {
            tiles: self.tiles.clone(),
            backings,
        }
    }
}

/// Everything observable about a model at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Every tile's registers (including violation counters).
    pub tiles: Vec<TileState>,
    /// A hash of each backing's contents.
    pub backings: Vec<u64>,
}

impl Snapshot {
    /// The snapshot without violation counters (an ignored write must
    /// change nothing else).
    pub fn without_violations(&self) -> Snapshot {
        let mut s = self.clone();
        for t in &mut s.tiles {
            t.violations = 0;
        }
        s
    }
}
