//! ping and pong as two tile processes on the simulated minimal-like board,
//! their endpoints configured by the harness as the kernel will.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

mod sim {
    use std::path::Path;
    use std::time::Duration;

    use board_schema::{BoardDesc, Catalog};
    use ping_pong::*;
    use tile_runtime::tcu_mmio::TileId;
    use tile_runtime::tcu_mmio::ep::EpConfig;
    use tilekit_sim::{Sim, TileExit};

    const PING: TileId = TileId::on_chip0(1);
    const PONG: TileId = TileId::on_chip0(2);

    fn board() -> BoardDesc {
        let yaml = "tilekit_board: 1\nname: pingpong\ntiles:\n  - { id: 0, kind: kernel, isa: host-native, dram: 16 MiB }\n  - { id: 1, kind: core, isa: host-native, dram: 16 MiB }\n  - { id: 2, kind: core, isa: host-native, dram: 16 MiB }\n  - { id: 3, kind: memory, size: 64 MiB }\n";
        board_schema::parse("pingpong.yaml", yaml, &Catalog::builtin()).unwrap()
    }

    /// Starts pong and ping for `rounds` round trips; ping must succeed.
    fn run_pair(sim: &Sim, rounds: &str) {
        sim.spawn(PONG, Path::new(env!("CARGO_BIN_EXE_pong")), &[rounds])
            .unwrap();
        sim.spawn(PING, Path::new(env!("CARGO_BIN_EXE_ping")), &[rounds])
            .unwrap();
        let exit = sim.wait(PING, Duration::from_secs(30)).unwrap();
        assert_eq!(exit, TileExit::Exited(0), "{}", sim.output(PING));
    }

    /// The endpoints the kernel would configure for this pair.
    fn wire(sim: &Sim) {
        for (tile, ep, cfg) in endpoint_plan(PING, PONG) {
            sim.configure_ep(tile, ep, &cfg).unwrap();
        }
        sim.deprivilege(PING).unwrap();
        sim.deprivilege(PONG).unwrap();
    }

    #[test]
    fn ping_pong_between_two_tile_processes() {
        let sim = Sim::new(&board()).unwrap();
        wire(&sim);
        sim.spawn(PONG, Path::new(env!("CARGO_BIN_EXE_pong")), &["200"])
            .unwrap();
        sim.spawn(PING, Path::new(env!("CARGO_BIN_EXE_ping")), &["200"])
            .unwrap();
        let t = Duration::from_secs(30);
        assert_eq!(
            sim.wait(PING, t).unwrap(),
            TileExit::Exited(0),
            "ping output: {}",
            sim.output(PING)
        );
        assert_eq!(
            sim.wait(PONG, t).unwrap(),
            TileExit::Exited(0),
            "pong output: {}",
            sim.output(PONG)
        );
        assert_eq!(sim.output(PING), "ping: 200 round trips with C0T01 ok\n");
        assert_eq!(sim.output(PONG), "pong: answered 200 from C0T02\n");
        // The credit came back with every reply.
        let ep = sim.with_model(|m| m.tile(PING).unwrap().ep(PING_SEND));
        let EpConfig::Send(s) = ep else {
            panic!("{ep:?}")
        };
        assert_eq!(s.cur_credits, s.max_credits);
    }

    #[test]
    fn a_tile_without_endpoints_fails_cleanly_and_the_board_keeps_running() {
        let sim = Sim::new(&board()).unwrap();
        // ping's send EP is not configured: SEND fails with NO_SEP, ping
        // prints why and exits 1; pong keeps waiting until killed.
        for (tile, ep, cfg) in endpoint_plan(PING, PONG) {
            if (tile, ep) != (PING, PING_SEND) {
                sim.configure_ep(tile, ep, &cfg).unwrap();
            }
        }
        sim.spawn(PONG, Path::new(env!("CARGO_BIN_EXE_pong")), &["1"])
            .unwrap();
        sim.spawn(PING, Path::new(env!("CARGO_BIN_EXE_ping")), &["1"])
            .unwrap();
        assert_eq!(
            sim.wait(PING, Duration::from_secs(30)).unwrap(),
            TileExit::Exited(1)
        );
        assert!(
            sim.output(PING).contains("SEND 0 failed: NO_SEP"),
            "{}",
            sim.output(PING)
        );
        let e = sim.wait(PONG, Duration::from_millis(300)).unwrap_err();
        assert!(e.to_string().contains("tile C0T02 did not exit"), "{e}");
        // The board still serves a fresh pair.
        wire(&sim);
        run_pair(&sim, "3");
    }

    #[test]
    fn reset_returns_the_board_to_its_power_on_state() {
        let sim = Sim::new(&board()).unwrap();
        wire(&sim);
        run_pair(&sim, "5");
        sim.spawn(PONG, Path::new(env!("CARGO_BIN_EXE_pong")), &["1"])
            .unwrap();
        sim.reset();
        assert!(sim.pid(PONG).is_none(), "reset stops every tile program");
        sim.with_model(|m| {
            for t in m.tiles() {
                assert!(t.is_privileged(), "{} not privileged", t.id);
                assert!(t.eps.iter().all(|w| *w == [0; 3]), "{} has endpoints", t.id);
                assert_eq!(t.violations, 0);
            }
            assert_eq!(
                m.read_local(PING, MSG_BUF, 16).unwrap(),
                vec![0; 16],
                "memory cleared"
            );
        });
        assert_eq!(sim.output(PING), "");
        // The board works again after the reset.
        wire(&sim);
        run_pair(&sim, "2");
    }

    #[test]
    fn risc_v_boards_are_refused_naming_the_isa() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../boards/vcu118-riscv.yaml");
        let b = board_schema::load(&path, &Catalog::builtin()).unwrap();
        let e = Sim::new(&b).err().unwrap();
        assert!(
            e.to_string()
                .contains("isa `riscv`: the simulator runs host-native cores only"),
            "{e}"
        );
    }
}
