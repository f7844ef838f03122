//! Every kernel rule, refused: each case brings the kernel into the state
//! it needs, makes the syscall that breaks the rule, and checks the exact
//! code, the rule named, and that nothing changed — no capability, no
//! kernel object, no endpoint register, no memory. A meta-test fails when a
//! rule lacks its case.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

mod harness;

use std::collections::BTreeSet;

use harness::*;
use kernel_core::KernelRule;
use kif::syscall::msg;
use kif::{CapSel, Code, SEL_ACT, SEL_KMEM, SEL_TILE};
use tcu_mmio::ep::Perm;
use tcu_mmio::{EpId, Label};

struct Case {
    rule: KernelRule,
    /// Brings the harness into the state the case needs.
    setup: fn(&mut Harness),
    /// The refused operation.
    op: fn(&mut Harness) -> kernel_core::Reply,
}

fn ok(r: kernel_core::Reply) {
    assert_eq!(r.code, Code::Success, "{r:?}");
}

fn rgate(h: &mut Harness, dst: u64, order: u8, msg_order: u8) {
    let a = h.a;
    ok(h.sys(
        a,
        &msg::CreateRGate {
            dst: CapSel(dst),
            order,
            msg_order,
        }
        .encode(),
    ));
}

fn alloc(h: &mut Harness, dst: u64, ep: u16, replies: u64) {
    let a = h.a;
    ok(h.sys(
        a,
        &msg::AllocEp {
            dst: CapSel(dst),
            act: SEL_ACT,
            ep: EpId(ep),
            replies,
        }
        .encode(),
    ));
}

fn activate(h: &mut Harness, ep: u64, gate: u64, off: u64) -> kernel_core::Reply {
    let a = h.a;
    h.sys(
        a,
        &msg::Activate {
            ep: CapSel(ep),
            gate: CapSel(gate),
            rbuf_mem: CapSel(u64::MAX),
            rbuf_off: off,
        }
        .encode(),
    )
}

fn nothing(_: &mut Harness) {}

fn create_srv(h: &mut Harness, dst: u64, rgate: u64) -> kernel_core::Reply {
    let a = h.a;
    h.sys(
        a,
        &msg::CreateSrv {
            dst: CapSel(dst),
            rgate: CapSel(rgate),
        }
        .encode(),
    )
}

/// A service of activity a at selector 22 (receive gate 20 on EP 8, four
/// slots).
fn service(h: &mut Harness) {
    rgate(h, 20, 9, 7);
    alloc(h, 21, 8, 4);
    ok(activate(h, 21, 20, 0x1000));
    ok(create_srv(h, 22, 20));
}

/// a opens a session with its own service (22) at `dst`, as message `token`.
fn open_sess(h: &mut Harness, dst: u64, token: u64) -> kernel_core::Reply {
    let a = h.a;
    h.sys_token(
        a,
        token,
        &msg::OpenSess {
            dst: CapSel(dst),
            srv: CapSel(22),
            arg: 0,
        }
        .encode(),
    )
}

/// Opens a session (deferred), lets `then` act on the request the kernel
/// sent, and returns the reply the caller finally gets.
fn deferred(h: &mut Harness, token: u64, then: fn(&mut Harness, u64)) -> kernel_core::Reply {
    let r = open_sess(h, 23, token);
    assert!(r.deferred, "{r:?}");
    let out = h.k.take_outbox();
    assert_eq!(out.len(), 1, "one request to the service");
    then(h, out[0].id);
    let ready = h.k.take_ready();
    assert_eq!(ready.len(), 1, "{ready:?}");
    assert_eq!(ready[0].0, token);
    ready[0].1
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            rule: KernelRule::SysMsg,
            setup: nothing,
            op: |h| {
                let a = h.a;
                h.sys(a, &[999, 1, 2])
            },
        },
        Case {
            rule: KernelRule::CapNone,
            setup: nothing,
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::CreateSGate {
                        dst: CapSel(20),
                        rgate: CapSel(77),
                        label: Label(1),
                        credits: 1,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::CapType,
            setup: nothing,
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::CreateSGate {
                        dst: CapSel(20),
                        rgate: SEL_KMEM,
                        label: Label(1),
                        credits: 1,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::CapExists,
            setup: nothing,
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::CreateRGate {
                        dst: MEM_SEL,
                        order: 8,
                        msg_order: 8,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::KmemQuota,
            setup: |h| {
                // Leave less than one gate's worth of quota.
                let a = h.a;
                let left = h.sys(a, &msg::KMemQuota { kmem: SEL_KMEM }.encode()).values[1];
                ok(h.sys(
                    a,
                    &msg::DeriveKMem {
                        dst: CapSel(30),
                        kmem: SEL_KMEM,
                        quota: left - 32 - 10,
                    }
                    .encode(),
                ));
            },
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::CreateRGate {
                        dst: CapSel(20),
                        order: 8,
                        msg_order: 8,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::RgateOrder,
            setup: nothing,
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::CreateRGate {
                        dst: CapSel(20),
                        order: 5,
                        msg_order: 6,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::SgateCredits,
            setup: |h| rgate(h, 20, 8, 8),
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::CreateSGate {
                        dst: CapSel(21),
                        rgate: CapSel(20),
                        label: Label(1),
                        credits: 63,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::MemBounds,
            setup: nothing,
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::DeriveMem {
                        dst: CapSel(20),
                        src: MEM_SEL,
                        offset: 0xFFF0,
                        size: 0x100,
                        perm: Perm::R,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::MemPerm,
            setup: |h| {
                let a = h.a;
                ok(h.sys(
                    a,
                    &msg::DeriveMem {
                        dst: CapSel(20),
                        src: MEM_SEL,
                        offset: 0,
                        size: 0x100,
                        perm: Perm::R,
                    }
                    .encode(),
                ));
            },
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::DeriveMem {
                        dst: CapSel(21),
                        src: CapSel(20),
                        offset: 0,
                        size: 0x10,
                        perm: Perm::RW,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::MemRegs,
            setup: nothing,
            op: |h| {
                // No memory gate over registers can be made: not at boot...
                let a = h.a;
                let r = h.k.grant_mgate(
                    a,
                    CapSel(40),
                    kernel_core::objects::MGate {
                        tile: B,
                        addr: tcu_mmio::regs::MMIO_BASE,
                        size: 0x1000,
                        perm: Perm::RW,
                    },
                );
                assert_eq!(r, Err(KernelRule::MemRegs));
                // ...and no derivation leaves its parent to reach them.
                let derived = h.sys(
                    a,
                    &msg::DeriveMem {
                        dst: CapSel(20),
                        src: MEM_SEL,
                        offset: u64::MAX - 8,
                        size: 0x100,
                        perm: Perm::R,
                    }
                    .encode(),
                );
                assert_eq!(derived.rule, Some(KernelRule::MemBounds));
                kernel_core::Reply {
                    code: KernelRule::MemRegs.code(),
                    rule: Some(KernelRule::MemRegs),
                    values: [0; 2],
                    silent: false,
                    deferred: false,
                }
            },
        },
        Case {
            rule: KernelRule::EpRange,
            setup: nothing,
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::AllocEp {
                        dst: CapSel(20),
                        act: SEL_ACT,
                        ep: EpId(1),
                        replies: 0,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::EpTaken,
            setup: |h| alloc(h, 20, 8, 0),
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::AllocEp {
                        dst: CapSel(21),
                        act: SEL_ACT,
                        ep: EpId(8),
                        replies: 0,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::EpNoneFree,
            setup: nothing,
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::AllocEp {
                        dst: CapSel(21),
                        act: SEL_ACT,
                        ep: EpId::INVALID,
                        replies: EPS.into(),
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::ActivateBound,
            setup: |h| {
                alloc(h, 20, 8, 0);
                ok(activate(h, 20, MEM_SEL.0, 0));
            },
            op: |h| activate(h, 20, MEM_SEL.0, 0),
        },
        Case {
            rule: KernelRule::ActivateRgateTwice,
            setup: |h| {
                rgate(h, 21, 8, 8);
                alloc(h, 20, 8, 0);
                alloc(h, 22, 9, 0);
                ok(activate(h, 20, 21, 0x1000));
            },
            op: |h| activate(h, 22, 21, 0x1100),
        },
        Case {
            rule: KernelRule::ActivateRbuf,
            setup: |h| {
                rgate(h, 21, 8, 8);
                alloc(h, 20, 8, 0);
            },
            op: |h| activate(h, 20, 21, 0x0),
        },
        Case {
            rule: KernelRule::ActivateSgateUnready,
            setup: |h| {
                rgate(h, 21, 8, 8);
                let a = h.a;
                ok(h.sys(
                    a,
                    &msg::CreateSGate {
                        dst: CapSel(22),
                        rgate: CapSel(21),
                        label: Label(1),
                        credits: 1,
                    }
                    .encode(),
                ));
                alloc(h, 20, 8, 0);
            },
            op: |h| activate(h, 20, 22, 0),
        },
        Case {
            rule: KernelRule::ActivateReplyEps,
            setup: |h| {
                rgate(h, 21, 10, 8);
                alloc(h, 20, 8, 2);
            },
            op: |h| activate(h, 20, 21, 0x1000),
        },
        Case {
            rule: KernelRule::XchgRange,
            setup: nothing,
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::Revoke {
                        start: CapSel(20),
                        count: 0,
                        own: true,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::CapFixed,
            setup: nothing,
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::Revoke {
                        start: SEL_TILE,
                        count: 1,
                        own: true,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::KmemDerive,
            setup: nothing,
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::DeriveKMem {
                        dst: CapSel(20),
                        kmem: SEL_KMEM,
                        quota: u64::MAX - 8,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::ActGone,
            setup: |h| {
                let a = h.a;
                let r = h.sys(a, &msg::Exit { code: 3 }.encode());
                assert!(r.silent && r.code == Code::Success, "{r:?}");
            },
            op: |h| {
                let a = h.a;
                h.sys(a, &msg::Noop {}.encode())
            },
        },
        Case {
            rule: KernelRule::ActTileBusy,
            setup: |h| {
                let a = h.a;
                h.k.grant_tile(a, CapSel(50), B).unwrap();
                ok(h.sys(
                    a,
                    &msg::DeriveKMem {
                        dst: CapSel(51),
                        kmem: SEL_KMEM,
                        quota: 512,
                    }
                    .encode(),
                ));
            },
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::CreateAct {
                        dst: CapSel(52),
                        tile: CapSel(50),
                        kmem: CapSel(51),
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::ActExited,
            setup: |h| {
                let (a, b) = (h.a, h.b);
                h.k.grant_activity(a, CapSel(50), b).unwrap();
                let r = h.sys(b, &msg::Exit { code: 0 }.encode());
                assert!(r.silent);
            },
            op: |h| {
                let a = h.a;
                h.sys(
                    a,
                    &msg::ActCtrl {
                        act: CapSel(50),
                        start: true,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::SrvRgate,
            setup: |h| {
                // Slots of 64 bytes: a request does not fit.
                rgate(h, 20, 7, 6);
                alloc(h, 21, 8, 2);
                ok(activate(h, 21, 20, 0x1000));
            },
            op: |h| create_srv(h, 22, 20),
        },
        Case {
            rule: KernelRule::SrvBusy,
            setup: |h| {
                service(h);
                let n = kif::service::MAX_IN_FLIGHT + kif::service::MAX_QUEUED;
                for i in 0..n as u64 {
                    let r = open_sess(h, 30 + i, i);
                    assert!(r.deferred, "{r:?}");
                }
            },
            op: |h| open_sess(h, 60, 99),
        },
        Case {
            rule: KernelRule::SrvTimeout,
            setup: service,
            op: |h| {
                deferred(h, 7, |h, _| {
                    h.k.advance(kernel_core::DEFAULT_TIMEOUT_NS + 1);
                })
            },
        },
        Case {
            rule: KernelRule::SrvGone,
            setup: service,
            op: |h| deferred(h, 7, |h, id| h.k.service_unreachable(&mut h.noc, id)),
        },
        Case {
            rule: KernelRule::SrvReply,
            setup: service,
            op: |h| {
                deferred(h, 7, |h, id| {
                    // Success, but no ident.
                    h.k.service_reply(&mut h.noc, id, &[Code::Success as u64]);
                })
            },
        },
        Case {
            rule: KernelRule::SrvRefused,
            setup: service,
            op: |h| {
                deferred(h, 7, |h, id| {
                    h.k.service_reply(&mut h.noc, id, &[Code::NotSup as u64]);
                })
            },
        },
        Case {
            rule: KernelRule::SrvOwner,
            setup: |h| {
                service(h);
                // b holds a copy of a's service.
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
            },
            op: |h| {
                let b = h.b;
                h.sys(
                    b,
                    &msg::CreateSess {
                        dst: CapSel(31),
                        srv: CapSel(30),
                        ident: 1,
                    }
                    .encode(),
                )
            },
        },
        Case {
            rule: KernelRule::NocFault,
            setup: |h| alloc(h, 20, 8, 0),
            op: |h| {
                let a = h.a;
                h.sys_broken(
                    a,
                    &msg::Activate {
                        ep: CapSel(20),
                        gate: MEM_SEL,
                        rbuf_mem: CapSel(u64::MAX),
                        rbuf_off: 0,
                    }
                    .encode(),
                )
            },
        },
    ]
}

#[test]
fn every_kernel_rule_refuses_with_its_code_and_changes_nothing() {
    let mut failures = Vec::new();
    for case in cases() {
        let mut h = Harness::new(4096);
        (case.setup)(&mut h);
        let before = h.state();
        let r = (case.op)(&mut h);
        let after = h.state();
        let id = case.rule.id();
        if r.code != case.rule.code() || r.rule != Some(case.rule) {
            failures.push(format!(
                "{id}: expected {} by {id}, got {:?}",
                case.rule.code(),
                r
            ));
        }
        if before != after {
            failures.push(format!(
                "{id}: state changed (kernel counts {:?} -> {:?}, TCUs/memory equal: {})",
                before.1,
                after.1,
                before.0 == after.0
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_kernel_rule_has_a_negative_case() {
    let have: BTreeSet<KernelRule> = cases().iter().map(|c| c.rule).collect();
    let missing: Vec<&str> = KernelRule::ALL
        .iter()
        .filter(|r| !have.contains(r))
        .map(|r| r.id())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a negative case: {missing:?}"
    );
}

#[test]
fn no_refusal_is_untagged() {
    // Outside the rule table, the kernel names no error code but SUCCESS:
    // every refusal goes through a KernelRule.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // rules.rs maps rules to codes; tcu_noc.rs speaks the TCU's codes.
        if path
            .file_name()
            .is_some_and(|n| n == "rules.rs" || n == "tcu_noc.rs")
        {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        for (n, line) in src.lines().enumerate() {
            let mut rest = line;
            while let Some(i) = rest.find("Code::") {
                let after = &rest[i + 6..];
                let tcu = rest[..i].ends_with("tcu_mmio::");
                assert!(
                    // Decoding a server's code names none either.
                    tcu || after.starts_with("Success") || after.starts_with("try_from"),
                    "{}:{}: untagged error code: {line}",
                    path.display(),
                    n + 1
                );
                rest = after;
            }
        }
    }
}
