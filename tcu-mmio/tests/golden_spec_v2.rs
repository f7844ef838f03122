//! The code's layouts against TCU spec v2.0.0, typed by hand.
//!
//! The tables below were typed from the text of the TCU specification v2.0.0
//! (Barkhausen Institut, repository TCU-if at commit 0c6cb47,
//! `spec/chapters/{overview,eps,unpriv,priv,extern}.tex`), not from this
//! crate. Field names are the spec's. Rows marked as not in the spec text
//! are tilekit's documented additions (gem5 and M3 code, the platform). The tests compare them with the definitions in `tcu-mmio` in both
//! directions: every field the spec names exists in the code at the same
//! bits, and the code defines no field the spec does not. Round-trip tests
//! cannot catch a field at the wrong position; these can.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use std::collections::BTreeSet;

use tcu_mmio::cmd::{INV_EP_EP, INV_EP_FORCE};
use tcu_mmio::ep::EP_LAYOUTS;
use tcu_mmio::header::HEADER_LAYOUT;
use tcu_mmio::regs::{Layout, REGISTER_DOCS};

/// (register, field, hi, lo). Register names follow the spec; endpoint
/// registers are `SEND.0` … `MEMORY.2`, header words `HEADER.0` …; `INV_EP`
/// is the argument of the external INV_EP command.
const GOLDEN_FIELDS: &[(&str, &str, u8, u8)] = &[
    // extern.tex, "Meta Information" — FEATURES.
    ("FEATURES", "kernel", 0, 0),
    ("FEATURES", "vm", 1, 1),
    ("FEATURES", "ctxsw", 2, 2),
    ("FEATURES", "vmajor", 47, 32),
    ("FEATURES", "vminor", 55, 48),
    ("FEATURES", "vpatch", 63, 56),
    // extern.tex, "Meta Information" — TILE_DESC.
    ("TILE_DESC", "type", 5, 0),
    ("TILE_DESC", "isa", 10, 6),
    ("TILE_DESC", "attr", 27, 11),
    ("TILE_DESC", "memory", 63, 28),
    // extern.tex — EXT_CMD and the INV_EP argument.
    ("EXT_CMD", "op", 3, 0),
    ("EXT_CMD", "err", 8, 4),
    ("EXT_CMD", "arg", 63, 9),
    ("INV_EP", "ep", 15, 0),
    ("INV_EP", "force", 16, 16),
    // unpriv.tex — COMMAND and the whole-register unprivileged registers.
    ("COMMAND", "op", 3, 0),
    ("COMMAND", "ep", 19, 4),
    ("COMMAND", "error", 24, 20),
    ("COMMAND", "arg0", 56, 25),
    ("DATA_ADDR", "addr", 63, 0),
    ("DATA_SIZE", "size", 63, 0),
    ("ARG1", "arg1", 63, 0),
    ("CUR_TIME", "time", 63, 0),
    ("PRINT", "len", 63, 0),
    // priv.tex — privileged registers.
    ("CU_REQ", "type", 2, 0),
    ("CU_REQ", "write", 3, 3),
    ("CU_REQ", "ep", 18, 3),
    ("CU_REQ", "error", 8, 4),
    ("CU_REQ", "phys", 63, 32),
    ("CU_REQ", "act", 63, 48),
    ("PRIV_CTRL", "pmp", 0, 0),
    ("PRIV_CMD", "op", 3, 0),
    ("PRIV_CMD", "err", 8, 4),
    ("PRIV_CMD", "arg0", 63, 9),
    ("PRIV_CMD_ARG", "arg", 63, 0),
    ("CUR_ACT", "id", 15, 0),
    ("CUR_ACT", "msgs", 31, 16),
    // Not in the spec text: M3's tcu.rs (v2 code) acknowledges interrupts here.
    ("CLEAR_IRQ", "irq", 63, 0),
    // Configuration page (platform, not the TCU spec; VCU118 design).
    ("CORE_ENABLE", "value", 63, 0),
    ("CORE_RESET", "value", 63, 0),
    // eps.tex — common to all endpoint types (register 0).
    ("INVALID.0", "type", 2, 0),
    ("INVALID.0", "act", 18, 3),
    // eps.tex — send endpoint.
    ("SEND.0", "type", 2, 0),
    ("SEND.0", "act", 18, 3),
    ("SEND.0", "cur_crd", 24, 19),
    ("SEND.0", "max_crd", 30, 25),
    ("SEND.0", "msg_sz", 36, 31),
    ("SEND.0", "crd_ep", 52, 37),
    ("SEND.0", "reply", 53, 53),
    ("SEND.1", "tgt_ep", 15, 0),
    ("SEND.1", "tgt_tile", 23, 16),
    ("SEND.1", "tgt_chip", 29, 24),
    ("SEND.2", "label", 63, 0),
    // eps.tex — receive endpoint.
    ("RECEIVE.0", "type", 2, 0),
    ("RECEIVE.0", "act", 18, 3),
    ("RECEIVE.0", "rpl_eps", 34, 19),
    ("RECEIVE.0", "slots", 40, 35),
    ("RECEIVE.0", "slot_size", 46, 41),
    ("RECEIVE.0", "wpos", 52, 47),
    ("RECEIVE.0", "rpos", 58, 53),
    ("RECEIVE.1", "buffer", 63, 0),
    ("RECEIVE.2", "occupied", 31, 0),
    ("RECEIVE.2", "unread", 63, 32),
    // eps.tex — memory endpoint.
    ("MEMORY.0", "type", 2, 0),
    ("MEMORY.0", "act", 18, 3),
    ("MEMORY.0", "rw", 22, 19),
    ("MEMORY.0", "tile", 30, 23),
    ("MEMORY.0", "chip", 36, 31),
    ("MEMORY.1", "addr", 63, 0),
    ("MEMORY.2", "size", 63, 0),
    // unpriv.tex, "Message header" (32 bytes).
    ("HEADER.0", "flags", 0, 0),
    ("HEADER.0", "rsize", 4, 1),
    ("HEADER.0", "stile", 12, 5),
    ("HEADER.0", "schip", 18, 13),
    ("HEADER.0", "length", 31, 19),
    ("HEADER.0", "sep", 47, 32),
    ("HEADER.0", "rep", 63, 48),
    ("HEADER.1", "rlabel", 63, 0),
    ("HEADER.2", "label", 63, 0),
];

/// (register, byte offset in the TCU region), overview.tex "MMIO registers";
/// the configuration registers from the VCU118 platform (`ktcu::reset_tile`).
const GOLDEN_OFFSETS: &[(&str, u64)] = &[
    ("FEATURES", 0x00),
    ("TILE_DESC", 0x08),
    ("EXT_CMD", 0x10),
    ("COMMAND", 0x18),
    ("DATA_ADDR", 0x20),
    ("DATA_SIZE", 0x28),
    ("ARG1", 0x30),
    ("CUR_TIME", 0x38),
    ("PRINT", 0x40),
    ("CU_REQ", 0x2000),
    ("PRIV_CTRL", 0x2008),
    ("PRIV_CMD", 0x2010),
    ("PRIV_CMD_ARG", 0x2018),
    ("CUR_ACT", 0x2020),
    ("CLEAR_IRQ", 0x2028), // M3 tcu.rs, not in the spec text
    ("CORE_ENABLE", 0x3028),
    ("CORE_RESET", 0x3030),
];

/// (code, number), the spec's list of error codes.
const GOLDEN_CODES: &[(&str, u8)] = &[
    ("NONE", 0),
    ("NO_MEP", 1),
    ("NO_SEP", 2),
    ("NO_REP", 3),
    ("FOREIGN_EP", 4),
    ("SEND_REPLY_EP", 5),
    ("RECV_GONE", 6),
    ("RECV_NO_SPACE", 7),
    ("REPLIES_DISABLED", 8),
    ("OUT_OF_BOUNDS", 9),
    ("NO_CREDITS", 10),
    ("NO_PERM", 11),
    ("INV_MSG_OFF", 12),
    ("TRANSLATION_FAULT", 13),
    ("ABORT", 14),
    ("UNKNOWN_CMD", 15),
    ("RECV_OUT_OF_BOUNDS", 16),
    ("RECV_INV_RPL_EPS", 17),
    ("SEND_INV_CRD_EP", 18),
    ("SEND_INV_MSG_SZ", 19),
    ("TIMEOUT_MEM", 20),
    ("TIMEOUT_NOC", 21),
    ("PAGE_BOUNDARY", 22),
    ("MSG_UNALIGNED", 23),
    ("TLB_MISS", 24),
    ("TLB_FULL", 25),
    ("NO_PMP_EP", 26),
];

/// Opcodes: (register, name, number), unpriv.tex / extern.tex / priv.tex.
const GOLDEN_OPCODES: &[(&str, &str, u8)] = &[
    ("COMMAND", "IDLE", 0),
    ("COMMAND", "SEND", 1),
    ("COMMAND", "REPLY", 2),
    ("COMMAND", "READ", 3),
    ("COMMAND", "WRITE", 4),
    ("COMMAND", "FETCH_MSG", 5),
    ("COMMAND", "ACK_MSG", 6),
    // Not in the spec text: gem5's TCU and M3's tcu.rs (tilekit extension).
    ("COMMAND", "SLEEP", 7),
    ("EXT_CMD", "IDLE", 0),
    ("EXT_CMD", "INV_EP", 1),
    // Not in the spec v2 text (IDLE and INV_EP only): gem5's TCU.
    ("EXT_CMD", "RESET", 2),
    ("PRIV_CMD", "IDLE", 0),
    ("PRIV_CMD", "INV_PAGE", 1),
    ("PRIV_CMD", "INV_TLB", 2),
    ("PRIV_CMD", "INS_TLB", 3),
    ("PRIV_CMD", "XCHG_ACT", 4),
    ("PRIV_CMD", "SET_TIMER", 5),
    ("PRIV_CMD", "ABORT_CMD", 6),
];

fn code_fields() -> BTreeSet<(String, String, u8, u8)> {
    let mut set = BTreeSet::new();
    let mut add = |reg: &str, f: &tcu_mmio::Field| {
        assert!(
            set.insert((reg.to_owned(), f.name.to_owned(), f.hi(), f.lo)),
            "{reg}.{} defined twice",
            f.name
        );
    };
    for d in REGISTER_DOCS {
        for f in d.fields {
            add(d.name, f);
        }
    }
    for (ty, regs) in EP_LAYOUTS {
        for (i, fields) in regs.iter().enumerate() {
            for f in *fields {
                add(&format!("{}.{i}", ty.name()), f);
            }
        }
    }
    for (i, fields) in HEADER_LAYOUT.iter().enumerate() {
        for f in *fields {
            add(&format!("HEADER.{i}"), f);
        }
    }
    add("INV_EP", &INV_EP_EP);
    add("INV_EP", &INV_EP_FORCE);
    set
}

#[test]
fn every_field_matches_the_spec_in_both_directions() {
    let golden: BTreeSet<(String, String, u8, u8)> = GOLDEN_FIELDS
        .iter()
        .map(|(r, f, hi, lo)| ((*r).to_owned(), (*f).to_owned(), *hi, *lo))
        .collect();
    assert_eq!(
        golden.len(),
        GOLDEN_FIELDS.len(),
        "golden table has duplicates"
    );
    let code = code_fields();
    let missing: Vec<_> = golden.difference(&code).collect();
    let extra: Vec<_> = code.difference(&golden).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "spec fields not in the code (or at other bits): {missing:#?}\ncode fields not in the spec: {extra:#?}"
    );
}

#[test]
fn every_register_offset_matches_the_spec() {
    let layout = Layout::HW;
    let code: BTreeSet<(String, u64)> = REGISTER_DOCS
        .iter()
        .map(|d| (d.name.to_owned(), d.reg.offset(layout)))
        .collect();
    let golden: BTreeSet<(String, u64)> = GOLDEN_OFFSETS
        .iter()
        .map(|(n, o)| ((*n).to_owned(), *o))
        .collect();
    assert_eq!(code, golden);
}

#[test]
fn error_codes_are_numbered_as_in_the_spec() {
    let code: Vec<(&str, u8)> = tcu_mmio::error::ALL_CODES
        .iter()
        .map(|c| (c.name(), c.number()))
        .collect();
    assert_eq!(code, GOLDEN_CODES);
    for (name, n) in GOLDEN_CODES {
        assert_eq!(tcu_mmio::Code::try_from(*n).unwrap().name(), *name);
    }
    for unknown in [27u8, 28, 31, 255] {
        assert!(
            tcu_mmio::Code::try_from(unknown).is_err(),
            "{unknown} must be rejected"
        );
    }
    assert!(tcu_mmio::Code::try_from(u64::MAX).is_err());
}

#[test]
fn opcodes_are_numbered_as_in_the_spec() {
    use tcu_mmio::{CmdOp, ExtOp, PrivOp};
    let mut code: Vec<(&str, &str, u8)> = Vec::new();
    code.extend(CmdOp::ALL.iter().map(|o| ("COMMAND", o.name(), *o as u8)));
    code.extend(ExtOp::ALL.iter().map(|o| ("EXT_CMD", o.name(), *o as u8)));
    code.extend(PrivOp::ALL.iter().map(|o| ("PRIV_CMD", o.name(), *o as u8)));
    assert_eq!(code, GOLDEN_OPCODES);
    assert!(CmdOp::try_from(8u64).is_err());
    assert!(ExtOp::try_from(3u64).is_err());
    assert!(PrivOp::try_from(7u64).is_err());
}
