//! Services and sessions on the simulated demo board: root starts the
//! servers, takes their services, opens sessions for the programs and the
//! host tile; clients obtain send gates over them and talk; a service that
//! never answers stalls nobody but its own clients.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use std::path::Path;
use std::time::{Duration, Instant};

use board_host::{Board, BoardUri, Bounce, CuState, OpenOptions};
use kif::plan::{PlanEntry, RootPlan, SESSION_SELS};
use kif::syscall::msg;
use kif::{CapSel, SEL_ACT};
use tile_runtime::tcu_mmio::{EpId, Label, TileId};

const ROOT: TileId = TileId::on_chip0(1);

fn image(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_BIN_EXE_echo-srv")).with_file_name(name);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (build the workspace first: cargo build --workspace)",
            p.display()
        )
    })
}

/// Boots the demo board: kernel, root with `plan`, and `programs` (name,
/// args) on tiles 2, 3, ….
fn boot(programs: &[(&str, Vec<&str>)], plan: &RootPlan) -> Board {
    let board = Board::open(&BoardUri::Demo, &OpenOptions::default()).unwrap();
    let images: Vec<Vec<u8>> = programs.iter().map(|(n, _)| image(n)).collect();
    let apps: Vec<(TileId, &[u8], Vec<&str>)> = programs
        .iter()
        .zip(&images)
        .enumerate()
        .map(|(i, ((_, args), img))| (tile(i), img.as_slice(), args.clone()))
        .collect();
    let args = plan.to_args();
    board
        .boot_with_root(
            &image("tilekit-kernel"),
            (
                ROOT,
                &image("tilekit-root"),
                args.iter().map(String::as_str).collect(),
            ),
            &apps,
        )
        .unwrap();
    board
}

/// The tile of program `i`.
fn tile(i: usize) -> TileId {
    TileId::on_chip0(2 + i as u8)
}

fn entry(serves: bool, sessions: &[usize]) -> PlanEntry {
    PlanEntry {
        serves,
        sessions: sessions.to_vec(),
        host_starts: false,
        parent: None,
    }
}

/// Waits until `tile` has printed `text` (a bound on a hang, not a timing
/// check).
fn wait_for_output(board: &Board, tile: TileId, text: &str) -> String {
    let give_up = Instant::now() + Duration::from_secs(30);
    loop {
        let out = board.output(tile).unwrap();
        if out.contains(text) {
            return out;
        }
        assert!(
            Instant::now() < give_up,
            "{tile} never printed `{text}`:\n{out}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_program_obtains_a_send_gate_over_its_session_and_talks() {
    let plan = RootPlan {
        entries: vec![entry(true, &[]), entry(false, &[0])],
        host_sessions: vec![],
    };
    let board = boot(
        &[
            ("echo-srv", vec![]),
            ("echo-client", vec!["hello", "there"]),
        ],
        &plan,
    );
    let v = board.wait(tile(1), Duration::from_secs(30)).unwrap();
    assert_eq!(
        (v.cu, v.exit_code),
        (Ok(CuState::Exited), 0),
        "{}",
        v.printed
    );
    assert!(
        v.printed.contains("echo-client: [1] HELLO THERE"),
        "{}",
        v.printed
    );
    // Root ends once the client has: it stops the server.
    let r = board.wait(ROOT, Duration::from_secs(30)).unwrap();
    assert_eq!(
        (r.cu, r.exit_code),
        (Ok(CuState::Exited), 0),
        "{}",
        r.printed
    );
    assert!(
        r.printed.contains("root: activity 2 serves"),
        "{}",
        r.printed
    );
    assert!(
        r.printed
            .contains("root: activity 3 has a session with program 0"),
        "{}",
        r.printed
    );
}

#[test]
fn the_host_tile_gets_its_session_from_root_and_talks_through_it() {
    // Only a server: the board stays up for the host.
    let plan = RootPlan {
        entries: vec![entry(true, &[])],
        host_sessions: vec![0],
    };
    let board = boot(&[("echo-srv", vec![])], &plan);
    wait_for_output(&board, ROOT, "the host tile has a session with program 0");
    // Obtain a send gate, make a receive gate in the bounce buffer for the
    // answer, and talk to the server — all through syscalls of the host
    // tile's activity.
    let sys = board.host_syscalls().unwrap();
    let x = msg::ExchangeSess {
        sess: SESSION_SELS,
        own_start: CapSel(40),
        count: 1,
        obtain: true,
        arg0: 0,
        arg1: 0,
    };
    assert_eq!(sys.call(&x.encode()).unwrap(), [1, 0]);
    let rg = msg::CreateRGate {
        dst: CapSel(41),
        order: 8,
        msg_order: 8,
    };
    sys.call(&rg.encode()).unwrap();
    let alloc = |dst| msg::AllocEp {
        dst: CapSel(dst),
        act: SEL_ACT,
        ep: EpId::INVALID,
        replies: 0,
    };
    let rep = EpId(sys.call(&alloc(42).encode()).unwrap()[0] as u16);
    let activate = |ep, gate, rbuf_off| msg::Activate {
        ep: CapSel(ep),
        gate: CapSel(gate),
        rbuf_mem: CapSel(u64::MAX),
        rbuf_off,
    };
    sys.call(&activate(42, 41, Bounce::RECEIVE_AREA).encode())
        .unwrap();
    let sep = EpId(sys.call(&alloc(43).encode()).unwrap()[0] as u16);
    sys.call(&activate(43, 40, 0).encode()).unwrap();
    let host = sys.tile();
    host.send(sep, b"from the host", rep, Label(0)).unwrap();
    let answer = host.recv(rep, Duration::from_secs(10)).unwrap();
    assert_eq!(answer.payload, b"[1] FROM THE HOST");
    host.ack(rep, &answer).unwrap();
    // Without a session there is nothing to obtain: the kernel says so.
    let none = msg::ExchangeSess {
        sess: CapSel(SESSION_SELS.0 + 1),
        ..x
    };
    let e = sys.call(&none.encode()).unwrap_err().to_string();
    assert!(e.contains("ExchangeSess") && e.contains("NO_CAP"), "{e}");
}

#[test]
fn a_service_that_never_answers_stalls_only_its_own_clients() {
    // 0: opens sessions, then answers nothing; 1: answers nothing at all;
    // 2: echo. Client 3 uses 0 (its exchange times out), client 4 uses 2;
    // the host asks for a session with 1 (root's open times out).
    let plan = RootPlan {
        entries: vec![
            entry(true, &[]),
            entry(true, &[]),
            entry(true, &[]),
            entry(false, &[0]),
            entry(false, &[2]),
        ],
        host_sessions: vec![1],
    };
    let board = boot(
        &[
            ("stuck-srv", vec!["open"]),
            ("stuck-srv", vec![]),
            ("echo-srv", vec![]),
            ("echo-client", vec!["still", "here"]),
            ("echo-client", vec!["fine"]),
        ],
        &plan,
    );
    let ok = board.wait(tile(4), Duration::from_secs(30)).unwrap();
    assert_eq!(
        (ok.cu, ok.exit_code),
        (Ok(CuState::Exited), 0),
        "{}",
        ok.printed
    );
    assert!(
        ok.printed.contains("echo-client: [1] FINE"),
        "{}",
        ok.printed
    );
    let stuck = board.wait(tile(3), Duration::from_secs(30)).unwrap();
    assert_eq!(stuck.exit_code, 3, "{}", stuck.printed);
    assert!(
        stuck.printed.contains("did not answer in time (TIMEOUT)"),
        "{}",
        stuck.printed
    );
    let r = board.wait(ROOT, Duration::from_secs(30)).unwrap();
    assert!(
        r.printed.contains(
            "root: no session with program 1 for the host tile: the kernel refused: TIMEOUT"
        ),
        "{}",
        r.printed
    );
    // Root's exit code is its first program's that does not serve.
    assert_eq!(
        (r.cu, r.exit_code),
        (Ok(CuState::Exited), 3),
        "{}",
        r.printed
    );
    // The kernel went on serving throughout: the working client was done
    // before the stuck one's request timed out.
    let kernel = board.output(TileId::on_chip0(0)).unwrap();
    let done = |t: TileId| kernel.find(&format!("on {t} exited")).unwrap();
    assert!(done(tile(4)) < done(tile(3)), "{kernel}");
}

#[test]
fn a_server_that_ends_with_a_message_unanswered_leaves_no_client_hanging() {
    let plan = RootPlan {
        entries: vec![entry(true, &[]), entry(false, &[0])],
        host_sessions: vec![],
    };
    let board = boot(
        &[("echo-srv", vec!["die"]), ("echo-client", vec!["anyone?"])],
        &plan,
    );
    // The client sent, the server ended without answering: the kernel
    // invalidated the client's send endpoint and told it by upcall.
    let v = board.wait(tile(1), Duration::from_secs(30)).unwrap();
    assert_eq!(v.exit_code, 4, "{}", v.printed);
    assert!(
        v.printed
            .contains("echo-client: the server is gone; no answer will come"),
        "{}",
        v.printed
    );
    let s = board.wait(tile(0), Duration::from_secs(30)).unwrap();
    assert_eq!(s.exit_code, 7, "{}", s.printed);
    let r = board.wait(ROOT, Duration::from_secs(30)).unwrap();
    assert_eq!(
        (r.cu, r.exit_code),
        (Ok(CuState::Exited), 4),
        "{}",
        r.printed
    );
}
