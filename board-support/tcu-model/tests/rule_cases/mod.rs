//! The rule catalogue's cases: every rule of `docs/tcu-rules.md` has a
//! positive case (the operation succeeds when the rule's condition holds)
//! and a negative case (it fails with exactly the rule's error code, or is
//! ignored and counted, and changes nothing else: every EP of every tile
//! and every memory are compared before and after).
//!
//! One list, run twice: on the model in-process (`tcu-model/tests/rules.rs`)
//! and across processes on the simulated board, where every tile's own
//! register writes go through a sandboxed tile process and its real
//! register mirror (`tilekit-sim/tests/sim_rule_catalogue.rs`). The bench
//! ([`crate::bench::Bench`]) hides which.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeSet;

use crate::bench::*;
use tcu_mmio::ep::{EpConfig, Perm};
use tcu_mmio::regs::{ConfigReg, ExtReg, PrivReg, UnprivReg};
use tcu_mmio::{ActId, CmdOp, Code, Command, EpId, Reg};
use tcu_model::{Rule, WriteOutcome};

/// What an operation did.
#[derive(Debug, PartialEq, Eq)]
enum Res {
    /// A command finished with this code.
    Code(Code),
    /// A register write was applied or ignored.
    Write(WriteOutcome),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Positive,
    Negative,
}
use Kind::*;

struct Case {
    rule: Rule,
    kind: Kind,
    /// Brings the bench into the state the case needs.
    setup: fn(&mut Bench),
    /// The operation under test.
    op: fn(&mut Bench) -> Res,
}

fn nothing(_: &mut Bench) {}
fn c(code: Code) -> Res {
    Res::Code(code)
}
fn w(o: WriteOutcome) -> Res {
    Res::Write(o)
}
/// A sends one 32-byte message with replies to A_REPLIES.
fn one_message(b: &mut Bench) {
    assert_eq!(b.send(32, A_REPLIES), Code::None);
}
/// One message sent and fetched by B.
fn fetched(b: &mut Bench) {
    one_message(b);
    assert_eq!(b.fetch_b(), Some(0));
}
fn act7(cfg: EpConfig) -> EpConfig {
    match cfg {
        EpConfig::Send(mut s) => {
            s.act = ActId(7);
            EpConfig::Send(s)
        }
        EpConfig::Receive(mut r) => {
            r.act = ActId(7);
            EpConfig::Receive(r)
        }
        EpConfig::Memory(mut m) => {
            m.act = ActId(7);
            EpConfig::Memory(m)
        }
        EpConfig::Invalid => EpConfig::Invalid,
    }
}

/// A send EP from A to B with the given message size exponent.
fn msg_size(log2: u8) -> EpConfig {
    let EpConfig::Send(mut s) = send_to(B, B_RECV, 1) else {
        unreachable!()
    };
    s.msg_size_log2 = log2;
    EpConfig::Send(s)
}

/// Moves B's reply-EP range, keeping the messages it holds.
fn shift_reply_eps(b: &mut Bench, first: u16) {
    let EpConfig::Receive(mut r) = b.ep(B, B_RECV) else {
        unreachable!()
    };
    r.reply_eps = EpId(first);
    b.cfg(B, B_RECV, EpConfig::Receive(r));
}

fn cases() -> Vec<Case> {
    vec![
        // COMMAND
        Case {
            rule: Rule::CmdUnknown,
            kind: Negative,
            setup: nothing,
            op: |b| {
                b.local(A, Reg::COMMAND, 0xF | (u64::from(A_SEND.raw()) << 4));
                c(b.status(A).error)
            },
        },
        Case {
            rule: Rule::CmdUnknown,
            kind: Positive,
            setup: one_message,
            op: |b| c(b.cmd(B, CmdOp::FetchMsg, B_RECV, 0, 0, 0, 0)),
        },
        Case {
            rule: Rule::CmdBusy,
            kind: Negative,
            setup: |b| {
                assert_eq!(
                    b.cmd(A, CmdOp::Sleep, A_REPLIES, A_REPLIES.raw().into(), 0, 0, 0),
                    Code::None
                );
                assert_eq!(
                    b.status(A).op,
                    CmdOp::Sleep,
                    "SLEEP stays pending without a message"
                );
            },
            op: |b| {
                w(b.local(
                    A,
                    Reg::COMMAND,
                    Command {
                        op: CmdOp::FetchMsg,
                        ep: A_REPLIES,
                        arg0: 0,
                    }
                    .encode(),
                ))
            },
        },
        Case {
            rule: Rule::CmdBusy,
            kind: Positive,
            setup: |b| {
                b.cmd(A, CmdOp::Sleep, A_REPLIES, A_REPLIES.raw().into(), 0, 0, 0);
                b.cfg(B, EpId(3), send_to(A, A_REPLIES, 1));
                assert_eq!(
                    b.cmd(B, CmdOp::Send, EpId(3), 0xFFFF, MSG, 16, 0),
                    Code::None
                );
                assert_eq!(b.status(A).op, CmdOp::Idle, "the message woke the sleeper");
            },
            op: |b| {
                w(b.local(
                    A,
                    Reg::COMMAND,
                    Command {
                        op: CmdOp::FetchMsg,
                        ep: A_REPLIES,
                        arg0: 0,
                    }
                    .encode(),
                ))
            },
        },
        // SEND
        Case {
            rule: Rule::SendNoSep,
            kind: Negative,
            setup: nothing,
            op: |b| c(b.cmd(A, CmdOp::Send, A_MEM, 0xFFFF, MSG, 16, 0)),
        },
        Case {
            rule: Rule::SendNoSep,
            kind: Positive,
            setup: nothing,
            op: |b| c(b.send(16, EpId::INVALID)),
        },
        Case {
            rule: Rule::SendForeign,
            kind: Negative,
            setup: |b| b.cfg(A, EpId(3), act7(send_to(B, B_RECV, 1))),
            op: |b| c(b.cmd(A, CmdOp::Send, EpId(3), 0xFFFF, MSG, 16, 0)),
        },
        Case {
            rule: Rule::SendForeign,
            kind: Positive,
            setup: |b| {
                b.cfg(A, EpId(3), act7(send_to(B, B_RECV, 1)));
                b.remote(A, Reg::Priv(PrivReg::CurAct), 7);
            },
            op: |b| c(b.cmd(A, CmdOp::Send, EpId(3), 0xFFFF, MSG, 16, 0)),
        },
        Case {
            rule: Rule::SendReplyEp,
            kind: Negative,
            setup: |b| {
                let EpConfig::Send(mut s) = send_to(B, B_RECV, 1) else {
                    unreachable!()
                };
                s.reply = true;
                b.cfg(A, EpId(3), EpConfig::Send(s));
            },
            op: |b| c(b.cmd(A, CmdOp::Send, EpId(3), 0xFFFF, MSG, 16, 0)),
        },
        Case {
            rule: Rule::SendReplyEp,
            kind: Positive,
            setup: |b| b.cfg(A, EpId(3), send_to(B, B_RECV, 1)),
            op: |b| c(b.cmd(A, CmdOp::Send, EpId(3), 0xFFFF, MSG, 16, 0)),
        },
        Case {
            rule: Rule::SendUnaligned,
            kind: Negative,
            setup: nothing,
            op: |b| c(b.cmd(A, CmdOp::Send, A_SEND, 0xFFFF, MSG + 8, 16, 0)),
        },
        Case {
            rule: Rule::SendUnaligned,
            kind: Positive,
            setup: nothing,
            op: |b| c(b.cmd(A, CmdOp::Send, A_SEND, 0xFFFF, MSG + 16, 16, 0)),
        },
        Case {
            rule: Rule::SendTooBig,
            kind: Negative,
            setup: nothing,
            op: |b| c(b.send(256 - 32 + 1, EpId::INVALID)),
        },
        Case {
            rule: Rule::SendTooBig,
            kind: Positive,
            setup: nothing,
            op: |b| c(b.send(256 - 32, EpId::INVALID)),
        },
        Case {
            rule: Rule::SendInvMsgSz,
            kind: Negative,
            setup: |b| b.cfg(A, EpId(3), msg_size(12)),
            op: |b| c(b.cmd(A, CmdOp::Send, EpId(3), 0xFFFF, MSG, 16, 0)),
        },
        Case {
            rule: Rule::SendInvMsgSz,
            kind: Positive,
            setup: |b| b.cfg(A, EpId(3), msg_size(11)),
            op: |b| c(b.cmd(A, CmdOp::Send, EpId(3), 0xFFFF, MSG, 16, 0)),
        },
        Case {
            rule: Rule::SendLocalMem,
            kind: Negative,
            setup: nothing,
            op: |b| c(b.cmd(A, CmdOp::Send, A_SEND, 0xFFFF, b.local_size() - 16, 32, 0)),
        },
        Case {
            rule: Rule::SendLocalMem,
            kind: Positive,
            setup: nothing,
            op: |b| c(b.cmd(A, CmdOp::Send, A_SEND, 0xFFFF, b.local_size() - 32, 32, 0)),
        },
        Case {
            rule: Rule::SendNoCredits,
            kind: Negative,
            setup: |b| {
                assert_eq!(b.send(16, EpId::INVALID), Code::None);
                assert_eq!(b.send(16, EpId::INVALID), Code::None);
            },
            op: |b| c(b.send(16, EpId::INVALID)),
        },
        Case {
            rule: Rule::SendNoCredits,
            kind: Positive,
            setup: |b| {
                assert_eq!(b.send(16, EpId::INVALID), Code::None);
            },
            op: |b| {
                let r = b.send(16, EpId::INVALID);
                let EpConfig::Send(s) = b.ep(A, A_SEND) else {
                    unreachable!()
                };
                assert_eq!(s.cur_credits.raw(), 0, "each SEND takes one credit");
                c(r)
            },
        },
        Case {
            rule: Rule::SendReplyRep,
            kind: Negative,
            setup: nothing,
            op: |b| c(b.send(16, A_MEM)),
        },
        Case {
            rule: Rule::SendReplyRep,
            kind: Positive,
            setup: nothing,
            op: |b| c(b.send(16, A_REPLIES)),
        },
        Case {
            rule: Rule::SendNoc,
            kind: Negative,
            setup: |b| b.cfg(A, EpId(3), send_to(MISSING, EpId(0), 1)),
            op: |b| c(b.cmd(A, CmdOp::Send, EpId(3), 0xFFFF, MSG, 16, 0)),
        },
        Case {
            rule: Rule::SendNoc,
            kind: Positive,
            setup: |b| b.cfg(A, EpId(3), send_to(B, B_RECV, 1)),
            op: |b| c(b.cmd(A, CmdOp::Send, EpId(3), 0xFFFF, MSG, 16, 0)),
        },
        // Receive side
        Case {
            rule: Rule::RecvGone,
            kind: Negative,
            setup: |b| b.cfg(A, EpId(3), send_to(B, EpId(5), 1)),
            op: |b| c(b.cmd(A, CmdOp::Send, EpId(3), 0xFFFF, MSG, 16, 0)),
        },
        Case {
            rule: Rule::RecvGone,
            kind: Positive,
            setup: nothing,
            op: |b| c(b.send(16, EpId::INVALID)),
        },
        Case {
            rule: Rule::RecvTooBig,
            kind: Negative,
            setup: |b| b.cfg(B, B_RECV, recv(B_RBUF, 2, 6, B_REPLY_BASE)),
            op: |b| c(b.send(64, EpId::INVALID)),
        },
        Case {
            rule: Rule::RecvTooBig,
            kind: Positive,
            setup: |b| b.cfg(B, B_RECV, recv(B_RBUF, 2, 6, B_REPLY_BASE)),
            op: |b| c(b.send(32, EpId::INVALID)),
        },
        Case {
            rule: Rule::RecvNoSpace,
            kind: Negative,
            setup: |b| {
                b.cfg(A, A_SEND, send_to(B, B_RECV, 8));
                for _ in 0..4 {
                    assert_eq!(b.send(16, EpId::INVALID), Code::None);
                }
            },
            op: |b| c(b.send(16, EpId::INVALID)),
        },
        Case {
            rule: Rule::RecvNoSpace,
            kind: Positive,
            setup: |b| {
                b.cfg(A, A_SEND, send_to(B, B_RECV, 8));
                for _ in 0..3 {
                    assert_eq!(b.send(16, EpId::INVALID), Code::None);
                }
            },
            op: |b| c(b.send(16, EpId::INVALID)),
        },
        Case {
            rule: Rule::RecvInvRplEps,
            kind: Negative,
            setup: |b| b.cfg(B, B_RECV, recv(B_RBUF, 2, 8, EpId(EPS - 2))),
            op: |b| c(b.send(16, EpId::INVALID)),
        },
        Case {
            rule: Rule::RecvInvRplEps,
            kind: Positive,
            setup: |b| b.cfg(B, B_RECV, recv(B_RBUF, 2, 8, EpId(EPS - 4))),
            op: |b| c(b.send(16, A_REPLIES)),
        },
        Case {
            rule: Rule::RecvBufMem,
            kind: Negative,
            setup: |b| {
                let EpConfig::Receive(mut r) = recv(b.local_size() - 256, 2, 8, B_REPLY_BASE)
                else {
                    unreachable!()
                };
                r.wpos = 1; // slot 1 starts at the end of local memory
                b.cfg(B, B_RECV, EpConfig::Receive(r));
            },
            op: |b| c(b.send(16, EpId::INVALID)),
        },
        Case {
            rule: Rule::RecvBufMem,
            kind: Positive,
            setup: |b| b.cfg(B, B_RECV, recv(b.local_size() - 256, 2, 8, B_REPLY_BASE)),
            op: |b| c(b.send(16, EpId::INVALID)),
        },
        // REPLY
        Case {
            rule: Rule::ReplyNoRep,
            kind: Negative,
            setup: fetched,
            op: |b| c(b.cmd(B, CmdOp::Reply, EpId(5), 0, MSG, 16, 0)),
        },
        Case {
            rule: Rule::ReplyNoRep,
            kind: Positive,
            setup: fetched,
            op: |b| c(b.reply_b(0)),
        },
        Case {
            rule: Rule::ReplyForeign,
            kind: Negative,
            setup: |b| {
                fetched(b);
                b.remote(B, Reg::Priv(PrivReg::CurAct), 9);
            },
            op: |b| c(b.reply_b(0)),
        },
        Case {
            rule: Rule::ReplyForeign,
            kind: Positive,
            setup: fetched,
            op: |b| c(b.reply_b(0)),
        },
        Case {
            rule: Rule::ReplyMsgOff,
            kind: Negative,
            setup: fetched,
            op: |b| c(b.reply_b(0x400)),
        },
        Case {
            rule: Rule::ReplyMsgOff,
            kind: Positive,
            setup: fetched,
            op: |b| {
                let r = b.reply_b(0);
                let EpConfig::Send(s) = b.ep(A, A_SEND) else {
                    unreachable!()
                };
                assert_eq!(s.cur_credits.raw(), 2, "the reply returned the credit");
                assert_eq!(
                    b.ep(B, B_REPLY_BASE),
                    EpConfig::Invalid,
                    "the reply EP is one-shot"
                );
                c(r)
            },
        },
        Case {
            rule: Rule::ReplyDisabled,
            kind: Negative,
            setup: |b| {
                b.cfg(B, B_RECV, recv(B_RBUF, 2, 8, EpId::INVALID));
                assert_eq!(b.send(16, EpId::INVALID), Code::None);
                b.fetch_b();
            },
            op: |b| c(b.reply_b(0)),
        },
        Case {
            rule: Rule::ReplyDisabled,
            kind: Positive,
            setup: fetched,
            op: |b| c(b.reply_b(0)),
        },
        Case {
            rule: Rule::ReplyNoSep,
            kind: Negative,
            setup: |b| {
                assert_eq!(b.send(16, EpId::INVALID), Code::None);
                b.fetch_b();
            },
            op: |b| c(b.reply_b(0)),
        },
        Case {
            rule: Rule::ReplyNoSep,
            kind: Positive,
            setup: fetched,
            op: |b| c(b.reply_b(0)),
        },
        Case {
            rule: Rule::ReplyNotReplyEp,
            kind: Negative,
            setup: |b| {
                fetched(b);
                b.cfg(B, B_REPLY_BASE, send_to(A, A_REPLIES, 1));
            },
            op: |b| c(b.reply_b(0)),
        },
        Case {
            rule: Rule::ReplyNotReplyEp,
            kind: Positive,
            setup: fetched,
            op: |b| c(b.reply_b(0)),
        },
        Case {
            rule: Rule::ReplyInvCrdEp,
            kind: Negative,
            setup: |b| {
                fetched(b);
                let EpConfig::Send(mut s) = b.ep(B, B_REPLY_BASE) else {
                    unreachable!()
                };
                s.credit_ep = EpId(EPS + 8);
                b.cfg(B, B_REPLY_BASE, EpConfig::Send(s));
            },
            op: |b| c(b.reply_b(0)),
        },
        Case {
            rule: Rule::ReplyInvCrdEp,
            kind: Positive,
            setup: fetched,
            op: |b| c(b.reply_b(0)),
        },
        Case {
            rule: Rule::ReplyInvRplEps,
            kind: Negative,
            setup: |b| {
                fetched(b);
                shift_reply_eps(b, EPS - 2);
            },
            op: |b| c(b.reply_b(0)),
        },
        Case {
            rule: Rule::ReplyInvRplEps,
            kind: Positive,
            setup: fetched,
            op: |b| c(b.reply_b(0)),
        },
        // READ / WRITE
        Case {
            rule: Rule::MemNoMep,
            kind: Negative,
            setup: nothing,
            op: |b| c(b.cmd(A, CmdOp::Read, A_SEND, 0, MSG, 16, 0)),
        },
        Case {
            rule: Rule::MemNoMep,
            kind: Positive,
            setup: nothing,
            op: |b| c(b.cmd(A, CmdOp::Read, A_MEM, 0, MSG, 16, 0)),
        },
        Case {
            rule: Rule::MemForeign,
            kind: Negative,
            setup: |b| b.cfg(A, EpId(3), act7(mem(M, 0, 0x1000, Perm::RW))),
            op: |b| c(b.cmd(A, CmdOp::Read, EpId(3), 0, MSG, 16, 0)),
        },
        Case {
            rule: Rule::MemForeign,
            kind: Positive,
            setup: |b| b.cfg(A, EpId(3), mem(M, 0, 0x1000, Perm::RW)),
            op: |b| c(b.cmd(A, CmdOp::Read, EpId(3), 0, MSG, 16, 0)),
        },
        Case {
            rule: Rule::MemNoPerm,
            kind: Negative,
            setup: |b| b.cfg(A, EpId(3), mem(M, 0, 0x1000, Perm::R)),
            op: |b| c(b.cmd(A, CmdOp::Write, EpId(3), 0, MSG, 16, 0)),
        },
        Case {
            rule: Rule::MemNoPerm,
            kind: Positive,
            setup: |b| b.cfg(A, EpId(3), mem(M, 0, 0x1000, Perm::R)),
            op: |b| c(b.cmd(A, CmdOp::Read, EpId(3), 0, MSG, 16, 0)),
        },
        Case {
            rule: Rule::MemBounds,
            kind: Negative,
            setup: nothing,
            op: |b| c(b.cmd(A, CmdOp::Write, A_MEM, 0, MSG, 0x200, 0xF00)),
        },
        Case {
            rule: Rule::MemBounds,
            kind: Positive,
            setup: nothing,
            op: |b| {
                b.write_local(A, MSG, &[0x5A; 0x200]);
                let r = b.cmd(A, CmdOp::Write, A_MEM, 0, MSG, 0x200, 0xE00);
                assert_eq!(
                    b.read_local(M, 0xE00, 0x200).unwrap(),
                    vec![0x5A; 0x200],
                    "WRITE reached M"
                );
                c(r)
            },
        },
        Case {
            rule: Rule::MemLocal,
            kind: Negative,
            setup: nothing,
            op: |b| c(b.cmd(A, CmdOp::Read, A_MEM, 0, b.local_size() - 8, 16, 0)),
        },
        Case {
            rule: Rule::MemLocal,
            kind: Positive,
            setup: nothing,
            op: |b| c(b.cmd(A, CmdOp::Read, A_MEM, 0, b.local_size() - 16, 16, 0)),
        },
        Case {
            rule: Rule::MemNoc,
            kind: Negative,
            setup: |b| b.cfg(A, EpId(3), mem(MISSING, 0, 0x1000, Perm::RW)),
            op: |b| c(b.cmd(A, CmdOp::Read, EpId(3), 0, MSG, 16, 0)),
        },
        Case {
            rule: Rule::MemNoc,
            kind: Positive,
            setup: |b| b.cfg(A, EpId(3), mem(B, 0, 0x1000, Perm::RW)),
            op: |b| c(b.cmd(A, CmdOp::Read, EpId(3), 0, MSG, 16, 0)),
        },
        Case {
            rule: Rule::MemRemote,
            kind: Negative,
            setup: |b| b.cfg(A, EpId(3), mem(M, b.mem_size() - 0x100, 0x1000, Perm::RW)),
            op: |b| c(b.cmd(A, CmdOp::Read, EpId(3), 0, MSG, 0x200, 0)),
        },
        Case {
            rule: Rule::MemRemote,
            kind: Positive,
            setup: |b| b.cfg(A, EpId(3), mem(M, b.mem_size() - 0x100, 0x1000, Perm::RW)),
            op: |b| c(b.cmd(A, CmdOp::Read, EpId(3), 0, MSG, 0x100, 0)),
        },
        // FETCH_MSG
        Case {
            rule: Rule::FetchNoRep,
            kind: Negative,
            setup: one_message,
            op: |b| c(b.cmd(B, CmdOp::FetchMsg, EpId(5), 0, 0, 0, 0)),
        },
        Case {
            rule: Rule::FetchNoRep,
            kind: Positive,
            setup: one_message,
            op: |b| {
                let r = b.cmd(B, CmdOp::FetchMsg, B_RECV, 0, 0, 0, 0);
                assert_eq!(b.arg1(B), 0, "the message is in slot 0");
                c(r)
            },
        },
        Case {
            rule: Rule::FetchForeign,
            kind: Negative,
            setup: |b| {
                one_message(b);
                b.remote(B, Reg::Priv(PrivReg::CurAct), 9);
            },
            op: |b| c(b.cmd(B, CmdOp::FetchMsg, B_RECV, 0, 0, 0, 0)),
        },
        Case {
            rule: Rule::FetchForeign,
            kind: Positive,
            setup: one_message,
            op: |b| c(b.cmd(B, CmdOp::FetchMsg, B_RECV, 0, 0, 0, 0)),
        },
        // ACK_MSG
        Case {
            rule: Rule::AckNoRep,
            kind: Negative,
            setup: fetched,
            op: |b| c(b.cmd(B, CmdOp::AckMsg, EpId(5), 0, 0, 0, 0)),
        },
        Case {
            rule: Rule::AckNoRep,
            kind: Positive,
            setup: fetched,
            op: |b| {
                let r = b.cmd(B, CmdOp::AckMsg, B_RECV, 0, 0, 0, 0);
                assert_eq!(
                    b.ep(B, B_REPLY_BASE),
                    EpConfig::Invalid,
                    "ACK drops the reply EP"
                );
                c(r)
            },
        },
        Case {
            rule: Rule::AckForeign,
            kind: Negative,
            setup: |b| {
                fetched(b);
                b.remote(B, Reg::Priv(PrivReg::CurAct), 9);
            },
            op: |b| c(b.cmd(B, CmdOp::AckMsg, B_RECV, 0, 0, 0, 0)),
        },
        Case {
            rule: Rule::AckForeign,
            kind: Positive,
            setup: fetched,
            op: |b| c(b.cmd(B, CmdOp::AckMsg, B_RECV, 0, 0, 0, 0)),
        },
        Case {
            rule: Rule::AckMsgOff,
            kind: Negative,
            setup: fetched,
            op: |b| c(b.cmd(B, CmdOp::AckMsg, B_RECV, 0x400, 0, 0, 0)),
        },
        Case {
            rule: Rule::AckMsgOff,
            kind: Positive,
            setup: fetched,
            op: |b| c(b.cmd(B, CmdOp::AckMsg, B_RECV, 0, 0, 0, 0)),
        },
        Case {
            rule: Rule::AckInvRplEps,
            kind: Negative,
            setup: |b| {
                fetched(b);
                shift_reply_eps(b, EPS - 2);
            },
            op: |b| c(b.cmd(B, CmdOp::AckMsg, B_RECV, 0, 0, 0, 0)),
        },
        Case {
            rule: Rule::AckInvRplEps,
            kind: Positive,
            setup: fetched,
            op: |b| c(b.cmd(B, CmdOp::AckMsg, B_RECV, 0, 0, 0, 0)),
        },
        // SLEEP
        Case {
            rule: Rule::SleepNoRep,
            kind: Negative,
            setup: nothing,
            op: |b| c(b.cmd(A, CmdOp::Sleep, A_MEM, A_MEM.raw().into(), 0, 0, 0)),
        },
        Case {
            rule: Rule::SleepNoRep,
            kind: Positive,
            setup: one_message,
            op: |b| c(b.cmd(B, CmdOp::Sleep, B_RECV, B_RECV.raw().into(), 0, 0, 0)),
        },
        // INV_EP and EXT_CMD
        Case {
            rule: Rule::InvEpRange,
            kind: Negative,
            setup: nothing,
            op: |b| c(b.inv_ep(A, EpId(EPS), true)),
        },
        Case {
            rule: Rule::InvEpRange,
            kind: Positive,
            setup: nothing,
            op: |b| {
                let r = b.inv_ep(A, A_MEM, true);
                assert_eq!(b.ep(A, A_MEM), EpConfig::Invalid);
                c(r)
            },
        },
        Case {
            rule: Rule::InvEpCredits,
            kind: Negative,
            setup: |b| assert_eq!(b.send(16, EpId::INVALID), Code::None),
            op: |b| c(b.inv_ep(A, A_SEND, false)),
        },
        Case {
            rule: Rule::InvEpCredits,
            kind: Positive,
            setup: |b| assert_eq!(b.send(16, EpId::INVALID), Code::None),
            op: |b| c(b.inv_ep(A, A_SEND, true)),
        },
        Case {
            rule: Rule::ExtUnknown,
            kind: Negative,
            setup: nothing,
            op: |b| c(b.ext(A, 0xE)),
        },
        Case {
            rule: Rule::ExtUnknown,
            kind: Positive,
            setup: nothing,
            op: |b| c(b.inv_ep(A, EpId(20), false)),
        },
        // Ignored writes
        Case {
            rule: Rule::PrivEpWrite,
            kind: Negative,
            setup: nothing,
            op: |b| {
                w(b.local(
                    A,
                    Reg::Ep {
                        ep: EpId(5),
                        word: 0,
                    },
                    0x1,
                ))
            },
        },
        Case {
            rule: Rule::PrivEpWrite,
            kind: Positive,
            setup: nothing,
            op: |b| {
                w(b.local(
                    K,
                    Reg::Ep {
                        ep: EpId(5),
                        word: 0,
                    },
                    0,
                ))
            },
        },
        Case {
            rule: Rule::PrivExtWrite,
            kind: Negative,
            setup: nothing,
            op: |b| w(b.local(A, Reg::FEATURES, 1)),
        },
        Case {
            rule: Rule::PrivExtWrite,
            kind: Positive,
            setup: nothing,
            op: |b| w(b.remote(A, Reg::FEATURES, 0)),
        },
        Case {
            rule: Rule::PrivPrivWrite,
            kind: Negative,
            setup: nothing,
            op: |b| w(b.local(A, Reg::Priv(PrivReg::CurAct), 3)),
        },
        Case {
            rule: Rule::PrivPrivWrite,
            kind: Positive,
            setup: nothing,
            op: |b| w(b.local(K, Reg::Priv(PrivReg::CurAct), 0xFFFF)),
        },
        Case {
            rule: Rule::PrivConfigWrite,
            kind: Negative,
            setup: nothing,
            op: |b| w(b.local(A, Reg::Config(ConfigReg::CoreEnable), 1)),
        },
        Case {
            rule: Rule::PrivConfigWrite,
            kind: Positive,
            setup: nothing,
            op: |b| w(b.remote(A, Reg::Config(ConfigReg::CoreEnable), 1)),
        },
        Case {
            rule: Rule::RemoteUnprivWrite,
            kind: Negative,
            setup: nothing,
            op: |b| w(b.remote(A, Reg::Unpriv(UnprivReg::DataAddr), 0x40)),
        },
        Case {
            rule: Rule::RemoteUnprivWrite,
            kind: Positive,
            setup: nothing,
            op: |b| w(b.local(A, Reg::Unpriv(UnprivReg::DataAddr), 0x40)),
        },
        Case {
            rule: Rule::RegReadOnly,
            kind: Negative,
            setup: nothing,
            op: |b| w(b.remote(A, Reg::Ext(ExtReg::TileDesc), 0x55)),
        },
        Case {
            rule: Rule::RegReadOnly,
            kind: Positive,
            setup: nothing,
            op: |b| w(b.remote(A, Reg::Ext(ExtReg::Features), 0)),
        },
    ]
}

/// The tile a case's negative operation acts on (for ignored writes, the
/// tile whose violation counter must go up).
fn violated_tile(rule: Rule) -> tcu_mmio::TileId {
    match rule {
        Rule::CmdBusy
        | Rule::PrivEpWrite
        | Rule::PrivExtWrite
        | Rule::PrivPrivWrite
        | Rule::PrivConfigWrite
        | Rule::RemoteUnprivWrite
        | Rule::RegReadOnly => A,
        _ => K,
    }
}

/// Rules lacking a positive or a negative case.
pub fn missing() -> Vec<String> {
    let have: BTreeSet<(Rule, Kind)> = cases().iter().map(|c| (c.rule, c.kind)).collect();
    let mut missing = Vec::new();
    for rule in Rule::ALL {
        for kind in [Positive, Negative] {
            if !have.contains(&(*rule, kind)) {
                missing.push(format!("{} {kind:?}", rule.id()));
            }
        }
    }
    missing
}

/// Runs every case on a fresh bench from `make`; returns one line per failure.
pub fn run(make: &dyn Fn() -> Bench) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases() {
        let mut b = make();
        (case.setup)(&mut b);
        let before = b.snapshot();
        let got = (case.op)(&mut b);
        let after = b.snapshot();
        let id = case.rule.id();
        match case.kind {
            Positive => {
                let ok = matches!(
                    got,
                    Res::Code(Code::None) | Res::Write(WriteOutcome::Applied)
                );
                if !ok {
                    failures.push(format!("{id} positive: expected success, got {got:?}"));
                }
            }
            Negative => {
                let want = match case.rule.code() {
                    Some(code) => Res::Code(code),
                    None => Res::Write(WriteOutcome::Ignored(case.rule)),
                };
                if got != want {
                    failures.push(format!("{id} negative: expected {want:?}, got {got:?}"));
                    continue;
                }
                // Nothing but the violation counter of an ignored write may change.
                let (mut b4, mut af) = (before.clone(), after.clone());
                if case.rule.code().is_none() {
                    let t = violated_tile(case.rule);
                    let vb = b.tile(t).map(|s| s.violations).unwrap_or(0);
                    let before_v = before
                        .tiles
                        .iter()
                        .find(|s| s.id == t)
                        .map(|s| s.violations)
                        .unwrap_or(0);
                    if vb != before_v + 1 {
                        failures.push(format!(
                            "{id} negative: violation counter of {t} went {before_v} -> {vb}"
                        ));
                    }
                    b4 = b4.without_violations();
                    af = af.without_violations();
                }
                // The issuing tile's command registers legitimately change.
                for s in b4.tiles.iter_mut().chain(af.tiles.iter_mut()) {
                    s.command = 0;
                    s.data_addr = 0;
                    s.data_size = 0;
                    s.arg1 = 0;
                    s.ext_cmd = 0;
                }
                if b4 != af {
                    let diff: Vec<String> = b4
                        .tiles
                        .iter()
                        .zip(&af.tiles)
                        .filter(|(x, y)| x != y)
                        .map(|(x, _)| x.id.to_string())
                        .collect();
                    failures.push(format!(
                        "{id} negative: state changed (tiles {diff:?}, memories equal: {})",
                        b4.backings == af.backings
                    ));
                }
            }
        }
    }
    failures
}
