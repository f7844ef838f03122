//! The rule catalogue on the model in-process (the cases are in
//! `rule_cases/`, shared with the simulator's cross-process run), and
//! checks of the catalogue itself.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

mod bench;
mod rule_cases;

use std::collections::BTreeSet;

use bench::*;
use tcu_mmio::ep::{Credits, EpConfig, Perm};
use tcu_mmio::{CmdOp, Code, EpId, Reg};
use tcu_model::Rule;

#[test]
fn every_rule_has_a_positive_and_a_negative_case() {
    let missing = rule_cases::missing();
    assert!(missing.is_empty(), "rules without a case: {missing:?}");
}

#[test]
fn rule_cases() {
    let failures = rule_cases::run(&Bench::new);
    assert!(
        failures.is_empty(),
        "{} failing rule case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_round_trip_moves_the_bytes_and_the_credit() {
    let mut b = Bench::new();
    b.write_local(A, MSG, b"hello, tile B! 0123456789abcdef");
    assert_eq!(
        b.cmd(
            A,
            CmdOp::Send,
            A_SEND,
            A_REPLIES.raw().into(),
            MSG,
            32,
            0x77
        ),
        Code::None
    );
    let off = b.fetch_b().unwrap();
    let slot = b.read_local(B, B_RBUF + u64::from(off), 64).unwrap();
    let hdr = tcu_mmio::Header::read_from(&slot).unwrap().info().unwrap();
    assert_eq!(
        (hdr.sender_tile, hdr.length, hdr.label.0, hdr.reply_label.0),
        (A, 32, 0x1234, 0x77)
    );
    assert_eq!(&slot[32..63], b"hello, tile B! 0123456789abcdef");
    b.write_local(B, MSG, b"pong------------");
    assert_eq!(b.cmd(B, CmdOp::Reply, B_RECV, off, MSG, 16, 0), Code::None);
    assert_eq!(b.cmd(A, CmdOp::FetchMsg, A_REPLIES, 0, 0, 0, 0), Code::None);
    let roff = b.arg1(A);
    let rslot = b.read_local(A, A_RBUF + roff, 48).unwrap();
    let rh = tcu_mmio::Header::read_from(&rslot).unwrap().info().unwrap();
    assert!(rh.reply);
    assert_eq!(
        rh.label.0, 0x77,
        "the reply carries the requester's reply label"
    );
    assert_eq!(&rslot[32..48], b"pong------------");
    let EpConfig::Send(s) = b.ep(A, A_SEND) else {
        unreachable!()
    };
    assert_eq!(s.cur_credits, Credits::new(2).unwrap());
}

#[test]
fn a_memory_ep_onto_registers_reconfigures_the_target() {
    // The NoC is modelled literally: whoever holds a memory EP onto a tile's
    // register region can write its endpoints. The kernel must never grant one.
    let mut b = Bench::new();
    let ep_off = Reg::Ep {
        ep: EpId(6),
        word: 0,
    }
    .offset(layout());
    b.cfg(
        A,
        EpId(3),
        mem(B, tcu_mmio::regs::MMIO_BASE + ep_off, 24, Perm::RW),
    );
    let words = mem(A, 0, 0x100, Perm::RW).to_regs().unwrap();
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    b.write_local(A, MSG, &bytes);
    assert_eq!(b.cmd(A, CmdOp::Write, EpId(3), 0, MSG, 24, 0), Code::None);
    assert_eq!(b.ep(B, EpId(6)), mem(A, 0, 0x100, Perm::RW));
}

#[test]
fn no_error_site_is_untagged() {
    // Outside the catalogue, the model may name no error code but NONE:
    // every failure goes through a Rule, whose code comes from rules.rs.
    for (name, src) in [
        ("exec.rs", include_str!("../src/exec.rs")),
        ("regs.rs", include_str!("../src/regs.rs")),
        ("lib.rs", include_str!("../src/lib.rs")),
        ("tile.rs", include_str!("../src/tile.rs")),
        ("memory.rs", include_str!("../src/memory.rs")),
        ("record.rs", include_str!("../src/record.rs")),
    ] {
        for (n, line) in src.lines().enumerate() {
            let mut rest = line;
            while let Some(i) = rest.find("Code::") {
                let after = &rest[i + 6..];
                assert!(
                    after.starts_with("None"),
                    "{name}:{}: untagged error code: {line}",
                    n + 1
                );
                rest = after;
            }
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let checked: BTreeSet<String> = [
        "exec.rs",
        "regs.rs",
        "lib.rs",
        "tile.rs",
        "memory.rs",
        "record.rs",
        "rules.rs",
    ]
    .map(String::from)
    .into();
    assert_eq!(
        files, checked,
        "a new source file must be added to this check"
    );
}

#[test]
fn rule_ids_are_unique() {
    let ids: BTreeSet<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
    assert_eq!(ids.len(), Rule::ALL.len());
}
