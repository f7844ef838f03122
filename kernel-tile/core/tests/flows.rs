//! Capabilities end to end on the in-process TCU model: gates created,
//! activated, exchanged between activities, used by the tiles' TCUs, and
//! revoked — with the remote endpoints invalidated on the tiles.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

mod harness;

use harness::*;
use kif::syscall::msg;
use kif::{CapSel, Code, SEL_ACT};
use tcu_mmio::ep::EpConfig;
use tcu_mmio::regs::{Layout, UnprivReg};
use tcu_mmio::{CmdOp, Command, EpId, Label, Reg, TileId};
use tcu_model::Access;

fn ok(r: kernel_core::Reply) -> [u64; 2] {
    assert_eq!(r.code, Code::Success, "{r:?}");
    r.values
}

/// Tile `t`'s compute unit runs a command; returns the error and ARG1.
fn cmd(
    h: &Harness,
    t: TileId,
    op: CmdOp,
    ep: EpId,
    arg0: u32,
    addr: u64,
    size: u64,
) -> (tcu_mmio::Code, u64) {
    let mut m = h.m.borrow_mut();
    let l = Layout::new(EPS).unwrap();
    let w = |m: &mut tcu_model::Model, r: UnprivReg, v: u64| {
        m.write_reg(t, Reg::Unpriv(r).offset(l), v, Access::Local);
    };
    w(&mut m, UnprivReg::DataAddr, addr);
    w(&mut m, UnprivReg::DataSize, size);
    w(&mut m, UnprivReg::Arg1, 0);
    w(
        &mut m,
        UnprivReg::Command,
        Command { op, ep, arg0 }.encode(),
    );
    let st = tcu_mmio::cmd::CommandStatus::decode(m.read_reg(t, Reg::COMMAND.offset(l))).unwrap();
    (
        st.error,
        m.read_reg(t, Reg::Unpriv(UnprivReg::Arg1).offset(l)),
    )
}

/// Allocates any free endpoint (and `replies` after it) for `act` at
/// selector `dst`; returns the endpoint.
fn alloc_ep(h: &mut Harness, act: tcu_mmio::ActId, dst: u64, replies: u64) -> EpId {
    let m = msg::AllocEp {
        dst: CapSel(dst),
        act: SEL_ACT,
        ep: EpId::INVALID,
        replies,
    };
    EpId(ok(h.sys(act, &m.encode()))[0] as u16)
}

/// Activates `gate` on `act`'s endpoint capability `ep` (a receive buffer
/// at `rbuf_off` of its tile's memory).
fn activate(h: &mut Harness, act: tcu_mmio::ActId, ep: u64, gate: CapSel, rbuf_off: u64) {
    let m = msg::Activate {
        ep: CapSel(ep),
        gate,
        rbuf_mem: CapSel(u64::MAX),
        rbuf_off,
    };
    ok(h.sys(act, &m.encode()));
}

#[test]
fn a_delegated_send_gate_carries_messages_until_its_receive_gate_is_revoked() {
    let mut h = Harness::new(4096);
    let (a, b) = (h.a, h.b);
    h.k.grant_activity(a, CapSel(9), b).unwrap();
    // a: a receive gate of 2 slots × 256 B, activated on an EP with 2 reply EPs.
    ok(h.sys(
        a,
        &msg::CreateRGate {
            dst: CapSel(20),
            order: 9,
            msg_order: 8,
        }
        .encode(),
    ));
    let rep = ok(h.sys(
        a,
        &msg::AllocEp {
            dst: CapSel(21),
            act: SEL_ACT,
            ep: EpId::INVALID,
            replies: 2,
        }
        .encode(),
    ))[0];
    let rep = EpId(rep as u16);
    activate(&mut h, a, 21, CapSel(20), 0x1000);
    assert!(
        matches!(h.ep(A, rep), EpConfig::Receive(r) if r.buf_addr == 0x1000 && r.reply_eps == EpId(rep.raw() + 1))
    );
    // a: a send gate onto it, delegated to b.
    ok(h.sys(
        a,
        &msg::CreateSGate {
            dst: CapSel(22),
            rgate: CapSel(20),
            label: Label(0x77),
            credits: 1,
        }
        .encode(),
    ));
    ok(h.sys(
        a,
        &msg::Exchange {
            act: CapSel(9),
            own_start: CapSel(22),
            count: 1,
            other_start: CapSel(30),
            obtain: false,
        }
        .encode(),
    ));
    assert!(
        h.k.activity(b)
            .unwrap()
            .caps
            .contains(&(CapSel(30), "send gate"))
    );
    // b: activates it on an endpoint of its own and sends.
    let sep = alloc_ep(&mut h, b, 31, 0);
    activate(&mut h, b, 31, CapSel(30), 0);
    h.m.borrow_mut()
        .write_local(B, 0x2000, b"hello from b, via a delegated gate");
    assert_eq!(
        cmd(&h, B, CmdOp::Send, sep, 0xFFFF, 0x2000, 34).0,
        tcu_mmio::Code::None
    );
    let (code, off) = cmd(&h, A, CmdOp::FetchMsg, rep, 0, 0, 0);
    assert_eq!(code, tcu_mmio::Code::None);
    let slot = h.m.borrow().read_local(A, 0x1000 + off, 66).unwrap();
    let hdr = tcu_mmio::Header::read_from(&slot).unwrap().info().unwrap();
    assert_eq!((hdr.sender_tile, hdr.label), (B, Label(0x77)));
    assert_eq!(&slot[32..66], b"hello from b, via a delegated gate");
    // Revoking the receive gate revokes the send gates onto it — b's copy
    // too — and invalidates both endpoints on their tiles.
    let (caps, objs) = h.k.counts();
    ok(h.sys(
        a,
        &msg::Revoke {
            start: CapSel(20),
            count: 1,
            own: true,
        }
        .encode(),
    ));
    assert_eq!(h.ep(A, rep), EpConfig::Invalid);
    assert_eq!(h.ep(B, sep), EpConfig::Invalid);
    assert!(
        !h.k.activity(b)
            .unwrap()
            .caps
            .iter()
            .any(|(s, _)| *s == CapSel(30))
    );
    assert_eq!(
        h.k.counts(),
        (caps - 3, objs - 2),
        "rgate, sgate and b's copy gone; the two gate objects freed"
    );
    // b keeps its endpoint and can bind something else to it.
    activate(&mut h, b, 31, MEM_SEL, 0);
    // The quota came back.
    let q = ok(h.sys(
        a,
        &msg::KMemQuota {
            kmem: kif::SEL_KMEM,
        }
        .encode(),
    ));
    assert_eq!(q[0] - q[1], 64, "only the endpoint is still paid for");
}

#[test]
fn obtained_memory_is_revoked_with_its_parent_and_its_endpoint_invalidated() {
    let mut h = Harness::new(4096);
    let (a, b) = (h.a, h.b);
    h.k.grant_activity(b, CapSel(9), a).unwrap();
    ok(h.sys(
        a,
        &msg::DeriveMem {
            dst: CapSel(20),
            src: MEM_SEL,
            offset: 0x1000,
            size: 0x1000,
            perm: tcu_mmio::ep::Perm::R,
        }
        .encode(),
    ));
    // b obtains a's derived gate and activates it.
    ok(h.sys(
        b,
        &msg::Exchange {
            act: CapSel(9),
            own_start: CapSel(40),
            count: 1,
            other_start: CapSel(20),
            obtain: true,
        }
        .encode(),
    ));
    let ep = alloc_ep(&mut h, b, 41, 0);
    activate(&mut h, b, 41, CapSel(40), 0);
    assert!(matches!(h.ep(B, ep), EpConfig::Memory(m) if m.addr == 0x1000 && m.size == 0x1000));
    // a revokes its root memory gate: the derivation and b's copy go.
    ok(h.sys(
        a,
        &msg::Revoke {
            start: MEM_SEL,
            count: 1,
            own: true,
        }
        .encode(),
    ));
    assert_eq!(h.ep(B, ep), EpConfig::Invalid);
    let r = h.sys(
        b,
        &msg::Activate {
            ep: CapSel(41),
            gate: CapSel(40),
            rbuf_mem: CapSel(u64::MAX),
            rbuf_off: 0,
        }
        .encode(),
    );
    assert_eq!(r.code, Code::NoCap, "use after revoke");
}

#[test]
fn an_activity_that_exits_releases_its_capabilities_and_its_peers_get_errors() {
    let mut h = Harness::new(4096);
    let (a, b) = (h.a, h.b);
    h.k.grant_activity(a, CapSel(9), b).unwrap();
    // a serves: a receive gate, activated; b gets a send gate onto it.
    ok(h.sys(
        a,
        &msg::CreateRGate {
            dst: CapSel(20),
            order: 8,
            msg_order: 8,
        }
        .encode(),
    ));
    let rep = alloc_ep(&mut h, a, 21, 0);
    activate(&mut h, a, 21, CapSel(20), 0x1000);
    ok(h.sys(
        a,
        &msg::CreateSGate {
            dst: CapSel(22),
            rgate: CapSel(20),
            label: Label(5),
            credits: 0,
        }
        .encode(),
    ));
    ok(h.sys(
        a,
        &msg::Exchange {
            act: CapSel(9),
            own_start: CapSel(22),
            count: 1,
            other_start: CapSel(30),
            obtain: false,
        }
        .encode(),
    ));
    let sep = alloc_ep(&mut h, b, 31, 0);
    activate(&mut h, b, 31, CapSel(30), 0);
    assert_eq!(
        cmd(&h, B, CmdOp::Send, sep, 0xFFFF, 0x2000, 16).0,
        tcu_mmio::Code::None
    );
    // a exits: its gates go, b's copy with them, every endpoint involved is
    // invalidated — b's next SEND fails at once instead of waiting.
    let r = h.sys(a, &msg::Exit { code: 7 }.encode());
    assert!(r.silent, "no reply to an exit");
    assert_eq!(h.k.activity(a).unwrap().exited, Some(7));
    assert!(h.k.activity(a).unwrap().caps.is_empty());
    assert_eq!(h.ep(A, rep), EpConfig::Invalid);
    assert_eq!(h.ep(A, kif::eps::SYSCALL_SEND), EpConfig::Invalid);
    assert_eq!(h.ep(B, sep), EpConfig::Invalid);
    assert_eq!(
        cmd(&h, B, CmdOp::Send, sep, 0xFFFF, 0x2000, 16).0,
        tcu_mmio::Code::NoSep
    );
    assert!(
        !h.k.activity(b)
            .unwrap()
            .caps
            .iter()
            .any(|(s, _)| *s == CapSel(30))
    );
    // Its syscalls are refused from now on.
    assert_eq!(h.sys(a, &msg::Noop {}.encode()).code, Code::Gone);
}

#[test]
fn an_activity_creates_starts_and_waits_for_another() {
    let mut h = Harness::new(8192);
    let (a, b) = (h.a, h.b);
    // b's tile becomes free when b exits; a gets a capability for it.
    assert!(h.sys(b, &msg::Exit { code: 0 }.encode()).silent);
    h.k.grant_tile(a, CapSel(50), B).unwrap();
    ok(h.sys(
        a,
        &msg::DeriveKMem {
            dst: CapSel(51),
            kmem: kif::SEL_KMEM,
            quota: 1024,
        }
        .encode(),
    ));
    let id = ok(h.sys(
        a,
        &msg::CreateAct {
            dst: CapSel(52),
            tile: CapSel(50),
            kmem: CapSel(51),
        }
        .encode(),
    ))[0];
    let child = tcu_mmio::ActId(id as u16);
    // Its syscall endpoint was written on B, with its id as the label.
    assert!(matches!(h.ep(B, kif::eps::SYSCALL_SEND), EpConfig::Send(s) if s.label == Label(id)));
    // A second activity on the same tile is refused.
    ok(h.sys(
        a,
        &msg::DeriveKMem {
            dst: CapSel(53),
            kmem: kif::SEL_KMEM,
            quota: 256,
        }
        .encode(),
    ));
    assert_eq!(
        h.sys(
            a,
            &msg::CreateAct {
                dst: CapSel(54),
                tile: CapSel(50),
                kmem: CapSel(53)
            }
            .encode()
        )
        .code,
        Code::InUse
    );
    ok(h.sys(
        a,
        &msg::ActCtrl {
            act: CapSel(52),
            start: true,
        }
        .encode(),
    ));
    let enable = tcu_mmio::regs::ConfigReg::CoreEnable;
    assert_eq!(
        h.m.borrow().tile(B).unwrap().config[0],
        1,
        "{} set by the kernel",
        enable.name()
    );
    // The wait is answered when the child exits, with its code.
    let r = h.sys_token(a, 42, &msg::ActWait { act: CapSel(52) }.encode());
    assert!(r.deferred, "{r:?}");
    assert!(h.k.take_ready().is_empty());
    assert_eq!(
        h.sys(
            child,
            &msg::KMemQuota {
                kmem: kif::SEL_KMEM
            }
            .encode()
        )
        .values[0],
        1024
    );
    assert!(h.sys(child, &msg::Exit { code: 9 }.encode()).silent);
    let ready = h.k.take_ready();
    assert_eq!(ready.len(), 1);
    assert_eq!(
        (ready[0].0, ready[0].1.code, ready[0].1.values[0]),
        (42, Code::Success, 9)
    );
    // Waiting again answers at once; the tile is free for the next one.
    assert_eq!(
        ok(h.sys(a, &msg::ActWait { act: CapSel(52) }.encode()))[0],
        9
    );
    ok(h.sys(
        a,
        &msg::CreateAct {
            dst: CapSel(55),
            tile: CapSel(50),
            kmem: CapSel(53),
        }
        .encode(),
    ));
    // Revoking the creator's capability stops the activity (core off).
    ok(h.sys(
        a,
        &msg::ActCtrl {
            act: CapSel(55),
            start: true,
        }
        .encode(),
    ));
    ok(h.sys(
        a,
        &msg::Revoke {
            start: CapSel(55),
            count: 1,
            own: true,
        }
        .encode(),
    ));
    assert_eq!(
        h.m.borrow().tile(B).unwrap().config[0],
        0,
        "the core was stopped"
    );
}
