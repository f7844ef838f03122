//! TCU rules across processes: a tile program issues raw register
//! operations through its real mirror (`tilekit-tcu-probe`), and the
//! simulator's model refuses them with the rule's exact error code, or
//! ignores and counts them, leaving every other tile untouched. The whole
//! catalogue runs in-process in `tcu-model`; these cases show the same rules
//! hold for a separate, sandboxed process.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

mod sim {
    use std::path::Path;
    use std::time::Duration;

    use board_schema::Catalog;
    use tcu_mmio::ep::{Credits, EpConfig, MemEp, Perm, RecvEp, SendEp};
    use tcu_mmio::regs::{ConfigReg, Layout};
    use tcu_mmio::{ActId, EpId, Label, Reg, TileId};
    use tilekit_sim::{Sim, TileExit};

    const PROBE: &str = env!("CARGO_BIN_EXE_tilekit-tcu-probe");
    const A: TileId = TileId::on_chip0(1);
    const B: TileId = TileId::on_chip0(2);
    const M: TileId = TileId::on_chip0(3);

    fn sim() -> Sim {
        let yaml = "tilekit_board: 1\nname: rules\ntiles:\n  - { id: 0, kind: kernel, isa: host-native, dram: 16 MiB }\n  - { id: 1, kind: core, isa: host-native, dram: 16 MiB }\n  - { id: 2, kind: core, isa: host-native, dram: 16 MiB }\n  - { id: 3, kind: memory, size: 64 MiB }\n";
        let board = board_schema::parse("rules.yaml", yaml, &Catalog::builtin()).unwrap();
        let sim = Sim::new(&board).unwrap();
        let recv = EpConfig::Receive(RecvEp {
            act: ActId::INVALID,
            reply_eps: EpId::INVALID,
            slots_log2: 2,
            slot_size_log2: 8,
            wpos: 0,
            rpos: 0,
            buf_addr: 0x1000,
            occupied: 0,
            unread: 0,
        });
        let send = EpConfig::Send(SendEp {
            act: ActId::INVALID,
            cur_credits: Credits::new(1).unwrap(),
            max_credits: Credits::new(1).unwrap(),
            msg_size_log2: 8,
            credit_ep: EpId::INVALID,
            reply: false,
            target_tile: B,
            target_ep: EpId(0),
            label: Label(7),
        });
        let mem = |perm| {
            EpConfig::Memory(MemEp {
                act: ActId::INVALID,
                perm,
                target_tile: M,
                addr: 0,
                size: 0x1000,
            })
        };
        sim.configure_ep(A, EpId(0), &send).unwrap();
        sim.configure_ep(A, EpId(2), &mem(Perm::RW)).unwrap();
        sim.configure_ep(A, EpId(3), &mem(Perm::R)).unwrap();
        sim.configure_ep(B, EpId(0), &recv).unwrap();
        sim.deprivilege(A).unwrap();
        sim.deprivilege(B).unwrap();
        sim
    }

    /// Runs the probe on A with `script`; returns its result lines and the
    /// change of A's violation counter, and checks B's endpoints are as before
    /// unless `b_may_change`.
    fn probe(script: &[&str], b_may_change: bool) -> (Vec<String>, u64) {
        let sim = sim();
        let before_b = sim.with_model(|m| m.tile(B).unwrap().eps.clone());
        let v0 = sim.with_model(|m| m.tile(A).unwrap().violations);
        sim.spawn(A, Path::new(PROBE), script).unwrap();
        assert_eq!(
            sim.wait(A, Duration::from_secs(20)).unwrap(),
            TileExit::Exited(0),
            "{}",
            sim.output(A)
        );
        let lines = sim
            .output(A)
            .lines()
            .map(|l| l.split_once(": ").map_or(l, |x| x.1).to_owned())
            .collect();
        if !b_may_change {
            assert_eq!(
                sim.with_model(|m| m.tile(B).unwrap().eps.clone()),
                before_b,
                "B changed"
            );
        }
        (
            lines,
            sim.with_model(|m| m.tile(A).unwrap().violations) - v0,
        )
    }

    fn off(r: Reg) -> String {
        format!("{:#x}", r.offset(Layout::new(128).unwrap()))
    }

    #[test]
    fn send_rules_across_processes() {
        // SEND-NO-SEP: a memory EP is not a send EP.
        assert_eq!(
            probe(&["cmd", "1", "2", "0xffff", "0x100", "16", "0"], false).0,
            ["NO_SEP"]
        );
        // SEND-UNALIGNED and SEND-MSG-SIZE.
        assert_eq!(
            probe(&["cmd", "1", "0", "0xffff", "0x108", "16", "0"], false).0,
            ["MSG_UNALIGNED"]
        );
        assert_eq!(
            probe(&["cmd", "1", "0", "0xffff", "0x100", "225", "0"], false).0,
            ["OUT_OF_BOUNDS"]
        );
        // SEND-NO-CREDITS: one credit, no reply comes back.
        let (lines, _) = probe(
            &[
                "cmd", "1", "0", "0xffff", "0x100", "16", "0", "cmd", "1", "0", "0xffff", "0x100",
                "16", "0",
            ],
            true,
        );
        assert_eq!(lines, ["NONE", "NO_CREDITS"]);
    }

    #[test]
    fn memory_rules_across_processes() {
        // Outside the memory EP's range, without the permission, outside local memory.
        assert_eq!(
            probe(&["cmd", "3", "2", "0", "0x100", "0x200", "0xf00"], false).0,
            ["OUT_OF_BOUNDS"]
        );
        assert_eq!(
            probe(&["cmd", "4", "3", "0", "0x100", "16", "0"], false).0,
            ["NO_PERM"]
        );
        assert_eq!(
            probe(&["cmd", "3", "2", "0", "0xfffff8", "16", "0"], false).0,
            ["NO_PMP_EP"]
        );
        // No endpoint reaches another tile's registers: EP 4 is not configured.
        assert_eq!(
            probe(&["cmd", "4", "4", "0", "0x100", "8", "0"], false).0,
            ["NO_MEP"]
        );
        // The permitted path works.
        assert_eq!(
            probe(
                &[
                    "cmd", "4", "2", "0", "0x100", "16", "0", "cmd", "3", "2", "0", "0x200", "16",
                    "0"
                ],
                false
            )
            .0,
            ["NONE", "NONE"]
        );
    }

    #[test]
    fn privileged_writes_are_ignored_and_counted() {
        let ep_reg = off(Reg::Ep {
            ep: EpId(5),
            word: 0,
        });
        let (lines, v) = probe(
            &[
                "wr",
                &ep_reg,
                "0x1",
                "wr",
                "0x0",
                "1",
                "wr",
                &off(Reg::Config(ConfigReg::CoreEnable)),
                "1",
                "rd",
                &ep_reg,
            ],
            false,
        );
        assert_eq!(lines, ["ignored", "ignored", "ignored", "0x0"]);
        assert_eq!(v, 3, "three violations counted");
    }
}
