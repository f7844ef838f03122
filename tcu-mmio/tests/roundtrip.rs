//! Property tests: every encoding round-trips, every out-of-range value is
//! rejected, and decoding arbitrary register words never panics.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use proptest::prelude::*;
use tcu_mmio::cmd::{CommandStatus, EXT_CMD_ARG, ExtCmdStatus, INV_EP_EP, INV_EP_FORCE};
use tcu_mmio::ep::{Credits, EP_LAYOUTS, MAX_SLOTS_LOG2};
use tcu_mmio::field::Field;
use tcu_mmio::header::HEADER_LAYOUT;
use tcu_mmio::regs::{Layout, REGISTER_DOCS};
use tcu_mmio::tile_desc::{Isa, TileDesc, TileType};
use tcu_mmio::*;

fn tile() -> impl Strategy<Value = TileId> {
    (0..=TileId::MAX_CHIP, any::<u8>()).prop_map(|(c, t)| TileId::new(c, t).unwrap())
}

fn credits() -> impl Strategy<Value = Credits> {
    (0u8..=63).prop_map(|n| Credits::new(n).unwrap())
}

fn send_ep() -> impl Strategy<Value = SendEp> {
    (
        any::<u16>(),
        credits(),
        credits(),
        0u8..=63,
        any::<u16>(),
        any::<bool>(),
        tile(),
        any::<u16>(),
        any::<u64>(),
    )
        .prop_map(|(act, cur, max, sz, crd, reply, t, tep, label)| SendEp {
            act: ActId(act),
            cur_credits: cur,
            max_credits: max,
            msg_size_log2: sz,
            credit_ep: EpId(crd),
            reply,
            target_tile: t,
            target_ep: EpId(tep),
            label: Label(label),
        })
}

fn recv_ep() -> impl Strategy<Value = RecvEp> {
    (
        any::<u16>(),
        any::<u16>(),
        0..=MAX_SLOTS_LOG2,
        0u8..=63,
        0u8..=63,
        0u8..=63,
        any::<u64>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(
            |(act, rpl, slots, size, wpos, rpos, buf, occ, unread)| RecvEp {
                act: ActId(act),
                reply_eps: EpId(rpl),
                slots_log2: slots,
                slot_size_log2: size,
                wpos,
                rpos,
                buf_addr: buf,
                occupied: occ,
                unread,
            },
        )
}

fn mem_ep() -> impl Strategy<Value = MemEp> {
    (any::<u16>(), 0u64..=3, tile(), any::<u64>(), any::<u64>()).prop_map(
        |(act, perm, t, addr, size)| MemEp {
            act: ActId(act),
            perm: Perm::from_bits(perm).unwrap(),
            target_tile: t,
            addr,
            size,
        },
    )
}

fn ep_config() -> impl Strategy<Value = EpConfig> {
    prop_oneof![
        Just(EpConfig::Invalid),
        send_ep().prop_map(EpConfig::Send),
        recv_ep().prop_map(EpConfig::Receive),
        mem_ep().prop_map(EpConfig::Memory),
    ]
}

/// Every field of every register, endpoint word and header word.
fn all_fields() -> Vec<Field> {
    let mut v: Vec<Field> = REGISTER_DOCS
        .iter()
        .flat_map(|d| d.fields.iter().copied())
        .collect();
    for (_, regs) in EP_LAYOUTS {
        for fields in regs {
            v.extend_from_slice(fields);
        }
    }
    for fields in HEADER_LAYOUT {
        v.extend_from_slice(fields);
    }
    v.extend_from_slice(&[INV_EP_EP, INV_EP_FORCE]);
    v
}

proptest! {
    #[test]
    fn ep_configs_round_trip(cfg in ep_config()) {
        let words = cfg.to_regs().unwrap();
        prop_assert_eq!(EpConfig::from_regs(words), Ok(cfg));
    }

    #[test]
    fn decoding_any_words_never_panics_and_re_encodes(w in any::<[u64; 3]>()) {
        if let Ok(cfg) = EpConfig::from_regs(w)
            && cfg != EpConfig::Invalid
        {
            prop_assert_eq!(cfg.to_regs().unwrap(), w);
        }
    }

    #[test]
    fn too_many_slots_are_rejected_both_ways(mut r in recv_ep(), slots in (MAX_SLOTS_LOG2 + 1)..=63) {
        r.slots_log2 = slots;
        prop_assert!(EpConfig::Receive(r).to_regs().is_err());
        r.slots_log2 = 0;
        let mut w = EpConfig::Receive(r).to_regs().unwrap();
        w[0] = ep::RECV_SLOTS.set(w[0], slots.into()).unwrap();
        prop_assert!(EpConfig::from_regs(w).is_err());
    }

    #[test]
    fn too_wide_typed_values_are_rejected(mut s in send_ep(), sz in 64u8..) {
        s.msg_size_log2 = sz;
        prop_assert!(EpConfig::Send(s).to_regs().is_err());
    }

    #[test]
    fn every_field_rejects_values_above_its_max(idx in any::<prop::sample::Index>(), extra in 1u64..1000, reg in any::<u64>()) {
        let fields = all_fields();
        let f = fields[idx.index(fields.len())];
        if f.width < 64 {
            let too_big = f.max().saturating_add(extra);
            let err = f.set(reg, too_big).unwrap_err();
            prop_assert_eq!(err.value, too_big);
            // And a value that fits changes only the field's bits.
            let v = extra & f.max();
            let out = f.set(reg, v).unwrap();
            prop_assert_eq!(f.get(out), v);
            prop_assert_eq!(out & !f.mask(), reg & !f.mask());
        }
    }

    #[test]
    fn commands_round_trip(op in 0usize..CmdOp::ALL.len(), ep in any::<u16>(), arg0 in any::<u32>()) {
        let cmd = Command { op: CmdOp::ALL[op], ep: EpId(ep), arg0 };
        let st = CommandStatus::decode(cmd.encode()).unwrap();
        prop_assert_eq!((st.op, st.ep, st.arg0, st.error), (cmd.op, cmd.ep, cmd.arg0, Code::None));
    }

    #[test]
    fn command_status_round_trips(op in 0usize..CmdOp::ALL.len(), ep in any::<u16>(), arg0 in any::<u32>(), code in 0usize..27) {
        let st = CommandStatus { op: CmdOp::ALL[op], ep: EpId(ep), error: error::ALL_CODES[code], arg0 };
        prop_assert_eq!(CommandStatus::decode(st.encode()), Ok(st));
    }

    #[test]
    fn command_decoding_never_panics(raw in any::<u64>()) {
        if let Ok(st) = CommandStatus::decode(raw) {
            prop_assert_eq!(st.encode(), raw);
        }
    }

    #[test]
    fn inv_ep_round_trips(ep in any::<u16>(), force in any::<bool>()) {
        let raw = ExtCmd::InvEp { ep: EpId(ep), force }.encode().unwrap();
        let st = ExtCmdStatus::decode(raw).unwrap();
        prop_assert_eq!(st.op, ExtOp::InvEp);
        prop_assert_eq!(INV_EP_EP.get(st.arg), u64::from(ep));
        prop_assert_eq!(INV_EP_FORCE.get(st.arg) != 0, force);
        prop_assert_eq!(st.encode().unwrap(), raw);
    }

    #[test]
    fn ext_cmd_arguments_beyond_55_bits_are_rejected(arg in (EXT_CMD_ARG.max() + 1)..) {
        let reset = ExtCmd::Reset { arg };
        let timer = PrivCmd { op: PrivOp::SetTimer, arg0: arg };
        prop_assert!(reset.encode().is_err());
        prop_assert!(timer.encode().is_err());
    }

    #[test]
    fn headers_round_trip(reply in any::<bool>(), rsize in 0u8..16, t in tile(), len in 0u16..8192,
                          sep in any::<u16>(), rep in any::<u16>(), rl in any::<u64>(), l in any::<u64>()) {
        let info = HeaderInfo { reply, reply_size_log2: rsize, sender_tile: t, length: len,
            sender_ep: EpId(sep), reply_ep: EpId(rep), reply_label: Label(rl), label: Label(l) };
        let h = Header::new(&info).unwrap();
        let bytes = zerocopy::IntoBytes::as_bytes(&h).to_vec();
        prop_assert_eq!(bytes.len(), 32);
        prop_assert_eq!(Header::read_from(&bytes).unwrap().info(), Ok(info));
    }

    #[test]
    fn header_fields_out_of_range_are_rejected(len in 8192u16.., rsize in 16u8..) {
        let base = HeaderInfo { reply: false, reply_size_log2: 0, sender_tile: TileId::on_chip0(0),
            length: 0, sender_ep: EpId(0), reply_ep: EpId(0), reply_label: Label(0), label: Label(0) };
        let long = HeaderInfo { length: len, ..base };
        let wide = HeaderInfo { reply_size_log2: rsize, ..base };
        prop_assert!(Header::new(&long).is_err());
        prop_assert!(Header::new(&wide).is_err());
    }

    #[test]
    fn header_decoding_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Some(h) = Header::read_from(&bytes) {
            if let Ok(info) = h.info() {
                prop_assert_eq!(Header::new(&info).unwrap(), h);
            }
        } else {
            prop_assert!(bytes.len() < 32);
        }
    }

    #[test]
    fn register_offsets_round_trip(eps in 0u16..=Layout::MAX_EPS, off in (0u64..0x4000).prop_map(|o| o & !7)) {
        let layout = Layout::new(eps).unwrap();
        if let Some(reg) = Reg::at(off, layout) {
            prop_assert_eq!(reg.offset(layout), off);
        }
    }

    #[test]
    fn tile_desc_round_trips(ty in 0usize..TileType::ALL.len(), isa in 0usize..Isa::ALL.len(),
                             attr in 0u32..(1 << 17), mem in 0u64..(1 << 36)) {
        let d = TileDesc { tile_type: TileType::ALL[ty], isa: Isa::ALL[isa], attr, mem_pages: mem };
        prop_assert_eq!(TileDesc::from_raw(d.to_raw().unwrap()), Ok(d));
    }

    #[test]
    fn features_round_trip(k in any::<bool>(), vm in any::<bool>(), cs in any::<bool>(),
                           ma in any::<u16>(), mi in any::<u8>(), pa in any::<u8>()) {
        let f = regs::Features { kernel: k, vm, ctxsw: cs, version: (ma, mi, pa) };
        prop_assert_eq!(regs::Features::from_raw(f.to_raw()), f);
    }
}

#[test]
fn every_fixed_register_and_endpoint_word_decodes_to_itself() {
    for eps in [0, 1, Layout::HW_EPS, Layout::MAX_EPS] {
        let layout = Layout::new(eps).unwrap();
        for d in REGISTER_DOCS {
            assert_eq!(
                Reg::at(d.reg.offset(layout), layout),
                Some(d.reg),
                "{}",
                d.name
            );
        }
        for ep in 0..eps {
            for word in 0..3 {
                let r = Reg::Ep { ep: EpId(ep), word };
                assert_eq!(Reg::at(r.offset(layout), layout), Some(r));
            }
        }
        for n in 0..32 {
            let r = Reg::PrintBuf(n);
            assert_eq!(Reg::at(r.offset(layout), layout), Some(r));
        }
        assert!(layout.print_buf_start() + 256 <= regs::PRIV_START);
    }
}

#[test]
fn endpoint_counts_beyond_the_privileged_page_are_refused() {
    assert_eq!(Layout::MAX_EPS, 327);
    assert!(Layout::new(327).is_ok());
    let err = Layout::new(328).unwrap_err();
    assert_eq!(err.max, 327);
}

#[test]
fn fields_within_a_register_do_not_overlap() {
    for (ty, regs) in EP_LAYOUTS {
        for (i, fields) in regs.iter().enumerate() {
            assert_eq!(field::fields_overlap(fields), None, "{} reg {i}", ty.name());
        }
    }
    for fields in HEADER_LAYOUT {
        assert_eq!(field::fields_overlap(fields), None);
    }
    for d in REGISTER_DOCS {
        // CU_REQ documents two variants whose fields share bits by design.
        if d.name != "CU_REQ" {
            assert_eq!(field::fields_overlap(d.fields), None, "{}", d.name);
        }
    }
}

#[test]
fn unlimited_credits_are_all_ones() {
    assert!(Credits::UNLIMITED.is_unlimited());
    assert_eq!(Credits::UNLIMITED.raw(), 0x3F);
    assert!(Credits::new(64).is_err());
}
