//! Files on the simulated demo board: one tile writes a file through the
//! file protocol, another copies it, a third checks it — root serves the
//! file system meanwhile.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use std::time::Duration;

use board_host::{Board, CuState};
use boot_harness::{Program, ROOT, host_files, random_bytes};
use file_copy::{FNV_START, byte, fnv};
use kif::plan::{FILES, PlanEntry};
use tile_runtime::tcu_mmio::TileId;

/// The demo board booted with the kernel, root and `fcopy` with each of
/// `runs` on tiles 2, 3, …, each with a session of root's file service
/// (the host starts them, with `host_starts`; the host gets a session too,
/// with `host_fs`). Returns the board and the programs' tiles.
fn boot(runs: &[Vec<&str>], host_starts: bool, host_fs: bool) -> (Board, Vec<TileId>) {
    let programs: Vec<Program> = runs
        .iter()
        .map(|args| {
            Program::new(
                "fcopy",
                args,
                PlanEntry {
                    sessions: vec![FILES],
                    host_starts,
                    ..PlanEntry::default()
                },
            )
        })
        .collect();
    boot_harness::boot(&programs, if host_fs { vec![FILES] } else { vec![] })
}

/// Boots `fcopy` with each of `runs` (its arguments) on tiles 2, 3, …,
/// each with a session of root's file service; waits for all and returns
/// what each printed.
fn fcopy(runs: &[Vec<&str>]) -> Vec<String> {
    let (board, apps) = boot(runs, false, false);
    let mut out = Vec::new();
    for t in &apps {
        let v = board.wait(*t, Duration::from_secs(120)).unwrap();
        let root = board.output(ROOT).unwrap();
        assert_eq!(
            (v.cu, v.exit_code),
            (Ok(CuState::Exited), 0),
            "{t}: {}\nroot: {root}",
            v.printed
        );
        out.push(v.printed);
    }
    let r = board.wait(ROOT, Duration::from_secs(30)).unwrap();
    assert_eq!(
        (r.cu, r.exit_code),
        (Ok(CuState::Exited), 0),
        "{}",
        r.printed
    );
    out
}

fn expected(n: u64, seed: u64) -> String {
    let data: Vec<u8> = (0..n).map(|i| byte(i, seed)).collect();
    format!("{n} bytes, fnv {:016x}", fnv(FNV_START, &data))
}

#[test]
fn a_file_written_on_one_tile_is_copied_on_another_and_checked_on_a_third() {
    let n = (10 << 20) + 1;
    let size = n.to_string();
    let out = fcopy(&[
        vec!["gen", "/in.bin", &size, "7", "65537", "--mark", "/in.ready"],
        vec![
            "--after",
            "/in.ready",
            "copy",
            "/in.bin",
            "/out.bin",
            "4095",
            "--mark",
            "/out.ready",
        ],
        vec!["--after", "/out.ready", "sum", "/out.bin", "1048576"],
    ]);
    assert!(out[1].contains(&format!("copied {n} bytes")), "{}", out[1]);
    assert!(out[2].contains(&expected(n, 7)), "{}", out[2]);
}

#[test]
fn odd_chunk_sizes_and_lengths_arrive_intact() {
    // Lengths that are not multiples of 16, written and read in chunks of
    // 1, 15, 17 and 65537 bytes.
    let out = fcopy(&[
        vec!["gen", "/a", "10001", "1", "1", "--mark", "/a.ready"],
        vec![
            "--after", "/a.ready", "copy", "/a", "/b", "15", "--mark", "/b.ready",
        ],
        vec!["--after", "/b.ready", "sum", "/b", "17"],
        vec!["gen", "/c", "20003", "3", "65537", "--mark", "/c.ready"],
        vec!["--after", "/c.ready", "sum", "/c", "1"],
    ]);
    assert!(out[2].contains(&expected(10001, 1)), "{}", out[2]);
    assert!(out[4].contains(&expected(20003, 3)), "{}", out[4]);
}

/// Boots `fcopy` runs that the host starts after it has put `input` at
/// `/in.bin`; waits for the last run and returns `/out.bin`.
fn through_the_host(runs: &[Vec<&str>], input: &[u8]) -> Vec<u8> {
    let (board, apps) = boot(runs, true, true);
    let files = host_files(&board);
    files.put("/in.bin", input, &mut |_| {}).unwrap();
    for k in 0..runs.len() as u64 {
        boot_harness::start_held(&files, k);
    }
    for t in &apps {
        let v = board
            .wait(*t, Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("{e}\nroot: {}", board.output(ROOT).unwrap_or_default()));
        assert_eq!(
            (v.cu, v.exit_code),
            (Ok(CuState::Exited), 0),
            "{t}: {}",
            v.printed
        );
    }
    let out = files.get("/out.bin", &mut |_| {}).unwrap();
    let r = host_done(&board, &files);
    assert!(
        r.printed.contains("root: the host tile is done"),
        "{}",
        r.printed
    );
    out
}

/// The host is done with its session: root, which waited for it, ends
/// cleanly. Returns root's end.
fn host_done(board: &Board, files: &board_host::HostFiles<'_>) -> board_host::TileView {
    files.syscalls().exit(0).unwrap();
    let r = board.wait(ROOT, Duration::from_secs(30)).unwrap();
    assert_eq!(
        (r.cu, r.exit_code),
        (Ok(CuState::Exited), 0),
        "{}",
        r.printed
    );
    r
}

fn random(n: usize, seed: u64) -> Vec<u8> {
    random_bytes(n, seed)
}

#[test]
fn ten_mib_put_copied_through_a_pipe_between_two_tiles_and_got_back() {
    let data = random((10 << 20) + 5, 11);
    let out = through_the_host(
        &[
            vec!["mkpipe", "/p", "65536", "--mark", "/p.ready"],
            vec!["--after", "/p.ready", "copy", "/in.bin", "/p", "65537"],
            vec!["--after", "/p.ready", "copy", "/p", "/out.bin", "4095"],
        ],
        &data,
    );
    assert!(
        out == data,
        "{} bytes came back, {} went in",
        out.len(),
        data.len()
    );
}

#[test]
fn a_pipe_carries_odd_chunks_from_writer_to_reader() {
    for (w, r) in [("1", "17"), ("15", "1"), ("17", "65537")] {
        // Small enough that 1-byte commands stay quick on a busy machine;
        // larger than the ring, so it wraps.
        let data = random(9_001, 5);
        let out = through_the_host(
            &[
                vec!["mkpipe", "/p", "4099", "--mark", "/p.ready"],
                vec!["--after", "/p.ready", "copy", "/in.bin", "/p", w],
                vec!["--after", "/p.ready", "copy", "/p", "/out.bin", r],
            ],
            &data,
        );
        assert!(
            out == data,
            "chunks {w}/{r}: {} of {} bytes",
            out.len(),
            data.len()
        );
    }
}

#[test]
fn a_client_naming_a_memory_endpoint_it_did_not_delegate_is_refused() {
    use kif::syscall::msg;
    // No programs: root serves files until the host is done.
    let (board, _) = boot(&[], false, true);
    let files = host_files(&board);
    let open = |ep| file_proto::Request::Open {
        flags: file_proto::flags::WRITE | file_proto::flags::CREATE,
        ep,
        path: "/x",
    };
    // An endpoint number the host never delegated.
    let e = files
        .request(open(files.ep_index() + 5))
        .unwrap_err()
        .to_string();
    assert!(e.contains("invalid argument"), "{e}");
    // Something delegated as an endpoint that is not one (the host's send
    // gate at selector 40): the server cannot configure it.
    let d = msg::ExchangeSess {
        sess: kif::plan::SESSION_SELS,
        own_start: kif::CapSel(40),
        count: 1,
        obtain: false,
        arg0: file_proto::session::DELEGATE_EP,
        arg1: 0,
    };
    let [_, bogus] = files.syscalls().call(&d.encode()).unwrap();
    let [fd, _, _] = files.request(open(bogus)).unwrap();
    let e = files
        .request(file_proto::Request::NextOut { fd })
        .unwrap_err()
        .to_string();
    assert!(e.contains("memory endpoint could not be configured"), "{e}");
    // The proper endpoint still works.
    files.put("/y", b"fine", &mut |_| {}).unwrap();
    assert_eq!(files.get("/y", &mut |_| {}).unwrap(), b"fine");
    host_done(&board, &files);
}

#[test]
fn a_pipe_removed_while_open_frees_its_name_at_once() {
    use file_proto::{Request, flags};
    // A pipeline removes its pipes even when a stopped stage still holds
    // one open (its session is not closed yet): the name must go at once.
    let (board, _) = boot(&[], false, true);
    let files = host_files(&board);
    let mkpipe = |path| Request::Mkpipe { size: 4096, path };
    files.request(mkpipe("/p")).unwrap();
    let open = Request::Open {
        flags: flags::READ,
        ep: files.ep_index(),
        path: "/p",
    };
    let [fd, _, _] = files.request(open).unwrap();
    files.unlink("/p").unwrap();
    assert!(files.read_dir("/").unwrap().is_empty());
    // A new pipe of the same name is a different pipe: a writer on it
    // does not reach the old reader.
    files.request(mkpipe("/p")).unwrap();
    assert_eq!(files.read_dir("/").unwrap().len(), 1);
    // The old reader closes normally (its ring is freed then, see memfs),
    // and the new pipe is removed as any unused one.
    files.request(Request::Close { fd }).unwrap();
    files.unlink("/p").unwrap();
    host_done(&board, &files);
}

#[test]
fn a_file_server_that_dies_mid_transfer_fails_the_transfer_without_a_hang() {
    // The host gets a 300 MB file from root, the file server; root is
    // killed while the data flows. The board reports the crash to the
    // kernel, which ends root's activity and every session of its service:
    // the host's transfer must end with an error — not hang, not succeed.
    // (Root's programs are its children: they are stopped with it.)
    let (board, _) = boot(
        &[vec![
            "fill",
            "/big",
            "300000000",
            "1048576",
            "--mark",
            "/big.ready",
        ]],
        false,
        true,
    );
    let files = host_files(&board);
    let give_up = std::time::Instant::now() + Duration::from_secs(60);
    while files.stat("/big.ready").is_err() {
        assert!(std::time::Instant::now() < give_up, "/big never appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = board
        .local_sim()
        .unwrap()
        .pid(ROOT)
        .expect("root's process");
    // Kill root once the transfer is under way, as a crash would end it.
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap()
    });
    // (A hang here is caught by nextest's timeout for this test binary.)
    let t = std::time::Instant::now();
    let mut got = 0;
    let r = files.get("/big", &mut |n| got = n);
    assert!(killer.join().unwrap().success());
    assert!(
        r.is_err(),
        "the get succeeded ({} bytes) although the server died",
        r.map(|d| d.len()).unwrap_or_default()
    );
    assert!(got < 300_000_000, "{got} bytes arrived");
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    eprintln!(
        "the get failed after {got} bytes, {:?}: {}",
        t.elapsed(),
        r.unwrap_err()
    );
    let r = board.tile_view(ROOT).unwrap();
    assert_eq!(r.cu, Ok(CuState::Crashed));
}
