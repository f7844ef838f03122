//! Snapshot tests of the CLI: help texts, outputs and error messages, with
//! their exit codes. Paths are relative to the workspace root so snapshots
//! do not depend on where the checkout lives.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use std::path::Path;
use std::process::Command;

/// Runs `tilekit ARGS` in the workspace root; returns "exit: N" + stdout + stderr.
fn tilekit(args: &[&str]) -> (i32, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_tilekit"))
        .args(args)
        .current_dir(root)
        .env_remove("TILEKIT_LOG")
        .env_remove("TILEKIT_BOARD")
        .env_remove("TILEKIT_ACCEL_PATH")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn transcript(args: &[&str]) -> String {
    let (code, stdout, stderr) = tilekit(args);
    format!(
        "$ tilekit {}\nexit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}",
        args.join(" ")
    )
}

/// The entry of `sim:NAME` in `tilekit list --json`, if listed.
fn list_entry(name: &str) -> Option<serde_json::Value> {
    let (_, list, _) = tilekit(&["list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    let uri = format!("sim:{name}");
    v.as_array()?.iter().find(|e| e["uri"] == uri).cloned()
}

/// A `tilekit sim` serving boards/minimal.yaml as `sim:NAME`, stopped with
/// SIGINT when dropped (and checked to have exited cleanly by `stop`).
struct Server {
    child: std::process::Child,
    window: std::path::PathBuf,
}

impl Server {
    /// Starts the server and waits until its window exists.
    fn start(name: &str) -> Server {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let child = Command::new(env!("CARGO_BIN_EXE_tilekit"))
            .args(["sim", "--board", "boards/minimal.yaml", "--name", name])
            .current_dir(&root)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let window = std::path::PathBuf::from(format!("/dev/shm/tilekit-{name}.window"));
        for _ in 0..100 {
            if window.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Server { child, window }
    }

    /// Interrupts the server; returns whether it exited successfully.
    fn stop(mut self) -> bool {
        Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.child.wait().unwrap().success()
    }
}

impl Drop for Server {
    /// A test that fails before `stop` must not leave its server running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn help_texts() {
    for args in [
        &["--help"][..],
        &["board", "--help"],
        &["board", "check", "--help"],
        &["board", "show", "--help"],
        &["board", "schema", "--help"],
        &["board", "validate", "--help"],
        &["accel", "--help"],
        &["accel", "list", "--help"],
        &["accel", "new", "--help"],
        &["sim", "--help"],
        &["list", "--help"],
        &["run", "--help"],
        &["trace", "--help"],
        &["pipe", "--help"],
        &["up", "--help"],
        &["dump", "--help"],
        &["doctor", "--help"],
        &["completions", "--help"],
    ] {
        let name = args.join("_").replace("--", "");
        insta::assert_snapshot!(name, transcript(args));
    }
}

#[test]
fn error_messages_name_the_cause_and_the_fix() {
    let cases: &[&[&str]] = &[
        &["dump", "--board", "sim:not-served-zz", "--tile", "1"],
        &["dump", "--board", "boards/demo.yaml", "--tile", "1"],
        &["dump", "--board", "sim:x", "--tile", "C9"],
        &["run", "--put", "a=/b", "--bare", "hello"],
        &["run", "--put", "no-such-file=/b", "hello"],
        &["run", "--get", "/x", "hello"],
        &["run", "--stop-at-entry", "--bare", "hello"],
        &["up", "--board", "boards/minimal.yaml", "--timeout", "5"],
        &["trace", "--board", "boards/minimal.yaml", "--tile", "C0"],
        &["completions", "fish-shell"],
    ];
    let all: Vec<String> = cases.iter().map(|a| transcript(a)).collect();
    insta::assert_snapshot!(all.join("\n"));
}

#[test]
fn trace_writes_every_command_and_message_as_chrome_trace_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.json");
    let out_s = out.to_str().unwrap();
    let (code, _, stderr) = tilekit(&["trace", "-o", out_s, "hello", "--", "traced"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("tilekit: trace of "), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let ev = v["traceEvents"].as_array().unwrap();
    let tid = |name: &str| {
        ev.iter()
            .find(|e| {
                e["name"] == "thread_name" && e["args"]["name"].as_str().unwrap().starts_with(name)
            })
            .map(|e| e["tid"].clone())
            .unwrap_or_else(|| panic!("no track for {name}"))
    };
    let (kernel, app) = (tid("C0T00 kernel"), tid("C0T02 core"));
    // The program's syscalls: SENDs from its tile to the kernel's, each
    // arriving there as a message with an arrow from the sender.
    let sends = ev
        .iter()
        .filter(|e| e["ph"] == "X" && e["tid"] == app && e["name"] == "SEND C0T00")
        .count();
    assert!(sends >= 1, "no syscall SEND from C0T02");
    let arrivals: Vec<&serde_json::Value> = ev
        .iter()
        .filter(|e| e["ph"] == "X" && e["tid"] == kernel && e["name"] == "message from C0T02")
        .collect();
    assert!(
        arrivals.len() >= sends,
        "{} arrivals, {sends} sends",
        arrivals.len()
    );
    let starts = ev.iter().filter(|e| e["ph"] == "s").count();
    let ends = ev.iter().filter(|e| e["ph"] == "f").count();
    assert!(starts > 0 && starts == ends);
    // Time runs forward.
    let ts: Vec<f64> = ev.iter().filter_map(|e| e["ts"].as_f64()).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(v["otherData"]["dropped"], 0);
    // Served boards are traced where they are simulated, not here.
    let name = format!("cli-trace-{}", std::process::id());
    let server = Server::start(&name);
    let uri = format!("sim:{name}");
    let (code, _, stderr) = tilekit(&["trace", "-o", out_s, "--board", &uri, "--bare", &pong()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("a trace needs a board simulated in this process"),
        "{stderr}"
    );
    assert!(server.stop());
}

#[test]
fn board_check_passes_shipped_boards() {
    insta::assert_snapshot!(transcript(&[
        "board",
        "check",
        "boards/minimal.yaml",
        "boards/demo.yaml"
    ]));
}

#[test]
fn board_check_reports_location_and_fix() {
    let (code, _, _) = tilekit(&[
        "board",
        "check",
        "board-support/schema/tests/invalid/B06-too-many-eps.yaml",
    ]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(transcript(&[
        "board",
        "check",
        "boards/minimal.yaml",
        "board-support/schema/tests/invalid/B06-too-many-eps.yaml",
        "board-support/schema/tests/invalid/Y01-yaml11-boolean.yaml",
    ]));
}

#[test]
fn board_check_missing_file() {
    insta::assert_snapshot!(transcript(&["board", "check", "boards/no-such-board.yaml"]));
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, stderr) = tilekit(&["board", "check"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("FILE"), "{stderr}");
    let (code, _, _) = tilekit(&["board", "frobnicate"]);
    assert_eq!(code, 2);
}

#[test]
fn board_check_json_parses() {
    let (code, stdout, _) = tilekit(&[
        "board",
        "check",
        "--json",
        "boards/minimal.yaml",
        "board-support/schema/tests/invalid/B04-duplicate-id.yaml",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v[0]["ok"], true);
    assert_eq!(v[1]["ok"], false);
    assert_eq!(v[1]["diagnostics"][0]["line"], 6);
    assert!(
        v[1]["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("B04")
    );
}

#[test]
fn board_show_table_dot_and_json() {
    insta::assert_snapshot!(transcript(&["board", "show", "boards/minimal.yaml"]));
    insta::assert_snapshot!(transcript(&[
        "board",
        "show",
        "--dot",
        "boards/minimal.yaml"
    ]));
    let (code, stdout, _) = tilekit(&["board", "show", "--json", "boards/demo.yaml"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["name"], "demo");
    assert_eq!(v["tiles"].as_array().unwrap().len(), 12);
}

#[test]
fn board_schema_is_json() {
    let (code, stdout, _) = tilekit(&["board", "schema"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["title"], "Board");
    assert!(v["properties"]["tiles"].is_object());
}

#[test]
fn board_validate_a_board_file_passes_every_check() {
    let (code, stdout, stderr) = tilekit(&["board", "validate", "--json", "boards/minimal.yaml"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for c in v.as_array().unwrap() {
        let (name, result) = (c["name"].as_str().unwrap(), c["result"].as_str().unwrap());
        assert_eq!(result, "PASSED", "{name}: {}", c["detail"]);
    }
}

#[test]
fn board_validate_names_an_unserved_board_and_the_fix() {
    let (code, _, stderr) = tilekit(&["board", "validate", "sim:no-such-board"]);
    assert_eq!(code, 3);
    assert!(
        stderr.contains("no simulated board `no-such-board` is served"),
        "{stderr}"
    );
    assert!(
        stderr.contains("tilekit sim --board FILE --name no-such-board"),
        "{stderr}"
    );
}

#[test]
fn sim_serves_until_interrupted_and_cleans_up() {
    let name = format!("clitest-{}", std::process::id());
    let server = Server::start(&name);
    let window = server.window.clone();
    let uri = format!("sim:{name}");
    let (code, stdout, _) = tilekit(&["board", "validate", &uri, "--board", "boards/minimal.yaml"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("validate: 10 passed, 0 failed, 0 skipped"),
        "{stdout}"
    );
    // A second server under the same name is refused.
    let (code, _, stderr) = tilekit(&["sim", "--board", "boards/minimal.yaml", "--name", &name]);
    assert_ne!(code, 0);
    assert!(stderr.contains("already served"), "{stderr}");
    assert!(server.stop());
    assert!(!window.exists(), "the window file was not removed");
}

#[test]
fn one_writer_at_a_time_and_busy_names_the_owner() {
    let name = format!("busytest-{}", std::process::id());
    let server = Server::start(&name);
    {
        let _owner =
            tilekit_sim::window::WindowFile::open_writer(&name, "the test holds it").unwrap();
        let (code, _, stderr) = tilekit(&["board", "validate", &format!("sim:{name}")]);
        assert_eq!(code, 3, "{stderr}");
        let want = format!(
            "busy: board `{name}` is owned by PID {} (the test holds it)",
            std::process::id()
        );
        assert!(stderr.contains(&want), "{stderr}");
        let e = list_entry(&name).unwrap();
        assert_eq!(e["state"], "served");
        assert_eq!(e["owner_pid"], u64::from(std::process::id()));
    }
    // The owner let go: the board can be validated (owned) again.
    let (code, out, _) = tilekit(&["board", "validate", &format!("sim:{name}")]);
    assert_eq!(code, 0, "{out}");
    assert!(server.stop());
}

#[test]
fn stale_boards_are_listed_and_reclaimed() {
    use board_window::layout::ControlReg;
    let name = format!("staletest-{}", std::process::id());
    let board = board_schema::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../boards/minimal.yaml"),
        &board_schema::Catalog::builtin(),
    )
    .unwrap();
    let rom = board_window::encode(&board).unwrap();
    // A window whose server is gone: leak it as a crashed simulator would.
    let w = tilekit_sim::window::WindowFile::create(&name, &rom).unwrap();
    w.write(
        ControlReg::ServerPid.window_offset(),
        u64::from(u32::MAX - 7),
    );
    std::mem::forget(w);
    let e = list_entry(&name).unwrap();
    assert!(e["state"].as_str().unwrap().starts_with("stale"), "{e}");
    let server = Server::start(&name);
    let mut served = false;
    for _ in 0..100 {
        if list_entry(&name).is_some_and(|e| e["state"] == "served") {
            served = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(server.stop());
    assert!(served, "the stale board was not reclaimed");
}

#[test]
fn dump_decodes_a_tiles_endpoints_from_the_window() {
    use tcu_mmio::ep::{Credits, EpConfig, RecvEp, SendEp};
    use tcu_mmio::{ActId, EpId, Label, Reg, TileId};
    let board = board_schema::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../boards/minimal.yaml"),
        &board_schema::Catalog::builtin(),
    )
    .unwrap();
    let name = format!("dumptest-{}", std::process::id());
    let sim = tilekit_sim::Sim::serve(&board, tilekit_sim::Isolation::Sandboxed, &name).unwrap();
    let core = TileId::on_chip0(1);
    let send = EpConfig::Send(SendEp {
        act: ActId::INVALID,
        cur_credits: Credits::new(3).unwrap(),
        max_credits: Credits::new(4).unwrap(),
        msg_size_log2: 9,
        credit_ep: EpId::INVALID,
        reply: false,
        target_tile: TileId::on_chip0(0),
        target_ep: EpId(4),
        label: Label(0xabc),
    });
    sim.configure_ep(core, EpId(7), &send).unwrap();
    // A receive gate with two messages: slot 0 fetched, slot 2 unread.
    let recv = EpConfig::Receive(RecvEp {
        act: ActId::INVALID,
        reply_eps: EpId::INVALID,
        slots_log2: 2,
        slot_size_log2: 8,
        wpos: 0,
        rpos: 0,
        buf_addr: 0x4000,
        occupied: 0b101,
        unread: 0b100,
    });
    sim.configure_ep(core, EpId(8), &recv).unwrap();
    sim.write_remote(core, Reg::TILE_DESC, 1).unwrap(); // ignored: read-only
    let uri = format!("sim:{name}");
    let (code, stdout, stderr) = tilekit(&["dump", "--board", &uri, "--tile", "1", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["tile"], "C0T01");
    assert_eq!(v["violations"], 1);
    assert_eq!(v["endpoints"].as_array().unwrap().len(), 2);
    assert_eq!(v["pending_messages"], 1);
    assert_eq!(
        v["taken_slots"],
        serde_json::json!([
            {"ep": 8, "slot": 0, "addr": 0x4000, "state": "fetched, not yet replied to or acked"},
            {"ep": 8, "slot": 2, "addr": 0x4200, "state": "unread"},
        ])
    );
    assert_eq!(v["endpoints"][0]["ep"], 7);
    assert_eq!(
        v["endpoints"][0]["detail"],
        "→ C0T00 EP4, credits 3/4, msg ≤ 512 B, label 0xabc"
    );
    let (_, text, _) = tilekit(&["dump", "--board", &uri, "--tile", "C0T01"]);
    assert!(
        text.contains("compute unit stopped, 1 violation(s), 1 unread message(s)"),
        "{text}"
    );
    assert!(text.contains("pending messages:"), "{text}");
    assert!(text.contains("0x4200"), "{text}");
    let (code, _, stderr) = tilekit(&["dump", "--board", &uri, "--tile", "9"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("has no tile C0T09; it has C0T00, C0T01, C0T02"),
        "{stderr}"
    );
    drop(sim);
}

/// The `pong` tile image of the ping-pong sample, built beside tilekit.
fn pong() -> String {
    let p = Path::new(env!("CARGO_BIN_EXE_tilekit")).with_file_name("pong");
    assert!(
        p.exists(),
        "{} is missing: build the workspace first (cargo build --workspace)",
        p.display()
    );
    p.display().to_string()
}

/// A transcript with the image path and timings made stable.
fn run_transcript(args: &[&str]) -> String {
    let t = transcript(args).replace(&pong(), "PONG");
    let mut out = String::new();
    for line in t.lines() {
        match line.find(" after ") {
            Some(i) if line.ends_with(" ms") => {
                out.push_str(&line[..i]);
                out.push_str(" after T ms");
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[test]
fn run_loads_starts_and_follows_a_tile() {
    let pong = pong();
    let ok = run_transcript(&[
        "run",
        "--bare",
        "--board",
        "boards/minimal.yaml",
        &pong,
        "--",
        "0",
    ]);
    insta::assert_snapshot!(ok);
    // A tile that sleeps on: stopped at the timeout.
    let probe = Path::new(env!("CARGO_BIN_EXE_tilekit")).with_file_name("tilekit-sandbox-probe");
    let probe = probe.display().to_string();
    let hung = run_transcript(&[
        "run",
        "--bare",
        "--board",
        "boards/minimal.yaml",
        "--timeout",
        "0.3",
        &probe,
        "--",
        "sleep",
        "30",
    ])
    .replace(&probe, "PROBE");
    insta::assert_snapshot!(hung);
    let not_image = run_transcript(&["run", "--board", "boards/minimal.yaml", "Cargo.toml"]);
    insta::assert_snapshot!(not_image);
    let mismatch = run_transcript(&[
        "run",
        "--board",
        "boards/minimal.yaml",
        "--board-file",
        "boards/demo.yaml",
        &pong,
    ]);
    insta::assert_snapshot!(mismatch);
}

#[test]
fn run_json_parses() {
    let (code, stdout, stderr) = tilekit(&["run", "--json", "hello", "--", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["tile"], "C0T02");
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["state"], "exited with 0");
    assert!(v["wall_ms"].as_f64().unwrap() > 0.0);
    assert!(
        v["output"].as_str().unwrap().contains("Hello, json!"),
        "{v}"
    );
}

#[test]
fn run_on_a_served_board() {
    let name = format!("cli-run-{}", std::process::id());
    let server = Server::start(&name);
    let uri = format!("sim:{name}");
    let pong = pong();
    let (code, stdout, stderr) = tilekit(&["run", "--bare", "--board", &uri, &pong, "--", "0"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout, "pong: answered 0 from C0T01\n");
    // The tile's output stays in its PRINT ring for dump.
    let (code, stdout, _) = tilekit(&["dump", "--board", &uri, "--tile", "1"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("exited with 0"), "{stdout}");
    assert!(stdout.contains("pong: answered 0"), "{stdout}");
    assert!(server.stop());
}

#[test]
fn list_shows_pcie_devices_that_can_carry_a_window() {
    // A fake /sys with an ivshmem device (a window in a VM), bound to
    // vfio-pci in IOMMU group 7, and an unrelated device.
    let root = tempfile::tempdir().unwrap();
    let dev = root.path().join("bus/pci/devices/0000:00:03.0");
    std::fs::create_dir_all(&dev).unwrap();
    std::fs::write(dev.join("vendor"), "0x1af4\n").unwrap();
    std::fs::write(dev.join("device"), "0x1110\n").unwrap();
    std::fs::write(
        dev.join("resource"),
        "0x00000000fea00000 0x00000000fea000ff 0x0000000000040200\n\
         0x0000000000000000 0x0000000000000000 0x0000000000000000\n\
         0x00000000fd000000 0x00000000fdffffff 0x000000000014220c\n",
    )
    .unwrap();
    let groups = root.path().join("kernel/iommu_groups/7");
    std::fs::create_dir_all(&groups).unwrap();
    std::os::unix::fs::symlink(&groups, dev.join("iommu_group")).unwrap();
    let drv = root.path().join("bus/pci/drivers/vfio-pci");
    std::fs::create_dir_all(&drv).unwrap();
    std::os::unix::fs::symlink(&drv, dev.join("driver")).unwrap();
    let other = root.path().join("bus/pci/devices/0000:00:01.0");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("vendor"), "0x8086\n").unwrap();
    std::fs::write(other.join("device"), "0x1237\n").unwrap();
    std::fs::write(other.join("resource"), "").unwrap();
    let sysfs = root.path().display().to_string();
    let (code, out, _) = tilekit(&["list", "--json", "--sysfs", &sysfs]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let pcie: Vec<&serde_json::Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["uri"].as_str().unwrap_or("").starts_with("pcie:"))
        .collect();
    assert_eq!(pcie.len(), 1, "{out}");
    assert_eq!(pcie[0]["uri"], "pcie:0000:00:03.0");
    assert_eq!(pcie[0]["pcie"]["vendor"], "1af4");
    assert_eq!(pcie[0]["pcie"]["iommu_group"], 7);
    assert_eq!(pcie[0]["pcie"]["driver"], "vfio-pci");
    let (_, text, _) = tilekit(&["list", "--sysfs", &sysfs]);
    assert!(
        text.contains("pcie:0000:00:03.0")
            && text.contains("1af4:1110, 2 BARs, IOMMU group 7, driver vfio-pci"),
        "{text}"
    );
}

#[test]
fn run_boots_the_kernel_which_starts_the_program() {
    let (code, stdout, stderr) = tilekit(&[
        "run",
        "--board",
        "boards/minimal.yaml",
        "hello",
        "--",
        "tests",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.starts_with("Hello, tests! from tile C0T01 (kernel memory:"),
        "{stdout}"
    );
    assert!(
        stderr.contains("tilekit: tile C0T01 exited with 0"),
        "{stderr}"
    );
    // tilekit exits with the program's exit code (pong fails with 1
    // without its endpoints; the probe's unknown attempt is 2).
    let probe = Path::new(env!("CARGO_BIN_EXE_tilekit")).with_file_name("tilekit-sandbox-probe");
    let (code, _, _) = tilekit(&[
        "run",
        "--board",
        "boards/minimal.yaml",
        &probe.display().to_string(),
        "--",
        "no-such-attempt",
    ]);
    assert_eq!(code, 2);
    // A program that is nowhere names the places searched.
    let (code, _, stderr) = tilekit(&["run", "no-such-program"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no tile image `no-such-program`; searched:"),
        "{stderr}"
    );
    assert!(stderr.contains("TILEKIT_IMAGE_PATH"), "{stderr}");
}

/// `tilekit up` on the demo board with `boot` (YAML list items) as its
/// boot: section.
fn up_with_boot(boot: &str) -> (i32, String, String) {
    let demo = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../boards/demo.yaml"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("board.yaml");
    std::fs::write(&file, format!("{demo}boot:\n{boot}")).unwrap();
    tilekit(&["up", "--board", &file.display().to_string()])
}

#[test]
fn up_starts_the_boot_section_through_root() {
    let (code, stdout, stderr) = up_with_boot(
        "  - { program: hello, tile: 2, args: [first] }\n  - { program: crasher, tile: 3, args: [exit, \"7\"] }\n",
    );
    assert_eq!(
        code, 7,
        "the first failing program's code\n{stdout}{stderr}"
    );
    assert!(
        stdout.contains("[C0T02] Hello, first! from tile C0T02"),
        "{stdout}"
    );
    assert!(
        stderr.contains("tilekit: tile C0T02 exited with 0"),
        "{stderr}"
    );
    assert!(
        stderr.contains("tilekit: tile C0T03 exited with 7"),
        "{stderr}"
    );
    // A board file without a boot: section says what to do.
    let (code, _, stderr) = tilekit(&["up", "--board", "boards/minimal.yaml"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("has no boot: section"), "{stderr}");
}

#[test]
fn up_gives_sessions_as_the_boot_section_says() {
    let (code, stdout, stderr) = up_with_boot(
        "  - { program: echo-srv, tile: 2, serves: echo }\n  - { program: echo-client, tile: 3, args: [hi, there], sessions: [echo] }\n",
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("[C0T03] echo-client: [1] HI THERE"),
        "{stdout}"
    );
    // Root's lines come too: the server's service, the client's session.
    assert!(
        stdout.contains("[C0T01] root: activity 2 serves"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[C0T01] root: activity 3 has a session with program 0"),
        "{stdout}"
    );
    // A session with a service nobody serves is refused before booting.
    let (code, _, stderr) =
        up_with_boot("  - { program: echo-client, tile: 3, sessions: [echo] }\n");
    assert_eq!(code, 1);
    assert!(
        stderr.contains("B14") && stderr.contains("no earlier boot entry serves"),
        "{stderr}"
    );
}

#[test]
fn a_kernel_that_dies_at_boot_is_named_as_the_cause() {
    // An installation whose "kernel" is a program that exits at once.
    let dir = tempfile::tempdir().unwrap();
    let built = Path::new(env!("CARGO_BIN_EXE_tilekit")).parent().unwrap();
    for (from, to) in [
        ("tilekit", "tilekit"),
        ("crasher", "tilekit-kernel"),
        ("tilekit-root", "tilekit-root"),
        ("hello", "hello"),
    ] {
        std::fs::copy(built.join(from), dir.path().join(to)).unwrap();
    }
    let out = Command::new(dir.path().join("tilekit"))
        .args(["run", "hello"])
        .env_remove("TILEKIT_BOARD")
        .env_remove("TILEKIT_IMAGE_PATH")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the kernel on C0T00 exited with 2 during boot; it printed:")
            && stderr.contains("crasher: give `panic` or `exit N`"),
        "{stderr}"
    );
}

#[test]
fn up_gives_programs_sessions_with_roots_file_service() {
    let (code, stdout, stderr) = up_with_boot(
        "  - { program: fcopy, tile: 2, args: [gen, /x, \"1000\", \"1\", --mark, /x.ready], sessions: [fs] }\n  - { program: fcopy, tile: 3, args: [--after, /x.ready, sum, /x], sessions: [fs] }\n",
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("[C0T02] fcopy: wrote 1000 bytes to /x"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[C0T03] fcopy: /x: 1000 bytes, fnv "),
        "{stdout}"
    );
    assert!(stdout.contains("[C0T01] root: file service up"), "{stdout}");
}

#[test]
fn run_puts_files_the_program_copies_and_gets_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.bin");
    // 10 MiB + 3 of pseudo-random bytes.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let data: Vec<u8> = (0..(10 << 20) + 3)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect();
    std::fs::write(&input, &data).unwrap();
    let out = dir.path().join("deep/er/out.bin");
    let put = format!("{}=/data/in.bin", input.display());
    let get = format!("/data/out.bin={}", out.display());
    let (code, stdout, stderr) = tilekit(&[
        "run",
        "--put",
        &put,
        "--get",
        &get,
        "fcopy",
        "--",
        "copy",
        "/data/in.bin",
        "/data/out.bin",
        "65537",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    // Progress bars only on a terminal: none in a pipe.
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains("put /data"),
        "{stderr}"
    );
    assert!(
        stdout.contains(&format!("copied {} bytes", data.len())),
        "{stdout}"
    );
    assert!(
        std::fs::read(&out).unwrap() == data,
        "the file came back changed"
    );

    // A file to put that does not exist, a path on the board that is not
    // absolute, a file to get that the program did not write.
    let (code, _, stderr) = tilekit(&["run", "--put", "/no/such/file=/x", "hello"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("reading /no/such/file for --put"),
        "{stderr}"
    );
    let (code, _, stderr) = tilekit(&["run", "--put", "a=relative", "hello"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("a path on the board starts with `/`"),
        "{stderr}"
    );
    let missing = format!("/nothing={}", dir.path().join("n").display());
    let (code, _, stderr) = tilekit(&["run", "--get", &missing, "hello"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("getting /nothing: no such file or directory"),
        "{stderr}"
    );
}

#[test]
fn doctor_reports_every_check_and_its_json_parses() {
    let (code, stdout, stderr) = tilekit(&["doctor", "--json"]);
    assert!(code == 0 || code == 3, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["/dev/shm", "seccomp", "landlock", "user namespaces", "vfio"]
    );
    for c in v.as_array().unwrap() {
        let state = c["state"].as_str().unwrap();
        assert!(["ok", "missing", "note"].contains(&state), "{c}");
        assert!(
            !c["fix"].as_str().unwrap().is_empty(),
            "every check has its fix"
        );
    }
    let (code, stdout, _) = tilekit(&["doctor"]);
    assert!(code == 0 || code == 3);
    assert!(stdout.contains("seccomp"), "{stdout}");
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, stdout, stderr) = tilekit(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(
            stdout.contains("doctor") && stdout.contains("run"),
            "{shell}"
        );
    }
    let (code, _, stderr) = tilekit(&["completions", "tcsh"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn up_console_works_on_the_board_file_system() {
    use std::io::Write as _;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("note.txt");
    std::fs::write(&local, "from the host\n").unwrap();
    let back = dir.path().join("back/note.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tilekit"))
        .args(["up", "--console"])
        .env_remove("TILEKIT_BOARD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let script = format!(
        "mkdir /d\nput {} /d/note.txt\nls /d\ncat /d/note.txt\nget /d/note.txt {}\nrm /d/missing\nbogus\nquit\n",
        local.display(),
        back.display()
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("file           14 note.txt"), "{stdout}");
    assert!(stdout.contains("from the host"), "{stdout}");
    assert!(
        stdout.contains("[C0T01] root: the host tile is done"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "from the host\n");
    assert!(
        stderr.contains("error: removing /d/missing: no such file or directory"),
        "{stderr}"
    );
    assert!(stderr.contains("error: `bogus`: not a command"), "{stderr}");
}

#[test]
fn stop_at_entry_holds_the_program_until_enter_and_names_its_process() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tilekit"))
        .args(["run", "--stop-at-entry", "hello", "--", "held"])
        .current_dir(root)
        .env_remove("TILEKIT_LOG")
        .env_remove("TILEKIT_BOARD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let pid = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "stderr ended: {seen}"
        );
        seen.push_str(&line);
        if let Some(rest) = line.split("(process ").nth(1) {
            break rest.split(')').next().unwrap().to_owned();
        }
    };
    let pid: u32 = pid
        .parse()
        .unwrap_or_else(|_| panic!("no process id: {seen}"));
    // That process is the tile's: its descriptor 3 is the tile's memory.
    let fd3 = std::fs::read_link(format!("/proc/{pid}/fd/3")).unwrap();
    assert!(
        fd3.to_string_lossy().contains("tilekit-C0T02"),
        "{}",
        fd3.display()
    );
    // It waits: nothing printed, still there a while later.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    assert!(
        child.try_wait().unwrap().is_none(),
        "tilekit ended while held"
    );
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let status = child.wait().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "{seen}{rest}");
    assert!(out.contains("Hello, held! from tile C0T02"), "{out}");
    assert!(rest.contains(&format!("gdb -p {pid}")), "{rest}");
}

#[test]
fn pipe_runs_stages_on_tiles_and_equals_openssl() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.bin");
    let data: Vec<u8> = (0..300_007u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&input, &data).unwrap();
    let key = dir.path().join("key.hex");
    std::fs::write(
        &key,
        "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4\n",
    )
    .unwrap();
    let out = dir.path().join("deep/out.bin");
    let iv = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    let stage = format!("aes-ctr:key=@{}:iv={iv}", key.display());
    let (code, stdout, stderr) = tilekit(&[
        "pipe",
        "--json",
        "--in",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        &stage,
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["stages"][0]["name"], "aes-ctr");
    // The demo board's crypto tile ran it.
    assert_eq!(v["stages"][0]["tile"], "C0T09");
    assert_eq!(v["stages"][0]["mode"], "accelerator");
    assert_eq!(v["stages"][0]["bytes_in"], data.len());
    assert_eq!(v["output_bytes"], data.len());
    let mut child = Command::new("openssl")
        .args([
            "enc",
            "-aes-256-ctr",
            "-K",
            "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
            "-iv",
            iv,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl (the reference) must be installed");
    let mut stdin = child.stdin.take().unwrap();
    let feed = data.clone();
    let writer = std::thread::spawn(move || stdin.write_all(&feed));
    let reference = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        std::fs::read(&out).unwrap() == reference.stdout,
        "differs from openssl"
    );
    // The table names the tile of each stage.
    let (code, stdout, stderr) = tilekit(&[
        "pipe",
        "--software",
        "--in",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        &stage,
        "sha256",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("C0T04 (software)"), "{stdout}");
    assert_eq!(std::fs::read(&out).unwrap().len(), 32);
    // Both on the crypto tile? It runs one stage: the second in software.
    let (code, stdout, stderr) = tilekit(&[
        "pipe",
        "--in",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        &stage,
        "sha256",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("C0T09 (accelerator)"), "{stdout}");
    assert!(stdout.contains("C0T03 (software)"), "{stdout}");
}

#[test]
fn pipe_refuses_what_cannot_run_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.bin");
    std::fs::write(&input, b"0123456789").unwrap();
    let out = dir.path().join("out.bin");
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    let (code, _, stderr) = tilekit(&["pipe", "--in", i, "--out", o, "blur"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "`blur` is not a stage this tilekit knows; use one of: aes-ctr, sha256, fir, isp (or register a kind: docs/porting.md)"
        ),
        "{stderr}"
    );
    let (code, _, stderr) = tilekit(&[
        "pipe",
        "--board",
        "boards/minimal.yaml",
        "--in",
        i,
        "--out",
        o,
        "sha256",
        "sha256",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("this pipeline needs 4 core tiles (root, the app and 2 software stage(s)), the board `minimal` has"), "{stderr}");
    // A stage that refuses its parameters: the error names it and why.
    let (code, _, stderr) = tilekit(&["pipe", "--in", i, "--out", o, "aes-ctr:key=00ff:iv=00"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("stage 0 (aes-ctr) on C0T09 failed: it does not understand its parameters"),
        "{stderr}"
    );
    assert!(
        stderr.contains("aes-ctr key: 2 bytes, expected 16 (AES-128) or 32 (AES-256)"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn a_kind_registered_by_a_manifest_needs_no_edit_of_tilekit() {
    // A new kind, `loopback`: its manifest names a firmware built outside
    // tilekit (the hostile accelerator of the containment tests, which
    // copies when its stage is `copy`), relative to the manifest.
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_tilekit")).with_file_name("shim-hostile");
    std::fs::copy(&bin, dir.path().join("shim-loopback")).unwrap();
    std::fs::write(
        dir.path().join("loopback.accel.yaml"),
        "tilekit_accel: 1\nkind: loopback\nfirmware: ./shim-loopback\nstages:\n  - { name: copy }\n",
    )
    .unwrap();
    let demo = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../boards/demo.yaml"),
    )
    .unwrap();
    let board = dir.path().join("board.yaml");
    std::fs::write(
        &board,
        demo.replace("label: dsp, accel: dsp", "label: loop, accel: loopback"),
    )
    .unwrap();
    let run = |args: &[&str], with_kind: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tilekit"));
        c.args(args).env_remove("TILEKIT_BOARD");
        if with_kind {
            c.env("TILEKIT_ACCEL_PATH", dir.path());
        } else {
            c.env_remove("TILEKIT_ACCEL_PATH");
        }
        let out = c.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let b = board.to_str().unwrap();
    // Unknown without its manifest ...
    let (code, _, stderr) = run(&["board", "check", b], false);
    assert_ne!(code, 0);
    assert!(stderr.contains("loopback"), "{stderr}");
    // ... a kind like any other with it.
    let (code, stdout, stderr) = run(&["board", "check", b], true);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let input = dir.path().join("in.bin");
    let data: Vec<u8> = (0..150_001u32).map(|i| (i * 7 + i / 300) as u8).collect();
    std::fs::write(&input, &data).unwrap();
    let out = dir.path().join("out.bin");
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    let (code, stdout, stderr) = run(
        &[
            "pipe", "--json", "--board", b, "--in", i, "--out", o, "copy",
        ],
        true,
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["stages"][0]["tile"], "C0T08");
    assert_eq!(v["stages"][0]["mode"], "accelerator");
    assert!(std::fs::read(&out).unwrap() == data);
    // Without a software version, a board lacking the tile is refused.
    let (code, _, stderr) = run(&["pipe", "--in", i, "--out", o, "copy"], true);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(
            "stage copy has no software version and needs a free `loopback` accelerator tile"
        ),
        "{stderr}"
    );
}

#[test]
fn accel_new_generates_a_crate_that_builds_and_passes_its_tests() {
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("my-xor");
    let k = krate.to_str().unwrap();
    let (code, stdout, stderr) = tilekit(&["accel", "new", "my-xor", "--dir", k]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    for f in [
        "Cargo.toml",
        "my-xor.accel.yaml",
        "board.yaml",
        "src/device.rs",
        "src/driver.rs",
        "src/client.rs",
        "src/main.rs",
        "tests/device.rs",
        "tests/board.rs",
        "README.md",
    ] {
        assert!(krate.join(f).is_file(), "{f} missing");
    }
    // Unchanged, it builds and its tests pass — the device through its
    // registers and the stage on its tile of the simulated board. (Its
    // own target folder inside ours, so reruns are incremental.)
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/accel-new");
    let out = Command::new(env!("CARGO"))
        .args(["test", "--offline"])
        .current_dir(&krate)
        .env("CARGO_TARGET_DIR", &target)
        .env("TILEKIT", env!("CARGO_BIN_EXE_tilekit"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    let log =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{log}");
    assert!(!log.contains("warning"), "{log}");
    assert_eq!(log.matches("1 passed").count(), 2, "{log}");
    // tilekit knows the kind through its manifest, with no edit.
    let with_kind = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tilekit"))
            .args(args)
            .env("TILEKIT_ACCEL_PATH", &krate)
            .output()
            .unwrap()
    };
    let check = with_kind(&["board", "check", krate.join("board.yaml").to_str().unwrap()]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let list = with_kind(&["accel", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let kinds: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["crypto", "dsp", "isp", "my-xor"]);
    // What it refuses: a bad name, a built-in one, a folder in use.
    let (code, _, stderr) = tilekit(&["accel", "new", "My_Xor"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not a kind name"), "{stderr}");
    let (code, _, stderr) = tilekit(&["accel", "new", "crypto"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("built-in kind or stage"), "{stderr}");
    let (code, _, stderr) = tilekit(&["accel", "new", "other", "--dir", k]);
    assert_eq!(code, 1);
    assert!(stderr.contains("exists and is not empty"), "{stderr}");
}
