//! Services and sessions on the in-process TCU model: a server's service,
//! sessions opened and exchanged over, answers that never come.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

mod harness;

use harness::*;
use kernel_core::{KernelRule, Reply, ServiceMsg};
use kif::service::{ExchangeReply, MAX_IN_FLIGHT, MAX_QUEUED, Request};
use kif::syscall::msg;
use kif::{CapSel, Code, SEL_ACT};
use tcu_mmio::{ActId, EpId};

fn ok(r: Reply) -> [u64; 2] {
    assert_eq!(r.code, Code::Success, "{r:?}");
    r.values
}

/// Activity a serves: a receive gate (4 slots of 128 B) on an endpoint
/// with its reply endpoints, and the service at selector 22. Returns the
/// endpoint requests arrive at.
fn serve(h: &mut Harness) -> EpId {
    let a = h.a;
    ok(h.sys(
        a,
        &msg::CreateRGate {
            dst: CapSel(20),
            order: 9,
            msg_order: 7,
        }
        .encode(),
    ));
    let ep = ok(h.sys(
        a,
        &msg::AllocEp {
            dst: CapSel(21),
            act: SEL_ACT,
            ep: EpId::INVALID,
            replies: 4,
        }
        .encode(),
    ))[0];
    ok(h.sys(
        a,
        &msg::Activate {
            ep: CapSel(21),
            gate: CapSel(20),
            rbuf_mem: CapSel(u64::MAX),
            rbuf_off: 0x1000,
        }
        .encode(),
    ));
    ok(h.sys(
        a,
        &msg::CreateSrv {
            dst: CapSel(22),
            rgate: CapSel(20),
        }
        .encode(),
    ));
    EpId(ep as u16)
}

/// a delegates its service to b at selector 30.
fn give_service_to_b(h: &mut Harness) {
    let (a, b) = (h.a, h.b);
    h.k.grant_activity(a, CapSel(40), b).unwrap();
    ok(h.sys(
        a,
        &msg::Exchange {
            act: CapSel(40),
            own_start: CapSel(22),
            count: 1,
            other_start: CapSel(30),
            obtain: false,
        }
        .encode(),
    ));
}

fn open(h: &mut Harness, act: ActId, dst: u64, token: u64) -> Reply {
    let m = msg::OpenSess {
        dst: CapSel(dst),
        srv: CapSel(30),
        arg: dst,
    };
    h.sys_token(act, token, &m.encode())
}

fn one_request(h: &mut Harness) -> ServiceMsg {
    let out = h.k.take_outbox();
    assert_eq!(out.len(), 1, "{out:?}");
    out[0]
}

fn kind(h: &Harness, act: ActId, sel: u64) -> Option<&'static str> {
    let info = h.k.activity(act).unwrap();
    info.caps
        .iter()
        .find(|(s, _)| s.0 == sel)
        .map(|(_, kind)| *kind)
}

#[test]
fn sessions_carry_capabilities_and_end_with_their_server() {
    let mut h = Harness::new(1 << 16);
    let (a, b) = (h.a, h.b);
    let ep = serve(&mut h);
    give_service_to_b(&mut h);

    // Open: deferred until the server answers with its ident.
    let r = open(&mut h, b, 31, 1);
    assert!(r.deferred, "{r:?}");
    let req = one_request(&mut h);
    assert_eq!((req.tile, req.ep), (A, ep), "sent to the service's gate");
    assert_eq!(
        Request::decode(&req.words[..req.len]),
        Ok(Request::Open { arg: 31 })
    );
    assert!(h.k.take_ready().is_empty(), "nothing before the answer");
    h.k.service_reply(&mut h.noc, req.id, &[Code::Success as u64, 77]);
    assert_eq!(h.k.take_ready(), vec![(1, ok_reply([77, 0]))]);
    assert_eq!(kind(&h, b, 31), Some("session"));

    // Obtain: the server gives one of two asked-for capabilities.
    ok(h.sys(
        a,
        &msg::DeriveMem {
            dst: CapSel(24),
            src: MEM_SEL,
            offset: 0,
            size: 4096,
            perm: tcu_mmio::ep::Perm::R,
        }
        .encode(),
    ));
    let x = msg::ExchangeSess {
        sess: CapSel(31),
        own_start: CapSel(32),
        count: 2,
        obtain: true,
        arg0: 5,
        arg1: 6,
    };
    assert!(h.sys_token(b, 2, &x.encode()).deferred);
    let req = one_request(&mut h);
    assert_eq!(
        Request::decode(&req.words[..req.len]),
        Ok(Request::Exchange {
            ident: 77,
            obtain: true,
            count: 2,
            args: [5, 6]
        })
    );
    let answer = ExchangeReply {
        start: 24,
        count: 1,
        result: 9,
    };
    h.k.service_reply(&mut h.noc, req.id, &answer.encode());
    assert_eq!(h.k.take_ready(), vec![(2, ok_reply([1, 9]))]);
    assert_eq!(kind(&h, b, 32), Some("memory gate"));
    assert_eq!(kind(&h, b, 33), None, "only what the server gave");

    // Delegate: b's memory gate goes back to the server at 50.
    let x = msg::ExchangeSess {
        sess: CapSel(31),
        own_start: CapSel(32),
        count: 1,
        obtain: false,
        arg0: 0,
        arg1: 0,
    };
    assert!(h.sys_token(b, 3, &x.encode()).deferred);
    let req = one_request(&mut h);
    let answer = ExchangeReply {
        start: 50,
        count: 1,
        result: 0,
    };
    h.k.service_reply(&mut h.noc, req.id, &answer.encode());
    assert_eq!(h.k.take_ready(), vec![(3, ok_reply([1, 0]))]);
    assert_eq!(kind(&h, a, 50), Some("memory gate"));

    // A second session, revoked by b: the server hears Close.
    assert!(open(&mut h, b, 35, 4).deferred);
    let req = one_request(&mut h);
    h.k.service_reply(&mut h.noc, req.id, &[Code::Success as u64, 78]);
    h.k.take_ready();
    let rv = msg::Revoke {
        start: CapSel(35),
        count: 1,
        own: true,
    };
    ok(h.sys(b, &rv.encode()));
    let req = one_request(&mut h);
    assert_eq!(
        Request::decode(&req.words[..req.len]),
        Ok(Request::Close { ident: 78 })
    );
    h.k.service_reply(&mut h.noc, req.id, &[Code::Success as u64]);

    // A request in flight when the server exits fails; everything of the
    // service is gone from b.
    assert!(open(&mut h, b, 36, 5).deferred);
    let _ = one_request(&mut h);
    let r = h.sys(a, &msg::Exit { code: 0 }.encode());
    assert!(r.silent);
    let ready = h.k.take_ready();
    assert_eq!(ready.len(), 1, "{ready:?}");
    assert_eq!(ready[0].0, 5);
    assert_eq!(ready[0].1.rule, Some(KernelRule::SrvGone));
    for sel in [30, 31, 32, 36] {
        assert_eq!(kind(&h, b, sel), None, "b's selector {sel} after the exit");
    }
}

fn ok_reply(values: [u64; 2]) -> Reply {
    Reply {
        code: Code::Success,
        rule: None,
        values,
        silent: false,
        deferred: false,
    }
}

#[test]
fn a_service_that_never_answers_stalls_only_its_own_clients() {
    let mut h = Harness::new(1 << 16);
    let (a, b) = (h.a, h.b);
    serve(&mut h);
    give_service_to_b(&mut h);
    // Requests pile up: some in flight, the rest queued, then refused.
    let n = (MAX_IN_FLIGHT + MAX_QUEUED) as u64;
    for i in 0..n {
        assert!(open(&mut h, b, 100 + i, i).deferred);
    }
    assert_eq!(h.k.take_outbox().len(), MAX_IN_FLIGHT, "bounded in flight");
    let r = open(&mut h, b, 200, 99);
    assert_eq!(r.rule, Some(KernelRule::SrvBusy), "{r:?}");
    // Everyone else is served at once.
    ok(h.sys(a, &msg::Noop {}.encode()));
    assert!(h.k.take_ready().is_empty());
    // The deadline passes: every waiting caller gets TIMEOUT.
    let deadline = h.k.next_deadline().unwrap();
    h.k.advance(deadline);
    let ready = h.k.take_ready();
    assert_eq!(ready.len(), n as usize);
    assert!(ready.iter().all(|(_, r)| r.code == Code::Timeout));
    assert_eq!(h.k.next_deadline(), None, "nobody waits any more");
    // The unanswered requests still hold the server's slots: a new one
    // waits in the queue, and is sent when a late answer frees a slot —
    // whose session nobody gets (the server is told to close it).
    assert!(open(&mut h, b, 201, 300).deferred);
    assert!(h.k.take_outbox().is_empty());
    h.k.service_reply(&mut h.noc, 1, &[Code::Success as u64, 5]);
    let out = h.k.take_outbox();
    let decoded: Vec<Request> = out
        .iter()
        .map(|m| Request::decode(&m.words[..m.len]).unwrap())
        .collect();
    assert_eq!(
        decoded,
        vec![Request::Open { arg: 201 }],
        "the queued open goes out first"
    );
    assert_eq!(kind(&h, b, 100), None, "a late answer creates nothing");
}

#[test]
fn a_watched_activity_that_exits_sends_its_watcher_an_upcall() {
    let mut h = Harness::new(1 << 16);
    let (a, b) = (h.a, h.b);
    h.k.grant_activity(a, CapSel(40), b).unwrap();
    let w = msg::ActWatch {
        act: CapSel(40),
        ident: 9,
    };
    ok(h.sys(a, &w.encode()));
    assert!(h.k.take_outbox().is_empty(), "b still runs");
    // The upcall endpoint of a was written at creation.
    assert!(matches!(
        h.ep(A, kif::eps::UPCALL),
        tcu_mmio::ep::EpConfig::Receive(_)
    ));
    assert!(h.sys(b, &msg::Exit { code: 5 }.encode()).silent);
    let out = h.k.take_outbox();
    assert_eq!(out.len(), 1, "{out:?}");
    let u = out[0];
    assert_eq!((u.tile, u.ep, u.reply), (A, kif::eps::UPCALL, false));
    assert_eq!(
        kif::upcall::Upcall::decode(&u.words[..u.len]),
        Ok(kif::upcall::Upcall::Exited { ident: 9, code: 5 })
    );
    // Watching an activity that has exited: the upcall comes at once.
    ok(h.sys(
        a,
        &msg::ActWatch {
            act: CapSel(40),
            ident: 10,
        }
        .encode(),
    ));
    let out = h.k.take_outbox();
    assert_eq!(
        kif::upcall::Upcall::decode(&out[0].words[..out[0].len]),
        Ok(kif::upcall::Upcall::Exited { ident: 10, code: 5 })
    );
    // Not an activity: refused.
    let r = h.sys(
        a,
        &msg::ActWatch {
            act: MEM_SEL,
            ident: 1,
        }
        .encode(),
    );
    assert_eq!(r.rule, Some(KernelRule::CapType));
}

#[test]
fn a_server_creates_sessions_of_its_own_service_directly() {
    let mut h = Harness::new(1 << 16);
    let a = h.a;
    serve(&mut h);
    let c = msg::CreateSess {
        dst: CapSel(50),
        srv: CapSel(22),
        ident: 5,
    };
    ok(h.sys(a, &c.encode()));
    assert_eq!(kind(&h, a, 50), Some("session"));
    assert!(h.k.take_outbox().is_empty(), "no request to itself");
    let rv = msg::Revoke {
        start: CapSel(50),
        count: 1,
        own: true,
    };
    ok(h.sys(a, &rv.encode()));
    let req = one_request(&mut h);
    assert_eq!(
        Request::decode(&req.words[..req.len]),
        Ok(Request::Close { ident: 5 })
    );
}
