//! Kernel + hello on the simulated demo board, brought up from the host:
//! the kernel boots from the boot information, deprivileges every other
//! tile, starts hello, and serves its syscalls; hello's greeting and exit
//! code reach the host.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

mod sim {
    use std::path::Path;
    use std::time::Duration;

    use board_host::{Board, BoardUri, CuState, OpenOptions};
    use tile_runtime::tcu_mmio::{EpId, Reg, TileId};

    const APP: TileId = TileId::on_chip0(2);

    fn image(name: &str) -> Vec<u8> {
        let p = Path::new(env!("CARGO_BIN_EXE_hello")).with_file_name(name);
        std::fs::read(&p).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (build the workspace first: cargo build --workspace)",
                p.display()
            )
        })
    }

    /// The demo board booted with the kernel and root (on C0T01); root
    /// starts `program` with `arg` on APP.
    fn booted_with_root(program: &str, arg: &str) -> (Board, TileId) {
        let board = Board::open(&BoardUri::Demo, &OpenOptions::default()).unwrap();
        let root = TileId::on_chip0(1);
        board
            .boot_with_root(
                &image("tilekit-kernel"),
                (root, &image("tilekit-root"), vec![]),
                &[(APP, &image(program), vec![arg])],
            )
            .unwrap();
        (board, root)
    }

    #[test]
    fn the_kernel_boots_and_hello_greets_through_it() {
        let board = Board::open(&BoardUri::Demo, &OpenOptions::default()).unwrap();
        let ktile = board
            .boot(
                &image("tilekit-kernel"),
                &[(APP, &image("hello"), vec!["tilekit"])],
            )
            .unwrap();
        board.wait_started(APP, Duration::from_secs(10)).unwrap();
        let v = board.wait(APP, Duration::from_secs(20)).unwrap();
        let kernel_out = board.output(ktile).unwrap();
        assert_eq!(
            (v.cu, v.exit_code),
            (Ok(CuState::Exited), 0),
            "hello: {}\nkernel: {kernel_out}",
            v.printed
        );
        assert!(
            v.printed.contains("Hello, tilekit! from tile C0T02"),
            "{}",
            v.printed
        );
        assert!(
            kernel_out.contains("started C0T02 as activity 0"),
            "{kernel_out}"
        );
        // hello told the kernel it exited (the runtime's Exit syscall): the
        // kernel released its capabilities and endpoints.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut kernel_out = kernel_out;
        while !kernel_out.contains("activity 0 on C0T02 exited")
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(10));
            kernel_out = board.output(ktile).unwrap();
        }
        assert!(
            kernel_out.contains("activity 0 on C0T02 exited"),
            "{kernel_out}"
        );
        // hello's endpoints were written by the kernel, through its scratch
        // endpoint (a memory endpoint onto hello's registers), and by no
        // one else.
        let writes = board.local_sim().unwrap().take_remote_writes();
        let ep_regs = |w: &tile_runtime::tcu_mmio::regs::Layout| {
            let first = Reg::Ep {
                ep: EpId(0),
                word: 0,
            }
            .offset(*w);
            let last = Reg::Ep {
                ep: EpId(w.eps() - 1),
                word: 2,
            }
            .offset(*w);
            first..=last
        };
        let layout = tile_runtime::tcu_mmio::regs::Layout::HW;
        let to_app_eps: Vec<_> = writes
            .iter()
            .filter(|w| w.tile == APP && ep_regs(&layout).contains(&w.offset))
            .collect();
        assert!(!to_app_eps.is_empty(), "no endpoint of hello was written");
        assert!(
            to_app_eps
                .iter()
                .all(|w| w.from == Some(ktile) && w.applied),
            "{to_app_eps:?}"
        );
        let syscall_ep = Reg::Ep {
            ep: kif::eps::SYSCALL_SEND,
            word: 0,
        }
        .offset(layout);
        assert!(to_app_eps.iter().any(|w| w.offset == syscall_ep));
        // Every core's PMP endpoint is a memory endpoint onto its DRAM
        // slice (the kernel carved the memory tile).
        for t in board
            .rom()
            .tiles
            .iter()
            .filter(|t| t.kind == board_schema::TileKind::Core)
        {
            let (mem_tile, offset) = t.dram.unwrap();
            let view = board.tile_view(t.id).unwrap();
            let pmp = view
                .eps
                .iter()
                .find(|e| e.ep == kif::eps::PMP)
                .unwrap_or_else(|| panic!("{}: no PMP endpoint in {:?}", t.id, view.eps));
            match pmp.config {
                Ok(tile_runtime::tcu_mmio::ep::EpConfig::Memory(m)) => assert_eq!(
                    (m.target_tile, m.addr, m.size),
                    (mem_tile, offset, t.memory),
                    "{}",
                    t.id
                ),
                ref other => panic!("{}: PMP endpoint is {other:?}", t.id),
            }
        }
        // After boot only the kernel tile is privileged. (The debug view of
        // tiles other than the host's is refreshed by the simulator's
        // reach-in thread, up to 20 ms behind.)
        for t in &board.rom().tiles {
            if t.kind == board_schema::TileKind::Memory {
                continue;
            }
            let deadline = std::time::Instant::now() + Duration::from_secs(2);
            let mut view = board.tile_view(t.id).unwrap();
            while view.privileged != (t.id == ktile) && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
                view = board.tile_view(t.id).unwrap();
            }
            assert_eq!(
                view.privileged,
                t.id == ktile,
                "{}: privileged = {}",
                t.id,
                view.privileged
            );
        }
    }

    #[test]
    fn a_program_for_another_kernel_interface_is_refused_naming_both_versions() {
        let mut hello = image("hello");
        // The note's descriptor: ISA, tile ABI, kif ABI (tile_sim_abi).
        let pat: Vec<u8> = [
            8u32.to_le_bytes(),
            tile_runtime::sim_abi::NOTE_DESC_SIZE.to_le_bytes(),
            tile_runtime::sim_abi::NOTE_TYPE.to_le_bytes(),
        ]
        .concat();
        let at = hello
            .windows(pat.len())
            .position(|w| w == pat.as_slice())
            .unwrap()
            + 12
            + 8
            + 8;
        hello[at..at + 4].copy_from_slice(&99u32.to_le_bytes());
        let board = Board::open(&BoardUri::Demo, &OpenOptions::default()).unwrap();
        let e = board
            .boot(&image("tilekit-kernel"), &[(APP, &hello, vec![])])
            .unwrap_err()
            .to_string();
        let want = format!(
            "the program for tile C0T02 was built for kif ABI 99, the kernel speaks kif ABI {}",
            kif::KIF_ABI_VERSION
        );
        assert!(e.contains(&want), "{e}");
    }

    #[test]
    fn root_starts_hello_and_waits_for_it() {
        let (board, root) = booted_with_root("hello", "root");
        board.wait_started(APP, Duration::from_secs(10)).unwrap();
        let v = board.wait(APP, Duration::from_secs(20)).unwrap();
        assert_eq!(
            (v.cu, v.exit_code),
            (Ok(CuState::Exited), 0),
            "{}",
            v.printed
        );
        assert!(
            v.printed.contains("Hello, root! from tile C0T02"),
            "{}",
            v.printed
        );
        // Root waited for it (ActWait answered by the exit) and ends with its code.
        let r = board.wait(root, Duration::from_secs(20)).unwrap();
        assert_eq!(
            (r.cu, r.exit_code),
            (Ok(CuState::Exited), 0),
            "{}",
            r.printed
        );
        assert!(
            r.printed.contains("root: started activity 2"),
            "{}",
            r.printed
        );
        assert!(
            r.printed.contains("root: activity 2 exited with 0"),
            "{}",
            r.printed
        );
    }

    #[test]
    fn a_program_that_panics_is_reported_to_the_kernel_and_to_root() {
        let (board, root) = booted_with_root("crasher", "panic");
        let r = board.wait(root, Duration::from_secs(20)).unwrap();
        let v = board.tile_view(APP).unwrap();
        assert!(
            v.printed
                .contains("the program panicked: on purpose, as asked"),
            "{}",
            v.printed
        );
        // The runtime told the kernel (exit 101); root's wait got it.
        assert!(
            r.printed.contains("root: activity 2 exited with 101"),
            "{}",
            r.printed
        );
        assert_eq!(r.exit_code, 101);
    }

    #[test]
    fn a_tile_killed_by_the_sandbox_is_reported_and_root_goes_on() {
        // The sandbox probe opens a socket: the seccomp filter kills it with
        // SIGSYS before it can say anything. The board reports the halt to
        // the kernel on its behalf, and root's wait ends with 128 + 31.
        let (board, root) = booted_with_root("tilekit-sandbox-probe", "socket");
        let r = board.wait(root, Duration::from_secs(20)).unwrap();
        let v = board.tile_view(APP).unwrap();
        assert_eq!((v.cu, v.exit_code), (Ok(CuState::Crashed), 128 + 31));
        assert!(
            r.printed.contains("root: activity 2 exited with 159"),
            "{}",
            r.printed
        );
        assert_eq!((r.cu, r.exit_code), (Ok(CuState::Exited), 159));
    }
}
