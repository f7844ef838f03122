//! The sandbox, proven: every OS-level attempt of a tile is refused or
//! kills the tile while the board keeps running, and the same attempt
//! succeeds without the sandbox (`Isolation::Insecure`) — so the test shows
//! the sandbox works, not that the attack is broken.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

mod sim {
    use std::path::Path;
    use std::time::Duration;

    use board_schema::{BoardDesc, Catalog};
    use tcu_mmio::TileId;
    use tilekit_sim::{Isolation, Sim, TileExit};

    const PROBE: &str = env!("CARGO_BIN_EXE_tilekit-sandbox-probe");
    const ATTACKER: TileId = TileId::on_chip0(1);
    const VICTIM: TileId = TileId::on_chip0(2);
    const SIGSYS: i32 = 31;

    fn board() -> BoardDesc {
        let yaml = "tilekit_board: 1\nname: sandbox\ntiles:\n  - { id: 0, kind: kernel, isa: host-native, dram: 16 MiB }\n  - { id: 1, kind: core, isa: host-native, dram: 16 MiB }\n  - { id: 2, kind: core, isa: host-native, dram: 16 MiB }\n  - { id: 3, kind: memory, size: 64 MiB }\n";
        board_schema::parse("sandbox.yaml", yaml, &Catalog::builtin()).unwrap()
    }

    /// A file any process of the machine could read and write.
    fn bait() -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("tilekit-sandbox-bait-{}", std::process::id()));
        std::fs::write(&p, b"secret").unwrap();
        let mut perm = std::fs::metadata(&p).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o666);
        std::fs::set_permissions(&p, perm).unwrap();
        p
    }

    /// Runs one attempt on a board with `isolation`; a victim tile sleeps
    /// beside it. Returns how the attacker ended.
    fn attempt(isolation: Isolation, what: &str, arg: Option<&str>) -> TileExit {
        let sim = Sim::with_isolation(&board(), isolation).unwrap();
        sim.spawn(VICTIM, Path::new(PROBE), &["sleep", "30"])
            .unwrap();
        let victim = sim.pid(VICTIM).unwrap().to_string();
        let bait = bait();
        let arg = match arg {
            Some("VICTIM") => victim.clone(),
            Some("BAIT") => bait.display().to_string(),
            Some(a) => a.to_owned(),
            None => String::new(),
        };
        sim.spawn(ATTACKER, Path::new(PROBE), &[what, &arg])
            .unwrap();
        let exit = sim.wait(ATTACKER, Duration::from_secs(20)).unwrap();
        // The board keeps running: the victim is still asleep, untouched.
        assert_eq!(
            sim.pid(VICTIM).map(|p| p.to_string()),
            Some(victim),
            "{what}: the victim died"
        );
        let _ = std::fs::remove_file(bait);
        exit
    }

    const ATTEMPTS: &[(&str, Option<&str>)] = &[
        ("open", Some("BAIT")),
        ("write", Some("BAIT")),
        ("exec", Some("/bin/true")),
        ("ptrace", Some("VICTIM")),
        ("signal", Some("VICTIM")),
        ("read-mem", Some("VICTIM")),
        ("fork", None),
        ("grow-fd", None),
        ("socket", None),
    ];

    #[test]
    fn every_os_level_attempt_is_refused_in_the_sandbox_and_works_without() {
        let mut report = Vec::new();
        for (what, arg) in ATTEMPTS {
            let boxed = attempt(Isolation::Sandboxed, what, *arg);
            let open = attempt(Isolation::Insecure, what, *arg);
            let contained = matches!(boxed, TileExit::Exited(1) | TileExit::Signaled(SIGSYS));
            let escaped_without = open == TileExit::Exited(0);
            report.push(format!(
                "{what:<9} sandboxed: {boxed:?}  insecure: {open:?}"
            ));
            assert!(contained && escaped_without, "{}", report.join("\n"));
        }
        println!("{}", report.join("\n"));
    }

    #[test]
    fn a_tile_maps_nothing_shared_but_its_own_descriptor() {
        let sim = Sim::new(&board()).unwrap();
        sim.spawn(VICTIM, Path::new(PROBE), &["sleep", "30"])
            .unwrap();
        let pid = sim.pid(VICTIM).unwrap();
        // The sandboxed process runs as another user: read its maps as root.
        let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
        let shared: Vec<&str> = maps
            .lines()
            .filter(|l| {
                l.split_whitespace()
                    .nth(1)
                    .is_some_and(|p| p.ends_with('s'))
            })
            .collect();
        for l in &shared {
            assert!(
                l.contains("memfd:tilekit-C0T02"),
                "foreign shared mapping: {l}\nall maps:\n{maps}"
            );
        }
        // The dynamic loader opens libraries as fd 4 for a moment: wait until
        // the program runs (at most 5 s), then look.
        let list = || -> Vec<u32> {
            let mut v: Vec<u32> = std::fs::read_dir(format!("/proc/{pid}/fd"))
                .map(|d| {
                    d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                        .collect()
                })
                .unwrap_or_default();
            v.sort_unstable();
            v
        };
        let mut fds = list();
        for _ in 0..50 {
            if fds.len() <= 4 {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
            fds = list();
        }
        let targets: Vec<String> = fds
            .iter()
            .map(|f| {
                format!(
                    "{f} -> {:?}",
                    std::fs::read_link(format!("/proc/{pid}/fd/{f}"))
                )
            })
            .collect();
        assert_eq!(
            fds,
            vec![0, 1, 2, 3],
            "a tile holds fds 0-2 (/dev/null) and 3 only: {targets:?}"
        );
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let field = |k: &str| {
            status
                .lines()
                .find(|l| l.starts_with(k))
                .unwrap_or("")
                .to_owned()
        };
        assert!(
            field("CapEff:").ends_with("0000000000000000"),
            "{}",
            field("CapEff:")
        );
        assert!(
            field("NoNewPrivs:").ends_with('1'),
            "{}",
            field("NoNewPrivs:")
        );
        assert!(field("Seccomp:").ends_with('2'), "{}", field("Seccomp:"));
        let uid = field("Uid:");
        assert!(
            !uid.split_whitespace().skip(1).any(|u| u == "0"),
            "runs as root: {uid}"
        );
    }
}
