//! The kernel's state and its entry points: creating tiles and activities
//! (boot), and the syscall dispatcher.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use kif::{CapSel, Code, SEL_ACT, SEL_KMEM, SEL_TILE};
use tcu_mmio::ep::{Credits, EpConfig, RecvEp, SendEp};
use tcu_mmio::{ActId, EpId, Label, TileId};

use crate::arena::Arena;
use crate::caps::{CapKey, CapSpace};
use crate::objects::{self, Activity, Binding, KMem, KObject, ObjKey, Tile};
use crate::rules::KernelRule;

/// How the kernel reaches other tiles' registers. On a board: the kernel
/// tile's scratch memory endpoint onto the remote register region, and
/// EXT_CMD for invalidation.
pub trait Noc {
    /// Writes endpoint `ep` of `tile`.
    fn config_ep(&mut self, tile: TileId, ep: EpId, cfg: &EpConfig) -> Result<(), tcu_mmio::Code>;
    /// Invalidates endpoint `ep` of `tile`, even with credits outstanding.
    fn invalidate_ep(&mut self, tile: TileId, ep: EpId) -> Result<(), tcu_mmio::Code>;
    /// Makes `act` the running activity of `tile` (CUR_ACT): its endpoints
    /// carry that id, and the TCU refuses commands on others' endpoints.
    fn set_running(&mut self, tile: TileId, act: ActId) -> Result<(), tcu_mmio::Code>;
    /// Starts (`true`) or stops `tile`'s compute unit through its
    /// configuration registers.
    fn core_control(&mut self, tile: TileId, run: bool) -> Result<(), tcu_mmio::Code>;
}

/// A syscall's answer: the code, then result words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The outcome.
    pub code: Code,
    /// The rule that refused it (`None` on success).
    pub rule: Option<KernelRule>,
    /// Result words (their number depends on the syscall).
    pub values: [u64; 2],
    /// No reply is sent (the caller exited): the platform frees the
    /// message's slot instead.
    pub silent: bool,
    /// The reply comes later (an activity wait): the platform keeps the
    /// message and answers it when [`Kernel::take_ready`] hands the reply
    /// out with this syscall's token.
    pub deferred: bool,
}

impl Reply {
    pub(crate) fn ok(values: [u64; 2]) -> Self {
        Self {
            code: Code::Success,
            rule: None,
            values,
            silent: false,
            deferred: false,
        }
    }

    /// The answer to a message that is not a syscall at all (no valid
    /// header).
    pub fn refused_message() -> Self {
        Self::refused(KernelRule::SysMsg)
    }

    pub(crate) fn refused(rule: KernelRule) -> Self {
        Self {
            code: rule.code(),
            rule: Some(rule),
            values: [0; 2],
            silent: false,
            deferred: false,
        }
    }

    /// The reply message's words: the code, then the values.
    pub fn words(&self) -> [u64; 3] {
        [self.code as u64, self.values[0], self.values[1]]
    }
}

/// What [`Kernel::activity`] tells about an activity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityInfo {
    /// Its exit code once it has exited.
    pub exited: Option<u64>,
    /// Its id.
    pub id: ActId,
    /// Its tile.
    pub tile: TileId,
    /// Its name.
    pub name: String,
    /// Its capabilities: selector and the kind of object.
    pub caps: Vec<(CapSel, &'static str)>,
}

/// The kernel.
pub struct Kernel {
    pub(crate) objs: Arena<KObject>,
    pub(crate) caps: CapSpace,
    pub(crate) acts: BTreeMap<u16, ObjKey>,
    tiles: BTreeMap<TileId, ObjKey>,
    kernel_tile: TileId,
    next_act: u16,
    /// Activity waits: (the activity waited for, the waiter, its token).
    pub(crate) waits: Vec<(ObjKey, ObjKey, u64)>,
    /// Deferred replies that are ready: (token, reply).
    pub(crate) ready: Vec<(u64, Reply)>,
    /// Activity watches: (the activity watched, the watcher, its ident).
    pub(crate) watches: Vec<(ObjKey, ObjKey, u64)>,
    /// Requests to services.
    pub(crate) svc: crate::services::Services,
}

impl Kernel {
    /// A kernel running on `kernel_tile`, with no tiles and activities yet.
    pub fn new(kernel_tile: TileId) -> Self {
        Self {
            objs: Arena::new(),
            caps: CapSpace::default(),
            acts: BTreeMap::new(),
            tiles: BTreeMap::new(),
            kernel_tile,
            next_act: 0,
            waits: Vec::new(),
            ready: Vec::new(),
            watches: Vec::new(),
            svc: crate::services::Services::default(),
        }
    }

    /// Registers a user tile with `eps` endpoints and `mem_size` bytes of
    /// local memory (from the boot information).
    pub fn add_tile(&mut self, id: TileId, eps: u16, mem_size: u64) -> ObjKey {
        let key = self.objs.insert(KObject::Tile(Tile {
            id,
            eps,
            allocated: alloc::vec![false; usize::from(eps)],
            mem_size,
            running: None,
        }));
        self.tiles.insert(id, key);
        key
    }

    /// Creates an activity on `tile` with `kmem` bytes of kernel memory:
    /// its fixed capabilities (tile, kernel memory, itself) and its
    /// standard endpoints (syscall send and reply, upcalls), configured
    /// through the NoC. Returns its id.
    pub fn create_activity(
        &mut self,
        noc: &mut dyn Noc,
        tile: TileId,
        name: &str,
        kmem: u64,
    ) -> Result<ActId, KernelRule> {
        let tile_key = *self.tiles.get(&tile).ok_or(KernelRule::CapNone)?;
        let kmem_obj = self.objs.insert(KObject::KMem(KMem {
            quota: kmem,
            left: kmem,
        }));
        self.new_activity(noc, tile_key, name, kmem_obj, None)
            .map(|(id, _)| id)
    }

    /// Creates an activity on the tile `tile_key` paying from `kmem_obj`
    /// (its quota); `kmem_parent`: the capability the quota was derived
    /// from (`None`: the activity owns it).
    pub(crate) fn new_activity(
        &mut self,
        noc: &mut dyn Noc,
        tile_key: ObjKey,
        name: &str,
        kmem_obj: ObjKey,
        kmem_parent: Option<CapKey>,
    ) -> Result<(ActId, ObjKey), KernelRule> {
        let tile = match self.objs.get(tile_key) {
            Some(KObject::Tile(t)) if t.running.is_some() => return Err(KernelRule::ActTileBusy),
            Some(KObject::Tile(t)) => t.id,
            _ => return Err(KernelRule::CapType),
        };
        let id = self.next_act;
        if id == ActId::INVALID.raw() {
            return Err(KernelRule::KmemQuota);
        }
        self.next_act += 1;
        let act = self.objs.insert(KObject::Activity(Activity {
            id: ActId(id),
            tile: tile_key,
            name: String::from(name),
            exited: None,
        }));
        self.caps
            .insert(act, SEL_TILE, tile_key, None, false, None)?;
        self.caps.insert(
            act,
            SEL_KMEM,
            kmem_obj,
            kmem_parent,
            kmem_parent.is_none(),
            None,
        )?;
        self.caps.insert(act, SEL_ACT, act, None, false, None)?;
        self.acts.insert(id, act);
        // The standard endpoints: reserved on the tile, configured now.
        if let Some(KObject::Tile(t)) = self.objs.get_mut(tile_key) {
            t.running = Some(act);
            for e in 0..kif::eps::FIRST_FREE.raw() {
                if let Some(a) = t.allocated.get_mut(usize::from(e)) {
                    *a = true;
                }
            }
        }
        let slot = kif::eps::SYSCALL_MSG_ORDER;
        let one = Credits::new(1).unwrap_or(Credits::UNLIMITED);
        let syscall = EpConfig::Send(SendEp {
            act: ActId(id),
            cur_credits: one,
            max_credits: one,
            msg_size_log2: slot,
            credit_ep: EpId::INVALID,
            reply: false,
            target_tile: self.kernel_tile,
            target_ep: kif::eps::KERNEL_SYSCALL,
            label: Label(id.into()),
        });
        let reply = EpConfig::Receive(RecvEp {
            act: ActId(id),
            reply_eps: EpId::INVALID,
            slots_log2: 0,
            slot_size_log2: slot,
            wpos: 0,
            rpos: 0,
            buf_addr: kif::eps::SYSCALL_REPLY_BUF,
            occupied: 0,
            unread: 0,
        });
        let upcalls = EpConfig::Receive(RecvEp {
            act: ActId(id),
            reply_eps: EpId::INVALID,
            slots_log2: kif::upcall::SLOTS_LOG2,
            slot_size_log2: kif::upcall::MSG_ORDER,
            wpos: 0,
            rpos: 0,
            buf_addr: kif::eps::UPCALL_BUF,
            occupied: 0,
            unread: 0,
        });
        for (ep, cfg) in [
            (kif::eps::SYSCALL_SEND, syscall),
            (kif::eps::SYSCALL_REPLY, reply),
            (kif::eps::UPCALL, upcalls),
        ] {
            noc.config_ep(tile, ep, &cfg)
                .map_err(|_| KernelRule::NocFault)?;
        }
        noc.set_running(tile, ActId(id))
            .map_err(|_| KernelRule::NocFault)?;
        Ok((ActId(id), act))
    }

    /// Gives activity `holder` a capability for tile `tile` at `sel` (boot:
    /// the resource manager gets the user tiles to start activities on).
    pub fn grant_tile(
        &mut self,
        holder: ActId,
        sel: CapSel,
        tile: TileId,
    ) -> Result<(), KernelRule> {
        let h = *self.acts.get(&holder.raw()).ok_or(KernelRule::CapNone)?;
        let t = *self.tiles.get(&tile).ok_or(KernelRule::CapNone)?;
        self.caps.insert(h, sel, t, None, false, None).map(drop)
    }

    /// Replies that became ready since the last call (activity waits):
    /// (the token the syscall came with, the reply).
    pub fn take_ready(&mut self) -> Vec<(u64, Reply)> {
        core::mem::take(&mut self.ready)
    }

    /// Gives activity `act` a memory gate at `sel` (boot: root receives the
    /// memory the kernel does not use).
    pub fn grant_mgate(
        &mut self,
        act: ActId,
        sel: CapSel,
        gate: objects::MGate,
    ) -> Result<(), KernelRule> {
        let a = *self.acts.get(&act.raw()).ok_or(KernelRule::CapNone)?;
        if gate.addr.saturating_add(gate.size) > tcu_mmio::regs::MMIO_BASE {
            return Err(KernelRule::MemRegs);
        }
        let obj = self.objs.insert(KObject::MGate(gate));
        self.caps.insert(a, sel, obj, None, true, None).map(drop)
    }

    /// Gives activity `holder` a capability for activity `target` at `sel`
    /// (boot: the resource manager holds the activities it starts).
    pub fn grant_activity(
        &mut self,
        holder: ActId,
        sel: CapSel,
        target: ActId,
    ) -> Result<(), KernelRule> {
        let h = *self.acts.get(&holder.raw()).ok_or(KernelRule::CapNone)?;
        let t = *self.acts.get(&target.raw()).ok_or(KernelRule::CapNone)?;
        self.caps.insert(h, sel, t, None, false, None).map(drop)
    }

    /// Handles a syscall message from the activity whose id is `label`.
    /// Never panics: every refusal is a [`Reply`] naming its rule.
    /// `token` names the message to the platform: a deferred reply (see
    /// [`Reply::deferred`]) comes back with it from [`Kernel::take_ready`].
    pub fn syscall(&mut self, noc: &mut dyn Noc, label: u64, token: u64, words: &[u64]) -> Reply {
        let Some(&act) = u16::try_from(label).ok().and_then(|l| self.acts.get(&l)) else {
            return Reply::refused(KernelRule::SysMsg);
        };
        if matches!(self.objs.get(act), Some(KObject::Activity(a)) if a.exited.is_some()) {
            return Reply::refused(KernelRule::ActGone);
        }
        let call = match kif::syscall::decode(words) {
            Ok(c) => c,
            Err(_) => return Reply::refused(KernelRule::SysMsg),
        };
        if let kif::syscall::Syscall::Exit(m) = call {
            let r = crate::syscalls::exit(self, noc, act, m.code);
            return Reply {
                silent: true,
                ..match r {
                    Ok(()) => Reply::ok([0; 2]),
                    Err(rule) => Reply::refused(rule),
                }
            };
        }
        let deferred = Reply {
            deferred: true,
            ..Reply::ok([0; 2])
        };
        let later = |r: Result<(), KernelRule>| r.map_or_else(Reply::refused, |()| deferred);
        match call {
            kif::syscall::Syscall::ActWait(m) => {
                return match crate::syscalls::act_wait(self, act, m, token) {
                    Ok(Some(code)) => Reply::ok([code, 0]),
                    Ok(None) => deferred,
                    Err(rule) => Reply::refused(rule),
                };
            }
            kif::syscall::Syscall::OpenSess(m) => {
                return later(crate::services::open_sess(self, noc, act, token, m));
            }
            kif::syscall::Syscall::ExchangeSess(m) => {
                return later(crate::services::exchange_sess(self, noc, act, token, m));
            }
            _ => {}
        }
        match crate::syscalls::dispatch(self, noc, act, call) {
            Ok(values) => Reply::ok(values),
            Err(rule) => Reply::refused(rule),
        }
    }

    /// What the kernel knows about activity `id`.
    pub fn activity(&self, id: ActId) -> Option<ActivityInfo> {
        let key = *self.acts.get(&id.raw())?;
        let Some(KObject::Activity(a)) = self.objs.get(key) else {
            return None;
        };
        let tile = match self.objs.get(a.tile) {
            Some(KObject::Tile(t)) => t.id,
            _ => return None,
        };
        let caps = self
            .caps
            .of(key)
            .filter_map(|(sel, ck)| {
                let obj = self.caps.get(ck)?.obj;
                Some((sel, self.objs.get(obj)?.kind()))
            })
            .collect();
        Some(ActivityInfo {
            exited: a.exited,
            id: a.id,
            tile,
            name: a.name.clone(),
            caps,
        })
    }

    /// How many capabilities and kernel objects exist (tests check that
    /// revoking frees what it should).
    pub fn counts(&self) -> (usize, usize) {
        (self.caps.len(), self.objs.len())
    }

    /// The endpoints gates are bound to, as (tile, endpoint, gate kind).
    pub fn bindings(&self) -> Vec<(TileId, EpId, &'static str)> {
        self.objs
            .iter()
            .filter_map(|(_, o)| match o {
                KObject::Ep(e) => {
                    let (gate, _) = e.bound?;
                    Some((e.tile, e.ep, self.objs.get(gate)?.kind()))
                }
                _ => None,
            })
            .collect()
    }

    /// The capability `act` holds at `sel`, checked to exist.
    pub(crate) fn cap(&self, act: ObjKey, sel: CapSel) -> Result<CapKey, KernelRule> {
        self.caps.lookup(act, sel).ok_or(KernelRule::CapNone)
    }

    /// The object capability `key` names.
    pub(crate) fn obj_of(&self, key: CapKey) -> Result<ObjKey, KernelRule> {
        self.caps.get(key).map(|c| c.obj).ok_or(KernelRule::CapNone)
    }

    /// The binding of an activated receive gate `rgate`, if activated.
    pub(crate) fn rgate_binding(&self, rgate: ObjKey) -> Option<Binding> {
        match self.objs.get(rgate) {
            Some(KObject::RGate(r)) => r.activated,
            _ => None,
        }
    }

    /// Takes `amount` from activity `act`'s kernel-memory quota.
    pub(crate) fn pay(&mut self, act: ObjKey, amount: u64) -> Result<ObjKey, KernelRule> {
        let kcap = self.cap(act, SEL_KMEM)?;
        let kobj = self.obj_of(kcap)?;
        match self.objs.get_mut(kobj) {
            Some(KObject::KMem(k)) if k.left >= amount => {
                k.left -= amount;
                Ok(kobj)
            }
            Some(KObject::KMem(_)) => Err(KernelRule::KmemQuota),
            _ => Err(KernelRule::CapType),
        }
    }

    /// Gives `amount` back to the quota `kmem` (if it still exists).
    pub(crate) fn refund(&mut self, kmem: ObjKey, amount: u64) {
        if let Some(KObject::KMem(k)) = self.objs.get_mut(kmem) {
            k.left = k.left.saturating_add(amount).min(k.quota);
        }
    }
}
