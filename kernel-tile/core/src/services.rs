//! Services and sessions: the kernel's requests to servers, asynchronous.
//!
//! Opening a session and exchanging capabilities over one need the
//! server's answer. The kernel never waits for it: the syscall is
//! *deferred* (its message stays in the syscall buffer), the request goes
//! to the platform's outbox ([`Kernel::take_outbox`]) to be sent to the
//! service's receive gate, and the caller's reply is made when the server's
//! answer comes ([`Kernel::service_reply`]) or when the request times out
//! ([`Kernel::advance`]). Per service at most [`MAX_IN_FLIGHT`] requests
//! (and no more than its receive gate has slots) are in flight and
//! [`MAX_QUEUED`] wait; more are refused at once. A
//! request that timed out still occupies its slot at the server until the
//! server answers (its receive buffer holds the message), so a service
//! that never answers ends up refusing everyone — its clients get errors,
//! no other activity waits for it.

use alloc::vec::Vec;

use kif::CapSel;
use kif::service::{ExchangeReply, MAX_IN_FLIGHT, MAX_QUEUED, MAX_REQUEST_WORDS, Request};
use kif::syscall::msg;
use tcu_mmio::{EpId, TileId};

use crate::caps::CapKey;
use crate::kernel::{Kernel, Noc, Reply};
use crate::objects::{KObject, ObjKey, Service, Session};
use crate::rules::KernelRule;
use crate::syscalls::{copy_caps, create, range};

/// How long a server may take to answer, by default: 1 s.
pub const DEFAULT_TIMEOUT_NS: u64 = 1_000_000_000;

/// A message the platform sends for the kernel, on the kernel's service
/// send endpoint to `(tile, ep)`: a request to a service (replies to the
/// kernel's service-reply endpoint labelled `id`) or an upcall (no reply).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceMsg {
    /// The request (the reply label); 0 for upcalls.
    pub id: u64,
    /// Whether an answer is expected (requests to services).
    pub reply: bool,
    /// The receiving slots' size (log2): the message's size limit.
    pub msg_order: u8,
    /// The service's tile.
    pub tile: TileId,
    /// Its receive endpoint.
    pub ep: EpId,
    /// The words ([`kif::service::Request`]).
    pub words: [u64; MAX_REQUEST_WORDS],
    /// How many of them.
    pub len: usize,
}

/// What a request does when its answer comes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Then {
    /// Create the session at the caller's `dst`, derived from `srv_cap`.
    Open { dst: CapSel, srv_cap: CapKey },
    /// Exchange with the server: the caller's `own` range.
    Exchange { own: Vec<CapSel>, obtain: bool },
    /// Nothing (a close notification).
    Nothing,
}

#[derive(Clone, Debug)]
struct Pending {
    id: u64,
    srv: ObjKey,
    /// The caller and its syscall's token, while it waits.
    caller: Option<(ObjKey, u64)>,
    then: Then,
    request: Request,
    deadline: u64,
    sent: bool,
}

/// The kernel's service requests.
pub(crate) struct Services {
    pending: Vec<Pending>,
    outbox: Vec<ServiceMsg>,
    next_id: u64,
    now: u64,
    timeout: u64,
}

impl Default for Services {
    fn default() -> Self {
        Self {
            pending: Vec::new(),
            outbox: Vec::new(),
            next_id: 1,
            now: 0,
            timeout: DEFAULT_TIMEOUT_NS,
        }
    }
}

impl Kernel {
    /// Messages to send to services (see [`ServiceMsg`]).
    pub fn take_outbox(&mut self) -> Vec<ServiceMsg> {
        core::mem::take(&mut self.svc.outbox)
    }

    /// Sets how long servers may take to answer.
    pub fn set_service_timeout(&mut self, ns: u64) {
        self.svc.timeout = ns;
    }

    /// The time is `now_ns` (any monotonic clock in nanoseconds): requests
    /// past their deadline fail for their callers with `SRV-TIMEOUT`.
    pub fn advance(&mut self, now_ns: u64) {
        self.svc.now = self.svc.now.max(now_ns);
        let now = self.svc.now;
        let mut i = 0;
        while i < self.svc.pending.len() {
            let p = &mut self.svc.pending[i];
            if p.deadline > now {
                i += 1;
                continue;
            }
            if let Some((_, token)) = p.caller.take() {
                self.ready
                    .push((token, Reply::refused(KernelRule::SrvTimeout)));
            }
            // Unsent, it is forgotten; sent, it holds its slot at the
            // server until answered.
            if !p.sent {
                self.svc.pending.remove(i);
            } else {
                p.deadline = u64::MAX;
                i += 1;
            }
        }
    }

    /// The earliest deadline of a request whose caller waits (the platform
    /// calls [`Kernel::advance`] by then).
    pub fn next_deadline(&self) -> Option<u64> {
        self.svc
            .pending
            .iter()
            .filter(|p| p.caller.is_some())
            .map(|p| p.deadline)
            .min()
    }

    /// The platform could not send request `id` (the service's receive
    /// gate is gone or full): its caller gets `SRV-GONE`.
    pub fn service_unreachable(&mut self, noc: &mut dyn Noc, id: u64) {
        let Some(i) = self.svc.pending.iter().position(|p| p.id == id) else {
            return;
        };
        let p = self.svc.pending.remove(i);
        if let Some((_, token)) = p.caller {
            self.ready
                .push((token, Reply::refused(KernelRule::SrvGone)));
        }
        pump(self, noc, p.srv);
    }

    /// The server's answer `words` (a code, then results) to request `id`
    /// (the label of the reply). Unknown ids (answers to requests that
    /// are gone) are ignored.
    pub fn service_reply(&mut self, noc: &mut dyn Noc, id: u64, words: &[u64]) {
        let Some(i) = self.svc.pending.iter().position(|p| p.id == id) else {
            return;
        };
        let p = self.svc.pending.remove(i);
        let code = words.first().map(|w| kif::Code::try_from(*w));
        let outcome = match code {
            None => Err(Reply::refused(KernelRule::SrvReply)),
            Some(Ok(kif::Code::Success)) => Ok(()),
            Some(c) => {
                let code = c.ok().unwrap_or(KernelRule::SrvRefused.code());
                Err(Reply {
                    code,
                    ..Reply::refused(KernelRule::SrvRefused)
                })
            }
        };
        match (p.caller, outcome) {
            (Some((caller, token)), Ok(())) => {
                let reply = match complete(self, caller, p.srv, &p.then, words) {
                    Ok(values) => Reply::ok(values),
                    Err(rule) => Reply::refused(rule),
                };
                self.ready.push((token, reply));
            }
            (Some((_, token)), Err(reply)) => self.ready.push((token, reply)),
            (None, Ok(())) => {
                // A late answer: a session the server opened is closed
                // again, since nobody holds it.
                if let (Then::Open { .. }, Some(&ident)) = (&p.then, words.get(1)) {
                    let _ = submit(self, p.srv, None, Then::Nothing, Request::Close { ident });
                }
            }
            (None, Err(_)) => {}
        }
        pump(self, noc, p.srv);
    }
}

/// Queues a request for service `srv` (sending it if the service has room
/// in flight).
fn submit(
    k: &mut Kernel,
    srv: ObjKey,
    caller: Option<(ObjKey, u64)>,
    then: Then,
    request: Request,
) -> Result<(), KernelRule> {
    let of_srv = || k.svc.pending.iter().filter(move |p| p.srv == srv);
    let queued = of_srv().filter(|p| !p.sent).count();
    if queued >= MAX_QUEUED {
        return Err(KernelRule::SrvBusy);
    }
    if !matches!(k.objs.get(srv), Some(KObject::Service(_))) {
        return Err(KernelRule::SrvGone);
    }
    let id = k.svc.next_id;
    k.svc.next_id += 1;
    k.svc.pending.push(Pending {
        id,
        srv,
        caller,
        then,
        request,
        deadline: k.svc.now.saturating_add(k.svc.timeout),
        sent: false,
    });
    Ok(())
}

/// Sends what service `srv` has room for; a service whose receive gate is
/// gone fails its queued requests.
fn pump(k: &mut Kernel, _noc: &mut dyn Noc, srv: ObjKey) {
    let target = match k.objs.get(srv) {
        Some(KObject::Service(s)) => match k.objs.get(s.rgate) {
            // No more in flight than the gate has slots: a full buffer
            // would refuse the message.
            Some(KObject::RGate(r)) => r.activated.map(|b| (b, 1usize << (r.order - r.msg_order))),
            _ => None,
        },
        _ => None,
    };
    let Some((target, slots)) = target else {
        fail_all(k, srv, KernelRule::SrvGone);
        return;
    };
    let in_flight = k
        .svc
        .pending
        .iter()
        .filter(|p| p.srv == srv && p.sent)
        .count();
    let room = MAX_IN_FLIGHT.min(slots).saturating_sub(in_flight);
    let waiting = k.svc.pending.iter_mut().filter(|p| p.srv == srv && !p.sent);
    for p in waiting.take(room) {
        let (words, len) = p.request.encode();
        k.svc.outbox.push(ServiceMsg {
            id: p.id,
            reply: true,
            msg_order: kif::service::MIN_MSG_ORDER,
            tile: target.tile,
            ep: target.ep,
            words,
            len,
        });
        p.sent = true;
    }
}

/// Fails every request of service `srv` with `rule` and forgets them.
fn fail_all(k: &mut Kernel, srv: ObjKey, rule: KernelRule) {
    let (gone, keep): (Vec<Pending>, Vec<Pending>) = core::mem::take(&mut k.svc.pending)
        .into_iter()
        .partition(|p| p.srv == srv);
    k.svc.pending = keep;
    k.svc.outbox.retain(|m| gone.iter().all(|p| p.id != m.id));
    for p in gone {
        if let Some((_, token)) = p.caller {
            k.ready.push((token, Reply::refused(rule)));
        }
    }
}

/// An object is freed: a service fails its requests; a session tells its
/// server it is closed.
pub(crate) fn on_free(k: &mut Kernel, noc: &mut dyn Noc, obj: ObjKey, freed: &KObject) {
    match freed {
        KObject::Service(_) => fail_all(k, obj, KernelRule::SrvGone),
        KObject::Session(s) => {
            let close = Request::Close { ident: s.ident };
            if submit(k, s.srv, None, Then::Nothing, close).is_ok() {
                pump(k, noc, s.srv);
            }
        }
        _ => {}
    }
}

/// Sends upcall `u` to activity `to` (if it still runs).
pub(crate) fn upcall(k: &mut Kernel, to: ObjKey, u: kif::upcall::Upcall) {
    let tile = match k.objs.get(to) {
        Some(KObject::Activity(a)) if a.exited.is_none() => match k.objs.get(a.tile) {
            Some(KObject::Tile(t)) => t.id,
            _ => return,
        },
        _ => return,
    };
    let mut words = [0u64; MAX_REQUEST_WORDS];
    let w = u.encode();
    words[..w.len()].copy_from_slice(&w);
    k.svc.outbox.push(ServiceMsg {
        id: 0,
        reply: false,
        msg_order: kif::upcall::MSG_ORDER,
        tile,
        ep: kif::eps::UPCALL,
        words,
        len: w.len(),
    });
}

/// Activity `act` has exited: its waiting requests are answered (its
/// endpoints are gone, so the answers only free the syscall slots).
pub(crate) fn on_exit(k: &mut Kernel, act: ObjKey) {
    for p in &mut k.svc.pending {
        if let Some((caller, token)) = p.caller
            && caller == act
        {
            p.caller = None;
            k.ready.push((token, Reply::refused(KernelRule::ActGone)));
        }
    }
}

/// `CreateSrv`.
pub(crate) fn create_srv(
    k: &mut Kernel,
    act: ObjKey,
    m: msg::CreateSrv,
) -> Result<[u64; 2], KernelRule> {
    let rcap = k.cap(act, m.rgate)?;
    let robj = k.obj_of(rcap)?;
    let Some(KObject::RGate(r)) = k.objs.get(robj) else {
        return Err(KernelRule::CapType);
    };
    let serves = k
        .objs
        .iter()
        .any(|(_, o)| matches!(o, KObject::Service(s) if s.rgate == robj));
    if r.activated.is_none() || r.msg_order < kif::service::MIN_MSG_ORDER || serves {
        return Err(KernelRule::SrvRgate);
    }
    let srv = KObject::Service(Service {
        server: act,
        rgate: robj,
    });
    // Derived from the receive gate: revoking it ends the service.
    create(k, act, m.dst, srv, Some(rcap))
}

/// `CreateSess`: the server makes a session of its own service.
pub(crate) fn create_sess(
    k: &mut Kernel,
    act: ObjKey,
    m: msg::CreateSess,
) -> Result<[u64; 2], KernelRule> {
    let scap = k.cap(act, m.srv)?;
    let srv = k.obj_of(scap)?;
    match k.objs.get(srv) {
        Some(KObject::Service(s)) if s.server == act => {}
        Some(KObject::Service(_)) => return Err(KernelRule::SrvOwner),
        _ => return Err(KernelRule::CapType),
    }
    free_dst(k, act, m.dst)?;
    let sess = KObject::Session(Session {
        srv,
        ident: m.ident,
    });
    create(k, act, m.dst, sess, Some(scap))
}

/// `OpenSess`: validates and sends `Open`; the reply is deferred.
pub(crate) fn open_sess(
    k: &mut Kernel,
    noc: &mut dyn Noc,
    act: ObjKey,
    token: u64,
    m: msg::OpenSess,
) -> Result<(), KernelRule> {
    let scap = k.cap(act, m.srv)?;
    let srv = k.obj_of(scap)?;
    if !matches!(k.objs.get(srv), Some(KObject::Service(_))) {
        return Err(KernelRule::CapType);
    }
    free_dst(k, act, m.dst)?;
    let then = Then::Open {
        dst: m.dst,
        srv_cap: scap,
    };
    submit(
        k,
        srv,
        Some((act, token)),
        then,
        Request::Open { arg: m.arg },
    )?;
    pump(k, noc, srv);
    Ok(())
}

/// `ExchangeSess`: validates and sends `Obtain`/`Delegate`; deferred.
pub(crate) fn exchange_sess(
    k: &mut Kernel,
    noc: &mut dyn Noc,
    act: ObjKey,
    token: u64,
    m: msg::ExchangeSess,
) -> Result<(), KernelRule> {
    let scap = k.cap(act, m.sess)?;
    let (srv, ident) = match k.objs.get(k.obj_of(scap)?) {
        Some(KObject::Session(s)) => (s.srv, s.ident),
        _ => return Err(KernelRule::CapType),
    };
    let own = range(m.own_start, m.count)?;
    if m.obtain {
        if own.iter().any(|s| !k.caps.is_free(act, *s)) {
            return Err(KernelRule::CapExists);
        }
    } else {
        for s in &own {
            k.cap(act, *s)?;
        }
    }
    let request = Request::Exchange {
        ident,
        obtain: m.obtain,
        count: m.count,
        args: [m.arg0, m.arg1],
    };
    let then = Then::Exchange {
        own,
        obtain: m.obtain,
    };
    submit(k, srv, Some((act, token)), then, request)?;
    pump(k, noc, srv);
    Ok(())
}

/// A destination selector the caller may fill.
fn free_dst(k: &Kernel, act: ObjKey, dst: CapSel) -> Result<(), KernelRule> {
    if dst.0 < CapSel::FIRST_FREE.0 {
        return Err(KernelRule::CapFixed);
    }
    if !k.caps.is_free(act, dst) {
        return Err(KernelRule::CapExists);
    }
    Ok(())
}

/// Completes a request the server accepted; the caller's result words.
fn complete(
    k: &mut Kernel,
    caller: ObjKey,
    srv: ObjKey,
    then: &Then,
    words: &[u64],
) -> Result<[u64; 2], KernelRule> {
    let server = match k.objs.get(srv) {
        Some(KObject::Service(s)) => s.server,
        _ => return Err(KernelRule::SrvGone),
    };
    match then {
        Then::Open { dst, srv_cap } => {
            let &ident = words.get(1).ok_or(KernelRule::SrvReply)?;
            // The caller may have changed since it asked.
            free_dst(k, caller, *dst)?;
            if k.caps.get(*srv_cap).is_none() {
                return Err(KernelRule::SrvGone);
            }
            let sess = KObject::Session(Session { srv, ident });
            create(k, caller, *dst, sess, Some(*srv_cap))?;
            Ok([ident, 0])
        }
        Then::Exchange { own, obtain } => {
            let [start, count, result] = match words.get(1..4) {
                Some(&[s, c, r]) => [s, c, r],
                _ => return Err(KernelRule::SrvReply),
            };
            let r = ExchangeReply {
                start,
                count,
                result,
            };
            if r.count == 0 || r.count > own.len() as u64 {
                return Err(KernelRule::SrvReply);
            }
            let theirs = range(CapSel(r.start), r.count).map_err(|_| KernelRule::SrvReply)?;
            let mine = &own[..theirs.len()];
            let copied = if *obtain {
                // The server must hold what it gives.
                if theirs.iter().any(|s| k.caps.is_free(server, *s)) {
                    return Err(KernelRule::SrvReply);
                }
                copy_caps(k, server, &theirs, caller, mine)
            } else {
                if theirs.iter().any(|s| !k.caps.is_free(server, *s)) {
                    return Err(KernelRule::SrvReply);
                }
                copy_caps(k, caller, mine, server, &theirs)
            };
            copied?;
            Ok([r.count, r.result])
        }
        Then::Nothing => Ok([0; 2]),
    }
}
