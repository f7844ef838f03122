//! The syscall handlers. Each validates every argument before it changes
//! anything, so a refused syscall leaves the kernel as it was.

use alloc::vec::Vec;

use kif::syscall::{Syscall, msg};
use kif::{CapRange, CapSel};
use tcu_mmio::EpId;
use tcu_mmio::ep::{Credits, EpConfig, MemEp, RecvEp, SendEp};

use crate::caps::CapKey;
use crate::kernel::{Kernel, Noc};
use crate::objects::{Binding, Ep, KMem, KObject, MGate, ObjKey, RGate, SGate, cost};
use crate::rules::KernelRule;

type R = Result<[u64; 2], KernelRule>;

/// Runs one decoded syscall of activity `act`.
pub(crate) fn dispatch(k: &mut Kernel, noc: &mut dyn Noc, act: ObjKey, call: Syscall) -> R {
    match call {
        Syscall::Noop(_) => Ok([0; 2]),
        Syscall::CreateRGate(m) => create_rgate(k, act, m),
        Syscall::CreateSGate(m) => create_sgate(k, act, m),
        Syscall::DeriveMem(m) => derive_mem(k, act, m),
        Syscall::AllocEp(m) => alloc_ep(k, act, m),
        Syscall::Activate(m) => activate(k, noc, act, m),
        Syscall::Exchange(m) => exchange(k, act, m),
        Syscall::Revoke(m) => revoke_syscall(k, noc, act, m),
        Syscall::DeriveKMem(m) => derive_kmem(k, act, m),
        Syscall::KMemQuota(m) => kmem_quota(k, act, m),
        Syscall::CreateAct(m) => create_act(k, noc, act, m),
        Syscall::ActCtrl(m) => act_ctrl(k, noc, act, m),
        Syscall::CreateSrv(m) => crate::services::create_srv(k, act, m),
        Syscall::ActWatch(m) => act_watch(k, act, m),
        Syscall::CreateSess(m) => crate::services::create_sess(k, act, m),
        Syscall::MemInfo(m) => mem_info(k, act, m),
        // Handled by the kernel before dispatch (no reply, or a later one).
        Syscall::Exit(_)
        | Syscall::ActWait(_)
        | Syscall::OpenSess(_)
        | Syscall::ExchangeSess(_) => Err(KernelRule::SysMsg),
    }
}

/// The activity object `act`'s capability `sel` names.
fn activity_cap(k: &Kernel, act: ObjKey, sel: CapSel) -> Result<ObjKey, KernelRule> {
    let cap = k.cap(act, sel)?;
    let obj = k.obj_of(cap)?;
    match k.objs.get(obj) {
        Some(KObject::Activity(_)) => Ok(obj),
        _ => Err(KernelRule::CapType),
    }
}

fn create_act(k: &mut Kernel, noc: &mut dyn Noc, act: ObjKey, m: msg::CreateAct) -> R {
    if m.dst.0 < CapSel::FIRST_FREE.0 {
        return Err(KernelRule::CapFixed);
    }
    if !k.caps.is_free(act, m.dst) {
        return Err(KernelRule::CapExists);
    }
    let tcap = k.cap(act, m.tile)?;
    let tile = k.obj_of(tcap)?;
    if !matches!(k.objs.get(tile), Some(KObject::Tile(_))) {
        return Err(KernelRule::CapType);
    }
    let kcap = k.cap(act, m.kmem)?;
    let kobj = k.obj_of(kcap)?;
    if !matches!(k.objs.get(kobj), Some(KObject::KMem(_))) {
        return Err(KernelRule::CapType);
    }
    if matches!(k.objs.get(tile), Some(KObject::Tile(t)) if t.running.is_some()) {
        return Err(KernelRule::ActTileBusy);
    }
    // The creator pays for the activity object itself.
    let paid = k.pay(act, cost::GATE)?;
    let (id, child) = match k.new_activity(noc, tile, "child", kobj, Some(kcap)) {
        Ok(x) => x,
        Err(rule) => {
            k.refund(paid, cost::GATE);
            return Err(rule);
        }
    };
    // The creator's capability owns the activity: revoking it stops it.
    k.caps
        .insert(act, m.dst, child, None, true, Some((paid, cost::GATE)))?;
    Ok([id.raw().into(), 0])
}

fn act_ctrl(k: &mut Kernel, noc: &mut dyn Noc, act: ObjKey, m: msg::ActCtrl) -> R {
    let target = activity_cap(k, act, m.act)?;
    let (tile, exited) = match k.objs.get(target) {
        Some(KObject::Activity(a)) => (a.tile, a.exited.is_some()),
        _ => return Err(KernelRule::CapType),
    };
    if exited {
        return Err(KernelRule::ActExited);
    }
    let tile_id = match k.objs.get(tile) {
        Some(KObject::Tile(t)) => t.id,
        _ => return Err(KernelRule::CapType),
    };
    noc.core_control(tile_id, m.start)
        .map_err(|_| KernelRule::NocFault)?;
    if !m.start {
        exit(k, noc, target, STOPPED)?;
    }
    Ok([0; 2])
}

/// The exit code of an activity stopped by another.
pub(crate) const STOPPED: u64 = 0x7FFF_FFFF;

/// `ActWait`: the exit code if `m.act` has exited; otherwise records the
/// wait (answered through `Kernel::take_ready` with `token`).
pub(crate) fn act_wait(
    k: &mut Kernel,
    act: ObjKey,
    m: msg::ActWait,
    token: u64,
) -> Result<Option<u64>, KernelRule> {
    let target = activity_cap(k, act, m.act)?;
    match k.objs.get(target) {
        Some(KObject::Activity(a)) => match a.exited {
            Some(code) => Ok(Some(code)),
            None => {
                k.waits.push((target, act, token));
                Ok(None)
            }
        },
        _ => Err(KernelRule::CapType),
    }
}

/// `ActWatch`: an upcall when `m.act` exits (at once if it has).
fn act_watch(k: &mut Kernel, act: ObjKey, m: msg::ActWatch) -> R {
    let target = activity_cap(k, act, m.act)?;
    match k.objs.get(target) {
        Some(KObject::Activity(a)) => match a.exited {
            Some(code) => {
                let u = kif::upcall::Upcall::Exited {
                    ident: m.ident,
                    code,
                };
                crate::services::upcall(k, act, u);
            }
            None => k.watches.push((target, act, m.ident)),
        },
        _ => return Err(KernelRule::CapType),
    }
    Ok([0; 2])
}

/// Activity `act` has exited with `code`: every capability it holds is
/// revoked (with everything derived from it, wherever it is — peers'
/// endpoints onto its gates are invalidated, so they get errors instead of
/// waiting), its standard endpoints are invalidated, and its tile's
/// endpoints are free again.
pub(crate) fn exit(
    k: &mut Kernel,
    noc: &mut dyn Noc,
    act: ObjKey,
    code: u64,
) -> Result<(), KernelRule> {
    let (tile_obj, tile) = match k.objs.get_mut(act) {
        Some(KObject::Activity(a)) => {
            a.exited = Some(code);
            let t = a.tile;
            match k.objs.get(t) {
                Some(KObject::Tile(tl)) => (t, tl.id),
                _ => return Err(KernelRule::CapType),
            }
        }
        _ => return Err(KernelRule::CapType),
    };
    let mut fault = None;
    // Its own capabilities, children first within each subtree; the fixed
    // ones (tile, quota, itself) last.
    let mut sels: Vec<(CapSel, CapKey)> = k.caps.of(act).collect();
    sels.sort_by_key(|(s, _)| core::cmp::Reverse(s.0));
    for (_, key) in sels {
        if k.caps.get(key).is_some()
            && let Err(r) = revoke(k, noc, key, true)
        {
            fault = Some(r);
        }
    }
    for ep in [
        kif::eps::SYSCALL_SEND,
        kif::eps::SYSCALL_REPLY,
        kif::eps::UPCALL,
    ] {
        if noc.invalidate_ep(tile, ep).is_err() {
            fault = Some(KernelRule::NocFault);
        }
    }
    if let Some(KObject::Tile(t)) = k.objs.get_mut(tile_obj) {
        t.running = None;
        for e in 0..kif::eps::FIRST_FREE.raw() {
            if let Some(a) = t.allocated.get_mut(usize::from(e)) {
                *a = false;
            }
        }
    }
    // Whoever waits for it gets its exit code; its own waits end (their
    // answers only free the kernel's message slots: its endpoints are gone).
    let mut still = Vec::new();
    for (target, waiter, token) in core::mem::take(&mut k.waits) {
        if target == act {
            k.ready.push((token, crate::kernel::Reply::ok([code, 0])));
        } else if waiter == act {
            k.ready
                .push((token, crate::kernel::Reply::refused(KernelRule::ActGone)));
        } else {
            still.push((target, waiter, token));
        }
    }
    k.waits = still;
    // Watchers hear of it by upcall; its own watches end.
    let watches = core::mem::take(&mut k.watches);
    for (target, watcher, ident) in watches {
        if target == act {
            crate::services::upcall(k, watcher, kif::upcall::Upcall::Exited { ident, code });
        } else if watcher != act {
            k.watches.push((target, watcher, ident));
        }
    }
    crate::services::on_exit(k, act);
    fault.map_or(Ok(()), Err)
}

/// Creates an object owned by a new capability at `dst`, paid by `act`.
pub(crate) fn create(
    k: &mut Kernel,
    act: ObjKey,
    dst: CapSel,
    obj: KObject,
    parent: Option<CapKey>,
) -> R {
    if dst.0 < CapSel::FIRST_FREE.0 {
        return Err(KernelRule::CapFixed);
    }
    if !k.caps.is_free(act, dst) {
        return Err(KernelRule::CapExists);
    }
    let kmem = k.pay(act, cost::GATE)?;
    let key = k.objs.insert(obj);
    match k
        .caps
        .insert(act, dst, key, parent, true, Some((kmem, cost::GATE)))
    {
        Ok(_) => Ok([0; 2]),
        Err(rule) => {
            k.objs.remove(key);
            k.refund(kmem, cost::GATE);
            Err(rule)
        }
    }
}

fn create_rgate(k: &mut Kernel, act: ObjKey, m: msg::CreateRGate) -> R {
    let ok =
        (6..=11).contains(&m.msg_order) && m.order >= m.msg_order && m.order - m.msg_order <= 6;
    if !ok {
        return Err(KernelRule::RgateOrder);
    }
    let gate = KObject::RGate(RGate {
        order: m.order,
        msg_order: m.msg_order,
        activated: None,
    });
    create(k, act, m.dst, gate, None)
}

fn create_sgate(k: &mut Kernel, act: ObjKey, m: msg::CreateSGate) -> R {
    let rcap = k.cap(act, m.rgate)?;
    let robj = k.obj_of(rcap)?;
    if !matches!(k.objs.get(robj), Some(KObject::RGate(_))) {
        return Err(KernelRule::CapType);
    }
    if m.credits > 62 {
        return Err(KernelRule::SgateCredits);
    }
    let gate = KObject::SGate(SGate {
        rgate: robj,
        label: m.label,
        credits: m.credits,
    });
    // The send gate is derived from the receive gate: revoking the receive
    // gate revokes every send gate onto it.
    create(k, act, m.dst, gate, Some(rcap))
}

fn derive_mem(k: &mut Kernel, act: ObjKey, m: msg::DeriveMem) -> R {
    let scap = k.cap(act, m.src)?;
    let sobj = k.obj_of(scap)?;
    let Some(KObject::MGate(src)) = k.objs.get(sobj) else {
        return Err(KernelRule::CapType);
    };
    let end = m.offset.checked_add(m.size);
    if m.size == 0 || end.is_none_or(|e| e > src.size) {
        return Err(KernelRule::MemBounds);
    }
    if !src.perm.contains(m.perm) {
        return Err(KernelRule::MemPerm);
    }
    let gate = MGate {
        tile: src.tile,
        addr: src.addr + m.offset,
        size: m.size,
        perm: m.perm,
    };
    if gate.addr.saturating_add(gate.size) > tcu_mmio::regs::MMIO_BASE {
        return Err(KernelRule::MemRegs);
    }
    create(k, act, m.dst, KObject::MGate(gate), Some(scap))
}

fn alloc_ep(k: &mut Kernel, act: ObjKey, m: msg::AllocEp) -> R {
    let acap = k.cap(act, m.act)?;
    let target = k.obj_of(acap)?;
    let Some(KObject::Activity(a)) = k.objs.get(target) else {
        return Err(KernelRule::CapType);
    };
    let (act_id, tile_obj) = (a.id, a.tile);
    let Some(KObject::Tile(t)) = k.objs.get(tile_obj) else {
        return Err(KernelRule::CapType);
    };
    let first = kif::eps::FIRST_FREE.raw();
    let fits = |ep: u16| {
        u64::from(ep)
            .checked_add(m.replies)
            .is_some_and(|end| end < u64::from(t.eps))
    };
    let free = |ep: u16| {
        (u64::from(ep)..=u64::from(ep) + m.replies)
            .all(|e| !t.allocated.get(e as usize).copied().unwrap_or(true))
    };
    let ep = if m.ep == EpId::INVALID {
        (first..t.eps)
            .find(|e| fits(*e) && free(*e))
            .ok_or(KernelRule::EpNoneFree)?
    } else {
        let e = m.ep.raw();
        if e < first || !fits(e) {
            return Err(KernelRule::EpRange);
        }
        if !free(e) {
            return Err(KernelRule::EpTaken);
        }
        e
    };
    let tile = t.id;
    let obj = KObject::Ep(Ep {
        tile,
        tile_obj,
        ep: EpId(ep),
        replies: m.replies,
        act: act_id,
        bound: None,
    });
    create(k, act, m.dst, obj, None)?;
    if let Some(KObject::Tile(t)) = k.objs.get_mut(tile_obj) {
        for e in u64::from(ep)..=u64::from(ep) + m.replies {
            if let Some(a) = t.allocated.get_mut(e as usize) {
                *a = true;
            }
        }
    }
    Ok([ep.into(), 0])
}

fn activate(k: &mut Kernel, noc: &mut dyn Noc, act: ObjKey, m: msg::Activate) -> R {
    let ecap = k.cap(act, m.ep)?;
    let eobj = k.obj_of(ecap)?;
    let Some(KObject::Ep(ep)) = k.objs.get(eobj) else {
        return Err(KernelRule::CapType);
    };
    if ep.bound.is_some() {
        return Err(KernelRule::ActivateBound);
    }
    let (tile, epid, replies, owner, tile_obj) = (ep.tile, ep.ep, ep.replies, ep.act, ep.tile_obj);
    let gcap = k.cap(act, m.gate)?;
    let gobj = k.obj_of(gcap)?;
    let cfg = match k.objs.get(gobj) {
        Some(KObject::RGate(r)) => {
            if r.activated.is_some() {
                return Err(KernelRule::ActivateRgateTwice);
            }
            let size = 1u64 << r.order;
            let mem = match k.objs.get(tile_obj) {
                Some(KObject::Tile(t)) => t.mem_size,
                _ => 0,
            };
            let in_memory = m.rbuf_mem == CapSel(u64::MAX)
                && m.rbuf_off >= kif::eps::RUNTIME_AREA_END
                && m.rbuf_off.is_multiple_of(size)
                && m.rbuf_off.checked_add(size).is_some_and(|e| e <= mem);
            if !in_memory {
                return Err(KernelRule::ActivateRbuf);
            }
            let slots = 1u64 << (r.order - r.msg_order);
            let reply_eps = match replies {
                0 => EpId::INVALID,
                n if n >= slots => EpId(epid.raw() + 1),
                _ => return Err(KernelRule::ActivateReplyEps),
            };
            EpConfig::Receive(RecvEp {
                act: owner,
                reply_eps,
                slots_log2: r.order - r.msg_order,
                slot_size_log2: r.msg_order,
                wpos: 0,
                rpos: 0,
                buf_addr: m.rbuf_off,
                occupied: 0,
                unread: 0,
            })
        }
        Some(KObject::SGate(s)) => {
            let Some(target) = k.rgate_binding(s.rgate) else {
                return Err(KernelRule::ActivateSgateUnready);
            };
            let msg_order = match k.objs.get(s.rgate) {
                Some(KObject::RGate(r)) => r.msg_order,
                _ => return Err(KernelRule::ActivateSgateUnready),
            };
            let credits = match s.credits {
                0 => Credits::UNLIMITED,
                n => Credits::new(n).map_err(|_| KernelRule::SgateCredits)?,
            };
            EpConfig::Send(SendEp {
                act: owner,
                cur_credits: credits,
                max_credits: credits,
                msg_size_log2: msg_order,
                credit_ep: EpId::INVALID,
                reply: false,
                target_tile: target.tile,
                target_ep: target.ep,
                label: s.label,
            })
        }
        Some(KObject::MGate(g)) => {
            if g.addr.saturating_add(g.size) > tcu_mmio::regs::MMIO_BASE {
                return Err(KernelRule::MemRegs);
            }
            EpConfig::Memory(MemEp {
                act: owner,
                perm: g.perm,
                target_tile: g.tile,
                addr: g.addr,
                size: g.size,
            })
        }
        _ => return Err(KernelRule::CapType),
    };
    noc.config_ep(tile, epid, &cfg)
        .map_err(|_| KernelRule::NocFault)?;
    if let Some(KObject::RGate(r)) = k.objs.get_mut(gobj) {
        r.activated = Some(Binding { tile, ep: epid });
    }
    if let Some(KObject::Ep(e)) = k.objs.get_mut(eobj) {
        e.bound = Some((gobj, gcap));
    }
    Ok([0; 2])
}

/// Checks a selector range: 1..=64 selectors, no wrap, none fixed.
pub(crate) fn range(start: CapSel, count: u64) -> Result<Vec<CapSel>, KernelRule> {
    if count == 0 || count > 64 {
        return Err(KernelRule::XchgRange);
    }
    let r = CapRange { start, count };
    let sels: Vec<CapSel> = r.iter().ok_or(KernelRule::XchgRange)?.collect();
    if sels.iter().any(|s| s.0 < CapSel::FIRST_FREE.0) {
        return Err(KernelRule::CapFixed);
    }
    Ok(sels)
}

fn exchange(k: &mut Kernel, act: ObjKey, m: msg::Exchange) -> R {
    let acap = k.cap(act, m.act)?;
    let other = k.obj_of(acap)?;
    if !matches!(k.objs.get(other), Some(KObject::Activity(_))) {
        return Err(KernelRule::CapType);
    }
    if matches!(k.objs.get(other), Some(KObject::Activity(a)) if a.exited.is_some()) {
        return Err(KernelRule::ActExited);
    }
    let own = range(m.own_start, m.count)?;
    let theirs = range(m.other_start, m.count)?;
    if m.obtain {
        copy_caps(k, other, &theirs, act, &own)?;
    } else {
        copy_caps(k, act, &own, other, &theirs)?;
    }
    Ok([0; 2])
}

/// Copies `from`'s capabilities at `from_sels` to `to` at `to_sels` (as
/// children of the originals; `to` pays). Checks everything first: on an
/// error nothing changed.
pub(crate) fn copy_caps(
    k: &mut Kernel,
    from: ObjKey,
    from_sels: &[CapSel],
    to: ObjKey,
    to_sels: &[CapSel],
) -> Result<(), KernelRule> {
    let mut sources = Vec::with_capacity(from_sels.len());
    for s in from_sels {
        sources.push(k.cap(from, *s)?);
    }
    if to_sels.iter().any(|s| !k.caps.is_free(to, *s)) {
        return Err(KernelRule::CapExists);
    }
    if from == to && from_sels.iter().any(|s| to_sels.contains(s)) {
        return Err(KernelRule::CapExists);
    }
    let total = cost::CAP * to_sels.len() as u64;
    let kmem = k.pay(to, total)?;
    for (src, sel) in sources.into_iter().zip(to_sels) {
        let obj = k.obj_of(src)?;
        k.caps
            .insert(to, *sel, obj, Some(src), false, Some((kmem, cost::CAP)))?;
    }
    Ok(())
}

fn revoke_syscall(k: &mut Kernel, noc: &mut dyn Noc, act: ObjKey, m: msg::Revoke) -> R {
    let sels = range(m.start, m.count)?;
    let keys: Vec<CapKey> = sels.iter().filter_map(|s| k.caps.lookup(act, *s)).collect();
    if keys.is_empty() {
        return Err(KernelRule::CapNone);
    }
    for key in keys {
        revoke(k, noc, key, m.own)?;
    }
    Ok([0; 2])
}

/// Revokes everything derived from `key` and, with `own`, `key` itself:
/// endpoints bound through a revoked capability are invalidated on their
/// tiles (forced), objects are freed with the capability that owns them,
/// and quotas get their memory back.
pub(crate) fn revoke(
    k: &mut Kernel,
    noc: &mut dyn Noc,
    key: CapKey,
    own: bool,
) -> Result<(), KernelRule> {
    let mut victims = k.caps.subtree(key);
    if !own {
        victims.retain(|v| *v != key);
    }
    let mut fault = None;
    for v in victims {
        let Some(cap) = k.caps.get(v).cloned() else {
            continue;
        };
        // Endpoints this capability bound a gate to (on any tile), and the
        // endpoint itself if the capability is an endpoint's owner.
        let mut unbind: Vec<ObjKey> = k
            .objs
            .iter()
            .filter_map(|(ek, o)| match o {
                KObject::Ep(e) if e.bound.is_some_and(|(_, c)| c == v) => Some(ek),
                _ => None,
            })
            .collect();
        if cap.owns && matches!(k.objs.get(cap.obj), Some(KObject::Ep(_))) {
            unbind.push(cap.obj);
        }
        for ek in unbind {
            let Some(KObject::Ep(e)) = k.objs.get_mut(ek) else {
                continue;
            };
            let (tile, ep, owner) = (e.tile, e.ep, e.act);
            if let Some((gate, _)) = e.bound.take() {
                if noc.invalidate_ep(tile, ep).is_err() {
                    fault = Some(KernelRule::NocFault);
                }
                match k.objs.get_mut(gate) {
                    Some(KObject::RGate(r)) => r.activated = None,
                    // A send endpoint lost its receiver (a server that
                    // ended, say): its owner hears of it, so a client
                    // waiting for an answer stops waiting.
                    Some(KObject::SGate(_)) => {
                        if let Some(&to) = k.acts.get(&owner.raw()) {
                            crate::services::upcall(
                                k,
                                to,
                                kif::upcall::Upcall::Invalidated {
                                    ep: ep.raw().into(),
                                },
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        k.caps.remove(v);
        if let Some((kmem, amount)) = cap.paid {
            // A kernel-memory capability returns only what it has left:
            // objects it paid for may outlive it.
            let amount = match k.objs.get(cap.obj) {
                Some(KObject::KMem(q)) if cap.owns => q.left + cost::KMEM,
                _ => amount,
            };
            k.refund(kmem, amount);
        }
        if cap.owns {
            // An activity lives on (its exit code for waiters) but is
            // stopped when its creator's capability goes.
            let running = match k.objs.get(cap.obj) {
                Some(KObject::Activity(a)) if a.exited.is_none() => {
                    k.objs.get(a.tile).and_then(|t| match t {
                        KObject::Tile(t) => Some(t.id),
                        _ => None,
                    })
                }
                _ => None,
            };
            if let Some(tile) = running {
                if noc.core_control(tile, false).is_err() {
                    fault = Some(KernelRule::NocFault);
                }
                if let Err(r) = exit(k, noc, cap.obj, STOPPED) {
                    fault = Some(r);
                }
            } else if !matches!(k.objs.get(cap.obj), Some(KObject::Activity(_))) {
                free_object(k, noc, cap.obj);
            }
        }
    }
    fault.map_or(Ok(()), Err)
}

/// Frees an object whose owning capability is gone.
fn free_object(k: &mut Kernel, noc: &mut dyn Noc, obj: ObjKey) {
    let Some(freed) = k.objs.remove(obj) else {
        return;
    };
    crate::services::on_free(k, noc, obj, &freed);
    // Endpoints hold their tile's EPs.
    if let KObject::Ep(e) = freed
        && let Some(KObject::Tile(t)) = k.objs.get_mut(e.tile_obj)
    {
        for i in u64::from(e.ep.raw())..=u64::from(e.ep.raw()) + e.replies {
            if let Some(a) = t.allocated.get_mut(i as usize) {
                *a = false;
            }
        }
    }
}

fn derive_kmem(k: &mut Kernel, act: ObjKey, m: msg::DeriveKMem) -> R {
    let kcap = k.cap(act, m.kmem)?;
    let kobj = k.obj_of(kcap)?;
    let Some(KObject::KMem(src)) = k.objs.get(kobj) else {
        return Err(KernelRule::CapType);
    };
    if m.dst.0 < CapSel::FIRST_FREE.0 {
        return Err(KernelRule::CapFixed);
    }
    if !k.caps.is_free(act, m.dst) {
        return Err(KernelRule::CapExists);
    }
    if m.quota.checked_add(cost::KMEM).is_none_or(|n| n > src.left) {
        return Err(KernelRule::KmemDerive);
    }
    if let Some(KObject::KMem(src)) = k.objs.get_mut(kobj) {
        src.left -= m.quota + cost::KMEM;
    }
    let obj = k.objs.insert(KObject::KMem(KMem {
        quota: m.quota,
        left: m.quota,
    }));
    k.caps.insert(
        act,
        m.dst,
        obj,
        Some(kcap),
        true,
        Some((kobj, m.quota + cost::KMEM)),
    )?;
    Ok([0; 2])
}

fn mem_info(k: &mut Kernel, act: ObjKey, m: msg::MemInfo) -> R {
    let cap = k.cap(act, m.mem)?;
    match k.objs.get(k.obj_of(cap)?) {
        Some(KObject::MGate(g)) => Ok([g.size, g.perm.bits()]),
        _ => Err(KernelRule::CapType),
    }
}

fn kmem_quota(k: &mut Kernel, act: ObjKey, m: msg::KMemQuota) -> R {
    let kcap = k.cap(act, m.kmem)?;
    match k.objs.get(k.obj_of(kcap)?) {
        Some(KObject::KMem(q)) => Ok([q.quota, q.left]),
        _ => Err(KernelRule::CapType),
    }
}
