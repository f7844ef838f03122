//! A model-based property test: random sequences of create / derive /
//! exchange / activate / revoke against a small reference model of the
//! derivation tree. After every step the kernel's capability tables equal
//! the model's, and no endpoint register on the (in-process) tiles still
//! points at a revoked gate.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

mod harness;

use std::collections::BTreeMap;

use harness::*;
use kif::syscall::msg;
use kif::{CapSel, Code, SEL_ACT};
use proptest::prelude::*;
use tcu_mmio::ep::{EpConfig, Perm};
use tcu_mmio::{ActId, EpId, Label, TileId};

/// A capability in the reference model.
#[derive(Clone, Debug)]
struct Node {
    parent: Option<usize>,
    kind: &'static str,
    /// The object (nodes sharing it are copies).
    obj: usize,
}

#[derive(Default)]
struct Reference {
    nodes: BTreeMap<usize, Node>,
    /// (activity index, selector) → node.
    table: BTreeMap<(usize, u64), usize>,
    next: usize,
    /// Endpoints with a gate bound: (activity, endpoint selector) → gate node.
    bound: BTreeMap<(usize, u64), usize>,
    /// Receive gate objects that are activated.
    active_rgates: BTreeMap<usize, (usize, u64)>,
}

impl Reference {
    fn add(
        &mut self,
        act: usize,
        sel: u64,
        kind: &'static str,
        parent: Option<usize>,
        obj: Option<usize>,
    ) -> usize {
        let id = self.next;
        self.next += 1;
        let obj = obj.unwrap_or(id);
        self.nodes.insert(id, Node { parent, kind, obj });
        self.table.insert((act, sel), id);
        id
    }

    fn subtree(&self, root: usize) -> Vec<usize> {
        let mut out = vec![root];
        let mut i = 0;
        while i < out.len() {
            let n = out[i];
            out.extend(
                self.nodes
                    .iter()
                    .filter(|(_, c)| c.parent == Some(n))
                    .map(|(k, _)| *k),
            );
            i += 1;
        }
        out
    }

    fn revoke(&mut self, root: usize) {
        for n in self.subtree(root) {
            let node = self.nodes.remove(&n).unwrap();
            self.table.retain(|_, v| *v != n);
            // A receive gate activated through this capability is free
            // again (its endpoint is invalidated), whoever owns it.
            let unbound: Vec<(usize, u64)> = self
                .bound
                .iter()
                .filter(|(_, g)| **g == n)
                .map(|(at, _)| *at)
                .collect();
            self.active_rgates.retain(|_, at| !unbound.contains(at));
            self.bound.retain(|_, g| *g != n);
            if node.obj == n {
                self.active_rgates.remove(&n);
            }
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    RGate { act: usize, sel: u64 },
    SGate { act: usize, sel: u64, src: u64 },
    DeriveMem { act: usize, sel: u64, src: u64 },
    Delegate { act: usize, sel: u64, dst: u64 },
    Activate { act: usize, gate: u64, ep: u64 },
    Revoke { act: usize, sel: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    let act = 0usize..2;
    let sel = 20u64..28;
    prop_oneof![
        (act.clone(), sel.clone()).prop_map(|(act, sel)| Op::RGate { act, sel }),
        (act.clone(), sel.clone(), sel.clone()).prop_map(|(act, sel, src)| Op::SGate {
            act,
            sel,
            src
        }),
        (
            act.clone(),
            sel.clone(),
            prop_oneof![Just(10u64), 20u64..28]
        )
            .prop_map(|(act, sel, src)| Op::DeriveMem { act, sel, src }),
        (act.clone(), sel.clone(), sel.clone()).prop_map(|(act, sel, dst)| Op::Delegate {
            act,
            sel,
            dst
        }),
        (act.clone(), prop_oneof![Just(10u64), 20u64..28], 40u64..44)
            .prop_map(|(act, gate, ep)| Op::Activate { act, gate, ep }),
        (act, prop_oneof![Just(10u64), 20u64..28]).prop_map(|(act, sel)| Op::Revoke { act, sel }),
    ]
}

const TILES: [TileId; 2] = [A, B];

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut h = Harness::new(1 << 20);
    let acts: [ActId; 2] = [h.a, h.b];
    h.k.grant_activity(h.a, CapSel(9), h.b).unwrap();
    h.k.grant_activity(h.b, CapSel(9), h.a).unwrap();
    let mut r = Reference::default();
    for (i, act) in acts.iter().enumerate() {
        r.add(i, MEM_SEL.0, "memory gate", None, None);
        // Four endpoints per activity at selectors 40..44, two replies each.
        for e in 0..4u64 {
            let m = msg::AllocEp {
                dst: CapSel(40 + e),
                act: SEL_ACT,
                ep: EpId::INVALID,
                replies: 2,
            };
            prop_assert_eq!(h.sys(*act, &m.encode()).code, Code::Success);
        }
    }
    let kind_at = |r: &Reference, a: usize, s: u64| r.table.get(&(a, s)).map(|n| r.nodes[n].kind);
    for op in ops {
        let (act, want_ok, reply) = match *op {
            Op::RGate { act, sel } => {
                let ok = kind_at(&r, act, sel).is_none();
                let rep = h.sys(
                    acts[act],
                    &msg::CreateRGate {
                        dst: CapSel(sel),
                        order: 8,
                        msg_order: 8,
                    }
                    .encode(),
                );
                if ok {
                    r.add(act, sel, "receive gate", None, None);
                }
                (act, ok, rep)
            }
            Op::SGate { act, sel, src } => {
                let ok = kind_at(&r, act, sel).is_none()
                    && kind_at(&r, act, src) == Some("receive gate");
                let rep = h.sys(
                    acts[act],
                    &msg::CreateSGate {
                        dst: CapSel(sel),
                        rgate: CapSel(src),
                        label: Label(1),
                        credits: 1,
                    }
                    .encode(),
                );
                if ok {
                    let parent = r.table[&(act, src)];
                    r.add(act, sel, "send gate", Some(parent), None);
                }
                (act, ok, rep)
            }
            Op::DeriveMem { act, sel, src } => {
                let ok =
                    kind_at(&r, act, sel).is_none() && kind_at(&r, act, src) == Some("memory gate");
                let rep = h.sys(
                    acts[act],
                    &msg::DeriveMem {
                        dst: CapSel(sel),
                        src: CapSel(src),
                        offset: 0,
                        size: 0x100,
                        perm: Perm::R,
                    }
                    .encode(),
                );
                if ok {
                    let parent = r.table[&(act, src)];
                    r.add(act, sel, "memory gate", Some(parent), None);
                }
                (act, ok, rep)
            }
            Op::Delegate { act, sel, dst } => {
                let other = 1 - act;
                let ok = kind_at(&r, act, sel).is_some() && kind_at(&r, other, dst).is_none();
                let rep = h.sys(
                    acts[act],
                    &msg::Exchange {
                        act: CapSel(9),
                        own_start: CapSel(sel),
                        count: 1,
                        other_start: CapSel(dst),
                        obtain: false,
                    }
                    .encode(),
                );
                if ok {
                    let src = r.table[&(act, sel)];
                    let (kind, obj) = (r.nodes[&src].kind, r.nodes[&src].obj);
                    r.add(other, dst, kind, Some(src), Some(obj));
                }
                (act, ok, rep)
            }
            Op::Activate { act, gate, ep } => {
                let g = r.table.get(&(act, gate)).copied();
                let kind = g.map(|n| r.nodes[&n].kind);
                let free = !r.bound.contains_key(&(act, ep));
                let ok = free
                    && match kind {
                        Some("memory gate") => true,
                        Some("receive gate") => {
                            !r.active_rgates.contains_key(&r.nodes[&g.unwrap()].obj)
                        }
                        Some("send gate") => {
                            // Its receive gate is the object of its root ancestor.
                            let mut n = g.unwrap();
                            while let Some(p) = r.nodes[&n].parent {
                                n = p;
                            }
                            r.active_rgates.contains_key(&r.nodes[&n].obj)
                        }
                        _ => false,
                    };
                let rep = h.sys(
                    acts[act],
                    &msg::Activate {
                        ep: CapSel(ep),
                        gate: CapSel(gate),
                        rbuf_mem: CapSel(u64::MAX),
                        rbuf_off: 0x1000 + (ep - 40) * 0x100,
                    }
                    .encode(),
                );
                if ok {
                    let g = g.unwrap();
                    r.bound.insert((act, ep), g);
                    if kind == Some("receive gate") {
                        r.active_rgates.insert(r.nodes[&g].obj, (act, ep));
                    }
                }
                (act, ok, rep)
            }
            Op::Revoke { act, sel } => {
                let n = r.table.get(&(act, sel)).copied();
                let rep = h.sys(
                    acts[act],
                    &msg::Revoke {
                        start: CapSel(sel),
                        count: 1,
                        own: true,
                    }
                    .encode(),
                );
                if let Some(n) = n {
                    r.revoke(n);
                }
                (act, n.is_some(), rep)
            }
        };
        prop_assert_eq!(
            reply.code == Code::Success,
            want_ok,
            "{:?} by {}: {:?}",
            op,
            act,
            reply
        );
        // The capability tables agree.
        for (i, a) in acts.iter().enumerate() {
            let mut kernel: Vec<(u64, &str)> =
                h.k.activity(*a)
                    .unwrap()
                    .caps
                    .iter()
                    .filter(|(s, k)| s.0 >= 10 && *k != "endpoint" && *k != "activity")
                    .map(|(s, k)| (s.0, *k))
                    .collect();
            kernel.sort();
            let mut model: Vec<(u64, &str)> = r
                .table
                .iter()
                .filter(|((x, _), _)| *x == i)
                .map(|((_, s), n)| (*s, r.nodes[n].kind))
                .collect();
            model.sort();
            prop_assert_eq!(kernel, model, "after {:?}", op);
        }
        // No endpoint register points at a revoked gate: a valid EP at
        // selectors 40..44 is exactly one the model has bound.
        for (i, t) in TILES.iter().enumerate() {
            for e in 0..4u64 {
                // AllocEp handed out EPs in order, three apart (one + 2 replies).
                let ep = EpId((kif::eps::FIRST_FREE.raw() as u64 + e * 3) as u16);
                let valid = h.ep(*t, ep) != EpConfig::Invalid;
                prop_assert_eq!(
                    valid,
                    r.bound.contains_key(&(i, 40 + e)),
                    "EP {} of {} after {:?}",
                    ep,
                    t,
                    op
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    #[test]
    fn revoke_leaves_nothing_of_the_subtree(ops in proptest::collection::vec(op(), 1..40)) {
        run(&ops)?;
    }

    /// Random syscall messages: the kernel answers each with a code (a
    /// rule exactly when it is not SUCCESS), never panics, and the small
    /// opcodes and selectors make many of them reach the handlers.
    #[test]
    fn random_syscalls_are_answered(calls in proptest::collection::vec(
        (0u64..18, proptest::collection::vec(prop_oneof![0u64..64, Just(u64::MAX), proptest::num::u64::ANY], 0..7)),
        1..30,
    )) {
        let mut h = Harness::new(1 << 16);
        let a = h.a;
        for (op, args) in calls {
            let mut words = vec![op];
            words.extend(args);
            let r = h.sys(a, &words);
            prop_assert_eq!(r.code == Code::Success, r.rule.is_none());
        }
    }
}
