//! Encodings worked out by hand from the TCU spec v2.0.0 text, each with the
//! section it comes from and the arithmetic, compared with what the code
//! produces (and decoded back).
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use tcu_mmio::cmd::CommandStatus;
use tcu_mmio::ep::{Credits, EpConfig, MemEp, Perm, RecvEp, SendEp};
use tcu_mmio::regs::{Features, Layout, UnprivReg};
use tcu_mmio::{ActId, CmdOp, Code, Command, EpId, ExtCmd, Header, HeaderInfo, Label, Reg, TileId};

// eps.tex, "Send endpoint": type 1 in [2:0], act [18:3], cur_crd [24:19],
// max_crd [30:25], msg_sz [36:31], crd_ep [52:37]; tgt_ep [15:0],
// tgt_tile [23:16], tgt_chip [29:24]; label.
// act 1, 4/4 credits, 512-byte messages (log2 9), no credit EP (0xFFFF),
// target C0T00 EP 4, label 1:
// r0 = 1 + 1·2^3 + 4·2^19 + 4·2^25 + 9·2^31 + 0xFFFF·2^37
//    = 0x1 + 0x8 + 0x20_0000 + 0x800_0000 + 0x4_8000_0000 + 0x1F_FFE0_0000_0000
//    = 0x001F_FFE4_8820_0009.
#[test]
fn e01_send_endpoint() {
    let cfg = EpConfig::Send(SendEp {
        act: ActId(1),
        cur_credits: Credits::new(4).unwrap(),
        max_credits: Credits::new(4).unwrap(),
        msg_size_log2: 9,
        credit_ep: EpId::INVALID,
        reply: false,
        target_tile: TileId::on_chip0(0),
        target_ep: EpId(4),
        label: Label(1),
    });
    let regs = [0x001F_FFE4_8820_0009, 0x4, 0x1];
    assert_eq!(cfg.to_regs().unwrap(), regs);
    assert_eq!(EpConfig::from_regs(regs).unwrap(), cfg);
}

// eps.tex, "Send endpoint", with unlimited credits (0x3F in cur_crd and
// max_crd) to chip 2 tile 7 EP 16: r0 = 1 + 0x3F·2^19 + 0x3F·2^25 + 6·2^31
// (64-byte messages) + 0·2^37 = 0x1 + 0x1F8_0000 + 0x7E00_0000 + 0x3_0000_0000
// = 0x3_7FF8_0001; r1 = 16 + 7·2^16 + 2·2^24 = 0x0207_0010.
#[test]
fn e02_send_endpoint_unlimited_credits_other_chip() {
    let cfg = EpConfig::Send(SendEp {
        act: ActId(0),
        cur_credits: Credits::UNLIMITED,
        max_credits: Credits::UNLIMITED,
        msg_size_log2: 6,
        credit_ep: EpId(0),
        reply: false,
        target_tile: TileId::new(2, 7).unwrap(),
        target_ep: EpId(16),
        label: Label(0xDEAD_BEEF),
    });
    assert_eq!(
        cfg.to_regs().unwrap(),
        [0x3_7FF8_0001, 0x0207_0010, 0xDEAD_BEEF]
    );
}

// eps.tex, "Receive endpoint": type 2, act [18:3], rpl_eps [34:19],
// slots [40:35], slot_size [46:41], wpos [52:47], rpos [58:53]; buffer;
// occupied [31:0], unread [63:32]. act 1, reply EPs from 9, 4 slots
// (log2 2) of 512 bytes (log2 9), buffer 0x1000, slot 1 occupied and unread:
// r0 = 2 + 8 + 9·2^19 + 2·2^35 + 9·2^41 = 0x2 + 0x8 + 0x48_0000
//    + 0x10_0000_0000 + 0x1200_0000_0000 = 0x1210_0048_000A;
// r2 = 0b10 + 0b10·2^32 = 0x2_0000_0002.
#[test]
fn e03_receive_endpoint() {
    let cfg = EpConfig::Receive(RecvEp {
        act: ActId(1),
        reply_eps: EpId(9),
        slots_log2: 2,
        slot_size_log2: 9,
        wpos: 0,
        rpos: 0,
        buf_addr: 0x1000,
        occupied: 0b10,
        unread: 0b10,
    });
    let regs = [0x1210_0048_000A, 0x1000, 0x2_0000_0002];
    assert_eq!(cfg.to_regs().unwrap(), regs);
    assert_eq!(EpConfig::from_regs(regs).unwrap(), cfg);
}

// eps.tex, "Receive endpoint" with replies disabled (rpl_eps = 0xFFFF),
// wpos 3, rpos 1, activity 0xFFFF (kernel): r0 = 2 + 0xFFFF·2^3
// + 0xFFFF·2^19 + 0·2^35 + 5·2^41 + 3·2^47 + 1·2^53
// = 0x2 + 0x7_FFF8 + 0x7_FFF8_0000 + 0xA00_0000_0000 + 0x1_8000_0000_0000
// + 0x20_0000_0000_0000 = 0x21_8A07_FFFF_FFFA.
#[test]
fn e04_receive_endpoint_replies_disabled() {
    let cfg = EpConfig::Receive(RecvEp {
        act: ActId::INVALID,
        reply_eps: EpId::INVALID,
        slots_log2: 0,
        slot_size_log2: 5,
        wpos: 3,
        rpos: 1,
        buf_addr: 0,
        occupied: 0,
        unread: 0,
    });
    assert_eq!(cfg.to_regs().unwrap()[0], 0x21_8A07_FFFF_FFFA);
}

// eps.tex, "Memory endpoint": type 3, act [18:3], perm [22:19] (R=1, W=2),
// tile [30:23], chip [36:31]; address; size. act 1, RW to C0T05,
// 64 KiB at 0x10_0000: r0 = 3 + 8 + 3·2^19 + 5·2^23 = 0x3 + 0x8 + 0x18_0000
// + 0x280_0000 = 0x298_000B.
#[test]
fn e05_memory_endpoint() {
    let cfg = EpConfig::Memory(MemEp {
        act: ActId(1),
        perm: Perm::RW,
        target_tile: TileId::on_chip0(5),
        addr: 0x10_0000,
        size: 0x1_0000,
    });
    let regs = [0x298_000B, 0x10_0000, 0x1_0000];
    assert_eq!(cfg.to_regs().unwrap(), regs);
    assert_eq!(EpConfig::from_regs(regs).unwrap(), cfg);
}

// eps.tex, "Memory endpoint", read-only onto chip 1 tile 0 (the NoC id
// 0x100): r0 = 3 + 0 + 1·2^19 + 0·2^23 + 1·2^31 = 0x8008_0003.
#[test]
fn e06_memory_endpoint_read_only_other_chip() {
    let cfg = EpConfig::Memory(MemEp {
        act: ActId(0),
        perm: Perm::R,
        target_tile: TileId::new(1, 0).unwrap(),
        addr: 0,
        size: 4096,
    });
    assert_eq!(cfg.to_regs().unwrap()[0], 0x8008_0003);
}

// unpriv.tex, "Command register": op [3:0], ep [19:4], error [24:20],
// arg0 [56:25]. SEND (op 1) on EP 8 without a reply EP (arg0 = 0xFFFF):
// 1 + 8·2^4 + 0xFFFF·2^25 = 0x1 + 0x80 + 0x1_FFFE_0000_00 = 0x1FF_FE00_0081.
#[test]
fn e07_command_send() {
    let cmd = Command {
        op: CmdOp::Send,
        ep: EpId(8),
        arg0: 0xFFFF,
    };
    assert_eq!(cmd.encode(), 0x1FF_FE00_0081);
}

// unpriv.tex, "REPLY": op 2, ep = the receive EP (4), arg0 = message offset
// (0x200 = slot 1 of 512-byte slots): 2 + 4·2^4 + 2^9·2^25
// = 0x2 + 0x40 + 2^34 (0x4_0000_0000) = 0x4_0000_0042.
#[test]
fn e08_command_reply() {
    let cmd = Command {
        op: CmdOp::Reply,
        ep: EpId(4),
        arg0: 0x200,
    };
    assert_eq!(cmd.encode(), 0x4_0000_0042);
}

// unpriv.tex: a finished command reads op IDLE with the error in [24:20].
// SEND on EP 3 that failed with NO_CREDITS (10): 0 + 3·2^4 + 10·2^20 = 0xA0_0030.
#[test]
fn e09_command_status_with_error() {
    let st = CommandStatus::decode(0xA0_0030).unwrap();
    assert_eq!(
        (st.op, st.ep, st.error, st.arg0),
        (CmdOp::Idle, EpId(3), Code::NoCredits, 0)
    );
}

// extern.tex, "INV_EP": EXT_CMD op 1 in [3:0], error [8:4], arg [63:9] with
// the EP in arg[15:0] and force in arg[16]. Force-invalidate EP 5:
// 1 + (5 + 1·2^16)·2^9 = 1 + 0x1_0005·0x200 = 0x200_0A01.
#[test]
fn e10_ext_cmd_inv_ep_forced() {
    let raw = ExtCmd::InvEp {
        ep: EpId(5),
        force: true,
    }
    .encode()
    .unwrap();
    assert_eq!(raw, 0x200_0A01);
}

// extern.tex, "FEATURES": kernel in bit 0, version major [47:32], minor
// [55:48], patch [63:56]. A privileged tile of a v2.0.0 TCU:
// 1 + 2·2^32 = 0x2_0000_0001.
#[test]
fn e11_features_v2_kernel() {
    let f = Features {
        kernel: true,
        vm: false,
        ctxsw: false,
        version: (2, 0, 0),
    };
    assert_eq!(f.to_raw(), 0x2_0000_0001);
    assert_eq!(Features::from_raw(0x0102_0003_0000_0001).version, (3, 2, 1));
}

// unpriv.tex, "Message header", word 0: reply [0], rsize [4:1], stile
// [12:5], schip [18:13], length [31:19], sep [47:32], rep [63:48]. A
// 64-byte request from C0T01 EP 8 expecting a 512-byte reply (rsize 9) on
// EP 9: 9·2^1 + 1·2^5 + 64·2^19 + 8·2^32 + 9·2^48 = 0x12 + 0x20
// + 0x200_0000 + 0x8_0000_0000 + 0x9_0000_0000_0000 = 0x9_0008_0200_0032.
#[test]
fn e12_message_header() {
    let h = Header::new(&HeaderInfo {
        reply: false,
        reply_size_log2: 9,
        sender_tile: TileId::on_chip0(1),
        length: 64,
        sender_ep: EpId(8),
        reply_ep: EpId(9),
        reply_label: Label(0x77),
        label: Label(0x42),
    })
    .unwrap();
    assert_eq!(h.word0.get(), 0x9_0008_0200_0032);
    assert_eq!(
        (h.reply_label.get(), h.label.get(), h.reserved.get()),
        (0x77, 0x42, 0)
    );
}

// overview.tex, "MMIO registers": EP n's register r at 0x48 + 24n + 8r; the
// print buffer follows the last EP. EP 5 word 2: 0x48 + 120 + 16 = 0xD0.
// With 128 EPs the print buffer starts at 0x48 + 128·24 = 0xC48; with
// gem5's 192 at 0x1248. COMMAND is at 0x18, the privileged page at 0x2000.
#[test]
fn e13_register_offsets() {
    let hw = Layout::HW;
    assert_eq!(
        Reg::Ep {
            ep: EpId(5),
            word: 2
        }
        .offset(hw),
        0xD0
    );
    assert_eq!(Reg::PrintBuf(0).offset(hw), 0xC48);
    assert_eq!(Reg::PrintBuf(0).offset(Layout::new(192).unwrap()), 0x1248);
    assert_eq!(Reg::Unpriv(UnprivReg::Command).offset(hw), 0x18);
    assert_eq!(
        Reg::at(0x2000, hw),
        Some(Reg::Priv(tcu_mmio::regs::PrivReg::CuReq))
    );
}
