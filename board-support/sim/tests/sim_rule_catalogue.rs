//! The whole TCU rule catalogue across processes: the same cases as the
//! model's in-process run (`tcu-model/tests/rule_cases`), on a simulated
//! board whose tiles K, A and B are sandboxed processes. Every register
//! write a case makes as a tile's own compute unit is made by that tile's
//! process through its real register mirror (the probe's `serve` mode);
//! writes over the NoC go through the simulator as the kernel's do; the
//! outcome is read from the simulator's model and its log of ignored
//! writes. So each rule is shown to hold end to end, transport included.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

#[path = "../../tcu-model/tests/bench/mod.rs"]
mod bench;
#[path = "../../tcu-model/tests/rule_cases/mod.rs"]
mod rule_cases;

mod sim {
    use std::path::Path;
    use std::time::{Duration, Instant};

    use board_schema::Catalog;
    use tcu_mmio::TileId;
    use tcu_model::{Access, Snapshot, TileState, WriteOutcome};
    use tilekit_sim::Sim;

    use crate::bench::{A, B, Backend, Bench, K, M};

    const PROBE: &str = env!("CARGO_BIN_EXE_tilekit-tcu-probe");
    /// Local memory of K, A and B (room for the probe's image at the top).
    const LOCAL: u64 = 8 << 20;
    /// M: the three DRAM slices and 8 MiB more.
    const MEM: u64 = 32 << 20;
    /// The probes' mailbox in local memory (no case uses it).
    const MAILBOX: u64 = 0x8000;

    struct SimBackend {
        sim: Sim,
        seq: u64,
    }

    impl SimBackend {
        fn new() -> Self {
            let yaml = format!(
                "tilekit_board: 1\nname: catalogue\ntiles:\n  - {{ id: 0, kind: kernel, isa: host-native, eps: 32, dram: 8 MiB }}\n  - {{ id: 1, kind: core, isa: host-native, eps: 32, dram: 8 MiB }}\n  - {{ id: 2, kind: core, isa: host-native, eps: 32, dram: 8 MiB }}\n  - {{ id: 3, kind: memory, size: {} MiB }}\n",
                MEM >> 20
            );
            let board = board_schema::parse("catalogue.yaml", &yaml, &Catalog::builtin()).unwrap();
            let sim = Sim::new(&board).unwrap();
            let mailbox = format!("{MAILBOX:#x}");
            for t in [K, A, B] {
                sim.spawn(t, Path::new(PROBE), &["serve", &mailbox])
                    .unwrap();
            }
            // Loading the images wrote memory and CORE_ENABLE; the cases
            // start from here.
            sim.take_ignored();
            Self { sim, seq: 0 }
        }

        /// Has tile `t`'s process write `v` at `offset` of its own region.
        fn local(&mut self, t: TileId, offset: u64, v: u64) {
            self.seq += 1;
            let mut args = [0u8; 16];
            args[..8].copy_from_slice(&offset.to_le_bytes());
            args[8..].copy_from_slice(&v.to_le_bytes());
            assert!(self.sim.write_local(t, MAILBOX + 8, &args));
            assert!(self.sim.write_local(t, MAILBOX, &self.seq.to_le_bytes()));
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let done = self
                    .sim
                    .with_model(|m| m.read_local(t, MAILBOX + 24, 8))
                    .unwrap();
                if u64::from_le_bytes(done.try_into().unwrap()) == self.seq {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "tile {t} did not serve its mailbox; output: {}",
                    self.sim.output(t)
                );
                std::thread::sleep(Duration::from_micros(50));
            }
            // Leave memory as it was: snapshots compare it.
            assert!(self.sim.write_local(t, MAILBOX, &[0u8; 32]));
        }
    }

    impl Backend for SimBackend {
        fn write(&mut self, t: TileId, offset: u64, v: u64, from: Access) -> WriteOutcome {
            self.sim.take_ignored();
            match from {
                Access::Remote => return self.sim.write_remote_at(t, offset, v).unwrap(),
                Access::Local => self.local(t, offset, v),
            }
            let ignored: Vec<_> = self
                .sim
                .take_ignored()
                .into_iter()
                .filter(|i| i.tile == t)
                .collect();
            match ignored.as_slice() {
                [] => WriteOutcome::Applied,
                [one] => WriteOutcome::Ignored(one.rule),
                more => panic!(
                    "one write of tile {t} was ignored {} times: {more:?}",
                    more.len()
                ),
            }
        }
        fn read_reg(&self, t: TileId, offset: u64) -> u64 {
            self.sim.with_model(|m| m.read_reg(t, offset))
        }
        fn tile(&self, t: TileId) -> Option<TileState> {
            self.sim.with_model(|m| m.tile(t).cloned())
        }
        fn snapshot(&self) -> Snapshot {
            self.sim.with_model(|m| m.snapshot())
        }
        fn read_local(&self, t: TileId, addr: u64, len: usize) -> Option<Vec<u8>> {
            self.sim.with_model(|m| m.read_local(t, addr, len))
        }
        fn write_local(&mut self, t: TileId, addr: u64, data: &[u8]) -> bool {
            self.sim.write_local(t, addr, data)
        }
        fn local_size(&self) -> u64 {
            LOCAL
        }
        fn mem_size(&self) -> u64 {
            MEM
        }
    }

    #[test]
    fn the_rule_catalogue_holds_across_processes() {
        let _ = M;
        let failures = crate::rule_cases::run(&|| Bench::wire(Box::new(SimBackend::new())));
        assert!(
            failures.is_empty(),
            "{} failing rule case(s) across processes:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
